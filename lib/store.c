/* store.c — the device database on SQLite: opening and migrating, the
 * statement cache, transactions and generation counters, and devices.
 * Accounts, groups, parameters, firmware and events are in store_data.c.
 *
 * Every write goes through tx_begin/tx_commit (BEGIN IMMEDIATE), so a crash
 * leaves all or nothing of a call. Every write that can change a rendered
 * profile bumps the generation of the scope row it touched (bump()): the
 * render cache compares those generations to know when to re-render. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sqlite3.h>
#include <openssl/rand.h>
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "spaprov/store.h"
#include "store_db.h"
#include "store_int.h"

/* ---- diagnostics ---- */


int spa_store_dberr(spa_store *st, spa_diags *d, const char *what)
{
    return spa_diag_error(d, "database", "database: %s: %s", what, sqlite3_errmsg(st->db));
}

/* ---- statement cache: one prepared statement per SQL text ---- */

sqlite3_stmt *spa_store_stmt(spa_store *st, const char *sql, spa_diags *d)
{
    size_t i;
    for (i = 0; i < st->nstmts; i++)
        if (st->stmts[i].sql == sql) {
            sqlite3_reset(st->stmts[i].s);
            sqlite3_clear_bindings(st->stmts[i].s);
            return st->stmts[i].s;
        }
    if (st->nstmts == SPA_STORE_MAX_STMTS) {
        spa_diag_error(d, "internal", "database: statement cache full");
        return NULL;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
        spa_store_dberr(st, d, "prepare");
        return NULL;
    }
    st->stmts[st->nstmts].sql = sql;
    st->stmts[st->nstmts].s = s;
    st->nstmts++;
    return s;
}

