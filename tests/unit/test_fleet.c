/* test_fleet.c — spasim's fleet mode (include/spaprov/fleet.h): MAC and
 * serial sequencing with their limits, the latency histogram's
 * percentiles (exact below 128 ms, within 1/64 above, never above the
 * maximum), the statistics JSON, and a small fleet run against an
 * in-process HTTP server on loopback with a scaled clock (periodic resyncs,
 * every unit heard, flash saved under --state, a dead port counted by ERR,
 * a restart from --state that ignores the staging profile). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <event2/event.h>
#include "testutil.h"
#include "spaprov/fleet.h"
#include "spaprov/http.h"

static void test_mac_sequence(void **s)
{
    (void)s;
    char m[13];
    assert_int_equal(spa_fleet_mac("000e08000000", 0, m), 0);
    assert_string_equal(m, "000e08000000");
    assert_int_equal(spa_fleet_mac("00:0E:08:00:00:ff", 1, m), 0);
    assert_string_equal(m, "000e08000100");
    assert_int_equal(spa_fleet_mac("000e08ffffff", 1, m), 0);
    assert_string_equal(m, "000e09000000");         /* carries into the OUI bytes */
    assert_int_equal(spa_fleet_mac("000e08000000", 99999, m), 0);
    assert_string_equal(m, "000e0801869f");
    assert_int_equal(spa_fleet_mac("fffffffffffe", 1, m), 0);
    assert_string_equal(m, "ffffffffffff");
    assert_int_equal(spa_fleet_mac("fffffffffffe", 2, m), -1);
    assert_int_equal(spa_fleet_mac("000e08", 0, m), -1);
    assert_int_equal(spa_fleet_mac("zz0e08000000", 0, m), -1);
    assert_int_equal(spa_fleet_mac(NULL, 0, m), -1);
}

static void test_serial_sequence(void **s)
{
    (void)s;
    char sn[SPA_FLEET_SERIAL_MAX];
    assert_int_equal(spa_fleet_serial(SPA_FLEET_SERIAL_BASE, 7, sn, sizeof sn), 0);
    assert_string_equal(sn, "FLT000000007");
    assert_int_equal(spa_fleet_serial("88012BA01234", 10, sn, sizeof sn), 0);
    assert_string_equal(sn, "88012BA01244");
    assert_int_equal(spa_fleet_serial("SN9998", 1, sn, sizeof sn), 0);
    assert_string_equal(sn, "SN9999");
    assert_int_equal(spa_fleet_serial("SN9998", 2, sn, sizeof sn), -1);   /* past the width */
    assert_int_equal(spa_fleet_serial("42", 57, sn, sizeof sn), 0);
    assert_string_equal(sn, "99");
    assert_int_equal(spa_fleet_serial("SERIAL", 0, sn, sizeof sn), -1);   /* no number */
    assert_int_equal(spa_fleet_serial("", 0, sn, sizeof sn), -1);
    assert_int_equal(spa_fleet_serial("A B1", 0, sn, sizeof sn), -1);
    assert_int_equal(spa_fleet_serial("FLT000000000", 0, sn, 8), -1);     /* does not fit */
}

static void test_percentiles(void **s)
{
    (void)s;
    spa_fleet_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    assert_int_equal(spa_fleet_hist_percentile(h, 50), 0);
    for (uint32_t v = 1; v <= 100; v++)
        spa_fleet_hist_add(h, v);
    assert_int_equal(h->count, 100);
    assert_int_equal(spa_fleet_hist_percentile(h, 50), 50);    /* nearest rank, exact */
    assert_int_equal(spa_fleet_hist_percentile(h, 90), 90);
    assert_int_equal(spa_fleet_hist_percentile(h, 99), 99);
    assert_int_equal(spa_fleet_hist_percentile(h, 100), 100);
    assert_int_equal(spa_fleet_hist_percentile(h, 0.5), 1);
    assert_int_equal(spa_fleet_hist_percentile(h, 0), 0);
    /* one slow outlier: p99 stays, max moves */
    spa_fleet_hist_add(h, 30000);
    assert_int_equal(h->max, 30000);
    assert_int_equal(spa_fleet_hist_percentile(h, 99), 100);
    assert_int_equal(spa_fleet_hist_percentile(h, 100), 30000);
    memset(h, 0, sizeof *h);
    /* large values: within 1/64 above the true one, never above the max */
    uint32_t vals[] = { 128, 129, 1000, 4095, 65536, 1234567, 4294967295u };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        memset(h, 0, sizeof *h);
        spa_fleet_hist_add(h, vals[i]);
        spa_fleet_hist_add(h, 0);
        spa_fleet_hist_add(h, 4294967295u);
        uint32_t p = spa_fleet_hist_percentile(h, 60);
        assert_true(p >= vals[i]);
        assert_true((double)p <= (double)vals[i] * (1 + 1.0 / 64) + 1);
    }
    /* a skewed distribution: 90 fast, 10 slow */
    memset(h, 0, sizeof *h);
    for (int i = 0; i < 90; i++)
        spa_fleet_hist_add(h, 5);
    for (int i = 0; i < 10; i++)
        spa_fleet_hist_add(h, 2000);
    assert_int_equal(spa_fleet_hist_percentile(h, 50), 5);
    assert_int_equal(spa_fleet_hist_percentile(h, 90), 5);
    uint32_t p91 = spa_fleet_hist_percentile(h, 91);
    assert_true(p91 >= 2000 && p91 <= 2000);   /* clamped to the max */
    free(h);
}

