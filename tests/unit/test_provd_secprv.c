/* test_provd_secprv.c — the provisioning flows of lib/provd_secprv.c and
 * their use in spa_provd_handle, without sockets: the flow-1 bootstrap
 * (which names get it, the rule's server templates, the settings' checks),
 * the SEC-PRV overlay, the SEC-PRV-1 container (opens only with the unit's
 * MAC, carries the key and folder), the store's folder lookup and rotation
 * that keeps the pair the unit still holds, and the request flow: HTTPS with
 * a unit certificate → SEC-PRV-1 (state bootstrap; again → re-keyed), the
 * folder → the full profile under the key (state provisioned), the previous
 * folder → the new pair under the old key, then confirmation retires it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/provd.h"

#define MAC "000e08aa0001"

typedef struct fx {
    char dir[256];
    spa_store *st;
    spa_provd_config cfg;
    spa_provd *p;
    spa_diags d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    spa_diags_init(&f->d);
    f->st = tu_provd_data(f->dir, sizeof f->dir, &f->cfg, NULL);
    assert_int_equal(spa_store_device_add(f->st, MAC, "SPA2102", "SN1", NULL, NULL, &f->d), 0);
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, MAC, "User_ID_1_", "5551234",
                                         SPA_ACCESS_UNSET, &f->d), 0);
    /* an operator's own Profile_Rule: SEC-PRV's must win over it */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GLOBAL, "", "Profile_Rule",
                                         "http://elsewhere/x.cfg", SPA_ACCESS_UNSET, &f->d), 0);
    f->cfg.secure_provisioning = true;
    snprintf(f->cfg.secure_url, sizeof f->cfg.secure_url, "http://prov.example.net/");
    f->p = spa_provd_new(f->st, &f->cfg);
    assert_non_null(f->p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    spa_provd_free(f->p);
    spa_store_close(f->st);
    tu_rmtree(f->dir);
    spa_diags_free(&f->d);
    free(f);
    return 0;
}

static void get_dev(fx *f, spa_device *dv)
{
    assert_int_equal(spa_store_device_get(f->st, MAC, SPA_STORE_SECRETS, dv, &f->d), 0);
}

/* ---- flow 1: the bootstrap ---- */

static void test_bootstrap_profile(void **state)
{
    spa_provd_config c;
    spa_buf b;
    spa_profile p;
    (void)state;
    spa_provd_config_defaults(&c);
    spa_buf_init(&b);
    assert_int_equal(spa_provd_bootstrap_profile(&c, "spa2102.cfg", &b), 1);   /* off */
    snprintf(c.bootstrap_rule, sizeof c.bootstrap_rule, "{{server.url}}/spa$MA.cfg");
    snprintf(c.server_url, sizeof c.server_url, "https://prov.example.net");
    assert_int_equal(spa_provd_bootstrap_profile(&c, "spa2102.cfg", &b), 0);
    spa_profile_init(&p);
    tu_parse_xml(&p, b.data);
    assert_string_equal(tu_value(&p, "Profile_Rule"), "https://prov.example.net/spa$MA.cfg");
    assert_int_equal(p.n, 1);
    spa_profile_free(&p);
    spa_buf_reset(&b);
    assert_int_equal(spa_provd_bootstrap_profile(&c, "spa941.xml", &b), 0);
    static const char *not_factory[] = { "x/spa2102.cfg", "spa.cfg", "spa2102.txt", "spa21-02.cfg",
                                         "spa000e08aa0001aaaaa.cfg", "foo.cfg" };
    for (size_t i = 0; i < sizeof not_factory / sizeof not_factory[0]; i++)
        assert_int_equal(spa_provd_bootstrap_profile(&c, not_factory[i], &b), 1);
    spa_buf_free(&b);
}

