/* engine.c — the provisioning engine's core: lifecycle, timers, events,
 * the macro state ($PRVST … $ERR), logging and the transport glue. The rule
 * sequences live in engine_resync.c, upgrades and reports in
 * engine_upgrade.c. Everything is driven by the caller's clock: no I/O, no
 * threads, and a device with nothing due does no allocation on a tick
 * (docs/engine.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"
#include "engine_int.h"

static const char *const err_names[SPA_ERR_COUNT] = {
    [SPA_ERR_NONE] = "",
    [SPA_ERR_HTTP_GET] = "http_get failed",
    [SPA_ERR_HTTP_POST] = "http_post failed",
    [SPA_ERR_TFTP_GET] = "tftp_get failed",
    [SPA_ERR_TFTP_PUT] = "tftp_put failed",
    [SPA_ERR_FNF] = "file not found",
    [SPA_ERR_TIMEOUT] = "timeout",
    [SPA_ERR_CONNECT] = "connect failed",
    [SPA_ERR_DNS] = "dns lookup failed",
    [SPA_ERR_TLS] = "ssl handshake failed",
    [SPA_ERR_TOO_LARGE] = "file too large",
    [SPA_ERR_CORRUPT] = "corrupt file",
    [SPA_ERR_WRONG_KEY] = "wrong key",
    [SPA_ERR_NO_KEY] = "no key",
    [SPA_ERR_SYNTAX] = "profile syntax error",
    [SPA_ERR_BAD_ALIAS] = "bad alias map",
    [SPA_ERR_BAD_RULE] = "bad rule",
    [SPA_ERR_BAD_URL] = "bad url",
    [SPA_ERR_NO_SERVER] = "no server",
    [SPA_ERR_RESTRICTED] = "restricted domain",
    [SPA_ERR_REFUSED] = "transfer refused",
    [SPA_ERR_OOM] = "out of memory",
    [SPA_ERR_BAD_IMAGE] = "corrupt image",
    [SPA_ERR_WRONG_MODEL] = "wrong model",
    [SPA_ERR_DOWNGRADE] = "downgrade limit",
    [SPA_ERR_HTTPS_UPGRADE] = "https upgrade not supported",
    [SPA_ERR_ABORTED] = "aborted",
    [SPA_ERR_UPGRADED] = "upgraded",
};

const char *spa_engine_err_name(spa_engine_err e)
{
    return (unsigned)e < SPA_ERR_COUNT ? err_names[e] : "unknown";
}

/* ---------------------------------------------------------------- helpers */

const char *eng_param(const spa_engine *e, const char *name)
{
    const char *v = spa_params_get(e->params, name);
    return v ? v : "";
}

bool eng_bool(const spa_engine *e, const char *name, bool def)
{
    int b = spa_bool_value(eng_param(e, name));
    return b < 0 ? def : b == 1;
}

static long secs_since(int64_t now, int64_t t)
{
    return t < 0 || now < t ? 0 : (long)((now - t) / 1000);
}

void spa_engine_macro_state(const spa_engine *e, int64_t now, spa_macro_state *st)
{
    memset(st, 0, sizeof *st);
    st->prvst = e->prvst;
    st->upgst = e->upgst;
    st->upgerr = e->upgerr == SPA_ERR_UPGRADED ? e->upg_ver : spa_engine_err_name(e->upgerr);
    st->err = e->err == SPA_ERR_UPGRADED ? e->upg_ver : spa_engine_err_name(e->err);
    st->prvtmr = secs_since(now, e->prv_last);
    st->upgtmr = secs_since(now, e->upg_last);
    st->regtmr[0] = secs_since(now, e->reg_lost[0]);
    st->regtmr[1] = secs_since(now, e->reg_lost[1]);
    if (e->job && e->job->res.has_url) {
        st->scheme = spa_scheme_name(e->job->res.url.scheme);
        st->serv = e->job->res.url.host;
        st->servip = e->job->servip[0] ? e->job->servip : e->job->res.url.host;
        st->port = e->job->res.url.port;
        st->path = e->job->res.url.path;
    }
}

void eng_env(const spa_engine *e, spa_macro_state *st, spa_macro_env *env)
{
    spa_engine_macro_state(e, e->now, st);
    env->params = e->params;
    env->id = &e->id;
    env->state = st;
}

