/* fleet.c — spasim's fleet mode: N units of one model on one event_base.
 * Per unit only what differs is kept: its engine, its parameter overrides,
 * MAC, serial and a timer-heap slot (~100 bytes besides the engine and
 * store). The model, the transports (spa_device_net), the random source and
 * the clock are shared: one binary heap of engine deadlines drives one
 * libevent timer, so an idle unit costs no event. The device clock runs
 * time_scale times faster than real time (a deadline d ms ahead fires after
 * d/time_scale real ms), while transfer timeouts stay real. Transfers
 * beyond max_xfers wait in a FIFO so a burst cannot exhaust descriptors.
 * docs/spasim.md, "Fleet". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include "spaprov/device.h"
#include "spaprov/fleet.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/schedule.h"

#define NO_POS UINT32_MAX
#define FLEET_BATCH 20000          /* units ticked per timer callback */
#define FLEET_RAMP_STEP_US 10000   /* --ramp: power-ups every 10 ms */
#define FLEET_MAX_XFERS 256        /* default transfers at once */

typedef struct fleet_unit {
    spa_engine *engine;
    spa_params *params;
    spa_device_state *flash;       /* --state: what earlier runs left (else NULL) */
    char *cert_pem;                /* certificate issued in memory, or NULL */
    int64_t deadline;              /* device ms, SPA_ENGINE_NEVER when not in the heap */
    uint32_t heap_pos;
    uint32_t seq_ms;               /* network time of the resync sequence under way */
    char mac[13];
    char serial[SPA_FLEET_SERIAL_MAX];
} fleet_unit;

typedef struct fleet_xfer {
    struct fleet_xfer *next;       /* waiting queue, or the running list */
    struct fleet_xfer *prev;       /* running list */
    spa_fleet *f;
    uint32_t unit;
    spa_xfer_purpose purpose;
    int64_t started_us;
    spa_xfer_request rq;           /* a waiting request: strings in blob */
    char *blob;
} fleet_xfer;

struct spa_fleet {
    struct event_base *base;
    spa_model *model;
    spa_device_net *net;
    spa_fleet_certs *certs;
    spa_engine_io io;
    spa_rng rng;
    fleet_unit *units;
    uint32_t n, powered;
    uint32_t until, reached;       /* --until-resyncs and the units there */
    uint32_t *heap;
    uint32_t heap_n;
    struct event *timer, *ramp_ev;
    int64_t armed;                 /* deadline the timer is set for */
    fleet_xfer *q_head, *q_tail;   /* waiting, oldest first */
    fleet_xfer *running;           /* started, not yet done */
    unsigned queued, inflight, max_xfers;
    double scale, ramp;
    int64_t real0_us, stop_us, dev0;
    bool started, stopped, verbose;
    char *state_dir, *syslog;
    uint64_t transfers, bytes;
    spa_fleet_hist hist;
    uint64_t last_ok;              /* progress rate */
    int64_t last_us;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Device time (ms): real time since start, time_scale times faster. */
static int64_t dev_now(const spa_fleet *f)
{
    if (!f->started)
        return f->dev0;
    int64_t real = (f->stopped ? f->stop_us : mono_us()) - f->real0_us;
    return f->dev0 + (int64_t)((double)real * f->scale / 1000.0);
}

static uint32_t unit_index(const spa_fleet *f, const spa_engine *e)
{
    return (uint32_t)((const fleet_unit *)spa_engine_user(e) - f->units);
}

/* ---- timer heap ---------------------------------------------------------------------- */

static void heap_put(spa_fleet *f, uint32_t pos, uint32_t u)
{
    f->heap[pos] = u;
    f->units[u].heap_pos = pos;
}

static void sift_up(spa_fleet *f, uint32_t pos)
{
    uint32_t u = f->heap[pos];
    int64_t dl = f->units[u].deadline;
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (f->units[f->heap[parent]].deadline <= dl)
            break;
        heap_put(f, pos, f->heap[parent]);
        pos = parent;
    }
    heap_put(f, pos, u);
}

