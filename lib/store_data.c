/* store_data.c — the store's accounts, groups, parameters at scopes,
 * firmware images, events and CSV device import (see store.c for the
 * connection, transactions and devices). Every write validates first and
 * names the bad field, then writes in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/evp.h>
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/render.h"
#include "spaprov/store.h"
#include "store_db.h"
#include "store_int.h"

/* ---- accounts ---- */

void spa_account_clear(spa_account *a)
{
    free(a->id);
    free(a->name);
    free(a->number);
    if (a->password)
        OPENSSL_cleanse(a->password, strlen(a->password));
    free(a->password);
    if (a->pin)
        OPENSSL_cleanse(a->pin, strlen(a->pin));
    free(a->pin);
    memset(a, 0, sizeof *a);
}

/* Ids, names, numbers, PINs: printable ASCII, bounded. */
static int check_text(const char *field, const char *v, size_t max, bool required, spa_diags *d)
{
    if (!v || !*v)
        return required ? spa_diag_error(d, field, "%s: missing", field) : 0;
    if (strlen(v) > max)
        return spa_diag_error(d, field, "%s: longer than %zu characters", field, max);
    if (!spa_value_is_ascii(v, strlen(v)))
        return spa_diag_error(d, field, "%s: not printable ASCII", field);
    return 0;
}

int spa_store_account_add(spa_store *st, const char *id, const char *name, const char *number,
                          spa_diags *d)
{
    static const char sql[] =
        "INSERT INTO accounts(id, name, number, created) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *s;
    int rc;
    if (check_text("id", id, 64, true, d) | check_text("name", name, 128, false, d) |
        check_text("number", number, 63, false, d))
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, id);
    spa_store_bind_text(s, 2, name ? name : "");
    spa_store_bind_text(s, 3, number ? number : "");
    sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        spa_diag_error(d, "id", "id: account '%s' already exists", id);
        goto fail;
    }
    if (rc != SQLITE_DONE || spa_store_bump(st, SPA_SCOPE_ACCOUNT, id, d) < 0) {
        spa_store_dberr(st, d, "adding an account");
        goto fail;
    }
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_account_set(spa_store *st, const char *id, const char *field, const char *value,
                          spa_diags *d)
{
    const char *sql;
    sqlite3_stmt *s;
    int rc;
    size_t max = 63;
    if (!field)
        return spa_diag_error(d, "field", "field: missing");
    if (strcmp(field, "name") == 0) {
        sql = "UPDATE accounts SET name = coalesce(?2, '') WHERE id = ?1";
        max = 128;
    } else if (strcmp(field, "number") == 0) {
        sql = "UPDATE accounts SET number = coalesce(?2, '') WHERE id = ?1";
    } else if (strcmp(field, "password") == 0) {
        sql = "UPDATE accounts SET password = ?2 WHERE id = ?1";
    } else if (strcmp(field, "pin") == 0) {
        if (value && *value)   /* hashed, validated: store_pins.c */
            return spa_store_account_pin(st, id, value, 0, NULL, 0, d);
        sql = "UPDATE accounts SET pin = NULL, pin_used = 0 WHERE id = ?1";
    } else {
        return spa_diag_error(d, "field", "field: '%s' is not one of name, number, password, pin",
                              field);
    }
    if (check_text(field, value, max, false, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, id);
    spa_store_bind_text(s, 2, value && *value ? value : NULL);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        spa_diag_error(d, "pin", "pin: already given to another account");
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        spa_store_dberr(st, d, "changing an account");
        goto fail;
    }
    return spa_store_tx_finish(st, SPA_SCOPE_ACCOUNT, id, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

#define ACCT_COLS \
    "id, name, number, password, pin, pin_used, created, pin IS NOT NULL, pin_expires, " \
    "coalesce(pin_mac, '')"

static int acct_from_row(sqlite3_stmt *s, unsigned flags, spa_account *a)
{
    memset(a, 0, sizeof *a);
    a->id = spa_store_col_dup(s, 0);
    a->name = spa_store_col_dup(s, 1);
    a->number = spa_store_col_dup(s, 2);
    if (flags & SPA_STORE_SECRETS) {
        a->password = spa_store_col_dup(s, 3);
        a->pin = spa_store_col_dup(s, 4);
    }
    a->pin_used = sqlite3_column_int(s, 5) != 0;
    a->created = sqlite3_column_int64(s, 6);
    a->has_pin = sqlite3_column_int(s, 7) != 0;
    a->pin_expires = sqlite3_column_int64(s, 8);
    snprintf(a->pin_mac, sizeof a->pin_mac, "%s", spa_store_col_str(s, 9));
    if (!a->id || !a->name || !a->number) {
        spa_account_clear(a);
        return -1;
    }
    return 0;
}

int spa_store_account_get(spa_store *st, const char *id, unsigned flags, spa_account *out,
                          spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, "SELECT " ACCT_COLS " FROM accounts WHERE id = ?1", d);
    int rc;
    memset(out, 0, sizeof *out);
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = acct_from_row(s, flags, out) < 0 ? -2 : 0;
    else if (rc == SQLITE_DONE)
        rc = 1;
    else
        rc = spa_store_dberr(st, d, "reading an account");
    sqlite3_reset(s);
    return rc == -2 ? spa_diag_error(d, "oom", "out of memory") : rc;
}

static int account_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_account a;
    int ret;
    if (acct_from_row(s, v->flags, &a) < 0)
        return spa_diag_error(d, "oom", "out of memory");
    ret = v->cb.account(v->ctx, &a);
    spa_account_clear(&a);
    return ret;
}

