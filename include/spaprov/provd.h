/* provd.h — the provisioning server's logic (spaprovd), kept apart from the
 * sockets so it can be unit-tested: the configuration file, the
 * identification of a device from one request (client certificate,
 * User-Agent, MAC in the path or query, TFTP file name), the routing of a
 * request to a per-device profile or a static file, and the answer, with
 * every request and result stored as an event. lib/provd_net.c wires it to
 * the TFTP, HTTP(S) and syslog servers on one libevent loop. See
 * docs/spaprovd.md. */
#ifndef SPAPROV_PROVD_H
#define SPAPROV_PROVD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/render.h"
#include "spaprov/store.h"
#include "spaprov/tls.h"

struct event_base;

/* ---- configuration ---------------------------------------------------- */

/* What to do with a request for a device the database does not know. */
typedef enum {
    SPA_UNKNOWN_404 = 0,     /* refuse (404 / TFTP file not found) */
    SPA_UNKNOWN_BOOTSTRAP,   /* serve the bootstrap file (bootstrap_file) */
    SPA_UNKNOWN_REGISTER     /* add the device (model from cert/UA) and serve it */
} spa_unknown_policy;

/* What the server is for (setting Mode). */
typedef enum {
    SPA_MODE_PROVIDER = 0,   /* a service provider's server: per-device profiles */
    SPA_MODE_RC_VENDOR       /* the vendor's remote-customization server (docs/flows-firmware-rc.md) */
} spa_provd_mode;

#define SPA_PROVD_STR 512

/* Where spaprovd's own log lines go (docs/spaprovd.md "Logging"). */
typedef enum { SPA_PROVD_LOG_STDERR = 0, SPA_PROVD_LOG_SYSLOG } spa_provd_log_to;

/* Log levels: syslog(3) severities. */
enum {
    SPA_PROVD_LOG_ERR = 3, SPA_PROVD_LOG_WARNING = 4, SPA_PROVD_LOG_NOTICE = 5,
    SPA_PROVD_LOG_INFO = 6, SPA_PROVD_LOG_DEBUG = 7
};

/* Every setting of spaprovd; strings are fixed-size so a reload is a copy. */
typedef struct spa_provd_config {
    char data_dir[SPA_PROVD_STR];      /* database and generated files */
    char static_root[SPA_PROVD_STR];   /* firmware and other static files ("" = data_dir/files) */
    char tftp_address[64];
    uint16_t tftp_port;                /* 0 = disabled */
    char http_address[64];
    uint16_t http_port;                /* 0 = disabled */
    char https_address[64];
    uint16_t https_port;               /* 0 = disabled */
    char syslog_address[64];
    uint16_t syslog_port;              /* 0 = disabled */
    char tls_cert[SPA_PROVD_STR];      /* "" = self-made in data_dir/tls */
    char tls_key[SPA_PROVD_STR];
    char client_ca[SPA_PROVD_STR];     /* "" = client certificates not requested */
    bool require_client_cert;
    bool tls_legacy;                   /* offer the guide's Table 1-2 suites */
    bool https_plain;                  /* serve unencrypted profiles over HTTPS to a
                                          device proven by its certificate */
    spa_unknown_policy unknown;
    char bootstrap_file[SPA_PROVD_STR]; /* relative to static_root */
    char server_url[SPA_PROVD_STR];    /* {{server.url}} */
    char server_name[256];             /* {{server.name}} */
    unsigned tftp_blksize_max;         /* 0 = MTU-sized */
    unsigned tftp_rate;                /* requests/s per client (0 = 50) */
    unsigned tftp_max_transfers;       /* concurrent TFTP transfers (0 = 512) */
    uint64_t wrq_max;                  /* TFTP upload cap into data_dir/reports (0 = refuse) */
    char bootstrap_rule[SPA_PROVD_STR];  /* flow 1: Profile_Rule of the generated
                                            /spa$PSN.cfg ("" = not generated) */
    bool secure_provisioning;          /* flow 3: SEC-PRV-1 over HTTPS, then SEC-PRV-2 */
    char secure_url[SPA_PROVD_STR];    /* base URL of SEC-PRV-2 fetches ("" = server_url) */
    char secure_recovery_url[SPA_PROVD_STR]; /* HTTPS base a unit falls back to on a
                                            failed SEC-PRV-2 resync ("" = none) */
    char user[64];                     /* drop to this user after binding ("" = stay) */
    char group[64];                    /* and this group ("" = the user's primary group) */
    spa_provd_log_to log_to;           /* stderr or syslog */
    int log_level;                     /* SPA_PROVD_LOG_*: lines above it are dropped */
    char log_socket[SPA_PROVD_STR];    /* syslog socket ("" = /dev/log) */
    uint64_t report_max;               /* HTTP POST body cap (reports, --post); 413 above */
    char bind_path[256];               /* retail binding route ("bind"; "" = off) */
    char bind_profile_rule[SPA_PROVD_STR]; /* Profile_Rule a binding answer adds (templates) */
    char firmware_url[SPA_PROVD_STR];  /* base URL of generated Upgrade_Rules ("" = derived) */
    spa_provd_mode mode;
} spa_provd_config;