static void sift_down(spa_fleet *f, uint32_t pos)
{
    uint32_t u = f->heap[pos];
    int64_t dl = f->units[u].deadline;
    for (;;) {
        uint32_t c = 2 * pos + 1;
        if (c >= f->heap_n)
            break;
        if (c + 1 < f->heap_n && f->units[f->heap[c + 1]].deadline < f->units[f->heap[c]].deadline)
            c++;
        if (f->units[f->heap[c]].deadline >= dl)
            break;
        heap_put(f, pos, f->heap[c]);
        pos = c;
    }
    heap_put(f, pos, u);
}

static void heap_remove(spa_fleet *f, uint32_t u)
{
    uint32_t pos = f->units[u].heap_pos, last = f->heap[--f->heap_n];
    f->units[u].heap_pos = NO_POS;
    if (last == u)
        return;
    heap_put(f, pos, last);
    sift_up(f, pos);
    sift_down(f, f->units[last].heap_pos);
}

static void arm(spa_fleet *f)
{
    if (f->stopped || f->heap_n == 0) {
        if (f->timer)
            evtimer_del(f->timer);
        f->armed = SPA_ENGINE_NEVER;
        return;
    }
    int64_t dl = f->units[f->heap[0]].deadline, now = dev_now(f);
    double wait_us = dl > now ? (double)(dl - now) * 1000.0 / f->scale : 0;
    if (wait_us > 3600e6)
        wait_us = 3600e6;   /* re-checked hourly: no overflow of timeval */
    int64_t w = (int64_t)wait_us + 1;
    struct timeval tv = { (time_t)(w / 1000000), (suseconds_t)(w % 1000000) };
    evtimer_add(f->timer, &tv);
    f->armed = dl;
}

/* Put unit u at its engine's next deadline (out of the heap when none). */
static void reschedule(spa_fleet *f, uint32_t u)
{
    fleet_unit *x = &f->units[u];
    int64_t dl = spa_engine_next_deadline(x->engine);
    if (dl == SPA_ENGINE_NEVER) {
        if (x->heap_pos != NO_POS)
            heap_remove(f, u);
        x->deadline = dl;
        return;
    }
    int64_t old = x->deadline;
    x->deadline = dl;
    if (x->heap_pos == NO_POS) {
        f->heap_n++;
        heap_put(f, f->heap_n - 1, u);
        sift_up(f, f->heap_n - 1);
    } else if (dl < old) {
        sift_up(f, x->heap_pos);
    } else {
        sift_down(f, x->heap_pos);
    }
    if (dl < f->armed)
        arm(f);
}

/* ---- transfers ---------------------------------------------------------------------- */

static void pump(spa_fleet *f);

/* --until-resyncs: count a unit reaching the target once; all there → leave the loop. */
static void note_ok(spa_fleet *f, const fleet_unit *x, uint32_t ok_before)
{
    uint32_t ok = spa_engine_get_stats(x->engine)->resync_ok;
    if (f->until && ok_before < f->until && ok >= f->until && ++f->reached == f->n)
        event_base_loopexit(f->base, NULL);
}

/* A resync sequence ended: its network time is one latency sample. */
static void unit_done(spa_fleet *f, uint32_t u, uint32_t id, const spa_xfer_result *r)
{
    fleet_unit *x = &f->units[u];
    const spa_engine_stats *s = spa_engine_get_stats(x->engine);
    uint32_t before = s->resync_ok + s->resync_fail, ok = s->resync_ok;
    spa_engine_on_transfer_done(x->engine, id, r, dev_now(f));
    if (s->resync_ok + s->resync_fail != before) {
        spa_fleet_hist_add(&f->hist, x->seq_ms);
        x->seq_ms = 0;
    }
    note_ok(f, x, ok);
    reschedule(f, u);
}

