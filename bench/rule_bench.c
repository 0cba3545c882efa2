/* rule_bench.c — micro-benchmark of the rule language: parses and
 * evaluations per second for the guide's typical rules, and the memory one
 * device pays to keep its parsed rules and schedules (the fleet target is
 * 100,000 devices per GiB, i.e. about 10 KiB per device in total).
 * Usage: rule_bench [seconds-per-measurement, default 0.5] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "spaprov/rule.h"
#include "spaprov/schedule.h"

static const char *const bench_vars[][2] = {
    { "MA", "000e08aabbcc" }, { "MAU", "000E08AABBCC" }, { "PSN", "2102" },
    { "SWVER", "2.0.6(b)" },  { "REGTMR1", "0" },        { "PRVTMR", "1300" },
    { "CCERT", "Installed" }, { "EXTIP", "66.43.16.52" }, { "A", "Provisioned" },
    { "B", "123" },           { "SA", "secret" },
};

static const char *bench_lookup(void *ctx, const char *name, size_t len, char *s, size_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
    for (size_t i = 0; i < sizeof bench_vars / sizeof bench_vars[0]; i++)
        if (strlen(bench_vars[i][0]) == len && memcmp(bench_vars[i][0], name, len) == 0)
            return bench_vars[i][1];
    return NULL;
}

typedef struct bench_rule {
    spa_rule_mode mode;
    const char *name, *text;
} bench_rule;

static const bench_rule rules[] = {
    { SPA_RULE_PROFILE, "default", "/spa$PSN.cfg" },
    { SPA_RULE_PROFILE, "lost-reg",
      "($REGTMR1 eq 0)? http://p.tel.com/has-reg.cfg | [--post a] http://p.tel.com/lost-reg?" },
    { SPA_RULE_PROFILE, "multi-stage",
      "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov"
      " | https://p.tel.com/configs" },
    { SPA_RULE_PROFILE, "keyed", "[--key $SA --alias b] https://p.tel.com/account/spa$MA.xml" },
    { SPA_RULE_UPGRADE, "upgrade", "( $SWVER ne 2.0.6 )? http://ps.tell.com/sw/spa021024.bin" },
    { SPA_RULE_TRIGGER, "trigger", "$REGTMR1 gt 300 and $PRVTMR gt 1200 and \"$EXTIP\" ne \"\"" },
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_parse(const bench_rule *b, double secs)
{
    size_t len = strlen(b->text);
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            spa_rule *r;
            if (spa_rule_parse(&r, b->text, len, b->mode, NULL, 0, 0, NULL) != 0)
                return -1;
            spa_rule_free(r);
        }
        n += 1000;
    } while ((t = now() - t0) < secs);
    return (double)n / t;
}

static double bench_eval(const spa_rule *r, double secs)
{
    spa_rule_env env = { bench_lookup, NULL, "10.0.0.1", NULL, 0, 0 };
    spa_rule_result res;
    long n = 0;
    double t0 = now(), t;
    spa_rule_result_init(&res);
    do {
        for (int i = 0; i < 1000; i++)
            if (spa_rule_eval(r, &env, &res, NULL) != 0)
                return -1;
        n += 1000;
    } while ((t = now() - t0) < secs);
    spa_rule_result_free(&res);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.5;
    size_t total = 0;

    if (secs <= 0)
        secs = 0.5;
    printf("%-12s %12s %12s %10s\n", "rule", "parse/s", "eval/s", "AST bytes");
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        spa_rule *r;
        if (spa_rule_parse(&r, rules[i].text, strlen(rules[i].text), rules[i].mode, NULL, 0, 0,
                           NULL) != 0) {
            fprintf(stderr, "rule_bench: rule '%s' does not parse\n", rules[i].name);
            return 1;
        }
        double p = bench_parse(&rules[i], secs), e = bench_eval(r, secs);
        printf("%-12s %12.0f %12.0f %10zu\n", rules[i].name, p, e, spa_rule_memory(r));
        total += spa_rule_memory(r);
        spa_rule_free(r);
    }

    /* One device: eight rules and three schedules. */
    spa_schedule s;
    spa_schedule_init(&s);
    if (spa_schedule_parse(&s, "1800+300,3600+600,7200+900", 26, NULL, 0, 0, NULL) != 0)
        return 1;
    size_t sched = sizeof s + s.n * sizeof s.v[0];
    spa_schedule_free(&s);
    spa_rule *empty;
    if (spa_rule_parse(&empty, "", 0, SPA_RULE_REPORT, NULL, 0, 0, NULL) != 0)
        return 1;
    /* the six rules above stand in for Profile_Rule A–D, Upgrade_Rule and
     * Resync_Trigger_1; Report_Rule and Resync_Trigger_2 are empty */
    size_t device = total + 2 * spa_rule_memory(empty) + 3 * sched;
    printf("empty rule: %zu bytes\n", spa_rule_memory(empty));
    spa_rule_free(empty);
    printf("schedule '1800+300,3600+600,7200+900': %zu bytes\n", sched);
    printf("one device's rules and schedules: about %zu bytes (+ malloc overhead); "
           "%.1f%% of the 10 KiB per-device budget\n",
           device, 100.0 * (double)device / 10737.0);
    return 0;
}
