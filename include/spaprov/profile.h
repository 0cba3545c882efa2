/* profile.h — a parsed configuration profile: the ordered set of parameter
 * entries a profile file carries, before it is applied to any device.
 * Both formats of the guide read into it and write out of it:
 *   - the open format (XML, §2.2)          — lib/profile_xml.c
 *   - the plain-text SPC source (§2.6)     — lib/profile_txt.c
 * Parsing always completes (or fails) before anything is applied. */
#ifndef SPAPROV_PROFILE_H
#define SPAPROV_PROFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/params.h"

struct spa_model;
struct spa_alias_map;

typedef struct spa_profile_entry {
    char *name;        /* canonical spelling */
    char *value;       /* NULL = leave the value unchanged */
    spa_access access; /* SPA_ACCESS_UNSET = factory default (XML without ua) */
    const char *file;  /* where the (last) occurrence was (owned by the profile); may be NULL */
    unsigned line, col;
} spa_profile_entry;

typedef struct spa_profile {
    spa_profile_entry *v;  /* in order of first appearance; last occurrence wins */
    size_t n, cap;
    size_t ignored_elements;   /* XML elements outside <flat-profile> or nested in a parameter */
    size_t duplicates;         /* occurrences that replaced an earlier one */
    /* private: name → index, and the interned file names */
    uint32_t *index;
    size_t index_cap;
    char **files;
    size_t nfiles;
} spa_profile;

/* Initialise an empty profile. */
void spa_profile_init(spa_profile *p);
/* Free every entry. */
void spa_profile_free(spa_profile *p);
/* Add or replace (last wins) an entry; name in any spelling. Returns 0, -1 bad
 * name, -2 OOM. file may be NULL. */
int spa_profile_set(spa_profile *p, const char *name, const char *value, spa_access a,
                    const char *file, unsigned line, unsigned col);
/* Entry for a name in any spelling, or NULL. */
const spa_profile_entry *spa_profile_get(const spa_profile *p, const char *name);
/* Remove an entry by name; true if it was there. */
bool spa_profile_remove(spa_profile *p, const char *name);
/* Same parameters, values and access (order ignored)? */
bool spa_profile_equal(const spa_profile *a, const spa_profile *b);
/* Replace every UNSET access by the model's factory access (na when the model
 * lacks the parameter or m is NULL). */
void spa_profile_resolve_access(spa_profile *p, const struct spa_model *m);

/* ---- open format (XML) ---- */
typedef struct spa_xml_options {
    const struct spa_alias_map *aliases; /* --alias map: element paths → parameters */
    bool skip_non_ascii;  /* drop non-ASCII values with a warning instead of failing
                             (for importing foreign profiles; devices never set it) */
} spa_xml_options;

/* Parse an open-format profile. Returns 0, or -1 with diagnostics (file:line:col)
 * and p unchanged. opt may be NULL. Input need not be NUL-terminated. */
int spa_profile_parse_xml(spa_profile *p, const char *data, size_t len, const char *file,
                          const spa_xml_options *opt, spa_diags *d);
/* Canonical XML: <flat-profile>, one element per line, ua attributes when set. */
int spa_profile_write_xml(const spa_profile *p, spa_buf *out);

/* ---- plain-text SPC source ---- */
typedef struct spa_text_options {
    bool allow_import;      /* honour "import FILE" lines (read from disk) */
    unsigned max_depth;     /* nesting limit for imports (0 = 16) */
} spa_text_options;

/* Parse plain-text source. With imports allowed, FILE is relative to the
 * folder of `file`. Returns 0, or -1 with diagnostics and p unchanged. */
int spa_profile_parse_text(spa_profile *p, const char *data, size_t len, const char *file,
                           const spa_text_options *opt, spa_diags *d);
/* Read and parse a plain-text source file (imports allowed). */
int spa_profile_load_text_file(spa_profile *p, const char *path, spa_diags *d);
/* Plain-text source: `Name[n]! "value" ;` lines. The model (may be NULL) gives
 * the web-derived text spelling of per-line names. */
int spa_profile_write_text(const spa_profile *p, const struct spa_model *m, spa_buf *out);
/* Escape a value as a plain-text quoted string (with the quotes). */
int spa_text_quote(const char *value, spa_buf *out);

/* ---- either ---- */
/* True when data looks like XML (optional BOM/whitespace, then '<'). */
bool spa_profile_looks_xml(const char *data, size_t len);
/* Parse XML or plain text, chosen by content. */
int spa_profile_parse_any(spa_profile *p, const char *data, size_t len, const char *file,
                          spa_diags *d);
/* Read a file (any size up to 64 MiB) into a NUL-terminated buffer. */
int spa_read_file(const char *path, spa_buf *out, spa_diags *d);

#endif
