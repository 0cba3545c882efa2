/* test_store.c — the device database: migrations (in order, newer refused),
 * devices/accounts/groups, parameter validation at every scope (errors name
 * the field and change nothing), secrets withheld from listings, events,
 * firmware, CSV import, scope generations, and a kill -9 in the middle of a
 * 10,000-device import leaving only whole devices behind. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "testutil.h"
#include "spaprov/store.h"

typedef struct fx {
    char dir[256];
    char db[300];
    spa_store *st;
    spa_diags d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->db, sizeof f->db, "%s/spaprov.db", f->dir);
    spa_diags_init(&f->d);
    f->st = spa_store_open(f->db, NULL, &f->d);
    assert_non_null(f->st);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    spa_store_close(f->st);
    spa_diags_free(&f->d);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void reset_diags(fx *f)
{
    spa_diags_free(&f->d);
    spa_diags_init(&f->d);
}

static int sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    int v = -1;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

static const char *sql_text(const char *db, const char *sql, char *out, size_t n)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    out[0] = '\0';
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(h);
    return out;
}

static void test_migrations_in_order(void **state)
{
    fx *f = *state;
    char db[300];
    char buf[64];
    spa_store_open_opts o = { .max_version = 1 };
    snprintf(db, sizeof db, "%s/old.db", f->dir);
    spa_store *st = spa_store_open(db, &o, &f->d);
    assert_non_null(st);
    assert_int_equal(spa_store_schema_version(st), 1);
    spa_store_close(st);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name='events_mac_time'"), 0);
    st = spa_store_open(db, NULL, &f->d);
    assert_non_null(st);
    assert_int_equal(spa_store_schema_version(st), spa_store_schema_latest());
    assert_true(spa_store_schema_latest() >= 2);
    spa_store_close(st);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name='events_mac_time'"), 1);
    /* every version from 1 to the latest, each once, whatever the latest is */
    assert_int_equal(sql_int(db, "SELECT count(*) = max(version) AND min(version) = 1 AND "
                                 "count(DISTINCT version) = count(*) FROM schema_version"), 1);
    assert_int_equal(sql_int(db, "SELECT max(version) FROM schema_version"),
                     spa_store_schema_latest());
    assert_string_equal(sql_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
}

static void test_newer_schema_refused(void **state)
{
    fx *f = *state;
    sqlite3 *h;
    spa_store_close(f->st);
    f->st = NULL;
    assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "INSERT INTO schema_version VALUES(999, 'future', 0)", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_null(spa_store_open(f->db, NULL, &f->d));
    assert_true(tu_diags_contain(&f->d, "schema version 999 is newer"));
}

typedef struct seen {
    int n;
    int secrets;
    char names[8][64];
} seen;

static int count_dev(void *ctx, const spa_device *dv)
{
    seen *s = ctx;
    if (dv->key || dv->prev_key)
        s->secrets++;
    if (s->n < 8)
        snprintf(s->names[s->n], 64, "%s", dv->mac);
    s->n++;
    return 0;
}

static void test_not_a_database(void **state)
{
    fx *f = *state;
    char p[512];
    tu_write(f->dir, "junk.db", "this is not an SQLite database, not even close......"
             "................................................................", p, sizeof p);
    assert_null(spa_store_open(p, NULL, &f->d));
    assert_true(tu_diags_contain(&f->d, "not a database"));
    assert_null(spa_store_open(NULL, NULL, &f->d));
    assert_true(tu_diags_contain(&f->d, "database: no path given"));
}

typedef struct writer {
    spa_store *st;
    int rc;
} writer;

static int write_in_callback(void *ctx, const spa_device *dv)
{
    writer *w = ctx;
    w->rc = spa_store_device_rotate_key(w->st, dv->mac, NULL);
    return 0;
}

