/* test_firmware_rc.c — issue 7 flows 5 and 7 below the sockets: the
 * generated Upgrade_Rule (its text, that lib/rule parses it, and which image
 * it picks for each running version, with and without Downgrade_Rev_Limit),
 * firmware targets in the store (validation, group over model, removal
 * refused while targeted), upgrade results parsed from syslog lines into
 * upgrade events and the firmware-seen field, HTTPS refusing images, and
 * remote customization (companies, assignments, the customization profile,
 * HTTPS only in rc-vendor mode, and the unit's side: spa_rc_apply). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

/* ---- rule text ---- */

static void test_rule_text(void **state)
{
    char b[48];
    (void)state;
    assert_int_equal(spa_fwver_rule_text("5.1.12", b, sizeof b), 0);
    assert_string_equal(b, "5.1.12");
    assert_int_equal(spa_fwver_rule_text("7.5.2(b)", b, sizeof b), 0);
    assert_string_equal(b, "7.5.2b");
    assert_int_equal(spa_fwver_rule_text("1.0", b, sizeof b), 0);
    assert_string_equal(b, "1.0.0");
    assert_int_equal(spa_fwver_rule_text("2.0.3(0412s)", b, sizeof b), -1);
    assert_int_equal(spa_fwver_rule_text("abc", b, sizeof b), -1);
    assert_int_equal(spa_fwver_rule_text("5.1.12", b, 4), -1);
    assert_int_equal(spa_firmware_rel_path("SPA2102", "7.5.2(b)", b, sizeof b), 0);
    assert_string_equal(b, "fw/SPA2102/7.5.2_b_.bin");
}

/* Evaluate rule with $SWVER = swver; the chosen URL's path, or "skip". */
static const char *pick(const char *rule, const char *swver, char *out, size_t n)
{
    spa_rule *r = NULL;
    spa_diags d;
    spa_rule_result res;
    tu_kv kv[] = { { "SWVER", swver }, { NULL, NULL } };
    spa_rule_env env = { tu_kv_lookup, kv, NULL, "t", 0, 0 };
    spa_diags_init(&d);
    assert_int_equal(spa_rule_parse(&r, rule, strlen(rule), SPA_RULE_UPGRADE, "t", 1, 0, &d), 0);
    spa_rule_result_init(&res);
    assert_int_equal(spa_rule_eval(r, &env, &res, &d), 0);
    snprintf(out, n, "%s", res.alt < 0 ? "skip" : res.url.path);
    spa_rule_result_free(&res);
    spa_rule_free(r);
    spa_diags_free(&d);
    return out;
}

