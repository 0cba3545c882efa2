/* model.c — loading device model schemas. A model is data, not code: a
 * schema file (data/models/NAME.model, format in docs/models.md) gives the
 * unit's identity ($PN, $PSN, $SWVER, $HWVER, User-Agent product) and every
 * parameter it knows with its type, factory default and factory user access.
 * Shared parameter files are spliced in with `include`; per-line and per-user
 * parameters are written once with a [line]/[user]/[ext] placeholder and
 * expanded here. The same files are embedded in the library (see
 * cmake/embed_models.cmake) so every tool works before installation.
 *
 * A loaded model is read-only and shared by every device of that model; its
 * name index (open addressing over canonical names) makes lookups O(1). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "spaprov/model.h"
#include "nameindex.h"

/* Generated from data/models by the build (models_builtin.c). */
struct spa_builtin_file {
    const char *name;
    const char *text;
};
extern const struct spa_builtin_file spa_builtin_models[];

#define INCLUDE_DEPTH_MAX 8      /* deeper nesting is an error */
#define COUNT_MAX 64             /* largest lines/users/extensions count */
#define SCHEMA_FILE_MAX (8u << 20)

enum { PH_LINE, PH_USER, PH_EXT, PH_COUNT };
static const char *const placeholder[PH_COUNT] = {"[line]", "[user]", "[ext]"};
static const char *const count_directive[PH_COUNT] = {"lines", "users", "extensions"};

/* One file being read (an element of the include stack). */
typedef struct frame {
    const char *name;   /* name in diagnostics, and identity for cycle checks */
    char *dir;          /* folder for relative includes; NULL = embedded table */
    char *group;        /* current `group` (file-scoped) */
} frame;

typedef struct loader {
    spa_model *m;
    spa_diags *d;
    size_t cap;                       /* allocated m->params */
    frame stack[INCLUDE_DEPTH_MAX + 1];
    int depth;                        /* index of the current frame */
    int failed;
    int count_set[PH_COUNT];
    /* where each parameter was defined, for duplicate messages */
    char **files;
    size_t nfiles;
    struct where { size_t file; unsigned line; } *where;
} loader;

static const char *param_key(const void *base, uint32_t i)
{
    return ((const spa_param_def *)base)[i].name;
}