int spa_store_account_list(spa_store *st, unsigned flags, spa_account_cb cb, void *ctx,
                           spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, "SELECT " ACCT_COLS " FROM accounts ORDER BY id", d);
    spa_store_visit v = { st, flags, ctx, { .account = cb } };
    return s ? spa_store_each(s, account_row, &v, d, "listing accounts") : -1;
}

/* DELETE a row that devices may refer to; refused while they do. */
static int remove_referenced(spa_store *st, const char *sql_count, const char *sql_delete,
                             const char *what, const char *key, spa_diags *d)
{
    sqlite3_stmt *s;
    long n = 0;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql_count, d)))
        goto fail;
    spa_store_bind_text(s, 1, key);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (n > 0) {
        spa_diag_error(d, what, "%s: '%s' still has %ld device%s; move or remove them first",
                       what, key, n, n == 1 ? "" : "s");
        goto fail;
    }
    if (!(s = spa_store_stmt(st, sql_delete, d)))
        goto fail;
    spa_store_bind_text(s, 1, key);
    if (spa_store_run(st, s, d, "removing") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_account_remove(spa_store *st, const char *id, spa_diags *d)
{
    return remove_referenced(st, "SELECT count(*) FROM devices WHERE account = ?1",
                             "DELETE FROM accounts WHERE id = ?1", "account", id, d);
}

/* ---- groups ---- */

int spa_store_group_add(spa_store *st, const char *name, const char *description, spa_diags *d)
{
    static const char sql[] = "INSERT INTO groups(name, description, created) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *s;
    int rc;
    if (check_text("name", name, 64, true, d) | check_text("description", description, 256, false, d))
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, name);
    spa_store_bind_text(s, 2, description ? description : "");
    sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        spa_diag_error(d, "name", "name: group '%s' already exists", name);
        goto fail;
    }
    if (rc != SQLITE_DONE || spa_store_bump(st, SPA_SCOPE_GROUP, name, d) < 0) {
        spa_store_dberr(st, d, "adding a group");
        goto fail;
    }
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_group_set(spa_store *st, const char *name, const char *description, spa_diags *d)
{
    sqlite3_stmt *s;
    if (check_text("description", description, 256, false, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, "UPDATE groups SET description = ?2 WHERE name = ?1", d)))
        goto fail;
    spa_store_bind_text(s, 1, name);
    spa_store_bind_text(s, 2, description ? description : "");
    if (spa_store_run(st, s, d, "changing a group") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_group_remove(spa_store *st, const char *name, spa_diags *d)
{
    return remove_referenced(st, "SELECT count(*) FROM devices WHERE grp = ?1",
                             "DELETE FROM groups WHERE name = ?1", "group", name, d);
}

static int group_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    (void)d;
    return v->cb.group(v->ctx, spa_store_col_str(s, 0), spa_store_col_str(s, 1));
}

