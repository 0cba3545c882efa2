/* fuzz_engine_apply.c — libFuzzer target for the device side of a resync:
 * the input is a fetched profile handed to a powered-up engine, so it runs
 * through the content-sniffing decode (container / Salted__ / gzip / XML /
 * text), the parsers (with and without an alias map), the atomic apply and
 * whatever the applied values then make the engine do (a reboot, the next
 * rule, an upgrade check, a report of the resulting configuration). The
 * first input byte picks the options; the rest is the body. The model is
 * loaded once (the harness's only static state). The invariants checked:
 * no crash or leak, no secret in a log line, and a fetch that fails to
 * decode or parse leaves the configuration untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/engine.h"
#include "spaprov/model.h"
#include "spaprov/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct world {
    uint32_t last_id;
    unsigned started;
    int input_has_secret;   /* the profile itself wrote the text: not a leak */
} world;

static int w_start(void *ctx, spa_engine *e, const spa_xfer_request *rq)
{
    world *w = ctx;
    (void)e;
    w->last_id = rq->id;
    w->started++;
    return 0;
}

static void w_log(void *ctx, spa_engine *e, int sev, const char *line)
{
    const world *w = ctx;
    (void)e;
    (void)sev;
    if (!w->input_has_secret && strstr(line, "fuzz-secret-SA"))
        __builtin_trap();   /* GPP_SA must never reach a log line */
}

static spa_model *fuzz_model(void)
{
    static spa_model *m;
    if (!m) {
        spa_diags d;
        spa_diags_init(&d);
        m = spa_model_load_builtin("SPA2102", &d);
        spa_diags_free(&d);
    }
    return m;
}

static const char *const rules[4] = {
    "http://p.example.com/spa$MA.cfg",
    "[--key $SA] http://p.example.com/enc.cfg",
    "[--alias m] http://p.example.com/acct.xml",
    "[--key fuzzkey --alias m] tftp://10.0.0.1/x.cfg",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_model *m = fuzz_model();
    world w = { 0, 0, 0 };
    spa_engine_io io = { w_start, w_log, NULL, NULL, NULL, &w };
    spa_identity id;
    spa_params *p;
    spa_engine *e;
    spa_xfer_result r;

    if (!m || size < 1)
        return 0;
    if (!(p = spa_params_new(m)))
        return 0;
    w.input_has_secret = memmem(data, size, "fuzz-secret-SA", 14) != NULL;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, "000e08aabbcc", 13);
    id.serial = "88012BA01234";
    spa_params_set(p, "Profile_Rule", rules[data[0] & 3], SPA_ACCESS_UNSET);
    spa_params_set(p, "Resync_Random_Delay", "0", SPA_ACCESS_UNSET);
    spa_params_set(p, "GPP_SA", "fuzz-secret-SA", SPA_ACCESS_UNSET);
    spa_params_set(p, "GPP_M", "/CPE/name = /flat-profile/Display_Name_1_ ;"
                               "/number = /flat-profile/User_ID_1_ ;", SPA_ACCESS_UNSET);
    if (data[0] & 4)
        spa_params_set(p, "Report_Rule", "[--key $SA] http://r.example.com/rep", SPA_ACCESS_UNSET);
    if (!(e = spa_engine_new(p, &id, &io, NULL))) {
        spa_params_free(p);
        return 0;
    }
    spa_engine_power_up(e, 0);
    if (w.started == 1) {
        size_t before = spa_params_override_count(p);
        memset(&r, 0, sizeof r);
        r.status = SPA_XFER_OK;
        r.body = data + 1;
        r.len = size - 1;
        if (spa_engine_on_transfer_done(e, w.last_id, &r, 1000) != 0)
            __builtin_trap();
        spa_engine_status st;
        spa_engine_get_status(e, &st);
        static const char *const decode_errs[] = {
            "corrupt file", "wrong key", "no key", "profile syntax error", "file too large",
            "bad alias map",
        };
        for (size_t i = 0; i < sizeof decode_errs / sizeof decode_errs[0]; i++)
            if (strcmp(st.err, decode_errs[i]) == 0 && spa_params_override_count(p) != before)
                __builtin_trap();   /* a fetch that failed to decode changed something */
        if (data[0] & 4)
            (void)spa_engine_request_report(e, 2000);
        for (int64_t t = 2000; t < 10000; t += 1000)
            spa_engine_tick(e, t);
    }
    spa_engine_free(e);
    spa_params_free(p);
    return 0;
}
