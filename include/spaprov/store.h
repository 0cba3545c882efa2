/* store.h — spaprovd's device database: devices, accounts, groups,
 * parameters at five scopes, firmware images and events, in SQLite (WAL,
 * foreign keys, versioned migrations). One spa_store is one connection: use
 * one per thread. Every write is one transaction, so a crash (kill -9)
 * leaves either all of a call's changes or none. Secrets (device keys,
 * PINs, account passwords, secret parameter values) are only returned when
 * the caller passes SPA_STORE_SECRETS. Listing callbacks run while the
 * query is open: they may read other things but must not write to the same
 * spa_store (collect the MACs first, then rotate them). See docs/store.md. */
#ifndef SPAPROV_STORE_H
#define SPAPROV_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/diag.h"
#include "spaprov/params.h"

struct spa_model;
struct spa_profile;

typedef struct spa_store spa_store;

/* Highest schema version this build knows (lib/store_migrations.c). */
int spa_store_schema_latest(void);

typedef struct spa_store_open_opts {
    int busy_timeout_ms;   /* wait this long for a lock (0 = 5000) */
    int max_version;       /* migrate only up to this version (0 = latest; tests) */
    bool read_only;        /* open without creating or migrating */
} spa_store_open_opts;

/* Open (creating and migrating as needed) the database at path. A database
 * written by a newer spaprov is refused. Returns NULL with a diagnostic. */
spa_store *spa_store_open(const char *path, const spa_store_open_opts *o, spa_diags *d);
/* Close the connection (NULL is fine). */
void spa_store_close(spa_store *st);
/* Schema version of the open database. */
int spa_store_schema_version(spa_store *st);
/* The built-in model called name (cached for the life of st), or NULL. */
const struct spa_model *spa_store_model(spa_store *st, const char *name, spa_diags *d);
/* Group several reads into one consistent snapshot (a read transaction);
 * calls nest. 0 or -1. */
int spa_store_snapshot_begin(spa_store *st, spa_diags *d);
/* End the snapshot begun by the matching spa_store_snapshot_begin. */
void spa_store_snapshot_end(spa_store *st);

/* Checkpoints off the caller's thread (lib/store_checkpoint.c): automatic
 * checkpoints are turned off on st, so its commits only append to the WAL
 * (no copy back, no fsync), and a thread with its own connection to the
 * same database runs a PASSIVE checkpoint (never blocks writers) every
 * interval_ms (0 = 1000). NULL with a diagnostic (st unchanged). */
typedef struct spa_store_checkpointer spa_store_checkpointer;
spa_store_checkpointer *spa_store_checkpointer_start(spa_store *st, unsigned interval_ms,
                                                     spa_diags *d);
/* Stop the thread after one last checkpoint, close its connection, and give
 * st its automatic checkpoints back (NULL is fine). */
void spa_store_checkpointer_stop(spa_store_checkpointer *c);

#define SPA_STORE_SECRETS 0x01u  /* also return keys, PINs, passwords, secret values */

/* ---- devices ---- */
typedef enum {
    SPA_DEV_NEW = 0,        /* known, never provisioned */
    SPA_DEV_BOOTSTRAP,      /* received the first (SEC-PRV-1) profile */
    SPA_DEV_PROVISIONED,    /* received its full profile */
    SPA_DEV_DISABLED        /* refused service */
} spa_dev_state;

/* "new", "bootstrap", "provisioned", "disabled". */
const char *spa_dev_state_name(spa_dev_state s);
/* Parse a state name; 0 or -1. */
int spa_dev_state_parse(const char *s, spa_dev_state *out);

typedef struct spa_device {
    char mac[13];          /* primary key: 12 lower-case hex digits */
    char *serial;          /* "" when unknown */
    char *model;           /* built-in model name, "SPA2102" */
    char *account;         /* account id or NULL */
    char *group;           /* group name or NULL */
    char *fw_seen;         /* firmware version last reported ("" unknown) */
    int64_t last_contact;  /* unix time, 0 = never */
    char *key;             /* secret: current per-device key (NULL unless asked) */
    char *path;            /* per-device random directory */
    char *prev_key;        /* secret: key before the last rotation (NULL unless asked) */
    char *prev_path;       /* path before the last rotation, or NULL */
    unsigned key_gen;      /* rotations so far */
    spa_dev_state state;
    int64_t created;       /* unix time */
} spa_device;