int spa_store_group_list(spa_store *st, spa_group_cb cb, void *ctx, spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, "SELECT name, description FROM groups ORDER BY name", d);
    spa_store_visit v = { st, 0, ctx, { .group = cb } };
    return s ? spa_store_each(s, group_row, &v, d, "listing groups") : -1;
}

/* ---- parameters ---- */

static const char *const scope_names[] = { "global", "model", "group", "account", "device" };

const char *spa_scope_name(spa_scope s)
{
    return (unsigned)s < SPA_SCOPE_COUNT ? scope_names[s] : "?";
}

int spa_scope_parse(const char *s, spa_scope *out)
{
    for (int i = 0; i < SPA_SCOPE_COUNT; i++)
        if (s && strcasecmp(s, scope_names[i]) == 0) {
            *out = (spa_scope)i;
            return 0;
        }
    return -1;
}

/* Which models a scope's values must suit, and the stored target spelling. */
typedef struct scope_ctx {
    const spa_model *one;     /* the single model (model/device scope), or NULL = all */
    char target[72];
} scope_ctx;

static int resolve_scope(spa_store *st, spa_scope scope, const char *target, scope_ctx *sc,
                         spa_diags *d)
{
    int r;
    memset(sc, 0, sizeof *sc);
    if (!target)
        target = "";
    switch (scope) {
    case SPA_SCOPE_GLOBAL:
        if (*target)
            return spa_diag_error(d, "target", "target: the global scope takes no target");
        return spa_store_all_models(st, d);
    case SPA_SCOPE_MODEL:
        if (!(sc->one = spa_store_model(st, target, d)))
            return -1;
        snprintf(sc->target, sizeof sc->target, "%s", sc->one->name);
        return 0;
    case SPA_SCOPE_GROUP:
    case SPA_SCOPE_ACCOUNT:
        if ((r = spa_store_exists(st, scope == SPA_SCOPE_GROUP
                                          ? "SELECT 1 FROM groups WHERE name = ?1"
                                          : "SELECT 1 FROM accounts WHERE id = ?1",
                                  target, d)) < 0)
            return -1;
        if (!r)
            return spa_diag_error(d, "target", "target: %s '%s' does not exist",
                                  spa_scope_name(scope), target);
        snprintf(sc->target, sizeof sc->target, "%s", target);
        return spa_store_all_models(st, d);
    case SPA_SCOPE_DEVICE: {
        spa_device dv;
        if (spa_store_mac(target, sc->target, d) < 0)
            return -1;
        if ((r = spa_store_device_get(st, sc->target, 0, &dv, d)) != 0)
            return r < 0 ? -1 : spa_diag_error(d, "target", "target: device %s does not exist",
                                               sc->target);
        sc->one = spa_store_model(st, dv.model, d);
        spa_device_clear(&dv);
        return sc->one ? 0 : -1;
    }
    default:
        return spa_diag_error(d, "scope", "scope: unknown");
    }
}

/* Check one entry against the scope's model(s): the name must exist in at
 * least one, and a literal value must pass each one's type check. */
static int check_entry(spa_store *st, const scope_ctx *sc, const spa_profile_entry *e,
                       spa_diags *d)
{
    const spa_model *const *ms = sc->one ? &sc->one : (const spa_model *const *)st->models;
    size_t nm = sc->one ? 1 : st->nmodels, found = 0;
    char why[160];
    unsigned col = 0;
    int tpl = 0;

    if (e->value) {
        if (!spa_value_is_ascii(e->value, strlen(e->value)))
            return spa_diag_error(d, "value", "%s: value is not printable ASCII", e->name);
        tpl = spa_template_check(e->value, why, sizeof why, &col);
        if (tpl < 0)
            return spa_diag_error(d, "template", "%s: column %u: %s", e->name, col, why);
    } else if (e->access == SPA_ACCESS_UNSET) {
        return spa_diag_error(d, "value", "%s: neither a value nor a user access given",
                              e->name);
    }
    for (size_t i = 0; i < nm; i++) {
        const spa_param_def *pd = spa_model_param(ms[i], e->name);
        if (!pd)
            continue;
        found++;
        if (e->value && !tpl && spa_type_check(&pd->type, e->value, why, sizeof why) < 0) {
            if (pd->flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY))   /* why may quote it */
                return spa_diag_error(d, "type", "%s: the (secret) value is not valid for %s",
                                      e->name, ms[i]->name);
            return spa_diag_error(d, "type", "%s: value '%s' is not valid for %s: %s", e->name,
                                  e->value, ms[i]->name, why);
        }
    }
    if (!found)
        return spa_diag_error(d, "unknown-param", "%s: not a parameter of %s", e->name,
                              sc->one ? sc->one->name : "any model");
    return 0;
}

