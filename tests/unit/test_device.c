/* test_device.c — the virtual device's flash and helpers (lib/device_state.c):
 * state file parse/format round trip and diagnostics, atomic writes (no
 * temporary file left, permissions, old file intact on failure), the
 * config.xml + device.state save/load round trip through a parameter store
 * (secrets included, mode 0600), URL decoding, JSON strings, host:port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "spaprov/device.h"
#include "spaprov/profile.h"

static void test_state_roundtrip(void **s)
{
    (void)s;
    spa_device_state a, b;
    spa_buf out;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(a.swver, sizeof a.swver, "5.1.12(b)");
    snprintf(a.last_err, sizeof a.last_err, "file not found");
    a.boots = 7;
    a.resyncs = 4294967295u;
    a.resync_ok = 3;
    a.resync_fail = 2;
    a.upgrades = 1;
    a.upgrade_ok = 1;
    a.reboots = 9;
    a.upg_ident = 0x0123456789abcdefULL;
    snprintf(a.upg_ver, sizeof a.upg_ver, "8.0.0");
    spa_buf_init(&out);
    assert_int_equal(spa_device_state_format(&a, &out), 0);
    assert_non_null(strstr(out.data, "\nswver=5.1.12(b)\n"));
    assert_non_null(strstr(out.data, "\nresyncs=4294967295\n"));
    assert_non_null(strstr(out.data, "\nupg_ident=0123456789abcdef\nupg_ver=8.0.0\n"));
    assert_int_equal(spa_device_state_parse(out.data, out.len, "s", &b, NULL), 0);
    assert_memory_equal(&a, &b, sizeof a);
    spa_buf_free(&out);
}

static void test_state_errors(void **s)
{
    (void)s;
    spa_device_state st;
    spa_diags d;
    memset(&st, 0, sizeof st);
    st.boots = 5;
    spa_diags_init(&d);
    const char *bad = "# c\nboots=6\nresyncs=12x\n";
    assert_int_equal(spa_device_state_parse(bad, strlen(bad), "f.state", &st, &d), -1);
    assert_int_equal(st.boots, 5);   /* unchanged on error */
    assert_true(tu_diags_contain(&d, "f.state:3:9: error: resyncs: expected a number"));
    spa_diags_free(&d);

    spa_diags_init(&d);
    const char *over = "boots=4294967296\n";
    assert_int_equal(spa_device_state_parse(over, strlen(over), "f", &st, &d), -1);
    spa_diags_free(&d);

    spa_diags_init(&d);
    const char *noeq = "boots\n";
    assert_int_equal(spa_device_state_parse(noeq, strlen(noeq), "f", &st, &d), -1);
    assert_true(tu_diags_contain(&d, "f:1:1: error: expected key=value"));
    spa_diags_free(&d);

    spa_diags_init(&d);
    const char *unk = "future=1\r\nboots=8\r\n";
    assert_int_equal(spa_device_state_parse(unk, strlen(unk), "f", &st, &d), 0);
    assert_int_equal(st.boots, 8);
    assert_int_equal(d.warnings, 1);
    assert_int_equal(d.errors, 0);
    spa_diags_free(&d);

    /* a file from before the engine flash keys: they stay zero */
    spa_diags_init(&d);
    st.upg_ident = 0;
    st.upg_ver[0] = '\0';
    const char *old = "swver=5.1.10\nboots=3\n";
    assert_int_equal(spa_device_state_parse(old, strlen(old), "f", &st, &d), 0);
    assert_true(st.upg_ident == 0);
    assert_string_equal(st.upg_ver, "");
    assert_int_equal(d.warnings + d.errors, 0);
    spa_diags_free(&d);
    spa_diags_init(&d);
    const char *hex = "upg_ident=00000000000000FF\n";
    assert_int_equal(spa_device_state_parse(hex, strlen(hex), "f", &st, &d), 0);
    assert_true(st.upg_ident == 0xff);
    const char *badhex = "upg_ident=12345g\n";
    assert_int_equal(spa_device_state_parse(badhex, strlen(badhex), "f", &st, &d), -1);
    assert_true(tu_diags_contain(&d, "f:1:11: error: upg_ident: expected 16 hex digits"));
    assert_true(st.upg_ident == 0xff);
    spa_diags_free(&d);

    char longv[100];
    memset(longv, 'a', sizeof longv);
    memcpy(longv, "swver=", 6);
    longv[99] = '\0';
    spa_diags_init(&d);
    assert_int_equal(spa_device_state_parse(longv, strlen(longv), "f", &st, &d), -1);
    assert_true(tu_diags_contain(&d, "f:1:7: error: swver: value too long"));
    spa_diags_free(&d);
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        if (de->d_name[0] != '.')
            n++;
    if (dp)
        closedir(dp);
    return n;
}