void eng_rule_env(const spa_engine *e, spa_macro_state *st, spa_macro_env *env, spa_rule_env *re,
                  const char *file)
{
    eng_env(e, st, env);
    memset(re, 0, sizeof *re);
    re->lookup = spa_macro_env_lookup;
    re->ctx = env;
    re->dhcp_server = e->dhcp;
    re->file = file;
}

void eng_log_text(spa_engine *e, int sev, const char *tmpl)
{
    spa_macro_state st;
    spa_macro_env env;
    spa_buf b;
    if (!e->io->log || !tmpl || !*tmpl)
        return;
    eng_env(e, &st, &env);
    spa_buf_init(&b);
    /* flags 0: $SA–$SD stay verbatim, so no secret reaches a log line */
    if (spa_macro_expand_env(tmpl, &env, 0, &b) == 0 && b.data)
        e->io->log(e->io->ctx, e, sev, b.data);
    spa_buf_free(&b);
}

void eng_log_param(spa_engine *e, int sev, const char *name)
{
    eng_log_text(e, sev, eng_param(e, name));
}

int64_t eng_schedule_ms(spa_engine *e, const char *name, uint32_t n)
{
    spa_schedule s;
    const char *text = eng_param(e, name);
    int64_t d;
    spa_schedule_init(&s);
    if (spa_schedule_parse(&s, text, strlen(text), name, 0, 0, NULL) != 0) {
        spa_schedule_free(&s);
        return -1;   /* unparsable = disabled; lint reports it */
    }
    d = spa_schedule_delay(&s, n, e->io->random, e->io->random_ctx);
    spa_schedule_free(&s);
    /* at least one second: an element of 0 ("retry immediately") must not
     * spin a device whose attempts fail without any transfer */
    return d < 0 ? -1 : d < 1 ? 1000 : d * 1000;
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0';
}

spa_rule *eng_rule(const spa_engine *e, const char *name, spa_rule_mode mode, bool *bad)
{
    const char *text = eng_param(e, name);
    spa_rule *r = NULL;
    *bad = false;
    if (blank(text))
        return NULL;
    int rc = spa_rule_parse(&r, text, strlen(text), mode, name, 0, 0, NULL);
    if (rc != 0) {
        *bad = true;
        return NULL;
    }
    return r;
}

void eng_job_free(engine_job *job)
{
    if (!job)
        return;
    spa_rule_result_free(&job->res);
    free(job);
}

void eng_count_fail(spa_engine *e, spa_engine_err err)
{
    if ((unsigned)err < SPA_ERR_COUNT)
        e->stats.fail_by_err[err]++;
}

/* ------------------------------------------------- Restricted_Access_Domains */

static bool domain_match(const char *host, size_t hl, const char *dom, size_t dl)
{
    if (dl >= 2 && dom[0] == '*' && dom[1] == '.') {
        dom += 2;
        dl -= 2;
    } else if (dl >= 1 && dom[0] == '.') {
        dom++;
        dl--;
    }
    while (dl && dom[dl - 1] == '.')
        dl--;
    if (!dl || hl < dl || strncasecmp(host + hl - dl, dom, dl) != 0)
        return false;
    return hl == dl || host[hl - dl - 1] == '.';
}

bool spa_engine_host_allowed(const char *list, const char *host)
{
    size_t hl, seen = 0;
    if (!list || blank(list))
        return true;
    if (!host)
        return false;
    hl = strlen(host);
    while (hl && host[hl - 1] == '.')
        hl--;
    for (const char *p = list; *p && seen < 5;) {
        while (*p == ',' || *p == ';' || *p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ';' && *q != ' ' && *q != '\t')
            q++;
        if (q > p) {
            seen++;
            if (domain_match(host, hl, p, (size_t)(q - p)))
                return true;
        }
        p = q;
    }
    return false;
}

bool eng_host_ok(spa_engine *e, const spa_rule_result *res)
{
    const char *list = eng_param(e, "Restricted_Access_Domains");
    if (spa_engine_host_allowed(list, res->url.host))
        return true;
    eng_log_text(e, SPA_LOG_WARNING,
                 "$PN $MAC -- refused $SCHEME://$SERV:$PORT$PATH: host outside Restricted_Access_Domains");
    return false;
}

