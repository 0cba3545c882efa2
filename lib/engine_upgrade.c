/* engine_upgrade.c — firmware upgrades (guide §2.13 "Upgrade rule", Table
 * 4-2) and configuration reports ("Report rule").
 * Upgrade_Rule is evaluated at resync time when the lines are idle; an image
 * is fetched again only when the expanded scheme+server+port+path changes
 * (kept as a 64-bit hash, so an idle device pays 8 bytes for it). Images are
 * spaprov firmware images (firmware.h): model must match, digest must
 * verify, version must respect Downgrade_Rev_Limit. Reports are one attempt,
 * no retry: the configuration as <flat-profile> XML without secrets,
 * encrypted with --key when given, POSTed (http/https) or PUT (tftp). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "spaprov/crypt.h"
#include "spaprov/firmware.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/version.h"
#include "engine_int.h"

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ? h : 1;   /* 0 means "nothing installed" */
}

/* After any attempt: Resync_After_Upgrade_Attempt queues a resync; after a
 * failure that resync does not retry the upgrade (the retry timer does). */
static void after_attempt(spa_engine *e, bool ok)
{
    eng_job_free(e->job);
    e->job = NULL;
    e->phase = SPA_PHASE_IDLE;
    if (eng_bool(e, "Resync_After_Upgrade_Attempt", true)) {
        e->t_resync = e->now;
        e->next_prvst = 1;
        if (!ok)
            e->flags |= EF_SKIP_UPGRADE;
    }
}

static void upgrade_fail(spa_engine *e, spa_engine_err err)
{
    e->err = (uint8_t)err;
    e->upgerr = (uint8_t)err;
    e->stats.upgrade_fail++;
    eng_count_fail(e, err);
    eng_log_param(e, SPA_LOG_ERR, "Log_Upgrade_Failure_Msg");
    if (!e->job->explicit_req) {
        int64_t d;
        e->upgrade_failures++;
        d = eng_schedule_ms(e, "Upgrade_Error_Retry_Delay", e->upgrade_failures);
        e->t_upg_retry = d < 0 ? SPA_ENGINE_NEVER : e->now + d;
    }
    after_attempt(e, false);
}

/* Choose the image: the queued explicit URL, else Upgrade_Rule. 1 when
 * job->res holds a URL to fetch, 0 when there is nothing to do. */
static int choose(spa_engine *e, engine_job *job, bool retry_due)
{
    spa_macro_state st;
    spa_macro_env env;
    spa_rule_env re;
    bool bad;

    if (e->upg_url) {
        spa_engine_err err = eng_explicit_url(e, e->upg_url, e->upg_server, &job->res);
        free(e->upg_url);
        e->upg_url = NULL;
        job->explicit_req = true;
        return err ? -1 : 1;
    }
    if (!eng_bool(e, "Upgrade_Enable", true))
        return 0;
    spa_rule *r = eng_rule(e, "Upgrade_Rule", SPA_RULE_UPGRADE, &bad);
    if (!r)
        return 0;   /* empty, or a syntax error (spc lint reports it) */
    eng_rule_env(e, &st, &env, &re, "Upgrade_Rule");
    int rc = spa_rule_eval(r, &re, &job->res, NULL);
    spa_rule_free(r);
    if (rc == 0 && eng_dhcp_port(e, &job->res) < 0)
        rc = -2;
    if (rc < 0 || job->res.alt < 0 || !job->res.has_url)
        return 0;
    job->ident_hash = fnv1a(job->res.identity);
    if (job->ident_hash == e->upg_done)
        return 0;   /* this image was installed already */
    if (!retry_due && e->t_upg_retry != SPA_ENGINE_NEVER)
        return 2;   /* a failed attempt waits for Upgrade_Error_Retry_Delay */
    return 1;
}

