/* device.c — a virtual SPA: model + parameter store + identity + the
 * provisioning engine, wired to real transports (device_net.c) and a
 * monotonic clock on a libevent event_base, with its flash in a state
 * directory (device_state.c) and an admin web server. The engine does no
 * I/O; this file is the device around it (docs/spasim.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <event2/event.h>
#include "spaprov/ca.h"
#include "spaprov/device.h"
#include "spaprov/http.h"
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/rule.h"
#include "spaprov/schedule.h"
#include "device_sip.h"

struct spa_device {
    struct event_base *base;
    spa_model *model;
    spa_params *params;
    spa_engine *engine;
    spa_engine_io io;
    spa_identity id;
    spa_device_net *net;
    spa_http_server *admin;
    spa_device_sip *sip;          /* SIP NOTIFY listener (device_sip.c) or NULL */
    struct event *timer;
    spa_rng rng;
    char *dir;
    char *serial;
    char *ip;
    char *syslog;                 /* --syslog override or NULL */
    char *rc_url;                 /* remote customization: the vendor's URL, or NULL */
    char swver[SPA_DEVICE_VALUE_MAX];
    spa_device_state base_st;     /* loaded from flash (earlier runs) */
    spa_device_state saved;       /* last written */
    bool verbose;
    bool zero_delay;              /* random draws 0 until the first transfer */
    bool powered;
    spa_device_settled_fn settled_fn;
    void *settled_arg;
    bool settled;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- state ------------------------------------------------------------------------ */

void spa_device_state_current(const spa_device_state *base, const spa_engine *e,
                              spa_device_state *st)
{
    const spa_engine_stats *s = spa_engine_get_stats(e);
    spa_engine_status es;
    spa_engine_get_status(e, &es);
    *st = *base;
    snprintf(st->swver, sizeof st->swver, "%s", spa_engine_swver(e));
    if (s->resync_ok + s->resync_fail + s->upgrade_ok + s->upgrade_fail > 0)
        snprintf(st->last_err, sizeof st->last_err, "%s", es.err ? es.err : "");
    st->resyncs += s->resyncs;
    st->resync_ok += s->resync_ok;
    st->resync_fail += s->resync_fail;
    st->upgrades += s->upgrades;
    st->upgrade_ok += s->upgrade_ok;
    st->upgrade_fail += s->upgrade_fail;
    st->reboots += s->reboots;
    spa_engine_flash fl;
    spa_engine_flash_export(e, &fl);
    st->upg_ident = fl.upg_ident;
    snprintf(st->upg_ver, sizeof st->upg_ver, "%s", fl.upg_ver);
}

/* Flash state now: earlier runs' counters plus this run's. */
static void current_state(const spa_device *dev, spa_device_state *st)
{
    spa_device_state_current(&dev->base_st, dev->engine, st);
}

void spa_device_state_restore(spa_engine *e, const spa_device_state *st)
{
    spa_engine_flash fl;
    memset(&fl, 0, sizeof fl);
    fl.upg_ident = st->upg_ident;
    snprintf(fl.upg_ver, sizeof fl.upg_ver, "%.*s", (int)sizeof fl.upg_ver - 1, st->upg_ver);
    spa_engine_flash_import(e, &fl);
}

/* Give a new engine the flash state of earlier runs. */
static void restore_flash(spa_device *dev)
{
    spa_device_state_restore(dev->engine, &dev->base_st);
}

int spa_device_save_now(spa_device *dev)
{
    spa_diags d;
    spa_device_state st;
    current_state(dev, &st);
    spa_diags_init(&d);
    int rc = spa_device_save(dev->dir, dev->params, &st, &d);
    if (rc < 0)
        spa_diags_print(&d, stderr);
    else
        dev->saved = st;
    spa_diags_free(&d);
    return rc;
}

/* ---- engine callbacks ---------------------------------------------------------------- */

static void device_after(spa_device *dev);

static void xfer_done(void *arg, uint32_t id, const spa_xfer_result *r)
{
    spa_device *dev = arg;
    spa_engine_on_transfer_done(dev->engine, id, r, now_ms());
    device_after(dev);
}

static int io_start(void *ctx, spa_engine *e, const spa_xfer_request *req)
{
    spa_device *dev = ctx;
    (void)e;
    dev->zero_delay = false;
    return spa_device_net_start(dev->net, req, xfer_done, dev);
}

