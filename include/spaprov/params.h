/* params.h — parameter names, user access, and the device parameter store.
 *
 * Names: one canonical internal form, the XML element spelling
 * ("Dial_Plan_1_"); the plain-text ("Dial_Plan[1]") and web ("Dial Plan[1]")
 * spellings are accepted everywhere a name is read.
 *
 * The store (spa_params) holds one device's configuration as copy-on-write
 * overrides over its model's factory defaults, so a model schema serves any
 * number of devices and each device pays only for what differs. */
#ifndef SPAPROV_PARAMS_H
#define SPAPROV_PARAMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/diag.h"

typedef enum {
    SPA_ACCESS_UNSET = 0, /* not given: XML → factory default; text never produces it */
    SPA_ACCESS_NA,        /* user has no access */
    SPA_ACCESS_RO,        /* user read-only */
    SPA_ACCESS_RW         /* user read-write */
} spa_access;

#define SPA_NAME_MAX 128  /* longest parameter name accepted */

/* "na", "ro", "rw" (or "" for UNSET). */
const char *spa_access_name(spa_access a);
/* Parse "na"/"ro"/"rw"; 0 or -1. */
int spa_access_parse(const char *s, spa_access *a);

/* Canonical (XML) spelling of a name in any spelling: spaces and [ ] ( ) /
 * become '_'. Returns 0, or -1 if empty, too long or not printable ASCII. */
int spa_name_canonical(const char *in, size_t len, char *out, size_t n);
/* Plain-text spelling of a canonical name without a model: a trailing
 * "_N_" becomes "[N]" ("Speed_Dial_2_2_" → "Speed_Dial_2[2]"). */
int spa_name_text(const char *canonical, char *out, size_t n);
/* True when every byte is printable ASCII, space or tab. */
bool spa_value_is_ascii(const char *v, size_t len);

struct spa_model;
struct spa_profile;

typedef struct spa_params spa_params;

/* What spa_params_apply did. */
typedef struct spa_apply_result {
    size_t values_changed;   /* parameters whose value differs afterwards */
    size_t access_changed;   /* parameters whose user access differs afterwards */
    size_t unknown;          /* names the model does not have (ignored) */
    size_t refused;          /* not writable by the caller (user apply on na/ro) */
} spa_apply_result;

#define SPA_APPLY_AS_USER   0x01u  /* a User-account change: only rw parameters, no access changes */
#define SPA_APPLY_DRY_RUN   0x02u  /* compute the result, change nothing */

/* A store at factory defaults for model m (m must outlive it); NULL on OOM. */
spa_params *spa_params_new(const struct spa_model *m);
/* Free a store. */
void spa_params_free(spa_params *p);
/* Deep copy; NULL on OOM. */
spa_params *spa_params_clone(const spa_params *p);
/* The model behind a store. */
const struct spa_model *spa_params_model(const spa_params *p);
/* Current value by any spelling; NULL if the model lacks it. Write-only
 * parameters (License_Keys) always read back "". */
const char *spa_params_get(const spa_params *p, const char *name);
/* Current value by model index (write-only → ""); NULL if out of range. */
const char *spa_params_get_at(const spa_params *p, size_t idx);
/* Current user access by any spelling (SPA_ACCESS_NA if unknown). */
spa_access spa_params_access(const spa_params *p, const char *name);
/* Current user access by model index. */
spa_access spa_params_access_at(const spa_params *p, size_t idx);
/* Set one value (value NULL = keep) and access (UNSET = keep); 0, -1 unknown
 * name or non-ASCII value, -2 OOM. Marks it dirty when anything changed. */
int spa_params_set(spa_params *p, const char *name, const char *value, spa_access a);
/* Apply a parsed profile atomically: either every entry takes effect or none
 * does. XML entries with UNSET access reset access to the factory default.
 * Returns 0, or -2 on OOM (nothing changed). res may be NULL. */
int spa_params_apply(spa_params *p, const struct spa_profile *prof, unsigned flags,
                     spa_apply_result *res);
/* Back to factory defaults (the manufacturing reset). */
void spa_params_reset(spa_params *p);
/* True if any parameter changed since the last spa_params_clear_dirty. */
bool spa_params_dirty(const spa_params *p);
/* True if the parameter at idx changed since the last clear. */
bool spa_params_dirty_at(const spa_params *p, size_t idx);
/* Forget the dirty marks. */
void spa_params_clear_dirty(spa_params *p);
/* Number of parameters that differ from the model's defaults. */
size_t spa_params_override_count(const spa_params *p);
/* Heap bytes used by this store (excluding the shared model). */
size_t spa_params_memory(const spa_params *p);
/* Dump into prof: every parameter (all = true) or only the overridden ones,
 * with values and access. Returns 0 or -2 on OOM. */
int spa_params_to_profile(const spa_params *p, bool all, struct spa_profile *prof);

#endif
