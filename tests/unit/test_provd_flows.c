/* test_provd_flows.c — issue 7 flows 2 and 6 in spaprovd's core, without
 * sockets: binding PINs in the store (hashed, generated, single use,
 * expiry, the same device asking again, registration of an unknown device,
 * the migration dropping clear PINs), the /bind route (HTTPS and a
 * unit-specific certificate required, wrong/used/expired PIN refused with a
 * security event and the PIN never in an event, the answer with the
 * account's parameters, the permanent Profile_Rule and GPP_SA), and reports
 * (HTTP POST and TFTP upload decrypted with the device's key, --post bodies
 * stored while the profile is answered, attribution by certificate and by a
 * MAC-named folder, Report_Max → 413, undecryptable bodies kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "testutil.h"
#include "spaprov/profile.h"
#include "spaprov/provd.h"

#define MAC1 "000e08000001"   /* known, no account */
#define MAC9 "000e08000009"   /* unknown until it binds */

typedef struct fixture {
    char dir[256];
    spa_store *st;
    spa_provd *p;
    spa_provd_config cfg;
    spa_diags d;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    spa_diags_init(&f->d);
    f->st = tu_provd_data(f->dir, sizeof f->dir, &f->cfg, NULL);
    snprintf(f->cfg.server_url, sizeof f->cfg.server_url, "http://prov.test:8080");
    assert_int_equal(spa_store_device_add(f->st, MAC1, "SPA2102", "SN1", NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_account_add(f->st, "1001", "Alice", "5551001", &f->d), 0);
    assert_int_equal(spa_store_account_add(f->st, "1002", "Bob", "5551002", &f->d), 0);
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "User_ID_1_",
                                         "{{account.number}}", SPA_ACCESS_UNSET, &f->d), 0);
    f->p = spa_provd_new(f->st, &f->cfg);
    assert_non_null(f->p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    spa_provd_free(f->p);
    spa_store_close(f->st);
    spa_diags_free(&f->d);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

typedef struct ev_find {
    const char *needle;
    int found;
    const char *blob_needle;
    int blob_found;
} ev_find;

static int ev_cb(void *ctx, const spa_event *e)
{
    ev_find *q = ctx;
    if (!q->needle || strstr(e->text, q->needle))
        q->found++;
    if (q->blob_needle && e->blob && e->blob_len &&
        memmem(e->blob, e->blob_len, q->blob_needle, strlen(q->blob_needle)))
        q->blob_found++;
    return 0;
}

static int events_with(fixture *f, const char *mac, int kind, const char *needle)
{
    spa_event_query q = { mac, 0, kind, 0 };
    ev_find c = { needle, 0, NULL, 0 };
    assert_int_equal(spa_store_event_query(f->st, &q, ev_cb, &c, NULL), 0);
    return c.found;
}

static int blobs_with(fixture *f, const char *mac, const char *needle)
{
    spa_event_query q = { mac, 0, SPA_EV_REPORT, 0 };
    ev_find c = { NULL, 0, needle, 0 };
    assert_int_equal(spa_store_event_query(f->st, &q, ev_cb, &c, NULL), 0);
    return c.blob_found;
}

static char *device_key(fixture *f, const char *mac)
{
    spa_device dv;
    char *k;
    assert_int_equal(spa_store_device_get(f->st, mac, SPA_STORE_SECRETS, &dv, NULL), 0);
    k = strdup(dv.key);
    spa_device_clear(&dv);
    return k;
}

/* ---- store: PINs ---- */

static void test_pin_store(void **state)
{
    fixture *f = *state;
    char pin[SPA_PIN_MAX + 1], pin2[SPA_PIN_MAX + 1], acct[64], h[72];
    spa_account a;
    spa_bind_request rq = { .mac = MAC1 };

    /* generated: 10 characters of the alphabet, different each time */
    assert_int_equal(spa_store_account_pin(f->st, "1001", NULL, 0, pin, sizeof pin, &f->d), 0);
    assert_int_equal(strlen(pin), SPA_PIN_GEN_LEN);
    assert_int_equal(strspn(pin, "23456789abcdefghjkmnpqrstuvwxyz"), SPA_PIN_GEN_LEN);
    assert_int_equal(spa_store_account_pin(f->st, "1001", NULL, 0, pin2, sizeof pin2, &f->d), 0);
    assert_string_not_equal(pin, pin2);
    /* stored hashed only */
    assert_int_equal(spa_store_account_get(f->st, "1001", SPA_STORE_SECRETS, &a, &f->d), 0);
    spa_store_pin_hash(pin2, h, sizeof h);
    assert_string_equal(a.pin, h);
    assert_null(strstr(a.pin, pin2));
    spa_account_clear(&a);
    /* the earlier PIN was replaced */
    rq.pin = pin;
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_WRONG);

    /* bad PINs refused without quoting them; unknown account */
    assert_int_equal(spa_store_account_pin(f->st, "1001", "ab c", 0, pin, sizeof pin, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "pin: expected 4..64 of"));
    assert_false(tu_diags_contain(&f->d, "ab c"));
    assert_int_equal(spa_store_account_pin(f->st, "1001", "abc", 0, pin, sizeof pin, &f->d), -1);
    assert_int_equal(spa_store_account_pin(f->st, "9999", "abcd1234", 0, pin, sizeof pin, &f->d), 1);
    /* one PIN, one account */
    assert_int_equal(spa_store_account_pin(f->st, "1001", "1234abcd", 0, pin, sizeof pin, &f->d), 0);
    assert_string_equal(pin, "1234abcd");
    assert_int_equal(spa_store_account_pin(f->st, "1002", "1234abcd", 0, pin, sizeof pin, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "pin: already given to another account"));

    /* bind: wrong, right, again (same device), used (another device) */
    rq.pin = "0000";
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_WRONG);
    assert_string_equal(acct, "");
    rq.pin = "1234abcd";
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_OK);
    assert_string_equal(acct, "1001");
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_AGAIN);
    assert_string_equal(acct, "1001");
    assert_int_equal(spa_store_device_add(f->st, "000e08000002", "SPA2102", "SN2", NULL, NULL,
                                          &f->d), 0);
    rq.mac = "000e08000002";
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_USED);
    {
        spa_device dv;
        assert_int_equal(spa_store_device_get(f->st, "000e08000002", 0, &dv, NULL), 0);
        assert_null(dv.account);
        spa_device_clear(&dv);
    }
    assert_string_equal(spa_bind_result_name(SPA_BIND_USED), "PIN already used");

    /* the state operators see */
    assert_int_equal(spa_store_account_get(f->st, "1001", 0, &a, &f->d), 0);
    assert_string_equal(spa_account_pin_state(&a, 0), "used");
    assert_string_equal(a.pin_mac, MAC1);
    assert_null(a.pin);
    spa_account_clear(&a);

    /* expiry */
    assert_int_equal(spa_store_account_pin(f->st, "1002", "exp-1234", 1000, pin, sizeof pin, &f->d), 0);
    rq.pin = "exp-1234";
    rq.now = 1001;
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_EXPIRED);
    assert_int_equal(spa_store_account_get(f->st, "1002", 0, &a, &f->d), 0);
    assert_string_equal(spa_account_pin_state(&a, 1001), "expired");
    assert_string_equal(spa_account_pin_state(&a, 1000), "unused");
    assert_int_equal(a.pin_expires, 1000);
    spa_account_clear(&a);
    rq.now = 1000;
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_OK);
    assert_string_equal(acct, "1002");
}