/* Fill c with the zero-configuration defaults (docs/spaprovd.md). */
void spa_provd_config_defaults(spa_provd_config *c);
/* Parse config text (`Name "value" ;` statements, # comments) over c.
 * Unknown names and bad values are errors at file:line:col; on any error
 * c is unchanged. 0 or -1. */
int spa_provd_config_parse(spa_provd_config *c, const char *text, size_t len, const char *file,
                           spa_diags *d);
/* Defaults, then the file at path (NULL = defaults only). 0 or -1. */
int spa_provd_config_load(spa_provd_config *c, const char *path, spa_diags *d);
/* The database file of a data directory into out[n]. */
void spa_provd_db_path(const char *data_dir, char *out, size_t n);
/* Create data_dir (and its files/ and tls/ folders) when missing. 0 or -1. */
int spa_provd_prepare_dir(const char *data_dir, spa_diags *d);

/* ---- one request ----------------------------------------------------- */

typedef enum { SPA_PROTO_TFTP = 0, SPA_PROTO_HTTP, SPA_PROTO_HTTPS } spa_provd_proto;

/* What the socket layer knows about a request. Any pointer may be NULL. */
typedef struct spa_provd_input {
    spa_provd_proto proto;
    const char *method;                 /* "GET"/"HEAD"/"POST" (HTTP); NULL for TFTP */
    const char *path;                   /* raw path (HTTP, %-encoded) or TFTP file name */
    const char *query;                  /* raw query or NULL */
    const char *user_agent;
    const spa_cert_subject *cert;       /* verified client certificate */
    const char *peer;                   /* "127.0.0.1" for the logs */
    const void *body;                   /* POST body (a report or a --post body) */
    size_t body_len;
} spa_provd_input;

/* Where an identification field came from. */
typedef enum {
    SPA_ID_NONE = 0, SPA_ID_CERT, SPA_ID_UA, SPA_ID_PATH, SPA_ID_QUERY, SPA_ID_FILENAME
} spa_id_source;

/* Name of a source: "none", "certificate", "user-agent", "path", "query", "file name". */
const char *spa_id_source_name(spa_id_source s);

/* The device a request comes from, merged from every source in the order
 * certificate → User-Agent → path/query/file name (first one wins per field),
 * and the MAC whose profile it asks for. */
typedef struct spa_provd_ident {
    char mac[13];            /* the device making the request ("" = unknown) */
    spa_id_source mac_from;
    char model[33];          /* "SPA2102" or "" */
    spa_id_source model_from;
    char serial[129];
    spa_id_source serial_from;
    char fw_version[33];     /* from the User-Agent */
    char want_mac[13];       /* the profile asked for ("" = none named) */
    spa_id_source want_from;
    bool cert_bound;         /* a unit-specific certificate proved mac */
    bool mismatch;           /* cert_bound and want_mac names another device */
} spa_provd_ident;