/* Free a device's strings (not the struct). */
void spa_device_clear(spa_device *dv);

/* Add a device: mac (any spelling), model and serial required, account and
 * group optional (must exist). A fresh 256-bit key and random path are made.
 * 0, or -1 with a diagnostic naming the bad field (nothing changed). */
int spa_store_device_add(spa_store *st, const char *mac, const char *model,
                         const char *serial, const char *account, const char *group,
                         spa_diags *d);
/* Look up a device; 0 found, 1 not found, -1 error. Free with spa_device_clear. */
int spa_store_device_get(spa_store *st, const char *mac, unsigned flags, spa_device *out,
                         spa_diags *d);
/* Change one field: "serial", "model", "account", "group", "state" (value NULL
 * clears account/group). 0, 1 no such device, -1 error (nothing changed). */
int spa_store_device_update(spa_store *st, const char *mac, const char *field,
                            const char *value, spa_diags *d);
/* Record a contact: firmware version seen (NULL = keep) and time (0 = now).
 * Does not invalidate rendered profiles. 0, 1 unknown device, -1 error. */
int spa_store_device_touch(spa_store *st, const char *mac, const char *fw_seen,
                           int64_t when, spa_diags *d);
/* Remove a device, its parameters (events stay). 0, 1 not found, -1 error. */
int spa_store_device_remove(spa_store *st, const char *mac, spa_diags *d);
/* Rotate the key and path: the current pair becomes prev_*, key_gen + 1.
 * While a rotation is pending (prev_* set, not yet forgotten) prev_* is
 * kept: it is the pair the device still holds. 0, 1 not found, -1 error. */
int spa_store_device_rotate_key(spa_store *st, const char *mac, spa_diags *d);
/* Forget prev_key/prev_path once the device proved it has the new key. */
int spa_store_device_forget_prev(spa_store *st, const char *mac, spa_diags *d);
/* The device whose random directory is path (32 hex digits): its MAC into
 * mac, *previous = true when path is the directory before the last rotation
 * (lib/store_keys.c). 0 found, 1 none (or not a directory token), -1 error. */
int spa_store_device_by_path(spa_store *st, const char *path, char mac[13], bool *previous,
                             spa_diags *d);

/* Called per row of a listing; return non-zero to stop. */
typedef int (*spa_device_cb)(void *ctx, const spa_device *dv);
typedef struct spa_device_filter {
    const char *model, *account, *group;  /* NULL = any */
    size_t limit;                         /* 0 = no limit */
} spa_device_filter;
/* Devices in MAC order matching f (NULL = all). 0, or -1 error, or the
 * callback's non-zero value. */
int spa_store_device_list(spa_store *st, const spa_device_filter *f, unsigned flags,
                          spa_device_cb cb, void *ctx, spa_diags *d);
/* Number of devices. */
long spa_store_device_count(spa_store *st);

typedef struct spa_import_opts {
    size_t batch;          /* rows per transaction (0 = the whole file in one) */
    bool replace;          /* update existing devices instead of refusing them */
} spa_import_opts;
/* Import devices from CSV (header naming columns mac, serial, model and
 * optionally account, group, state; without a header: model,mac,serial).
 * The whole file is checked first: any bad row → nothing written, every
 * problem reported as file:line:col. Then rows are written in batches, each
 * batch one transaction. Returns the count imported, or -1. */
long spa_store_device_import(spa_store *st, const char *csv, size_t len, const char *file,
                             const spa_import_opts *o, spa_diags *d);

/* ---- accounts and groups ---- */
typedef struct spa_account {
    char *id;          /* operator's account id, e.g. "1001" */
    char *name;        /* customer name */
    char *number;      /* phone number / SIP user id */
    char *password;    /* secret: SIP password (NULL unless asked) */
    char *pin;         /* secret: the binding PIN's hash, "sha256:HEX" (NULL unless asked) */
    bool pin_used;
    int64_t created;
    bool has_pin;          /* a binding PIN is set (used or not) */
    int64_t pin_expires;   /* unix time, 0 = never */
    char pin_mac[13];      /* the device that used the PIN, "" = none */
} spa_account;
/* A binding PIN's state at time now: "none", "unused", "used" or "expired". */
const char *spa_account_pin_state(const spa_account *a, int64_t now);
/* Free an account's strings (not the struct), wiping the secrets. */
void spa_account_clear(spa_account *a);