static void test_rule_steps(void **state)
{
    spa_buf b;
    spa_diags d;
    char got[128];
    (void)state;
    spa_buf_init(&b);
    spa_diags_init(&d);
    assert_int_equal(spa_upgrade_rule_text("SPA2102", "5.1.13", "5.1.11,5.1.12", NULL,
                                           "http://h:8080/", "m", &b, &d), 3);
    assert_string_equal(b.data,
                        "( $SWVER lt 5.1.11 )? http://h:8080/fw/SPA2102/5.1.11.bin | "
                        "( $SWVER lt 5.1.12 )? http://h:8080/fw/SPA2102/5.1.12.bin | "
                        "( $SWVER ne 5.1.13 )? http://h:8080/fw/SPA2102/5.1.13.bin");
    assert_string_equal(pick(b.data, "5.1.10", got, sizeof got), "/fw/SPA2102/5.1.11.bin");
    assert_string_equal(pick(b.data, "5.1.11", got, sizeof got), "/fw/SPA2102/5.1.12.bin");
    assert_string_equal(pick(b.data, "5.1.12", got, sizeof got), "/fw/SPA2102/5.1.13.bin");
    assert_string_equal(pick(b.data, "5.1.13", got, sizeof got), "skip");
    /* above the target: back down to it (a downgrade, allowed without a limit) */
    assert_string_equal(pick(b.data, "6.0.0", got, sizeof got), "/fw/SPA2102/5.1.13.bin");
    assert_int_equal(d.n, 0);

    /* Downgrade_Rev_Limit 5.1.12: the 5.1.11 step is left out, with a warning */
    spa_buf_reset(&b);
    assert_int_equal(spa_upgrade_rule_text("SPA2102", "5.1.13", "5.1.11,5.1.12", "5.1.12",
                                           "tftp://h:69", "000e08000001", &b, &d), 2);
    assert_string_equal(b.data, "( $SWVER lt 5.1.12 )? tftp://h:69/fw/SPA2102/5.1.12.bin | "
                                "( $SWVER ne 5.1.13 )? tftp://h:69/fw/SPA2102/5.1.13.bin");
    assert_true(tu_diags_contain(&d, "device 000e08000001: firmware 5.1.11 is below "
                                     "Downgrade_Rev_Limit 5.1.12: step not generated"));
    /* a target below the limit: no rule at all */
    spa_buf_reset(&b);
    assert_int_equal(spa_upgrade_rule_text("SPA2102", "5.1.11", "", "5.1.12", "http://h", "m",
                                           &b, &d), 0);
    assert_int_equal(b.len, 0);
    /* a limit that is not a version limits nothing (the unit ignores it too) */
    spa_buf_reset(&b);
    assert_int_equal(spa_upgrade_rule_text("SPA2102", "5.1.11", NULL, "junk", "http://h", "m",
                                           &b, &d), 1);
    spa_buf_free(&b);
    spa_diags_free(&d);
}

/* ---- syslog lines ---- */

static void test_upgrade_lines(void **state)
{
    spa_upgrade_line u;
    const char *ok = "<134>SPA2102 00:0e:08:00:00:01 -- Successful upgrade "
                     "http://127.0.0.1:8080/fw/SPA2102/5.1.12.bin -- 5.1.12";
    const char *bad = "<131>SPA2102 00:0e:08:00:00:01 -- Upgrade failed: downgrade limit";
    const char *other = "<134>SPA2102 00:0e:08:00:00:01 -- Successful resync http://x/y -- ";
    const char *odd = "SPA2102 m -- Successful upgrade http://x/y.bin -- not a version";
    (void)state;
    assert_int_equal(spa_upgrade_line_parse(ok, strlen(ok), &u), 1);
    assert_true(u.success);
    assert_string_equal(u.version, "5.1.12");
    assert_string_equal(u.url, "http://127.0.0.1:8080/fw/SPA2102/5.1.12.bin");
    assert_int_equal(spa_upgrade_line_parse(bad, strlen(bad), &u), 1);
    assert_false(u.success);
    assert_string_equal(u.err, "downgrade limit");
    assert_int_equal(spa_upgrade_line_parse(other, strlen(other), &u), 0);
    assert_int_equal(spa_upgrade_line_parse(odd, strlen(odd), &u), 0);
    assert_int_equal(spa_upgrade_line_parse(ok, 20, &u), 0);
}

/* ---- the store and the server core ---- */

typedef struct fixture {
    char dir[256], root[320];
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
    spa_provd_static_root(&f->cfg, f->root, sizeof f->root);
    assert_int_equal(spa_store_device_add(f->st, "000e08000001", "SPA2102", "SN1", NULL, NULL,
                                          &f->d), 0);
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
    tu_rmtree(f->dir);
    spa_diags_free(&f->d);
    free(f);
    return 0;
}

/* Make an image file for version and add it. */
static int add_image(fixture *f, const char *version)
{
    spa_buf img;
    char why[100], path[400], ver[64];
    spa_buf_init(&img);
    assert_int_equal(spa_fw_build("SPA2102", version, "payload", 7, &img, why, sizeof why), 0);
    snprintf(path, sizeof path, "%s/img-%s.bin", f->dir, version);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(img.data, 1, img.len, fp), img.len);
    fclose(fp);
    spa_buf_free(&img);
    return spa_provd_firmware_add(f->st, f->root, path, NULL, NULL, ver, sizeof ver, &f->d);
}