static void test_pin_registers_unknown(void **state)
{
    fixture *f = *state;
    char pin[SPA_PIN_MAX + 1], acct[64];
    spa_device dv;
    spa_bind_request rq = { .mac = MAC9, .pin = "reg-5678", .serial = "SN9" };
    assert_int_equal(spa_store_account_pin(f->st, "1002", "reg-5678", 0, pin, sizeof pin, &f->d), 0);
    /* without a model an unknown device cannot be registered: error, nothing spent */
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "mac: device 000e08000009 is not known"));
    rq.model = "SPA-2102";
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), -1);  /* bad model */
    rq.model = "SPA2102";
    assert_int_equal(spa_store_pin_bind(f->st, &rq, acct, sizeof acct, &f->d), SPA_BIND_OK);
    assert_int_equal(spa_store_device_get(f->st, MAC9, 0, &dv, NULL), 0);
    assert_string_equal(dv.account, "1002");
    assert_string_equal(dv.serial, "SN9");
    assert_string_equal(dv.model, "SPA2102");
    spa_device_clear(&dv);
}

static void test_pin_migration(void **state)
{
    fixture *f = *state;
    char db[400];
    sqlite3 *h;
    spa_store_open_opts o = { .max_version = 2 };
    spa_store *st;
    sqlite3_stmt *s;
    (void)state;
    snprintf(db, sizeof db, "%s/v2.db", f->dir);
    st = spa_store_open(db, &o, &f->d);
    assert_non_null(st);
    assert_int_equal(spa_store_schema_version(st), 2);
    spa_store_close(st);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "INSERT INTO accounts(id, pin, created) VALUES('7', 'plain', 0)",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    st = spa_store_open(db, NULL, &f->d);
    assert_non_null(st);
    spa_store_close(st);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT pin IS NULL, pin_expires FROM accounts", -1, &s,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    assert_int_equal(sqlite3_column_int(s, 1), 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
}

