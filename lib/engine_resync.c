/* engine_resync.c — one resync sequence (guide §2.13 "Profile rules"):
 * Profile_Rule, _B, _C, _D in order; each chooses an alternative, runs its
 * assignments, then fetches, decodes, parses and atomically applies one
 * profile. Any failure ends the sequence and arms Resync_Error_Retry_Delay;
 * success arms Resync_Periodic. Values changed during the sequence lead to
 * one reboot notification at its end (docs/engine.md). */
#include <stdlib.h>
#include <string.h>
#include "spaprov/alias.h"
#include "spaprov/crypt.h"
#include "spaprov/profile.h"
#include "engine_int.h"

static const char *const rule_names[4] = {
    "Profile_Rule", "Profile_Rule_B", "Profile_Rule_C", "Profile_Rule_D"
};

enum { STEP_NEXT = 0, STEP_STARTED = 1, STEP_FAIL = -1 };

static void next_rule(spa_engine *e);

/* End of a sequence, good or bad: free the job, queue what follows. */
static void finish(spa_engine *e)
{
    eng_job_free(e->job);
    e->job = NULL;
    e->phase = SPA_PHASE_IDLE;
    if (e->flags & EF_REQ_QUEUED) {
        e->t_resync = e->now;
        e->next_prvst = -1;
    }
    if (e->flags & EF_SKIP_UPGRADE)
        e->flags &= (uint8_t)~EF_SKIP_UPGRADE;
    else
        e->flags |= EF_UPG_CHECK;
    if (e->flags & EF_CHANGED) {
        e->flags &= (uint8_t)~EF_CHANGED;
        e->stats.reboots++;
        if (e->io->reboot)
            e->io->reboot(e->io->ctx, e, SPA_REBOOT_CONFIG);
    }
    e->flags &= (uint8_t)~EF_EXPLICIT;
}

static void arm_periodic(spa_engine *e)
{
    int64_t d = (e->flags & EF_SYNCED) ? eng_schedule_ms(e, "Resync_Periodic", 1) : -1;
    e->t_resync = d < 0 ? SPA_ENGINE_NEVER : e->now + d;
    e->next_prvst = 1;
}

static void sequence_ok(spa_engine *e)
{
    e->resync_failures = 0;
    e->flags |= EF_SYNCED;
    e->stats.resync_ok++;
    arm_periodic(e);
    finish(e);
}

/* Resync_Error_Retry_Delay: the n-th consecutive failure waits the n-th
 * element; disabled (0/empty) means no retry, only periodic/triggers. */
static void sequence_fail(spa_engine *e, spa_engine_err err)
{
    int64_t d;
    e->err = (uint8_t)err;
    e->resync_failures++;
    e->stats.resync_fail++;
    eng_count_fail(e, err);
    eng_log_param(e, SPA_LOG_ERR, "Log_Resync_Failure_Msg");
    d = eng_schedule_ms(e, "Resync_Error_Retry_Delay", e->resync_failures);
    if (d >= 0) {
        e->t_resync = e->now + d;
        e->next_prvst = 2;
    } else {
        arm_periodic(e);
    }
    finish(e);
}

void eng_resync_begin(spa_engine *e, int prvst)
{
    e->flags &= (uint8_t)~(EF_CHANGED | EF_EXPLICIT | EF_REQ_QUEUED);
    e->prvst = (int8_t)prvst;
    e->prv_last = e->now;
    e->err = SPA_ERR_NONE;
    e->rule_idx = 0;
    if (!eng_bool(e, "Provision_Enable", true)) {
        /* resync time without provisioning: only the upgrade check runs */
        free(e->req_url);
        e->req_url = NULL;
        e->stats.skipped++;
        arm_periodic(e);
        finish(e);
        return;
    }
    e->stats.resyncs++;
    if (e->req_url)
        e->flags |= EF_EXPLICIT;
    next_rule(e);
}

/* Execute the chosen alternative's assignments (before any fetch). */
static int run_assignments(spa_engine *e, const spa_rule_result *res)
{
    bool changed = false;
    for (size_t i = 0; i < res->nassign; i++) {
        const char *old = spa_params_get(e->params, res->assign[i].name);
        if (!old)
            continue;   /* unknown to this model: ignored, as in a profile */
        if (strcmp(old, res->assign[i].value) == 0)
            continue;
        int rc = spa_params_set(e->params, res->assign[i].name, res->assign[i].value,
                                SPA_ACCESS_UNSET);
        if (rc == -2)
            return -2;
        if (rc == 0)
            changed = true;
    }
    if (changed) {
        e->flags |= EF_CHANGED;
        spa_engine_config_changed(e);
    }
    return changed ? 1 : 0;
}

/* The chosen alternative's assignments are executed before its URL and
 * options are used (§2.13 steps 2 and 3), but spa_rule_eval expands them in
 * one pass. So when the assignments changed something, evaluate again and,
 * if the same alternative is chosen, take its freshly expanded URL, key and
 * options (its assignments are not executed twice). */
