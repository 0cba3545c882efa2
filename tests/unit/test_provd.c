/* test_provd.c — spaprovd's logic without sockets: the configuration
 * parser, request routing (traversal refused, profile vs static), the
 * identification merge order (certificate → User-Agent → path/query), and
 * spa_provd_handle over a temporary store (encrypted profile, certificate
 * mismatch 403 + security event, unknown-device policies, events). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/provd.h"

/* ---- configuration ---- */

static void test_config_defaults(void **state)
{
    spa_provd_config c;
    (void)state;
    spa_provd_config_defaults(&c);
    assert_string_equal(c.data_dir, "spaprov-data");
    assert_int_equal(c.tftp_port, 6969);
    assert_int_equal(c.http_port, 8080);
    assert_int_equal(c.https_port, 8443);
    assert_int_equal(c.syslog_port, 5514);
    assert_string_equal(c.http_address, "127.0.0.1");
    assert_int_equal(c.unknown, SPA_UNKNOWN_404);
}

static void test_config_parse(void **state)
{
    const char *text = "# comment\n"
                       "HTTP_Port \"9080\" ;  TFTP_Address \"::1\";\n"
                       "unknown_device \"register\"; # names are case-insensitive\n"
                       "Server_URL \"http://a\\\"b\";\n"
                       "Require_Client_Cert \"yes\";\n";
    spa_provd_config c;
    spa_diags d;
    (void)state;
    spa_provd_config_defaults(&c);
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, text, strlen(text), "t.conf", &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(c.http_port, 9080);
    assert_string_equal(c.tftp_address, "::1");
    assert_int_equal(c.unknown, SPA_UNKNOWN_REGISTER);
    assert_string_equal(c.server_url, "http://a\"b");
    assert_true(c.require_client_cert);
    assert_int_equal(c.https_port, 8443);
    spa_diags_free(&d);
}

static void test_config_errors(void **state)
{
    const char *text = "HTTP_Port \"9080\";\n"
                       "  Bogus \"1\";\n"
                       "HTTPS_Port \"70000\";\n"
                       "TLS_Legacy \"maybe\";\n"
                       "Syslog_Port \"1\"\n";
    spa_provd_config c, before;
    spa_diags d;
    char line[256];
    (void)state;
    spa_provd_config_defaults(&c);
    before = c;
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, text, strlen(text), "t.conf", &d), -1);
    assert_int_equal(d.errors, 4);
    assert_string_equal(spa_diag_format(&d.v[0], line, sizeof line),
                        "t.conf:2:3: error: unknown setting 'Bogus'");
    assert_true(tu_diags_contain(&d, "t.conf:3:12: error: HTTPS_Port: expected a port number"));
    assert_true(tu_diags_contain(&d, "t.conf:4:12: error: TLS_Legacy: expected yes or no"));
    assert_true(tu_diags_contain(&d, "Syslog_Port: expected ';'"));
    assert_memory_equal(&c, &before, sizeof c);   /* nothing applied */
    spa_diags_free(&d);
}

/* ---- routing ---- */

static spa_route_kind route(spa_provd_proto pr, const char *raw, char *out)
{
    char why[160];
    return spa_provd_route(pr, raw, out, 256, why, sizeof why);
}

static void test_route(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(route(SPA_PROTO_HTTP, "/spa000e08aabbcc.cfg", out), SPA_ROUTE_PROFILE);
    assert_string_equal(out, "spa000e08aabbcc.cfg");
    assert_int_equal(route(SPA_PROTO_HTTP, "/prov/SPA.XML", out), SPA_ROUTE_PROFILE);
    assert_int_equal(route(SPA_PROTO_HTTP, "/fw/./spa.bin", out), SPA_ROUTE_STATIC);
    assert_string_equal(out, "fw/spa.bin");
    assert_int_equal(route(SPA_PROTO_HTTP, "/a%20b.bin", out), SPA_ROUTE_STATIC);
    assert_string_equal(out, "a b.bin");
    assert_int_equal(route(SPA_PROTO_HTTP, "/", out), SPA_ROUTE_STATIC);
    assert_string_equal(out, "");
    assert_int_equal(route(SPA_PROTO_TFTP, "spa000e08aabbcc.cfg", out), SPA_ROUTE_PROFILE);
    /* Refused: traversal in every spelling, NUL, bad escapes, backslash. */
    assert_int_equal(route(SPA_PROTO_HTTP, "/../etc/passwd", out), SPA_ROUTE_REFUSE);
    assert_string_equal(out, "");
    assert_int_equal(route(SPA_PROTO_HTTP, "/a/%2e%2e/%2E%2E/x", out), SPA_ROUTE_REFUSE);
    assert_int_equal(route(SPA_PROTO_HTTP, "/a%00.cfg", out), SPA_ROUTE_REFUSE);
    assert_int_equal(route(SPA_PROTO_HTTP, "/a%zz", out), SPA_ROUTE_REFUSE);
    assert_int_equal(route(SPA_PROTO_HTTP, "/a%5c..%5cb", out), SPA_ROUTE_REFUSE);
    assert_int_equal(route(SPA_PROTO_TFTP, "../x.cfg", out), SPA_ROUTE_REFUSE);
    /* TFTP names are not %-decoded: "%2e%2e" is a harmless literal name. */
    assert_int_equal(route(SPA_PROTO_TFTP, "%2e%2e", out), SPA_ROUTE_STATIC);
    assert_string_equal(out, "%2e%2e");
}