static void test_stats_json(void **s)
{
    (void)s;
    spa_fleet_stats *st = calloc(1, sizeof *st);
    spa_buf b;
    assert_non_null(st);
    st->devices = 3;
    st->powered = 3;
    st->synced = 2;
    st->model = "SPA2102";
    st->time_scale = 60;
    st->real_s = 2;
    st->device_s = 120;
    st->resyncs = 9;
    st->resync_ok = 6;
    st->resync_fail = 2;
    st->fail_by_err[SPA_ERR_TIMEOUT] = 1;
    st->fail_by_err[SPA_ERR_FNF] = 1;
    st->transfers = 8;
    st->bytes = 4096;
    st->upgrades = 1;
    st->upgrade_ok = 1;
    for (uint32_t v = 10; v <= 100; v += 10)
        spa_fleet_hist_add(&st->latency, v);
    spa_buf_init(&b);
    assert_int_equal(spa_fleet_stats_json(st, &b), 0);
    assert_string_equal(
        b.data,
        "{\"devices\":3,\"powered\":3,\"model\":\"SPA2102\",\"time_scale\":60,"
        "\"elapsed\":{\"real_s\":2.000,\"device_s\":120.000},"
        "\"resyncs\":{\"attempted\":9,\"succeeded\":6,\"failed\":2,\"succeeded_per_s\":3.0},"
        "\"units_synced\":2,"
        "\"failures_by_err\":{\"file not found\":1,\"timeout\":1},"
        "\"latency_ms\":{\"samples\":10,\"p50\":50,\"p90\":90,\"p99\":100,\"max\":100},"
        "\"transfers\":8,\"bytes_received\":4096,"
        "\"upgrades\":{\"attempted\":1,\"ok\":1,\"failed\":0},\"result\":\"fail\"}");
    assert_true(spa_fleet_stats_failed(st));
    st->resync_fail = 0;
    memset(st->fail_by_err, 0, sizeof st->fail_by_err);
    assert_false(spa_fleet_stats_failed(st));
    spa_buf_reset(&b);
    assert_int_equal(spa_fleet_stats_json(st, &b), 0);
    assert_non_null(strstr(b.data, "\"failures_by_err\":{},"));
    assert_non_null(strstr(b.data, "\"result\":\"ok\"}"));
    st->upgrade_fail = 1;
    assert_true(spa_fleet_stats_failed(st));
    spa_buf_free(&b);
    free(st);
}

/* ---- a small fleet against an in-process server ----------------------------------- */

#define RUN_UNITS 20

typedef struct srv {
    unsigned hits[RUN_UNITS];
    unsigned other;
} srv;

