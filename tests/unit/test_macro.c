/* test_macro.c — macro expansion, guide §2.8 and Table 4-4: every example
 * of the notes, the single-pass rule, $SA–$SD gating and each variable's
 * source. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

typedef tu_kv kv;

static const kv vars[] = {
    { "MAU", "000E08012345" }, { "MA", "000e08012345" }, { "A", "ABCDEF" }, { "B", "123" },
    { "SA", "secret-a" }, { "SD", "secret d" }, { "PSN", "2102" }, { NULL, NULL },
};

static char *expand(const char *in, unsigned flags)
{
    spa_buf out;
    spa_buf_init(&out);
    assert_int_equal(spa_macro_expand(in, strlen(in), tu_kv_lookup, (void *)vars, flags, &out), 0);
    return spa_buf_steal(&out);
}

static void check(const char *in, unsigned flags, const char *want)
{
    char *got = expand(in, flags);
    if (strcmp(got, want) != 0)
        fail_msg("expand(%s) = '%s', want '%s'", in, got, want);
    free(got);
}

static void guide_examples(void **state)
{
    (void)state;
    check("spa$(MAU)config.cfg", 0, "spa000E08012345config.cfg");
    check("spa$STRANGE$MAU.cfg", 0, "spa$STRANGE000E08012345.cfg");
    check("$$MAU", 0, "$MAU");
    check("$(MAU:4)", 0, "08012345");
    check("$(MAU:8:2)", 0, "23");
    check("$(A:2)", 0, "CDEF");
    check("$(A:2:3)", 0, "CDE");
    check("$A$B", 0, "ABCDEF123");
    check("/spa$PSN.cfg", 0, "/spa2102.cfg");
    check("tftp://192.168.1.200/spa$MA.cfg", 0, "tftp://192.168.1.200/spa000e08012345.cfg");
}

static void edge_cases(void **state)
{
    (void)state;
    check("", 0, "");
    check("no macros", 0, "no macros");
    check("$", 0, "$");
    check("a$", 0, "a$");
    check("$$", 0, "$");
    check("$$$$", 0, "$$");
    check("$$$A", 0, "$ABCDEF");
    check("$ x", 0, "$ x");
    check("$(", 0, "$(");
    check("$(A", 0, "$(A");
    check("$()", 0, "$()");
    check("$(A:x)", 0, "$(A:x)");
    check("$(A:1:)", 0, "$(A:1:)");
    check("$(A:9)", 0, "");        /* offset past the end: empty */
    check("$(A:0:99)", 0, "ABCDEF");
    check("$(NOPE)", 0, "$(NOPE)");
    check("$(NOPE:1)", 0, "$(NOPE:1)");
    check("$MAUX", 0, "$MAUX");    /* the name is the longest run of letters/digits */
    check("$A.$B", 0, "ABCDEF.123");
}

static const char *recursive_lookup(void *ctx, const char *name, size_t len, char *s, size_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
    return len == 1 && name[0] == 'A' ? "$B" : len == 1 && name[0] == 'B' ? "boom" : NULL;
}

static void single_pass(void **state)
{
    (void)state;
    spa_buf out;
    spa_buf_init(&out);
    assert_int_equal(spa_macro_expand("x$A", 3, recursive_lookup, NULL, 0, &out), 0);
    assert_string_equal(out.data, "x$B");
    spa_buf_free(&out);
}

static void secrets_only_in_key(void **state)
{
    (void)state;
    check("$SA", 0, "$SA");
    check("\"$SD\"", 0, "\"$SD\"");
    check("$(SA)", 0, "$(SA)");
    check("$SA", SPA_MACRO_KEY_ARG, "secret-a");
    check("\"$SD\"", SPA_MACRO_KEY_ARG, "\"secret d\"");
    check("$(SA:7)", SPA_MACRO_KEY_ARG, "a");
    assert_true(spa_macro_is_secret("SC", 2));
    assert_false(spa_macro_is_secret("SE", 2));
    assert_false(spa_macro_is_secret("S", 1));
}

static void known_names(void **state)
{
    (void)state;
    const char *names[] = { "A", "P", "SA", "SD", "MA", "MAU", "MAC", "PN", "PSN", "SN",
                            "CCERT", "IP", "EXTIP", "SWVER", "HWVER", "PRVST", "UPGST",
                            "UPGERR", "PRVTMR", "UPGTMR", "REGTMR1", "REGTMR2", "UPGCOND",
                            "SCHEME", "METH", "SERV", "SERVIP", "PORT", "PATH", "ERR", "UID1",
                            "UID2", "ISCUST", NULL };
    for (size_t i = 0; names[i]; i++)
        assert_true(spa_macro_is_known(names[i], strlen(names[i])));
    assert_false(spa_macro_is_known("Q", 1));
    assert_false(spa_macro_is_known("SE", 2));
    assert_false(spa_macro_is_known("STRANGE", 7));
}