void spa_device_send_log(spa_device_net *n, const spa_params *p, const char *override,
                         int severity, const char *line)
{
    const char *dests[2];
    if (override) {
        spa_device_net_syslog(n, override, severity, line);
        return;
    }
    dests[0] = spa_params_get(p, "Syslog_Server");
    dests[1] = spa_params_get(p, "Debug_Server");
    for (int i = 0; i < 2; i++) {
        if (!dests[i] || !*dests[i] || (i == 1 && dests[0] && strcmp(dests[0], dests[1]) == 0))
            continue;
        spa_device_net_syslog(n, dests[i], severity, line);
    }
}

static void io_log(void *ctx, spa_engine *e, int severity, const char *line)
{
    spa_device *dev = ctx;
    (void)e;
    if (dev->verbose)
        fprintf(stderr, "spasim: %s: <%d> %s\n", dev->id.mac, severity, line);
    spa_device_send_log(dev->net, dev->params, dev->syslog, severity, line);
}

static void io_reboot(void *ctx, spa_engine *e, spa_reboot_reason why)
{
    spa_device *dev = ctx;
    (void)e;
    if (dev->verbose)
        fprintf(stderr, "spasim: %s: reboot (%s)\n", dev->id.mac,
                why == SPA_REBOOT_UPGRADE ? "upgrade" :
                why == SPA_REBOOT_FACTORY_RESET ? "factory reset" : "configuration");
    spa_device_save_now(dev);
}

static uint32_t io_random(void *ctx)
{
    spa_device *dev = ctx;
    if (dev->zero_delay)
        return 0;
    return spa_rng_next(&dev->rng);
}

/* ---- clock ----------------------------------------------------------------------------- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_device *dev = arg;
    (void)fd;
    (void)what;
    spa_engine_tick(dev->engine, now_ms());
    device_after(dev);
}

static void check_settled(spa_device *dev, int64_t now)
{
    spa_engine_status es;
    const spa_engine_stats *s = spa_engine_get_stats(dev->engine);
    if (!dev->settled_fn || dev->settled)
        return;
    if (s->resync_ok + s->resync_fail + s->skipped == 0)
        return;
    spa_engine_get_status(dev->engine, &es);
    if (es.phase != SPA_PHASE_IDLE || spa_engine_next_deadline(dev->engine) <= now + 1500)
        return;
    dev->settled = true;
    dev->settled_fn(dev, dev->settled_arg);
}

/* After anything reached the engine: save what changed, tell a waiting
 * caller, and arm the timer for the next deadline (at least every second,
 * for Resync_Trigger_1/2). */
static void device_after(spa_device *dev)
{
    spa_device_state st;
    int64_t now = now_ms();
    current_state(dev, &st);
    if (memcmp(&st, &dev->saved, sizeof st) != 0)
        spa_device_save_now(dev);
    int64_t dl = spa_engine_next_deadline(dev->engine);
    int64_t wait = dl == SPA_ENGINE_NEVER ? 1000 : dl - now;
    if (wait < 0)
        wait = 0;
    if (wait > 1000)
        wait = 1000;
    struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)((wait % 1000) * 1000) };
    evtimer_add(dev->timer, &tv);
    check_settled(dev, now);
}

/* ---- life cycle -------------------------------------------------------------------------- */

static int make_dir(const char *dir, spa_diags *d)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    spa_diag_add(d, SPA_DIAG_ERROR, dir, 0, 0, "state-dir", "cannot create: %s", strerror(errno));
    return -1;
}

static uint64_t seed_from(const spa_device_opts *o, const char *mac)
{
    uint64_t s = o->seed;
    if (s)
        return s;
    s = (uint64_t)time(NULL) ^ ((uint64_t)now_ms() << 20);
    for (const char *p = mac; *p; p++)
        s = s * 1099511628211u + (unsigned char)*p;
    return s;
}

/* $CCERT is "Installed" only for a unit-specific certificate (OU, L, ST):
 * a pre-2.0 generic one, shared by many units, reads "Not Installed". */
static bool unique_cert(const char *path)
{
    spa_cert_id id;
    return spa_cert_identity_file(path, &id, NULL) == 0 && !id.generic;
}