/* Step a statement that returns no rows, then reset it. 0 or -1. */
int spa_store_tx_finish(spa_store *st, spa_scope scope, const char *key, spa_diags *d)
{
    if (sqlite3_changes(st->db) == 0) {
        spa_store_tx_rollback(st);
        return 1;
    }
    if (key && spa_store_bump(st, scope, key, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return spa_store_tx_commit(st, d);
}

int spa_store_run(spa_store *st, sqlite3_stmt *s, spa_diags *d, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return spa_store_dberr(st, d, what);
    return 0;
}

int spa_store_each(sqlite3_stmt *s, spa_store_row_fn row, const spa_store_visit *v, spa_diags *d,
                   const char *what)
{
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((ret = row(v, s, d)) != 0)
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        ret = spa_store_dberr(v->st, d, what);
    sqlite3_reset(s);
    return ret;
}

void spa_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

char *spa_store_col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return NULL;
    return strdup((const char *)t);
}

const char *spa_store_col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* ---- transactions and generations ---- */

static int exec(spa_store *st, const char *sql, spa_diags *d)
{
    char *err = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        spa_diag_error(d, "database", "database: %s", err ? err : sqlite3_errmsg(st->db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* The transaction statements, prepared once per connection (sqlite3_exec
 * would parse them again on every request: ~2% of a profile answer). */
static const char sql_begin[] = "BEGIN";
static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";

/* Run one of the statements above; 0 or -1 ("database: what: error"). */
static int exec_cached(spa_store *st, const char *sql, const char *what, spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    return s ? spa_store_run(st, s, d, what) : -1;
}

int spa_store_tx_begin(spa_store *st, spa_diags *d)
{
    if (st->read_only)
        return spa_diag_error(d, "read-only", "database: opened read-only");
    if (st->snapshot)
        return spa_diag_error(d, "internal", "database: write inside a read snapshot");
    for (size_t i = 0; i < st->nstmts; i++)
        if (sqlite3_stmt_busy(st->stmts[i].s))
            return spa_diag_error(d, "internal", "database: write inside a listing callback");
    st->tx_gen = 0;
    return exec_cached(st, sql_begin_immediate, "begin", d);
}

int spa_store_tx_commit(spa_store *st, spa_diags *d)
{
    if (exec_cached(st, sql_commit, "commit", d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return 0;
}

void spa_store_tx_rollback(spa_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int spa_store_snapshot_begin(spa_store *st, spa_diags *d)
{
    if (st->snapshot++ > 0)
        return 0;
    if (exec_cached(st, sql_begin, "begin", d) < 0) {
        st->snapshot = 0;
        return -1;
    }
    return 0;
}

void spa_store_snapshot_end(spa_store *st)
{
    if (st->snapshot == 0 || --st->snapshot > 0)
        return;
    if (!sqlite3_get_autocommit(st->db))
        (void)exec_cached(st, sql_commit, "commit", NULL);
}

static const char sql_gen_next[] =
    "UPDATE meta SET value = value + 1 WHERE key = 'config_gen' RETURNING value";
static const char sql_gen_set[] =
    "INSERT INTO scope_gen(scope, target, gen) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(scope, target) DO UPDATE SET gen = excluded.gen";

/* Inside a transaction: mark scope/target as changed. All rows touched by
 * one transaction share one fresh generation. */
int spa_store_bump(spa_store *st, spa_scope scope, const char *target, spa_diags *d)
{
    sqlite3_stmt *s;
    if (st->tx_gen == 0) {
        if (!(s = spa_store_stmt(st, sql_gen_next, d)))
            return -1;
        if (sqlite3_step(s) != SQLITE_ROW) {
            sqlite3_reset(s);
            return spa_store_dberr(st, d, "generation");
        }
        st->tx_gen = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
    }
    if (!(s = spa_store_stmt(st, sql_gen_set, d)))
        return -1;
    sqlite3_bind_int(s, 1, (int)scope);
    sqlite3_bind_text(s, 2, target ? target : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, st->tx_gen);
    return spa_store_run(st, s, d, "generation");
}

int64_t spa_store_config_gen(spa_store *st)
{
    sqlite3_stmt *s = spa_store_stmt(st, "SELECT value FROM meta WHERE key = 'config_gen'", NULL);
    int64_t v = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return v;
}

/* ---- opening and migrations ---- */

int spa_store_schema_latest(void)
{
    size_t n;
    const spa_migration *m = spa_store_migrations(&n);
    return m[n - 1].version;
}

static int read_version(spa_store *st, spa_diags *d, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc;
    *out = 0;
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'",
                            -1, &s, NULL);
    if (rc != SQLITE_OK)
        return spa_store_dberr(st, d, "reading the schema version");
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return 0;                    /* a new, empty database */
    if (rc != SQLITE_ROW)
        return spa_store_dberr(st, d, "reading the schema version");
    if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1,
                           &s, NULL) != SQLITE_OK)
        return spa_store_dberr(st, d, "reading the schema version");
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return 0;
}

static int apply_migration(spa_store *st, const spa_migration *m, spa_diags *d)
{
    char rec[256];
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (exec(st, "CREATE TABLE IF NOT EXISTS schema_version("
                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)",
             d) < 0 ||
        exec(st, m->sql, d) < 0)
        goto fail;
    snprintf(rec, sizeof rec, "INSERT INTO schema_version VALUES(%d, '%s', %lld)", m->version,
             m->name, (long long)time(NULL));
    if (exec(st, rec, d) < 0 || spa_store_tx_commit(st, d) < 0)
        goto fail;
    return 0;
fail:
    spa_store_tx_rollback(st);
    return spa_diag_error(d, "migration", "database: migration %d (%s) failed; nothing changed",
                          m->version, m->name);
}

static int migrate(spa_store *st, int upto, spa_diags *d)
{
    size_t n;
    const spa_migration *m = spa_store_migrations(&n);
    int latest = m[n - 1].version;
    if (read_version(st, d, &st->version) < 0)
        return -1;
    if (st->version > latest)
        return spa_diag_error(d, "schema-newer",
                              "database: schema version %d is newer than this spaprov "
                              "supports (%d); upgrade spaprov to open it",
                              st->version, latest);
    if (st->read_only)
        return st->version == 0 ? spa_diag_error(d, "schema", "database: not a spaprov database")
                                : 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].version <= st->version || (upto > 0 && m[i].version > upto))
            continue;
        if (apply_migration(st, &m[i], d) < 0)
            return -1;
        st->version = m[i].version;
    }
    return 0;
}