static int reexpand(spa_engine *e, const spa_rule *r, spa_rule_env *re, spa_macro_state *st,
                    engine_job *job)
{
    spa_rule_result again;
    spa_macro_env *env = re->ctx;
    int rc;
    eng_env(e, st, env);
    spa_rule_result_init(&again);
    rc = spa_rule_eval(r, re, &again, NULL);
    if (rc == 0 && eng_dhcp_port(e, &again) < 0)
        rc = -2;
    if (rc == 0 && again.alt == job->res.alt) {
        spa_rule_result_free(&job->res);
        job->res = again;
        return 0;
    }
    spa_rule_result_free(&again);
    return rc == -2 ? -2 : rc < 0 ? -1 : 0;
}

/* Evaluate the current rule into job->res; STEP_NEXT when nothing to fetch. */
static int choose(spa_engine *e, engine_job *job, spa_engine_err *err)
{
    spa_macro_state st;
    spa_macro_env env;
    spa_rule_env re;
    bool bad;
    const char *name = rule_names[e->rule_idx];

    if (e->flags & EF_EXPLICIT) {
        *err = eng_explicit_url(e, e->req_url, e->req_server, &job->res);
        free(e->req_url);
        e->req_url = NULL;
        return *err ? STEP_FAIL : STEP_STARTED;
    }
    spa_rule *r = eng_rule(e, name, SPA_RULE_PROFILE, &bad);
    if (!r) {
        *err = SPA_ERR_BAD_RULE;
        return bad ? STEP_FAIL : STEP_NEXT;
    }
    eng_rule_env(e, &st, &env, &re, name);
    int rc = spa_rule_eval(r, &re, &job->res, NULL);
    if (rc == 0 && eng_dhcp_port(e, &job->res) < 0)
        rc = -2;
    if (rc < 0 || job->res.alt < 0) {
        spa_rule_free(r);
        *err = rc == -2 ? SPA_ERR_OOM : SPA_ERR_BAD_URL;
        return rc < 0 ? STEP_FAIL : STEP_NEXT;
    }
    rc = run_assignments(e, &job->res);
    if (rc == 1 && job->res.has_url)
        rc = reexpand(e, r, &re, &st, job);
    spa_rule_free(r);
    if (rc < 0) {
        *err = rc == -2 ? SPA_ERR_OOM : SPA_ERR_BAD_URL;
        return STEP_FAIL;
    }
    return job->res.has_url ? STEP_STARTED : STEP_NEXT;
}

/* The --post body: GPP_x macro expanded ($SA–$SD stay verbatim). */
static int post_body(spa_engine *e, char letter, spa_buf *b)
{
    spa_macro_state st;
    spa_macro_env env;
    char name[8] = "GPP_";
    name[4] = (char)(letter - 'a' + 'A');
    name[5] = '\0';
    eng_env(e, &st, &env);
    return spa_macro_expand_env(eng_param(e, name), &env, 0, b);
}

static int fetch(spa_engine *e, spa_engine_err *err)
{
    engine_job *job = e->job;
    spa_buf body;
    int rc;
    if (!job->res.url.host) {
        *err = SPA_ERR_NO_SERVER;
        return STEP_FAIL;
    }
    if (!eng_host_ok(e, &job->res)) {
        *err = SPA_ERR_RESTRICTED;
        return STEP_FAIL;
    }
    e->stats.fetches++;
    eng_log_param(e, SPA_LOG_INFO, "Log_Resync_Request_Msg");
    spa_buf_init(&body);
    if (job->res.post && post_body(e, job->res.post, &body) < 0) {
        spa_buf_free(&body);
        *err = SPA_ERR_OOM;
        return STEP_FAIL;
    }
    rc = eng_start(e, &job->res.url, SPA_PURPOSE_RESYNC,
                   job->res.post ? SPA_XFER_POST : SPA_XFER_GET, body.data, body.len,
                   job->res.post ? "text/plain" : NULL, &job->id);
    spa_buf_free(&body);
    if (rc < 0) {
        *err = SPA_ERR_REFUSED;
        return STEP_FAIL;
    }
    e->phase = SPA_PHASE_RESYNC;
    return STEP_STARTED;
}

/* Run rules from rule_idx until one starts a transfer, fails, or all done. */
static void next_rule(spa_engine *e)
{
    unsigned n = (e->flags & EF_EXPLICIT) ? 1 : 4;
    for (; e->rule_idx < n; e->rule_idx++) {
        spa_engine_err err = SPA_ERR_NONE;
        engine_job *job = calloc(1, sizeof *job);
        if (!job) {
            sequence_fail(e, SPA_ERR_OOM);
            return;
        }
        spa_rule_result_init(&job->res);
        e->job = job;
        int rc = choose(e, job, &err);
        if (rc == STEP_STARTED)
            rc = fetch(e, &err);
        if (rc == STEP_STARTED)
            return;
        if (rc == STEP_FAIL) {
            sequence_fail(e, err);
            return;
        }
        eng_job_free(job);
        e->job = NULL;
    }
    sequence_ok(e);
}