/* Identify the device of one request (pure; no database). path must already
 * be normalised (spa_provd_route). */
void spa_provd_identify(const spa_provd_input *in, const char *path, spa_provd_ident *out);

typedef enum {
    SPA_ROUTE_REFUSE = 0,   /* bad path: traversal, NUL, too long (security event) */
    SPA_ROUTE_PROFILE,      /* a configuration profile (named *.cfg or *.xml) */
    SPA_ROUTE_STATIC        /* any other file under the static root */
} spa_route_kind;

/* Decode (HTTP: %XX) and normalise a request path into out[n] (relative,
 * no leading '/'), and classify it. REFUSE leaves the reason in why[whyn]. */
spa_route_kind spa_provd_route(spa_provd_proto proto, const char *raw, char *out, size_t n,
                               char *why, size_t whyn);

/* ---- the server core ------------------------------------------------- */

typedef struct spa_provd spa_provd;

/* An answer, independent of the protocol. */
typedef struct spa_provd_response {
    int status;               /* HTTP status: 200, 400, 403, 404, 405, 500 */
    const char *content_type;
    spa_buf body;             /* bytes to send (the caller frees with spa_provd_response_free) */
    char etag[40];            /* "" = let the HTTP layer compute one */
    bool is_static;           /* a static file: Range/ETag apply */
    char reason[160];         /* why (for TFTP errors and logs); never secret */
} spa_provd_response;

/* Release a response's body. */
void spa_provd_response_free(spa_provd_response *r);

/* A server core over an open store (borrowed) and a copy of cfg. NULL on OOM. */
spa_provd *spa_provd_new(spa_store *st, const spa_provd_config *cfg);
/* Free the core (not the store). */
void spa_provd_free(spa_provd *p);
/* Replace the configuration (SIGHUP) and drop cached renders. */
void spa_provd_set_config(spa_provd *p, const spa_provd_config *cfg);
/* The configuration in force. */
const spa_provd_config *spa_provd_get_config(const spa_provd *p);
/* Writes queued before a batch is written at once (spa_provd_write_behind). */
#define SPA_PROVD_BATCH 256
/* Write events and contact times behind (lib/provd_queue.c): from now on
 * they are queued and written in one transaction at the end of the turn of
 * base's loop that queued them (those of TFTP requests and syslog lines:
 * within 10 ms), or when SPA_PROVD_BATCH are queued, or on spa_provd_flush,
 * spa_provd_set_config and spa_provd_free (base NULL: only the last three).
 * Without it each is written at once. 0 or -1 (OOM). */
int spa_provd_write_behind(spa_provd *p, struct event_base *base);
/* Write every queued event and contact now. 0, or -1 (logged; kept queued). */
int spa_provd_flush(spa_provd *p);
/* Answer one request: identify, route, render or read, and store a request
 * and a result (or security) event. Always fills r (status 500 on failure). */
void spa_provd_handle(spa_provd *p, const spa_provd_input *in, spa_provd_response *r);
/* Store one received syslog line as an event of the MAC found in it. */
void spa_provd_syslog(spa_provd *p, const char *mac, const char *peer, const char *line,
                      size_t len);

/* Store an uploaded report (TFTP WRQ) as a report event, attributed to the
 * MAC in the file name (if any); an encrypted upload is decrypted with that
 * device's key and the plaintext becomes the blob (lib/provd_report.c). */
void spa_provd_report(spa_provd *p, const char *name, const char *peer, const void *data,
                      size_t len);
/* Store a security event raised below the core (e.g. the TFTP server
 * refusing a file name before routing): "PROTO refused from PEER: msg". */
void spa_provd_security(spa_provd *p, const char *proto, const char *peer, const char *msg);

