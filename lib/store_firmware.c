/* store_firmware.c — firmware targets in the device database (issue 7,
 * flow 5): which version the devices of a model (or of one group) should
 * run and the intermediate versions a multi-stage upgrade must pass through;
 * plus looking up and forgetting recorded images. The renderer turns a
 * device's target into its Upgrade_Rule (lib/render_upgrade.c). Writes bump
 * the scope row they touch, so affected profiles re-render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"
#include "spaprov/render.h"
#include "spaprov/store.h"
#include "spaprov/version.h"
#include "store_db.h"

int spa_firmware_rel_path(const char *model, const char *version, char *out, size_t n)
{
    size_t o;
    int k = snprintf(out, n, "fw/%s/", model);
    if (k < 0 || (size_t)k >= n)
        return -1;
    o = (size_t)k;
    for (const char *p = version; *p; p++) {
        char c = *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
        if (o + 1 >= n)
            return -1;
        out[o++] = keep ? c : '_';
    }
    if (o + 5 > n)
        return -1;
    memcpy(out + o, ".bin", 5);
    return 0;
}

static void fw_from_row(sqlite3_stmt *s, spa_firmware *f)
{
    f->id = sqlite3_column_int64(s, 0);
    f->model = spa_store_col_dup(s, 1);
    f->version = spa_store_col_dup(s, 2);
    f->path = spa_store_col_dup(s, 3);
    f->size = sqlite3_column_int64(s, 4);
    snprintf(f->sha256, sizeof f->sha256, "%s", spa_store_col_str(s, 5));
    f->staged = (unsigned)sqlite3_column_int(s, 6);
    f->added = sqlite3_column_int64(s, 7);
}

int spa_store_firmware_get(spa_store *st, const char *model, const char *version,
                           spa_firmware *out, spa_diags *d)
{
    static const char sql[] =
        "SELECT id, model, version, path, size, sha256, staged, added FROM firmware "
        "WHERE model = ?1 AND version = ?2";
    const spa_model *m = spa_store_model(st, model, d);
    sqlite3_stmt *s;
    int rc;
    memset(out, 0, sizeof *out);
    if (!m || !(s = spa_store_stmt(st, sql, d)))
        return -1;
    spa_store_bind_text(s, 1, m->name);
    spa_store_bind_text(s, 2, version);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        fw_from_row(s, out);
        sqlite3_reset(s);
        if (!out->model || !out->version || !out->path) {
            spa_firmware_clear(out);
            return spa_diag_error(d, "oom", "out of memory");
        }
        return 0;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 1 : spa_store_dberr(st, d, "reading firmware");
}

/* True when version appears in a comma list. */
static bool in_list(const char *list, const char *version)
{
    size_t n = strlen(version);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, version, n) == 0)
            return true;
        p = e ? e + 1 : p + len;
    }
    return false;
}

/* 1 when a target names model/version (as target or intermediate), 0, -1. */
static int fw_in_use(spa_store *st, const char *model, const char *version, spa_diags *d)
{
    static const char sql[] = "SELECT version, via FROM fw_targets WHERE model = ?1";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    int rc, used = 0;
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, model);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && !used)
        used = strcmp(spa_store_col_str(s, 0), version) == 0 ||
               in_list(spa_store_col_str(s, 1), version);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return spa_store_dberr(st, d, "reading firmware targets");
    return used;
}

