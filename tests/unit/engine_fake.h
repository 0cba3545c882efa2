/* engine_fake.h — the fake world the engine tests drive a device in: a
 * transport that records every request (the test answers them with
 * reply*()), a seeded random source, a log sink that keeps every line and a
 * reboot counter; plus a clock advanced deadline by deadline. Header-only
 * (static inline) so each test_engine*.c links it without CMake changes. */
#ifndef SPA_ENGINE_FAKE_H
#define SPA_ENGINE_FAKE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/cfg.h"
#include "spaprov/crypt.h"
#include "spaprov/engine.h"
#include "spaprov/firmware.h"
#include "spaprov/schedule.h"

#define FAKE_MAX_REQ 64
#define FAKE_MAX_LOG 512

typedef struct fake_req {
    uint32_t id;
    int purpose, method, scheme;
    char host[128];
    unsigned port;
    char path[512];
    char *body;              /* NUL-terminated copy */
    size_t blen;
    char ctype[64];
    char ua[128];
    char gpp_d_at_start[64]; /* GPP_D when the transfer started */
} fake_req;

typedef struct fake {
    fake_req req[FAKE_MAX_REQ];
    size_t nreq;
    char *log[FAKE_MAX_LOG];
    int sev[FAKE_MAX_LOG];
    size_t nlog;
    int reboots;
    int reboot_why[32];
    spa_rng rng;
    spa_engine_io io;
} fake;

typedef struct dev {
    spa_model *m;
    spa_params *p;
    spa_identity id;
    spa_engine *e;
    fake f;
    int64_t now;
} dev;

static inline int fake_start(void *ctx, spa_engine *e, const spa_xfer_request *rq)
{
    fake *f = ctx;
    assert_true(f->nreq < FAKE_MAX_REQ);
    fake_req *q = &f->req[f->nreq++];
    memset(q, 0, sizeof *q);
    q->id = rq->id;
    q->purpose = rq->purpose;
    q->method = rq->method;
    q->scheme = rq->scheme;
    snprintf(q->host, sizeof q->host, "%s", rq->host);
    q->port = rq->port;
    snprintf(q->path, sizeof q->path, "%s", rq->path);
    q->body = calloc(1, rq->body_len + 1);
    if (rq->body_len)
        memcpy(q->body, rq->body, rq->body_len);
    q->blen = rq->body_len;
    snprintf(q->ctype, sizeof q->ctype, "%s", rq->content_type ? rq->content_type : "");
    snprintf(q->ua, sizeof q->ua, "%s", rq->user_agent ? rq->user_agent : "");
    const char *gd = spa_params_get(spa_engine_params(e), "GPP_D");
    snprintf(q->gpp_d_at_start, sizeof q->gpp_d_at_start, "%s", gd ? gd : "");
    return 0;
}

static inline void fake_log(void *ctx, spa_engine *e, int sev, const char *line)
{
    fake *f = ctx;
    (void)e;
    assert_true(f->nlog < FAKE_MAX_LOG);
    f->sev[f->nlog] = sev;
    f->log[f->nlog++] = strdup(line);
}

static inline void fake_reboot(void *ctx, spa_engine *e, spa_reboot_reason why)
{
    fake *f = ctx;
    (void)e;
    if (f->reboots < 32)
        f->reboot_why[f->reboots] = (int)why;
    f->reboots++;
}

static inline dev *dev_new(const char *model, uint64_t seed)
{
    spa_diags dg;
    dev *d = calloc(1, sizeof *d);
    assert_non_null(d);
    spa_diags_init(&dg);
    d->m = spa_model_load_builtin(model, &dg);
    spa_diags_free(&dg);
    assert_non_null(d->m);
    d->p = spa_params_new(d->m);
    assert_non_null(d->p);
    memcpy(d->id.mac, "000e08aabbcc", 13);
    d->id.serial = "88012BA01234";
    d->id.ip = "192.168.1.100";
    d->id.extip = "";
    spa_rng_seed(&d->f.rng, seed);
    d->f.io.start = fake_start;
    d->f.io.log = fake_log;
    d->f.io.reboot = fake_reboot;
    d->f.io.random = spa_rng_next;
    d->f.io.random_ctx = &d->f.rng;
    d->f.io.ctx = &d->f;
    d->e = spa_engine_new(d->p, &d->id, &d->f.io, d);
    assert_non_null(d->e);
    return d;
}

static inline void dev_free(dev *d)
{
    for (size_t i = 0; i < d->f.nreq; i++)
        free(d->f.req[i].body);
    for (size_t i = 0; i < d->f.nlog; i++)
        free(d->f.log[i]);
    spa_engine_free(d->e);
    spa_params_free(d->p);
    spa_model_free(d->m);
    free(d);
}

static inline void dev_set(dev *d, const char *name, const char *value)
{
    assert_int_equal(spa_params_set(d->p, name, value, SPA_ACCESS_UNSET), 0);
    spa_engine_config_changed(d->e);
}