void eng_upgrade_begin(spa_engine *e)
{
    bool retry_due = e->t_upg_retry <= e->now;
    engine_job *job;
    int rc;

    e->flags &= (uint8_t)~EF_UPG_CHECK;
    if (!(job = calloc(1, sizeof *job)))
        return;
    spa_rule_result_init(&job->res);
    rc = choose(e, job, retry_due);
    if (rc == 0 || rc == 2) {
        if (rc == 0)
            e->t_upg_retry = SPA_ENGINE_NEVER;
        eng_job_free(job);
        return;
    }
    e->job = job;
    e->phase = SPA_PHASE_UPGRADE;
    e->t_upg_retry = SPA_ENGINE_NEVER;
    e->upgst = (int8_t)(e->upgrade_failures ? 2 : 1);
    e->upg_last = e->now;
    e->err = SPA_ERR_NONE;
    e->stats.upgrades++;
    if (rc < 0) {
        upgrade_fail(e, SPA_ERR_BAD_URL);
        return;
    }
    if (!job->res.url.host) {
        upgrade_fail(e, SPA_ERR_NO_SERVER);
        return;
    }
    /* the ATAs (no extensions) cannot upgrade over HTTPS */
    if (job->res.url.scheme == SPA_SCHEME_HTTPS && spa_params_model(e->params)->extensions == 0) {
        upgrade_fail(e, SPA_ERR_HTTPS_UPGRADE);
        return;
    }
    if (!eng_host_ok(e, &job->res)) {
        upgrade_fail(e, SPA_ERR_RESTRICTED);
        return;
    }
    eng_log_param(e, SPA_LOG_INFO, "Log_Upgrade_Request_Msg");
    if (eng_start(e, &job->res.url, SPA_PURPOSE_UPGRADE, SPA_XFER_GET, NULL, 0, NULL,
                  &job->id) < 0)
        upgrade_fail(e, SPA_ERR_REFUSED);
}

static spa_engine_err check_image(spa_engine *e, const spa_xfer_result *r, spa_fw_info *fi)
{
    const spa_model *m = spa_params_model(e->params);
    const char *limit = eng_param(e, "Downgrade_Rev_Limit");
    spa_fwver have, lim;

    if (spa_fw_parse(r->body, r->len, fi, NULL, 0) != SPA_FW_OK)
        return SPA_ERR_BAD_IMAGE;
    if (strcasecmp(fi->model, m->name) != 0)
        return SPA_ERR_WRONG_MODEL;
    if (spa_fwver_parse(fi->version, strlen(fi->version), &have) != 0)
        return SPA_ERR_BAD_IMAGE;
    if (*limit && spa_fwver_parse(limit, strlen(limit), &lim) == 0 &&
        spa_fwver_cmp(&have, &lim) < 0)
        return SPA_ERR_DOWNGRADE;
    return SPA_ERR_NONE;
}

void eng_upgrade_done(spa_engine *e, const spa_xfer_result *r)
{
    engine_job *job = e->job;
    spa_fw_info fi;
    spa_engine_err err;

    if (r->servip && *r->servip)
        snprintf(job->servip, sizeof job->servip, "%s", r->servip);
    err = eng_xfer_err(r, job->res.url.scheme, SPA_XFER_GET);
    if (!err)
        err = check_image(e, r, &fi);
    if (err) {
        upgrade_fail(e, err);
        return;
    }
    e->upgrade_failures = 0;
    e->t_upg_retry = SPA_ENGINE_NEVER;
    if (!job->explicit_req)
        e->upg_done = job->ident_hash;
    snprintf(e->upg_ver, sizeof e->upg_ver, "%s", fi.version);
    e->err = SPA_ERR_UPGRADED;     /* $ERR is the new load's version */
    e->upgerr = SPA_ERR_UPGRADED;
    e->stats.upgrade_ok++;
    eng_log_param(e, SPA_LOG_INFO, "Log_Upgrade_Success_Msg");
    snprintf(e->swver, sizeof e->swver, "%s", fi.version);
    e->stats.reboots++;
    if (e->io->reboot)
        e->io->reboot(e->io->ctx, e, SPA_REBOOT_UPGRADE);
    after_attempt(e, true);
}

/* ------------------------------------------------------------------ report */

/* "$PN $MAC -- <what> scheme://host:port/path", with '$' in the URL doubled
 * so it is not expanded. */
static void log_report(spa_engine *e, int sev, const char *what, const spa_url *u)
{
    spa_buf t;
    spa_buf_init(&t);
    if (spa_buf_printf(&t, "$PN $MAC -- %s", what) == 0 && u && spa_buf_putc(&t, ' ') == 0) {
        spa_buf url;
        spa_buf_init(&url);
        if (spa_url_format(&url, u->scheme, u->host, u->port, u->path) == 0)
            for (const char *p = url.data; *p; p++)
                if (spa_buf_putc(&t, *p) < 0 || (*p == '$' && spa_buf_putc(&t, '$') < 0))
                    break;
        spa_buf_free(&url);
    }
    if (t.data)
        eng_log_text(e, sev, t.data);
    spa_buf_free(&t);
}