/* ---- provisioning flows (lib/provd_secprv.c, docs/flows.md) ------------ */

struct spa_profile;

/* Flow 1: when c->bootstrap_rule is set and path (normalised, relative) is a
 * top-level "spa<PSN>.cfg" (or .xml), append the generated, non-secret
 * bootstrap profile (Profile_Rule = the rule, {{server.*}} expanded).
 * 0 served, 1 not a bootstrap request, -1 out of memory. */
int spa_provd_bootstrap_profile(const spa_provd_config *c, const char *path, spa_buf *out);
/* The SEC-PRV values every profile of a device carries when
 * c->secure_provisioning is on: GPP_A {{device.key}}, GPP_B {{device.path}},
 * Profile_Rule "[--key $A] <secure_url>/$B/spa$PSN.cfg" (preceded by
 * "($PRVST eq 2)? <secure_recovery_url>/spa$MA.cfg |" when that is set, so a
 * unit whose SEC-PRV-2 resync failed asks for SEC-PRV-1 again on its retry).
 * ov is emptied first; off leaves it empty. 0 or -1 (OOM). */
int spa_provd_secprv_overlay(const spa_provd_config *c, struct spa_profile *ov);
/* The SEC-PRV-1 profile of mac: the overlay alone, XML, in a container
 * targeted to the MAC (spc --target), appended to out. 0, 1 no such
 * device, -1 error. */
int spa_provd_secprv_first(spa_store *st, const spa_provd_config *c, spa_crypt_ctx *cc,
                           const char *mac, spa_buf *out, spa_diags *d);
/* The device whose random directory is the parent folder of path (the
 * normalised request path): 0 with mac and *previous (the directory before
 * the last rotation), 1 none, -1 error. */
int spa_provd_path_device(spa_store *st, const char *path, char mac[13], bool *previous,
                          spa_diags *d);

/* ---- logging (lib/provd_log.c) ---------------------------------------- */

typedef struct spa_provd_log spa_provd_log;

/* Name of a level: "err", "warning", "notice", "info", "debug". */
const char *spa_provd_log_level_name(int level);
/* A logger following cfg's Log, Log_Level and Log_Socket (syslog: facility
 * daemon, ident spaprovd; stderr while the socket cannot be reached). NULL on OOM. */
spa_provd_log *spa_provd_log_new(const spa_provd_config *cfg);
/* Follow new settings (SIGHUP). */
void spa_provd_log_configure(spa_provd_log *lg, const spa_provd_config *cfg);
/* Log one line at level (SPA_PROVD_LOG_*); control bytes become '?'. lg NULL:
 * stderr. Never pass a secret. */