static void test_atomic_write(void **s)
{
    (void)s;
    char dir[256], path[512], bad[600];
    struct stat sb;
    spa_buf b;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f.txt", dir);
    assert_int_equal(spa_device_write_atomic(path, "one\n", 4, 0600, NULL), 0);
    assert_int_equal(spa_device_write_atomic(path, "second\n", 7, 0600, NULL), 0);
    spa_buf_init(&b);
    assert_int_equal(spa_read_file(path, &b, NULL), 0);
    assert_string_equal(b.data, "second\n");
    spa_buf_free(&b);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(count_entries(dir), 1);   /* no temporary file left */

    spa_diags d;
    spa_diags_init(&d);
    snprintf(bad, sizeof bad, "%s/missing/f.txt", dir);
    assert_int_equal(spa_device_write_atomic(bad, "x", 1, 0600, &d), -1);
    assert_int_equal(d.errors, 1);
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void test_save_load(void **s)
{
    (void)s;
    char dir[256], path[512];
    struct stat sb;
    spa_diags d;
    spa_model *m = spa_model_load_builtin("SPA2102", NULL);
    assert_non_null(m);
    spa_params *p = spa_params_new(m), *q = spa_params_new(m);
    spa_device_state st, st2;
    memset(&st, 0, sizeof st);
    memset(&st2, 0, sizeof st2);
    st.boots = 3;
    snprintf(st.swver, sizeof st.swver, "5.2.1");
    tu_tmpdir(dir, sizeof dir);

    spa_diags_init(&d);
    assert_int_equal(spa_device_load(dir, q, &st2, &d), 1);   /* fresh unit */
    assert_int_equal(spa_params_set(p, "GPP_A", "a <&> \"b\"", SPA_ACCESS_RW), 0);
    assert_int_equal(spa_params_set(p, "GPP_SA", "s3cret", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_params_set(p, "Profile_Rule", "tftp://h/spa$MA.cfg", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_device_save(dir, p, &st, &d), 0);
    snprintf(path, sizeof path, "%s/" SPA_DEVICE_CONFIG_FILE, dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(spa_device_load(dir, q, &st2, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_string_equal(spa_params_get(q, "GPP_A"), "a <&> \"b\"");
    assert_int_equal(spa_params_access(q, "GPP_A"), SPA_ACCESS_RW);
    assert_string_equal(spa_params_get(q, "GPP_SA"), "s3cret");
    assert_string_equal(spa_params_get(q, "Profile_Rule"), "tftp://h/spa$MA.cfg");
    assert_int_equal(spa_params_override_count(q), spa_params_override_count(p));
    assert_memory_equal(&st, &st2, sizeof st);
    assert_int_equal(count_entries(dir), 2);
    /* the fleet's save without fsync: same files, same mode, same round trip */
    st.boots = 4;
    assert_int_equal(spa_params_set(p, "GPP_B", "fleet", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_device_save_nosync(dir, p, &st, &d), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(spa_device_load(dir, q, &st2, &d), 0);
    assert_string_equal(spa_params_get(q, "GPP_B"), "fleet");
    assert_string_equal(spa_params_get(q, "GPP_SA"), "s3cret");
    assert_memory_equal(&st, &st2, sizeof st);
    assert_int_equal(count_entries(dir), 2);
    /* a kill between write and rename leaves a temporary file: removed at load */
    tu_write(dir, SPA_DEVICE_CONFIG_FILE ".tmp.12345", "<flat-prof", path, sizeof path);
    tu_write(dir, "keep.txt", "x", path, sizeof path);
    assert_int_equal(count_entries(dir), 4);
    assert_int_equal(spa_device_load(dir, q, &st2, &d), 0);
    assert_int_equal(count_entries(dir), 3);
    assert_int_equal(access(path, F_OK), 0);

    /* a malformed config file is an error with its position */
    tu_write(dir, SPA_DEVICE_CONFIG_FILE,
             "<flat-profile>\n<GPP_SA>s3cret</GPP_B></flat-profile>", path, sizeof path);
    spa_params *r = spa_params_new(m);
    spa_diags_free(&d);
    spa_diags_init(&d);
    assert_int_equal(spa_device_load(dir, r, &st2, &d), -1);
    assert_int_equal(d.errors, 1);
    assert_true(tu_diags_contain(&d, "config.xml:2:"));
    assert_true(tu_diags_contain(&d, "malformed configuration"));
    assert_false(tu_diags_contain(&d, "s3cret"));   /* never quotes a value */
    spa_params_free(r);
    spa_diags_free(&d);
    spa_params_free(p);
    spa_params_free(q);
    spa_model_free(m);
    tu_rmtree(dir);
}

static void test_url_decode(void **s)
{
    (void)s;
    spa_buf b;
    spa_buf_init(&b);
    const char *in = "tftp%3A//h:69/x%2ecfg?a+b";
    assert_int_equal(spa_device_url_decode(in, strlen(in), &b), 0);
    assert_string_equal(b.data, "tftp://h:69/x.cfg?a+b");
    spa_buf_reset(&b);
    assert_int_equal(spa_device_url_decode("%4", 2, &b), -1);
    assert_int_equal(spa_device_url_decode("%zz", 3, &b), -1);
    assert_int_equal(spa_device_url_decode("a%00b", 5, &b), -1);
    assert_int_equal(spa_device_url_decode("a%", 2, &b), -1);
    spa_buf_free(&b);
}

static void test_json_hostport(void **s)
{
    (void)s;
    spa_buf b;
    char host[16];
    uint16_t port = 1;
    spa_buf_init(&b);
    assert_int_equal(spa_device_json_string(&b, "a\"b\\c\n\x7f"), 0);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u007f\"");
    spa_buf_free(&b);
    assert_int_equal(spa_device_split_hostport("127.0.0.1:6969", host, sizeof host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 6969);
    assert_int_equal(spa_device_split_hostport("prov.test", host, sizeof host, &port), 0);
    assert_string_equal(host, "prov.test");
    assert_int_equal(port, 0);
    assert_int_equal(spa_device_split_hostport("h:0", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("h:65536", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport(":80", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("a:b:80", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("averyveryverylonghostname", host, sizeof host,
                                               &port), -1);
    /* IPv6 in brackets, with or without a port */
    assert_int_equal(spa_device_split_hostport("[::1]:5514", host, sizeof host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 5514);
    assert_int_equal(spa_device_split_hostport("[fe80::2]", host, sizeof host, &port), 0);
    assert_string_equal(host, "fe80::2");
    assert_int_equal(port, 0);
    assert_int_equal(spa_device_split_hostport("::1", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("[::1", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("[::1]x", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("[]:80", host, sizeof host, &port), -1);
    assert_int_equal(spa_device_split_hostport("[::1]:0", host, sizeof host, &port), -1);
}

/* Web form bodies: '+' is a space, %XX decoded, last occurrence wins,
 * malformed escapes and empty names refused. */
static void test_form_parse(void **s)
{
    (void)s;
    spa_profile f;
    char why[128];
    const char *body = "Cfwd_All_Dest_1_=555+1234&Dial+Plan%5B1%5D=%28x.%29&empty=&"
                       "Cfwd_All_Dest_1_=777&&flag";
    spa_profile_init(&f);
    assert_int_equal(spa_device_form_parse(body, strlen(body), &f, why, sizeof why), 0);
    assert_int_equal(f.n, 4);
    assert_string_equal(spa_profile_get(&f, "Cfwd_All_Dest_1_")->value, "777");
    assert_string_equal(spa_profile_get(&f, "Dial_Plan_1_")->value, "(x.)");
    assert_string_equal(spa_profile_get(&f, "empty")->value, "");
    assert_string_equal(spa_profile_get(&f, "flag")->value, "");
    spa_profile_free(&f);
    spa_profile_init(&f);
    assert_int_equal(spa_device_form_parse("a=%zz", 5, &f, why, sizeof why), -1);
    assert_string_equal(why, "a: malformed field");
    assert_int_equal(spa_device_form_parse("=x", 2, &f, why, sizeof why), -1);
    assert_int_equal(spa_device_form_parse("a=%00", 5, &f, why, sizeof why), -1);
    assert_int_equal(spa_device_form_parse("a=%c3%a9", 8, &f, why, sizeof why), -1);
    spa_profile_free(&f);
}

static void test_ctl_parse(void **s)
{
    (void)s;
    spa_device_ctl_cmd c;
    char why[128];
    const char *reset = "dial ****RESET#1#\n";
    assert_int_equal(spa_device_ctl_parse(reset, strlen(reset), &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_DIAL);
    assert_string_equal(c.digits, "****73738#1#");
    assert_true(spa_device_is_factory_reset(c.digits));
    assert_true(spa_device_is_factory_reset("****73738#1"));
    assert_false(spa_device_is_factory_reset("****73738#2#"));
    assert_false(spa_device_is_factory_reset("***73738#1#"));
    assert_int_equal(spa_device_ctl_parse("dial wxyz09", 11, &c, why, sizeof why), 0);
    assert_string_equal(c.digits, "999909");
    assert_int_equal(spa_device_ctl_parse("offhook", 7, &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_OFFHOOK);
    assert_int_equal(c.line, 1);
    assert_int_equal(spa_device_ctl_parse("onhook 2\r\n", 10, &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_ONHOOK);
    assert_int_equal(c.line, 2);
    assert_int_equal(spa_device_ctl_parse("registered 8", 12, &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_REGISTERED);
    assert_int_equal(c.line, 8);
    assert_int_equal(spa_device_ctl_parse("unregistered 0", 14, &c, why, sizeof why), -1);
    assert_string_equal(why, "expected a line number 1..8");
    assert_int_equal(spa_device_ctl_parse("dial 12 3", 9, &c, why, sizeof why), -1);
    assert_string_equal(why, "dial: not a keypad key at column 3");
    assert_int_equal(spa_device_ctl_parse("dial", 4, &c, why, sizeof why), -1);
    assert_string_equal(why, "dial: no digits");
    assert_int_equal(spa_device_ctl_parse("status x", 8, &c, why, sizeof why), -1);
    assert_int_equal(spa_device_ctl_parse("stat", 4, &c, why, sizeof why), -1);
    assert_int_equal(spa_device_ctl_parse("status", 6, &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_STATUS);
    assert_int_equal(spa_device_ctl_parse("report", 6, &c, why, sizeof why), 0);
    assert_int_equal(c.kind, SPA_CTL_REPORT);
    assert_int_equal(spa_device_ctl_parse("report 1", 8, &c, why, sizeof why), -1);
    assert_string_equal(why, "report takes no argument");
    char many[100] = "dial ";
    memset(many + 5, '1', 90);
    many[95] = '\0';
    assert_int_equal(spa_device_ctl_parse(many, strlen(many), &c, why, sizeof why), -1);
    assert_string_equal(why, "dial: too many digits");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_state_errors),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_json_hostport),
        cmocka_unit_test(test_ctl_parse),
        cmocka_unit_test(test_form_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