/* Create an account (id required; other fields may be NULL). 0 or -1. */
int spa_store_account_add(spa_store *st, const char *id, const char *name, const char *number,
                          spa_diags *d);
/* Set one field: "name", "number", "password", "pin" (a new PIN is unused,
 * never expires and is stored hashed: spa_store_account_pin).
 * 0, 1 no such account, -1 error. */
int spa_store_account_set(spa_store *st, const char *id, const char *field, const char *value,
                          spa_diags *d);
/* 0 found, 1 not found, -1 error. */
int spa_store_account_get(spa_store *st, const char *id, unsigned flags, spa_account *out,
                          spa_diags *d);
/* Remove an account; refused while devices belong to it. 0, 1, -1. */
int spa_store_account_remove(spa_store *st, const char *id, spa_diags *d);
typedef int (*spa_account_cb)(void *ctx, const spa_account *a);
/* Accounts by id; PIN and password only with SPA_STORE_SECRETS. 0, -1, or cb's value. */
int spa_store_account_list(spa_store *st, unsigned flags, spa_account_cb cb, void *ctx,
                           spa_diags *d);
/* Retail binding of a known device (spa_store_pin_bind without registering):
 * 0 bound, 1 wrong, used or expired PIN (nothing changed), -1 error. */
int spa_store_bind_pin(spa_store *st, const char *mac, const char *pin, char *acct, size_t n,
                       spa_diags *d);

/* ---- retail binding PINs (lib/store_pins.c) ---- */
#define SPA_PIN_MIN 4
#define SPA_PIN_MAX 64
#define SPA_PIN_GEN_LEN 10   /* a generated PIN: 10 of 31 letters/digits, ~49 bits */

/* Give account id a new single-use binding PIN, replacing any earlier one.
 * pin NULL = a random one; otherwise 4..64 of A-Z a-z 0-9 . _ ~ - (so it
 * fits a URL query unescaped). expires: unix time after which it is refused
 * (0 = never). Only its SHA-256 is stored; the PIN itself is copied to
 * out[n] (n > SPA_PIN_MAX), the one time it can be seen. 0, 1 no such
 * account, -1 error (nothing changed). */
int spa_store_account_pin(spa_store *st, const char *id, const char *pin, int64_t expires,
                          char *out, size_t n, spa_diags *d);
/* "sha256:" + 64 hex digits of pin into out[n >= 72]: the stored form. */
void spa_store_pin_hash(const char *pin, char *out, size_t n);

typedef enum {
    SPA_BIND_OK = 0,       /* bound now */
    SPA_BIND_WRONG,        /* no account has this PIN (or it is malformed) */
    SPA_BIND_USED,         /* the PIN was used by another device */
    SPA_BIND_EXPIRED,      /* the PIN is past its expiry */
    SPA_BIND_AGAIN         /* this device already used this PIN: nothing to change */
} spa_bind_result;

/* Short name: "bound", "wrong PIN", "PIN already used", "PIN expired", "already bound". */
const char *spa_bind_result_name(spa_bind_result r);

typedef struct spa_bind_request {
    const char *mac;       /* the device (any spelling) */
    const char *model;     /* to register an unknown device; NULL = it must exist */
    const char *serial;    /* for the registration (may be NULL) */
    const char *pin;
    int64_t now;           /* unix time (0 = now), for the expiry */
} spa_bind_request;
/* Retail binding in one transaction: if the PIN is valid and unused, register
 * the device when unknown, set its account, mark the PIN used by this MAC.
 * The account id goes to acct[n] (OK and AGAIN). Returns a spa_bind_result
 * (only OK changes anything), or -1 with a diagnostic. */
int spa_store_pin_bind(spa_store *st, const spa_bind_request *rq, char *acct, size_t n,
                       spa_diags *d);

/* Create a group. 0 or -1. */
int spa_store_group_add(spa_store *st, const char *name, const char *description,
                        spa_diags *d);
/* Change a group's description. 0, 1 not found, -1. */
int spa_store_group_set(spa_store *st, const char *name, const char *description,
                        spa_diags *d);