/* ---- identification ---- */

static void cert_for(spa_cert_subject *c, const char *mac, const char *ou, const char *l)
{
    memset(c, 0, sizeof *c);
    snprintf(c->mac, sizeof c->mac, "%s", mac);
    snprintf(c->st, sizeof c->st, "%s", mac);
    snprintf(c->ou, sizeof c->ou, "%s", ou);
    snprintf(c->l, sizeof c->l, "%s", l);
    c->generic = mac[0] == '\0';
}

static void test_identify_order(void **state)
{
    spa_cert_subject cert;
    spa_provd_ident id;
    spa_provd_input in = { .proto = SPA_PROTO_HTTPS, .path = "/x",
                           .user_agent = "Linksys/SPA-2102-5.1.10 (88012BA01234)(000e08000002)" };
    (void)state;
    /* UA only: model, serial, version and MAC from the UA; path names none. */
    spa_provd_identify(&in, "spa.cfg", &id);
    assert_string_equal(id.model, "SPA2102");
    assert_int_equal(id.model_from, SPA_ID_UA);
    assert_string_equal(id.serial, "88012BA01234");
    assert_string_equal(id.fw_version, "5.1.10");
    assert_string_equal(id.mac, "000e08000002");
    assert_int_equal(id.mac_from, SPA_ID_UA);
    assert_string_equal(id.want_mac, "000e08000002");
    assert_false(id.cert_bound);
    assert_false(id.mismatch);

    /* Certificate wins over the UA for every field. */
    cert_for(&cert, "000e08000001", "SPA-3102", "CERTSERIAL");
    in.cert = &cert;
    spa_provd_identify(&in, "spa.cfg", &id);
    assert_string_equal(id.mac, "000e08000001");
    assert_int_equal(id.mac_from, SPA_ID_CERT);
    assert_string_equal(id.model, "SPA3102");
    assert_int_equal(id.model_from, SPA_ID_CERT);
    assert_string_equal(id.serial, "CERTSERIAL");
    assert_string_equal(id.want_mac, "000e08000001");
    assert_true(id.cert_bound);
    assert_false(id.mismatch);

    /* The path asks for another MAC: mismatch. */
    spa_provd_identify(&in, "prov/spa000E08000003.cfg", &id);
    assert_string_equal(id.want_mac, "000e08000003");
    assert_int_equal(id.want_from, SPA_ID_PATH);
    assert_true(id.mismatch);

    /* A generic certificate does not bind: the path decides, no mismatch. */
    cert_for(&cert, "", "SPA2102", "");
    in.user_agent = NULL;
    spa_provd_identify(&in, "spa000e08000003.cfg", &id);
    assert_false(id.cert_bound);
    assert_false(id.mismatch);
    assert_string_equal(id.mac, "000e08000003");
    assert_int_equal(id.mac_from, SPA_ID_PATH);
    assert_string_equal(id.model, "SPA2102");

    /* Query form, then TFTP file name. */
    in.cert = NULL;
    in.query = "mac=00%3A0e%3A08%3A00%3A00%3A04";
    spa_provd_identify(&in, "profile.cfg", &id);
    assert_string_equal(id.want_mac, "000e08000004");
    assert_int_equal(id.want_from, SPA_ID_QUERY);
    in.query = NULL;
    in.proto = SPA_PROTO_TFTP;
    spa_provd_identify(&in, "spa000e08000005.cfg", &id);
    assert_int_equal(id.want_from, SPA_ID_FILENAME);
    assert_string_equal(spa_id_source_name(id.want_from), "file name");
    /* A MAC in a directory name is not taken (only the file name). */
    spa_provd_identify(&in, "000e08000006/x.cfg", &id);
    assert_string_equal(id.want_mac, "");
}

/* ---- the core over a store ---- */