spa_store *spa_store_open(const char *path, const spa_store_open_opts *o, spa_diags *d)
{
    spa_store_open_opts def = { 0 };
    spa_store *st;
    int flags;
    char pragmas[160];

    if (!o)
        o = &def;
    if (!path || !*path) {
        spa_diag_error(d, "path", "database: no path given");
        return NULL;
    }
    if (!(st = calloc(1, sizeof *st))) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    st->read_only = o->read_only;
    flags = o->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        spa_diag_error(d, "open", "%s: cannot open database: %s", path,
                       st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000);
    snprintf(pragmas, sizeof pragmas, "PRAGMA foreign_keys = ON; %s",
             o->read_only ? "" : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    if (exec(st, pragmas, d) < 0 || migrate(st, o->max_version, d) < 0) {
        spa_diag_add(d, SPA_DIAG_NOTE, path, 0, 0, "open", "while opening this database");
        goto fail;
    }
    return st;
fail:
    spa_store_close(st);
    return NULL;
}

void spa_store_close(spa_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nstmts; i++)
        sqlite3_finalize(st->stmts[i].s);
    for (size_t i = 0; i < st->nmodels; i++)
        spa_model_free(st->models[i]);
    if (st->db)
        sqlite3_close(st->db);
    free(st);
}

int spa_store_schema_version(spa_store *st)
{
    return st->version;
}

const spa_model *spa_store_model(spa_store *st, const char *name, spa_diags *d)
{
    spa_model *m;
    if (!name || !*name) {
        spa_diag_error(d, "model", "model: missing");
        return NULL;
    }
    for (size_t i = 0; i < st->nmodels; i++)
        if (strcasecmp(st->models[i]->name, name) == 0)
            return st->models[i];
    if (st->nmodels == SPA_STORE_MAX_MODELS) {
        spa_diag_error(d, "model", "model: '%s': too many models loaded", name);
        return NULL;
    }
    spa_diags tmp;
    spa_diags_init(&tmp);
    m = spa_model_load_builtin(name, &tmp);
    spa_diags_free(&tmp);
    if (!m) {
        spa_diag_error(d, "model", "model: '%s' is not a known model", name);
        return NULL;
    }
    st->models[st->nmodels++] = m;
    return m;
}

int spa_store_all_models(spa_store *st, spa_diags *d)
{
    if (st->all_models)
        return 0;
    for (const char *const *n = spa_model_builtin_names(); *n; n++)
        if (!spa_store_model(st, *n, d))
            return -1;
    st->all_models = true;
    return 0;
}

/* ---- small helpers ---- */

int spa_store_random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[64];
    if (nbytes > sizeof r || RAND_bytes(r, (int)nbytes) != 1)
        return -1;
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * nbytes] = '\0';
    OPENSSL_cleanse(r, sizeof r);
    return 0;
}

int spa_store_exists(spa_store *st, const char *sql, const char *key, spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    int rc;
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, key);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return spa_store_dberr(st, d, "lookup");
}

int spa_store_mac(const char *in, char mac[13], spa_diags *d)
{
    if (!in || spa_mac_parse(in, mac) < 0)
        return spa_diag_error(d, "mac", "mac: '%s' is not a MAC address (12 hex digits)",
                              in ? in : "");
    return 0;
}

/* ---- devices ---- */

static const char *const dev_states[] = { "new", "bootstrap", "provisioned", "disabled" };

const char *spa_dev_state_name(spa_dev_state s)
{
    return (unsigned)s < 4 ? dev_states[s] : "?";
}

int spa_dev_state_parse(const char *s, spa_dev_state *out)
{
    for (int i = 0; i < 4; i++)
        if (s && strcasecmp(s, dev_states[i]) == 0) {
            *out = (spa_dev_state)i;
            return 0;
        }
    return -1;
}

void spa_device_clear(spa_device *dv)
{
    free(dv->serial);
    free(dv->model);
    free(dv->account);
    free(dv->group);
    free(dv->fw_seen);
    if (dv->key)
        OPENSSL_cleanse(dv->key, strlen(dv->key));
    free(dv->key);
    free(dv->path);
    if (dv->prev_key)
        OPENSSL_cleanse(dv->prev_key, strlen(dv->prev_key));
    free(dv->prev_key);
    free(dv->prev_path);
    memset(dv, 0, sizeof *dv);
}

static const char sql_acct_exists[] = "SELECT 1 FROM accounts WHERE id = ?1";
static const char sql_group_exists[] = "SELECT 1 FROM groups WHERE name = ?1";

/* Check the references of a device row; records one diagnostic per problem. */
static int check_refs(spa_store *st, const char *account, const char *group, spa_diags *d)
{
    int bad = 0, r;
    if (account && *account) {
        if ((r = spa_store_exists(st, sql_acct_exists, account, d)) < 0)
            return -1;
        if (!r)
            bad = spa_diag_error(d, "account", "account: '%s' does not exist", account);
    }
    if (group && *group) {
        if ((r = spa_store_exists(st, sql_group_exists, group, d)) < 0)
            return -1;
        if (!r)
            bad = spa_diag_error(d, "group", "group: '%s' does not exist", group);
    }
    return bad;
}