static int device_identity(spa_device *dev, const spa_device_opts *o, spa_diags *d)
{
    if (!o->mac || spa_mac_parse(o->mac, dev->id.mac) < 0) {
        spa_diag_error(d, "bad-mac", "bad MAC address '%s'", o->mac ? o->mac : "");
        return -1;
    }
    dev->serial = strdup(o->serial ? o->serial : "");
    dev->ip = strdup(o->ip ? o->ip : "127.0.0.1");
    if (!dev->serial || !dev->ip)
        return spa_diag_error(d, "oom", "out of memory");
    dev->id.serial = dev->serial;
    dev->id.ip = dev->ip;
    dev->id.extip = "";
    dev->id.ccert = o->cert_file && unique_cert(o->cert_file);
    dev->id.customized = dev->base_st.customization[0] != '\0';
    dev->id.swver = dev->base_st.swver[0] ? dev->swver : NULL;
    snprintf(dev->swver, sizeof dev->swver, "%s", dev->base_st.swver);
    return 0;
}

spa_device *spa_device_new(struct event_base *base, const spa_device_opts *o, spa_diags *d)
{
    spa_device *dev = calloc(1, sizeof *dev);
    if (!dev) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    dev->base = base;
    dev->verbose = o->verbose;
    dev->zero_delay = o->no_start_delay;
    if (!o->state_dir || !(dev->dir = strdup(o->state_dir))) {
        spa_diag_error(d, "state-dir", "no state directory");
        goto fail;
    }
    if (o->syslog && !(dev->syslog = strdup(o->syslog)))
        goto fail;
    if (o->rc_url && !(dev->rc_url = strdup(o->rc_url)))
        goto fail;
    if (!(dev->model = spa_model_load_builtin(o->model ? o->model : "SPA2102", d)))
        goto fail;
    if (!(dev->params = spa_params_new(dev->model)) || make_dir(dev->dir, d) < 0)
        goto fail;
    if (spa_device_load(dev->dir, dev->params, &dev->base_st, d) < 0)
        goto fail;
    spa_params_clear_dirty(dev->params);
    if (device_identity(dev, o, d) < 0)
        goto fail;
    spa_device_net_opts no = { o->hosts_file, o->ca_file, o->cert_file, o->key_file,
                               o->timeout_ms, o->tftp_timeout_ms, o->tftp_retries,
                               o->tftp_req };
    if (!(dev->net = spa_device_net_new(base, &no, d)))
        goto fail;
    spa_rng_seed(&dev->rng, seed_from(o, dev->id.mac));
    dev->io.start = io_start;
    dev->io.log = io_log;
    dev->io.reboot = io_reboot;
    dev->io.random = io_random;
    dev->io.random_ctx = dev;
    dev->io.ctx = dev;
    if (!(dev->engine = spa_engine_new(dev->params, &dev->id, &dev->io, dev)) ||
        !(dev->timer = evtimer_new(base, timer_cb, dev))) {
        spa_diag_error(d, "oom", "out of memory");
        goto fail;
    }
    if (o->dhcp_server && spa_engine_set_dhcp_server(dev->engine, o->dhcp_server) < 0) {
        spa_diag_error(d, "dhcp-server",
                       "DHCP server '%.80s': expected HOST, HOST:PORT or [IPv6]:PORT (or out of memory)",
                       o->dhcp_server);
        goto fail;
    }
    restore_flash(dev);
    current_state(dev, &dev->saved);
    return dev;
fail:
    spa_device_free(dev);
    return NULL;
}

void spa_device_free(spa_device *dev)
{
    if (!dev)
        return;
    if (dev->engine && dev->powered)
        spa_device_save_now(dev);
    if (dev->admin)
        spa_http_server_free(dev->admin);
    spa_device_sip_free(dev->sip);
    spa_device_net_free(dev->net);
    if (dev->timer)
        event_free(dev->timer);
    spa_engine_free(dev->engine);
    spa_params_free(dev->params);
    spa_model_free(dev->model);
    free(dev->dir);
    free(dev->serial);
    free(dev->ip);
    free(dev->syslog);
    free(dev->rc_url);
    free(dev);
}

/* ---- remote customization: the vendor's server first (device_rc.c) ---------------- */