static const char sql_param_upsert[] =
    "INSERT INTO params(scope, target, name, value, access) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(scope, target, name) DO UPDATE SET "
    "value = coalesce(excluded.value, value), access = coalesce(excluded.access, access)";

int spa_store_param_apply(spa_store *st, spa_scope scope, const char *target,
                          const spa_profile *set, spa_diags *d)
{
    scope_ctx sc;
    size_t bad = 0;
    sqlite3_stmt *s;
    if (resolve_scope(st, scope, target, &sc, d) < 0)
        return -1;
    for (size_t i = 0; i < set->n; i++)
        if (check_entry(st, &sc, &set->v[i], d) < 0)
            bad++;
    if (bad)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    for (size_t i = 0; i < set->n; i++) {
        const spa_profile_entry *e = &set->v[i];
        if (!(s = spa_store_stmt(st, sql_param_upsert, d)))
            goto fail;
        sqlite3_bind_int(s, 1, (int)scope);
        spa_store_bind_text(s, 2, sc.target);
        spa_store_bind_text(s, 3, e->name);
        spa_store_bind_text(s, 4, e->value);
        spa_store_bind_text(s, 5, e->access == SPA_ACCESS_UNSET ? NULL : spa_access_name(e->access));
        if (spa_store_run(st, s, d, "setting a parameter") < 0)
            goto fail;
    }
    if (spa_store_bump(st, scope, sc.target, d) < 0)
        goto fail;
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_param_set(spa_store *st, spa_scope scope, const char *target, const char *name,
                        const char *value, spa_access access, spa_diags *d)
{
    spa_profile p;
    int rc;
    spa_profile_init(&p);
    rc = spa_profile_set(&p, name ? name : "", value, access, NULL, 0, 0);
    if (rc == -1)
        rc = spa_diag_error(d, "name", "name: '%s' is not a valid parameter name",
                            name ? name : "");
    else if (rc < 0)
        rc = spa_diag_error(d, "oom", "out of memory");
    else
        rc = spa_store_param_apply(st, scope, target, &p, d);
    spa_profile_free(&p);
    return rc;
}

int spa_store_param_unset(spa_store *st, spa_scope scope, const char *target, const char *name,
                          spa_diags *d)
{
    static const char sql[] = "DELETE FROM params WHERE scope = ?1 AND target = ?2 AND name = ?3";
    char canon[SPA_NAME_MAX + 1];
    scope_ctx sc;
    sqlite3_stmt *s;
    if (!name || spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return spa_diag_error(d, "name", "name: '%s' is not a valid parameter name",
                              name ? name : "");
    if (resolve_scope(st, scope, target, &sc, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    sqlite3_bind_int(s, 1, (int)scope);
    spa_store_bind_text(s, 2, sc.target);
    spa_store_bind_text(s, 3, canon);
    if (spa_store_run(st, s, d, "unsetting a parameter") < 0)
        goto fail;
    return spa_store_tx_finish(st, scope, sc.target, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

/* Secret in any loaded model (passwords, GPP_SA–SD, License_Keys). */
static bool param_secret(spa_store *st, const char *name)
{
    for (size_t i = 0; i < st->nmodels; i++) {
        const spa_param_def *pd = spa_model_param(st->models[i], name);
        if (pd && (pd->flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY)))
            return true;
    }
    return false;
}

static int param_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_param_row r = { 0 };
    const char *acc = (const char *)sqlite3_column_text(s, 4);
    (void)d;
    r.scope = (spa_scope)sqlite3_column_int(s, 0);
    r.target = spa_store_col_str(s, 1);
    r.name = spa_store_col_str(s, 2);
    r.value = (const char *)sqlite3_column_text(s, 3);
    if (!acc || spa_access_parse(acc, &r.access) < 0)
        r.access = SPA_ACCESS_UNSET;
    if (r.value && !(v->flags & SPA_STORE_SECRETS) && param_secret(v->st, r.name)) {
        r.value = NULL;
        r.masked = true;
    }
    return v->cb.param(v->ctx, &r);
}

static int emit_rows(spa_store *st, sqlite3_stmt *s, unsigned flags, spa_param_cb cb, void *ctx,
                     spa_diags *d)
{
    spa_store_visit v = { st, flags, ctx, { .param = cb } };
    return spa_store_each(s, param_row, &v, d, "listing parameters");
}

int spa_store_param_list(spa_store *st, spa_scope scope, const char *target, unsigned flags,
                         spa_param_cb cb, void *ctx, spa_diags *d)
{
    static const char sql[] =
        "SELECT scope, target, name, value, access FROM params "
        "WHERE scope = ?1 AND (?2 IS NULL OR target = ?2) ORDER BY target, name";
    char mac[13];
    sqlite3_stmt *s;
    if ((unsigned)scope >= SPA_SCOPE_COUNT)
        return spa_diag_error(d, "scope", "scope: unknown");
    if (!(flags & SPA_STORE_SECRETS) && spa_store_all_models(st, d) < 0)
        return -1;
    if (scope == SPA_SCOPE_GLOBAL)
        target = "";
    else if (scope == SPA_SCOPE_DEVICE && target) {
        if (spa_store_mac(target, mac, d) < 0)
            return -1;
        target = mac;
    } else if (scope == SPA_SCOPE_MODEL && target) {
        const spa_model *m = spa_store_model(st, target, d);
        if (!m)
            return -1;
        target = m->name;
    }
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    sqlite3_bind_int(s, 1, (int)scope);
    spa_store_bind_text(s, 2, target);
    return emit_rows(st, s, flags, cb, ctx, d);
}

int spa_store_params_for_device(spa_store *st, const char *mac, spa_param_cb cb, void *ctx,
                                spa_diags *d)
{
    static const char sql[] =
        "SELECT p.scope, p.target, p.name, p.value, p.access FROM devices dv, params p "
        "WHERE dv.mac = ?1 AND p.scope = ?2 AND p.target = CASE ?2 WHEN 0 THEN '' "
        "WHEN 1 THEN dv.model WHEN 2 THEN dv.grp WHEN 3 THEN dv.account ELSE dv.mac END";
    char m[13];
    int r, ret = 0;
    if (spa_store_mac(mac, m, d) < 0)
        return -1;
    if (spa_store_snapshot_begin(st, d) < 0)
        return -1;
    if ((r = spa_store_exists(st, "SELECT 1 FROM devices WHERE mac = ?1", m, d)) <= 0) {
        spa_store_snapshot_end(st);
        return r < 0 ? -1 : 1;
    }
    for (int sc = 0; sc < SPA_SCOPE_COUNT && ret == 0; sc++) {
        sqlite3_stmt *s = spa_store_stmt(st, sql, d);
        if (!s) {
            ret = -1;
            break;
        }
        sqlite3_bind_text(s, 1, m, 12, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 2, sc);
        ret = emit_rows(st, s, SPA_STORE_SECRETS, cb, ctx, d);
    }
    spa_store_snapshot_end(st);
    return ret;
}

/* ---- firmware ---- */

void spa_firmware_clear(spa_firmware *f)
{
    free(f->model);
    free(f->version);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* SHA-256 and size of a file. 0 or -1 with a diagnostic. */
static int file_digest(const char *path, char hex[65], int64_t *size, spa_diags *d)
{
    unsigned char buf[65536], md[32];
    unsigned mdlen = 0;
    size_t n;
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *c;
    int ok = 1;
    if (!f)
        return spa_diag_error(d, "path", "path: %s: cannot open", path);
    c = EVP_MD_CTX_new();
    *size = 0;
    ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(c, buf, n);
        *size += (int64_t)n;
    }
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, md, &mdlen);
    fclose(f);
    EVP_MD_CTX_free(c);
    if (!ok || mdlen != 32)
        return spa_diag_error(d, "path", "path: %s: cannot read", path);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int spa_store_firmware_add(spa_store *st, const char *model, const char *version,
                           const char *path, unsigned staged, spa_diags *d)
{
    static const char sql[] =
        "INSERT INTO firmware(model, version, path, size, sha256, staged, added) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    const spa_model *m = spa_store_model(st, model, d);
    char hex[65];
    int64_t size;
    sqlite3_stmt *s;
    int rc;
    if (!m || check_text("version", version, 32, true, d) < 0 ||
        check_text("path", path, 4096, true, d) < 0 || file_digest(path, hex, &size, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, m->name);
    spa_store_bind_text(s, 2, version);
    spa_store_bind_text(s, 3, path);
    sqlite3_bind_int64(s, 4, size);
    spa_store_bind_text(s, 5, hex);
    sqlite3_bind_int(s, 6, (int)(staged & 3u));
    sqlite3_bind_int64(s, 7, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        spa_diag_error(d, "version", "version: %s %s is already recorded", m->name, version);
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        spa_store_dberr(st, d, "adding firmware");
        goto fail;
    }
    if (spa_store_bump(st, SPA_SCOPE_MODEL, m->name, d) < 0)
        goto fail;
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_firmware_stage(spa_store *st, const char *model, const char *version,
                             unsigned staged, spa_diags *d)
{
    const spa_model *m = spa_store_model(st, model, d);
    sqlite3_stmt *s;
    if (!m)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, "UPDATE firmware SET staged = ?3 WHERE model = ?1 AND version = ?2",
                             d)))
        goto fail;
    spa_store_bind_text(s, 1, m->name);
    spa_store_bind_text(s, 2, version);
    sqlite3_bind_int(s, 3, (int)(staged & 3u));
    if (spa_store_run(st, s, d, "staging firmware") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_MODEL, m->name, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

static int firmware_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_firmware f = { 0 };
    int ret;
    f.id = sqlite3_column_int64(s, 0);
    f.model = spa_store_col_dup(s, 1);
    f.version = spa_store_col_dup(s, 2);
    f.path = spa_store_col_dup(s, 3);
    f.size = sqlite3_column_int64(s, 4);
    snprintf(f.sha256, sizeof f.sha256, "%s", spa_store_col_str(s, 5));
    f.staged = (unsigned)sqlite3_column_int(s, 6);
    f.added = sqlite3_column_int64(s, 7);
    if (!f.model || !f.version || !f.path)
        ret = spa_diag_error(d, "oom", "out of memory");
    else
        ret = v->cb.firmware(v->ctx, &f);
    spa_firmware_clear(&f);
    return ret;
}

int spa_store_firmware_list(spa_store *st, const char *model, spa_firmware_cb cb, void *ctx,
                            spa_diags *d)
{
    static const char sql[] =
        "SELECT id, model, version, path, size, sha256, staged, added FROM firmware "
        "WHERE ?1 IS NULL OR model = ?1 ORDER BY model, id";
    const spa_model *m = NULL;
    sqlite3_stmt *s;
    if (model && !(m = spa_store_model(st, model, d)))
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    spa_store_bind_text(s, 1, m ? m->name : NULL);
    spa_store_visit v = { st, 0, ctx, { .firmware = cb } };
    return spa_store_each(s, firmware_row, &v, d, "listing firmware");
}

/* ---- events ---- */

static const char *const ev_names[] = { "request", "result", "syslog", "report", "security",
                                        "upgrade" };

const char *spa_event_kind_name(spa_event_kind k)
{
    return (unsigned)k < SPA_EV_COUNT ? ev_names[k] : "?";
}

int spa_event_kind_parse(const char *s, spa_event_kind *out)
{
    for (int i = 0; i < SPA_EV_COUNT; i++)
        if (s && strcasecmp(s, ev_names[i]) == 0) {
            *out = (spa_event_kind)i;
            return 0;
        }
    return -1;
}

/* Inside a transaction: insert one event (mac canonical or ""). 0 or -1. */
static int event_insert(spa_store *st, int64_t when, const char *m, spa_event_kind kind,
                        const char *text, const void *blob, size_t blob_len, spa_diags *d)
{
    static const char sql[] =
        "INSERT INTO events(time, mac, kind, text, blob) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s;
    if ((unsigned)kind >= SPA_EV_COUNT)
        return spa_diag_error(d, "kind", "kind: unknown event kind");
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    sqlite3_bind_int64(s, 1, when ? when : (int64_t)time(NULL));
    sqlite3_bind_text(s, 2, m, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, ev_names[kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, text ? text : "", -1, SQLITE_TRANSIENT);
    if (blob)
        sqlite3_bind_blob64(s, 5, blob, blob_len, SQLITE_TRANSIENT);
    return spa_store_run(st, s, d, "adding an event");
}

int spa_store_event_add(spa_store *st, int64_t when, const char *mac, spa_event_kind kind,
                        const char *text, const void *blob, size_t blob_len, spa_diags *d)
{
    char m[13] = "";
    if (mac && *mac && spa_store_mac(mac, m, d) < 0)
        return -1;
    if ((unsigned)kind >= SPA_EV_COUNT)
        return spa_diag_error(d, "kind", "kind: unknown event kind");
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (event_insert(st, when, m, kind, text, blob, blob_len, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return spa_store_tx_commit(st, d);
}

int spa_store_write_batch(spa_store *st, const spa_event_rec *ev, size_t nev,
                          const spa_contact_rec *ct, size_t nct, spa_diags *d)
{
    if (nev == 0 && nct == 0)
        return 0;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    for (size_t i = 0; i < nev; i++)
        if (event_insert(st, ev[i].time, ev[i].mac, ev[i].kind, ev[i].text, NULL, 0, d) < 0)
            goto fail;
    for (size_t i = 0; i < nct; i++)
        if (spa_store_contact_write(st, ct[i].mac, ct[i].fw_seen[0] ? ct[i].fw_seen : NULL,
                                    ct[i].time, d) < 0)
            goto fail;
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

static int event_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_event e = { 0 };
    (void)d;
    e.id = sqlite3_column_int64(s, 0);
    e.time = sqlite3_column_int64(s, 1);
    e.mac = spa_store_col_str(s, 2);
    if (spa_event_kind_parse(spa_store_col_str(s, 3), &e.kind) < 0)
        e.kind = SPA_EV_REQUEST;
    e.text = spa_store_col_str(s, 4);
    e.blob = sqlite3_column_blob(s, 5);
    e.blob_len = (size_t)sqlite3_column_bytes(s, 5);
    return v->cb.event(v->ctx, &e);
}

int spa_store_event_query(spa_store *st, const spa_event_query *q, spa_event_cb cb, void *ctx,
                          spa_diags *d)
{
    static const char sql[] =
        "SELECT id, time, mac, kind, text, blob FROM (SELECT * FROM events "
        "WHERE (?1 IS NULL OR mac = ?1) AND time >= ?2 AND (?3 IS NULL OR kind = ?3) "
        "ORDER BY time DESC, id DESC LIMIT ?4) ORDER BY time, id";
    spa_event_query all = { .kind = -1 };
    char m[13];
    sqlite3_stmt *s;
    if (!q)
        q = &all;
    if (q->mac && spa_store_mac(q->mac, m, d) < 0)
        return -1;
    if (q->kind >= SPA_EV_COUNT)
        return spa_diag_error(d, "kind", "kind: unknown event kind");
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    spa_store_bind_text(s, 1, q->mac ? m : NULL);
    sqlite3_bind_int64(s, 2, q->since);
    spa_store_bind_text(s, 3, q->kind >= 0 ? ev_names[q->kind] : NULL);
    sqlite3_bind_int64(s, 4, q->limit ? (sqlite3_int64)q->limit : 1000);
    spa_store_visit v = { st, 0, ctx, { .event = cb } };
    return spa_store_each(s, event_row, &v, d, "querying events");
}