static void test_config_settings(void **state)
{
    const char *good = "Bootstrap_Rule \"{{ server.url }}/spa$MA.cfg\";\n"
                       "Secure_Provisioning \"yes\"; Secure_URL \"tftp://{{server.name}}\";\n";
    const char *bad = "Secure_URL \"http://x/{{device.path}}\";\n"
                      "Bootstrap_Rule \"http://{{server.nme}}/\";\n";
    spa_provd_config c, before;
    spa_diags d;
    (void)state;
    spa_provd_config_defaults(&c);
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, good, strlen(good), "t.conf", &d), 0);
    assert_true(c.secure_provisioning);
    assert_string_equal(c.secure_url, "tftp://{{server.name}}");
    before = c;
    assert_int_equal(spa_provd_config_parse(&c, bad, strlen(bad), "t.conf", &d), -1);
    assert_true(tu_diags_contain(&d, "t.conf:1:12: error: Secure_URL: only {{server.url}} and "
                                     "{{server.name}} can be used here"));
    assert_true(tu_diags_contain(&d, "t.conf:2:16: error: Bootstrap_Rule: unknown template "
                                     "variable '{{server.nme}}'"));
    assert_memory_equal(&c, &before, sizeof c);
    spa_diags_free(&d);
}

/* ---- the overlay and SEC-PRV-1 ---- */

static void test_overlay(void **state)
{
    fx *f = *state;
    spa_profile ov;
    spa_provd_config off = f->cfg;
    spa_profile_init(&ov);
    assert_int_equal(spa_provd_secprv_overlay(&f->cfg, &ov), 0);
    assert_string_equal(tu_value(&ov, "GPP_A"), "{{device.key}}");
    assert_string_equal(tu_value(&ov, "GPP_B"), "{{device.path}}");
    assert_string_equal(tu_value(&ov, "Profile_Rule"),
                        "[--key $A] http://prov.example.net/$B/spa$PSN.cfg");
    snprintf(off.secure_recovery_url, sizeof off.secure_recovery_url, "https://prov.example.net:8443/");
    assert_int_equal(spa_provd_secprv_overlay(&off, &ov), 0);
    assert_string_equal(tu_value(&ov, "Profile_Rule"),
                        "($PRVST eq 2)? https://prov.example.net:8443/spa$MA.cfg | "
                        "[--key $A] http://prov.example.net/$B/spa$PSN.cfg");
    off.secure_provisioning = false;
    assert_int_equal(spa_provd_secprv_overlay(&off, &ov), 0);
    assert_int_equal(ov.n, 0);
    spa_profile_free(&ov);
}

/* Open a SEC-PRV-1 container with mac into p; returns spa_cfg_unpack's status. */
static int open_first(const spa_buf *b, const char *mac, spa_profile *p)
{
    spa_buf x;
    char why[160];
    spa_buf_init(&x);
    int rc = spa_cfg_unpack(NULL, b->data, b->len, NULL, mac, 0, &x, why, sizeof why);
    if (rc == SPA_DEC_OK)
        tu_parse_xml(p, x.data);
    spa_buf_free(&x);
    return rc;
}

static void test_first_profile(void **state)
{
    fx *f = *state;
    spa_buf b;
    spa_profile p;
    spa_device dv;
    char want[200];
    spa_buf_init(&b);
    assert_int_equal(spa_provd_secprv_first(f->st, &f->cfg, NULL, MAC, &b, &f->d), 0);
    assert_true(spa_cfg_is_container(b.data, b.len));
    spa_profile_init(&p);
    assert_int_not_equal(open_first(&b, "000e08aa0002", &p), SPA_DEC_OK);   /* another unit */
    assert_int_equal(open_first(&b, MAC, &p), SPA_DEC_OK);
    get_dev(f, &dv);
    assert_string_equal(tu_value(&p, "GPP_A"), dv.key);
    assert_string_equal(tu_value(&p, "GPP_B"), dv.path);
    snprintf(want, sizeof want, "[--key $A] http://prov.example.net/$B/spa$PSN.cfg");
    assert_string_equal(tu_value(&p, "Profile_Rule"), want);
    assert_int_equal(p.n, 3);   /* the overlay alone: no account data */
    spa_device_clear(&dv);
    spa_profile_free(&p);
    assert_int_equal(spa_provd_secprv_first(f->st, &f->cfg, NULL, "000e08aa0009", &b, &f->d), 1);
    spa_buf_free(&b);
}

/* ---- the store: folders and rotation ---- */

