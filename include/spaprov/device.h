/* device.h — a virtual SPA for spasim: one model, its parameter store, an
 * identity, the provisioning engine (engine.h) and real transports (TFTP,
 * HTTP/HTTPS, syslog) on a libevent event_base, with its "flash" kept in a
 * state directory so a killed emulator restarts like a unit after power
 * loss, and an admin web server (/admin/resync, /admin/upgrade,
 * /admin/reboot, /admin/spacfg.xml, /admin/status). docs/spasim.md. */
#ifndef SPAPROV_DEVICE_H
#define SPAPROV_DEVICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/engine.h"
#include "spaprov/params.h"
#include "spaprov/tftp.h"

struct event_base;
struct ssl_ctx_st;   /* OpenSSL SSL_CTX */

/* ---- state directory ("flash") -------------------------------------------- */

#define SPA_DEVICE_CONFIG_FILE "config.xml"   /* overrides, <flat-profile> */
#define SPA_DEVICE_STATE_FILE "device.state"  /* firmware version, counters */
#define SPA_DEVICE_VALUE_MAX 64

/* What survives a power cycle besides the parameters: the running firmware,
 * cumulative counters (over every run of the emulator) and the engine's
 * flash state (spa_engine_flash). Missing keys keep their zero value. */
typedef struct spa_device_state {
    char swver[SPA_DEVICE_VALUE_MAX];   /* "" = the model's factory version */
    char last_err[SPA_DEVICE_VALUE_MAX];/* $ERR of the last finished attempt */
    uint32_t boots;                     /* power-ups */
    uint32_t resyncs, resync_ok, resync_fail;
    uint32_t upgrades, upgrade_ok, upgrade_fail;
    uint32_t reboots;
    uint64_t upg_ident;                 /* engine flash: last Upgrade_Rule image (0 = none) */
    char upg_ver[SPA_DEVICE_VALUE_MAX]; /* engine flash: the version it installed */
    char customization[SPA_DEVICE_VALUE_MAX]; /* RC: the company name ("" = none yet) */
} spa_device_state;

/* Parse a state file ("key=value" lines, '#' comments). Unknown keys are
 * warnings; malformed lines and numbers are errors (file:line:col). Returns
 * 0, or -1 with st unchanged. */
int spa_device_state_parse(const char *text, size_t len, const char *file,
                           spa_device_state *st, spa_diags *d);
/* Append the state file text for st; 0 or -1 (OOM). */
int spa_device_state_format(const spa_device_state *st, spa_buf *out);
/* Write data to path atomically: a temporary file in the same folder,
 * fsync, rename. mode is the file's permission bits. 0 or -1 (diagnostic). */
int spa_device_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                            spa_diags *d);
/* Save params' overrides (config.xml, mode 0600: it holds secrets) and st
 * (device.state) into dir. 0 or -1 with a diagnostic. */
int spa_device_save(const char *dir, const spa_params *p, const spa_device_state *st,
                    spa_diags *d);
/* The same without fsync: atomic against a killed process (rename), not
 * against a host crash. For spasim's fleet, which saves thousands of units
 * from one event loop and syncs the file system once at the end. */
int spa_device_save_nosync(const char *dir, const spa_params *p, const spa_device_state *st,
                           spa_diags *d);
/* Load dir into p (applied over factory defaults) and st, after removing
 * temporary files a killed emulator left behind. Returns 1 when dir
 * holds no state yet (fresh unit: p and st untouched), 0 when loaded, -1
 * with diagnostics when a file is unreadable or malformed. */
int spa_device_load(const char *dir, spa_params *p, spa_device_state *st, spa_diags *d);
/* The state to save for an engine whose earlier runs left base: base's
 * counters plus the engine's, its firmware, last ERR and flash state. */
void spa_device_state_current(const spa_device_state *base, const spa_engine *e,
                              spa_device_state *st);
/* Give a new engine (before power-up) the flash state kept in st. */
void spa_device_state_restore(spa_engine *e, const spa_device_state *st);

/* ---- small text helpers ----------------------------------------------------- */

/* Percent-decode a URL query (also '+' stays '+': SPA URLs are not forms).
 * Appends to out; -1 on a malformed escape, a decoded NUL or OOM. */
int spa_device_url_decode(const char *in, size_t len, spa_buf *out);
/* Append s as a JSON string literal (with quotes); 0 or -1. */
int spa_device_json_string(spa_buf *out, const char *s);
/* Split "host:port" or "[IPv6]:port" (port 1..65535) into host[n] (no
 * brackets) and *port; without ":port" the port is 0. 0, or -1 when
 * malformed or too long. */