static inline const char *dev_get(dev *d, const char *name)
{
    const char *v = spa_params_get(d->p, name);
    assert_non_null(v);
    return v;
}

/* Tick at every deadline up to target, then at target. */
static inline void dev_advance_to(dev *d, int64_t target)
{
    for (int guard = 0; guard < 2000000; guard++) {
        int64_t t = spa_engine_next_deadline(d->e);
        if (t > target)
            break;
        if (t > d->now)
            d->now = t;
        else if (guard && t <= d->now) {
            /* something due now that cannot progress (e.g. waiting on a transfer) */
            spa_engine_tick(d->e, d->now);
            if (spa_engine_next_deadline(d->e) <= d->now)
                break;
            continue;
        }
        spa_engine_tick(d->e, d->now);
    }
    if (target > d->now)
        d->now = target;
    spa_engine_tick(d->e, d->now);
}

/* Profile_Rule = rule, no random delay, power up at 0. */
static inline void dev_boot_dev(dev *d, const char *rule)
{
    dev_set(d, "Profile_Rule", rule);
    dev_set(d, "Resync_Random_Delay", "0");
    d->now = 0;
    spa_engine_power_up(d->e, 0);
}

static inline dev *dev_boot(const char *rule, const char *unused)
{
    (void)unused;
    dev *d = dev_new("SPA2102", 1);
    dev_boot_dev(d, rule);
    return d;
}

static inline const fake_req *last_req(dev *d)
{
    assert_true(d->f.nreq > 0);
    return &d->f.req[d->f.nreq - 1];
}

static inline const char *last_log(dev *d)
{
    assert_true(d->f.nlog > 0);
    return d->f.log[d->f.nlog - 1];
}

static inline int log_contains(dev *d, const char *line)
{
    for (size_t i = 0; i < d->f.nlog; i++)
        if (strcmp(d->f.log[i], line) == 0)
            return 1;
    return 0;
}

static inline void reply_full(dev *d, int status, const char *servip, const void *body,
                              size_t len)
{
    spa_xfer_result r;
    memset(&r, 0, sizeof r);
    r.status = (spa_xfer_status)status;
    r.http_code = status == SPA_XFER_HTTP_ERROR ? 500 : 200;
    r.servip = servip;
    r.body = body;
    r.len = len;
    assert_int_equal(spa_engine_on_transfer_done(d->e, last_req(d)->id, &r, d->now), 0);
}

static inline void reply(dev *d, int status, const void *body, size_t len)
{
    reply_full(d, status, NULL, body, len);
}

static inline void reply_text(dev *d, const char *text)
{
    reply_full(d, SPA_XFER_OK, NULL, text, strlen(text));
}

static inline void reply_servip(dev *d, const char *ip, const char *text)
{
    reply_full(d, SPA_XFER_OK, ip, text, strlen(text));
}

/* $NAME as the engine sees it now. */
static inline const char *dev_macro(dev *d, const char *name)
{
    static char out[256];
    spa_macro_state st;
    spa_macro_env env;
    spa_buf b;
    char ref[64];
    spa_engine_macro_state(d->e, d->now, &st);
    env.params = d->p;
    env.id = spa_engine_identity(d->e);
    env.state = &st;
    snprintf(ref, sizeof ref, "$(%s)", name);
    spa_buf_init(&b);
    assert_int_equal(spa_macro_expand_env(ref, &env, 0, &b), 0);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    spa_buf_free(&b);
    return out;
}

static inline long dev_macro_int(dev *d, const char *name)
{
    return strtol(dev_macro(d, name), NULL, 10);
}

/* XML → container targeted at mac (spc --target). */
static inline void pack_targeted(const char *xml, const char *mac, spa_buf *out)
{
    spa_cfg_opts o;
    char why[128];
    memset(&o, 0, sizeof o);
    o.target = mac;
    o.xml = true;
    spa_buf_init(out);
    assert_int_equal(spa_cfg_pack(NULL, xml, strlen(xml), &o, out, why, sizeof why), 0);
}

/* XML → gzip → openssl enc -aes-256-cbc -md md5 -k key. */
static inline void pack_openssl(const char *xml, const char *key, spa_buf *out)
{
    spa_buf gz;
    spa_buf_init(&gz);
    spa_buf_init(out);
    assert_int_equal(spa_gzip(NULL, xml, strlen(xml), 6, &gz), 0);
    assert_int_equal(spa_openssl_encrypt(NULL, gz.data, gz.len, key, SPA_MD_MD5, NULL, out), 0);
    spa_buf_free(&gz);
}

/* A firmware image for model at version. */
static inline void make_image(const char *model, const char *version, spa_buf *out)
{
    char why[128];
    char payload[64];
    snprintf(payload, sizeof payload, "firmware %s for %s", version, model);
    spa_buf_init(out);
    assert_int_equal(spa_fw_build(model, version, payload, strlen(payload), out, why, sizeof why), 0);
}

#endif