static spa_engine_err dec_err(int status)
{
    switch (status) {
    case SPA_DEC_OK: return SPA_ERR_NONE;
    case SPA_DEC_WRONG_KEY: return SPA_ERR_WRONG_KEY;
    case SPA_DEC_NEED_KEY: return SPA_ERR_NO_KEY;
    case SPA_DEC_TOO_LARGE: return SPA_ERR_TOO_LARGE;
    case SPA_DEC_OOM: return SPA_ERR_OOM;
    case SPA_DEC_SYNTAX: return SPA_ERR_SYNTAX;
    default: return SPA_ERR_CORRUPT;
    }
}

static void wipe(spa_buf *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
    spa_buf_free(b);
}

static spa_engine_err parse_payload(spa_engine *e, const spa_buf *text, unsigned layers,
                                    spa_profile *prof)
{
    const engine_job *job = e->job;
    const char *file = rule_names[e->rule_idx];
    int rc;
    if (spa_profile_looks_xml(text->data, text->len)) {
        spa_alias_map map;
        spa_xml_options xo;
        memset(&map, 0, sizeof map);
        memset(&xo, 0, sizeof xo);
        if (job->res.alias) {
            char name[8] = "GPP_";
            name[4] = (char)(job->res.alias - 'a' + 'A');
            name[5] = '\0';
            if (spa_alias_map_parse(&map, eng_param(e, name), name, NULL) != 0)
                return SPA_ERR_BAD_ALIAS;
            xo.aliases = &map;
        }
        rc = spa_profile_parse_xml(prof, text->data, text->len, file, &xo, NULL);
        spa_alias_map_free(&map);
    } else {
        spa_text_options to;
        memset(&to, 0, sizeof to);
        rc = spa_profile_parse_text(prof, text->data, text->len, file, &to, NULL);
    }
    if (rc == -2)
        return SPA_ERR_OOM;
    if (rc != 0)
        return (layers & (SPA_LAYER_CONTAINER | SPA_LAYER_SALTED | SPA_LAYER_GZIP))
                   ? SPA_ERR_CORRUPT : SPA_ERR_SYNTAX;
    return SPA_ERR_NONE;
}

/* Decode by content, parse completely, then apply atomically. */
static spa_engine_err apply(spa_engine *e, const void *data, size_t len)
{
    const engine_job *job = e->job;
    spa_decode_opts o;
    spa_decode_info info;
    spa_buf text;
    spa_profile prof;
    spa_apply_result ar;
    spa_engine_err err;

    memset(&o, 0, sizeof o);
    o.key = job->res.has_key ? job->res.key : NULL;
    o.mac = e->id.mac;
    spa_buf_init(&text);
    /* room up front so a decrypted profile is not left behind by a realloc */
    if (spa_buf_reserve(&text, len + 64) < 0)
        return SPA_ERR_OOM;
    err = dec_err(spa_decode(NULL, data ? data : "", len, &o, &text, &info));
    if (err) {
        wipe(&text);
        return err;
    }
    spa_profile_init(&prof);
    err = parse_payload(e, &text, info.layers, &prof);
    wipe(&text);
    if (!err && spa_params_apply(e->params, &prof, 0, &ar) != 0)
        err = SPA_ERR_OOM;
    spa_profile_free(&prof);
    if (err)
        return err;
    if (ar.values_changed || ar.access_changed) {
        if (ar.values_changed)
            e->flags |= EF_CHANGED;
        spa_engine_config_changed(e);
    }
    return SPA_ERR_NONE;
}

void eng_resync_done(spa_engine *e, const spa_xfer_result *r)
{
    engine_job *job = e->job;
    spa_engine_err err;
    if (r->servip && *r->servip) {
        strncpy(job->servip, r->servip, sizeof job->servip - 1);
        job->servip[sizeof job->servip - 1] = '\0';
    }
    err = eng_xfer_err(r, job->res.url.scheme, job->res.post ? SPA_XFER_POST : SPA_XFER_GET);
    if (err == SPA_ERR_FNF && !eng_bool(e, "Resync_Fails_On_FNF", true)) {
        e->err = SPA_ERR_FNF;   /* counts as success; the log says why */
    } else {
        if (!err)
            err = apply(e, r->body, r->len);
        if (err) {
            sequence_fail(e, err);
            return;
        }
        e->err = SPA_ERR_NONE;
    }
    eng_log_param(e, SPA_LOG_INFO, "Log_Resync_Success_Msg");
    eng_job_free(job);
    e->job = NULL;
    e->phase = SPA_PHASE_IDLE;
    e->rule_idx++;
    next_rule(e);
}
