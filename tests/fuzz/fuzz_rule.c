/* fuzz_rule.c — libFuzzer target for the rule language: arbitrary bytes are
 * parsed in every mode (profile, upgrade, report, trigger); whatever parses
 * is formatted, re-parsed and evaluated against a fixed variable table. The
 * same bytes also go through the schedule and version parsers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "spaprov/rule.h"
#include "spaprov/schedule.h"
#include "spaprov/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_vars[][2] = {
    { "MA", "000e08aabbcc" }, { "PSN", "2102" },     { "SWVER", "2.0.6(b)" },
    { "REGTMR1", "301" },     { "PRVTMR", "1300" },  { "CCERT", "Installed" },
    { "A", "http://h/$A" },   { "B", "/x?y" },       { "C", "" },
    { "D", "1.0" },           { "SA", "key-a" },     { "E", "-1" },
};

static const char *fuzz_lookup(void *ctx, const char *name, size_t len, char *s, size_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
    for (size_t i = 0; i < sizeof fuzz_vars / sizeof fuzz_vars[0]; i++)
        if (strlen(fuzz_vars[i][0]) == len && memcmp(fuzz_vars[i][0], name, len) == 0)
            return fuzz_vars[i][1];
    return NULL;
}

static void fuzz_rule_mode(const char *text, size_t len, spa_rule_mode mode)
{
    spa_rule *r = NULL, *r2 = NULL;
    spa_diags d;
    spa_buf b;
    spa_rule_env env = { fuzz_lookup, NULL, "10.0.0.1", "fuzz", 1, 1 };
    spa_rule_result res;

    spa_diags_init(&d);
    spa_buf_init(&b);
    spa_rule_result_init(&res);
    if (spa_rule_parse(&r, text, len, mode, "fuzz", 1, 1, &d) == 0) {
        (void)spa_rule_eval(r, &env, &res, &d);
        (void)spa_rule_result_format(&res, &b);
        (void)spa_rule_eval_trigger(r, &env, &d);
        spa_buf_reset(&b);
        /* the canonical text must parse again in the same mode (unless a
         * redacted key made it different, which still parses) */
        if (spa_rule_format(r, &b) == 0 && b.len < 60000 &&
            spa_rule_parse(&r2, b.data ? b.data : "", b.len, mode, NULL, 0, 0, &d) == -1)
            __builtin_trap();
    }
    spa_rule_result_free(&res);
    spa_rule_free(r);
    spa_rule_free(r2);
    spa_buf_free(&b);
    spa_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    spa_schedule s;
    spa_fwver v;

    for (int m = SPA_RULE_PROFILE; m <= SPA_RULE_TRIGGER; m++)
        fuzz_rule_mode(text, size, (spa_rule_mode)m);
    spa_schedule_init(&s);
    if (spa_schedule_parse(&s, text, size, NULL, 0, 0, NULL) == 0) {
        spa_rng rng;
        spa_rng_seed(&rng, size);
        for (uint32_t f = 0; f < 4; f++)
            (void)spa_schedule_delay(&s, f, spa_rng_next, &rng);
    }
    spa_schedule_free(&s);
    if (spa_fwver_parse(text, size, &v) == 0) {
        char buf[64];
        spa_fwver w;
        spa_fwver_format(&v, buf, sizeof buf);
        if (spa_fwver_parse(buf, strlen(buf), &w) != 0 || spa_fwver_cmp(&v, &w) != 0)
            __builtin_trap();
    }
    return 0;
}
