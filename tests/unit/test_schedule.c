/* test_schedule.c — configurable schedules (guide §2.13): the guide's
 * examples, the n-th failure → n-th element rule with the last repeating,
 * "+n" jitter from a seeded source, disabled schedules and syntax errors. */
#include <string.h>
#include "testutil.h"
#include "spaprov/schedule.h"

static void parse_ok(spa_schedule *s, const char *text)
{
    spa_diags d;
    spa_diags_init(&d);
    spa_schedule_init(s);
    if (spa_schedule_parse(s, text, strlen(text), NULL, 0, 0, &d) != 0)
        fail_msg("'%s' should parse", text);
    assert_int_equal(d.n, 0);
    spa_diags_free(&d);
}

static void check_format(const char *text, const char *want)
{
    spa_schedule s;
    spa_buf b;
    parse_ok(&s, text);
    spa_buf_init(&b);
    assert_int_equal(spa_schedule_format(&s, &b), 0);
    assert_string_equal(b.data ? b.data : "", want);
    spa_buf_free(&b);
    spa_schedule_free(&s);
}

/* Resync_Error_Retry_Delay = 1800,3600,7200,14400: 30 min, 1 h, 2 h, then 4 h forever. */
static void test_guide_sequence(void **state)
{
    spa_schedule s;
    static const int64_t want[] = { 1800, 1800, 3600, 7200, 14400, 14400, 14400 };
    (void)state;
    parse_ok(&s, "1800,3600,7200,14400");
    assert_int_equal(s.n, 4);
    assert_true(spa_schedule_enabled(&s));
    for (uint32_t f = 0; f < 7; f++)
        assert_int_equal(spa_schedule_delay(&s, f, NULL, NULL), want[f]);
    assert_int_equal(spa_schedule_delay(&s, 1000000, NULL, NULL), 14400);
    spa_schedule_free(&s);
    parse_ok(&s, "7200");
    assert_int_equal(spa_schedule_delay(&s, 1, NULL, NULL), 7200);
    assert_int_equal(spa_schedule_delay(&s, 9, NULL, NULL), 7200);
    spa_schedule_free(&s);
}

/* "1800+300,3600+600,7200+900" with a seeded source: every delay lies in
 * base..base+jitter, the sequence is reproducible, and both ends occur. */
static void test_jitter_seeded(void **state)
{
    spa_schedule s;
    spa_rng r1, r2;
    int64_t first[8];
    (void)state;
    parse_ok(&s, "1800+300,3600+600,7200+900");
    spa_rng_seed(&r1, 42);
    spa_rng_seed(&r2, 42);
    for (uint32_t f = 1; f <= 8; f++) {
        int64_t a = spa_schedule_delay(&s, f, spa_rng_next, &r1);
        int64_t b = spa_schedule_delay(&s, f, spa_rng_next, &r2);
        int64_t lo = f == 1 ? 1800 : f == 2 ? 3600 : 7200;
        int64_t hi = f == 1 ? 2100 : f == 2 ? 4200 : 8100;
        assert_int_equal(a, b);
        assert_true(a >= lo && a <= hi);
        first[f - 1] = a;
    }
    spa_rng_seed(&r1, 42);
    assert_int_equal(spa_schedule_delay(&s, 1, spa_rng_next, &r1), first[0]);
    spa_schedule_free(&s);

    /* 0..n inclusive: with "10+2" all of 10, 11, 12 show up, nothing else */
    int seen[3] = { 0, 0, 0 };
    parse_ok(&s, "10+2");
    spa_rng_seed(&r1, 7);
    for (int i = 0; i < 300; i++) {
        int64_t v = spa_schedule_delay(&s, 1, spa_rng_next, &r1);
        assert_true(v >= 10 && v <= 12);
        seen[v - 10]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    spa_schedule_free(&s);
}

/* Known values for a fixed seed, so a change of generator is noticed. */
static void test_rng_reproducible(void **state)
{
    spa_rng r;
    (void)state;
    spa_rng_seed(&r, 0);
    uint32_t a = spa_rng_next(&r), b = spa_rng_next(&r);
    assert_int_not_equal(a, b);
    spa_rng_seed(&r, 0);
    assert_int_equal(spa_rng_next(&r), a);
    assert_int_equal(spa_rng_next(&r), b);
    /* splitmix64(0) first output is 0xE220A8397B1DCDAF: high half */
    assert_int_equal(a, 0xE220A839u);
    assert_int_equal(spa_random_upto(NULL, NULL, 100), 0);
    assert_int_equal(spa_random_upto(spa_rng_next, &r, 0), 0);
}

/* The caller keeps the failure count: a success resets it to 0 and the next
 * failure starts again at the first element. */
static void test_reset_on_success(void **state)
{
    spa_schedule s;
    uint32_t failures = 0;
    int64_t got[6];
    static const int outcome[6] = { 0, 0, 0, 1, 0, 0 };   /* 0 = fail, 1 = success */
    static const int64_t want[6] = { 1800, 3600, 7200, -2, 1800, 3600 };
    (void)state;
    parse_ok(&s, "1800,3600,7200,14400");
    for (int i = 0; i < 6; i++) {
        if (outcome[i]) {
            failures = 0;
            got[i] = -2;
        } else {
            got[i] = spa_schedule_delay(&s, ++failures, NULL, NULL);
        }
        assert_int_equal(got[i], want[i]);
    }
    spa_schedule_free(&s);
}

static void test_disabled(void **state)
{
    static const char *const off[] = { "", "   ", "0", "0,0", " 0 " };
    static const char *const on[] = { "0+60", "0,30", "1" };
    (void)state;
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        spa_schedule s;
        parse_ok(&s, off[i]);
        assert_false(spa_schedule_enabled(&s));
        assert_int_equal(spa_schedule_delay(&s, 1, NULL, NULL), -1);
        spa_schedule_free(&s);
    }
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        spa_schedule s;
        parse_ok(&s, on[i]);
        assert_true(spa_schedule_enabled(&s));
        spa_schedule_free(&s);
    }
    spa_schedule s;
    parse_ok(&s, "0,30");
    assert_int_equal(spa_schedule_delay(&s, 1, NULL, NULL), 0);
    assert_int_equal(spa_schedule_delay(&s, 2, NULL, NULL), 30);
    spa_schedule_free(&s);
}