static void test_device_crud(void **state)
{
    fx *f = *state;
    spa_device dv;
    assert_int_equal(spa_store_device_add(f->st, "00:0E:08:AA:BB:CC", "spa2102", "88012BA01234",
                                          NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_device_get(f->st, "000e08aabbcc", 0, &dv, &f->d), 0);
    assert_string_equal(dv.mac, "000e08aabbcc");
    assert_string_equal(dv.model, "SPA2102");
    assert_string_equal(dv.serial, "88012BA01234");
    assert_null(dv.key);              /* secret: not asked */
    assert_null(dv.account);
    assert_int_equal(strlen(dv.path), 32);
    assert_int_equal(dv.state, SPA_DEV_NEW);
    spa_device_clear(&dv);
    assert_int_equal(spa_store_device_get(f->st, "000e08aabbcc", SPA_STORE_SECRETS, &dv, &f->d), 0);
    assert_int_equal(strlen(dv.key), 64);
    assert_int_equal(strspn(dv.key, "0123456789abcdef"), 64);
    spa_device_clear(&dv);

    /* errors name the field and change nothing */
    assert_int_equal(spa_store_device_add(f->st, "zz", "SPA2102", "1", NULL, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "mac: 'zz' is not a MAC address"));
    assert_int_equal(spa_store_device_add(f->st, "000e08aabbcd", "SPA9999", "1", NULL, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "model: 'SPA9999' is not a known model"));
    assert_int_equal(spa_store_device_add(f->st, "000e08aabbcd", "SPA2102", "1", "nope", NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "account: 'nope' does not exist"));
    assert_int_equal(spa_store_device_add(f->st, "000e08aabbcc", "SPA2102", "1", NULL, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "already exists"));
    assert_int_equal(spa_store_device_count(f->st), 1);

    seen sn = { 0 };
    assert_int_equal(spa_store_device_list(f->st, NULL, 0, count_dev, &sn, &f->d), 0);
    assert_int_equal(sn.n, 1);
    assert_int_equal(sn.secrets, 0);   /* a listing never carries keys */
    assert_string_equal(sn.names[0], "000e08aabbcc");

    writer w = { f->st, 0 };                      /* writes inside a listing are refused */
    assert_int_equal(spa_store_device_list(f->st, NULL, 0, write_in_callback, &w, &f->d), 0);
    assert_int_equal(w.rc, -1);

    assert_int_equal(spa_store_device_update(f->st, "000e08aabbcc", "state", "provisioned", &f->d), 0);
    assert_int_equal(spa_store_device_update(f->st, "000e08aabbcc", "color", "red", &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "field: 'color'"));
    assert_int_equal(spa_store_device_touch(f->st, "000e08aabbcc", "5.1.10", 1700000000, &f->d), 0);
    assert_int_equal(spa_store_device_get(f->st, "000e08aabbcc", 0, &dv, &f->d), 0);
    assert_int_equal(dv.state, SPA_DEV_PROVISIONED);
    assert_string_equal(dv.fw_seen, "5.1.10");
    assert_int_equal(dv.last_contact, 1700000000);
    spa_device_clear(&dv);

    assert_int_equal(spa_store_device_remove(f->st, "000e08aabbcc", &f->d), 0);
    assert_int_equal(spa_store_device_remove(f->st, "000e08aabbcc", &f->d), 1);
    assert_int_equal(spa_store_device_get(f->st, "000e08aabbcc", 0, &dv, &f->d), 1);
}

static void test_rotate_key(void **state)
{
    fx *f = *state;
    spa_device a, b;
    assert_int_equal(spa_store_device_add(f->st, "000e08000001", "PAP2T", "S1", NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", SPA_STORE_SECRETS, &a, &f->d), 0);
    assert_int_equal(spa_store_device_rotate_key(f->st, "000e08000001", &f->d), 0);
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", SPA_STORE_SECRETS, &b, &f->d), 0);
    assert_int_equal(b.key_gen, 1);
    assert_string_equal(b.prev_key, a.key);
    assert_string_equal(b.prev_path, a.path);
    assert_string_not_equal(b.key, a.key);
    assert_string_not_equal(b.path, a.path);
    spa_device_clear(&b);
    assert_int_equal(spa_store_device_forget_prev(f->st, "000e08000001", &f->d), 0);
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", SPA_STORE_SECRETS, &b, &f->d), 0);
    assert_null(b.prev_key);
    assert_null(b.prev_path);
    spa_device_clear(&a);
    spa_device_clear(&b);
    assert_int_equal(spa_store_device_rotate_key(f->st, "000e08000002", &f->d), 1);
}

static int count_acct(void *ctx, const spa_account *a)
{
    seen *s = ctx;
    if (a->pin || a->password)
        s->secrets++;
    s->n++;
    return 0;
}

static void test_accounts_groups_pin(void **state)
{
    fx *f = *state;
    char acct[64];
    spa_account a;
    seen s = { 0 };
    assert_int_equal(spa_store_account_add(f->st, "1001", "Alice", "5551001", &f->d), 0);
    assert_int_equal(spa_store_account_add(f->st, "1001", "Bob", NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "id: account '1001' already exists"));
    assert_int_equal(spa_store_account_set(f->st, "1001", "pin", "1234abcd", &f->d), 0);
    assert_int_equal(spa_store_account_set(f->st, "1001", "password", "s3cret", &f->d), 0);
    assert_int_equal(spa_store_account_set(f->st, "9999", "name", "x", &f->d), 1);
    assert_int_equal(spa_store_group_add(f->st, "east", "east coast", &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, "000e08aabbcc", "SPA2102", "SN1", NULL, "east", &f->d), 0);

    assert_int_equal(spa_store_account_get(f->st, "1001", 0, &a, &f->d), 0);
    assert_null(a.pin);
    assert_null(a.password);
    assert_string_equal(a.number, "5551001");
    spa_account_clear(&a);
    assert_int_equal(spa_store_account_list(f->st, 0, count_acct, &s, &f->d), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.secrets, 0);

    /* retail binding: wrong PIN binds nothing, right one binds once */
    assert_int_equal(spa_store_bind_pin(f->st, "000e08aabbcc", "0000", acct, sizeof acct, &f->d), 1);
    assert_int_equal(spa_store_bind_pin(f->st, "000e08aabbcc", "1234abcd", acct, sizeof acct, &f->d), 0);
    assert_string_equal(acct, "1001");
    assert_int_equal(spa_store_bind_pin(f->st, "000e08aabbcc", "1234abcd", acct, sizeof acct, &f->d), 1);
    assert_int_equal(spa_store_account_get(f->st, "1001", SPA_STORE_SECRETS, &a, &f->d), 0);
    assert_true(a.pin_used);
    {   /* only the PIN's hash is stored */
        char h[72];
        spa_store_pin_hash("1234abcd", h, sizeof h);
        assert_string_equal(a.pin, h);
        assert_int_equal(strncmp(a.pin, "sha256:", 7), 0);
    }
    assert_string_equal(a.password, "s3cret");
    spa_account_clear(&a);

    assert_int_equal(spa_store_group_set(f->st, "east", "east coast, all of it", &f->d), 0);
    assert_int_equal(spa_store_group_set(f->st, "west", "x", &f->d), 1);

    /* referenced rows cannot go */
    assert_int_equal(spa_store_group_remove(f->st, "east", &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "group: 'east' still has 1 device"));
    assert_int_equal(spa_store_account_remove(f->st, "1001", &f->d), -1);
    assert_int_equal(spa_store_device_update(f->st, "000e08aabbcc", "group", NULL, &f->d), 0);
    assert_int_equal(spa_store_device_update(f->st, "000e08aabbcc", "account", NULL, &f->d), 0);
    assert_int_equal(spa_store_group_remove(f->st, "east", &f->d), 0);
    assert_int_equal(spa_store_account_remove(f->st, "1001", &f->d), 0);
    assert_int_equal(spa_store_group_remove(f->st, "east", &f->d), 1);
}

typedef struct prow {
    int n;
    char name[8][64];
    char value[8][64];
    int masked[8];
} prow;

static int collect_param(void *ctx, const spa_param_row *r)
{
    prow *p = ctx;
    if (p->n < 8) {
        snprintf(p->name[p->n], 64, "%s", r->name);
        snprintf(p->value[p->n], 64, "%s", r->value ? r->value : "<null>");
        p->masked[p->n] = r->masked;
    }
    p->n++;
    return 0;
}

static void test_params_validation(void **state)
{
    fx *f = *state;
    prow p = { 0 };
    spa_profile set;
    assert_int_equal(spa_store_device_add(f->st, "000e08aabbcc", "SPA1001", "SN1", NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "Resync Random Delay", "5",
                                         SPA_ACCESS_UNSET, &f->d), 0);
    /* unknown name, bad type, bad template: named, nothing changed */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, NULL, "No_Such_Param", "1",
                                         SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "No_Such_Param: not a parameter of any model"));
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, NULL, "Resync_Random_Delay", "abc",
                                         SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "Resync_Random_Delay: value 'abc' is not valid"));
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_MODEL, "SPA2102", "User_ID_1_",
                                         "{{account.numbr}}", SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "unknown template variable '{{account.numbr}}'"));
    /* SPA1001 has one line: Line 2 parameters do not exist for it */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "000e08aabbcc", "User_ID_2_",
                                         "x", SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "User_ID_2_: not a parameter of SPA1001"));
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GROUP, "nogroup", "User_ID_1_", "x",
                                         SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "target: group 'nogroup' does not exist"));

    /* a profile with one bad entry changes nothing */
    spa_profile_init(&set);
    assert_int_equal(spa_profile_set(&set, "Resync_Periodic", "7200", SPA_ACCESS_UNSET, NULL, 0, 0), 0);
    assert_int_equal(spa_profile_set(&set, "Resync_Random_Delay", "-4", SPA_ACCESS_UNSET, NULL, 0, 0), 0);
    assert_int_equal(spa_store_param_apply(f->st, SPA_SCOPE_GLOBAL, "", &set, &f->d), -1);
    spa_profile_free(&set);
    assert_int_equal(spa_store_param_list(f->st, SPA_SCOPE_GLOBAL, NULL, 0, collect_param, &p, &f->d), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.name[0], "Resync_Random_Delay");
    assert_string_equal(p.value[0], "5");

    /* device-side macros pass type checks verbatim; templates are accepted */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_MODEL, "spa1001", "Profile_Rule",
                                         "http://x/spa$MA.cfg", SPA_ACCESS_UNSET, &f->d), 0);
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "00-0E-08-AA-BB-CC", "User_ID_1_",
                                         "{{ account.number }}", SPA_ACCESS_RO, &f->d), 0);
    /* a bad secret value is refused without being quoted */
    char longpw[80];
    memset(longpw, 'q', 70);
    longpw[70] = '\0';
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "000e08aabbcc", "Password_1_",
                                         longpw, SPA_ACCESS_UNSET, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "Password_1_: the (secret) value is not valid for SPA1001"));
    assert_false(tu_diags_contain(&f->d, "qqqqqqqq"));
    /* a secret parameter is masked unless asked for */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "000e08aabbcc", "Password_1_",
                                         "hunter2", SPA_ACCESS_UNSET, &f->d), 0);
    memset(&p, 0, sizeof p);
    assert_int_equal(spa_store_param_list(f->st, SPA_SCOPE_DEVICE, "000e08aabbcc", 0, collect_param, &p, &f->d), 0);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.name[0], "Password_1_");
    assert_string_equal(p.value[0], "<null>");
    assert_int_equal(p.masked[0], 1);
    assert_string_equal(p.value[1], "{{ account.number }}");
    memset(&p, 0, sizeof p);
    assert_int_equal(spa_store_param_list(f->st, SPA_SCOPE_DEVICE, "000e08aabbcc", SPA_STORE_SECRETS,
                                          collect_param, &p, &f->d), 0);
    assert_string_equal(p.value[0], "hunter2");
    /* access only, then unset */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "Resync_Random_Delay", NULL,
                                         SPA_ACCESS_RW, &f->d), 0);
    memset(&p, 0, sizeof p);
    assert_int_equal(spa_store_param_list(f->st, SPA_SCOPE_GLOBAL, NULL, 0, collect_param, &p, &f->d), 0);
    assert_string_equal(p.value[0], "5");
    assert_int_equal(spa_store_param_unset(f->st, SPA_SCOPE_GLOBAL, "", "Resync Random Delay", &f->d), 0);
    assert_int_equal(spa_store_param_unset(f->st, SPA_SCOPE_GLOBAL, "", "Resync Random Delay", &f->d), 1);
    /* removing the device removes its parameters */
    assert_int_equal(spa_store_device_remove(f->st, "000e08aabbcc", &f->d), 0);
    memset(&p, 0, sizeof p);
    assert_int_equal(spa_store_param_list(f->st, SPA_SCOPE_DEVICE, NULL, 0, collect_param, &p, &f->d), 0);
    assert_int_equal(p.n, 0);
}