static void render_xml(fixture *f, spa_buf *out)
{
    spa_render_opts o = { 0 };
    o.key = SPA_RENDER_KEY_NONE;
    o.firmware_url = "http://h:1";
    spa_buf_reset(out);
    assert_int_equal(spa_render_device(f->st, "000e08000001", &o, NULL, out, &f->d), 0);
}

static void test_targets(void **state)
{
    fixture *f = *state;
    spa_buf x;
    spa_fw_target t;
    char staged[600];
    struct stat sb;
    spa_buf_init(&x);
    assert_int_equal(add_image(f, "5.1.11"), 0);
    assert_int_equal(add_image(f, "5.1.12"), 0);
    assert_int_equal(add_image(f, "5.1.13"), 0);
    snprintf(staged, sizeof staged, "%s/fw/SPA2102/5.1.12.bin", f->root);
    assert_int_equal(stat(staged, &sb), 0);
    assert_int_equal(add_image(f, "5.1.12"), -1);   /* already there */
    assert_true(tu_diags_contain(&f->d, "exists already"));

    /* validation: nothing written on error */
    assert_int_equal(spa_store_fw_target_set(f->st, SPA_SCOPE_MODEL, NULL, "SPA2102", "9.9.9",
                                             NULL, &f->d), -1);
    assert_int_equal(spa_store_fw_target_set(f->st, SPA_SCOPE_MODEL, NULL, "SPA2102", "5.1.13",
                                             "5.1.12,5.1.11", &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "via: versions must be ascending"));
    assert_int_equal(spa_store_fw_target_set(f->st, SPA_SCOPE_GROUP, "nogroup", "SPA2102",
                                             "5.1.13", NULL, &f->d), -1);
    assert_int_equal(spa_store_fw_target_for(f->st, "SPA2102", NULL, &t, &f->d), 1);

    /* model target → rendered rule; the render cache sees the change */
    assert_int_equal(spa_store_fw_target_set(f->st, SPA_SCOPE_MODEL, NULL, "spa2102", "5.1.13",
                                             "5.1.12", &f->d), 0);
    render_xml(f, &x);
    assert_non_null(strstr(x.data, "<Upgrade_Rule>( $SWVER lt 5.1.12 )? http://h:1/fw/SPA2102/"
                                   "5.1.12.bin | ( $SWVER ne 5.1.13 )? http://h:1/fw/SPA2102/"
                                   "5.1.13.bin</Upgrade_Rule>"));
    /* a group target wins over the model's for the group's devices */
    assert_int_equal(spa_store_group_add(f->st, "g", NULL, &f->d), 0);
    assert_int_equal(spa_store_device_update(f->st, "000e08000001", "group", "g", &f->d), 0);
    assert_int_equal(spa_store_fw_target_set(f->st, SPA_SCOPE_GROUP, "g", "SPA2102", "5.1.11",
                                             NULL, &f->d), 0);
    assert_int_equal(spa_store_fw_target_for(f->st, "SPA2102", "g", &t, &f->d), 0);
    assert_string_equal(t.version, "5.1.11");
    assert_int_equal(t.scope, SPA_SCOPE_GROUP);
    spa_fw_target_clear(&t);
    render_xml(f, &x);
    assert_non_null(strstr(x.data, "<Upgrade_Rule>( $SWVER ne 5.1.11 )? http://h:1/fw/SPA2102/"
                                   "5.1.11.bin</Upgrade_Rule>"));
    /* the group's Downgrade_Rev_Limit above the target: no rule */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_GROUP, "g", "Downgrade_Rev_Limit",
                                         "5.1.12", SPA_ACCESS_UNSET, &f->d), 0);
    render_xml(f, &x);
    assert_null(strstr(x.data, "Upgrade_Rule"));
    /* an explicit Upgrade_Rule wins */
    assert_int_equal(spa_store_param_set(f->st, SPA_SCOPE_DEVICE, "000e08000001",
                                         "Upgrade_Rule", "http://x/mine.bin", SPA_ACCESS_UNSET,
                                         &f->d), 0);
    render_xml(f, &x);
    assert_non_null(strstr(x.data, "<Upgrade_Rule>http://x/mine.bin</Upgrade_Rule>"));

    /* removal refused while targeted, allowed after */
    assert_int_equal(spa_provd_firmware_remove(f->st, f->root, "SPA2102", "5.1.12", &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "is named by a firmware target"));
    assert_int_equal(spa_store_fw_target_unset(f->st, SPA_SCOPE_MODEL, NULL, "SPA2102", &f->d),
                     0);
    assert_int_equal(spa_provd_firmware_remove(f->st, f->root, "SPA2102", "5.1.12", &f->d), 0);
    assert_int_equal(stat(staged, &sb), -1);
    assert_int_equal(spa_provd_firmware_remove(f->st, f->root, "SPA2102", "5.1.12", &f->d), 1);
    /* removing the group drops its target */
    assert_int_equal(spa_store_device_update(f->st, "000e08000001", "group", "", &f->d), 0);
    assert_int_equal(spa_store_group_remove(f->st, "g", &f->d), 0);
    assert_int_equal(spa_store_fw_target_for(f->st, "SPA2102", "g", &t, &f->d), 1);
    spa_buf_free(&x);
}