int spa_device_split_hostport(const char *s, char *host, size_t n, uint16_t *port);

/* ---- transports (lib/device_net.c) -------------------------------------------- */

/* Carries out the engine's transfer requests over TFTP (spa_tftp_get/put)
 * and HTTP/HTTPS (spa_http_start), resolving names by IP literal, the hosts
 * file, then the system resolver, trying every address in order; and sends
 * syslog lines. One serves any number of devices on one event_base. */
typedef struct spa_device_net spa_device_net;

typedef struct spa_device_net_opts {
    const char *hosts_file;   /* or NULL */
    const char *ca_file;      /* HTTPS trust anchors or NULL */
    const char *cert_file;    /* client certificate or NULL */
    const char *key_file;     /* its key or NULL (then in cert_file) */
    unsigned timeout_ms;      /* per HTTP request; 0 = 30000 */
    unsigned tftp_timeout_ms; /* first TFTP retransmission; 0 = 1000 (doubles) */
    unsigned tftp_retries;    /* TFTP timeouts before giving up; 0 = 5 */
    spa_tftp_opts tftp_req;   /* RFC 2347 options every RRQ/WRQ asks for (none: RFC 1350) */
} spa_device_net_opts;

/* Completion of a transfer started with spa_device_net_start (always from
 * the event loop, never from inside the start call). */
typedef void (*spa_device_xfer_fn)(void *arg, uint32_t id, const spa_xfer_result *r);

/* Build the transports (loads hosts, TLS context). NULL with diagnostics. */
spa_device_net *spa_device_net_new(struct event_base *base, const spa_device_net_opts *o,
                                   spa_diags *d);
/* Cancel everything outstanding (no callback runs) and free. */
void spa_device_net_free(spa_device_net *n);
/* Start the engine's request rq (copied). The host is a name, an IPv4 or
 * an IPv6 literal (brackets optional); the engine already split a DHCP
 * option 66 "host:port". 0 started, -1 cannot start. */
int spa_device_net_start(spa_device_net *n, const spa_xfer_request *rq, spa_device_xfer_fn fn,
                         void *arg);
/* As spa_device_net_start, but HTTPS uses tls (a unit's own client
 * certificate; the transfer holds a reference) instead of the net's context. */
int spa_device_net_start_tls(spa_device_net *n, const spa_xfer_request *rq,
                             struct ssl_ctx_st *tls, spa_device_xfer_fn fn, void *arg);
/* Cancel every outstanding transfer whose callback argument is arg. */
void spa_device_net_cancel(spa_device_net *n, void *arg);
/* Send one syslog line ("<PRI>line", RFC 3164 as SPAs send it) to dest
 * "HOST[:PORT]" (default port 514); 0 or -1. */
int spa_device_net_syslog(spa_device_net *n, const char *dest, int severity, const char *line);
/* Send one engine log line as a unit does: to override ("HOST[:PORT]") when
 * not NULL, else to p's Syslog_Server and Debug_Server (once when equal). */
void spa_device_send_log(spa_device_net *n, const spa_params *p, const char *override,
                         int severity, const char *line);

/* ---- the device ------------------------------------------------------------- */

typedef struct spa_device_opts {
    const char *model;        /* "SPA2102" (built-in) */
    const char *mac;          /* any common MAC spelling */
    const char *serial;       /* $SN */
    const char *state_dir;    /* created when missing */
    const char *dhcp_server;  /* DHCP option 66 "HOST[:PORT]", "[V6]:PORT" or NULL */
    const char *hosts_file;   /* names → several addresses (tests) or NULL */
    const char *ca_file;      /* HTTPS trust anchors or NULL (nothing trusted) */
    const char *cert_file;    /* client certificate or NULL */
    const char *key_file;     /* its key or NULL */
    const char *syslog;       /* "HOST[:PORT]" overriding Syslog_/Debug_Server */
    const char *ip;           /* $IP (default "127.0.0.1") */
    unsigned timeout_ms;      /* per HTTP request; 0 = 30000 */
    unsigned tftp_timeout_ms; /* first TFTP retransmission; 0 = 1000 (doubles) */
    unsigned tftp_retries;    /* TFTP timeouts before giving up; 0 = 5 */
    spa_tftp_opts tftp_req;   /* TFTP options to ask for (spa_tftp_opts_parse) */
    bool verbose;             /* engine log lines also to stderr (never secrets) */
    bool no_start_delay;      /* first power-up resync at once (for --once) */
    uint64_t seed;            /* random seed (0: from the clock and MAC) */
    const char *rc_url;       /* remote-customization unit: the vendor's URL ($MA expands), or NULL */
} spa_device_opts;

