/* render.h — per-device profile generation for spaprovd: merge the
 * parameters of a device's scopes (model defaults ← global ← model ← group
 * ← account ← device), expand the server-side templates ({{device.mac}},
 * {{account.number}}, ...; docs/render.md), then write XML or plain text →
 * gzip → AES-256-CBC with the device's key (openssl-enc compatible), with a
 * per-device cache invalidated by the store's scope generations.
 * Device-side $MACROS are never touched: they reach the device verbatim. */
#ifndef SPAPROV_RENDER_H
#define SPAPROV_RENDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/crypt.h"
#include "spaprov/diag.h"
#include "spaprov/store.h"

struct spa_profile;

/* ---- server-side templates ---- */

/* Check a value's templates: 0 none, 1 only valid ones, -1 error (why holds
 * the reason, *col its 1-based column; col may be NULL). */
int spa_template_check(const char *value, char *why, size_t n, unsigned *col);
/* True if name (len bytes, e.g. "device.mac") is a known template variable. */
bool spa_template_known(const char *name, size_t len);
/* True if the variable is secret (device.key, account.password). */
bool spa_template_secret(const char *name, size_t len);

/* What templates read. Any pointer may be NULL (its variables expand to ""
 * and are reported in *missing). */
typedef struct spa_template_vars {
    const spa_device *device;     /* fetched with SPA_STORE_SECRETS for device.key */
    const spa_account *account;   /* fetched with SPA_STORE_SECRETS for account.password */
    const char *server_url;       /* "https://prov.example.net" */
    const char *server_name;      /* "prov.example.net" */
} spa_template_vars;

/* Expand value into out. Variables with no value expand to "" and are
 * counted in *missing (may be NULL). 0, or -1 on a syntax error / OOM. */
int spa_template_expand(const char *value, const spa_template_vars *v, spa_buf *out,
                        unsigned *missing);

/* ---- rendering ---- */

typedef enum { SPA_RENDER_XML = 0, SPA_RENDER_TEXT } spa_render_format;
typedef enum {
    SPA_RENDER_KEY_DEVICE = 0,   /* encrypt with the device's current key */
    SPA_RENDER_KEY_PREVIOUS,     /* with the key before the last rotation (delivers the new one) */
    SPA_RENDER_KEY_NONE          /* do not encrypt */
} spa_render_key;

typedef struct spa_render_opts {
    spa_render_format format;
    bool full;              /* also every model parameter at its factory default */
    bool gzip;              /* compress before encrypting */
    int gzip_level;         /* 1..9, 0 = 6 */
    spa_render_key key;
    spa_md md;              /* key derivation digest (MD5 = what SPA firmware expects) */
    const char *server_url;
    const char *server_name;
    const struct spa_profile *overlay; /* values the server imposes after every scope
                                          (templates allowed; SEC-PRV's GPP_A, GPP_B,
                                          Profile_Rule); NULL = none */
    bool overlay_only;      /* the profile is the overlay alone (the SEC-PRV-1 profile) */
    const char *firmware_url;  /* base of generated Upgrade_Rule URLs ("http://h:p"; NULL = none) */
} spa_render_opts;

/* The merged, template-expanded profile of a device, in scope order.
 * 0, 1 no such device, -1 error (diagnostics name the parameter). Values
 * whose expansion fails the model's type check are warnings. */
int spa_render_merge(spa_store *st, const char *mac, const spa_render_opts *o,
                     struct spa_profile *out, spa_diags *d);
/* Wipe every value of a merged profile (it holds keys and passwords), then
 * free it. */
void spa_render_profile_free(struct spa_profile *p);
/* The bytes a device receives: merge, format, gzip, encrypt, appended to
 * out. cc may be NULL. 0, 1 no such device, -1 error. */
int spa_render_device(spa_store *st, const char *mac, const spa_render_opts *o,
                      spa_crypt_ctx *cc, spa_buf *out, spa_diags *d);

/* ---- generated Upgrade_Rule (lib/render_upgrade.c, docs/spaprovd.md) ---- */

/* Write version as a rule operand into out[n]: "5.1.12", or "7.5.2b" for
 * 7.5.2(b). -1 when it is not a version or its suffix starts with a digit
 * (the rule language cannot write that unquoted). */
int spa_fwver_rule_text(const char *version, char *out, size_t n);
/* The Upgrade_Rule text for reaching target through the comma list via
 * (ascending, below target): "( $SWVER lt V1 )? BASE/fw/M/V1.bin | ...
 * | ( $SWVER ne T )? BASE/fw/M/T.bin". Steps below limit (NULL/"" = none)
 * are left out, each with a warning naming device. Appends to out; returns
 * the number of steps written (0 = no rule), or -1. */
int spa_upgrade_rule_text(const char *model, const char *version, const char *via,
                          const char *limit, const char *base_url, const char *device,
                          spa_buf *out, spa_diags *d);
/* During a merge: when a firmware target applies to the device (its group's,
 * else its model's) and no scope set Upgrade_Rule, put the generated rule
 * into out. 0 or -1. */
int spa_render_upgrade_rule(spa_store *st, const spa_device *dv, const struct spa_model *m,
                            const spa_render_opts *o, struct spa_profile *out, spa_diags *d);

/* ---- cache ---- */

/* Rendered bytes per device, valid while the generations of the device's
 * scope rows (spa_store_device_deps) and the options are unchanged. Safe to
 * share between threads (each with its own spa_store). */
typedef struct spa_render_cache spa_render_cache;

typedef struct spa_render_cache_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes;
} spa_render_cache_stats;

/* A cache holding at most max_bytes of rendered output (0 = 64 MiB). */
spa_render_cache *spa_render_cache_new(size_t max_bytes);
/* Free a cache and every entry (NULL is fine). */
void spa_render_cache_free(spa_render_cache *c);
/* Forget everything (e.g. on SIGHUP when server settings changed). */
void spa_render_cache_clear(spa_render_cache *c);
/* Counters and current size. */
void spa_render_cache_stats_get(spa_render_cache *c, spa_render_cache_stats *out);
/* spa_render_device through the cache; *hit (may be NULL) tells which.
 * Output bytes of a hit are identical to the first render (same salt). */
int spa_render_cached(spa_render_cache *c, spa_store *st, const char *mac,
                      const spa_render_opts *o, spa_crypt_ctx *cc, spa_buf *out, bool *hit,
                      spa_diags *d);
/* What spa_render_cached_info tells besides the bytes. */
typedef struct spa_render_info {
    bool hit;                /* served from the cache */
    bool found;              /* the device exists: deps is valid (even if rendering failed) */
    spa_device_deps deps;    /* its generations and state, read in the render's snapshot */
    char etag[40];           /* HTTP ETag of the bytes, computed once per render */
} spa_render_info;
/* spa_render_cached, also filling info (a profile request needs no other
 * lookup of the device, and no digest of the bytes on a hit). */
int spa_render_cached_info(spa_render_cache *c, spa_store *st, const char *mac,
                           const spa_render_opts *o, spa_crypt_ctx *cc, spa_buf *out,
                           spa_render_info *info, spa_diags *d);

#endif
