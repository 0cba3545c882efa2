/* engine.h — the device's provisioning engine (guide §2.7–§2.13, §4.1–§4.4):
 * power-up resync, Profile_Rule…_D sequences, error retries, periodic
 * resyncs, Resync_Trigger_1/2, firmware upgrades, configuration reports.
 *
 * The engine is deterministic and does no I/O. Per device it keeps a few
 * hundred bytes of state and talks to the world only through the
 * spa_engine_io the caller supplies (shared by a whole fleet): a transport
 * that starts transfers and later reports them with
 * spa_engine_on_transfer_done, a random source, a log sink and a reboot
 * notification. Time is passed in by the caller (milliseconds on a
 * monotonic clock) with every call; timers are absolute deadlines, and
 * spa_engine_next_deadline says when the engine next wants a tick. The state
 * machine, the ERR texts and every decision are in docs/engine.md. */
#ifndef SPAPROV_ENGINE_H
#define SPAPROV_ENGINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/macro.h"
#include "spaprov/params.h"
#include "spaprov/rule.h"
#include "spaprov/schedule.h"

#define SPA_ENGINE_NEVER INT64_MAX   /* "no deadline" */
#define SPA_ENGINE_LINES 8           /* line-state bits kept (busy / registered) */

/* Stable result texts ($ERR, $UPGERR); spa_engine_err_name gives the text. */
typedef enum spa_engine_err {
    SPA_ERR_NONE = 0,        /* "" */
    SPA_ERR_HTTP_GET,        /* "http_get failed" */
    SPA_ERR_HTTP_POST,       /* "http_post failed" */
    SPA_ERR_TFTP_GET,        /* "tftp_get failed" */
    SPA_ERR_TFTP_PUT,        /* "tftp_put failed" */
    SPA_ERR_FNF,             /* "file not found" */
    SPA_ERR_TIMEOUT,         /* "timeout" */
    SPA_ERR_CONNECT,         /* "connect failed" */
    SPA_ERR_DNS,             /* "dns lookup failed" */
    SPA_ERR_TLS,             /* "ssl handshake failed" */
    SPA_ERR_TOO_LARGE,       /* "file too large" */
    SPA_ERR_CORRUPT,         /* "corrupt file" */
    SPA_ERR_WRONG_KEY,       /* "wrong key" */
    SPA_ERR_NO_KEY,          /* "no key" */
    SPA_ERR_SYNTAX,          /* "profile syntax error" */
    SPA_ERR_BAD_ALIAS,       /* "bad alias map" */
    SPA_ERR_BAD_RULE,        /* "bad rule" */
    SPA_ERR_BAD_URL,         /* "bad url" */
    SPA_ERR_NO_SERVER,       /* "no server" */
    SPA_ERR_RESTRICTED,      /* "restricted domain" */
    SPA_ERR_REFUSED,         /* "transfer refused" */
    SPA_ERR_OOM,             /* "out of memory" */
    SPA_ERR_BAD_IMAGE,       /* "corrupt image" */
    SPA_ERR_WRONG_MODEL,     /* "wrong model" */
    SPA_ERR_DOWNGRADE,       /* "downgrade limit" */
    SPA_ERR_HTTPS_UPGRADE,   /* "https upgrade not supported" */
    SPA_ERR_ABORTED,         /* "aborted" (power loss / reset mid-transfer) */
    SPA_ERR_UPGRADED,        /* upgrade success: ERR is the new version text */
    SPA_ERR_COUNT
} spa_engine_err;

/* The text of an ERR code ("" for NONE; "upgraded" for UPGRADED). */
const char *spa_engine_err_name(spa_engine_err e);

typedef enum spa_xfer_method { SPA_XFER_GET = 0, SPA_XFER_POST, SPA_XFER_PUT } spa_xfer_method;
typedef enum spa_xfer_purpose {
    SPA_PURPOSE_RESYNC = 0, SPA_PURPOSE_UPGRADE, SPA_PURPOSE_REPORT
} spa_xfer_purpose;

/* A transfer the engine wants. Every pointer is valid only during the
 * start call: copy what you keep. host is never NULL. */
typedef struct spa_xfer_request {
    uint32_t id;                 /* give it back to spa_engine_on_transfer_done */
    spa_xfer_purpose purpose;
    spa_xfer_method method;      /* GET; POST (--post, http report); PUT (tftp report) */
    spa_scheme scheme;
    const char *host;            /* name or address; resolve it, try every A record */
    unsigned port;
    const char *path;            /* absolute, with any "?query" */
    const void *body;            /* POST/PUT body; NULL for GET */
    size_t body_len;
    const char *content_type;    /* for POST: see docs/engine.md */
    const char *user_agent;      /* "Linksys/SPA-2102-5.1.10 (SN)" */
} spa_xfer_request;