/* The customization attempt ended (err NULL = applied): continue powering up. */
static void rc_finish(spa_device *dev, const char *company, const char *err)
{
    char line[200], mac[18];
    for (int i = 0; i < 6; i++)
        snprintf(mac + 3 * i, sizeof mac - (size_t)(3 * i), "%.2s%s", dev->id.mac + 2 * i,
                 i < 5 ? ":" : "");
    if (!err) {
        snprintf(dev->base_st.customization, sizeof dev->base_st.customization, "%s", company);
        dev->id.customized = true;
        spa_engine_set_customized(dev->engine, true);
        snprintf(line, sizeof line, "%s %s -- Customization %s", dev->model->name, mac, company);
    } else {
        snprintf(line, sizeof line, "%s %s -- Customization failed: %s", dev->model->name, mac,
                 err);
    }
    io_log(dev, dev->engine, err ? 4 : 6, line);
    spa_engine_power_up(dev->engine, now_ms());
    spa_device_save_now(dev);
    device_after(dev);
}

static void rc_done(void *arg, uint32_t id, const spa_xfer_result *r)
{
    spa_device *dev = arg;
    char company[SPA_DEVICE_VALUE_MAX], why[80];
    (void)id;
    if (r->status != SPA_XFER_OK)
        rc_finish(dev, NULL, spa_rc_xfer_error(r));
    else if (spa_rc_apply(dev->params, r->body, r->len, company, sizeof company, why,
                          sizeof why) < 0)
        rc_finish(dev, NULL, why);
    else
        rc_finish(dev, company, NULL);
}

/* Fetch the customization ($MA etc. expanded in the URL); 0 started, -1 not. */
static int rc_start(spa_device *dev)
{
    spa_macro_env env = { dev->params, &dev->id, NULL };
    spa_buf u;
    spa_url url;
    spa_xfer_request rq;
    char ua[160];
    int rc = -1;
    spa_buf_init(&u);
    memset(&url, 0, sizeof url);
    if (spa_macro_expand_env(dev->rc_url, &env, 0, &u) < 0 || !u.data ||
        spa_url_parse(u.data, u.len, &url, NULL, NULL) != 0 || !url.host ||
        spa_model_user_agent(dev->model, spa_engine_swver(dev->engine), dev->serial, ua,
                             sizeof ua) < 0)
        goto out;
    memset(&rq, 0, sizeof rq);
    rq.id = 0x52430001u;   /* "RC": outside the engine's ids, answered to rc_done */
    rq.purpose = SPA_PURPOSE_RESYNC;
    rq.method = SPA_XFER_GET;
    rq.scheme = url.scheme;
    rq.host = url.host;
    rq.port = url.port;
    rq.path = url.path;
    rq.user_agent = ua;
    rc = spa_device_net_start(dev->net, &rq, rc_done, dev);
out:
    spa_url_free(&url);
    spa_buf_free(&u);
    return rc;
}

const char *spa_device_customization(const spa_device *dev)
{
    if (dev->base_st.customization[0])
        return dev->base_st.customization;
    return dev->rc_url ? "Pending" : "Not Customized";
}

spa_device_sip **spa_device_sip_slot(spa_device *dev)
{
    return &dev->sip;
}

const spa_device_sip *spa_device_sip_get(const spa_device *dev)
{
    return dev->sip;
}

void spa_device_log(spa_device *dev, int severity, const char *line)
{
    io_log(dev, dev->engine, severity, line);
}

/* Power-up (cold: counted as a boot) or warm restart of the application. */
static void device_start(spa_device *dev, bool cold)
{
    if (cold)
        dev->base_st.boots++;
    dev->powered = true;
    dev->settled = false;
    spa_device_net_cancel(dev->net, dev);
    if (dev->rc_url && !dev->base_st.customization[0]) {
        spa_device_save_now(dev);
        if (rc_start(dev) == 0)
            return;   /* rc_done continues the power-up */
        rc_finish(dev, NULL, "bad url");
        return;
    }
    spa_engine_power_up(dev->engine, now_ms());
    spa_device_save_now(dev);
    device_after(dev);
}

void spa_device_power_up(spa_device *dev)
{
    device_start(dev, true);
}

void spa_device_restart(spa_device *dev)
{
    device_start(dev, false);
}

void spa_device_on_settled(spa_device *dev, spa_device_settled_fn fn, void *arg)
{
    dev->settled_fn = fn;
    dev->settled_arg = arg;
    dev->settled = false;
}

spa_engine *spa_device_engine(const spa_device *dev) { return dev->engine; }

bool spa_device_succeeded(const spa_device *dev)
{
    const spa_engine_stats *s = spa_engine_get_stats(dev->engine);
    return s->resync_ok > 0 && s->resync_fail == 0 && s->upgrade_fail == 0;
}

/* ---- status and configuration ---------------------------------------------------------- */