static void test_path_lookup_and_rotation(void **state)
{
    fx *f = *state;
    spa_device a, b;
    char mac[13], path[80];
    bool prev;
    get_dev(f, &a);
    assert_int_equal(spa_store_device_by_path(f->st, a.path, mac, &prev, &f->d), 0);
    assert_string_equal(mac, MAC);
    assert_false(prev);
    snprintf(path, sizeof path, "%s/spa2102.cfg", a.path);
    assert_int_equal(spa_provd_path_device(f->st, path, mac, &prev, &f->d), 0);
    snprintf(path, sizeof path, "base/%s/spa2102.cfg", a.path);
    assert_int_equal(spa_provd_path_device(f->st, path, mac, &prev, &f->d), 0);
    assert_int_equal(spa_provd_path_device(f->st, "spa2102.cfg", mac, &prev, &f->d), 1);
    assert_int_equal(spa_store_device_by_path(f->st, "0123456789abcdef0123456789abcdef", mac,
                                              &prev, &f->d), 1);
    assert_int_equal(spa_store_device_by_path(f->st, "'; DROP TABLE devices; --", mac, &prev,
                                              &f->d), 1);
    /* two rotations before the unit came back: prev stays the pair it holds */
    assert_int_equal(spa_store_device_rotate_key(f->st, MAC, &f->d), 0);
    assert_int_equal(spa_store_device_rotate_key(f->st, MAC, &f->d), 0);
    get_dev(f, &b);
    assert_int_equal(b.key_gen, 2);
    assert_string_equal(b.prev_key, a.key);
    assert_string_equal(b.prev_path, a.path);
    assert_int_equal(spa_store_device_by_path(f->st, a.path, mac, &prev, &f->d), 0);
    assert_true(prev);
    assert_int_equal(spa_store_device_forget_prev(f->st, MAC, &f->d), 0);
    assert_int_equal(spa_store_device_by_path(f->st, a.path, mac, &prev, &f->d), 1);
    spa_device_clear(&a);
    spa_device_clear(&b);
}

/* ---- the request flow ---- */

static void request_m(fx *f, const char *method, spa_provd_proto pr, const char *path,
                      bool cert, spa_provd_response *r)
{
    spa_cert_subject cs;
    spa_provd_input in = { .proto = pr, .method = pr == SPA_PROTO_TFTP ? NULL : method,
                           .path = path, .user_agent = "Linksys/SPA-2102-5.1.10 (SN1)",
                           .peer = "127.0.0.1" };
    memset(&cs, 0, sizeof cs);
    snprintf(cs.ou, sizeof cs.ou, "SPA-2102");
    snprintf(cs.l, sizeof cs.l, "SN1");
    snprintf(cs.st, sizeof cs.st, MAC);
    snprintf(cs.mac, sizeof cs.mac, MAC);
    snprintf(cs.cn, sizeof cs.cn, MAC);
    if (cert)
        in.cert = &cs;
    spa_provd_handle(f->p, &in, r);
}

static void request(fx *f, spa_provd_proto pr, const char *path, bool cert,
                    spa_provd_response *r)
{
    request_m(f, "GET", pr, path, cert, r);
}

/* Decrypt an openssl-enc + gzip body with key into p. */
static int open_full(const spa_provd_response *r, const char *key, spa_profile *p)
{
    spa_decode_opts o = { .key = key };
    spa_buf x;
    spa_decode_info info;
    spa_buf_init(&x);
    int rc = spa_decode(NULL, r->body.data, r->body.len, &o, &x, &info);
    if (rc == SPA_DEC_OK)
        tu_parse_xml(p, x.data);
    spa_buf_free(&x);
    return rc;
}

static spa_dev_state state_of(fx *f)
{
    spa_device dv;
    get_dev(f, &dv);
    spa_dev_state s = dv.state;
    spa_device_clear(&dv);
    return s;
}