static void running_unlink(spa_fleet *f, fleet_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        f->running = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static void xfer_done(void *arg, uint32_t id, const spa_xfer_result *r)
{
    fleet_xfer *x = arg;
    spa_fleet *f = x->f;
    uint32_t u = x->unit;
    running_unlink(f, x);
    f->inflight--;
    f->transfers++;
    if (r->status == SPA_XFER_OK)
        f->bytes += r->len;
    if (x->purpose == SPA_PURPOSE_RESYNC) {
        int64_t ms = (mono_us() - x->started_us) / 1000;
        uint64_t sum = (uint64_t)f->units[u].seq_ms + (uint64_t)(ms > 0 ? ms : 0);
        f->units[u].seq_ms = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    }
    free(x);
    unit_done(f, u, id, r);
    pump(f);
}

/* Start rq for x now (x is the transport's callback argument); 0 or -1. */
static int launch(spa_fleet *f, fleet_xfer *x, const spa_xfer_request *rq)
{
    SSL_CTX *tls = NULL;
    fleet_unit *u = &f->units[x->unit];
    if (rq->scheme == SPA_SCHEME_HTTPS && f->certs) {
        spa_diags d;
        spa_diags_init(&d);
        tls = spa_fleet_certs_ctx(f->certs, u->mac, u->serial, &u->cert_pem, &d);
        spa_diags_print(&d, stderr);
        spa_diags_free(&d);
        if (!tls)
            return -1;
    }
    x->started_us = mono_us();
    int rc = spa_device_net_start_tls(f->net, rq, tls, xfer_done, x);
    if (tls)
        SSL_CTX_free(tls);
    if (rc == 0) {
        f->inflight++;
        x->prev = NULL;
        x->next = f->running;
        if (f->running)
            f->running->prev = x;
        f->running = x;
    }
    return rc;
}

/* Copy rq into x (its strings and body in one block) to start it later. */
static int keep_request(fleet_xfer *x, const spa_xfer_request *rq)
{
    const char *s[4] = { rq->host, rq->path ? rq->path : "/", rq->user_agent ? rq->user_agent : "",
                         rq->content_type ? rq->content_type : "" };
    size_t len[4], total = rq->body_len;
    for (int i = 0; i < 4; i++)
        total += (len[i] = strlen(s[i])) + 1;
    if (!(x->blob = malloc(total)))
        return -1;
    x->rq = *rq;
    char *p = x->blob;
    const char **dst[4] = { &x->rq.host, &x->rq.path, &x->rq.user_agent, &x->rq.content_type };
    for (int i = 0; i < 4; i++) {
        memcpy(p, s[i], len[i] + 1);
        *dst[i] = p;
        p += len[i] + 1;
    }
    if (!rq->content_type)
        x->rq.content_type = NULL;
    x->rq.body = rq->body_len ? p : NULL;
    if (rq->body_len)
        memcpy(p, rq->body, rq->body_len);
    return 0;
}

static void xfer_free_waiting(fleet_xfer *x)
{
    free(x->blob);
    free(x);
}

/* Start waiting transfers while there is room; one that cannot start ends
 * as "connect failed" for its unit. */
static void pump(spa_fleet *f)
{
    while (f->q_head && !f->stopped && f->inflight < f->max_xfers) {
        fleet_xfer *x = f->q_head;
        if (!(f->q_head = x->next))
            f->q_tail = NULL;
        f->queued--;
        x->next = NULL;
        int rc = launch(f, x, &x->rq);
        uint32_t u = x->unit, id = x->rq.id;
        free(x->blob);
        x->blob = NULL;
        if (rc < 0) {
            spa_xfer_result r;
            memset(&r, 0, sizeof r);
            r.status = SPA_XFER_CONNECT_FAILED;
            free(x);
            f->transfers++;
            unit_done(f, u, id, &r);
        }
    }
}

static int io_start(void *ctx, spa_engine *e, const spa_xfer_request *req)
{
    spa_fleet *f = ctx;
    fleet_xfer *x;
    if (f->stopped || !(x = calloc(1, sizeof *x)))
        return -1;
    x->f = f;
    x->unit = unit_index(f, e);
    x->purpose = req->purpose;
    if (!f->q_head && f->inflight < f->max_xfers) {
        if (launch(f, x, req) == 0)
            return 0;
        free(x);
        return -1;
    }
    if (keep_request(x, req) < 0) {
        free(x);
        return -1;
    }
    if (f->q_tail)
        f->q_tail->next = x;
    else
        f->q_head = x;
    f->q_tail = x;
    f->queued++;
    return 0;
}

static void io_log(void *ctx, spa_engine *e, int severity, const char *line)
{
    spa_fleet *f = ctx;
    fleet_unit *u = spa_engine_user(e);
    if (f->verbose)
        fprintf(stderr, "spasim: %s: <%d> %s\n", u->mac, severity, line);
    if (f->net)
        spa_device_send_log(f->net, u->params, f->syslog, severity, line);
}

static int unit_save(spa_fleet *f, fleet_unit *u)
{
    char dir[4096];
    spa_device_state st;
    spa_diags d;
    if (!u->flash || !u->engine)
        return 0;
    snprintf(dir, sizeof dir, "%s/%s", f->state_dir, u->mac);
    spa_device_state_current(u->flash, u->engine, &st);
    spa_diags_init(&d);
    int rc = spa_device_save_nosync(dir, u->params, &st, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    return rc;
}

static void io_reboot(void *ctx, spa_engine *e, spa_reboot_reason why)
{
    spa_fleet *f = ctx;
    fleet_unit *u = spa_engine_user(e);
    if (f->verbose)
        fprintf(stderr, "spasim: %s: reboot (%s)\n", u->mac,
                why == SPA_REBOOT_UPGRADE ? "upgrade" :
                why == SPA_REBOOT_FACTORY_RESET ? "factory reset" : "configuration");
    unit_save(f, u);
}

/* ---- clock ------------------------------------------------------------------------------- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_fleet *f = arg;
    (void)fd;
    (void)what;
    f->armed = SPA_ENGINE_NEVER;
    int64_t now = dev_now(f);
    for (int k = 0; k < FLEET_BATCH && f->heap_n && f->units[f->heap[0]].deadline <= now; k++) {
        uint32_t u = f->heap[0];
        uint32_t ok = spa_engine_get_stats(f->units[u].engine)->resync_ok;
        spa_engine_tick(f->units[u].engine, now);
        note_ok(f, &f->units[u], ok);
        reschedule(f, u);
    }
    pump(f);
    arm(f);
}

static void power_up(spa_fleet *f, uint32_t u)
{
    fleet_unit *x = &f->units[u];
    if (x->flash)
        x->flash->boots++;
    spa_engine_power_up(x->engine, dev_now(f));
    f->powered++;
    reschedule(f, u);
}

static void ramp_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_fleet *f = arg;
    (void)fd;
    (void)what;
    double due = f->ramp * (double)(mono_us() - f->real0_us) / 1e6 + 1;
    uint32_t target = due >= (double)f->n ? f->n : (uint32_t)due;
    while (f->powered < target)
        power_up(f, f->powered);
    if (f->powered < f->n) {
        struct timeval tv = { 0, FLEET_RAMP_STEP_US };
        evtimer_add(f->ramp_ev, &tv);
    }
}

void spa_fleet_start(spa_fleet *f)
{
    if (f->started)
        return;
    f->real0_us = mono_us();
    f->started = true;
    f->last_us = f->real0_us;
    if (f->ramp > 0) {
        ramp_cb(-1, 0, f);
        return;
    }
    for (uint32_t u = 0; u < f->n; u++)
        power_up(f, u);
}

/* ---- building ------------------------------------------------------------------------------ */

static int make_dir(const char *dir, spa_diags *d)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    return spa_diag_error(d, "state-dir", "%s: cannot create: %s", dir, strerror(errno));
}

/* Load DIR/<mac>/ (or apply the staging profile to a fresh unit). */
static int unit_flash(spa_fleet *f, fleet_unit *u, const spa_profile *stage, spa_diags *d)
{
    char dir[4096];
    int fresh = 1;
    if (f->state_dir) {
        int k = snprintf(dir, sizeof dir, "%s/%s", f->state_dir, u->mac);
        if (k < 0 || (size_t)k >= sizeof dir)
            return spa_diag_error(d, "state-dir", "%s: path too long", f->state_dir);
        if (make_dir(dir, d) < 0 || !(u->flash = calloc(1, sizeof *u->flash)))
            return -1;
        if ((fresh = spa_device_load(dir, u->params, u->flash, d)) < 0)
            return -1;
    }
    if (fresh && stage && spa_params_apply(u->params, stage, 0, NULL) < 0)
        return spa_diag_error(d, "oom", "out of memory");
    spa_params_clear_dirty(u->params);
    return 0;
}

static int unit_new(spa_fleet *f, const spa_fleet_opts *o, uint32_t i, const spa_profile *stage,
                    spa_diags *d)
{
    fleet_unit *u = &f->units[i];
    spa_identity id;
    u->heap_pos = NO_POS;
    u->deadline = SPA_ENGINE_NEVER;
    if (spa_fleet_mac(o->mac_base, i, u->mac) < 0 ||
        spa_fleet_serial(o->serial_base ? o->serial_base : SPA_FLEET_SERIAL_BASE, i, u->serial,
                         sizeof u->serial) < 0)
        return spa_diag_error(d, "fleet", "unit %u: no MAC or serial", (unsigned)i);
    if (!(u->params = spa_params_new(f->model)))
        return spa_diag_error(d, "oom", "out of memory");
    if (unit_flash(f, u, stage, d) < 0)
        return -1;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, u->mac, sizeof id.mac);
    id.serial = u->serial;
    id.swver = u->flash && u->flash->swver[0] ? u->flash->swver : NULL;
    id.ip = "127.0.0.1";
    id.extip = "";
    id.ccert = f->certs != NULL;
    if (!(u->engine = spa_engine_new(u->params, &id, &f->io, u)))
        return spa_diag_error(d, "oom", "out of memory");
    if (o->dhcp_server && spa_engine_set_dhcp_server(u->engine, o->dhcp_server) < 0)
        return spa_diag_error(d, "dhcp-server",
                              "DHCP server '%.80s': expected HOST, HOST:PORT or [IPv6]:PORT",
                              o->dhcp_server);
    if (u->flash)
        spa_device_state_restore(u->engine, u->flash);
    return f->certs ? spa_fleet_certs_check(f->certs, u->mac, d) : 0;
}