static void err(loader *L, unsigned line, unsigned col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void err(loader *L, unsigned line, unsigned col, const char *code, const char *fmt, ...)
{
    va_list ap;
    const char *file = L->depth >= 0 ? L->stack[L->depth].name : NULL;
    va_start(ap, fmt);
    spa_diag_vadd(L->d, SPA_DIAG_ERROR, file, line, col, code, fmt, ap);
    va_end(ap);
    L->failed = 1;
}

static void oom(loader *L, unsigned line)
{
    err(L, line, 0, "oom", "out of memory");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* ---- freeing ----------------------------------------------------------- */

static void param_free(spa_param_def *p)
{
    free(p->name);
    free(p->web_name);
    free(p->def_value);
    free(p->group);
    spa_type_free(&p->type);
}

void spa_model_free(spa_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nparams; i++)
        param_free(&m->params[i]);
    free(m->params);
    free(m->index);
    free(m->name);
    free(m->product);
    free(m->psn);
    free(m->hwver);
    free(m->swver);
    free(m->description);
    free(m);
}

/* ---- parameters -------------------------------------------------------- */

static long find_canonical(const spa_model *m, const char *canon)
{
    spa_nameindex ix = {m->index, m->index_cap};
    return spa_index_find(&ix, canon, strlen(canon), param_key, m->params);
}

static size_t intern_file(loader *L, const char *name)
{
    if (L->nfiles && strcmp(L->files[L->nfiles - 1], name) == 0)
        return L->nfiles - 1;
    char **f = realloc(L->files, (L->nfiles + 1) * sizeof *f);
    if (!f)
        return (size_t)-1;
    L->files = f;
    if (!(f[L->nfiles] = strdup(name)))
        return (size_t)-1;
    return L->nfiles++;
}

/* Append one expanded parameter; takes nothing over from the caller. */
static int add_param(loader *L, unsigned line, const char *web, const char *canon,
                     const spa_type *type, spa_access acc, unsigned flags, const char *def)
{
    spa_model *m = L->m;
    if (m->nparams >= UINT32_MAX - 1)
        return -1;
    if (m->nparams == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        spa_param_def *p = realloc(m->params, cap * sizeof *p);
        if (!p)
            return -1;
        m->params = p;
        struct where *w = realloc(L->where, cap * sizeof *w);
        if (!w)
            return -1;
        L->where = w;
        L->cap = cap;
    }
    spa_param_def *p = &m->params[m->nparams];
    memset(p, 0, sizeof *p);
    p->name = strdup(canon);
    p->web_name = strdup(web);
    p->def_value = strdup(def);
    p->group = strdup(L->stack[L->depth].group ? L->stack[L->depth].group : "");
    p->type = *type;
    p->type.choices = type->choices ? strdup(type->choices) : NULL;
    p->def_access = acc;
    p->flags = flags;
    size_t f = intern_file(L, L->stack[L->depth].name);
    if (!p->name || !p->web_name || !p->def_value || !p->group ||
        (type->choices && !p->type.choices) || f == (size_t)-1) {
        param_free(p);
        return -1;
    }
    spa_nameindex ix = {m->index, m->index_cap};
    if (spa_index_insert(&ix, (uint32_t)m->nparams, m->nparams + 1, param_key, m->params) < 0) {
        param_free(p);
        return -1;
    }
    m->index = ix.slots;
    m->index_cap = ix.cap;
    L->where[m->nparams].file = f;
    L->where[m->nparams].line = line;
    m->nparams++;
    return 0;
}

static int parse_flags(loader *L, unsigned line, char *s, unsigned col, unsigned *flags)
{
    *flags = 0;
    char *p = s;
    while (*p) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *f = trim(p);
        unsigned fcol = col + (unsigned)(f - s);
        if (strcmp(f, "secret") == 0)
            *flags |= SPA_PF_SECRET;
        else if (strcmp(f, "wo") == 0)
            *flags |= SPA_PF_WRITE_ONLY;
        else if (strcmp(f, "profile-only") == 0)
            *flags |= SPA_PF_PROFILE_ONLY;
        else {
            err(L, line, fcol, "schema-flag", "unknown flag '%s' (expected secret, wo or profile-only)",
                f);
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* Which placeholder a name holds (-1 none, -2 several), and where. */
static int find_placeholder(const char *name, const char **at)
{
    int found = -1;
    for (int k = 0; k < PH_COUNT; k++) {
        const char *p = strstr(name, placeholder[k]);
        if (!p)
            continue;
        if (found >= 0 || strstr(p + 1, placeholder[k]))
            return -2;
        found = k;
        *at = p;
    }
    return found;
}

static unsigned count_of(const spa_model *m, int k)
{
    return k == PH_LINE ? m->lines : k == PH_USER ? m->users : m->extensions;
}

/* Expand the placeholder (if any) and add every resulting parameter. */
static void define(loader *L, unsigned line, const char *name, unsigned ncol, const spa_type *type,
                   spa_access acc, unsigned flags, const char *def)
{
    const char *at = NULL;
    int k = find_placeholder(name, &at);
    if (k == -2) {
        err(L, line, ncol, "schema-name", "more than one [line]/[user]/[ext] placeholder in '%s'",
            name);
        return;
    }
    unsigned n = 1;
    if (k >= 0) {
        n = count_of(L->m, k);
        if (n == 0) {
            err(L, line, ncol + (unsigned)(at - name), "schema-count",
                "'%s' used but '%s' is not set (set it before the include)", placeholder[k],
                count_directive[k]);
            return;
        }
    }
    for (unsigned i = 1; i <= n; i++) {
        char web[SPA_NAME_MAX + 16], canon[SPA_NAME_MAX + 16];
        int w;
        if (k >= 0)
            w = snprintf(web, sizeof web, "%.*s[%u]%s", (int)(at - name), name, i,
                         at + strlen(placeholder[k]));
        else
            w = snprintf(web, sizeof web, "%s", name);
        if (w < 0 || (size_t)w >= sizeof web ||
            spa_name_canonical(web, strlen(web), canon, sizeof canon) < 0) {
            err(L, line, ncol, "schema-name", "bad parameter name '%.*s'", 64, name);
            return;
        }
        long prev = find_canonical(L->m, canon);
        if (prev >= 0) {
            struct where *wh = &L->where[prev];
            err(L, line, ncol, "schema-duplicate", "duplicate parameter '%s' (first defined at %s:%u)",
                canon, L->files[wh->file], wh->line);
            return;
        }
        if (add_param(L, line, web, canon, type, acc, flags, def) < 0) {
            oom(L, line);
            return;
        }
    }
}

/* Split "name | type | access [| flags [| default]]"; the default is the
 * rest of the line, and '|' inside {braces} of the type does not split. */
static void parse_param(loader *L, unsigned line, char *s, unsigned base_col)
{
    char *field[5] = {s, NULL, NULL, NULL, NULL};
    int nf = 1, depth = 0;
    for (char *p = s; *p && nf < 5; p++) {
        if (*p == '{')
            depth++;
        else if (*p == '}' && depth > 0)
            depth--;
        else if (*p == '|' && depth == 0) {
            *p = '\0';
            field[nf++] = p + 1;
        }
    }
    unsigned col[5] = {base_col, base_col, base_col, base_col, base_col};
    for (int i = 0; i < nf; i++) {
        char *raw = field[i];
        field[i] = trim(raw);
        col[i] = base_col + (unsigned)(field[i] - s);
    }
    if (nf < 3) {
        err(L, line, base_col, "schema-syntax",
            "expected 'name | type | access [| flags [| default]]'");
        return;
    }
    if (!*field[0]) {
        err(L, line, col[0], "schema-syntax", "missing parameter name");
        return;
    }
    spa_type type;
    if (spa_type_parse(field[1], &type) < 0) {
        if (*field[1])
            err(L, line, col[1], "schema-type", "unknown type '%s'", field[1]);
        else
            err(L, line, col[1], "schema-type", "missing type");
        return;
    }
    spa_access acc;
    if (spa_access_parse(field[2], &acc) < 0) {
        err(L, line, col[2], "schema-access", "bad access '%s' (expected na, ro or rw)", field[2]);
        spa_type_free(&type);
        return;
    }
    unsigned flags = 0;
    if (nf > 3 && parse_flags(L, line, field[3], col[3], &flags) < 0) {
        spa_type_free(&type);
        return;
    }
    const char *def = nf > 4 ? field[4] : "";
    if (nf <= 4)
        col[4] = col[nf - 1] + (unsigned)strlen(field[nf - 1]);
    char why[256];
    if (spa_type_check(&type, def, why, sizeof why) < 0) {
        char tn[64];
        if (spa_type_format(&type, tn, sizeof tn) < 0)
            snprintf(tn, sizeof tn, "its type");
        if (flags & SPA_PF_SECRET)
            err(L, line, col[4], "schema-default", "default is not a valid %s", tn);
        else
            err(L, line, col[4], "schema-default", "default is not a valid %s: %s", tn, why);
        spa_type_free(&type);
        return;
    }
    define(L, line, field[0], col[0], &type, acc, flags, def);
    spa_type_free(&type);
}

/* ---- directives -------------------------------------------------------- */

static void process(loader *L, const char *name, char *dir, const char *text, size_t len);

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= SCHEMA_FILE_MAX) {
                free(buf);
                fclose(f);
                errno = EFBIG;
                return -1;
            }
            cap = cap ? cap * 2 : 65536;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            buf = b;
        }
        errno = 0;
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = e ? e : EIO;       /* e.g. EISDIR for a folder */
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static const struct spa_builtin_file *builtin_find(const char *name)
{
    for (const struct spa_builtin_file *b = spa_builtin_models; b->name; b++)
        if (strcasecmp(b->name, name) == 0)
            return b;
    return NULL;
}

static void do_include(loader *L, unsigned line, const char *arg, unsigned col)
{
    if (L->depth >= INCLUDE_DEPTH_MAX) {
        err(L, line, col, "schema-include", "includes nested deeper than %d", INCLUDE_DEPTH_MAX);
        return;
    }
    const char *cur_dir = L->stack[L->depth].dir;
    char *display = NULL, *dir = NULL, *text = NULL;
    size_t len = 0;
    const char *body;
    if (!cur_dir) {
        const struct spa_builtin_file *b = builtin_find(arg);
        if (!b) {
            err(L, line, col, "schema-include", "cannot include '%s': no such built-in schema file",
                arg);
            return;
        }
        display = strdup(b->name);
        body = b->text;
        len = strlen(b->text);
    } else {
        size_t need = strlen(cur_dir) + strlen(arg) + 2;
        display = malloc(need);
        if (display) {
            if (arg[0] == '/' || strcmp(cur_dir, ".") == 0)
                snprintf(display, need, "%s", arg);
            else
                snprintf(display, need, "%s/%s", cur_dir, arg);
        }
        dir = display ? dir_of(display) : NULL;
        if (!display || !dir) {
            free(display);
            free(dir);
            oom(L, line);
            return;
        }
        if (read_file(display, &text, &len) < 0) {
            err(L, line, col, "schema-include", "cannot include '%s': %s", arg, strerror(errno));
            free(display);
            free(dir);
            return;
        }
        body = text;
    }
    if (!display) {
        oom(L, line);
        return;
    }
    for (int i = 0; i <= L->depth; i++) {
        if (strcmp(L->stack[i].name, display) == 0) {
            err(L, line, col, "schema-include", "include cycle: '%s' is already being read", arg);
            free(display);
            free(dir);
            free(text);
            return;
        }
    }
    process(L, display, dir, body, len);
    free(display);
    free(text);
}

static int parse_count(const char *s, unsigned *out)
{
    if (!*s || strlen(s) > 3)
        return -1;
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > COUNT_MAX)
        return -1;
    *out = v;
    return 0;
}