typedef struct ev_find {
    spa_event_kind kind;
    const char *needle;
    int found;
} ev_find;

static int ev_cb(void *ctx, const spa_event *e)
{
    ev_find *q = ctx;
    if (e->kind == q->kind && strstr(e->text, q->needle))
        q->found++;
    return 0;
}

static int count_events(fixture *f, spa_event_kind k, const char *needle)
{
    ev_find q = { k, needle, 0 };
    spa_event_query eq = { "000e08000001", 0, (int)k, 0 };
    assert_int_equal(spa_store_event_query(f->st, &eq, ev_cb, &q, &f->d), 0);
    return q.found;
}

static void test_syslog_upgrade_events(void **state)
{
    fixture *f = *state;
    spa_device dv;
    const char *ok = "<134>SPA2102 00:0e:08:00:00:01 -- Successful upgrade "
                     "http://127.0.0.1:8080/fw/SPA2102/5.1.12.bin -- 5.1.12";
    const char *bad = "<131>SPA2102 00:0e:08:00:00:01 -- Upgrade failed: wrong model";
    spa_provd_syslog(f->p, "000e08000001", "127.0.0.1", ok, strlen(ok));
    spa_provd_syslog(f->p, "000e08000001", "127.0.0.1", bad, strlen(bad));
    assert_int_equal(count_events(f, SPA_EV_UPGRADE,
                                  "success 5.1.12 from http://127.0.0.1:8080/fw/SPA2102/5.1.12.bin"),
                     1);
    assert_int_equal(count_events(f, SPA_EV_UPGRADE, "failure: wrong model"), 1);
    assert_int_equal(count_events(f, SPA_EV_SYSLOG, "Upgrade failed"), 1);
    assert_int_equal(spa_store_device_get(f->st, "000e08000001", 0, &dv, &f->d), 0);
    assert_string_equal(dv.fw_seen, "5.1.12");
    spa_device_clear(&dv);
    spa_event_kind k;
    assert_int_equal(spa_event_kind_parse("upgrade", &k), 0);
    assert_int_equal(k, SPA_EV_UPGRADE);
}

static void handle(fixture *f, spa_provd_proto proto, const char *path, spa_provd_response *r)
{
    spa_provd_input in = { 0 };
    in.proto = proto;
    in.method = proto == SPA_PROTO_TFTP ? NULL : "GET";
    in.path = path;
    in.peer = "127.0.0.1";
    spa_provd_handle(f->p, &in, r);
}