static int json_u32(spa_buf *b, const char *k, uint32_t v)
{
    return spa_buf_printf(b, ",\"%s\":%u", k, v);
}

static int json_str(spa_buf *b, const char *k, const char *v)
{
    int rc = spa_buf_printf(b, ",\"%s\":", k);
    return rc | spa_device_json_string(b, v);
}

int spa_device_status_json(const spa_device *dev, spa_buf *out)
{
    spa_engine_status es;
    spa_device_state tot;
    const spa_engine_stats *s = spa_engine_get_stats(dev->engine);
    spa_engine_get_status(dev->engine, &es);
    current_state(dev, &tot);
    int rc = spa_buf_puts(out, "{\"mac\":");
    rc |= spa_device_json_string(out, dev->id.mac);
    rc |= json_str(out, "model", dev->model->name);
    rc |= json_str(out, "serial", dev->serial);
    rc |= json_str(out, "result", s->resync_ok + s->resync_fail + s->upgrade_fail == 0 ? "none" :
                                  spa_device_succeeded(dev) ? "ok" : "fail");
    rc |= json_str(out, "phase", spa_engine_phase_name(es.phase));
    rc |= spa_buf_printf(out, ",\"prvst\":%d,\"upgst\":%d", es.prvst, es.upgst);
    rc |= json_str(out, "err", es.err);
    rc |= json_str(out, "upgerr", es.upgerr);
    rc |= json_str(out, "swver", es.swver);
    rc |= json_str(out, "customization", spa_device_customization(dev));
    rc |= spa_buf_printf(out, ",\"synced\":%s", es.synced ? "true" : "false");
    rc |= json_u32(out, "resync_failures", es.resync_failures);
    rc |= json_u32(out, "resyncs", s->resyncs);
    rc |= json_u32(out, "resync_ok", s->resync_ok);
    rc |= json_u32(out, "resync_fail", s->resync_fail);
    rc |= json_u32(out, "fetches", s->fetches);
    rc |= json_u32(out, "skipped", s->skipped);
    rc |= json_u32(out, "upgrades", s->upgrades);
    rc |= json_u32(out, "upgrade_ok", s->upgrade_ok);
    rc |= json_u32(out, "upgrade_fail", s->upgrade_fail);
    rc |= json_u32(out, "reboots", s->reboots);
    rc |= spa_buf_printf(out, ",\"total\":{\"boots\":%u,\"resyncs\":%u,\"resync_ok\":%u,"
                              "\"resync_fail\":%u,\"upgrade_ok\":%u,\"upgrade_fail\":%u,"
                              "\"reboots\":%u}}",
                         tot.boots, tot.resyncs, tot.resync_ok, tot.resync_fail, tot.upgrade_ok,
                         tot.upgrade_fail, tot.reboots);
    return rc ? -1 : 0;
}

int spa_device_config_xml(const spa_device *dev, spa_buf *out)
{
    spa_profile prof;
    int rc = -1;
    spa_profile_init(&prof);
    if (spa_params_to_profile(dev->params, true, &prof) != 0)
        goto out;
    /* no authentication yet on the admin server: secrets are not shown */
    for (size_t i = 0; i < prof.n; i++) {
        const spa_param_def *pd = spa_model_param(dev->model, prof.v[i].name);
        if (pd && (pd->flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY)) && prof.v[i].value) {
            memset(prof.v[i].value, 0, strlen(prof.v[i].value));
        }
    }
    rc = spa_profile_write_xml(&prof, out);
out:
    spa_profile_free(&prof);
    return rc;
}

/* ---- admin web server --------------------------------------------------------------------- */

static void reply_text(spa_http_req *rq, int status, const char *text)
{
    spa_http_reply(rq, status, "text/plain", text, strlen(text));
}

int spa_device_request_resync(spa_device *dev, spa_request_source src, const char *url,
                              const char *peer)
{
    int rc = spa_engine_request_resync(dev->engine, src, url, peer, now_ms());
    device_after(dev);
    return rc;
}

int spa_device_request_upgrade(spa_device *dev, const char *url, const char *peer)
{
    int rc = spa_engine_request_upgrade(dev->engine, url, peer, now_ms());
    device_after(dev);
    return rc;
}

int spa_device_request_report(spa_device *dev)
{
    int rc = spa_engine_request_report(dev->engine, now_ms());
    device_after(dev);
    return rc;
}

