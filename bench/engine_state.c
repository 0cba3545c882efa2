/* engine_state.c — what one emulated device costs: the engine's struct, its
 * cached triggers and its parameter store (overrides only; the model is
 * shared), for a typical provisioned unit; the devices-per-GiB estimate that
 * follows (target: 100,000 per GiB, i.e. ~10 KiB each); and the cost of one
 * idle tick (a fleet loop ticks every device once a second).
 * Usage: engine_state [devices, default 10000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "spaprov/engine.h"
#include "spaprov/model.h"

static int b_start(void *ctx, spa_engine *e, const spa_xfer_request *rq)
{
    (void)ctx;
    *(uint32_t *)spa_engine_user(e) = rq->id;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A typical provisioned unit's overrides. */
static void provision(spa_params *p, size_t i)
{
    char v[96];
    snprintf(v, sizeof v, "[--key $SA] https://prov.example.com/cfg/$MA.cfg");
    spa_params_set(p, "Profile_Rule", v, SPA_ACCESS_UNSET);
    spa_params_set(p, "Resync_Periodic", "3600+600", SPA_ACCESS_UNSET);
    spa_params_set(p, "Resync_Error_Retry_Delay", "1800+300,3600+600,7200+900", SPA_ACCESS_UNSET);
    spa_params_set(p, "Resync_Trigger_1", "$REGTMR1 gt 300 and $PRVTMR ge 600", SPA_ACCESS_UNSET);
    spa_params_set(p, "GPP_SA", "0123456789abcdef0123456789abcdef", SPA_ACCESS_UNSET);
    snprintf(v, sizeof v, "1408555%04zu", i % 10000);
    spa_params_set(p, "User_ID_1_", v, SPA_ACCESS_UNSET);
    spa_params_set(p, "Password_1_", "s3cr3t-password", SPA_ACCESS_UNSET);
    spa_params_set(p, "Proxy_1_", "sip.example.com", SPA_ACCESS_UNSET);
    spa_params_set(p, "Display_Name_1_", "Subscriber", SPA_ACCESS_UNSET);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    spa_diags d;
    spa_engine_io io = { b_start, NULL, NULL, NULL, NULL, NULL };
    spa_model *m;
    spa_params **ps;
    spa_engine **es;
    uint32_t *ids;
    size_t eng_bytes = 0, par_bytes = 0;

    spa_diags_init(&d);
    m = spa_model_load_builtin("SPA2102", &d);
    spa_diags_free(&d);
    ps = calloc(n, sizeof *ps);
    es = calloc(n, sizeof *es);
    ids = calloc(n, sizeof *ids);
    if (!m || !ps || !es || !ids || n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        spa_identity id;
        memset(&id, 0, sizeof id);
        snprintf(id.mac, sizeof id.mac, "000e08%06x", (unsigned)(i & 0xFFFFFFu));
        id.serial = "88012BA01234";
        if (!(ps[i] = spa_params_new(m)))
            return 1;
        provision(ps[i], i);
        if (!(es[i] = spa_engine_new(ps[i], &id, &io, &ids[i])))
            return 1;
        spa_engine_power_up(es[i], 0);
        /* the power-up resync: an empty profile, so the device is synced */
        spa_xfer_result r = { SPA_XFER_OK, 200, NULL, "<flat-profile/>", 15 };
        spa_engine_on_transfer_done(es[i], ids[i], &r, 0);
    }
    for (size_t i = 0; i < n; i++) {
        eng_bytes += spa_engine_memory(es[i]);
        par_bytes += spa_params_memory(ps[i]);
    }
    double per = (double)(eng_bytes + par_bytes) / (double)n;
    printf("sizeof(struct spa_engine)         %zu bytes\n", spa_engine_struct_size());
    printf("engine incl. cached triggers      %.0f bytes/device\n", (double)eng_bytes / (double)n);
    printf("parameter overrides               %.0f bytes/device\n", (double)par_bytes / (double)n);
    printf("total per device                  %.0f bytes\n", per);
    printf("devices per GiB (state only)      %.0f (target 100000)\n", 1073741824.0 / per);

    /* idle ticks: nothing due except the once-a-second trigger evaluation */
    double t0 = now_s();
    int64_t ms = 1000;
    size_t ticks = 0;
    for (int s = 0; s < 5; s++, ms += 1000)
        for (size_t i = 0; i < n; i++, ticks++)
            spa_engine_tick(es[i], ms);
    double dt = now_s() - t0;
    printf("ticks with a Resync_Trigger       %.0f per second\n", (double)ticks / dt);

    for (size_t i = 0; i < n; i++) {
        spa_engine_free(es[i]);
        spa_params_free(ps[i]);
    }
    free(es);
    free(ps);
    free(ids);
    spa_model_free(m);
    return 0;
}
