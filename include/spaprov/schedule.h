/* schedule.h — configurable schedules (guide §2.13 "Configurable schedules"):
 * Resync_Periodic, Resync_Error_Retry_Delay and Upgrade_Error_Retry_Delay hold
 * "1800+300,3600,7200": the n-th consecutive failure waits the n-th element,
 * the last element repeats forever, and "+r" adds a uniform random 0..r
 * seconds (both ends inclusive). The caller keeps the failure count and resets
 * it on success; randomness comes from the caller so tests are deterministic.
 *
 * Syntax:  schedule = [ delay *( "," delay ) ]   delay = uint [ "+" uint ]
 * (decimal seconds, each at most 2^31-1; blanks around tokens are ignored).
 * An empty schedule, or one whose every element is a plain 0 ("0", "0,0"),
 * is DISABLED: no periodic resync / no automatic retry (DESIGN decision 1). */
#ifndef SPAPROV_SCHEDULE_H
#define SPAPROV_SCHEDULE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"

#define SPA_SCHEDULE_MAX 64   /* most elements accepted in one schedule */

typedef struct spa_schedule_item {
    uint32_t base;    /* seconds */
    uint32_t jitter;  /* extra random 0..jitter seconds */
} spa_schedule_item;

typedef struct spa_schedule {
    spa_schedule_item *v;   /* heap; NULL when n == 0 */
    uint32_t n;
} spa_schedule;

/* Source of 32 uniformly random bits. */
typedef uint32_t (*spa_random_fn)(void *ctx);

/* A small deterministic generator (splitmix64) usable as a spa_random_fn
 * with ctx = spa_rng *; for tests, spasim and jitter — never for keys. */
typedef struct spa_rng {
    uint64_t state;
} spa_rng;
/* Seed a generator. */
void spa_rng_seed(spa_rng *r, uint64_t seed);
/* Next 32 random bits (ctx = spa_rng *). */
uint32_t spa_rng_next(void *ctx);
/* Uniform integer in 0..bound inclusive from fn (unbiased); 0 if fn is NULL. */
uint32_t spa_random_upto(spa_random_fn fn, void *ctx, uint32_t bound);

/* Initialise an empty (disabled) schedule. */
void spa_schedule_init(spa_schedule *s);
/* Release a schedule's memory; it is empty afterwards. */
void spa_schedule_free(spa_schedule *s);
/* Parse len bytes of text into s (replacing its contents). On a syntax error
 * returns -1 with one diagnostic at file:line:(col + offset) — col is the
 * column of the value's first byte, 0 to count columns from 1 within the
 * value — and leaves s unchanged; -2 on OOM. */
int spa_schedule_parse(spa_schedule *s, const char *text, size_t len, const char *file,
                       unsigned line, unsigned col, spa_diags *d);
/* True unless the schedule is empty or all plain zeros. */
bool spa_schedule_enabled(const spa_schedule *s);
/* Delay in seconds before the next attempt after the `failures`-th
 * consecutive failure (1 = first failure; 0 is treated as 1; past the end
 * the last element repeats). For Resync_Periodic pass 1. Returns -1 when the
 * schedule is disabled. rnd may be NULL: no random part is added. */
int64_t spa_schedule_delay(const spa_schedule *s, uint32_t failures, spa_random_fn rnd,
                           void *ctx);
/* Write the canonical text ("1800+300,3600") into out; 0 or -1 on OOM. */
int spa_schedule_format(const spa_schedule *s, spa_buf *out);

#endif
