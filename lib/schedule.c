/* schedule.c — configurable schedules ("1800+300,3600,7200", guide §2.13):
 * parsing with column-exact errors, the delay for the n-th consecutive
 * failure with caller-supplied randomness, and a tiny seeded generator. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/schedule.h"

#define SCHED_NUM_MAX 2147483647u

void spa_rng_seed(spa_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint32_t spa_rng_next(void *ctx)
{
    spa_rng *r = ctx;
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (uint32_t)(z >> 32);
}

uint32_t spa_random_upto(spa_random_fn fn, void *ctx, uint32_t bound)
{
    if (!fn || bound == 0)
        return 0;
    if (bound == UINT32_MAX)
        return fn(ctx);
    uint64_t range = (uint64_t)bound + 1;
    /* Reject the top partial bucket so every value is equally likely. */
    uint64_t limit = (((uint64_t)1 << 32) / range) * range;
    for (;;) {
        uint64_t x = fn(ctx);
        if (x < limit)
            return (uint32_t)(x % range);
    }
}

void spa_schedule_init(spa_schedule *s)
{
    s->v = NULL;
    s->n = 0;
}

void spa_schedule_free(spa_schedule *s)
{
    free(s->v);
    spa_schedule_init(s);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_blanks(const char *t, size_t len, size_t i)
{
    while (i < len && is_blank(t[i]))
        i++;
    return i;
}

/* Scanner state shared by the small parse helpers. */
typedef struct sched_scan {
    const char *t;
    size_t len, i;
    const char *file;
    unsigned line, col0;
    spa_diags *d;
} sched_scan;

static int sched_error(sched_scan *sc, size_t at, const char *code, const char *msg)
{
    spa_diag_add(sc->d, SPA_DIAG_ERROR, sc->file, sc->line, sc->col0 + (unsigned)at + 1,
                 code, "schedule: %s", msg);
    return -1;
}

/* One decimal number of at most SCHED_NUM_MAX. */
static int sched_number(sched_scan *sc, uint32_t *out, const char *what)
{
    size_t start;
    uint64_t v = 0;

    sc->i = skip_blanks(sc->t, sc->len, sc->i);
    start = sc->i;
    while (sc->i < sc->len && sc->t[sc->i] >= '0' && sc->t[sc->i] <= '9') {
        v = v * 10 + (uint64_t)(sc->t[sc->i] - '0');
        if (v > SCHED_NUM_MAX)
            return sched_error(sc, start, "schedule-range", "number too large (max 2147483647)");
        sc->i++;
    }
    if (sc->i == start)
        return sched_error(sc, start, "schedule-syntax", what);
    *out = (uint32_t)v;
    return 0;
}

static int sched_item(sched_scan *sc, spa_schedule_item *it)
{
    if (sched_number(sc, &it->base, "expected a delay in seconds") < 0)
        return -1;
    it->jitter = 0;
    sc->i = skip_blanks(sc->t, sc->len, sc->i);
    if (sc->i < sc->len && sc->t[sc->i] == '+') {
        sc->i++;
        if (sched_number(sc, &it->jitter, "expected a random delay in seconds after '+'") < 0)
            return -1;
        sc->i = skip_blanks(sc->t, sc->len, sc->i);
    }
    return 0;
}

int spa_schedule_parse(spa_schedule *s, const char *text, size_t len, const char *file,
                       unsigned line, unsigned col, spa_diags *d)
{
    spa_schedule_item items[SPA_SCHEDULE_MAX];
    sched_scan sc = { text, len, 0, file, line, col ? col - 1 : 0, d };
    uint32_t n = 0;

    sc.i = skip_blanks(text, len, 0);
    while (sc.i < len) {
        if (n == SPA_SCHEDULE_MAX)
            return sched_error(&sc, sc.i, "schedule-too-long", "more than 64 elements");
        if (sched_item(&sc, &items[n]) < 0)
            return -1;
        n++;
        if (sc.i >= len)
            break;
        if (text[sc.i] != ',')
            return sched_error(&sc, sc.i, "schedule-syntax", "expected ',' or '+'");
        sc.i++;
        if (skip_blanks(text, len, sc.i) >= len)
            return sched_error(&sc, sc.i, "schedule-syntax", "expected a delay after ','");
    }
    spa_schedule_item *v = NULL;
    if (n) {
        v = malloc(n * sizeof *v);
        if (!v)
            return -2;
        memcpy(v, items, n * sizeof *v);
    }
    free(s->v);
    s->v = v;
    s->n = n;
    return 0;
}

bool spa_schedule_enabled(const spa_schedule *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i].base || s->v[i].jitter)
            return true;
    return false;
}

int64_t spa_schedule_delay(const spa_schedule *s, uint32_t failures, spa_random_fn rnd,
                           void *ctx)
{
    if (!spa_schedule_enabled(s))
        return -1;
    uint32_t idx = failures ? failures - 1 : 0;
    if (idx >= s->n)
        idx = s->n - 1;
    const spa_schedule_item *it = &s->v[idx];
    return (int64_t)it->base + (int64_t)spa_random_upto(rnd, ctx, it->jitter);
}

int spa_schedule_format(const spa_schedule *s, spa_buf *out)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (spa_buf_printf(out, "%s%u", i ? "," : "", s->v[i].base) < 0)
            return -1;
        if (s->v[i].jitter && spa_buf_printf(out, "+%u", s->v[i].jitter) < 0)
            return -1;
    }
    return 0;
}