/* The configuration as <flat-profile> XML, secrets left out. */
static int report_xml(const spa_engine *e, spa_buf *out)
{
    const spa_model *m = spa_params_model(e->params);
    spa_profile prof;
    int rc;
    spa_profile_init(&prof);
    rc = spa_params_to_profile(e->params, true, &prof);
    for (size_t i = 0; rc == 0 && i < m->nparams; i++)
        if (m->params[i].flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY))
            spa_profile_remove(&prof, m->params[i].name);
    if (rc == 0)
        rc = spa_profile_write_xml(&prof, out);
    spa_profile_free(&prof);
    return rc < 0 ? -1 : 0;
}

static int report_fail(spa_engine *e, spa_engine_err err, const spa_url *u)
{
    char what[64];
    e->stats.report_fail++;
    eng_count_fail(e, err);
    snprintf(what, sizeof what, "Report failed: %s", spa_engine_err_name(err));
    log_report(e, SPA_LOG_ERR, what, u);
    return -1;
}

static int send_report(spa_engine *e, const spa_rule_result *res)
{
    spa_buf xml, enc;
    const spa_buf *body = &xml;
    int rc;
    uint32_t id;

    if (!res->url.host)
        return report_fail(e, SPA_ERR_NO_SERVER, &res->url);
    if (!eng_host_ok(e, res))
        return report_fail(e, SPA_ERR_RESTRICTED, &res->url);
    spa_buf_init(&xml);
    spa_buf_init(&enc);
    rc = report_xml(e, &xml);
    if (rc == 0 && res->has_key) {
        rc = spa_openssl_encrypt(NULL, xml.data, xml.len, res->key, SPA_MD_MD5, NULL, &enc);
        body = &enc;
    }
    if (rc < 0) {
        spa_buf_free(&xml);
        spa_buf_free(&enc);
        return report_fail(e, SPA_ERR_OOM, &res->url);
    }
    spa_xfer_method m = res->url.scheme == SPA_SCHEME_TFTP ? SPA_XFER_PUT : SPA_XFER_POST;
    rc = eng_start(e, &res->url, SPA_PURPOSE_REPORT, m, body->data, body->len,
                   res->has_key ? "application/octet-stream" : "application/xml", &id);
    spa_buf_free(&xml);
    spa_buf_free(&enc);
    if (rc < 0)
        return report_fail(e, SPA_ERR_REFUSED, &res->url);
    e->report_id = id;
    e->report_scheme = (uint8_t)res->url.scheme;
    e->stats.reports++;
    log_report(e, SPA_LOG_INFO, "Sending report to", &res->url);
    return 0;
}

int spa_engine_request_report(spa_engine *e, int64_t now)
{
    spa_macro_state st;
    spa_macro_env env;
    spa_rule_env re;
    spa_rule_result res;
    bool bad;
    int rc;

    e->now = now;
    if (e->phase == SPA_PHASE_OFF || e->report_id)
        return -1;
    spa_rule *r = eng_rule(e, "Report_Rule", SPA_RULE_REPORT, &bad);
    if (!r)
        return bad ? report_fail(e, SPA_ERR_BAD_RULE, NULL) : -1;
    eng_rule_env(e, &st, &env, &re, "Report_Rule");
    spa_rule_result_init(&res);
    rc = spa_rule_eval(r, &re, &res, NULL);
    spa_rule_free(r);
    if (rc == 0 && eng_dhcp_port(e, &res) < 0)
        rc = -2;
    if (rc < 0)
        rc = report_fail(e, rc == -2 ? SPA_ERR_OOM : SPA_ERR_BAD_URL, NULL);
    else if (res.alt < 0 || !res.has_url)
        rc = -1;
    else
        rc = send_report(e, &res);
    spa_rule_result_free(&res);
    return rc;
}

void eng_report_done(spa_engine *e, const spa_xfer_result *r)
{
    spa_scheme s = (spa_scheme)e->report_scheme;
    spa_engine_err err = eng_xfer_err(r, s, s == SPA_SCHEME_TFTP ? SPA_XFER_PUT : SPA_XFER_POST);
    if (err) {
        report_fail(e, err, NULL);
        return;
    }
    eng_log_text(e, SPA_LOG_INFO, "$PN $MAC -- Report sent");
}