/* ---- the bind route ---- */

static void cert_for(spa_cert_subject *c, const char *mac, const char *ou, const char *l)
{
    memset(c, 0, sizeof *c);
    snprintf(c->mac, sizeof c->mac, "%s", mac);
    snprintf(c->st, sizeof c->st, "%s", mac);
    snprintf(c->ou, sizeof c->ou, "%s", ou);
    snprintf(c->l, sizeof c->l, "%s", l);
}

static void handle(fixture *f, spa_provd_input *in, spa_provd_response *r)
{
    spa_provd_handle(f->p, in, r);
}

static void test_bind_route(void **state)
{
    fixture *f = *state;
    char pin[SPA_PIN_MAX + 1];
    spa_cert_subject cert;
    spa_provd_response r;
    spa_provd_input in = { .proto = SPA_PROTO_HTTPS, .method = "GET", .path = "/bind",
                           .query = "pin=wrong-pin1", .cert = &cert, .peer = "127.0.0.7" };
    spa_profile prof;
    spa_device dv;
    char *key, want[300];

    cert_for(&cert, MAC9, "SPA-2102", "SN9");
    assert_int_equal(spa_store_account_pin(f->st, "1001", "good-pin1", 0, pin, sizeof pin, &f->d), 0);

    /* wrong PIN: 403, a security event, the PIN not in any event, nothing bound */
    handle(f, &in, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC9, SPA_EV_SECURITY, "wrong PIN (pin wr********)"), 1);
    assert_int_equal(events_with(f, NULL, -1, "wrong-pin1"), 0);
    assert_int_equal(spa_store_device_get(f->st, MAC9, 0, &dv, NULL), 1);

    /* over plain HTTP, or without a unit-specific certificate: refused */
    in.query = "pin=good-pin1";
    in.proto = SPA_PROTO_HTTP;
    handle(f, &in, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    in.proto = SPA_PROTO_HTTPS;
    in.cert = NULL;
    handle(f, &in, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, NULL, SPA_EV_SECURITY, "unit-specific client certificate"), 1);
    in.cert = &cert;
    in.query = "x=1";
    handle(f, &in, &r);
    assert_int_equal(r.status, 400);
    spa_provd_response_free(&r);

    /* the right PIN: registered from the certificate, bound, answered */
    in.query = "pin=good%2Dpin1";
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/xml");
    spa_profile_init(&prof);
    assert_int_equal(spa_profile_parse_xml(&prof, r.body.data, r.body.len, "bind", NULL, &f->d), 0);
    assert_string_equal(spa_profile_get(&prof, "User_ID_1_")->value, "5551001");
    assert_int_equal(spa_store_device_get(f->st, MAC9, 0, &dv, NULL), 0);
    snprintf(want, sizeof want, "[--key $SA]http://prov.test:8080/%s/spa$MA.cfg", dv.path);
    assert_string_equal(dv.account, "1001");
    assert_string_equal(dv.serial, "SN9");
    spa_device_clear(&dv);
    assert_string_equal(spa_profile_get(&prof, "Profile_Rule")->value, want);
    key = device_key(f, MAC9);
    assert_string_equal(spa_profile_get(&prof, "GPP_SA")->value, key);
    assert_int_equal(events_with(f, NULL, -1, key), 0);   /* the key never in an event */
    free(key);
    spa_profile_free(&prof);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC9, SPA_EV_RESULT, "bound to account 1001 (pin go*******"), 1);
    assert_int_equal(events_with(f, NULL, -1, "good-pin1"), 0);

    /* a disabled unit may not bind (and spends nothing) */
    assert_int_equal(spa_store_account_pin(f->st, "1002", "dis-4321", 0, pin, sizeof pin, &f->d), 0);
    assert_int_equal(spa_store_device_update(f->st, MAC1, "state", "disabled", &f->d), 0);
    cert_for(&cert, MAC1, "SPA2102", "SN1");
    in.query = "pin=dis-4321";
    handle(f, &in, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC1, SPA_EV_SECURITY, "device disabled"), 1);
    assert_int_equal(spa_store_device_update(f->st, MAC1, "state", "new", &f->d), 0);
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    cert_for(&cert, MAC9, "SPA2102", "SN9");
    in.query = "pin=good%2Dpin1";

    /* the same unit again: answered, nothing changed; another unit: 410 */
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    cert_for(&cert, MAC1, "SPA2102", "SN1");
    handle(f, &in, &r);
    assert_int_equal(r.status, 410);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC1, SPA_EV_SECURITY, "PIN already used"), 1);
    assert_int_equal(spa_store_device_get(f->st, MAC1, 0, &dv, NULL), 0);
    assert_string_equal(dv.account, "1002");   /* unchanged by the refused PIN */
    spa_device_clear(&dv);

    /* a Profile_Rule set at some scope wins over Bind_Profile_Rule */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_ACCOUNT, "1001", "Profile_Rule",
                                         "http://x/$MA.cfg", SPA_ACCESS_UNSET, &f->d), 0);
    cert_for(&cert, MAC9, "SPA2102", "SN9");
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "http://x/$MA.cfg"));
    assert_null(strstr(r.body.data, "GPP_SA"));
    spa_provd_response_free(&r);

    /* HEAD/POST do not spend PINs; Bind_Path "" turns the route off */
    in.method = "POST";
    handle(f, &in, &r);
    assert_int_equal(r.status, 405);
    spa_provd_response_free(&r);
    f->cfg.bind_path[0] = '\0';
    spa_provd_set_config(f->p, &f->cfg);
    in.method = "GET";
    handle(f, &in, &r);
    assert_int_equal(r.status, 404);
    spa_provd_response_free(&r);
}