static int check_opts(const spa_fleet_opts *o, spa_diags *d)
{
    char mac[13], sn[SPA_FLEET_SERIAL_MAX];
    const char *sb = o->serial_base ? o->serial_base : SPA_FLEET_SERIAL_BASE;
    if (o->devices == 0)
        return spa_diag_error(d, "fleet", "--fleet: at least one unit");
    if (spa_fleet_mac(o->mac_base, 0, mac) < 0)
        return spa_diag_error(d, "mac-base", "--mac-base: '%s' is not a MAC address",
                              o->mac_base ? o->mac_base : "");
    if (spa_fleet_mac(o->mac_base, o->devices - 1, mac) < 0)
        return spa_diag_error(d, "mac-base", "--mac-base: %s + %u passes ffffffffffff",
                              o->mac_base, (unsigned)(o->devices - 1));
    if (spa_fleet_serial(sb, o->devices - 1, sn, sizeof sn) < 0)
        return spa_diag_error(d, "serial-base",
                              "--serial-base: '%s' must be printable, end in digits, and "
                              "have room for %u units",
                              sb, (unsigned)o->devices);
    if (o->time_scale < 0 || o->ramp < 0)
        return spa_diag_error(d, "fleet", "--time-scale and --ramp must be positive");
    if ((o->client_ca != NULL) != (o->client_ca_key != NULL))
        return spa_diag_error(d, "fleet-ca", "--fleet-ca and --fleet-ca-key go together");
    return 0;
}

