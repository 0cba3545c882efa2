/* profile.c — the parsed profile: ordered parameter entries with a name
 * index, "last occurrence wins" semantics, and the helpers shared by both
 * profile formats (content sniffing, file reading). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nameindex.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"

#define SPA_FILE_MAX (64u << 20)

void spa_profile_init(spa_profile *p)
{
    memset(p, 0, sizeof *p);
}

static void entry_free(spa_profile_entry *e)
{
    free(e->name);
    free(e->value);
}

void spa_profile_free(spa_profile *p)
{
    for (size_t i = 0; i < p->n; i++)
        entry_free(&p->v[i]);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p->v);
    free(p->index);
    spa_profile_init(p);
}

/* The profile's own copy of a file name (a profile names few files). */
static const char *intern_file(spa_profile *p, const char *file, bool *oom)
{
    if (!file)
        return NULL;
    for (size_t i = p->nfiles; i > 0; i--)
        if (strcmp(p->files[i - 1], file) == 0)
            return p->files[i - 1];
    char **v = realloc(p->files, (p->nfiles + 1) * sizeof *v);
    char *copy = v ? strdup(file) : NULL;
    if (v)
        p->files = v;
    if (!copy) {
        *oom = true;
        return NULL;
    }
    p->files[p->nfiles++] = copy;
    return copy;
}

static const char *entry_key(const void *base, uint32_t i)
{
    return ((const spa_profile *)base)->v[i].name;
}

static spa_nameindex index_of(const spa_profile *p)
{
    return (spa_nameindex){ p->index, p->index_cap };
}

static long find_canonical(const spa_profile *p, const char *name)
{
    spa_nameindex ix = index_of(p);
    return spa_index_find(&ix, name, strlen(name), entry_key, p);
}

const spa_profile_entry *spa_profile_get(const spa_profile *p, const char *name)
{
    char canon[SPA_NAME_MAX];
    if (spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return NULL;
    long i = find_canonical(p, canon);
    return i < 0 ? NULL : &p->v[i];
}

static char *dup_opt(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

int spa_profile_set(spa_profile *p, const char *name, const char *value, spa_access a,
                    const char *file, unsigned line, unsigned col)
{
    char canon[SPA_NAME_MAX];
    if (spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return -1;
    if (value && !spa_value_is_ascii(value, strlen(value)))
        return -1;
    bool oom = false;
    spa_profile_entry e = { .access = a, .line = line, .col = col };
    e.name = dup_opt(canon, &oom);
    e.value = dup_opt(value, &oom);
    e.file = intern_file(p, file, &oom);
    if (oom) {
        entry_free(&e);
        return -2;
    }
    long i = find_canonical(p, canon);
    if (i >= 0) {
        entry_free(&p->v[i]);
        p->v[i] = e;
        p->duplicates++;
        return 0;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        spa_profile_entry *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            entry_free(&e);
            return -2;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n] = e;
    spa_nameindex ix = index_of(p);
    if (spa_index_insert(&ix, (uint32_t)p->n, p->n + 1, entry_key, p) < 0) {
        entry_free(&e);
        return -2;
    }
    p->index = ix.slots;
    p->index_cap = ix.cap;
    p->n++;
    return 0;
}

bool spa_profile_remove(spa_profile *p, const char *name)
{
    char canon[SPA_NAME_MAX];
    if (spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return false;
    long i = find_canonical(p, canon);
    if (i < 0)
        return false;
    entry_free(&p->v[i]);
    memmove(&p->v[i], &p->v[i + 1], (p->n - (size_t)i - 1) * sizeof *p->v);
    p->n--;
    spa_nameindex ix = index_of(p);
    if (spa_index_rebuild(&ix, p->n, entry_key, p) == 0) {
        p->index = ix.slots;
        p->index_cap = ix.cap;
    }
    return true;
}

static bool same_value(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool spa_profile_equal(const spa_profile *a, const spa_profile *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        long j = find_canonical(b, a->v[i].name);
        if (j < 0 || a->v[i].access != b->v[j].access ||
            !same_value(a->v[i].value, b->v[j].value))
            return false;
    }
    return true;
}

void spa_profile_resolve_access(spa_profile *p, const spa_model *m)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].access != SPA_ACCESS_UNSET)
            continue;
        const spa_param_def *def = m ? spa_model_param(m, p->v[i].name) : NULL;
        p->v[i].access = def ? def->def_access : SPA_ACCESS_NA;
    }
}

bool spa_profile_looks_xml(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < len && data[i] == '<';
}

int spa_profile_parse_any(spa_profile *p, const char *data, size_t len, const char *file,
                          spa_diags *d)
{
    if (spa_profile_looks_xml(data, len))
        return spa_profile_parse_xml(p, data, len, file, NULL, d);
    spa_text_options opt = { .allow_import = true };
    return spa_profile_parse_text(p, data, len, file, &opt, d);
}

int spa_read_file(const char *path, spa_buf *out, spa_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "io", "cannot open: %s", strerror(errno));
        return -1;
    }
    spa_buf_reset(out);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > SPA_FILE_MAX) {
            spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "io", "file larger than %u MiB",
                         SPA_FILE_MAX >> 20);
            rc = -1;
            break;
        }
        if (spa_buf_append(out, chunk, n) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "io", "out of memory");
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "io", "read error: %s", strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && !out->data)
        rc = spa_buf_reserve(out, 0);
    return rc;
}
