/* fleet.h — spasim's fleet mode (issue 5): N virtual SPAs of one model in
 * one event loop, each a provisioning engine (engine.h) over its own
 * parameter store, sharing the model, one set of transports
 * (spa_device_net), one random source and one timer heap. Distinct MACs
 * (base + i) and serials (base's trailing number + i), optional per-unit
 * client certificates (files of a batch issuer, or issued in memory from a
 * client CA), a device clock that may run X times faster than real time,
 * and statistics (resyncs, failures by $ERR, latency percentiles, bytes,
 * upgrades) as JSON. docs/spasim.md, "Fleet". */
#ifndef SPAPROV_FLEET_H
#define SPAPROV_FLEET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/engine.h"
#include "spaprov/tftp.h"

struct event_base;
struct ssl_ctx_st;   /* OpenSSL SSL_CTX */

/* ---- identities ---------------------------------------------------------------- */

#define SPA_FLEET_SERIAL_MAX 32       /* serial buffer, NUL included */
#define SPA_FLEET_SERIAL_BASE "FLT000000000"   /* default --serial-base */

/* MAC of unit i: base (any common spelling) + i as a 48-bit number, 12
 * lower-case hex digits into out. 0, or -1 when base is not a MAC or
 * base + i passes ffffffffffff. */
int spa_fleet_mac(const char *base, uint64_t i, char out[13]);
/* Serial of unit i: base's trailing decimal digits + i, same width (zero
 * padded), the prefix kept ("FLT000000000" + 7 → "FLT000000007"). 0, or -1
 * when base has no trailing digit, is not printable ASCII, does not fit
 * out[n], or the number no longer fits the width. */
int spa_fleet_serial(const char *base, uint64_t i, char *out, size_t n);

/* ---- latency histogram ---------------------------------------------------------- */

/* Milliseconds below 128 are counted exactly; above, 64 buckets per power
 * of two (relative error under 1.6 %), up to 2^32-1. Fixed size, so a run
 * of any length costs the same memory. */
#define SPA_FLEET_HIST_EXACT 128
#define SPA_FLEET_HIST_BUCKETS (SPA_FLEET_HIST_EXACT + (32 - 7) * 64)

typedef struct spa_fleet_hist {
    uint64_t count;
    uint32_t max;
    uint64_t b[SPA_FLEET_HIST_BUCKETS];
} spa_fleet_hist;

/* Count one sample of ms milliseconds. */
void spa_fleet_hist_add(spa_fleet_hist *h, uint32_t ms);
/* Nearest-rank percentile p (0 < p <= 100): the smallest recorded value
 * with at least p % of the samples at or below it (a bucket's upper bound,
 * never above the maximum). 0 when empty. */
uint32_t spa_fleet_hist_percentile(const spa_fleet_hist *h, double p);

/* ---- statistics ------------------------------------------------------------------ */

typedef struct spa_fleet_stats {
    uint64_t devices;                 /* units in the fleet */
    uint64_t powered;                 /* units powered up so far (--ramp) */
    uint64_t synced;                  /* units with a successful resync in this run */
    const char *model;
    double time_scale;
    double real_s, device_s;          /* elapsed since start */
    uint64_t resyncs, resync_ok, resync_fail;   /* sequences started / ended ok / failed */
    uint64_t upgrades, upgrade_ok, upgrade_fail;
    uint64_t fail_by_err[SPA_ERR_COUNT];        /* resync, upgrade and report failures */
    uint64_t transfers;               /* transfers completed (any outcome) */
    uint64_t bytes;                   /* bytes received by successful transfers */
    spa_fleet_hist latency;           /* network time of each finished resync sequence */
} spa_fleet_stats;

/* True when a resync or an upgrade failed (spasim exits 1). */
bool spa_fleet_stats_failed(const spa_fleet_stats *s);
/* Append the statistics as one JSON object (docs/spasim.md); 0 or -1 (OOM). */
int spa_fleet_stats_json(const spa_fleet_stats *s, spa_buf *out);

/* ---- per-unit client certificates (lib/fleet_certs.c) ----------------------------- */

/* Where each unit's client certificate comes from: DIR/<mac>.crt and
 * DIR/<mac>.key as spa_ca_issue_batch writes them, and/or a client CA that
 * issues one in memory (CN=<mac>, OU=product, L=serial, ST=<mac>) the first
 * time the unit needs it. Server trust anchors from ca_file. */
typedef struct spa_fleet_certs spa_fleet_certs;