/* 256 at once (more only queues inside the loop and inflates latency),
 * fewer when the descriptor limit is low. */
static unsigned default_max_xfers(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return FLEET_MAX_XFERS;
    if (rl.rlim_cur < 2 * FLEET_MAX_XFERS)
        return rl.rlim_cur > 64 ? (unsigned)(rl.rlim_cur / 2) : 16;
    return FLEET_MAX_XFERS;
}

/* Parse the staging profile; names the model lacks are warnings (a unit
 * ignores them, as it does in a served profile). */
static int load_stage(const char *file, const spa_model *m, spa_profile *prof, spa_diags *d)
{
    spa_buf b;
    spa_buf_init(&b);
    int rc = spa_read_file(file, &b, d);
    if (rc == 0)
        rc = spa_profile_parse_any(prof, b.data, b.len, file, d);
    spa_buf_free(&b);
    for (size_t i = 0; rc == 0 && i < prof->n; i++)
        if (!spa_model_param(m, prof->v[i].name))
            spa_diag_add(d, SPA_DIAG_WARNING, file, prof->v[i].line, prof->v[i].col,
                         "unknown-param", "%s: not a parameter of %s (ignored)",
                         prof->v[i].name, m->name);
    return rc;
}

static int fleet_parts(spa_fleet *f, const spa_fleet_opts *o, spa_diags *d)
{
    spa_device_net_opts no = { o->hosts_file, o->ca_file, NULL, NULL,
                               o->timeout_ms, o->tftp_timeout_ms, o->tftp_retries,
                               o->tftp_req };
    if (!(f->model = spa_model_load_builtin(o->model ? o->model : "SPA2102", d)))
        return -1;
    if ((o->state_dir && !(f->state_dir = strdup(o->state_dir))) ||
        (o->syslog && !(f->syslog = strdup(o->syslog))) ||
        !(f->units = calloc(o->devices, sizeof *f->units)) ||
        !(f->heap = calloc(o->devices, sizeof *f->heap)) ||
        !(f->timer = evtimer_new(f->base, timer_cb, f)) ||
        !(f->ramp_ev = evtimer_new(f->base, ramp_cb, f)))
        return spa_diag_error(d, "oom", "out of memory");
    if (o->state_dir && make_dir(o->state_dir, d) < 0)
        return -1;
    if (!(f->net = spa_device_net_new(f->base, &no, d)))
        return -1;
    if (o->certs_dir || o->client_ca) {
        spa_fleet_certs_opts co = { o->ca_file, o->certs_dir, o->client_ca, o->client_ca_key,
                                    f->model->product };
        if (!(f->certs = spa_fleet_certs_new(&co, d)))
            return -1;
    }
    return 0;
}