static void test_format(void **state)
{
    (void)state;
    check_format("1800 + 300 , 3600,7200", "1800+300,3600,7200");
    check_format("14400+3600", "14400+3600");
    check_format("", "");
    check_format("5+0", "5");
}

static void test_errors(void **state)
{
    static const struct { const char *in; unsigned col; const char *msg; } t[] = {
        { "1800,,3600", 6, "expected a delay" },
        { "1800,", 6, "expected a delay after ','" },
        { "1800+", 6, "after '+'" },
        { "1800+x", 6, "after '+'" },
        { "abc", 1, "expected a delay" },
        { "1800;3600", 5, "expected ',' or '+'" },
        { "1.5", 2, "expected ',' or '+'" },
        { "-5", 1, "expected a delay" },
        { "1800 3600", 6, "expected ',' or '+'" },
        { "2147483648", 1, "too large" },
        { "60,+5", 4, "expected a delay" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_schedule s;
        spa_diags d;
        char want[64];
        spa_diags_init(&d);
        spa_schedule_init(&s);
        assert_int_equal(spa_schedule_parse(&s, "60", 2, NULL, 0, 0, &d), 0);
        if (spa_schedule_parse(&s, t[i].in, strlen(t[i].in), "p.xml", 7, 0, &d) != -1)
            fail_msg("'%s' should fail", t[i].in);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.v[0].col, t[i].col);
        assert_int_equal(d.v[0].line, 7);
        if (!strstr(d.v[0].message, t[i].msg))
            fail_msg("'%s': message '%s' lacks '%s'", t[i].in, d.v[0].message, t[i].msg);
        snprintf(want, sizeof want, "p.xml:7:%u:", t[i].col);
        assert_true(tu_diags_contain(&d, want));
        /* unchanged on error */
        assert_int_equal(s.n, 1);
        assert_int_equal(s.v[0].base, 60);
        spa_schedule_free(&s);
        spa_diags_free(&d);
    }
    /* column offset when the value starts at column 20 */
    spa_schedule s;
    spa_diags d;
    spa_diags_init(&d);
    spa_schedule_init(&s);
    assert_int_equal(spa_schedule_parse(&s, "10,x", 4, "f", 3, 20, &d), -1);
    assert_int_equal(d.v[0].col, 23);
    spa_diags_free(&d);
    /* too many elements */
    spa_buf b;
    spa_buf_init(&b);
    for (int i = 0; i < SPA_SCHEDULE_MAX + 1; i++)
        spa_buf_printf(&b, "%s%d", i ? "," : "", i + 1);
    spa_diags_init(&d);
    assert_int_equal(spa_schedule_parse(&s, b.data, b.len, NULL, 0, 0, &d), -1);
    assert_true(tu_diags_contain(&d, "more than 64"));
    spa_diags_free(&d);
    spa_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guide_sequence),
        cmocka_unit_test(test_jitter_seeded),
        cmocka_unit_test(test_rng_reproducible),
        cmocka_unit_test(test_reset_on_success),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