typedef struct fixture {
    char dir[256];
    spa_store *st;
    spa_provd *p;
    spa_provd_config cfg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    spa_diags d;
    spa_diags_init(&d);
    f->st = tu_provd_data(f->dir, sizeof f->dir, &f->cfg, NULL);
    assert_int_equal(spa_store_device_add(f->st, "000e08000001", "SPA2102", "SN1", NULL, NULL,
                                          &d), 0);
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "Resync_Periodic", "77",
                                         SPA_ACCESS_UNSET, &d), 0);
    f->p = spa_provd_new(f->st, &f->cfg);
    assert_non_null(f->p);
    spa_diags_free(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    spa_provd_free(f->p);
    spa_store_close(f->st);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

typedef struct ev_find {
    const char *needle;
    int found;
} ev_find;

static int ev_cb(void *ctx, const spa_event *e)
{
    ev_find *q = ctx;
    if (strstr(e->text, q->needle))
        q->found++;
    return 0;
}

static int events_with(fixture *f, const char *mac, int kind, const char *needle)
{
    spa_event_query q = { mac, 0, kind, 0 };
    ev_find c = { needle, 0 };
    assert_int_equal(spa_store_event_query(f->st, &q, ev_cb, &c, NULL), 0);
    return c.found;
}

static void decrypt_check(fixture *f, const spa_buf *body)
{
    spa_device dv;
    spa_buf plain, xml;
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", SPA_STORE_SECRETS, &dv, NULL), 0);
    spa_buf_init(&plain);
    spa_buf_init(&xml);
    assert_int_equal(spa_openssl_decrypt(NULL, body->data, body->len, dv.key, SPA_MD_MD5, &plain),
                     SPA_DEC_OK);
    assert_int_equal(spa_gunzip(NULL, plain.data, plain.len, 0, &xml), SPA_DEC_OK);
    assert_string_equal(xml.data,
                        "<flat-profile>\n  <Resync_Periodic>77</Resync_Periodic>\n</flat-profile>\n");
    spa_buf_free(&plain);
    spa_buf_free(&xml);
    spa_device_clear(&dv);
}

static void test_handle_profile(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    spa_provd_input in = { .proto = SPA_PROTO_HTTP, .method = "GET",
                           .path = "/spa000E08000001.cfg", .peer = "127.0.0.1",
                           .user_agent = "Linksys/SPA-2102-5.1.12 (SN1)" };
    spa_device dv;
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_false(r.is_static);
    assert_true(spa_is_openssl_salted(r.body.data, r.body.len));
    assert_int_equal(strlen(r.etag), 18);
    decrypt_check(f, &r.body);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_REQUEST, "http GET /spa000E08000001.cfg"), 1);
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_RESULT, "200 profile"), 1);
    /* The contact was recorded with the UA's firmware version. */
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", 0, &dv, NULL), 0);
    assert_string_equal(dv.fw_seen, "5.1.12");
    assert_true(dv.last_contact > 0);
    spa_device_clear(&dv);
    /* A POST to a profile is a --post resync: the body is stored, the profile answered. */
    in.method = "POST";
    in.body = "Product = \"SPA2102\";";
    in.body_len = strlen(in.body);
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    decrypt_check(f, &r.body);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_REPORT,
                                 "post via http POST /spa000E08000001.cfg from 127.0.0.1, 20 bytes, plain"), 1);
    /* Other methods are refused. */
    in.method = "PUT";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 405);
    spa_provd_response_free(&r);
}

static void test_handle_https_plain(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    spa_cert_subject cert;
    spa_provd_config c = f->cfg;
    spa_provd_input in = { .proto = SPA_PROTO_HTTPS, .method = "GET", .path = "/spa.cfg",
                           .cert = &cert };
    cert_for(&cert, "000e08000001", "SPA2102", "SN1");
    c.https_plain = true;
    spa_provd_set_config(f->p, &c);
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data,
                        "<flat-profile>\n  <Resync_Periodic>77</Resync_Periodic>\n</flat-profile>\n");
    assert_string_equal(r.content_type, "text/xml");
    spa_provd_response_free(&r);
    /* Never plain over HTTP, even with the option on. */
    in.proto = SPA_PROTO_HTTP;
    in.cert = NULL;
    in.path = "/spa000e08000001.cfg";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_true(spa_is_openssl_salted(r.body.data, r.body.len));
    spa_provd_response_free(&r);
}

