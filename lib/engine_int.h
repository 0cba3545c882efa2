/* engine_int.h — private state and helpers shared by engine.c (timers,
 * events, macro state, logging), engine_resync.c (Profile_Rule sequences and
 * profile apply) and engine_upgrade.c (Upgrade_Rule and Report_Rule). */
#ifndef SPAPROV_ENGINE_INT_H
#define SPAPROV_ENGINE_INT_H
#include "spaprov/engine.h"

/* Engine flag bits (spa_engine.flags). */
#define EF_SYNCED        0x01u  /* a sequence succeeded since power-up: periodic runs */
#define EF_CHANGED       0x02u  /* the running sequence changed values: reboot at its end */
#define EF_SKIP_UPGRADE  0x04u  /* the resync after a failed upgrade attempt does not retry it */
#define EF_UPG_CHECK     0x08u  /* evaluate Upgrade_Rule when lines are idle */
#define EF_EXPLICIT      0x10u  /* the running sequence is an explicit /admin/resync?url */
#define EF_REQ_QUEUED    0x20u  /* an explicit resync arrived while busy: run it next */

/* What one transfer needs until it completes; allocated only while a rule
 * runs, so an idle device pays one pointer for it. */
typedef struct engine_job {
    spa_rule_result res;     /* the chosen alternative: URL, --key, --alias */
    uint32_t id;             /* transfer id, 0 before start */
    bool explicit_req;       /* explicit upgrade request (no retry, no dedupe) */
    uint64_t ident_hash;     /* Upgrade_Rule identity of the image */
    char servip[64];         /* $SERVIP: answering address, else the host */
} engine_job;

struct spa_engine {
    const spa_engine_io *io;
    void *user;
    spa_params *params;
    spa_identity id;
    char *dhcp;                  /* DHCP option 66 server host (no port, no brackets) */
    uint16_t dhcp_port;          /* its port, 0 = the scheme's default */
    spa_rule *trig[2];           /* cached Resync_Trigger_1/2 (NULL = empty) */
    engine_job *job;             /* outstanding resync/upgrade rule */
    char *req_url, *req_server;  /* queued explicit resync URL */
    char *upg_url, *upg_server;  /* queued explicit upgrade URL */
    int64_t now;
    int64_t t_resync;            /* next resync (power-up, periodic, retry, queued) */
    int64_t t_forced;            /* WAIT_IDLE: start even if busy at this time */
    int64_t t_upg_retry;         /* Upgrade_Error_Retry_Delay deadline */
    int64_t t_trigger;           /* next Resync_Trigger evaluation */
    int64_t prv_last, upg_last;  /* last resync / upgrade attempt ($PRVTMR, $UPGTMR) */
    int64_t reg_lost[2];         /* when line 1/2 lost registration; -1 = registered */
    uint64_t upg_done;           /* identity hash of the last installed Upgrade_Rule image */
    uint32_t next_id, report_id;
    uint32_t resync_failures, upgrade_failures;
    int8_t prvst, upgst, next_prvst;
    uint8_t phase, rule_idx, err, upgerr, flags, busy, report_scheme;
    char swver[32];              /* running firmware ($SWVER) */
    char upg_ver[32];            /* version installed by the last upgrade ($UPGERR) */
    spa_engine_stats stats;
};

/* ---- engine.c ---- */
/* Macro environment over e; st is filled and must live as long as env. */
void eng_env(const spa_engine *e, spa_macro_state *st, spa_macro_env *env);
/* eng_env plus the rule-evaluation context over it (DHCP server, file named
 * in messages: the rule's parameter, or NULL). */
void eng_rule_env(const spa_engine *e, spa_macro_state *st, spa_macro_env *env, spa_rule_env *re,
                  const char *file);
/* A parameter's value ("" when the model lacks it). */
const char *eng_param(const spa_engine *e, const char *name);
/* A Bool parameter (def when unset or not a Bool). */
bool eng_bool(const spa_engine *e, const char *name, bool def);
/* Expand the message template of parameter name and log it. */
void eng_log_param(spa_engine *e, int sev, const char *name);
/* Expand a fixed template and log it. */
void eng_log_text(spa_engine *e, int sev, const char *tmpl);
/* Delay in ms after the n-th event of the schedule in parameter name; -1 when disabled. */
int64_t eng_schedule_ms(spa_engine *e, const char *name, uint32_t n);
/* Parse the rule held by parameter name in mode; NULL when empty or bad (*bad set). */
spa_rule *eng_rule(const spa_engine *e, const char *name, spa_rule_mode mode, bool *bad);
/* Start a transfer of URL u; *id gets its id. 0, or -1 when refused. */
int eng_start(spa_engine *e, const spa_url *u, spa_xfer_purpose purpose, spa_xfer_method m,
              const void *body, size_t blen, const char *ctype, uint32_t *id);
/* Map a transfer status to an ERR for a GET/POST/PUT of scheme. */
spa_engine_err eng_xfer_err(const spa_xfer_result *r, spa_scheme s, spa_xfer_method m);
/* Free a job (wiping its key). */
void eng_job_free(engine_job *job);
/* Count a failure by ERR. */
void eng_count_fail(spa_engine *e, spa_engine_err err);
/* Check the URL host of res against Restricted_Access_Domains; logs refusals. */
bool eng_host_ok(spa_engine *e, const spa_rule_result *res);
/* Parse an explicit (/admin/…?url) URL into res; host defaults to server,
 * then the DHCP server. Returns an ERR (NONE on success). */
spa_engine_err eng_explicit_url(spa_engine *e, const char *url, const char *server,
                                spa_rule_result *res);
/* Run whatever is due now. */
void eng_run(spa_engine *e);

/* ---- engine_resync.c ---- */
/* Start a resync sequence (Profile_Rule … _D) with the given $PRVST. */
void eng_resync_begin(spa_engine *e, int prvst);
/* A resync transfer ended. */
void eng_resync_done(spa_engine *e, const spa_xfer_result *r);

/* ---- engine_upgrade.c ---- */
/* Evaluate Upgrade_Rule (or the queued explicit URL) and start an upgrade when needed. */
void eng_upgrade_begin(spa_engine *e);
/* An upgrade transfer ended. */
void eng_upgrade_done(spa_engine *e, const spa_xfer_result *r);
/* Give a URL that named no server the DHCP option 66 port (and rebuild its
 * identity). 0, or -1 on OOM. */
int eng_dhcp_port(const spa_engine *e, spa_rule_result *res);

/* A report transfer ended. */
void eng_report_done(spa_engine *e, const spa_xfer_result *r);

#endif
