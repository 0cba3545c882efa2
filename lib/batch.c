/* batch.c — `spc --batch`: one template, a CSV of devices, one encrypted
 * profile per device, compiled by a pool of threads.
 *
 * A service provider rolls out thousands of units at once; the shell loop
 * of `gzip | openssl enc` they use today forks two processes per device.
 * Here the CSV is read and validated once (bad rows are reported by line
 * and skipped), then workers — each with its own buffers and cipher/deflate
 * state, sharing nothing but an atomic row counter — build each device's
 * XML, gzip it, encrypt it exactly as `openssl enc` would, and write it
 * atomically. Also home of the atomic writer every spc output uses. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "spaprov/batch.h"
#include "spaprov/cfg.h"
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"

/* ---- atomic write ---- */

int spa_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          char *why, size_t n)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *p = data;
    uint8_t rnd[6];
    int fd = -1;

    if (!tmp) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            snprintf(why, n, "no random bytes for a temporary name");
            break;
        }
        snprintf(tmp, plen + 32, "%.*s.%s.%02x%02x%02x%02x%02x%02x.tmp", (int)dirlen, path,
                 path + dirlen, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
        if (fd < 0 && errno != EEXIST) {
            snprintf(why, n, "cannot create a file next to %s: %s", path, strerror(errno));
            break;
        }
    }
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(why, n, "cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
            goto fail;
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) < 0) {
        fd = -1;
        snprintf(why, n, "cannot write %s: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        snprintf(why, n, "cannot rename onto %s: %s", path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

/* ---- CSV ---- */

typedef struct row {
    unsigned line;
    size_t n;
    char **f;
    char mac[13];
    bool bad;
} row;

typedef struct table {
    row *v;
    size_t n, cap;
} table;

static void row_free(row *r)
{
    for (size_t i = 0; i < r->n; i++) {
        OPENSSL_cleanse(r->f[i], strlen(r->f[i]));
        free(r->f[i]);
    }
    free(r->f);
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_free(&t->v[i]);
    free(t->v);
}

/* Read one field at *pos; the field's text goes to out. Returns 1 when a
 * separator follows, 0 at end of record, -1 on an unterminated quote. */
static int csv_field(const char *s, size_t len, size_t *pos, unsigned *line, spa_buf *out)
{
    size_t i = *pos;
    spa_buf_reset(out);
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < len && s[i] == '"') {
        i++;
        for (;;) {
            if (i >= len)
                return -1;
            if (s[i] == '"') {
                if (i + 1 < len && s[i + 1] == '"') {
                    spa_buf_putc(out, '"');
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            if (s[i] == '\n')
                (*line)++;
            spa_buf_putc(out, s[i++]);
        }
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
    } else {
        size_t st = i, e;
        while (i < len && s[i] != ',' && s[i] != '\n')
            i++;
        e = i;
        while (e > st && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
            e--;
        spa_buf_append(out, s + st, e - st);
    }
    if (i < len && s[i] == ',') {
        *pos = i + 1;
        return 1;
    }
    if (i < len && s[i] != '\n') {
        /* junk after a closing quote: keep it in the field */
        while (i < len && s[i] != ',' && s[i] != '\n')
            spa_buf_putc(out, s[i++]);
        if (i < len && s[i] == ',') {
            *pos = i + 1;
            return 1;
        }
    }
    if (i < len && s[i] == '\n') {
        i++;
        (*line)++;
    }
    *pos = i;
    return 0;
}

/* Split the whole file into records (blank lines and '#' lines skipped). */
static int csv_parse(const char *s, size_t len, const char *file, table *t, spa_diags *d)
{
    size_t pos = 0;
    unsigned line = 1;
    spa_buf field;
    int rc = 0;

    spa_buf_init(&field);
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len && rc == 0) {
        row r = { .line = line };
        size_t cap = 0;
        int more;
        if (s[pos] == '\n' || (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n') ||
            s[pos] == '#') {
            while (pos < len && s[pos] != '\n')
                pos++;
            pos++;
            line++;
            continue;
        }
        do {
            more = csv_field(s, len, &pos, &line, &field);
            if (more < 0) {
                spa_diag_add(d, SPA_DIAG_ERROR, file, r.line, 0, "csv",
                             "unterminated quoted field");
                r.bad = true;
                pos = len;
                break;
            }
            if (r.n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                char **nf = realloc(r.f, nc * sizeof *nf);
                if (!nf) {
                    rc = -1;
                    break;
                }
                r.f = nf;
                cap = nc;
            }
            r.f[r.n] = strdup(field.data ? field.data : "");
            if (!r.f[r.n]) {
                rc = -1;
                break;
            }
            r.n++;
        } while (more == 1);
        if (rc == 0 && t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 256;
            row *nv = realloc(t->v, nc * sizeof *nv);
            if (!nv)
                rc = -1;
            else {
                t->v = nv;
                t->cap = nc;
            }
        }
        if (rc == 0)
            t->v[t->n++] = r;
        else
            row_free(&r);
    }
    spa_buf_free(&field);
    if (rc < 0)
        spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "oom", "out of memory reading the CSV");
    return rc;
}

/* ---- the batch ---- */

typedef enum { COL_IGNORE, COL_MAC, COL_KEY, COL_PARAM, COL_MACRO } col_kind;

typedef struct batch {
    const spa_batch_opts *o;
    spa_diags *d;
    pthread_mutex_t dlock;
    table t;               /* t.v[0] is the header */
    col_kind *kind;        /* per column */
    char **pname;          /* canonical parameter name of COL_PARAM columns */
    bool *refs;            /* per template entry: references a macro column */
    long *tidx;            /* per COL_PARAM column: template entry index, or -1 */
    char **pre;            /* per template entry: its rendered XML element line */
    size_t *prelen;
    atomic_size_t next, done, ok, failed, bytes_xml, bytes_out;
} batch;

typedef struct worker {
    batch *b;
    pthread_t th;
    spa_crypt_ctx *c;
    spa_buf xml, gz, enc, tmp, path;
} worker;

static void row_error(batch *b, const row *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void row_error(batch *b, const row *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&b->dlock);
    spa_diag_add(b->d, SPA_DIAG_ERROR, b->o->csv_path, r->line, 0, "batch-row", "%s", msg);
    pthread_mutex_unlock(&b->dlock);
}

typedef struct lookup_ctx {
    const batch *b;
    const row *r;
} lookup_ctx;

static const char *column_lookup(void *ctx, const char *name, size_t len, char *scratch,
                                 size_t n)
{
    const lookup_ctx *lc = ctx;
    const row *hdr = &lc->b->t.v[0];
    (void)scratch;
    (void)n;
    for (size_t i = 0; i < hdr->n; i++)
        if (lc->b->kind[i] == COL_MACRO && strlen(hdr->f[i]) == len &&
            memcmp(hdr->f[i], name, len) == 0)
            return i < lc->r->n ? lc->r->f[i] : "";
    return NULL;
}

/* Render one entry as spa_profile_write_xml would, without the
 * <flat-profile> wrapper lines; 0 or -1. */
static int render_entry(const char *name, const char *value, spa_access a, spa_buf *out)
{
    static const char open_tag[] = "<flat-profile>\n", close_tag[] = "</flat-profile>\n";
    spa_profile one;
    spa_buf tmp;
    int rc = -1;

    spa_profile_init(&one);
    spa_buf_init(&tmp);
    if (spa_profile_set(&one, name, value, a, NULL, 0, 0) == 0 &&
        spa_profile_write_xml(&one, &tmp) == 0 && tmp.len >= sizeof open_tag + sizeof close_tag - 2 &&
        memcmp(tmp.data, open_tag, sizeof open_tag - 1) == 0)
        rc = spa_buf_append(out, tmp.data + sizeof open_tag - 1,
                            tmp.len - (sizeof open_tag - 1) - (sizeof close_tag - 1));
    spa_buf_free(&tmp);
    spa_profile_free(&one);
    return rc;
}

/* The value column i gives this row, or NULL (empty cell: keep the template's). */
static const char *cell(const row *r, size_t i)
{
    return i < r->n && r->f[i][0] ? r->f[i] : NULL;
}

/* Check the row's parameter columns against their types; 0 or -1. */
static int check_row(batch *b, const row *r)
{
    const row *hdr = &b->t.v[0];
    for (size_t i = 0; i < hdr->n; i++) {
        const spa_param_def *def;
        char why[160];
        if (b->kind[i] != COL_PARAM || !cell(r, i))
            continue;
        def = spa_model_param(b->o->model, b->pname[i]);
        if (def && spa_type_check(&def->type, r->f[i], why, sizeof why) < 0) {
            if (def->flags & SPA_PF_SECRET)
                row_error(b, r, "column '%s': value is not valid", hdr->f[i]);
            else
                row_error(b, r, "column '%s': \"%.40s\" is not valid: %s", hdr->f[i], r->f[i],
                          why);
            return -1;
        }
    }
    return 0;
}

/* Build one device's XML into w->xml: the template's pre-rendered lines,
 * with the entries this row changes rendered afresh. The result is byte
 * for byte what spa_profile_write_xml gives for the merged profile.
 * 0 or -1 (row error reported). */
static int build_xml(worker *w, const row *r)
{
    batch *b = w->b;
    const spa_profile *t = b->o->tmpl;
    const row *hdr = &b->t.v[0];
    lookup_ctx lc = { b, r };

    if (check_row(b, r) < 0)
        return -1;
    spa_buf_reset(&w->xml);
    if (spa_buf_puts(&w->xml, "<flat-profile>\n") < 0)
        goto oom;
    for (size_t i = 0; i < t->n; i++) {
        const spa_profile_entry *e = &t->v[i];
        const char *v = NULL;
        for (size_t c = 0; c < hdr->n; c++)
            if (b->kind[c] == COL_PARAM && b->tidx[c] == (long)i && cell(r, c))
                v = cell(r, c);
        if (!v && e->value && b->refs[i]) {
            spa_buf_reset(&w->tmp);
            if (spa_macro_expand(e->value, strlen(e->value), column_lookup, &lc, 0, &w->tmp) < 0)
                goto oom;
            v = w->tmp.data ? w->tmp.data : "";
        }
        if (v ? render_entry(e->name, v, e->access, &w->xml) < 0
              : spa_buf_append(&w->xml, b->pre[i], b->prelen[i]) < 0)
            goto oom;
    }
    for (size_t c = 0; c < hdr->n; c++)
        if (b->kind[c] == COL_PARAM && b->tidx[c] < 0 && cell(r, c) &&
            render_entry(b->pname[c], cell(r, c), SPA_ACCESS_UNSET, &w->xml) < 0)
            goto oom;
    if (spa_buf_puts(&w->xml, "</flat-profile>\n") < 0)
        goto oom;
    return 0;
oom:
    row_error(b, r, "out of memory");
    return -1;
}

static int compile_row(worker *w, const row *r)
{
    batch *b = w->b;
    const spa_batch_opts *o = b->o;
    const char *key = o->key;
    const spa_buf *body;
    char why[200];

    if (o->key_column) {
        for (size_t i = 0; i < b->t.v[0].n; i++)
            if (b->kind[i] == COL_KEY)
                key = i < r->n ? r->f[i] : "";
        if (!key || !*key) {
            row_error(b, r, "empty key in column '%s'", o->key_column);
            return -1;
        }
    }
    if (build_xml(w, r) < 0)
        return -1;
    body = &w->xml;
    if (!o->no_gzip) {
        spa_buf_reset(&w->gz);
        if (spa_gzip(w->c, w->xml.data, w->xml.len, o->level, &w->gz) < 0)
            goto fail;
        body = &w->gz;
    }
    if (key) {
        spa_buf_reset(&w->enc);
        if (spa_openssl_encrypt(w->c, body->data, body->len, key, o->md, NULL, &w->enc) < 0)
            goto fail;
        body = &w->enc;
    }
    spa_buf_reset(&w->path);
    if (spa_buf_printf(&w->path, "%s/spa%s.cfg", o->out_dir, r->mac) < 0)
        goto fail;
    if (spa_write_file_atomic(w->path.data, body->data, body->len, key ? 0644 : 0600, why,
                              sizeof why) < 0) {
        row_error(b, r, "%s", why);
        return -1;
    }
    atomic_fetch_add(&b->bytes_xml, w->xml.len);
    atomic_fetch_add(&b->bytes_out, body->len);
    return 0;
fail:
    row_error(b, r, "could not compress or encrypt");
    return -1;
}

static void *work(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1) + 1; /* row 0 is the header */
        if (i >= b->t.n)
            break;
        if (b->t.v[i].bad || compile_row(w, &b->t.v[i]) < 0)
            atomic_fetch_add(&b->failed, 1);
        else
            atomic_fetch_add(&b->ok, 1);
        atomic_fetch_add(&b->done, 1);
    }
    return NULL;
}

static int cmp_mac(const void *a, const void *b)
{
    const row *const *x = a, *const *y = b;
    int c = strcmp((*x)->mac, (*y)->mac);
    return c ? c : ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

/* Classify the header's columns and check every row's MAC and width. */
static int prepare(batch *b)
{
    const spa_batch_opts *o = b->o;
    const row *hdr = &b->t.v[0];
    long mac_col = -1;
    bool key_found = false;
    row **byname;

    b->kind = calloc(hdr->n, sizeof *b->kind);
    b->pname = calloc(hdr->n, sizeof *b->pname);
    b->refs = calloc(o->tmpl->n + 1, sizeof *b->refs);
    b->tidx = calloc(hdr->n, sizeof *b->tidx);
    b->pre = calloc(o->tmpl->n + 1, sizeof *b->pre);
    b->prelen = calloc(o->tmpl->n + 1, sizeof *b->prelen);
    if (!b->kind || !b->pname || !b->refs || !b->tidx || !b->pre || !b->prelen)
        return -1;
    for (size_t e = 0; e < o->tmpl->n; e++) {
        const spa_profile_entry *te = &o->tmpl->v[e];
        spa_buf line;
        spa_buf_init(&line);
        if (render_entry(te->name, te->value, te->access, &line) < 0) {
            spa_buf_free(&line);
            return -1;
        }
        b->prelen[e] = line.len;
        b->pre[e] = spa_buf_steal(&line);
    }
    for (size_t i = 0; i < hdr->n; i++) {
        const char *h = hdr->f[i];
        const spa_param_def *def;
        if (!*h)
            b->kind[i] = COL_IGNORE;
        else if (o->key_column && strcmp(h, o->key_column) == 0) {
            b->kind[i] = COL_KEY;
            key_found = true;
        } else if (strcasecmp(h, "MAC") == 0 && mac_col < 0) {
            b->kind[i] = COL_MAC;
            mac_col = (long)i;
        } else if (o->model && (def = spa_model_param(o->model, h)) != NULL) {
            const spa_profile_entry *te = spa_profile_get(o->tmpl, def->name);
            b->kind[i] = COL_PARAM;
            b->pname[i] = def->name;
            b->tidx[i] = te ? (long)(te - o->tmpl->v) : -1;
            for (size_t j = 0; j < i; j++)
                if (b->kind[j] == COL_PARAM && strcmp(b->pname[j], def->name) == 0) {
                    spa_diag_add(b->d, SPA_DIAG_ERROR, o->csv_path, hdr->line, 0, "batch",
                                 "columns %zu and %zu both set '%s'", j + 1, i + 1, h);
                    return -2;
                }
        } else
            b->kind[i] = COL_MACRO;
    }
    if (mac_col < 0) {
        spa_diag_add(b->d, SPA_DIAG_ERROR, o->csv_path, hdr->line, 0, "batch",
                     "the header row has no MAC column");
        return -2;
    }
    if (o->key_column && !key_found) {
        spa_diag_add(b->d, SPA_DIAG_ERROR, o->csv_path, hdr->line, 0, "batch",
                     "the header row has no '%s' column", o->key_column);
        return -2;
    }
    for (size_t e = 0; e < o->tmpl->n; e++) {
        const char *v = o->tmpl->v[e].value;
        for (size_t i = 0; v && i < hdr->n && !b->refs[e]; i++) {
            char pat[SPA_NAME_MAX + 3];
            if (b->kind[i] != COL_MACRO)
                continue;
            snprintf(pat, sizeof pat, "$%s", hdr->f[i]);
            b->refs[e] = strstr(v, pat) != NULL;
            snprintf(pat, sizeof pat, "$(%s", hdr->f[i]);
            b->refs[e] = b->refs[e] || strstr(v, pat) != NULL;
        }
    }
    for (size_t k = 1; k < b->t.n; k++) {
        row *r = &b->t.v[k];
        if (r->bad)
            continue;
        if (r->n != hdr->n) {
            row_error(b, r, "%zu fields where the header has %zu", r->n, hdr->n);
            r->bad = true;
        } else if (spa_cfg_mac(r->f[mac_col], r->mac) < 0) {
            row_error(b, r, "MAC \"%.40s\" is not 12 hex digits", r->f[mac_col]);
            r->bad = true;
        }
    }
    /* Two rows for one MAC would write one file twice: the later row fails. */
    byname = malloc(b->t.n * sizeof *byname);
    if (!byname)
        return -1;
    size_t nm = 0;
    for (size_t k = 1; k < b->t.n; k++)
        if (!b->t.v[k].bad)
            byname[nm++] = &b->t.v[k];
    qsort(byname, nm, sizeof *byname, cmp_mac);
    for (size_t k = 1; k < nm; k++)
        if (strcmp(byname[k]->mac, byname[k - 1]->mac) == 0) {
            row_error(b, byname[k], "MAC %s already given on line %u", byname[k]->mac,
                      byname[k - 1]->line);
            byname[k]->bad = true;
        }
    free(byname);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw_progress(FILE *f, size_t done, size_t total, bool final)
{
    unsigned width = 40, fill = total ? (unsigned)(done * width / total) : width;
    char bar[41];
    memset(bar, '#', fill);
    memset(bar + fill, '.', width - fill);
    bar[width] = '\0';
    fprintf(f, "\r[%s] %zu/%zu devices%s", bar, done, total, final ? "\n" : "");
    fflush(f);
}

static void run_workers(batch *b, worker *w, unsigned jobs, size_t total)
{
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&w[started].th, NULL, work, &w[started]) != 0)
            break;
    if (started == 0) {
        work(&w[0]); /* no threads at all: do it here */
    } else if (b->o->progress && b->o->err) {
        while (atomic_load(&b->done) < total) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            draw_progress(b->o->err, atomic_load(&b->done), total, false);
            nanosleep(&ts, NULL);
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(w[i].th, NULL);
    if (b->o->progress && b->o->err)
        draw_progress(b->o->err, atomic_load(&b->done), total, true);
}

int spa_batch_run(const spa_batch_opts *o, spa_batch_result *res, spa_diags *d)
{
    batch b;
    spa_buf csv;
    worker *w = NULL;
    unsigned jobs = o->jobs;
    int rc = -1;
    double t0;

    memset(res, 0, sizeof *res);
    memset(&b, 0, sizeof b);
    b.o = o;
    b.d = d;
    pthread_mutex_init(&b.dlock, NULL);
    spa_buf_init(&csv);
    if (!o->tmpl || !o->csv_path || !o->out_dir) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "batch", "template, CSV and output folder needed");
        goto out;
    }
    if (spa_read_file(o->csv_path, &csv, d) < 0)
        goto out;
    if (csv_parse(csv.data ? csv.data : "", csv.len, o->csv_path, &b.t, d) < 0)
        goto out;
    if (b.t.n == 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, o->csv_path, 0, 0, "batch", "no header row");
        goto out;
    }
    rc = prepare(&b);
    if (rc == -1)
        spa_diag_add(d, SPA_DIAG_ERROR, o->csv_path, 0, 0, "oom", "out of memory");
    if (rc < 0) {
        rc = -1;
        goto out;
    }
    rc = -1;
    if (jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (unsigned)n : 1;
    }
    if (jobs > 256)
        jobs = 256;
    w = calloc(jobs, sizeof *w);
    if (!w)
        goto out;
    for (unsigned i = 0; i < jobs; i++) {
        w[i].b = &b;
        w[i].c = spa_crypt_ctx_new();
        if (!w[i].c)
            goto out;
    }
    t0 = now_s();
    run_workers(&b, w, jobs, b.t.n - 1);
    res->seconds = now_s() - t0;
    res->rows = b.t.n - 1;
    res->ok = atomic_load(&b.ok);
    res->failed = atomic_load(&b.failed);
    res->bytes_xml = atomic_load(&b.bytes_xml);
    res->bytes_out = atomic_load(&b.bytes_out);
    rc = 0;
out:
    if (w) {
        for (unsigned i = 0; i < jobs; i++) {
            spa_crypt_ctx_free(w[i].c);
            spa_buf_free(&w[i].xml);
            spa_buf_free(&w[i].gz);
            spa_buf_free(&w[i].enc);
            spa_buf_free(&w[i].tmp);
            spa_buf_free(&w[i].path);
        }
        free(w);
    }
    /* Key columns are secrets: wipe the CSV text before freeing it. */
    if (csv.data)
        OPENSSL_cleanse(csv.data, csv.cap);
    spa_buf_free(&csv);
    table_free(&b.t);
    free(b.kind);
    free(b.pname);
    free(b.refs);
    free(b.tidx);
    if (b.pre)
        for (size_t e = 0; o->tmpl && e < o->tmpl->n; e++)
            free(b.pre[e]);
    free(b.pre);
    free(b.prelen);
    pthread_mutex_destroy(&b.dlock);
    return rc;
}