/* --------------------------------------------------------------- transfers */

spa_engine_err eng_explicit_url(spa_engine *e, const char *url, const char *server,
                                spa_rule_result *res)
{
    size_t errpos;
    const char *msg;
    int rc = spa_url_parse(url, strlen(url), &res->url, &errpos, &msg);
    if (rc == -2)
        return SPA_ERR_OOM;
    if (rc < 0)
        return SPA_ERR_BAD_URL;
    res->has_url = true;
    res->alt = 0;
    if (!res->url.host) {
        const char *h = server && *server ? server : e->dhcp;
        res->host_from_dhcp = true;
        if (h && !(res->url.host = strdup(h)))
            return SPA_ERR_OOM;
        if (h == e->dhcp && eng_dhcp_port(e, res) < 0)
            return SPA_ERR_OOM;
    }
    return SPA_ERR_NONE;
}

int eng_start(spa_engine *e, const spa_url *u, spa_xfer_purpose purpose, spa_xfer_method m,
              const void *body, size_t blen, const char *ctype, uint32_t *id)
{
    spa_xfer_request rq;
    char ua[160];
    const spa_model *mod = spa_params_model(e->params);
    if (!e->io->start)
        return -1;
    if (spa_model_user_agent(mod, e->swver, e->id.serial ? e->id.serial : "", ua, sizeof ua) < 0)
        ua[0] = '\0';
    memset(&rq, 0, sizeof rq);
    if (++e->next_id == 0)
        e->next_id = 1;
    rq.id = e->next_id;
    rq.purpose = purpose;
    rq.method = m;
    rq.scheme = u->scheme;
    rq.host = u->host;
    rq.port = u->port;
    rq.path = u->path;
    rq.body = body;
    rq.body_len = blen;
    rq.content_type = ctype;
    rq.user_agent = ua;
    *id = rq.id;
    return e->io->start(e->io->ctx, e, &rq) == 0 ? 0 : -1;
}

spa_engine_err eng_xfer_err(const spa_xfer_result *r, spa_scheme s, spa_xfer_method m)
{
    switch (r->status) {
    case SPA_XFER_OK: return SPA_ERR_NONE;
    case SPA_XFER_NOT_FOUND: return SPA_ERR_FNF;
    case SPA_XFER_TIMEOUT: return SPA_ERR_TIMEOUT;
    case SPA_XFER_CONNECT_FAILED: return SPA_ERR_CONNECT;
    case SPA_XFER_DNS_FAILED: return SPA_ERR_DNS;
    case SPA_XFER_TLS_FAILED: return SPA_ERR_TLS;
    case SPA_XFER_TOO_LARGE: return SPA_ERR_TOO_LARGE;
    case SPA_XFER_HTTP_ERROR:
    case SPA_XFER_TFTP_ERROR:
    default:
        if (s == SPA_SCHEME_TFTP)
            return m == SPA_XFER_PUT ? SPA_ERR_TFTP_PUT : SPA_ERR_TFTP_GET;
        return m == SPA_XFER_GET ? SPA_ERR_HTTP_GET : SPA_ERR_HTTP_POST;
    }
}

/* ---------------------------------------------------------------- lifecycle */

spa_engine *spa_engine_new(spa_params *params, const spa_identity *id, const spa_engine_io *io,
                           void *user)
{
    spa_engine *e;
    if (!params || !id || !io || !(e = calloc(1, sizeof *e)))
        return NULL;
    const spa_model *m = spa_params_model(params);
    e->io = io;
    e->user = user;
    e->params = params;
    e->id = *id;
    snprintf(e->swver, sizeof e->swver, "%s", id->swver ? id->swver : m->swver ? m->swver : "");
    e->id.swver = e->swver;
    e->t_resync = e->t_forced = e->t_upg_retry = e->t_trigger = SPA_ENGINE_NEVER;
    e->reg_lost[0] = e->reg_lost[1] = -1;
    e->prv_last = e->upg_last = -1;
    e->phase = SPA_PHASE_OFF;
    return e;
}

static void free_triggers(spa_engine *e)
{
    spa_rule_free(e->trig[0]);
    spa_rule_free(e->trig[1]);
    e->trig[0] = e->trig[1] = NULL;
}