static void test_image_transports(void **state)
{
    fixture *f = *state;
    spa_provd_response r;
    assert_int_equal(add_image(f, "5.1.12"), 0);
    handle(f, SPA_PROTO_HTTPS, "/fw/SPA2102/5.1.12.bin", &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.reason, "http and tftp only"));
    spa_provd_response_free(&r);
    handle(f, SPA_PROTO_HTTP, "/fw/SPA2102/5.1.12.bin", &r);
    assert_int_equal(r.status, 200);
    spa_fw_info fi;
    assert_int_equal(spa_fw_parse(r.body.data, r.body.len, &fi, NULL, 0), SPA_FW_OK);
    assert_string_equal(fi.version, "5.1.12");
    spa_provd_response_free(&r);
    handle(f, SPA_PROTO_TFTP, "fw/SPA2102/5.1.12.bin", &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    /* the derived firmware URL never uses https */
    char u[600];
    spa_provd_firmware_url(&f->cfg, u, sizeof u);
    assert_string_equal(u, "http://127.0.0.1:8080");
    f->cfg.http_port = 0;
    spa_provd_firmware_url(&f->cfg, u, sizeof u);
    assert_string_equal(u, "tftp://127.0.0.1:6969");
}

/* ---- remote customization ---- */

static void test_rc_store_and_profile(void **state)
{
    fixture *f = *state;
    spa_buf x;
    spa_rc_company c;
    char *key = NULL;
    const char *csv_bad = "mac,company\n000e08000002,Acme\n000e08000003,Nobody\n";
    const char *csv_ok = "000e08000002,Acme,k2\n000e08000003,Acme\n";
    spa_buf_init(&x);
    assert_int_equal(spa_store_rc_company_add(f->st, "Acme", "acme.example,127.0.0.1",
                                              "10.0.0.1,10.0.0.2", "http://h:99999/x", false, &f->d), -1);
    assert_int_equal(spa_store_rc_company_add(f->st, "Acme", "a b c d e f", "", "http://h/x",
                                              false, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "at most five"));
    assert_int_equal(spa_store_rc_company_add(f->st, "Acme", "acme.example,127.0.0.1",
                                              "10.0.0.1,10.0.0.2", "http://h/spa$MA.cfg", false,
                                              &f->d), 0);
    assert_int_equal(spa_store_rc_company_add(f->st, "Acme", "", "", "http://h/y", false, &f->d),
                     -1);
    assert_true(tu_diags_contain(&f->d, "use --replace"));
    assert_int_equal(spa_store_rc_assign(f->st, "00:0e:08:00:00:01", "Acme", "s3cr3t", &f->d), 0);
    assert_int_equal(spa_store_rc_assign(f->st, "000e08000009", "Nobody", NULL, &f->d), -1);
    assert_int_equal(spa_store_rc_assign_csv(f->st, csv_bad, strlen(csv_bad), "u.csv", &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "u.csv:3:14: error: company: no company 'Nobody'"));
    assert_int_equal(spa_store_rc_unit(f->st, "000e08000002", 0, &c, NULL, &f->d), 1);
    assert_int_equal(spa_store_rc_assign_csv(f->st, csv_ok, strlen(csv_ok), "u.csv", &f->d), 2);

    /* the key only with SPA_STORE_SECRETS */
    assert_int_equal(spa_store_rc_unit(f->st, "000e08000001", 0, &c, &key, &f->d), 0);
    assert_null(key);
    assert_string_equal(c.name, "Acme");
    spa_rc_company_clear(&c);
    assert_int_equal(spa_rc_profile(f->st, "000e08000001", &x, &f->d), 0);
    assert_non_null(strstr(x.data, "<Customization>Acme</Customization>"));
    assert_non_null(strstr(x.data, "<Restricted_Access_Domains>acme.example,127.0.0.1<"));
    assert_non_null(strstr(x.data, "<Primary_DNS>10.0.0.1</Primary_DNS>"));
    assert_non_null(strstr(x.data, "<Secondary_DNS>10.0.0.2</Secondary_DNS>"));
    assert_non_null(strstr(x.data, "<Profile_Rule>[--key s3cr3t] http://h/spa$MA.cfg<"));
    spa_buf_reset(&x);
    assert_int_equal(spa_rc_profile(f->st, "000e08000003", &x, &f->d), 0);
    assert_non_null(strstr(x.data, "<Profile_Rule>http://h/spa$MA.cfg<"));
    assert_int_equal(spa_rc_profile(f->st, "000e08000044", &x, &f->d), 1);
    assert_int_equal(spa_store_rc_company_remove(f->st, "Acme", &f->d), -1);

    /* the vendor serves it over HTTPS only, and never in an event */
    f->cfg.mode = SPA_MODE_RC_VENDOR;
    spa_provd_set_config(f->p, &f->cfg);
    spa_provd_response r;
    handle(f, SPA_PROTO_HTTP, "/rc000e08000001.xml", &r);
    assert_int_equal(r.status, 403);
    spa_provd_response_free(&r);
    handle(f, SPA_PROTO_HTTPS, "/rc000e08000001.xml", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "<Customization>Acme</Customization>"));
    spa_provd_response_free(&r);
    handle(f, SPA_PROTO_HTTPS, "/rc000e08000077.xml", &r);
    assert_int_equal(r.status, 404);
    spa_provd_response_free(&r);
    assert_int_equal(count_events(f, SPA_EV_RESULT, "s3cr3t"), 0);
    assert_int_equal(count_events(f, SPA_EV_RESULT, "200 customization"), 1);
    spa_buf_free(&x);
}