static void test_generations(void **state)
{
    fx *f = *state;
    spa_device_deps a0, a1, b0, b1;
    assert_int_equal(spa_store_group_add(f->st, "g", NULL, &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, "000e08000001", "SPA2102", "A", NULL, "g", &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, "000e08000002", "SPA2102", "B", NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000001", &a0, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000002", &b0, &f->d), 0);
    /* a device change moves only that device */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "000e08000001", "Display_Name_1_",
                                         "A", SPA_ACCESS_UNSET, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000001", &a1, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000002", &b1, &f->d), 0);
    assert_memory_not_equal(&a0, &a1, sizeof a0);
    assert_memory_equal(&b0, &b1, sizeof b0);
    /* a group change moves only its members */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GROUP, "g", "Display_Name_2_", "G",
                                         SPA_ACCESS_UNSET, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000001", &a0, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000002", &b0, &f->d), 0);
    assert_memory_not_equal(&a0, &a1, sizeof a0);
    assert_memory_equal(&b0, &b1, sizeof b0);
    /* a global change moves everyone; a contact moves no one */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "Resync_Periodic", "60",
                                         SPA_ACCESS_UNSET, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000001", &a1, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000002", &b1, &f->d), 0);
    assert_memory_not_equal(&a0, &a1, sizeof a0);
    assert_memory_not_equal(&b0, &b1, sizeof b0);
    int64_t g = spa_store_config_gen(f->st);
    assert_int_equal(spa_store_device_touch(f->st, "000e08000001", "5.1.10", 0, &f->d), 0);
    assert_int_equal(spa_store_device_deps(f->st, "000e08000001", &a0, &f->d), 0);
    assert_memory_equal(&a0, &a1, sizeof a0);
    assert_int_equal(spa_store_config_gen(f->st), g);
}