static void free_queued(spa_engine *e)
{
    free(e->req_url);
    free(e->req_server);
    free(e->upg_url);
    free(e->upg_server);
    e->req_url = e->req_server = e->upg_url = e->upg_server = NULL;
}

void spa_engine_free(spa_engine *e)
{
    if (!e)
        return;
    eng_job_free(e->job);
    free_triggers(e);
    free_queued(e);
    free(e->dhcp);
    free(e);
}

void *spa_engine_user(const spa_engine *e) { return e->user; }
spa_params *spa_engine_params(const spa_engine *e) { return e->params; }
const char *spa_engine_swver(const spa_engine *e) { return e->swver; }
const spa_identity *spa_engine_identity(const spa_engine *e) { return &e->id; }
void spa_engine_set_customized(spa_engine *e, bool customized) { e->id.customized = customized; }
const spa_engine_stats *spa_engine_get_stats(const spa_engine *e) { return &e->stats; }
size_t spa_engine_struct_size(void) { return sizeof(struct spa_engine); }

/* Port digits 1..65535, else 0. */
static uint16_t dhcp_port_value(const char *s)
{
    uint32_t v = 0;
    if (!*s || strlen(s) > 5)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint32_t)(*s - '0');
    }
    return v <= 65535 ? (uint16_t)v : 0;
}

/* Split "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address into
 * a fresh host string and a port (0 = none). -1 when malformed, -2 on OOM. */
static int dhcp_split(const char *s, char **host, uint16_t *port)
{
    const char *h = s, *c = NULL;
    size_t hn;
    *port = 0;
    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb == s + 1 || (rb[1] && rb[1] != ':'))
            return -1;
        h = s + 1;
        hn = (size_t)(rb - h);
        c = rb[1] ? rb + 1 : NULL;
    } else {
        c = strchr(s, ':');
        if (c && strchr(c + 1, ':'))
            c = NULL;   /* a bare IPv6 address: no port */
        hn = c ? (size_t)(c - s) : strlen(s);
        if (hn == 0)
            return -1;
    }
    if (c && !(*port = dhcp_port_value(c + 1)))
        return -1;
    return (*host = strndup(h, hn)) ? 0 : -2;
}

int spa_engine_set_dhcp_server(spa_engine *e, const char *server)
{
    char *c = NULL;
    uint16_t port = 0;
    if (server && *server && dhcp_split(server, &c, &port) < 0)
        return -1;
    free(e->dhcp);
    e->dhcp = c;
    e->dhcp_port = port;
    return 0;
}

int eng_dhcp_port(const spa_engine *e, spa_rule_result *res)
{
    spa_buf b;
    char *id;
    if (!res->has_url || !res->host_from_dhcp || !e->dhcp_port || res->url.port_given)
        return 0;
    res->url.port = e->dhcp_port;
    if (!res->identity)
        return 0;
    spa_buf_init(&b);
    if (spa_url_format(&b, res->url.scheme, res->url.host, res->url.port, res->url.path) < 0 ||
        !(id = spa_buf_steal(&b))) {
        spa_buf_free(&b);
        return -1;
    }
    free(res->identity);
    res->identity = id;
    return 0;
}

void spa_engine_config_changed(spa_engine *e)
{
    bool bad;
    free_triggers(e);
    e->trig[0] = eng_rule(e, "Resync_Trigger_1", SPA_RULE_TRIGGER, &bad);
    e->trig[1] = eng_rule(e, "Resync_Trigger_2", SPA_RULE_TRIGGER, &bad);
}