/* Remove a group; refused while devices belong to it. 0, 1 not found, -1. */
int spa_store_group_remove(spa_store *st, const char *name, spa_diags *d);
typedef int (*spa_group_cb)(void *ctx, const char *name, const char *description);
/* Groups by name. 0, -1, or the callback's non-zero value. */
int spa_store_group_list(spa_store *st, spa_group_cb cb, void *ctx, spa_diags *d);

/* ---- parameters ---- */
typedef enum {
    SPA_SCOPE_GLOBAL = 0, SPA_SCOPE_MODEL, SPA_SCOPE_GROUP, SPA_SCOPE_ACCOUNT,
    SPA_SCOPE_DEVICE, SPA_SCOPE_COUNT
} spa_scope;

/* "global", "model", "group", "account", "device". */
const char *spa_scope_name(spa_scope s);
/* Parse a scope name; 0 or -1. */
int spa_scope_parse(const char *s, spa_scope *out);

/* Set parameters at a scope (target: "" for global, model name, group name,
 * account id or MAC). Each entry's name must exist in the scope's model(s)
 * and its value (unless it holds a server template, docs/render.md) pass the
 * model's type check; templates must name known variables. An entry with
 * value NULL sets only the access. All or nothing: 0, or -1 with one
 * diagnostic per bad field. */
int spa_store_param_apply(spa_store *st, spa_scope scope, const char *target,
                          const struct spa_profile *set, spa_diags *d);
/* Set one parameter (value NULL = access only; access UNSET = keep). */
int spa_store_param_set(spa_store *st, spa_scope scope, const char *target, const char *name,
                        const char *value, spa_access access, spa_diags *d);
/* Remove a parameter from a scope. 0, 1 it was not set, -1 error. */
int spa_store_param_unset(spa_store *st, spa_scope scope, const char *target,
                          const char *name, spa_diags *d);

typedef struct spa_param_row {
    spa_scope scope;
    const char *target;
    const char *name;      /* canonical */
    const char *value;     /* NULL = not set here (access only), or masked */
    spa_access access;     /* UNSET = not set here */
    bool masked;           /* a secret value withheld (no SPA_STORE_SECRETS) */
} spa_param_row;
typedef int (*spa_param_cb)(void *ctx, const spa_param_row *r);
/* Parameters set at one scope/target (target NULL = every target of scope),
 * by name. Secret values are masked unless flags has SPA_STORE_SECRETS. */
int spa_store_param_list(spa_store *st, spa_scope scope, const char *target, unsigned flags,
                         spa_param_cb cb, void *ctx, spa_diags *d);
/* Every parameter row that applies to a device, broadest scope first
 * (global, model, group, account, device), secrets included: the renderer's
 * input. 0, 1 no such device, -1 error. */
int spa_store_params_for_device(spa_store *st, const char *mac, spa_param_cb cb, void *ctx,
                                spa_diags *d);

/* What a device's rendered profile depends on: the generation of each scope
 * row (global, its model, group, account, and the device itself). Any write
 * that could change the profile bumps the generation of the row it touched.
 * The same row also gives the device's state, key generation and whether a
 * key rotation is pending, so a profile request needs no second lookup.
 * 0, 1 no such device, -1 error. */
typedef struct spa_device_deps {
    int64_t gen[SPA_SCOPE_COUNT];
    spa_dev_state state;
    unsigned key_gen;
    bool rotation_pending;     /* prev_path is set */
} spa_device_deps;
int spa_store_device_deps(spa_store *st, const char *mac, spa_device_deps *out, spa_diags *d);
/* The database-wide configuration generation (grows with every change). */
int64_t spa_store_config_gen(spa_store *st);

/* ---- firmware ---- */
#define SPA_FW_TARGET       0x01u  /* the version devices of the model should run */
#define SPA_FW_INTERMEDIATE 0x02u  /* a required stepping stone of a multi-stage upgrade */
typedef struct spa_firmware {
    int64_t id;
    char *model, *version, *path;
    char sha256[65];       /* lower-case hex digest of the image bytes */
    int64_t size;
    unsigned staged;       /* SPA_FW_* */
    int64_t added;
} spa_firmware;
/* Free a firmware record's strings (not the struct). */
void spa_firmware_clear(spa_firmware *f);
/* Record an image: reads path to compute size and SHA-256. 0 or -1. */
int spa_store_firmware_add(spa_store *st, const char *model, const char *version,
                           const char *path, unsigned staged, spa_diags *d);