/* The unit's side: name out, parameters in, all or nothing. */
static void test_rc_apply(void **state)
{
    spa_diags d;
    spa_model *m;
    spa_params *p;
    char company[64], why[80];
    const char *good = "<flat-profile><Customization>Acme</Customization>"
                       "<Restricted_Access_Domains>acme.example</Restricted_Access_Domains>"
                       "<Primary_DNS>10.0.0.1</Primary_DNS>"
                       "<Profile_Rule>http://h/spa$MA.cfg</Profile_Rule></flat-profile>";
    const char *noname = "<flat-profile><Primary_DNS>10.0.0.9</Primary_DNS></flat-profile>";
    const char *broken = "<flat-profile><Primary_DNS>10.0.0.9</Primary";
    (void)state;
    spa_diags_init(&d);
    m = spa_model_load_builtin("SPA2102", &d);
    assert_non_null(m);
    p = spa_params_new(m);
    assert_int_equal(spa_rc_apply(p, noname, strlen(noname), company, sizeof company, why,
                                  sizeof why), -1);
    assert_string_equal(why, "no company name in the customization");
    assert_int_equal(spa_rc_apply(p, broken, strlen(broken), company, sizeof company, why,
                                  sizeof why), -1);
    assert_string_equal(spa_params_get(p, "Primary_DNS"), "");
    assert_int_equal(spa_rc_apply(p, good, strlen(good), company, sizeof company, why,
                                  sizeof why), 0);
    assert_string_equal(company, "Acme");
    assert_string_equal(spa_params_get(p, "Restricted_Access_Domains"), "acme.example");
    assert_string_equal(spa_params_get(p, "Primary_DNS"), "10.0.0.1");
    assert_string_equal(spa_params_get(p, "Profile_Rule"), "http://h/spa$MA.cfg");
    spa_xfer_result xr = { SPA_XFER_TLS_FAILED, 0, NULL, NULL, 0 };
    assert_string_equal(spa_rc_xfer_error(&xr), "ssl handshake failed");
    spa_params_free(p);
    spa_model_free(m);
    spa_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_text),
        cmocka_unit_test(test_rule_steps),
        cmocka_unit_test(test_upgrade_lines),
        cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syslog_upgrade_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_transports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rc_store_and_profile, setup, teardown),
        cmocka_unit_test(test_rc_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