static void set_identity(loader *L, unsigned line, const char *key, char **slot, const char *arg,
                         unsigned col, int one_word)
{
    if (!*arg) {
        err(L, line, col, "schema-syntax", "'%s' needs an argument", key);
        return;
    }
    if (one_word && strpbrk(arg, " \t")) {
        err(L, line, col, "schema-syntax", "'%s' takes one word", key);
        return;
    }
    if (*slot) {
        err(L, line, col, "schema-duplicate", "duplicate '%s' directive", key);
        return;
    }
    if (!(*slot = strdup(arg)))
        oom(L, line);
}

static void set_count(loader *L, unsigned line, int k, const char *arg, unsigned col)
{
    unsigned v;
    if (parse_count(arg, &v) < 0) {
        err(L, line, col, "schema-count", "bad count '%s' for '%s' (expected 0..%d)", arg,
            count_directive[k], COUNT_MAX);
        return;
    }
    if (L->count_set[k]) {
        err(L, line, col, "schema-duplicate", "duplicate '%s' directive", count_directive[k]);
        return;
    }
    L->count_set[k] = 1;
    if (k == PH_LINE)
        L->m->lines = v;
    else if (k == PH_USER)
        L->m->users = v;
    else
        L->m->extensions = v;
}

static void parse_directive(loader *L, unsigned line, char *s, unsigned base_col)
{
    char *key = s, *arg = s;
    while (*arg && *arg != ' ' && *arg != '\t')
        arg++;
    if (*arg)
        *arg++ = '\0';
    arg = trim(arg);
    unsigned acol = base_col + (unsigned)(arg - s);
    if (!*arg)
        acol = base_col + (unsigned)strlen(key);
    spa_model *m = L->m;
    frame *f = &L->stack[L->depth];
    if (strcmp(key, "model") == 0)
        set_identity(L, line, key, &m->name, arg, acol, 1);
    else if (strcmp(key, "product") == 0)
        set_identity(L, line, key, &m->product, arg, acol, 1);
    else if (strcmp(key, "psn") == 0)
        set_identity(L, line, key, &m->psn, arg, acol, 1);
    else if (strcmp(key, "hwver") == 0)
        set_identity(L, line, key, &m->hwver, arg, acol, 1);
    else if (strcmp(key, "swver") == 0)
        set_identity(L, line, key, &m->swver, arg, acol, 1);
    else if (strcmp(key, "description") == 0)
        set_identity(L, line, key, &m->description, arg, acol, 0);
    else if (strcmp(key, "lines") == 0)
        set_count(L, line, PH_LINE, arg, acol);
    else if (strcmp(key, "users") == 0)
        set_count(L, line, PH_USER, arg, acol);
    else if (strcmp(key, "extensions") == 0)
        set_count(L, line, PH_EXT, arg, acol);
    else if (strcmp(key, "group") == 0) {
        char *g = strdup(arg);
        if (!g) {
            oom(L, line);
            return;
        }
        free(f->group);
        f->group = g;
    } else if (strcmp(key, "include") == 0) {
        if (!*arg)
            err(L, line, acol, "schema-syntax", "'include' needs a file name");
        else
            do_include(L, line, arg, acol);
    } else
        err(L, line, base_col, "schema-syntax", "unknown directive '%.40s'", key);
}