void spa_device_config_changed(spa_device *dev)
{
    spa_engine_config_changed(dev->engine);
    spa_device_save_now(dev);
    device_after(dev);
}

spa_params *spa_device_params(const spa_device *dev)
{
    return dev->params;
}

struct event_base *spa_device_base(const spa_device *dev)
{
    return dev->base;
}

/* /admin/resync?url and /admin/upgrade?url (query percent-decoded). */
static void admin_request(spa_device *dev, spa_http_req *rq, bool upgrade)
{
    const char *q = spa_http_req_query(rq);
    const char *peer = spa_http_req_peer_text(rq);
    spa_buf url;
    int rc;
    spa_buf_init(&url);
    if (q && *q && (spa_device_url_decode(q, strlen(q), &url) < 0 || !url.data)) {
        spa_buf_free(&url);
        reply_text(rq, 400, "bad query\n");
        return;
    }
    const char *u = url.len ? url.data : NULL;
    if (upgrade)
        rc = u ? spa_device_request_upgrade(dev, u, peer) : -1;
    else
        rc = spa_device_request_resync(dev, SPA_SRC_WEB, u, peer);
    spa_buf_free(&url);
    if (rc < 0)
        reply_text(rq, 403, upgrade ? "upgrade refused\n" : "resync refused\n");
    else
        reply_text(rq, 200, upgrade ? "upgrade requested\n" : "resync requested\n");
}

static void admin_buf(spa_http_req *rq, int rc, spa_buf *b, const char *ctype)
{
    if (rc < 0)
        reply_text(rq, 500, "out of memory\n");
    else
        spa_http_reply(rq, 200, ctype, b->data, b->len);
    spa_buf_free(b);
}

static void admin_handler(spa_http_req *rq, void *arg)
{
    spa_device *dev = arg;
    const char *path = spa_http_req_path(rq);
    spa_buf b;
    if (spa_device_web_page(dev, rq))
        return;   /* config pages and logins: device_web.c */
    spa_buf_init(&b);
    if (strcmp(path, "/admin/resync") == 0) {
        admin_request(dev, rq, false);
    } else if (strcmp(path, "/admin/upgrade") == 0) {
        admin_request(dev, rq, true);
    } else if (strcmp(path, "/admin/reboot") == 0) {
        reply_text(rq, 200, "rebooting\n");
        spa_device_power_up(dev);
    } else if (strcmp(path, "/admin/status") == 0) {
        int rc = spa_device_status_json(dev, &b);
        rc |= spa_buf_putc(&b, '\n');
        admin_buf(rq, rc, &b, "application/json");
    } else if (strcmp(path, "/admin/spacfg.xml") == 0) {
        admin_buf(rq, spa_device_config_xml(dev, &b), &b, "application/xml");
    } else {
        reply_text(rq, 404, "not found\n");
    }
}

int spa_device_admin_listen(spa_device *dev, const char *addr, uint16_t port, spa_diags *d)
{
    spa_http_server_opts o;
    memset(&o, 0, sizeof o);
    o.address = addr ? addr : "127.0.0.1";
    o.port = port;
    if (dev->admin)
        spa_http_server_free(dev->admin);
    dev->admin = spa_http_server_new(dev->base, &o, admin_handler, dev, d);
    return dev->admin ? 0 : -1;
}

uint16_t spa_device_admin_port(const spa_device *dev)
{
    return dev->admin ? spa_http_server_port(dev->admin) : 0;
}

/* ---- keypad and line events ------------------------------------------------------------ */

void spa_device_factory_reset(spa_device *dev)
{
    spa_device_net_cancel(dev->net, dev);
    /* the customization's parameters are gone with the rest: customize again
     * at the next power-up (an RC unit) */
    dev->base_st.customization[0] = '\0';
    dev->id.customized = false;
    spa_engine_set_customized(dev->engine, false);
    spa_engine_factory_reset(dev->engine, now_ms());
    if (dev->rc_url) {
        device_start(dev, false);   /* an RC unit asks its vendor first (flow 7) */
        return;
    }
    device_after(dev);
}

void spa_device_line_busy(spa_device *dev, unsigned line, bool busy)
{
    spa_engine_line_busy(dev->engine, line, busy, now_ms());
    device_after(dev);
}

void spa_device_line_registered(spa_device *dev, unsigned line, bool registered)
{
    spa_engine_line_registered(dev->engine, line, registered, now_ms());
    device_after(dev);
}