/* Change the staged flags of model/version. 0, 1 not found, -1. */
int spa_store_firmware_stage(spa_store *st, const char *model, const char *version,
                             unsigned staged, spa_diags *d);
typedef int (*spa_firmware_cb)(void *ctx, const spa_firmware *f);
/* Images of a model (NULL = all), by model then id. */
int spa_store_firmware_list(spa_store *st, const char *model, spa_firmware_cb cb, void *ctx,
                            spa_diags *d);

/* ---- firmware targets (lib/store_firmware.c) ---- */

/* The path of an image under the static root, "fw/MODEL/VERSION.bin"
 * (characters other than letters, digits, '.', '-' and '_' in the version
 * become '_'). 0, or -1 when it does not fit in n. */
int spa_firmware_rel_path(const char *model, const char *version, char *out, size_t n);
/* One recorded image. 0 found, 1 not found, -1 error. */
int spa_store_firmware_get(spa_store *st, const char *model, const char *version,
                           spa_firmware *out, spa_diags *d);
/* Forget an image; refused while a firmware target names it (as target or
 * intermediate). The file itself is the caller's. 0, 1 not found, -1. */
int spa_store_firmware_remove(spa_store *st, const char *model, const char *version,
                              spa_diags *d);

/* What the devices of a model (scope MODEL, target = the model) or of one
 * group's devices of a model (scope GROUP, target = the group) should run,
 * and the versions they must pass through on the way (oldest first). */
typedef struct spa_fw_target {
    spa_scope scope;      /* SPA_SCOPE_MODEL or SPA_SCOPE_GROUP */
    char *target;         /* model or group name */
    char *model;
    char *version;
    char *via;            /* "V1,V2" ("" = none) */
} spa_fw_target;
/* Free a target's strings (not the struct). */
void spa_fw_target_clear(spa_fw_target *t);
/* Set the target of (scope, target) for model: version and every via
 * version must be recorded images of the model, the via versions strictly
 * ascending and below version, and each writable in a rule ($SWVER lt V:
 * no suffix, or one starting with a letter). Bumps the scope row. 0 or -1. */
int spa_store_fw_target_set(spa_store *st, spa_scope scope, const char *target,
                            const char *model, const char *version, const char *via,
                            spa_diags *d);
/* Remove a target. 0, 1 not set, -1. */
int spa_store_fw_target_unset(spa_store *st, spa_scope scope, const char *target,
                              const char *model, spa_diags *d);
typedef int (*spa_fw_target_cb)(void *ctx, const spa_fw_target *t);
/* Every target, model scope first, by target and model. 0, -1 or cb's value. */
int spa_store_fw_target_list(spa_store *st, spa_fw_target_cb cb, void *ctx, spa_diags *d);
/* The target that applies to a device of model in group (NULL = none): the
 * group's, else the model's. 0 found, 1 none, -1 error. */
int spa_store_fw_target_for(spa_store *st, const char *model, const char *group,
                            spa_fw_target *out, spa_diags *d);

/* ---- remote customization (lib/store_rc.c; a vendor-mode spaprovd) ---- */
typedef struct spa_rc_company {
    char *name;           /* shown by the unit as its Customization */
    char *domains;        /* Restricted_Access_Domains value ("" = unrestricted) */
    char *dns;            /* "PRIMARY[,SECONDARY]" ("" = none) */
    char *url;            /* the company's Profile_Rule URL */
    int64_t created;
} spa_rc_company;
/* Free a company's strings (not the struct). */
void spa_rc_company_clear(spa_rc_company *c);
/* Record a company (replace = update an existing one). domains: up to five
 * names; dns: one or two IPv4 addresses; url: a valid Profile_Rule URL. 0 or -1. */
int spa_store_rc_company_add(spa_store *st, const char *name, const char *domains,
                             const char *dns, const char *url, bool replace, spa_diags *d);
/* Remove a company; refused while units are assigned to it. 0, 1, -1. */
int spa_store_rc_company_remove(spa_store *st, const char *name, spa_diags *d);
/* 0 found, 1 not found, -1. */
int spa_store_rc_company_get(spa_store *st, const char *name, spa_rc_company *out,
                             spa_diags *d);