static const char sql_dev_insert[] =
    "INSERT INTO devices(mac, serial, model, account, grp, key, path, state, created) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_dev_replace[] =
    "INSERT INTO devices(mac, serial, model, account, grp, key, path, state, created) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(mac) DO UPDATE SET "
    "serial = excluded.serial, model = excluded.model, account = excluded.account, "
    "grp = excluded.grp, state = excluded.state";

/* Write one device row (inside a transaction). */
int spa_store_device_write(spa_store *st, const spa_store_devrow *r, bool replace, spa_diags *d)
{
    char key[65], path[33];
    sqlite3_stmt *s;
    int rc;
    if (spa_store_random_hex(key, 32) < 0 || spa_store_random_hex(path, 16) < 0)
        return spa_diag_error(d, "random", "random number generator failed");
    if (!(s = spa_store_stmt(st, replace ? sql_dev_replace : sql_dev_insert, d)))
        return -1;
    sqlite3_bind_text(s, 1, r->mac, 12, SQLITE_TRANSIENT);
    spa_store_bind_text(s, 2, r->serial ? r->serial : "");
    spa_store_bind_text(s, 3, r->model);
    spa_store_bind_text(s, 4, r->account && *r->account ? r->account : NULL);
    spa_store_bind_text(s, 5, r->group && *r->group ? r->group : NULL);
    sqlite3_bind_text(s, 6, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, spa_dev_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    OPENSSL_cleanse(key, sizeof key);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return spa_diag_error(d, "mac", "mac: device %s already exists", r->mac);
    if (rc != SQLITE_DONE)
        return spa_store_dberr(st, d, "adding a device");
    return spa_store_bump(st, SPA_SCOPE_DEVICE, r->mac, d);
}

int spa_store_device_add(spa_store *st, const char *mac, const char *model, const char *serial,
                         const char *account, const char *group, spa_diags *d)
{
    spa_store_devrow r = { .serial = serial, .account = account, .group = group,
                           .state = SPA_DEV_NEW };
    const spa_model *m;
    int bad = 0;
    if (spa_store_mac(mac, r.mac, d) < 0)
        bad = -1;
    if (!(m = spa_store_model(st, model, d)))
        bad = -1;
    else
        r.model = m->name;
    if (serial && !spa_value_is_ascii(serial, strlen(serial)))
        bad = spa_diag_error(d, "serial", "serial: not printable ASCII");
    if (check_refs(st, account, group, d) != 0 || bad)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (spa_store_device_write(st, &r, false, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return spa_store_tx_commit(st, d);
}

#define DEV_COLS \
    "mac, serial, model, account, grp, fw_seen, last_contact, key, path, prev_key, " \
    "prev_path, key_gen, state, created"

/* Fill dv from a row selected with DEV_COLS. */
static int dev_from_row(sqlite3_stmt *s, unsigned flags, spa_device *dv)
{
    memset(dv, 0, sizeof *dv);
    snprintf(dv->mac, sizeof dv->mac, "%s", spa_store_col_str(s, 0));
    dv->serial = spa_store_col_dup(s, 1);
    dv->model = spa_store_col_dup(s, 2);
    dv->account = spa_store_col_dup(s, 3);
    dv->group = spa_store_col_dup(s, 4);
    dv->fw_seen = spa_store_col_dup(s, 5);
    dv->last_contact = sqlite3_column_int64(s, 6);
    if (flags & SPA_STORE_SECRETS) {
        dv->key = spa_store_col_dup(s, 7);
        dv->prev_key = spa_store_col_dup(s, 9);
    }
    dv->path = spa_store_col_dup(s, 8);
    dv->prev_path = spa_store_col_dup(s, 10);
    dv->key_gen = (unsigned)sqlite3_column_int64(s, 11);
    if (spa_dev_state_parse(spa_store_col_str(s, 12), &dv->state) < 0)
        dv->state = SPA_DEV_NEW;
    dv->created = sqlite3_column_int64(s, 13);
    if (!dv->serial || !dv->model || !dv->fw_seen || !dv->path) {
        spa_device_clear(dv);
        return -1;
    }
    return 0;
}

int spa_store_device_get(spa_store *st, const char *mac, unsigned flags, spa_device *out,
                         spa_diags *d)
{
    char m[13];
    sqlite3_stmt *s;
    int rc;
    memset(out, 0, sizeof *out);
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, "SELECT " DEV_COLS " FROM devices WHERE mac = ?1", d)))
        return -1;
    sqlite3_bind_text(s, 1, m, 12, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return 1;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return spa_store_dberr(st, d, "reading a device");
    }
    rc = dev_from_row(s, flags, out);
    sqlite3_reset(s);
    return rc < 0 ? spa_diag_error(d, "oom", "out of memory") : 0;
}