typedef struct evs {
    int n;
    char text[8][64];
    size_t blob_len[8];
} evs;

static int collect_ev(void *ctx, const spa_event *e)
{
    evs *v = ctx;
    if (v->n < 8) {
        snprintf(v->text[v->n], 64, "%s", e->text);
        v->blob_len[v->n] = e->blob_len;
    }
    v->n++;
    return 0;
}

static void test_events(void **state)
{
    fx *f = *state;
    evs v = { 0 };
    spa_event_query q = { .mac = "000e08aabbcc", .kind = -1 };
    assert_int_equal(spa_store_event_add(f->st, 100, "000e08aabbcc", SPA_EV_REQUEST, "GET a", NULL, 0, &f->d), 0);
    assert_int_equal(spa_store_event_add(f->st, 200, "000e08aabbcc", SPA_EV_REPORT, "report", "abc", 3, &f->d), 0);
    assert_int_equal(spa_store_event_add(f->st, 300, "000e08000001", SPA_EV_SYSLOG, "other", NULL, 0, &f->d), 0);
    assert_int_equal(spa_store_event_add(f->st, 400, "000e08aabbcc", SPA_EV_SECURITY, "traversal", NULL, 0, &f->d), 0);
    assert_int_equal(spa_store_event_add(f->st, 0, "bad", SPA_EV_SECURITY, "x", NULL, 0, &f->d), -1);
    assert_int_equal(spa_store_event_query(f->st, &q, collect_ev, &v, &f->d), 0);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.text[0], "GET a");
    assert_string_equal(v.text[1], "report");
    assert_int_equal(v.blob_len[1], 3);
    assert_string_equal(v.text[2], "traversal");
    memset(&v, 0, sizeof v);
    q.since = 150;
    q.limit = 1;
    assert_int_equal(spa_store_event_query(f->st, &q, collect_ev, &v, &f->d), 0);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.text[0], "traversal");   /* the newest within the limit */
    memset(&v, 0, sizeof v);
    spa_event_query all = { .kind = SPA_EV_SYSLOG };
    assert_int_equal(spa_store_event_query(f->st, &all, collect_ev, &v, &f->d), 0);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.text[0], "other");
}

