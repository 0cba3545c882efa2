/* lint.h — model-aware checks of a configuration profile (`spc --lint`):
 * unknown names with a "did you mean" suggestion, values that break their
 * parameter's data type (§2.14), rule-language errors in Profile_Rule*,
 * Upgrade_Rule, Report_Rule and Resync_Trigger_*, $SA–$SD used outside a
 * --key argument, and profiles that risk locking a unit out of provisioning.
 * Every finding is a spa_diag at the entry's file:line:col. */
#ifndef SPAPROV_LINT_H
#define SPAPROV_LINT_H
#include <stdbool.h>
#include <stddef.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/crypt.h"

struct spa_model;
struct spa_profile;

typedef struct spa_lint_opts {
    bool text_names;     /* suggest names in plain-text spelling (Dial_Plan[1]) */
    const char *source;  /* the profile's source text (optional): lets rule
                            diagnostics point at the column inside the value */
    size_t source_len;
    const char *source_file; /* entries from this file are in source */
} spa_lint_opts;

/* Check a parsed profile against model m. Diagnostics go to d (codes:
 * unknown-param, type, rule, secret-macro, lockout, ignored-element,
 * duplicate). Returns the number of errors found. opt may be NULL. */
size_t spa_lint_profile(const struct spa_profile *p, const struct spa_model *m,
                        const spa_lint_opts *opt, spa_diags *d);
/* Read, decode (gzip / openssl / container, with o's key and MAC), parse and
 * check one file. Syntax errors and decode failures are diagnostics too.
 * Returns the number of errors. o may be NULL. */
size_t spa_lint_file(const char *path, const struct spa_model *m, const spa_decode_opts *o,
                     spa_diags *d);
/* The model's parameter name closest to name (edit distance, case
 * insensitive), in canonical or text spelling; 0, or -1 when nothing is close. */
int spa_lint_suggest(const struct spa_model *m, const char *name, bool text_names, char *out,
                     size_t n);
/* Levenshtein distance between a and b, case-insensitive, capped at cap+1. */
size_t spa_edit_distance(const char *a, const char *b, size_t cap);
/* Append diagnostics as a JSON array of {file,line,col,severity,code,message}. */
int spa_diags_json(const spa_diags *d, spa_buf *out);

#endif