void spa_engine_power_up(spa_engine *e, int64_t now)
{
    eng_job_free(e->job);
    e->job = NULL;
    free_queued(e);
    e->now = now;
    e->phase = SPA_PHASE_IDLE;
    e->flags = 0;
    e->busy = 0;
    e->report_id = 0;
    e->resync_failures = e->upgrade_failures = 0;
    e->prvst = 0;
    e->upgst = 0;
    e->err = SPA_ERR_NONE;
    e->t_resync = e->t_forced = e->t_upg_retry = SPA_ENGINE_NEVER;
    e->t_trigger = now + 1000;
    e->prv_last = e->upg_last = now;
    e->reg_lost[0] = e->reg_lost[1] = -1;
    spa_engine_config_changed(e);
    if (eng_bool(e, "Resync_On_Reset", true)) {
        long units = strtol(eng_param(e, "Resync_Random_Delay"), NULL, 0);
        uint32_t max = units > 0 ? (uint32_t)(units > 0xFFFF ? 0xFFFF : units) * 20u : 0;
        uint32_t d = max ? spa_random_upto(e->io->random, e->io->random_ctx, max) : 0;
        e->t_resync = now + (int64_t)d * 1000;
        e->next_prvst = 0;
    }
    eng_run(e);
}

void spa_engine_flash_export(const spa_engine *e, spa_engine_flash *f)
{
    memset(f, 0, sizeof *f);
    f->upg_ident = e->upg_done;
    snprintf(f->upg_ver, sizeof f->upg_ver, "%s", e->upg_ver);
}

void spa_engine_flash_import(spa_engine *e, const spa_engine_flash *f)
{
    e->upg_done = f->upg_ident;
    snprintf(e->upg_ver, sizeof e->upg_ver, "%.*s", (int)sizeof e->upg_ver - 1, f->upg_ver);
}

void spa_engine_factory_reset(spa_engine *e, int64_t now)
{
    spa_params_reset(e->params);
    spa_params_clear_dirty(e->params);
    e->upg_done = 0;
    e->upgerr = SPA_ERR_NONE;
    e->upg_ver[0] = '\0';
    e->stats.reboots++;
    if (e->io->reboot)
        e->io->reboot(e->io->ctx, e, SPA_REBOOT_FACTORY_RESET);
    spa_engine_power_up(e, now);
}

/* ------------------------------------------------------------------- timers */

static void eval_triggers(spa_engine *e)
{
    spa_macro_state st;
    spa_macro_env env;
    spa_rule_env re;
    if (!e->trig[0] && !e->trig[1])
        return;
    if (!eng_bool(e, "Provision_Enable", true))
        return;
    eng_rule_env(e, &st, &env, &re, NULL);
    for (int i = 0; i < 2; i++) {
        if (e->trig[i] && spa_rule_eval_trigger(e->trig[i], &re, NULL) == 1) {
            e->stats.triggers++;
            e->t_resync = e->now;
            e->next_prvst = 1;
            return;
        }
    }
}

/* A due resync waits for idle lines, but no longer than Forced_Resync_Delay. */
static bool resync_may_start(spa_engine *e)
{
    if (!e->busy) {
        e->t_forced = SPA_ENGINE_NEVER;
        return true;
    }
    if (e->t_forced == SPA_ENGINE_NEVER) {
        long frd = strtol(eng_param(e, "Forced_Resync_Delay"), NULL, 0);
        e->t_forced = e->t_resync + (int64_t)(frd > 0 ? frd : 0) * 1000;
        e->phase = SPA_PHASE_WAIT_IDLE;
    }
    if (e->now < e->t_forced)
        return false;
    e->t_forced = SPA_ENGINE_NEVER;
    return true;
}

void eng_run(spa_engine *e)
{
    for (int guard = 0; guard < 8; guard++) {
        if (e->phase == SPA_PHASE_OFF || e->job)
            return;
        if (e->t_resync <= e->now) {
            if (!resync_may_start(e))
                return;
            e->phase = SPA_PHASE_IDLE;
            e->t_resync = SPA_ENGINE_NEVER;
            eng_resync_begin(e, e->next_prvst);
            continue;
        }
        e->phase = SPA_PHASE_IDLE;
        if (!e->busy && (e->upg_url || (e->flags & EF_UPG_CHECK) || e->t_upg_retry <= e->now)) {
            eng_upgrade_begin(e);
            continue;
        }
        if (e->t_trigger <= e->now) {
            e->t_trigger = (e->now / 1000 + 1) * 1000;
            eval_triggers(e);
            if (e->t_resync <= e->now)
                continue;
        }
        return;
    }
}

void spa_engine_tick(spa_engine *e, int64_t now)
{
    e->now = now;
    eng_run(e);
}