static int collect_fw(void *ctx, const spa_firmware *fw)
{
    char *out = ctx;
    snprintf(out, 200, "%s %s %lld %s %u", fw->model, fw->version, (long long)fw->size, fw->sha256,
             fw->staged);
    return 0;
}

static void test_firmware(void **state)
{
    fx *f = *state;
    char path[512], got[200] = "";
    tu_write(f->dir, "spa2102-5.1.10.bin", "abc", path, sizeof path);
    assert_int_equal(spa_store_firmware_add(f->st, "spa2102", "5.1.10", path, SPA_FW_TARGET, &f->d), 0);
    assert_int_equal(spa_store_firmware_add(f->st, "SPA2102", "5.1.10", path, 0, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "version: SPA2102 5.1.10 is already recorded"));
    assert_int_equal(spa_store_firmware_list(f->st, "SPA2102", collect_fw, got, &f->d), 0);
    /* sha256("abc") */
    assert_string_equal(got, "SPA2102 5.1.10 3 "
                             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 1");
    assert_int_equal(spa_store_firmware_stage(f->st, "SPA2102", "5.1.10", SPA_FW_INTERMEDIATE, &f->d), 0);
    assert_int_equal(spa_store_firmware_stage(f->st, "SPA2102", "9.9", 0, &f->d), 1);
}

static void test_import_checks_everything_first(void **state)
{
    fx *f = *state;
    static const char csv[] =
        "mac,serial,model,group\n"
        "000e08000001,SN1,SPA2102,\n"
        "000e0800000z,SN2,SPA2102,\n"
        "000e08000003,SN3,SPA7777,\n"
        "000e08000004,SN4,SPA2102,nogroup\n"
        "00:0e:08:00:00:01,SN5,PAP2T,\n";
    assert_int_equal(spa_store_device_import(f->st, csv, strlen(csv), "devices.csv", NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "devices.csv:3:1: error: mac: '000e0800000z'"));
    assert_true(tu_diags_contain(&f->d, "devices.csv:4:18: error: model: 'SPA7777'"));
    assert_true(tu_diags_contain(&f->d, "devices.csv:5:26: error: group: 'nogroup' does not exist"));
    assert_int_equal(spa_store_device_count(f->st), 0);

    static const char dup[] = "SPA2102,000e08000001,SN1\n"
                              "SPA2102,000e08000002,SN2\n"
                              "PAP2T,00:0e:08:00:00:01,SN5\n";
    reset_diags(f);
    assert_int_equal(spa_store_device_import(f->st, dup, strlen(dup), "d.csv", NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "d.csv:3: error: mac: 000e08000001 is listed twice (first on line 1)"));
    assert_int_equal(spa_store_device_count(f->st), 0);

    static const char good[] = "# CA batch layout, no header\n"
                               "SPA2102,000e08000001,SN1\n"
                               "\"PAP2T\", 00-0E-08-00-00-02 ,\"SN \"\"2\"\"\"\n";
    reset_diags(f);
    assert_int_equal(spa_store_device_import(f->st, good, strlen(good), "g.csv", NULL, &f->d), 2);
    spa_device dv;
    assert_int_equal(spa_store_device_get(f->st, "000e08000002", 0, &dv, &f->d), 0);
    assert_string_equal(dv.model, "PAP2T");
    assert_string_equal(dv.serial, "SN \"2\"");
    spa_device_clear(&dv);
    /* again: already there, refused whole; with replace, updated */
    assert_int_equal(spa_store_device_import(f->st, good, strlen(good), "g.csv", NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "g.csv:2:9: error: mac: device 000e08000001 already exists"));
    spa_import_opts o = { .replace = true };
    assert_int_equal(spa_store_device_import(f->st, good, strlen(good), "g.csv", &o, &f->d), 2);
    assert_int_equal(spa_store_device_count(f->st), 2);
}

/* ---- kill -9 during a 10,000-device import ---- */

#define KILL_ROWS 10000
#define KILL_BATCH 250

static char *make_csv(size_t *len)
{
    spa_buf b;
    spa_buf_init(&b);
    spa_buf_puts(&b, "mac,serial,model\n");
    for (int i = 0; i < KILL_ROWS; i++)
        spa_buf_printf(&b, "0200%08x,SN%08d,%s\n", i, i, i % 2 ? "SPA2102" : "PAP2T");
    *len = b.len;
    return spa_buf_steal(&b);
}

typedef struct whole {
    int bad;
    long n;
} whole;

static int check_whole(void *ctx, const spa_device *dv)
{
    whole *w = ctx;
    unsigned i;
    char sn[16];
    w->n++;
    if (sscanf(dv->mac, "0200%08x", &i) != 1) {
        w->bad++;
        return 0;
    }
    snprintf(sn, sizeof sn, "SN%08u", i);
    if (strcmp(dv->serial, sn) != 0 || strcmp(dv->model, i % 2 ? "SPA2102" : "PAP2T") != 0 ||
        !dv->key || strlen(dv->key) != 64 || strlen(dv->path) != 32 || dv->created == 0)
        w->bad++;
    return 0;
}

static void test_kill9_during_import(void **state)
{
    fx *f = *state;
    size_t len;
    char *csv = make_csv(&len);
    struct timespec t0, t1;
    long full_ms;

    /* Time a full import in a scratch database to aim the kill inside it. */
    char tdb[300];
    snprintf(tdb, sizeof tdb, "%s/timing.db", f->dir);
    spa_store *ts = spa_store_open(tdb, NULL, &f->d);
    assert_non_null(ts);
    spa_import_opts o = { .batch = KILL_BATCH };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(spa_store_device_import(ts, csv, len, "fleet.csv", &o, &f->d), KILL_ROWS);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    spa_store_close(ts);
    full_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;

    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int round = 0; round < 3; round++) {
        char db[300];
        snprintf(db, sizeof db, "%s/kill%d.db", f->dir, round);
        spa_store *st = spa_store_open(db, NULL, &f->d);   /* schema exists before the child */
        assert_non_null(st);
        spa_store_close(st);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            spa_store *cs = spa_store_open(db, NULL, NULL);
            if (!cs)
                _exit(2);
            long n = spa_store_device_import(cs, csv, len, "fleet.csv", &o, NULL);
            spa_store_close(cs);
            _exit(n == KILL_ROWS ? 0 : 1);
        }
        /* somewhere inside the import: 10%..90% of its measured duration */
        long us = (full_ms * 1000L) * (10 + rand() % 80) / 100;
        usleep((useconds_t)(us > 0 ? us : 1000));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);

        st = spa_store_open(db, NULL, &f->d);
        assert_non_null(st);
        whole w = { 0 };
        assert_int_equal(spa_store_device_list(st, NULL, SPA_STORE_SECRETS, check_whole, &w, &f->d), 0);
        assert_int_equal(w.bad, 0);
        assert_int_equal(w.n, spa_store_device_count(st));
        assert_int_equal(w.n % KILL_BATCH, 0);      /* whole batches only */
        print_message("kill -9 round %d: %ld of %d devices committed (import takes ~%ld ms)\n",
                      round, w.n, KILL_ROWS, full_ms);
        spa_store_close(st);
        char ok[64];
        assert_string_equal(sql_text(db, "PRAGMA integrity_check", ok, sizeof ok), "ok");
    }
    free(csv);
}