static void test_handle_mismatch(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    spa_cert_subject cert;
    spa_provd_input in = { .proto = SPA_PROTO_HTTPS, .method = "GET",
                           .path = "/spa000e08000002.cfg", .cert = &cert, .peer = "127.0.0.9" };
    cert_for(&cert, "000e08000001", "SPA2102", "SN1");
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 403);
    assert_int_equal(r.body.len, strlen("403 certificate is for another device\n"));
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_SECURITY,
                                 "https client certificate of 000e08000001 asked for the "
                                 "profile of 000e08000002 from 127.0.0.9"), 1);
}

static void test_handle_refuse_and_static(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    char path[512], full[600];
    spa_provd_input in = { .proto = SPA_PROTO_HTTP, .method = "GET", .path = "/%2e%2e/x" };
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, NULL, SPA_EV_SECURITY, "http path refused"), 1);

    snprintf(path, sizeof path, "%s/files", f->dir);
    tu_write(path, "fw.bin", "FIRMWARE", full, sizeof full);
    in.path = "/fw.bin";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_true(r.is_static);
    assert_string_equal(r.body.data, "FIRMWARE");
    spa_provd_response_free(&r);
    in.path = "/nope.bin";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 404);
    spa_provd_response_free(&r);
    /* A profile name with no MAC and no identity: a static file or 404. */
    in.path = "/spa.cfg";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.reason, "no device identified");
    spa_provd_response_free(&r);
}

static void test_handle_unknown(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    spa_provd_config c = f->cfg;
    char path[512], full[600];
    spa_device dv;
    spa_provd_input in = { .proto = SPA_PROTO_TFTP, .path = "spa000e080000ff.cfg",
                           .user_agent = NULL };
    /* Default: 404, logged. */
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.reason, "unknown device");
    spa_provd_response_free(&r);
    assert_int_equal(events_with(f, "000e080000ff", SPA_EV_RESULT, "404 unknown device"), 1);
    /* Bootstrap: the configured file. */
    c.unknown = SPA_UNKNOWN_BOOTSTRAP;
    spa_provd_set_config(f->p, &c);
    snprintf(path, sizeof path, "%s/files", f->dir);
    tu_write(path, "bootstrap.cfg", "<flat-profile/>", full, sizeof full);
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "<flat-profile/>");
    spa_provd_response_free(&r);
    /* Register: needs a model; the UA gives one over HTTP. */
    c.unknown = SPA_UNKNOWN_REGISTER;
    spa_provd_set_config(f->p, &c);
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.reason, "unknown device, no model to register it with");
    spa_provd_response_free(&r);
    in.proto = SPA_PROTO_HTTP;
    in.method = "GET";
    in.path = "/spa000e080000ff.cfg";
    in.user_agent = "Linksys/SPA-3102-5.1.10 (SNFF)";
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    assert_int_equal(spa_store_device_get(f->st, "000e080000ff", 0, &dv, NULL), 0);
    assert_string_equal(dv.model, "SPA3102");
    assert_string_equal(dv.serial, "SNFF");
    spa_device_clear(&dv);
}

static void test_syslog_event(void **state)
{
    fixture *f = *state;
    const char line[] = "<13>spa: 000e08000001 resync\x01 done";
    spa_provd_syslog(f->p, "000e08000001", "127.0.0.1", line, sizeof line - 1);
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_SYSLOG,
                                 "from 127.0.0.1: <13>spa: 000e08000001 resync? done"), 1);
    spa_provd_security(f->p, "tftp", "127.0.0.2", "RRQ '../x' refused");
    assert_int_equal(events_with(f, NULL, SPA_EV_SECURITY,
                                 "tftp refused from 127.0.0.2: RRQ '../x' refused"), 1);
}

typedef struct blob_find {
    size_t len;
    char first[8];
    int n;
} blob_find;

static int blob_cb(void *ctx, const spa_event *e)
{
    blob_find *b = ctx;
    b->n++;
    b->len = e->blob_len;
    memcpy(b->first, e->blob, e->blob_len < 7 ? e->blob_len : 7);
    return 0;
}

static void test_report_event(void **state)
{
    fixture *f = *state;
    spa_event_query q = { "000e08000001", 0, SPA_EV_REPORT, 0 };
    blob_find b;
    spa_provd_report(f->p, "spa000e08000001-report.xml", "127.0.0.1", "<status/>", 9);
    memset(&b, 0, sizeof b);
    assert_int_equal(spa_store_event_query(f->st, &q, blob_cb, &b, NULL), 0);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.first, "<status");
    assert_int_equal(events_with(f, "000e08000001", SPA_EV_REPORT,
                                 "upload spa000e08000001-report.xml from 127.0.0.1, 9 bytes"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_parse),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_identify_order),
        cmocka_unit_test_setup_teardown(test_handle_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_https_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_refuse_and_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syslog_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_event, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