int64_t spa_engine_next_deadline(const spa_engine *e)
{
    int64_t t = SPA_ENGINE_NEVER;
    if (e->phase == SPA_PHASE_OFF)
        return t;
    if (e->job)
        return t;   /* waiting for the transfer */
    if (e->t_resync < t)
        t = e->t_forced != SPA_ENGINE_NEVER ? e->t_forced : e->t_resync;
    if ((e->trig[0] || e->trig[1]) && e->t_trigger < t)
        t = e->t_trigger;
    if (e->busy)
        return t;   /* upgrades wait for line_busy(false), which runs them */
    if (e->t_upg_retry < t)
        t = e->t_upg_retry;
    if ((e->upg_url || (e->flags & EF_UPG_CHECK)) && e->now < t)
        t = e->now;
    return t;
}

int spa_engine_on_transfer_done(spa_engine *e, uint32_t id, const spa_xfer_result *r,
                                int64_t now)
{
    if (!r || id == 0)
        return -1;
    e->now = now;
    if (e->report_id == id) {
        e->report_id = 0;
        eng_report_done(e, r);
        eng_run(e);
        return 0;
    }
    if (!e->job || e->job->id != id)
        return -1;
    if (e->phase == SPA_PHASE_UPGRADE)
        eng_upgrade_done(e, r);
    else
        eng_resync_done(e, r);
    eng_run(e);
    return 0;
}

/* ------------------------------------------------------------------- events */

static int dup2s(char **a, const char *x, char **b, const char *y)
{
    char *p = x ? strdup(x) : NULL, *q = y ? strdup(y) : NULL;
    if ((x && !p) || (y && !q)) {
        free(p);
        free(q);
        return -1;
    }
    free(*a);
    free(*b);
    *a = p;
    *b = q;
    return 0;
}

int spa_engine_request_resync(spa_engine *e, spa_request_source src, const char *url,
                              const char *default_server, int64_t now)
{
    e->now = now;
    if (e->phase == SPA_PHASE_OFF)
        return -1;
    if (!eng_bool(e, "Provision_Enable", true) ||
        (src == SPA_SRC_SIP && !eng_bool(e, "Resync_From_SIP", true))) {
        e->stats.skipped++;
        eng_log_text(e, SPA_LOG_NOTICE,
                     src == SPA_SRC_SIP && eng_bool(e, "Provision_Enable", true)
                         ? "$PN $MAC -- resync request refused: Resync_From_SIP is off"
                         : "$PN $MAC -- resync request refused: Provision_Enable is off");
        return -1;
    }
    if (dup2s(&e->req_url, url && *url ? url : NULL, &e->req_server, default_server) < 0)
        return -1;
    e->t_resync = now;
    e->next_prvst = -1;
    if (e->job)
        e->flags |= EF_REQ_QUEUED;
    eng_run(e);
    return 0;
}

int spa_engine_request_upgrade(spa_engine *e, const char *url, const char *default_server,
                               int64_t now)
{
    e->now = now;
    if (e->phase == SPA_PHASE_OFF || !url || !*url)
        return -1;
    if (!eng_bool(e, "Upgrade_Enable", true)) {
        e->stats.skipped++;
        eng_log_text(e, SPA_LOG_NOTICE, "$PN $MAC -- upgrade request refused: Upgrade_Enable is off");
        return -1;
    }
    if (dup2s(&e->upg_url, url, &e->upg_server, default_server) < 0)
        return -1;
    eng_run(e);
    return 0;
}

void spa_engine_line_busy(spa_engine *e, unsigned line, bool busy, int64_t now)
{
    e->now = now;
    if (line < 1 || line > SPA_ENGINE_LINES)
        return;
    if (busy)
        e->busy = (uint8_t)(e->busy | (1u << (line - 1)));
    else
        e->busy = (uint8_t)(e->busy & ~(1u << (line - 1)));
    eng_run(e);
}

void spa_engine_line_registered(spa_engine *e, unsigned line, bool registered, int64_t now)
{
    e->now = now;
    if (line < 1 || line > 2)
        return;
    if (registered)
        e->reg_lost[line - 1] = -1;
    else if (e->reg_lost[line - 1] < 0)
        e->reg_lost[line - 1] = now;
    eng_run(e);
}

/* ------------------------------------------------------------------- status */