/* The checkpoint thread copies the WAL back into the database file (the
 * server's connection no longer does: wal_autocheckpoint = 0 on it). In WAL
 * mode only a checkpoint writes the main file, so it growing is the proof. */
static void test_checkpointer(void **state)
{
    fx *f = *state;
    char text[2000];
    struct stat sb;
    off_t before;
    spa_store_checkpointer *c = spa_store_checkpointer_start(f->st, 20, &f->d);
    assert_non_null(c);
    assert_int_equal(stat(f->db, &sb), 0);
    before = sb.st_size;
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (int i = 0; i < 300; i++)
        assert_int_equal(spa_store_event_add(f->st, 0, NULL, SPA_EV_SYSLOG, text, NULL, 0,
                                             &f->d), 0);
    for (int i = 0; i < 250 && stat(f->db, &sb) == 0 && sb.st_size <= before; i++)
        usleep(20000);                 /* at most 5 s */
    assert_true(sb.st_size > before);
    spa_store_checkpointer_stop(c);
    spa_store_checkpointer_stop(NULL);
    /* a read-only connection cannot have one */
    spa_store_open_opts ro = { .read_only = true };
    spa_store *r = spa_store_open(f->db, &ro, &f->d);
    assert_non_null(r);
    assert_null(spa_store_checkpointer_start(r, 0, &f->d));
    spa_store_close(r);
    spa_diags_free(&f->d);          /* the refusal's diagnostic */
    spa_diags_init(&f->d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts_groups_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firmware, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_checks_everything_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_during_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpointer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