static void test_request_flow(void **state)
{
    fx *f = *state;
    spa_provd_response r;
    spa_profile p;
    spa_device d0, d1;
    char path[80];

    /* plain HTTP by MAC never gets SEC-PRV-1 */
    request(f, SPA_PROTO_HTTP, "/spa" MAC ".cfg", false, &r);
    assert_int_equal(r.status, 200);
    assert_false(spa_cfg_is_container(r.body.data, r.body.len));
    spa_provd_response_free(&r);
    assert_int_equal(state_of(f), SPA_DEV_NEW);

    /* HTTPS with the unit's certificate: SEC-PRV-1 */
    request(f, SPA_PROTO_HTTPS, "/spa.cfg", true, &r);
    assert_int_equal(r.status, 200);
    assert_true(spa_cfg_is_container(r.body.data, r.body.len));
    assert_non_null(strstr(r.reason, "SEC-PRV-1"));
    spa_provd_response_free(&r);
    assert_int_equal(state_of(f), SPA_DEV_BOOTSTRAP);

    /* SEC-PRV-2 at the folder over TFTP: the full profile under the key,
     * with the server's Profile_Rule over the operator's */
    get_dev(f, &d0);
    snprintf(path, sizeof path, "/%s/spa2102.cfg", d0.path);
    request(f, SPA_PROTO_TFTP, path + 1, false, &r);
    assert_int_equal(r.status, 200);
    spa_profile_init(&p);
    assert_int_equal(open_full(&r, d0.key, &p), SPA_DEC_OK);
    assert_string_equal(tu_value(&p, "User_ID_1_"), "5551234");
    assert_string_equal(tu_value(&p, "GPP_A"), d0.key);
    assert_string_equal(tu_value(&p, "Profile_Rule"),
                        "[--key $A] http://prov.example.net/$B/spa$PSN.cfg");
    spa_profile_free(&p);
    spa_provd_response_free(&r);
    assert_int_equal(state_of(f), SPA_DEV_PROVISIONED);

    /* rotation: the old folder delivers the new pair under the old key */
    assert_int_equal(spa_store_device_rotate_key(f->st, MAC, &f->d), 0);
    get_dev(f, &d1);
    request(f, SPA_PROTO_HTTP, path, false, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.reason, "previous key"));
    spa_profile_init(&p);
    assert_int_equal(open_full(&r, d0.key, &p), SPA_DEC_OK);
    assert_string_equal(tu_value(&p, "GPP_A"), d1.key);
    assert_string_equal(tu_value(&p, "GPP_B"), d1.path);
    spa_profile_free(&p);
    spa_provd_response_free(&r);
    /* a HEAD at the new folder changes nothing (no confirmation) */
    snprintf(path, sizeof path, "/%s/spa2102.cfg", d1.path);
    request_m(f, "HEAD", SPA_PROTO_HTTP, path, false, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    spa_device chk;
    get_dev(f, &chk);
    assert_non_null(chk.prev_path);
    spa_device_clear(&chk);
    /* the new folder confirms; the old one is then unknown */
    request(f, SPA_PROTO_HTTP, path, false, &r);
    assert_int_equal(r.status, 200);
    spa_profile_init(&p);
    assert_int_equal(open_full(&r, d1.key, &p), SPA_DEC_OK);
    spa_profile_free(&p);
    spa_provd_response_free(&r);
    snprintf(path, sizeof path, "/%s/spa2102.cfg", d0.path);
    request(f, SPA_PROTO_HTTP, path, false, &r);
    assert_int_equal(r.status, 404);
    spa_provd_response_free(&r);

    /* a certificate-bound unit asking for another unit's folder: 403 */
    assert_int_equal(spa_store_device_add(f->st, "000e08aa0002", "SPA2102", "SN2", NULL, NULL,
                                          &f->d), 0);
    spa_device o;
    assert_int_equal(spa_store_device_get(f->st, "000e08aa0002", 0, &o, &f->d), 0);
    snprintf(path, sizeof path, "/%s/spa2102.cfg", o.path);
    request(f, SPA_PROTO_HTTPS, path, true, &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    spa_device_clear(&o);

    /* SEC-PRV-1 again (a reset unit): re-keyed */
    request(f, SPA_PROTO_HTTPS, "/spa.cfg", true, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    spa_device d2;
    get_dev(f, &d2);
    assert_string_not_equal(d2.key, d1.key);
    assert_int_equal(d2.key_gen, 2);
    assert_int_equal(d2.state, SPA_DEV_BOOTSTRAP);
    spa_device_clear(&d0);
    spa_device_clear(&d1);
    spa_device_clear(&d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstrap_profile),
        cmocka_unit_test(test_config_settings),
        cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_lookup_and_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_flow, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