typedef struct spa_device spa_device;

/* Called when the device has finished its first resync sequence (and any
 * upgrade it led to) and nothing is immediately due. */
typedef void (*spa_device_settled_fn)(spa_device *dev, void *arg);

/* Load the model and the state directory, build the engine and transports.
 * The device is off until spa_device_power_up. NULL with diagnostics. */
spa_device *spa_device_new(struct event_base *base, const spa_device_opts *o, spa_diags *d);
/* Save the state, cancel transfers, stop the admin server, free. */
void spa_device_free(spa_device *dev);
/* Power on (counts a boot, saves state, arms the power-up resync). */
void spa_device_power_up(spa_device *dev);
/* Ask to be told once when the device settles (see spa_device_settled_fn). */
void spa_device_on_settled(spa_device *dev, spa_device_settled_fn fn, void *arg);
/* Start the admin web server on addr:port (port 0 = ephemeral). 0 or -1. */
int spa_device_admin_listen(spa_device *dev, const char *addr, uint16_t port, spa_diags *d);
/* Bound admin port (0 when not listening). */
uint16_t spa_device_admin_port(const spa_device *dev);
/* Append the status JSON object (state, counters, last ERR; no secret). */
int spa_device_status_json(const spa_device *dev, spa_buf *out);
/* Append the full configuration as <flat-profile>; secret parameters
 * (GPP_SA–SD, passwords, keys) are written empty. 0 or -1. */
int spa_device_config_xml(const spa_device *dev, spa_buf *out);
/* True when the first sequence since power-up succeeded and no upgrade failed. */
bool spa_device_succeeded(const spa_device *dev);
/* Save the state directory now; 0 or -1 (the reason goes to stderr). */
int spa_device_save_now(spa_device *dev);
/* Customization as the unit's info page shows it: "Not Customized" (a
 * normal unit), "Pending" (an RC unit before its customization), or the
 * company name. */
const char *spa_device_customization(const spa_device *dev);

/* ---- remote customization (lib/device_rc.c) ---------------------------------- */

/* Apply a customization profile (plain XML from the vendor's server) to p:
 * its <Customization> element is the company name (into company[n]); every
 * other element is a parameter, applied atomically. 0, or -1 with a reason
 * in why[whyn] (nothing applied). */
int spa_rc_apply(spa_params *p, const void *body, size_t len, char *company, size_t n,
                 char *why, size_t whyn);
/* The $ERR-style text of a failed transfer ("file not found", "http_get failed"...). */
const char *spa_rc_xfer_error(const spa_xfer_result *r);

/* The engine (for status and explicit requests). */
spa_engine *spa_device_engine(const spa_device *dev);
/* The device's parameter store and event loop (for its SIP listener, web pages). */
spa_params *spa_device_params(const spa_device *dev);
struct event_base *spa_device_base(const spa_device *dev);
/* Explicit requests as spa_engine_request_* with the device's clock and timer:
 * a resync (web or authenticated SIP NOTIFY; url may be NULL), an upgrade,
 * one report. peer is the default server for URLs without one. 0 accepted, -1 refused. */
int spa_device_request_resync(spa_device *dev, spa_request_source src, const char *url,
                              const char *peer);
int spa_device_request_upgrade(spa_device *dev, const char *url, const char *peer);
int spa_device_request_report(spa_device *dev);
/* Parameters were changed from outside the engine (web page): tell the
 * engine (spa_engine_config_changed) and save the state directory. */
void spa_device_config_changed(spa_device *dev);

/* ---- configuration pages (lib/device_web.c) --------------------------------------- */

struct spa_http_req;
struct spa_profile;
/* Serve rq if it is a configuration page or needs a login: "/" (User),
 * "/admin/" and "/admin/advanced" (Admin), HTTP Basic for Admin_Passwd /
 * User_Password, 403 for the User when Enable_Web_Server is No. Returns 1
 * when answered, 0 when rq is for another handler (the /admin/ functional
 * URLs, after the Admin login passed). */