typedef struct spa_fleet_certs_opts {
    const char *ca_file;      /* server trust anchors or NULL (nothing trusted) */
    const char *dir;          /* batch issuer's output folder or NULL */
    const char *ca_cert;      /* client CA certificate (PEM) or NULL */
    const char *ca_key;       /* its key (PEM, not encrypted) */
    const char *product;      /* OU of issued certificates ("SPA-2102") */
} spa_fleet_certs_opts;

/* NULL with a diagnostic (unreadable CA, key not matching). */
spa_fleet_certs *spa_fleet_certs_new(const spa_fleet_certs_opts *o, spa_diags *d);
void spa_fleet_certs_free(spa_fleet_certs *c);
/* Can unit mac get a certificate (its files exist, or a CA issues)? 0 or -1
 * with a diagnostic naming the missing file. */
int spa_fleet_certs_check(const spa_fleet_certs *c, const char *mac, spa_diags *d);
/* A client SSL_CTX presenting unit mac's certificate (the caller frees it).
 * *cache keeps an issued certificate and key (PEM) for the next call; free
 * it with spa_fleet_certs_forget. NULL with a diagnostic. */
struct ssl_ctx_st *spa_fleet_certs_ctx(spa_fleet_certs *c, const char *mac, const char *serial,
                                       char **cache, spa_diags *d);
/* Wipe and free a cache filled by spa_fleet_certs_ctx. */
void spa_fleet_certs_forget(char **cache);

/* ---- the fleet ----------------------------------------------------------------------- */

typedef struct spa_fleet_opts {
    uint32_t devices;         /* N >= 1 */
    const char *model;        /* built-in model (default SPA2102) */
    const char *mac_base;     /* MAC of unit 0 */
    const char *serial_base;  /* NULL = SPA_FLEET_SERIAL_BASE */
    double time_scale;        /* device clock speed-up (0 = 1) */
    double ramp;              /* power-ups per real second (0 = all at start) */
    unsigned max_xfers;       /* transfers at once, the rest wait (0 = from RLIMIT_NOFILE) */
    const char *state_dir;    /* NULL: flash in memory; else DIR/<mac>/ per unit */
    const char *profile_file; /* staging profile applied to fresh units, or NULL */
    const char *certs_dir;    /* DIR/<mac>.crt + .key, or NULL */
    const char *client_ca;    /* client CA certificate for in-memory issuing, or NULL */
    const char *client_ca_key;
    const char *dhcp_server;  /* DHCP option 66 for every unit, or NULL */
    const char *hosts_file;
    const char *ca_file;      /* HTTPS trust anchors */
    const char *syslog;       /* "HOST[:PORT]" overriding Syslog_/Debug_Server */
    unsigned timeout_ms, tftp_timeout_ms, tftp_retries;   /* real time, as spa_device_net */
    spa_tftp_opts tftp_req;   /* TFTP options every unit asks for (spa_tftp_opts_parse) */
    uint32_t until_resyncs;   /* > 0: leave the event loop once every unit has had
                                 this many successful resync sequences */
    uint64_t seed;            /* random seed (0: from the clock) */
    bool verbose;             /* engine log lines to stderr */
} spa_fleet_opts;

typedef struct spa_fleet spa_fleet;

/* Build every unit (loading DIR/<mac>/ with a state folder, else applying
 * the staging profile); nothing runs yet. NULL with diagnostics. */
spa_fleet *spa_fleet_new(struct event_base *base, const spa_fleet_opts *o, spa_diags *d);
/* Start the device clock and power the units up (at once, or --ramp). */
void spa_fleet_start(spa_fleet *f);
/* Stop: cancel every transfer and timer (the statistics stay readable). */
void spa_fleet_stop(spa_fleet *f);
/* Statistics now (sums every unit's counters: O(N)). */
void spa_fleet_get_stats(const spa_fleet *f, spa_fleet_stats *s);
/* Append a one-line progress summary (no newline; the rate is over the time
 * since the previous call); 0 or -1. */
int spa_fleet_progress(spa_fleet *f, spa_buf *out);
/* With a state folder: save every unit (no fsync each, one syncfs at the
 * end; so are the saves at reboots during the run); 0, or -1 when one
 * failed (reported). */
int spa_fleet_save(spa_fleet *f);
/* Stop, save (state folder), free. Cancelled HTTP transfers free
 * themselves from the event loop: run it once (EVLOOP_NONBLOCK) before
 * freeing the event_base. */
void spa_fleet_free(spa_fleet *f);

#endif