void spa_provd_logf(spa_provd_log *lg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line-buffered stream whose lines go to lg (at level, or warning/notice
 * for "warning:"/"note:" diagnostics): stands in for stderr under Log syslog. */
FILE *spa_provd_log_stream(spa_provd_log *lg, int level);
/* Free the logger. */
void spa_provd_log_free(spa_provd_log *lg);

/* ---- privileges (lib/provd_priv.c) ------------------------------------- */

/* The user and group spaprovd runs as after binding. */
typedef struct spa_provd_priv {
    bool set;                 /* false: no User configured, nothing to drop */
    unsigned uid, gid;
    char name[64];
} spa_provd_priv;

/* Resolve User/Group (names or numbers; Group "" = the user's primary
 * group). Root is refused. user "" leaves out->set false. 0 or -1. */
int spa_provd_priv_lookup(const char *user, const char *group, spa_provd_priv *out,
                          spa_diags *d);
/* As root, hand data_dir itself, its files/, tls/ and reports/ folders, the
 * database files and the self-made TLS pair to the user (nothing else,
 * nothing recursive; symbolic links refused). A no-op when not root. 0 or -1. */
int spa_provd_priv_chown_data(const spa_provd_priv *pv, const char *data_dir, spa_diags *d);
/* Drop to the user for good (supplementary groups, gid, uid: real, effective
 * and saved) and verify root cannot be regained. 0 or -1. */
int spa_provd_priv_drop(const spa_provd_priv *pv, spa_diags *d);

/* ---- firmware (lib/provd_firmware.c) ---------------------------------- */

/* The static root of a configuration (static_root, else data_dir/files). */
void spa_provd_static_root(const spa_provd_config *c, char *out, size_t n);
/* Base URL of firmware images in generated Upgrade_Rules: Firmware_URL, else
 * http://HTTP_Address:HTTP_Port, else tftp://TFTP_Address:TFTP_Port, else
 * "" (never https: the ATAs cannot upgrade over it). */
void spa_provd_firmware_url(const spa_provd_config *c, char *out, size_t n);
/* `spaprov firmware add`: read the image at path; an spc --firmware image
 * gives model and version (model/version, when not NULL, must then agree);
 * any other file needs both. Copies it to STATIC_ROOT/fw/MODEL/VER.bin
 * (never over another file) and records it. The chosen version goes to
 * ver[vn] (may be NULL). 0 or -1 with diagnostics; nothing left on error. */
int spa_provd_firmware_add(spa_store *st, const char *static_root, const char *path,
                           const char *model, const char *version, char *ver, size_t vn,
                           spa_diags *d);
/* `spaprov firmware rm`: forget the image and delete its staged file. 0, 1, -1. */
int spa_provd_firmware_remove(spa_store *st, const char *static_root, const char *model,
                              const char *version, spa_diags *d);

/* An upgrade result found in a device's syslog line (the default
 * Log_Upgrade_Success_Msg / Log_Upgrade_Failure_Msg texts). */
typedef struct spa_upgrade_line {
    bool success;
    char version[33];     /* success: the version installed ($ERR) */
    char url[256];        /* success: the image URL */
    char err[128];        /* failure: $ERR */
} spa_upgrade_line;
/* Parse one syslog line; 1 when it reports an upgrade result, 0 (out zeroed) when not. */
int spa_upgrade_line_parse(const char *line, size_t len, spa_upgrade_line *out);

/* ---- remote customization (lib/provd_rc.c) ----------------------------- */

/* The customization profile of a unit assigned to a company, as plain XML:
 * <Customization> (the company name the unit shows), Restricted_Access_Domains,
 * Primary_DNS/Secondary_DNS and Profile_Rule ([--key K] URL when a key was
 * assigned). 0, 1 unit not assigned, -1 error. */
int spa_rc_profile(spa_store *st, const char *mac, spa_buf *out, spa_diags *d);

/* ---- the network side (lib/provd_net.c) ------------------------------- */

typedef struct spa_provd_net spa_provd_net;

/* Bind the listening sockets of cfg (nothing is served yet). A listener
 * whose type, address and port equal one of prev's (may be NULL) takes a
 * duplicate of that socket instead of binding again; with no_privileged, a
 * new port below 1024 is refused with a diagnostic (privileges are gone).
 * NULL with diagnostics. */
spa_provd_net *spa_provd_net_bind(const spa_provd_config *cfg, const spa_provd_net *prev,
                                  bool no_privileged, spa_diags *d);
/* Serve p's requests on n's sockets with cfg's listener settings (the
 * self-made TLS certificate is created when none is configured); log NULL =
 * stderr. 0, or -1 with diagnostics and nothing served. */
int spa_provd_net_serve(spa_provd_net *n, struct event_base *base, spa_provd *p,
                        const spa_provd_config *cfg, spa_provd_log *log, spa_diags *d);
/* Bind and serve p's configuration on base. NULL with diagnostics. */
spa_provd_net *spa_provd_net_start(struct event_base *base, spa_provd *p, spa_diags *d);
/* Stop serving and close every socket. */
void spa_provd_net_stop(spa_provd_net *n);

#endif