typedef enum spa_xfer_status {
    SPA_XFER_OK = 0,
    SPA_XFER_NOT_FOUND,          /* HTTP 404, TFTP error 1 */
    SPA_XFER_TIMEOUT,
    SPA_XFER_HTTP_ERROR,         /* any other HTTP status (http_code) */
    SPA_XFER_TFTP_ERROR,         /* any other TFTP error packet */
    SPA_XFER_CONNECT_FAILED,
    SPA_XFER_DNS_FAILED,
    SPA_XFER_TLS_FAILED,
    SPA_XFER_TOO_LARGE
} spa_xfer_status;

/* How a transfer ended. body is borrowed for the duration of the call. */
typedef struct spa_xfer_result {
    spa_xfer_status status;
    int http_code;               /* for HTTP_ERROR; informational */
    const char *servip;          /* address that answered ($SERVIP); may be NULL */
    const void *body;
    size_t len;
} spa_xfer_result;

typedef enum spa_reboot_reason {
    SPA_REBOOT_CONFIG = 0,       /* a resync changed values */
    SPA_REBOOT_UPGRADE,          /* new firmware installed */
    SPA_REBOOT_FACTORY_RESET
} spa_reboot_reason;

/* syslog severities used by the log sink */
#define SPA_LOG_ERR 3
#define SPA_LOG_WARNING 4
#define SPA_LOG_NOTICE 5
#define SPA_LOG_INFO 6

typedef struct spa_engine spa_engine;

/* What the caller supplies; one instance may serve every device. */
typedef struct spa_engine_io {
    /* Start a transfer; 0 when started (completion reported later, never from
     * inside this call), -1 when it cannot even start. */
    int (*start)(void *ctx, spa_engine *e, const spa_xfer_request *req);
    /* One syslog line (already macro expanded; never contains a secret). */
    void (*log)(void *ctx, spa_engine *e, int severity, const char *line);
    /* The device reboots now (new values / firmware take effect). May be NULL. */
    void (*reboot)(void *ctx, spa_engine *e, spa_reboot_reason why);
    spa_random_fn random;        /* uniform 32 bits; NULL = no randomness (0) */
    void *random_ctx;
    void *ctx;                   /* passed to start/log/reboot */
} spa_engine_io;

/* Per-device counters, for a status page and fleet statistics. */
typedef struct spa_engine_stats {
    uint32_t resyncs;            /* resync sequences started */
    uint32_t resync_ok, resync_fail;
    uint32_t fetches;            /* profiles requested */
    uint32_t skipped;            /* resyncs refused or skipped (disabled) */
    uint32_t triggers;           /* resyncs started by Resync_Trigger_1/2 */
    uint32_t upgrades, upgrade_ok, upgrade_fail;
    uint32_t reports, report_fail;
    uint32_t reboots;
    uint32_t fail_by_err[SPA_ERR_COUNT];  /* resync + upgrade + report failures */
} spa_engine_stats;

typedef enum spa_engine_phase {
    SPA_PHASE_OFF = 0,           /* not powered up yet */
    SPA_PHASE_IDLE,              /* waiting for a deadline or an event */
    SPA_PHASE_WAIT_IDLE,         /* a resync is due, lines are busy */
    SPA_PHASE_RESYNC,            /* a profile transfer is outstanding */
    SPA_PHASE_UPGRADE            /* a firmware transfer is outstanding */
} spa_engine_phase;

/* A snapshot for a status page. Strings point into the engine. */
typedef struct spa_engine_status {
    spa_engine_phase phase;
    int prvst, upgst;
    const char *err, *upgerr;    /* last $ERR, $UPGERR */
    const char *swver;           /* running firmware */
    int rule;                    /* rule being run: 0..3 = Profile_Rule.._D, -1 none */
    bool synced;                 /* a resync sequence has succeeded since power-up */
    uint32_t resync_failures;    /* consecutive failed sequences */
    uint32_t upgrade_failures;   /* consecutive failed upgrades */
    int64_t next_resync;         /* absolute ms, SPA_ENGINE_NEVER when none */
    int64_t next_upgrade_retry;
    bool report_pending;
} spa_engine_status;

/* A device's engine over params (borrowed; must outlive it; its model gives
 * $PN etc.), identity (copied; its strings are borrowed) and io (borrowed).
 * user is the caller's per-device pointer. NULL on OOM. The device is off
 * until spa_engine_power_up. */
spa_engine *spa_engine_new(spa_params *params, const spa_identity *id, const spa_engine_io *io,
                           void *user);
/* Free an engine (an outstanding transfer is forgotten). */
void spa_engine_free(spa_engine *e);
/* The per-device pointer given at creation. */
void *spa_engine_user(const spa_engine *e);
/* The parameter store. */
spa_params *spa_engine_params(const spa_engine *e);
/* Set the DHCP option 66 server used by URLs without a server (NULL = none;
 * copied): "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address;
 * a port replaces the scheme's default in such URLs. -1 when malformed or OOM
 * (the previous server is kept). */
int spa_engine_set_dhcp_server(spa_engine *e, const char *server);