int spa_device_web_page(spa_device *dev, struct spa_http_req *rq);
/* Parse an application/x-www-form-urlencoded body into out (names in any
 * spelling, access UNSET, last occurrence wins). 0, or -1 with why[n]. */
int spa_device_form_parse(const char *body, size_t len, struct spa_profile *out, char *why,
                          size_t n);

/* Keypad and line events, as spa_engine_* but with the device's clock,
 * state saving and timer: the manufacturing reset (factory defaults, reboot),
 * a line going off/on hook (1-based), registration lost/regained. */
void spa_device_factory_reset(spa_device *dev);
void spa_device_line_busy(spa_device *dev, unsigned line, bool busy);
void spa_device_line_registered(spa_device *dev, unsigned line, bool registered);

/* ---- SIP NOTIFY listener (lib/device_sip.c, docs/sip.md) ---------------------------- */

/* Listen for SIP over UDP on addr ("127.0.0.1", "::1", "[::1]"; NULL =
 * 127.0.0.1) and port (0 = ephemeral): NOTIFY with Event resync, report,
 * reboot_now or restart_now, challenged with a 401 digest and carried out
 * only for an authenticated retry (a line's Auth_ID or User_ID with its
 * Password). Replaces an earlier listener. 0, or -1 with a diagnostic. */
int spa_device_sip_listen(spa_device *dev, const char *addr, uint16_t port, spa_diags *d);
/* Bound SIP port (0 when not listening). */
uint16_t spa_device_sip_port(const spa_device *dev);
/* Warm restart (SIP "Event: restart_now"): the application restarts as after
 * a power cycle (RAM state lost, flash kept, Resync_On_Reset applies) but
 * the unit is not power-cycled, so the boots counter does not change. */
void spa_device_restart(spa_device *dev);
/* One log line through the device's log (stderr with verbose, syslog
 * servers), as the engine's lines go. Never pass a secret. */
void spa_device_log(spa_device *dev, int severity, const char *line);

/* ---- control socket (lib/device_ctl.c): `spasim ctl DIR ...` ------------------------ */

#define SPA_DEVICE_CTL_SOCKET "ctl.sock"   /* in the state directory */

typedef enum spa_device_ctl_kind {
    SPA_CTL_DIAL = 0,       /* dial DIGITS: keypad / IVR stand-in */
    SPA_CTL_OFFHOOK,        /* offhook [LINE] */
    SPA_CTL_ONHOOK,         /* onhook [LINE] */
    SPA_CTL_UNREGISTERED,   /* unregistered [LINE]: registration lost */
    SPA_CTL_REGISTERED,     /* registered [LINE] */
    SPA_CTL_STATUS,         /* status: the status JSON */
    SPA_CTL_REPORT          /* report: send the Report_Rule report (SIP NOTIFY report stand-in) */
} spa_device_ctl_kind;

typedef struct spa_device_ctl_cmd {
    spa_device_ctl_kind kind;
    unsigned line;          /* 1-based, default 1 */
    char digits[64];        /* dial: keypad digits (letters mapped: RESET -> 73738) */
} spa_device_ctl_cmd;

/* Parse one command line ("dial ****RESET#1#", "offhook 2", ...). 0, or -1
 * with a reason in why[n]. */
int spa_device_ctl_parse(const char *text, size_t len, spa_device_ctl_cmd *c, char *why,
                         size_t n);
/* True when digits is the IVR manufacturing reset: ****73738#1 (final '#'
 * optional), i.e. "****RESET#1#" on the keypad. */
bool spa_device_is_factory_reset(const char *digits);
/* Carry out c on dev; the one-line answer ("ok ...", "error ...") goes to
 * reply. 0 done, -1 refused. */
int spa_device_ctl_exec(spa_device *dev, const spa_device_ctl_cmd *c, spa_buf *reply);

typedef struct spa_device_ctl spa_device_ctl;
/* Listen on DIR/ctl.sock for one-line commands. NULL with a diagnostic. */
spa_device_ctl *spa_device_ctl_new(struct event_base *base, const char *dir, spa_device *dev,
                                   spa_diags *d);
/* Stop listening, remove the socket, free. */
void spa_device_ctl_free(spa_device_ctl *c);
/* Client: send one command line to the device running on dir and append its
 * answer to reply (waits at most 5 s). 0, or -1 with a diagnostic. */
int spa_device_ctl_send(const char *dir, const char *line, spa_buf *reply, spa_diags *d);

#endif
