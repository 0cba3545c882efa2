/* test_version.c — firmware version numbers (guide §2.9): what parses, and
 * the documented ordering of the parenthesised suffix. */
#include <string.h>
#include "testutil.h"
#include "spaprov/version.h"

static void test_parse_valid(void **state)
{
    static const struct { const char *in; unsigned a, b, c, nparts; const char *sfx; } t[] = {
        { "1.0.31(b)", 1, 0, 31, 3, "b" },   { "1.0.33", 1, 0, 33, 3, "" },
        { "2.0.3(G)", 2, 0, 3, 3, "G" },     { "2.0.3(0412s)", 2, 0, 3, 3, "0412s" },
        { "2.0.6", 2, 0, 6, 3, "" },         { "2.0.6(b)", 2, 0, 6, 3, "b" },
        { "1.0", 1, 0, 0, 2, "" },           { "1.88.1", 1, 88, 1, 3, "" },
        { "5.1.10(GW)", 5, 1, 10, 3, "GW" }, { "4294967295.0.0", 4294967295u, 0, 0, 3, "" },
        { "1.0(x)", 1, 0, 0, 2, "x" },       { "7.5.2b", 7, 5, 2, 3, "b" },
        { "7.4.9c1", 7, 4, 9, 3, "c1" },     { "7.5b", 7, 5, 0, 2, "b" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_fwver v;
        if (spa_fwver_parse(t[i].in, strlen(t[i].in), &v) != 0)
            fail_msg("'%s' should parse", t[i].in);
        assert_int_equal(v.part[0], t[i].a);
        assert_int_equal(v.part[1], t[i].b);
        assert_int_equal(v.part[2], t[i].c);
        assert_int_equal(v.nparts, t[i].nparts);
        assert_string_equal(v.suffix, t[i].sfx);
    }
}

static void test_parse_invalid(void **state)
{
    static const char *const bad[] = {
        "", "1", "12", "1.", ".1", "1..2", "1.2.3.4", "192.168.1.1", "1.0.31()",
        "1.0.31(b", "1.0.31(b)x", "1.0.31 (b)", " 1.0.3", "1.0.3 ", "1.0.31(b c)",
        "1.0.31(a-b)", "4294967296.0.0", "1.0.3(0123456789abcdef)", "v1.0.3", "-1.0.3",
        "1.0.3)", "abc", "7.5.2b(c)", "7.5.2b.1", "7.5.2-b", "7.5.2bbbbbbbbbbbbbbbb",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spa_fwver v;
        if (spa_fwver_parse(bad[i], strlen(bad[i]), &v) != -1)
            fail_msg("'%s' should not parse", bad[i]);
    }
}

static int cmp(const char *a, const char *b)
{
    spa_fwver va, vb;
    assert_int_equal(spa_fwver_parse(a, strlen(a), &va), 0);
    assert_int_equal(spa_fwver_parse(b, strlen(b), &vb), 0);
    int c = spa_fwver_cmp(&va, &vb);
    return c < 0 ? -1 : c > 0;
}

static void test_order(void **state)
{
    static const struct { const char *a, *b; int want; } t[] = {
        { "2.0.6", "2.0.6", 0 },
        { "2.0.5", "2.0.6", -1 },
        { "2.0.10", "2.0.9", 1 },          /* numeric, not textual */
        { "1.9.9", "2.0.0", -1 },
        { "2.1.0", "2.0.99", 1 },
        { "1.0", "1.0.0", 0 },             /* missing part = 0 */
        { "1.0", "1.0.1", -1 },
        { "2.0.6", "2.0.6(b)", -1 },       /* no suffix before any suffix */
        { "2.0.6(b)", "2.0.7", -1 },       /* numbers first */
        { "1.0.31(b)", "1.0.31(c)", -1 },
        { "2.0.3(G)", "2.0.3(g)", 0 },     /* letters case-insensitive */
        { "2.0.3(9)", "2.0.3(10)", -1 },   /* digit runs numeric */
        { "2.0.3(0412s)", "2.0.3(412s)", 0 },
        { "2.0.3(0412s)", "2.0.3(0412t)", -1 },
        { "2.0.3(0412s)", "2.0.3(b)", -1 }, /* digits before letters */
        { "2.0.3(b)", "2.0.3(b1)", -1 },   /* prefix first */
        { "2.0.3(ab)", "2.0.3(b)", -1 },
        { "2.0.3(GW)", "2.0.3(G)", 1 },
        { "7.5.2b", "7.5.2(b)", 0 },       /* bare suffix = parenthesised */
        { "7.5.2", "7.5.2b", -1 },
        { "7.5.2b", "7.6.2", -1 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int c = cmp(t[i].a, t[i].b), r = cmp(t[i].b, t[i].a);
        if (c != t[i].want || r != -t[i].want)
            fail_msg("cmp(%s, %s) = %d / reverse %d, want %d", t[i].a, t[i].b, c, r, t[i].want);
    }
}

static void test_from_int_and_format(void **state)
{
    spa_fwver v, w;
    char buf[64];
    (void)state;
    spa_fwver_from_int(2, &v);
    assert_string_equal(spa_fwver_format(&v, buf, sizeof buf), "2.0.0");
    assert_int_equal(spa_fwver_parse("2.0.6(b)", 8, &w), 0);
    assert_true(spa_fwver_cmp(&v, &w) < 0);
    assert_string_equal(spa_fwver_format(&w, buf, sizeof buf), "2.0.6(b)");
    assert_int_equal(spa_fwver_parse("1.0", 3, &w), 0);
    assert_string_equal(spa_fwver_format(&w, buf, sizeof buf), "1.0.0");
    assert_string_equal(spa_fwver_format(&w, buf, 4), "1.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_from_int_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