static void handler(spa_http_req *rq, void *arg)
{
    srv *sv = arg;
    const char *p = spa_http_req_path(rq);
    static const char body[] =
        "<flat-profile><Resync_Periodic>10</Resync_Periodic><GPP_C>fleet</GPP_C></flat-profile>";
    unsigned long i;
    char *end;
    /* /spa000e0800aa00.cfg: unit i = MAC - 000e0800aa00 */
    if (strncmp(p, "/spa000e0800", 12) == 0 && (i = strtoul(p + 12, &end, 16) - 0xaa00,
                                                 strcmp(end, ".cfg") == 0 && i < RUN_UNITS)) {
        sv->hits[i]++;
        spa_http_reply(rq, 200, "text/xml", body, sizeof body - 1);
        return;
    }
    sv->other++;
    spa_http_reply(rq, 404, "text/plain", "no\n", 3);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

/* Run a fleet on base (which also runs the server) for real_ms at most, or
 * until every unit had `until` successful resyncs. */
static void run_fleet(struct event_base *base, const char *stage_path, const char *state,
                      unsigned real_ms, uint32_t until, spa_fleet_stats *st)
{
    spa_diags d;
    spa_fleet_opts o;
    memset(&o, 0, sizeof o);
    o.devices = RUN_UNITS;
    o.mac_base = "000e0800aa00";
    o.time_scale = 100;
    o.profile_file = stage_path;
    o.state_dir = state;
    o.seed = 42;
    o.timeout_ms = 5000;
    o.until_resyncs = until;
    spa_diags_init(&d);
    spa_fleet *f = spa_fleet_new(base, &o, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    assert_non_null(f);
    struct event *stop = evtimer_new(base, stop_cb, base);
    struct timeval tv = { (time_t)(real_ms / 1000), (suseconds_t)(real_ms % 1000) * 1000 };
    evtimer_add(stop, &tv);
    spa_fleet_start(f);
    event_base_dispatch(base);
    spa_fleet_stop(f);
    spa_fleet_get_stats(f, st);
    spa_fleet_free(f);   /* saves every unit's flash under state */
    event_free(stop);
}

static void test_fleet_run(void **s)
{
    (void)s;
    char dir[256], state[300], xml[512], stage[400], file[600];
    srv sv;
    spa_diags d;
    spa_http_server_opts so;
    spa_buf b;
    struct event_base *base = event_base_new();
    spa_fleet_stats *st = calloc(1, sizeof *st);
    assert_non_null(base);
    assert_non_null(st);
    memset(&sv, 0, sizeof sv);
    memset(&so, 0, sizeof so);
    spa_diags_init(&d);
    spa_buf_init(&b);
    tu_tmpdir(dir, sizeof dir);
    spa_http_server *hs = spa_http_server_new(base, &so, handler, &sv, &d);
    assert_non_null(hs);

    /* 1. a 100x clock: the power-up resync, then every 10 device seconds,
     * until every unit had 3 (at most 30 s real: never reached on a sane host) */
    snprintf(xml, sizeof xml,
             "<flat-profile><Profile_Rule>http://127.0.0.1:%u/spa$MA.cfg</Profile_Rule>"
             "<Resync_Random_Delay>1</Resync_Random_Delay></flat-profile>",
             (unsigned)spa_http_server_port(hs));
    tu_write(dir, "stage.xml", xml, stage, sizeof stage);
    snprintf(state, sizeof state, "%s/state", dir);
    run_fleet(base, stage, state, 30000, 3, st);
    assert_int_equal(st->devices, RUN_UNITS);
    assert_int_equal(st->powered, RUN_UNITS);
    assert_int_equal(st->synced, RUN_UNITS);
    assert_int_equal(st->resync_fail, 0);
    assert_true(st->resync_ok >= 3 * RUN_UNITS);
    assert_true(st->resyncs >= st->resync_ok);
    assert_int_equal(st->latency.count, st->resync_ok);   /* one sample per finished sequence */
    assert_true(st->bytes > 0 && st->transfers >= st->resync_ok);
    assert_true(st->device_s > 50 * st->real_s);          /* the scaled clock */
    assert_false(spa_fleet_stats_failed(st));
    assert_int_equal(sv.other, 0);
    for (int i = 0; i < RUN_UNITS; i++)
        assert_true(sv.hits[i] >= 3);
    /* every unit's flash: the served value and its counters */
    snprintf(file, sizeof file, "%s/000e0800aa13/config.xml", state);
    assert_int_equal(spa_read_file(file, &b, &d), 0);
    assert_non_null(strstr(b.data, "<GPP_C ua=\"na\">fleet</GPP_C>"));
    assert_non_null(strstr(b.data, "<Resync_Periodic ua=\"na\">10</Resync_Periodic>"));
    spa_buf_reset(&b);
    snprintf(file, sizeof file, "%s/000e0800aa00/device.state", state);
    assert_int_equal(spa_read_file(file, &b, &d), 0);
    assert_non_null(strstr(b.data, "\nboots=1\n"));

    /* 2. a dead port: every failure counted as "connect failed" */
    snprintf(xml, sizeof xml,
             "<flat-profile><Profile_Rule>http://127.0.0.1:1/spa$MA.cfg</Profile_Rule>"
             "<Resync_Random_Delay>0</Resync_Random_Delay>"
             "<Resync_Error_Retry_Delay>10</Resync_Error_Retry_Delay></flat-profile>");
    tu_write(dir, "dead.xml", xml, stage, sizeof stage);
    run_fleet(base, stage, NULL, 600, 0, st);
    assert_int_equal(st->resync_ok, 0);
    assert_true(st->resync_fail >= RUN_UNITS);
    assert_int_equal(st->fail_by_err[SPA_ERR_CONNECT], st->resync_fail);
    assert_true(spa_fleet_stats_failed(st));

    /* 3. a restart on the same --state: the saved flash wins over the
     * staging profile (the dead port), so every unit resyncs with the server */
    memset(&sv, 0, sizeof sv);
    run_fleet(base, stage, state, 30000, 1, st);
    assert_int_equal(st->resync_fail, 0);
    assert_int_equal(st->synced, RUN_UNITS);
    assert_int_equal(sv.other, 0);
    spa_buf_reset(&b);
    snprintf(file, sizeof file, "%s/000e0800aa00/device.state", state);
    assert_int_equal(spa_read_file(file, &b, &d), 0);
    assert_non_null(strstr(b.data, "\nboots=2\n"));

    spa_http_server_free(hs);
    event_base_free(base);
    spa_diags_free(&d);
    spa_buf_free(&b);
    tu_rmtree(dir);
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac_sequence),
        cmocka_unit_test(test_serial_sequence),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_stats_json),
        cmocka_unit_test(test_fleet_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