static int device_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_device dv;
    int ret;
    if (dev_from_row(s, v->flags, &dv) < 0)
        return spa_diag_error(d, "oom", "out of memory");
    ret = v->cb.device(v->ctx, &dv);
    spa_device_clear(&dv);
    return ret;
}

int spa_store_device_list(spa_store *st, const spa_device_filter *f, unsigned flags,
                          spa_device_cb cb, void *ctx, spa_diags *d)
{
    static const char sql[] =
        "SELECT " DEV_COLS " FROM devices WHERE (?1 IS NULL OR model = ?1) AND "
        "(?2 IS NULL OR account = ?2) AND (?3 IS NULL OR grp = ?3) ORDER BY mac LIMIT ?4";
    spa_device_filter none = { 0 };
    sqlite3_stmt *s;
    const spa_model *m = NULL;
    if (!f)
        f = &none;
    if (f->model && !(m = spa_store_model(st, f->model, d)))
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    spa_store_bind_text(s, 1, m ? m->name : NULL);
    spa_store_bind_text(s, 2, f->account);
    spa_store_bind_text(s, 3, f->group);
    sqlite3_bind_int64(s, 4, f->limit ? (sqlite3_int64)f->limit : -1);
    spa_store_visit v = { st, flags, ctx, { .device = cb } };
    return spa_store_each(s, device_row, &v, d, "listing devices");
}

long spa_store_device_count(spa_store *st)
{
    sqlite3_stmt *s = spa_store_stmt(st, "SELECT count(*) FROM devices", NULL);
    long n = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return n;
}

/* Run a one-row UPDATE/DELETE keyed by a MAC inside its own transaction,
 * bumping the device's generation when bump is set. 0, 1 no row, -1. */
static int dev_write1(spa_store *st, const char *sql, const char *mac, const char *v1,
                      bool bump, spa_diags *d)
{
    sqlite3_stmt *s;
    int rc, changes;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    sqlite3_bind_text(s, 1, mac, 12, SQLITE_TRANSIENT);
    spa_store_bind_text(s, 2, v1);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        spa_diag_error(d, "reference", "device %s: refers to a missing account or group", mac);
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        spa_store_dberr(st, d, "writing a device");
        goto fail;
    }
    changes = sqlite3_changes(st->db);
    if (changes == 0) {
        spa_store_tx_rollback(st);
        return 1;
    }
    if (bump && spa_store_bump(st, SPA_SCOPE_DEVICE, mac, d) < 0)
        goto fail;
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_device_update(spa_store *st, const char *mac, const char *field,
                            const char *value, spa_diags *d)
{
    char m[13];
    const char *sql;
    const char *v = value;
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (!field)
        return spa_diag_error(d, "field", "field: missing");
    if (strcmp(field, "serial") == 0) {
        if (!v || !spa_value_is_ascii(v, strlen(v)))
            return spa_diag_error(d, "serial", "serial: not printable ASCII");
        sql = "UPDATE devices SET serial = ?2 WHERE mac = ?1";
    } else if (strcmp(field, "model") == 0) {
        const spa_model *md = spa_store_model(st, v, d);
        if (!md)
            return -1;
        v = md->name;
        sql = "UPDATE devices SET model = ?2 WHERE mac = ?1";
    } else if (strcmp(field, "account") == 0) {
        if (v && !*v)
            v = NULL;
        if (check_refs(st, v, NULL, d) != 0)
            return -1;
        sql = "UPDATE devices SET account = ?2 WHERE mac = ?1";
    } else if (strcmp(field, "group") == 0) {
        if (v && !*v)
            v = NULL;
        if (check_refs(st, NULL, v, d) != 0)
            return -1;
        sql = "UPDATE devices SET grp = ?2 WHERE mac = ?1";
    } else if (strcmp(field, "state") == 0) {
        spa_dev_state ds;
        if (spa_dev_state_parse(v, &ds) < 0)
            return spa_diag_error(d, "state",
                                  "state: '%s' is not one of new, bootstrap, provisioned, disabled",
                                  v ? v : "");
        v = spa_dev_state_name(ds);
        sql = "UPDATE devices SET state = ?2 WHERE mac = ?1";
    } else {
        return spa_diag_error(d, "field",
                              "field: '%s' is not one of serial, model, account, group, state",
                              field);
    }
    return dev_write1(st, sql, m, v, true, d);
}