void spa_engine_get_status(const spa_engine *e, spa_engine_status *st)
{
    spa_macro_state ms;
    memset(st, 0, sizeof *st);
    spa_engine_macro_state(e, e->now, &ms);
    st->phase = (spa_engine_phase)e->phase;
    st->prvst = e->prvst;
    st->upgst = e->upgst;
    st->err = ms.err;
    st->upgerr = ms.upgerr;
    st->swver = e->swver;
    st->rule = e->job && e->phase == SPA_PHASE_RESYNC ? e->rule_idx : -1;
    st->synced = (e->flags & EF_SYNCED) != 0;
    st->resync_failures = e->resync_failures;
    st->upgrade_failures = e->upgrade_failures;
    st->next_resync = e->t_resync;
    st->next_upgrade_retry = e->t_upg_retry;
    st->report_pending = e->report_id != 0;
}

size_t spa_engine_memory(const spa_engine *e)
{
    size_t n = sizeof *e;
    for (int i = 0; i < 2; i++)
        if (e->trig[i])
            n += spa_rule_memory(e->trig[i]);
    if (e->job)
        n += sizeof *e->job;
    if (e->dhcp)
        n += strlen(e->dhcp) + 1;
    return n;
}

void spa_engine_stats_add(spa_engine_stats *sum, const spa_engine_stats *s)
{
    sum->resyncs += s->resyncs;
    sum->resync_ok += s->resync_ok;
    sum->resync_fail += s->resync_fail;
    sum->fetches += s->fetches;
    sum->skipped += s->skipped;
    sum->triggers += s->triggers;
    sum->upgrades += s->upgrades;
    sum->upgrade_ok += s->upgrade_ok;
    sum->upgrade_fail += s->upgrade_fail;
    sum->reports += s->reports;
    sum->report_fail += s->report_fail;
    sum->reboots += s->reboots;
    for (int i = 0; i < SPA_ERR_COUNT; i++)
        sum->fail_by_err[i] += s->fail_by_err[i];
}

const char *spa_engine_phase_name(spa_engine_phase p)
{
    static const char *const names[] = { "off", "idle", "wait-idle", "resync", "upgrade" };
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

static int fmt_deadline(spa_buf *out, const char *name, int64_t t, int64_t now)
{
    if (t == SPA_ENGINE_NEVER)
        return spa_buf_printf(out, "%s: never\n", name);
    return spa_buf_printf(out, "%s: in %lld s\n", name, (long long)(t > now ? (t - now) / 1000 : 0));
}

int spa_engine_status_format(const spa_engine *e, spa_buf *out)
{
    spa_engine_status st;
    const spa_engine_stats *s = &e->stats;
    int rc = 0;
    spa_engine_get_status(e, &st);
    rc |= spa_buf_printf(out, "phase: %s\nswver: %s\nprvst: %d\nupgst: %d\nerr: %s\nupgerr: %s\n",
                         spa_engine_phase_name(st.phase), st.swver, st.prvst, st.upgst, st.err,
                         st.upgerr);
    rc |= spa_buf_printf(out, "synced: %s\nresync_failures: %u\nupgrade_failures: %u\n",
                         st.synced ? "yes" : "no", st.resync_failures, st.upgrade_failures);
    rc |= fmt_deadline(out, "next_resync", st.next_resync, e->now);
    rc |= fmt_deadline(out, "next_upgrade_retry", st.next_upgrade_retry, e->now);
    rc |= spa_buf_printf(out, "resyncs: %u ok %u failed %u skipped %u triggered %u fetches %u\n",
                         s->resyncs, s->resync_ok, s->resync_fail, s->skipped, s->triggers,
                         s->fetches);
    rc |= spa_buf_printf(out, "upgrades: %u ok %u failed %u\nreports: %u failed %u\nreboots: %u\n",
                         s->upgrades, s->upgrade_ok, s->upgrade_fail, s->reports, s->report_fail,
                         s->reboots);
    for (int i = 1; i < SPA_ERR_COUNT; i++)
        if (s->fail_by_err[i])
            rc |= spa_buf_printf(out, "failed[%s]: %u\n", spa_engine_err_name((spa_engine_err)i),
                                 s->fail_by_err[i]);
    return rc < 0 ? -1 : 0;
}