/* ---- reports ---- */

static void test_report_post(void **state)
{
    fixture *f = *state;
    const char *xml = "<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>";
    spa_buf enc;
    spa_provd_response r;
    spa_cert_subject cert;
    char *key = device_key(f, MAC1);
    spa_provd_input in = { .proto = SPA_PROTO_HTTP, .method = "POST",
                           .path = "/spa/000e08000001/rep.xml.enc", .peer = "127.0.0.1" };

    spa_buf_init(&enc);
    assert_int_equal(spa_openssl_encrypt(NULL, xml, strlen(xml), key, SPA_MD_MD5, NULL, &enc), 0);
    in.body = enc.data;
    in.body_len = enc.len;
    /* a Report_Rule upload, MAC in a folder: decrypted with the device key */
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC1, SPA_EV_REPORT,
                                 "report via http POST /spa/000e08000001/rep.xml.enc from 127.0.0.1"), 1);
    assert_int_equal(events_with(f, MAC1, SPA_EV_REPORT, "encrypted, decrypted with the device's key"), 1);
    assert_int_equal(blobs_with(f, MAC1, "<Resync_Periodic>3600"), 1);

    /* after a key rotation the previous key still opens it */
    assert_int_equal(spa_store_device_rotate_key(f->st, MAC1, &f->d), 0);
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC1, SPA_EV_REPORT, "decrypted with the device's previous key"), 1);

    /* a certificate attributes it; a body that does not open is kept */
    cert_for(&cert, MAC9, "SPA2102", "SN9");
    assert_int_equal(spa_store_device_add(f->st, MAC9, "SPA2102", "SN9", NULL, NULL, &f->d), 0);
    in.proto = SPA_PROTO_HTTPS;
    in.cert = &cert;
    in.path = "/reports/rep.xml";
    handle(f, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC9, SPA_EV_REPORT, "not opened with the device's key (wrong key)"), 1);

    /* over Report_Max: 413, nothing stored */
    f->cfg.report_max = 16;
    spa_provd_set_config(f->p, &f->cfg);
    handle(f, &in, &r);
    assert_int_equal(r.status, 413);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, MAC9, SPA_EV_REPORT, NULL), 1);

    spa_buf_free(&enc);
    free(key);
}