typedef int (*spa_rc_company_cb)(void *ctx, const spa_rc_company *c);
/* Companies by name. 0, -1 or cb's value. */
int spa_store_rc_company_list(spa_store *st, spa_rc_company_cb cb, void *ctx, spa_diags *d);
/* Assign a unit to a company (reassigning is allowed). key (secret, may be
 * NULL) is the company's profile key for this unit: the customization's
 * Profile_Rule then carries [--key KEY]. 0 or -1. */
int spa_store_rc_assign(spa_store *st, const char *mac, const char *company, const char *key,
                        spa_diags *d);
/* Assign from CSV "mac,company[,key]" (header optional): checked whole
 * first (file:line:col errors, nothing written), then one transaction.
 * Returns the count, or -1. */
long spa_store_rc_assign_csv(spa_store *st, const char *csv, size_t len, const char *file,
                             spa_diags *d);
/* Forget a unit's assignment. 0, 1 not assigned, -1. */
int spa_store_rc_unassign(spa_store *st, const char *mac, spa_diags *d);
/* The company of a unit; *key (may be NULL) gets a copy of its key only with
 * SPA_STORE_SECRETS (free it with spa_secret_free). 0, 1 not assigned, -1. */
int spa_store_rc_unit(spa_store *st, const char *mac, unsigned flags, spa_rc_company *out,
                      char **key, spa_diags *d);
typedef int (*spa_rc_unit_cb)(void *ctx, const char *mac, const char *company, bool has_key);
/* Assigned units by MAC (company NULL = all). 0, -1 or cb's value. */
int spa_store_rc_unit_list(spa_store *st, const char *company, spa_rc_unit_cb cb, void *ctx,
                           spa_diags *d);
/* Wipe and free a secret string (NULL is fine). */
void spa_secret_free(char *s);

/* ---- events ---- */
typedef enum {
    SPA_EV_REQUEST = 0, SPA_EV_RESULT, SPA_EV_SYSLOG, SPA_EV_REPORT, SPA_EV_SECURITY,
    SPA_EV_UPGRADE,        /* an upgrade result parsed from the device's syslog line */
    SPA_EV_COUNT
} spa_event_kind;
/* "request", "result", "syslog", "report", "security", "upgrade". */
const char *spa_event_kind_name(spa_event_kind k);
/* Parse an event kind name; 0 or -1. */
int spa_event_kind_parse(const char *s, spa_event_kind *out);

typedef struct spa_event {
    int64_t id;
    int64_t time;          /* unix time */
    const char *mac;       /* "" when not attributed to a device */
    spa_event_kind kind;
    const char *text;
    const void *blob;      /* optional payload (a report body); NULL when none */
    size_t blob_len;
} spa_event;
/* Append an event (time 0 = now; mac NULL = unattributed). 0 or -1. */
int spa_store_event_add(spa_store *st, int64_t time, const char *mac, spa_event_kind kind,
                        const char *text, const void *blob, size_t blob_len, spa_diags *d);
/* A queued write of spaprovd's write-behind batches (lib/provd_queue.c). */
typedef struct spa_event_rec {
    int64_t time;          /* unix time */
    char mac[13];          /* canonical (spa_mac_parse) or "" = unattributed */
    spa_event_kind kind;
    char *text;
} spa_event_rec;
typedef struct spa_contact_rec {
    char mac[13];          /* canonical */
    char fw_seen[33];      /* "" = keep the one stored */
    int64_t time;
} spa_contact_rec;
/* Append nev events and record nct contacts (as spa_store_device_touch; an
 * unknown device is skipped) in ONE transaction: all of them or none.
 * 0 or -1. */
int spa_store_write_batch(spa_store *st, const spa_event_rec *ev, size_t nev,
                          const spa_contact_rec *ct, size_t nct, spa_diags *d);
typedef int (*spa_event_cb)(void *ctx, const spa_event *e);
/* Which events spa_store_event_query returns. */
typedef struct spa_event_query {
    const char *mac;       /* NULL = all */
    int64_t since;         /* events at or after (0 = all) */
    int kind;              /* spa_event_kind, or -1 = all */
    size_t limit;          /* 0 = 1000; the newest `limit`, returned oldest first */
} spa_event_query;
/* Events matching q (NULL = the newest 1000), oldest first; strings and blob
 * are valid only during the callback. 0, -1, or the callback's value. */
int spa_store_event_query(spa_store *st, const spa_event_query *q, spa_event_cb cb, void *ctx,
                          spa_diags *d);

#endif