/* ---- lines ------------------------------------------------------------- */

static void parse_line(loader *L, unsigned line, const char *s, size_t len)
{
    while (len && (s[len - 1] == '\r'))
        len--;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || c >= 0x7f || (c < ' ' && c != '\t')) {
            err(L, line, (unsigned)i + 1, "schema-syntax", "%s",
                c == 0 ? "NUL byte in schema file" : "non-ASCII or control character");
            return;
        }
    }
    size_t start = 0;
    while (start < len && (s[start] == ' ' || s[start] == '\t'))
        start++;
    if (start == len || s[start] == '#')
        return;
    char *copy = strndup(s + start, len - start);
    if (!copy) {
        oom(L, line);
        return;
    }
    unsigned col = (unsigned)start + 1;
    if (memchr(copy, '|', len - start))
        parse_param(L, line, copy, col);
    else
        parse_directive(L, line, copy, col);
    free(copy);
}

/* Read one file (the top one or an include); takes ownership of dir. */
static void process(loader *L, const char *name, char *dir, const char *text, size_t len)
{
    L->depth++;
    frame *f = &L->stack[L->depth];
    f->name = name;
    f->dir = dir;
    f->group = NULL;
    unsigned line = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (line < UINT32_MAX)
            line++;
        parse_line(L, line, text + i, end - i);
        i = end + 1;
        if (L->d && L->d->errors > 200)
            break;                     /* hopeless input: stop early */
    }
    free(f->group);
    free(f->dir);
    f->group = NULL;
    f->dir = NULL;
    L->depth--;
}