static void test_report_tftp(void **state)
{
    fixture *f = *state;
    const char *xml = "<flat-profile><GPP_C>c</GPP_C></flat-profile>";
    char *key = device_key(f, MAC1);
    spa_buf enc;
    spa_buf_init(&enc);
    assert_int_equal(spa_openssl_encrypt(NULL, xml, strlen(xml), key, SPA_MD_MD5, NULL, &enc), 0);
    spa_provd_report(f->p, "rep-000e08000001.xml", "127.0.0.2", enc.data, enc.len);
    assert_int_equal(events_with(f, MAC1, SPA_EV_REPORT, "upload rep-000e08000001.xml from 127.0.0.2"), 1);
    assert_int_equal(blobs_with(f, MAC1, "<GPP_C>c</GPP_C>"), 1);
    /* no MAC anywhere: unattributed, kept as received */
    spa_provd_report(f->p, "rep.xml", "127.0.0.2", enc.data, enc.len);
    assert_int_equal(events_with(f, NULL, SPA_EV_REPORT, "no device to take the key from"), 1);
    spa_buf_free(&enc);
    free(key);
}

static void test_syslog_pin_masked(void **state)
{
    fixture *f = *state;
    const char *line = "<166>SPA2102 000e08000001 -- Requesting resync "
                       "https://prov.test:8443/bind?pin=good-pin1&x=1 via web";
    spa_provd_syslog(f->p, MAC1, "127.0.0.1", line, strlen(line));
    assert_int_equal(events_with(f, MAC1, SPA_EV_SYSLOG, "bind?pin=go*******&x=1 via web"), 1);
    assert_int_equal(events_with(f, NULL, -1, "good-pin1"), 0);
}

static void test_config_settings(void **state)
{
    const char *ok = "Report_Max \"1000\"; Bind_Path \"retail/bind\";\n"
                     "Bind_Profile_Rule \"[--key {{device.key}}]{{server.url}}/p.cfg\";\n";
    const char *bad = "Bind_Profile_Rule \"{{device.nope}}\";\n";
    spa_provd_config c;
    spa_diags d;
    (void)state;
    spa_provd_config_defaults(&c);
    assert_int_equal(c.report_max, 65536);
    assert_string_equal(c.bind_path, "bind");
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, ok, strlen(ok), "t.conf", &d), 0);
    assert_int_equal(c.report_max, 1000);
    assert_string_equal(c.bind_path, "retail/bind");
    assert_int_equal(spa_provd_config_parse(&c, bad, strlen(bad), "t.conf", &d), -1);
    assert_true(tu_diags_contain(&d, "Bind_Profile_Rule: "));
    assert_string_equal(c.bind_profile_rule, "[--key {{device.key}}]{{server.url}}/p.cfg");
    if (getenv("SPA_SRC")) {   /* the documented example sets every setting to its default */
        char path[1024];
        spa_provd_config ex, def;
        snprintf(path, sizeof path, "%s/etc/spaprovd.conf", getenv("SPA_SRC"));
        assert_int_equal(spa_provd_config_load(&ex, path, &d), 0);
        spa_provd_config_defaults(&def);
        assert_int_equal(ex.report_max, def.report_max);
        assert_string_equal(ex.bind_path, def.bind_path);
        assert_string_equal(ex.bind_profile_rule, def.bind_profile_rule);
    }
    spa_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pin_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_registers_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_tftp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syslog_pin_masked, setup, teardown),
        cmocka_unit_test(test_config_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