static void mac_forms(void **state)
{
    (void)state;
    char mac[13];
    assert_int_equal(spa_mac_parse("000E08AABBCC", mac), 0);
    assert_string_equal(mac, "000e08aabbcc");
    assert_int_equal(spa_mac_parse("00:0e:08:aa:bb:cc", mac), 0);
    assert_string_equal(mac, "000e08aabbcc");
    assert_int_equal(spa_mac_parse("00-0E-08-AA-BB-CC", mac), 0);
    assert_int_equal(spa_mac_parse("000e08aabbc", mac), -1);
    assert_int_equal(spa_mac_parse("000e08aabbccd", mac), -1);
    assert_int_equal(spa_mac_parse("000e08aabbcg", mac), -1);
}

/* Every variable of Table 4-4 has a source in spa_macro_env. */
static void device_environment(void **state)
{
    (void)state;
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_builtin("SPA2102", &d);
    assert_non_null(m);
    spa_params *p = spa_params_new(m);
    assert_int_equal(spa_params_set(p, "GPP_A", "Provisioned", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_params_set(p, "GPP_P", "last", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_params_set(p, "GPP_SB", "k3y", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_params_set(p, "User_ID_1_", "14085551234", SPA_ACCESS_UNSET), 0);
    assert_int_equal(spa_params_set(p, "User_ID_2_", "14085550000", SPA_ACCESS_UNSET), 0);
    spa_identity id = { .serial = "88012BA01234", .swver = "2.0.6(b)", .hwver = "1.88.1",
                        .ip = "192.168.1.100", .extip = "66.43.16.52", .ccert = true };
    assert_int_equal(spa_mac_parse("000e08aabbcc", id.mac), 0);
    spa_macro_state st = { .prvst = -1, .upgst = 2, .upgerr = "http_get failed",
                           .err = "file not found", .prvtmr = 600, .upgtmr = 7,
                           .regtmr = { 301, 0 }, .scheme = "http", .serv = "p.tel.com",
                           .servip = "127.0.0.1", .port = 8080, .path = "/spa.cfg" };
    spa_macro_env env = { .params = p, .id = &id, .state = &st };
    static const kv want[] = {
        { "$A", "Provisioned" }, { "$P", "last" }, { "$SB", "$SB" }, { "$MA", "000e08aabbcc" },
        { "$MAU", "000E08AABBCC" }, { "$MAC", "00:0e:08:aa:bb:cc" }, { "$PN", "SPA2102" },
        { "$PSN", "2102" }, { "$SN", "88012BA01234" }, { "$CCERT", "Installed" },
        { "$IP", "192.168.1.100" }, { "$EXTIP", "66.43.16.52" }, { "$SWVER", "2.0.6(b)" },
        { "$HWVER", "1.88.1" }, { "$PRVST", "-1" }, { "$UPGST", "2" },
        { "$UPGERR", "http_get failed" }, { "$PRVTMR", "600" }, { "$UPGTMR", "7" },
        { "$REGTMR1", "301" }, { "$REGTMR2", "0" }, { "$UPGCOND", "true" },
        { "$SCHEME", "http" }, { "$METH", "http" }, { "$SERV", "p.tel.com" },
        { "$SERVIP", "127.0.0.1" }, { "$PORT", "8080" }, { "$PATH", "/spa.cfg" },
        { "$ERR", "file not found" }, { "$UID1", "14085551234" }, { "$UID2", "14085550000" },
        { "$ISCUST", "0" }, { "$B", "" }, { NULL, NULL },
    };
    spa_buf out;
    spa_buf_init(&out);
    for (const kv *e = want; e->k; e++) {
        spa_buf_reset(&out);
        assert_int_equal(spa_macro_expand_env(e->k, &env, 0, &out), 0);
        if (strcmp(out.data, e->v) != 0)
            fail_msg("%s = '%s', want '%s'", e->k, out.data, e->v);
    }
    spa_buf_reset(&out);
    assert_int_equal(spa_macro_expand_env("[--key $SB]", &env, SPA_MACRO_KEY_ARG, &out), 0);
    assert_string_equal(out.data, "[--key k3y]");
    /* the default log message of §4.1 */
    spa_buf_reset(&out);
    assert_int_equal(spa_macro_expand_env(spa_params_get(p, "Log_Resync_Request_Msg"), &env, 0, &out), 0);
    assert_string_equal(out.data, "SPA2102 00:0e:08:aa:bb:cc -- Requesting resync http://127.0.0.1:8080/spa.cfg");
    /* model defaults when the identity leaves versions unset; no state → verbatim */
    id.swver = NULL;
    id.ccert = false;
    env.state = NULL;
    spa_buf_reset(&out);
    assert_int_equal(spa_macro_expand_env("$SWVER|$CCERT|$ERR|$UPGCOND", &env, 0, &out), 0);
    char want2[128];
    snprintf(want2, sizeof want2, "%s|Not Installed|$ERR|true", m->swver);
    assert_string_equal(out.data, want2);
    spa_buf_free(&out);
    spa_params_free(p);
    spa_model_free(m);
    spa_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guide_examples),  cmocka_unit_test(edge_cases),
        cmocka_unit_test(single_pass),     cmocka_unit_test(secrets_only_in_key),
        cmocka_unit_test(known_names),     cmocka_unit_test(mac_forms),
        cmocka_unit_test(device_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