int spa_store_contact_write(spa_store *st, const char *mac, const char *fw_seen, int64_t when,
                            spa_diags *d)
{
    static const char sql[] =
        "UPDATE devices SET fw_seen = coalesce(?2, fw_seen), last_contact = ?3 WHERE mac = ?1";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, mac, 12, SQLITE_TRANSIENT);
    spa_store_bind_text(s, 2, fw_seen && spa_value_is_ascii(fw_seen, strlen(fw_seen)) ? fw_seen
                                                                                    : NULL);
    sqlite3_bind_int64(s, 3, when ? when : (int64_t)time(NULL));
    return spa_store_run(st, s, d, "recording a contact");
}

int spa_store_device_touch(spa_store *st, const char *mac, const char *fw_seen, int64_t when,
                           spa_diags *d)
{
    char m[13];
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (fw_seen && !spa_value_is_ascii(fw_seen, strlen(fw_seen)))
        return spa_diag_error(d, "fw_seen", "fw_seen: not printable ASCII");
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (spa_store_contact_write(st, m, fw_seen, when, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
}

int spa_store_device_remove(spa_store *st, const char *mac, spa_diags *d)
{
    char m[13];
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    return dev_write1(st, "DELETE FROM devices WHERE mac = ?1 AND ?2 IS NULL", m, NULL, false, d);
}

int spa_store_device_rotate_key(spa_store *st, const char *mac, spa_diags *d)
{
    static const char sql[] =
        "UPDATE devices SET prev_key = coalesce(prev_key, key), "
        "prev_path = coalesce(prev_path, path), key = ?2, path = ?3, "
        "key_gen = key_gen + 1 WHERE mac = ?1";
    char m[13], key[65], path[33];
    sqlite3_stmt *s;
    int rc;
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (spa_store_random_hex(key, 32) < 0 || spa_store_random_hex(path, 16) < 0)
        return spa_diag_error(d, "random", "random number generator failed");
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    sqlite3_bind_text(s, 1, m, 12, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, path, -1, SQLITE_TRANSIENT);
    rc = spa_store_run(st, s, d, "rotating a key");
    OPENSSL_cleanse(key, sizeof key);
    if (rc < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_DEVICE, m, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_device_forget_prev(spa_store *st, const char *mac, spa_diags *d)
{
    char m[13];
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    return dev_write1(st,
                      "UPDATE devices SET prev_key = NULL, prev_path = NULL "
                      "WHERE mac = ?1 AND ?2 IS NULL",
                      m, NULL, true, d);
}

int spa_store_device_deps(spa_store *st, const char *mac, spa_device_deps *out, spa_diags *d)
{
    static const char sql[] =
        "SELECT (SELECT gen FROM scope_gen WHERE scope = 0 AND target = ''), "
        "(SELECT gen FROM scope_gen WHERE scope = 1 AND target = dv.model), "
        "(SELECT gen FROM scope_gen WHERE scope = 2 AND target = dv.grp), "
        "(SELECT gen FROM scope_gen WHERE scope = 3 AND target = dv.account), "
        "(SELECT gen FROM scope_gen WHERE scope = 4 AND target = dv.mac), "
        "dv.state, dv.key_gen, dv.prev_path IS NOT NULL "
        "FROM devices dv WHERE dv.mac = ?1";
    char m[13];
    sqlite3_stmt *s;
    int rc;
    memset(out, 0, sizeof *out);
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    sqlite3_bind_text(s, 1, m, 12, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < SPA_SCOPE_COUNT; i++)
            out->gen[i] = sqlite3_column_int64(s, i);
        if (spa_dev_state_parse(spa_store_col_str(s, SPA_SCOPE_COUNT), &out->state) < 0)
            out->state = SPA_DEV_NEW;
        out->key_gen = (unsigned)sqlite3_column_int64(s, SPA_SCOPE_COUNT + 1);
        out->rotation_pending = sqlite3_column_int(s, SPA_SCOPE_COUNT + 2) != 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return 1;
    return rc == SQLITE_ROW ? 0 : spa_store_dberr(st, d, "reading generations");
}