spa_fleet *spa_fleet_new(struct event_base *base, const spa_fleet_opts *o, spa_diags *d)
{
    spa_profile stage;
    bool staged = false;
    spa_fleet *f;
    if (check_opts(o, d) < 0 || !(f = calloc(1, sizeof *f))) {
        if (!d || d->errors == 0)
            spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    f->base = base;
    f->scale = o->time_scale > 0 ? o->time_scale : 1;
    f->ramp = o->ramp;
    f->until = o->until_resyncs;
    f->verbose = o->verbose;
    f->armed = SPA_ENGINE_NEVER;
    f->max_xfers = o->max_xfers ? o->max_xfers : default_max_xfers();
    f->dev0 = mono_us() / 1000;
    spa_rng_seed(&f->rng, o->seed ? o->seed : (uint64_t)mono_us() ^ (uint64_t)time(NULL) << 20);
    f->io = (spa_engine_io){ io_start, io_log, io_reboot, spa_rng_next, &f->rng, f };
    spa_profile_init(&stage);
    if (fleet_parts(f, o, d) < 0)
        goto fail;
    if (o->profile_file) {
        if (load_stage(o->profile_file, f->model, &stage, d) < 0)
            goto fail;
        staged = true;
    }
    for (f->n = 0; f->n < o->devices; f->n++)
        if (unit_new(f, o, f->n, staged ? &stage : NULL, d) < 0) {
            f->n++;   /* free what the failed unit holds */
            goto fail;
        }
    spa_profile_free(&stage);
    return f;
fail:
    spa_profile_free(&stage);
    free(f->state_dir);   /* nothing of a unit that failed to build is saved */
    f->state_dir = NULL;
    for (uint32_t i = 0; i < f->n; i++) {
        free(f->units[i].flash);
        f->units[i].flash = NULL;
    }
    spa_fleet_free(f);
    return NULL;
}

/* ---- stopping ---------------------------------------------------------------------------------- */

void spa_fleet_stop(spa_fleet *f)
{
    if (f->stopped)
        return;
    if (f->started)
        f->stop_us = mono_us();
    f->stopped = true;
    if (f->timer)
        evtimer_del(f->timer);
    if (f->ramp_ev)
        evtimer_del(f->ramp_ev);
    spa_device_net_free(f->net);   /* cancels every transfer: no callback runs */
    f->net = NULL;
    f->inflight = 0;
    while (f->running) {
        fleet_xfer *x = f->running;
        f->running = x->next;
        free(x);
    }
    while (f->q_head) {
        fleet_xfer *x = f->q_head;
        f->q_head = x->next;
        xfer_free_waiting(x);
    }
    f->q_tail = NULL;
    f->queued = 0;
}

/* The saves during the run skip fsync (two per unit per reboot would stall
 * the one event loop); the final one ends with a single syncfs. */
int spa_fleet_save(spa_fleet *f)
{
    int rc = 0, fd;
    if (!f->state_dir)
        return 0;
    for (uint32_t i = 0; i < f->n; i++)
        if (unit_save(f, &f->units[i]) < 0)
            rc = -1;
    if ((fd = open(f->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || syncfs(fd) < 0) {
        fprintf(stderr, "spasim: %s: cannot sync: %s\n", f->state_dir, strerror(errno));
        rc = -1;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

void spa_fleet_free(spa_fleet *f)
{
    if (!f)
        return;
    spa_fleet_stop(f);
    spa_fleet_save(f);
    for (uint32_t i = 0; f->units && i < f->n; i++) {
        fleet_unit *u = &f->units[i];
        spa_engine_free(u->engine);
        spa_params_free(u->params);
        spa_fleet_certs_forget(&u->cert_pem);
        free(u->flash);
    }
    if (f->timer)
        event_free(f->timer);
    if (f->ramp_ev)
        event_free(f->ramp_ev);
    spa_fleet_certs_free(f->certs);
    spa_model_free(f->model);
    free(f->units);
    free(f->heap);
    free(f->state_dir);
    free(f->syslog);
    free(f);
}

/* ---- statistics ------------------------------------------------------------------------------ */

void spa_fleet_get_stats(const spa_fleet *f, spa_fleet_stats *s)
{
    memset(s, 0, sizeof *s);
    s->devices = f->n;
    s->powered = f->powered;
    s->model = f->model ? f->model->name : "";
    s->time_scale = f->scale;
    if (f->started)
        s->real_s = (double)((f->stopped ? f->stop_us : mono_us()) - f->real0_us) / 1e6;
    s->device_s = (double)(dev_now(f) - f->dev0) / 1000.0;
    for (uint32_t i = 0; i < f->n; i++) {
        const spa_engine_stats *e = spa_engine_get_stats(f->units[i].engine);
        s->resyncs += e->resyncs;
        s->resync_ok += e->resync_ok;
        s->resync_fail += e->resync_fail;
        s->upgrades += e->upgrades;
        s->upgrade_ok += e->upgrade_ok;
        s->upgrade_fail += e->upgrade_fail;
        s->synced += e->resync_ok > 0;
        for (int k = 0; k < SPA_ERR_COUNT; k++)
            s->fail_by_err[k] += e->fail_by_err[k];
    }
    s->transfers = f->transfers;
    s->bytes = f->bytes;
    s->latency = f->hist;
}

int spa_fleet_progress(spa_fleet *f, spa_buf *out)
{
    spa_fleet_stats s;
    int64_t now = mono_us();
    spa_fleet_get_stats(f, &s);
    double dt = (double)(now - f->last_us) / 1e6;
    double rate = dt > 0 ? (double)(s.resync_ok - f->last_ok) / dt : 0;
    f->last_us = now;
    f->last_ok = s.resync_ok;
    return spa_buf_printf(out,
                          "fleet: %.0fs (device %.0fs) up %llu/%llu synced %llu | resyncs %llu "
                          "ok %llu fail %llu | %.0f ok/s | xfers %u waiting %u",
                          s.real_s, s.device_s, (unsigned long long)s.powered,
                          (unsigned long long)s.devices, (unsigned long long)s.synced,
                          (unsigned long long)s.resyncs, (unsigned long long)s.resync_ok,
                          (unsigned long long)s.resync_fail, rate, f->inflight, f->queued);
}