int spa_store_firmware_remove(spa_store *st, const char *model, const char *version,
                              spa_diags *d)
{
    static const char sql[] = "DELETE FROM firmware WHERE model = ?1 AND version = ?2";
    const spa_model *m = spa_store_model(st, model, d);
    sqlite3_stmt *s;
    int used;
    if (!m || !version)
        return m ? spa_diag_error(d, "version", "version: missing") : -1;
    if ((used = fw_in_use(st, m->name, version, d)) != 0)
        return used < 0 ? -1
                        : spa_diag_error(d, "version",
                                         "version: %s %s is named by a firmware target; "
                                         "change the target first", m->name, version);
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, m->name);
    spa_store_bind_text(s, 2, version);
    if (spa_store_run(st, s, d, "removing firmware") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_MODEL, m->name, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

/* ---- targets ---- */

void spa_fw_target_clear(spa_fw_target *t)
{
    free(t->target);
    free(t->model);
    free(t->version);
    free(t->via);
    memset(t, 0, sizeof *t);
}

/* A version that is a recorded image of model and can be written in a rule. */
static int check_step(spa_store *st, const char *model, const char *field, const char *v,
                      spa_fwver *out, spa_diags *d)
{
    spa_firmware f;
    char buf[40];
    int rc;
    if (spa_fwver_parse(v, strlen(v), out) < 0)
        return spa_diag_error(d, field, "%s: '%.40s' is not a firmware version", field, v);
    if (spa_fwver_rule_text(v, buf, sizeof buf) < 0)
        return spa_diag_error(d, field,
                              "%s: %.40s cannot be written in an Upgrade_Rule (a suffix must "
                              "start with a letter)", field, v);
    if ((rc = spa_store_firmware_get(st, model, v, &f, d)) < 0)
        return -1;
    spa_firmware_clear(&f);
    if (rc == 1)
        return spa_diag_error(d, field, "%s: no %s image %.40s (spaprov firmware add)", field,
                              model, v);
    return 0;
}

/* Check version and the comma list via for model. */
static int check_target(spa_store *st, const char *model, const char *version, const char *via,
                        spa_diags *d)
{
    spa_fwver tv, prev, cur;
    char step[64];
    bool have_prev = false;
    if (check_step(st, model, "version", version, &tv, d) < 0)
        return -1;
    for (const char *p = via ? via : ""; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= sizeof step)
            return spa_diag_error(d, "via", "via: empty or overlong version in '%.80s'", via);
        memcpy(step, p, len);
        step[len] = '\0';
        if (check_step(st, model, "via", step, &cur, d) < 0)
            return -1;
        if (have_prev && spa_fwver_cmp(&prev, &cur) >= 0)
            return spa_diag_error(d, "via", "via: versions must be ascending ('%s')", step);
        if (spa_fwver_cmp(&cur, &tv) >= 0)
            return spa_diag_error(d, "via", "via: %s is not below the target %s", step,
                                  version);
        prev = cur;
        have_prev = true;
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* The canonical target name of scope: a model name or an existing group. */
static int target_name(spa_store *st, spa_scope scope, const char *target, const char **out,
                       spa_diags *d)
{
    if (scope == SPA_SCOPE_MODEL) {
        const spa_model *m = spa_store_model(st, target, d);
        if (!m)
            return -1;
        *out = m->name;
        return 0;
    }
    if (scope != SPA_SCOPE_GROUP)
        return spa_diag_error(d, "scope", "--scope: firmware targets are set per model or group");
    int rc = spa_store_exists(st, "SELECT 1 FROM groups WHERE name = ?1", target, d);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return spa_diag_error(d, "group", "group: no group '%.80s'", target ? target : "");
    *out = target;
    return 0;
}

/* The model and the canonical target of (scope, target) for model (a model
 * target defaults to, and must be, the model itself). 0 or -1. */
static int resolve(spa_store *st, spa_scope scope, const char *target, const char *model,
                   const spa_model **m, const char **tname, spa_diags *d)
{
    if (!(*m = spa_store_model(st, model, d)))
        return -1;
    if (scope == SPA_SCOPE_MODEL && !target)
        target = (*m)->name;
    if (target_name(st, scope, target, tname, d) < 0)
        return -1;
    if (scope == SPA_SCOPE_MODEL && strcmp(*tname, (*m)->name) != 0)
        return spa_diag_error(d, "target", "--target: a model target is for its own model");
    return 0;
}

int spa_store_fw_target_set(spa_store *st, spa_scope scope, const char *target,
                            const char *model, const char *version, const char *via,
                            spa_diags *d)
{
    static const char sql[] =
        "INSERT INTO fw_targets(scope, target, model, version, via) VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(scope, target, model) DO UPDATE SET version = ?4, via = ?5";
    const spa_model *m;
    const char *tname;
    sqlite3_stmt *s;
    if (!version)
        return spa_diag_error(d, "version", "version: missing");
    if (resolve(st, scope, target, model, &m, &tname, d) < 0 ||
        check_target(st, m->name, version, via, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    sqlite3_bind_int(s, 1, (int)scope);
    spa_store_bind_text(s, 2, tname);
    spa_store_bind_text(s, 3, m->name);
    spa_store_bind_text(s, 4, version);
    spa_store_bind_text(s, 5, via ? via : "");
    if (spa_store_run(st, s, d, "setting a firmware target") < 0)
        goto fail;
    return spa_store_tx_finish(st, scope, tname, d) == 0 ? 0 : -1;
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_fw_target_unset(spa_store *st, spa_scope scope, const char *target,
                              const char *model, spa_diags *d)
{
    static const char sql[] =
        "DELETE FROM fw_targets WHERE scope = ?1 AND target = ?2 AND model = ?3";
    const spa_model *m;
    const char *tname;
    sqlite3_stmt *s;
    if (resolve(st, scope, target, model, &m, &tname, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    sqlite3_bind_int(s, 1, (int)scope);
    spa_store_bind_text(s, 2, tname);
    spa_store_bind_text(s, 3, m->name);
    if (spa_store_run(st, s, d, "removing a firmware target") < 0)
        goto fail;
    return spa_store_tx_finish(st, scope, tname, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

static int target_from_row(sqlite3_stmt *s, spa_fw_target *t, spa_diags *d)
{
    t->scope = (spa_scope)sqlite3_column_int(s, 0);
    t->target = spa_store_col_dup(s, 1);
    t->model = spa_store_col_dup(s, 2);
    t->version = spa_store_col_dup(s, 3);
    t->via = spa_store_col_dup(s, 4);
    if (!t->target || !t->model || !t->version || !t->via) {
        spa_fw_target_clear(t);
        return spa_diag_error(d, "oom", "out of memory");
    }
    return 0;
}

static int target_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_fw_target t = { 0 };
    int ret = target_from_row(s, &t, d);
    if (ret == 0)
        ret = v->cb.target(v->ctx, &t);
    spa_fw_target_clear(&t);
    return ret;
}

int spa_store_fw_target_list(spa_store *st, spa_fw_target_cb cb, void *ctx, spa_diags *d)
{
    static const char sql[] = "SELECT scope, target, model, version, via FROM fw_targets "
                              "ORDER BY scope, target, model";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    spa_store_visit v = { st, 0, ctx, { .target = cb } };
    return s ? spa_store_each(s, target_row, &v, d, "listing firmware targets") : -1;
}

int spa_store_fw_target_for(spa_store *st, const char *model, const char *group,
                            spa_fw_target *out, spa_diags *d)
{
    static const char sql[] =
        "SELECT scope, target, model, version, via FROM fw_targets "
        "WHERE model = ?1 AND ((scope = 2 AND target = ?2) OR (scope = 1 AND target = ?1)) "
        "ORDER BY scope DESC LIMIT 1";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    int rc, ret;
    memset(out, 0, sizeof *out);
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, model);
    spa_store_bind_text(s, 2, group);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        ret = target_from_row(s, out, d);
    else
        ret = rc == SQLITE_DONE ? 1 : spa_store_dberr(st, d, "reading firmware targets");
    sqlite3_reset(s);
    return ret;
}
