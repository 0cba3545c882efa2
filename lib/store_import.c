/* store_import.c — `spaprov device import devices.csv`: check the whole
 * file first (every bad row reported as file:line:col, nothing written),
 * then write the rows in batches, each batch one transaction. A crash
 * between batches keeps the committed batches and loses the rest whole: a
 * device row is never half-written. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "spaprov/store.h"
#include "store_db.h"
#include "store_int.h"

enum { COL_MAC, COL_SERIAL, COL_MODEL, COL_ACCOUNT, COL_GROUP, COL_STATE, NCOLS };
static const char *const col_names[NCOLS] = { "mac", "serial", "model", "account", "group",
                                              "state" };

typedef struct import_row {
    spa_store_devrow r;
    char *mem;               /* one allocation for serial, account, group */
} import_row;

typedef struct importer {
    spa_store *st;
    const char *file;
    spa_diags *d;
    int map[NCOLS];          /* CSV field index of each column, -1 = absent */
    import_row *rows;
    size_t n, cap;
    size_t errors;
} importer;

static void bad(importer *im, unsigned line, unsigned col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void bad(importer *im, unsigned line, unsigned col, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spa_diag_vadd(im->d, SPA_DIAG_ERROR, im->file, line, col, code, fmt, ap);
    va_end(ap);
    im->errors++;
}

/* A header row names columns; returns 1 if this record was one. */
static int read_header(importer *im, const spa_csv *c)
{
    char m[13];
    for (int i = 0; i < NCOLS; i++)
        im->map[i] = -1;
    for (size_t f = 0; f < c->nf; f++)
        if (spa_mac_parse(c->f[f], m) == 0) {
            /* No header: the CA's batch layout, model,mac,serial. */
            im->map[COL_MODEL] = 0;
            im->map[COL_MAC] = 1;
            im->map[COL_SERIAL] = 2;
            return 0;
        }
    for (size_t f = 0; f < c->nf; f++) {
        int k = -1;
        for (int i = 0; i < NCOLS; i++)
            if (strcasecmp(c->f[f], col_names[i]) == 0)
                k = i;
        if (k < 0)
            bad(im, c->line, c->col[f], "csv-header",
                "unknown column '%s' (known: mac, serial, model, account, group, state)", c->f[f]);
        else
            im->map[k] = (int)f;
    }
    if (im->map[COL_MAC] < 0)
        bad(im, c->line, 1, "csv-header", "%s", "the header has no 'mac' column");
    if (im->map[COL_MODEL] < 0)
        bad(im, c->line, 1, "csv-header", "%s", "the header has no 'model' column");
    return 1;
}

static const char *field(const spa_csv *c, const importer *im, int col, unsigned *at)
{
    int f = im->map[col];
    if (f < 0 || (size_t)f >= c->nf) {
        *at = 1;
        return NULL;
    }
    *at = c->col[f];
    return *c->f[f] ? c->f[f] : NULL;
}

static int push_row(importer *im, import_row *row)
{
    if (im->n == im->cap) {
        size_t nc = im->cap ? 2 * im->cap : 256;
        import_row *v = realloc(im->rows, nc * sizeof *v);
        if (!v)
            return -1;
        im->rows = v;
        im->cap = nc;
    }
    im->rows[im->n++] = *row;
    return 0;
}

/* Copy the optional strings of a row into one allocation. */
static int keep_strings(import_row *row, const char *serial, const char *account,
                        const char *group)
{
    size_t ls = serial ? strlen(serial) + 1 : 1, la = account ? strlen(account) + 1 : 0,
           lg = group ? strlen(group) + 1 : 0;
    char *p = malloc(ls + la + lg);
    if (!(row->mem = p))
        return -1;
    memcpy(p, serial ? serial : "", ls);
    row->r.serial = p;
    p += ls;
    if (account) {
        memcpy(p, account, la);
        row->r.account = p;
        p += la;
    }
    if (group) {
        memcpy(p, group, lg);
        row->r.group = p;
    }
    return 0;
}

static int check_row(importer *im, const spa_csv *c, bool replace)
{
    import_row row;
    unsigned at;
    const char *v;
    const spa_model *m;
    int r;
    size_t before = im->errors;

    memset(&row, 0, sizeof row);
    row.r.line = c->line;
    if (!(v = field(c, im, COL_MAC, &at)) || spa_mac_parse(v, row.r.mac) < 0)
        bad(im, c->line, at, "mac", "mac: '%s' is not a MAC address", v ? v : "");
    else if (!replace) {
        if ((r = spa_store_exists(im->st, "SELECT 1 FROM devices WHERE mac = ?1", row.r.mac,
                                  im->d)) < 0)
            return -1;
        if (r)
            bad(im, c->line, at, "mac", "mac: device %s already exists", row.r.mac);
    }
    v = field(c, im, COL_MODEL, &at);
    if (!v || !(m = spa_store_model(im->st, v, NULL)))
        bad(im, c->line, at, "model", "model: '%s' is not a known model", v ? v : "");
    else
        row.r.model = m->name;
    const char *serial = field(c, im, COL_SERIAL, &at);
    if (serial && (strlen(serial) > 64 || !spa_value_is_ascii(serial, strlen(serial))))
        bad(im, c->line, at, "serial", "serial: '%s' is not printable ASCII of up to 64 characters",
            serial);
    const char *account = field(c, im, COL_ACCOUNT, &at);
    if (account) {
        if ((r = spa_store_exists(im->st, "SELECT 1 FROM accounts WHERE id = ?1", account,
                                  im->d)) < 0)
            return -1;
        if (!r)
            bad(im, c->line, at, "account", "account: '%s' does not exist", account);
    }
    const char *group = field(c, im, COL_GROUP, &at);
    if (group) {
        if ((r = spa_store_exists(im->st, "SELECT 1 FROM groups WHERE name = ?1", group,
                                  im->d)) < 0)
            return -1;
        if (!r)
            bad(im, c->line, at, "group", "group: '%s' does not exist", group);
    }
    if ((v = field(c, im, COL_STATE, &at)) && spa_dev_state_parse(v, &row.r.state) < 0)
        bad(im, c->line, at, "state", "state: '%s' is not one of new, bootstrap, provisioned, disabled",
            v);
    if (im->errors > before)
        return 0;
    if (keep_strings(&row, serial, account, group) < 0 || push_row(im, &row) < 0) {
        free(row.mem);
        spa_diag_add(im->d, SPA_DIAG_ERROR, im->file, c->line, 0, "oom", "out of memory");
        return -1;
    }
    return 0;
}

static int mac_cmp(const void *a, const void *b)
{
    const import_row *x = a, *y = b;
    int c = memcmp(x->r.mac, y->r.mac, 12);
    return c ? c : (x->r.line < y->r.line ? -1 : x->r.line > y->r.line);
}

/* The same MAC twice in one file is an error (the second occurrence named). */
static void check_duplicates(importer *im)
{
    import_row *v = malloc(im->n * sizeof *v);
    if (!v && im->n) {
        spa_diag_add(im->d, SPA_DIAG_ERROR, im->file, 0, 0, "oom", "out of memory");
        im->errors++;
        return;
    }
    if (im->n)
        memcpy(v, im->rows, im->n * sizeof *v);
    qsort(v, im->n, sizeof *v, mac_cmp);
    for (size_t i = 1; i < im->n; i++)
        if (memcmp(v[i].r.mac, v[i - 1].r.mac, 12) == 0) {
            spa_diag_add(im->d, SPA_DIAG_ERROR, im->file, v[i].r.line, 0, "mac",
                         "mac: %s is listed twice (first on line %u)", v[i].r.mac,
                         v[i - 1].r.line);
            im->errors++;
        }
    free(v);
}

static int write_rows(importer *im, const spa_import_opts *o)
{
    size_t batch = o->batch ? o->batch : im->n;
    for (size_t i = 0; i < im->n; i += batch) {
        size_t end = i + batch < im->n ? i + batch : im->n;
        if (spa_store_tx_begin(im->st, im->d) < 0)
            return -1;
        for (size_t k = i; k < end; k++)
            if (spa_store_device_write(im->st, &im->rows[k].r, o->replace, im->d) < 0) {
                spa_store_tx_rollback(im->st);
                spa_diag_add(im->d, SPA_DIAG_NOTE, im->file, im->rows[k].r.line, 0, "import",
                             "rows %zu and later were not imported", i + 1);
                return -1;
            }
        if (spa_store_tx_commit(im->st, im->d) < 0)
            return -1;
    }
    return 0;
}

long spa_store_device_import(spa_store *st, const char *csv, size_t len, const char *file,
                             const spa_import_opts *o, spa_diags *d)
{
    spa_import_opts def = { 0 };
    importer im;
    spa_csv c;
    int r, first = 1;
    long ret = -1;

    if (!o)
        o = &def;
    memset(&im, 0, sizeof im);
    im.st = st;
    im.file = file ? file : "<csv>";
    im.d = d;
    spa_csv_init(&c, csv, len);
    if (spa_store_snapshot_begin(st, d) < 0)
        return -1;
    while ((r = spa_csv_next(&c)) == 1) {
        if (first) {
            first = 0;
            if (read_header(&im, &c))
                continue;
        }
        if (check_row(&im, &c, o->replace) < 0) {
            im.errors++;
            break;
        }
        if (im.errors >= 100) {
            spa_diag_add(d, SPA_DIAG_NOTE, im.file, c.line, 0, "import", "too many errors; stopped");
            break;
        }
    }
    spa_store_snapshot_end(st);
    if (r < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, im.file, c.line, 0, "csv",
                     "malformed CSV record (unterminated quote or more than %d fields)",
                     SPA_CSV_MAX_FIELDS);
        im.errors++;
    }
    if (r >= 0 && !im.errors)
        check_duplicates(&im);
    if (r >= 0 && !im.errors && write_rows(&im, o) == 0)
        ret = (long)im.n;
    for (size_t i = 0; i < im.n; i++)
        free(im.rows[i].mem);
    free(im.rows);
    spa_csv_free(&c);
    return ret;
}