static spa_model *finish(loader *L, const char *name)
{
    spa_model *m = L->m;
    for (size_t i = 0; i < L->nfiles; i++)
        free(L->files[i]);
    free(L->files);
    free(L->where);
    if (!L->failed && !m->name) {
        spa_diag_add(L->d, SPA_DIAG_ERROR, name, 0, 0, "schema-syntax", "no 'model' directive");
        L->failed = 1;
    }
    if (!L->failed) {
        if (!m->product)
            m->product = strdup(m->name);
        char **opt[] = {&m->psn, &m->hwver, &m->swver, &m->description};
        for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
            if (!*opt[i])
                *opt[i] = strdup("");
        if (!m->product || !m->psn || !m->hwver || !m->swver || !m->description) {
            spa_diag_add(L->d, SPA_DIAG_ERROR, name, 0, 0, "oom", "out of memory");
            L->failed = 1;
        }
    }
    if (L->failed) {
        spa_model_free(m);
        return NULL;
    }
    return m;
}

static int loader_init(loader *L, spa_diags *d, const char *name)
{
    memset(L, 0, sizeof *L);
    L->d = d;
    L->depth = -1;
    L->m = calloc(1, sizeof *L->m);
    if (!L->m) {
        spa_diag_add(d, SPA_DIAG_ERROR, name, 0, 0, "oom", "out of memory");
        return -1;
    }
    return 0;
}

