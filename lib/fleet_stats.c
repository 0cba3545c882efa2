/* fleet_stats.c — the pure parts of spasim's fleet mode: unit identities
 * (MAC base + i, serial base's trailing number + i), a fixed-size latency
 * histogram with nearest-rank percentiles, and the statistics JSON the
 * fleet prints at the end. No I/O, so tests/unit/test_fleet.c covers it. */
#include <stdio.h>
#include <string.h>
#include "spaprov/device.h"
#include "spaprov/fleet.h"
#include "spaprov/macro.h"

/* ---- identities ------------------------------------------------------------------- */

int spa_fleet_mac(const char *base, uint64_t i, char out[13])
{
    char hex[13];
    uint64_t v = 0;
    if (!base || spa_mac_parse(base, hex) < 0)
        return -1;
    for (int k = 0; k < 12; k++) {
        char c = hex[k];
        v = v * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (i > 0xFFFFFFFFFFFFull - v)
        return -1;
    snprintf(out, 13, "%012llx", (unsigned long long)(v + i));
    return 0;
}

int spa_fleet_serial(const char *base, uint64_t i, char *out, size_t n)
{
    size_t len = base ? strlen(base) : 0, digits = 0;
    uint64_t v = 0, limit = 1;
    if (len == 0 || len >= n || !spa_value_is_ascii(base, len) || strchr(base, ' ') ||
        strchr(base, '\t'))
        return -1;
    while (digits < len && base[len - 1 - digits] >= '0' && base[len - 1 - digits] <= '9')
        digits++;
    if (digits == 0 || digits > 18)
        return -1;
    for (size_t k = len - digits; k < len; k++) {
        v = v * 10 + (uint64_t)(base[k] - '0');
        limit *= 10;
    }
    if (i >= limit - v)
        return -1;
    snprintf(out, n, "%.*s%0*llu", (int)(len - digits), base, (int)digits,
             (unsigned long long)(v + i));
    return 0;
}

/* ---- latency histogram -------------------------------------------------------------- */

static int top_bit(uint32_t v)
{
    int b = 0;
    while (v >>= 1)
        b++;
    return b;
}

static size_t hist_index(uint32_t ms)
{
    if (ms < SPA_FLEET_HIST_EXACT)
        return ms;
    int e = top_bit(ms);    /* 7..31 */
    uint32_t sub = (ms >> (e - 6)) - 64u;
    return SPA_FLEET_HIST_EXACT + (size_t)(e - 7) * 64 + sub;
}

/* The largest value counted in bucket i. */
static uint32_t hist_upper(size_t i)
{
    if (i < SPA_FLEET_HIST_EXACT)
        return (uint32_t)i;
    size_t k = i - SPA_FLEET_HIST_EXACT;
    int e = (int)(k / 64) + 7;
    uint64_t sub = k % 64;
    return (uint32_t)(((64u + sub + 1) << (e - 6)) - 1);
}

void spa_fleet_hist_add(spa_fleet_hist *h, uint32_t ms)
{
    h->b[hist_index(ms)]++;
    h->count++;
    if (ms > h->max)
        h->max = ms;
}

uint32_t spa_fleet_hist_percentile(const spa_fleet_hist *h, double p)
{
    if (h->count == 0 || !(p > 0))
        return 0;
    if (p > 100)
        p = 100;
    /* nearest rank: ceil(p/100 * count), at least 1 */
    double r = p / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < SPA_FLEET_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint32_t u = hist_upper(i);
            return u < h->max ? u : h->max;
        }
    }
    return h->max;
}

/* ---- statistics JSON ------------------------------------------------------------------ */

bool spa_fleet_stats_failed(const spa_fleet_stats *s)
{
    return s->resync_fail + s->upgrade_fail > 0;
}

static int json_errs(const spa_fleet_stats *s, spa_buf *out)
{
    int rc = spa_buf_puts(out, ",\"failures_by_err\":{");
    bool first = true;
    for (int e = 0; e < SPA_ERR_COUNT; e++) {
        if (!s->fail_by_err[e])
            continue;
        rc |= spa_buf_puts(out, first ? "" : ",");
        rc |= spa_device_json_string(out, spa_engine_err_name((spa_engine_err)e));
        rc |= spa_buf_printf(out, ":%llu", (unsigned long long)s->fail_by_err[e]);
        first = false;
    }
    return rc | spa_buf_putc(out, '}');
}

int spa_fleet_stats_json(const spa_fleet_stats *s, spa_buf *out)
{
    const spa_fleet_hist *h = &s->latency;
    double per_s = s->real_s > 0 ? (double)s->resync_ok / s->real_s : 0;
    int rc = spa_buf_printf(out, "{\"devices\":%llu,\"powered\":%llu,\"model\":",
                            (unsigned long long)s->devices, (unsigned long long)s->powered);
    rc |= spa_device_json_string(out, s->model ? s->model : "");
    rc |= spa_buf_printf(out, ",\"time_scale\":%g,\"elapsed\":{\"real_s\":%.3f,\"device_s\":%.3f}",
                         s->time_scale, s->real_s, s->device_s);
    rc |= spa_buf_printf(out,
                         ",\"resyncs\":{\"attempted\":%llu,\"succeeded\":%llu,\"failed\":%llu,"
                         "\"succeeded_per_s\":%.1f},\"units_synced\":%llu",
                         (unsigned long long)s->resyncs, (unsigned long long)s->resync_ok,
                         (unsigned long long)s->resync_fail, per_s,
                         (unsigned long long)s->synced);
    rc |= json_errs(s, out);
    rc |= spa_buf_printf(out,
                         ",\"latency_ms\":{\"samples\":%llu,\"p50\":%u,\"p90\":%u,\"p99\":%u,"
                         "\"max\":%u}",
                         (unsigned long long)h->count, spa_fleet_hist_percentile(h, 50),
                         spa_fleet_hist_percentile(h, 90), spa_fleet_hist_percentile(h, 99),
                         h->max);
    rc |= spa_buf_printf(out, ",\"transfers\":%llu,\"bytes_received\":%llu",
                         (unsigned long long)s->transfers, (unsigned long long)s->bytes);
    rc |= spa_buf_printf(out, ",\"upgrades\":{\"attempted\":%llu,\"ok\":%llu,\"failed\":%llu}",
                         (unsigned long long)s->upgrades, (unsigned long long)s->upgrade_ok,
                         (unsigned long long)s->upgrade_fail);
    rc |= spa_buf_printf(out, ",\"result\":\"%s\"}", spa_fleet_stats_failed(s) ? "fail" : "ok");
    return rc ? -1 : 0;
}