/* The engine's flash state a restarted emulator must carry over besides
 * the parameters and firmware version: which image the Upgrade_Rule last
 * installed (so the same image is not fetched again). Counters are not
 * here: callers persist spa_engine_get_stats themselves. */
typedef struct spa_engine_flash {
    uint64_t upg_ident;   /* 64-bit FNV-1a hash of the image's URL identity; 0 = none */
    char upg_ver[32];     /* version that image installed ("" = unknown) */
} spa_engine_flash;

/* Copy the flash state out of e. */
void spa_engine_flash_export(const spa_engine *e, spa_engine_flash *f);
/* Restore flash state saved by spa_engine_flash_export (before power-up). */
void spa_engine_flash_import(spa_engine *e, const spa_engine_flash *f);

/* Power on (or power-cycle: RAM state is lost, flash state — the last
 * installed upgrade and counters — kept). Arms the Resync_On_Reset resync
 * after a random 0..Resync_Random_Delay×20 s. */
void spa_engine_power_up(spa_engine *e, int64_t now);
/* Run whatever is due at now (call every second or at next_deadline). */
void spa_engine_tick(spa_engine *e, int64_t now);
/* Earliest absolute time the engine wants a tick; SPA_ENGINE_NEVER if none. */
int64_t spa_engine_next_deadline(const spa_engine *e);
/* Report a transfer's end. Returns 0, or -1 when id is not outstanding
 * (late or duplicate completions are ignored). */
int spa_engine_on_transfer_done(spa_engine *e, uint32_t id, const spa_xfer_result *r,
                                int64_t now);

typedef enum spa_request_source { SPA_SRC_WEB = 0, SPA_SRC_SIP } spa_request_source;

/* Explicit resync (/admin/resync, or SIP NOTIFY "Event: resync" after
 * authentication): PRVST -1. url (may be NULL) replaces the rules for this
 * one resync; a URL without server uses default_server (the web client).
 * Returns 0 when accepted, -1 when refused (Provision_Enable, or
 * Resync_From_SIP for SIP) — logged. */
int spa_engine_request_resync(spa_engine *e, spa_request_source src, const char *url,
                              const char *default_server, int64_t now);
/* Explicit upgrade (/admin/upgrade?url): gated by Upgrade_Enable; runs when
 * lines are idle. 0 accepted, -1 refused (logged). */
int spa_engine_request_upgrade(spa_engine *e, const char *url, const char *default_server,
                               int64_t now);
/* SIP NOTIFY "Event: report": one Report_Rule attempt, no retry. 0 when a
 * report was sent, -1 when none could be (empty rule, bad URL, ...). */
int spa_engine_request_report(spa_engine *e, int64_t now);
/* Line state: busy (in a call) and registered with its proxy (REGTMRn). */
void spa_engine_line_busy(spa_engine *e, unsigned line, bool busy, int64_t now);
void spa_engine_line_registered(spa_engine *e, unsigned line, bool registered, int64_t now);
/* Parameters were changed from outside the engine (web UI): re-read the
 * cached triggers. */
void spa_engine_config_changed(spa_engine *e);
/* Manufacturing reset: factory defaults, engine state cleared, reboot
 * (notified), then power-up behaviour. */
void spa_engine_factory_reset(spa_engine *e, int64_t now);

/* The unit's identity as the engine's macros see it ($SWVER = running firmware). */
const spa_identity *spa_engine_identity(const spa_engine *e);
/* The unit became (or stopped being) customized: $ISCUST (remote customization). */
void spa_engine_set_customized(spa_engine *e, bool customized);
/* Running firmware version ($SWVER). */
const char *spa_engine_swver(const spa_engine *e);
/* Counters. */
const spa_engine_stats *spa_engine_get_stats(const spa_engine *e);
/* Fill a status snapshot. */
void spa_engine_get_status(const spa_engine *e, spa_engine_status *st);
/* Add every counter of s into sum (fleet statistics). */
void spa_engine_stats_add(spa_engine_stats *sum, const spa_engine_stats *s);
/* Append a status-page text ("name: value" lines: phase, PRVST, ERR,
 * counters, failures by ERR); never contains a secret. 0 or -1 on OOM. */
int spa_engine_status_format(const spa_engine *e, spa_buf *out);
/* Name of a phase: "off", "idle", "wait-idle", "resync", "upgrade". */
const char *spa_engine_phase_name(spa_engine_phase p);
/* Macro state as $PRVST … $ERR see it at now (strings point into e). */
void spa_engine_macro_state(const spa_engine *e, int64_t now, spa_macro_state *st);
/* Bytes one engine uses (struct + heap), excluding params and model. */
size_t spa_engine_memory(const spa_engine *e);
/* sizeof(struct spa_engine). */
size_t spa_engine_struct_size(void);

/* Restricted_Access_Domains check: true when host is allowed by list (up to
 * five comma/space separated domains; empty list allows everything). A host
 * is inside a domain when equal to it or ending in "." + domain,
 * case-insensitively. */
bool spa_engine_host_allowed(const char *list, const char *host);

#endif