spa_model *spa_model_load_text(const char *text, size_t len, const char *name, spa_diags *d)
{
    loader L;
    if (!name)
        name = "<schema>";
    if (loader_init(&L, d, name) < 0)
        return NULL;
    process(&L, name, NULL, text ? text : "", text ? len : 0);
    return finish(&L, name);
}

spa_model *spa_model_load_file(const char *path, spa_diags *d)
{
    char *text;
    size_t len;
    if (!path || read_file(path, &text, &len) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "schema-open", "cannot open schema file: %s",
                     path ? strerror(errno) : "no path");
        return NULL;
    }
    loader L;
    char *dir = dir_of(path);
    if (!dir || loader_init(&L, d, path) < 0) {
        if (!dir)
            spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "oom", "out of memory");
        free(dir);
        free(text);
        return NULL;
    }
    process(&L, path, dir, text, len);
    free(text);
    return finish(&L, path);
}

spa_model *spa_model_load_builtin(const char *name, spa_diags *d)
{
    char want[96];
    if (!name || !*name || strlen(name) > 64) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "unknown-model", "unknown model '%.64s'",
                     name ? name : "");
        return NULL;
    }
    size_t n = strlen(name);
    if (n > 6 && strcasecmp(name + n - 6, ".model") == 0)
        snprintf(want, sizeof want, "%s", name);
    else
        snprintf(want, sizeof want, "%s.model", name);
    const struct spa_builtin_file *b = builtin_find(want);
    if (!b) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "unknown-model", "unknown model '%s'", name);
        return NULL;
    }
    return spa_model_load_text(b->text, strlen(b->text), b->name, d);
}

const char *const *spa_model_builtin_names(void)
{
    static const char *const names[] = {
        "PAP2T",  "RTP300", "SPA1001", "SPA2102", "SPA3102", "SPA400", "SPA901",
        "SPA9000", "SPA921", "SPA922", "SPA941", "SPA942", "SPA962", "WRTP54G", NULL,
    };
    return names;
}

long spa_model_find(const spa_model *m, const char *name)
{
    char canon[SPA_NAME_MAX + 1];
    if (!m || !name || spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return -1;
    return find_canonical(m, canon);
}

const spa_param_def *spa_model_param(const spa_model *m, const char *name)
{
    long i = spa_model_find(m, name);
    return i < 0 ? NULL : &m->params[i];
}

int spa_model_user_agent(const spa_model *m, const char *swver, const char *serial, char *out,
                         size_t n)
{
    if (!m || !out || n == 0)
        return -1;
    const char *product = m->product && *m->product ? m->product : m->name;
    if (!swver)
        swver = m->swver ? m->swver : "";
    int r = snprintf(out, n, "Linksys/%s-%s (%s)", product ? product : "", swver,
                     serial ? serial : "");
    return (r < 0 || (size_t)r >= n) ? -1 : 0;
}
