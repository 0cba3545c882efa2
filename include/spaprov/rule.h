/* rule.h — the provisioning rule language (guide §2.7–§2.13): Profile_Rule
 * (and _B/_C/_D), Upgrade_Rule, Report_Rule and Resync_Trigger_1/2.
 *
 *   rule        = [ alternative *( "|" alternative ) ]
 *   alternative = [ "(" condition ")?" ] [ "(" assignments ")!" ]
 *                 [ [ "[" options "]" ] url ]
 *
 * A rule is parsed ONCE into a compact AST (one allocation, see
 * spa_rule_memory) that keeps the unexpanded text of every part; evaluation
 * is then macro expansion + typing + comparison only. The full grammar and
 * semantics are in docs/rule-language.md. */
#ifndef SPAPROV_RULE_H
#define SPAPROV_RULE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/macro.h"

/* Which parameter the text comes from: decides what is allowed. */
typedef enum spa_rule_mode {
    SPA_RULE_PROFILE = 0, /* Profile_Rule, _B, _C, _D: --key, --post, --alias */
    SPA_RULE_UPGRADE,     /* Upgrade_Rule: no options */
    SPA_RULE_REPORT,      /* Report_Rule: --key only */
    SPA_RULE_TRIGGER      /* Resync_Trigger_1/2: a bare condition, no "( )?" */
} spa_rule_mode;

typedef enum spa_scheme {
    SPA_SCHEME_TFTP = 0,
    SPA_SCHEME_HTTP,
    SPA_SCHEME_HTTPS
} spa_scheme;

/* "tftp", "http", "https". */
const char *spa_scheme_name(spa_scheme s);
/* 69, 80, 443. */
unsigned spa_scheme_default_port(spa_scheme s);

/* A parsed resync/upgrade/report URL: [scheme://][server[:port]]/path[?query]. */
typedef struct spa_url {
    spa_scheme scheme;   /* tftp when omitted */
    char *host;          /* NULL when the URL names no server (DHCP option 66) */
    unsigned port;       /* as given, else the scheme's default */
    bool port_given;
    char *path;          /* absolute path including any "?query" */
    const char *query;   /* points into path just after '?', or NULL */
} spa_url;

/* Parse len bytes as a URL (already macro-expanded). Returns 0; -1 when
 * invalid, with *errpos (offset of the problem) and *errmsg (static text)
 * set when non-NULL; -2 on OOM. */
int spa_url_parse(const char *s, size_t len, spa_url *u, size_t *errpos, const char **errmsg);
/* Free a URL's strings. */
void spa_url_free(spa_url *u);
/* Append "scheme://host:port/path"; a host with ':' (IPv6) goes in [ ].
 * host NULL = "". 0 or -1 (OOM). */
int spa_url_format(spa_buf *b, spa_scheme scheme, const char *host, unsigned port,
                   const char *path);

typedef struct spa_rule spa_rule;

/* Parse a rule of the given mode. file/line locate the parameter; col is the
 * column of the value's first byte (0 = report columns within the value,
 * counting from 1). Returns 0 with *out set (an empty or commented-out rule
 * is valid), -1 on a syntax error (one diagnostic with its column, *out
 * NULL), -2 on OOM. */
int spa_rule_parse(spa_rule **out, const char *text, size_t len, spa_rule_mode mode,
                   const char *file, unsigned line, unsigned col, spa_diags *d);
/* Free a parsed rule (NULL is fine). */
void spa_rule_free(spa_rule *r);
/* The mode the rule was parsed in. */
spa_rule_mode spa_rule_get_mode(const spa_rule *r);
/* Number of alternatives; 0 for an empty rule (always skipped / false). */
size_t spa_rule_alt_count(const spa_rule *r);
/* Bytes of the rule's single allocation (what a device pays to keep it). */
size_t spa_rule_memory(const spa_rule *r);
/* Canonical text of the rule (operators as eq/ne/lt/…, one space between
 * parts). A --key argument is always written as "***": never printed. */
int spa_rule_format(const spa_rule *r, spa_buf *out);

/* What evaluation needs from its caller. */
typedef struct spa_rule_env {
    spa_macro_lookup_fn lookup;  /* macro variables ($MA, $A, $SWVER, …) */
    void *ctx;                   /* passed to lookup */
    const char *dhcp_server;     /* DHCP option 66 server for URLs without one; may be NULL */
    const char *file;            /* where the rule came from, for diagnostics */
    unsigned line, col;          /* as for spa_rule_parse */
} spa_rule_env;

/* One assignment of the chosen alternative, to be executed by the caller
 * before any fetch. */
typedef struct spa_rule_assign {
    char *name;    /* canonical parameter name ("GPP_A", "Line_Enable_1_") */
    char *value;   /* macro-expanded value */
} spa_rule_assign;

/* The outcome of evaluating a rule. */
typedef struct spa_rule_result {
    int alt;                  /* chosen alternative (0-based); -1 = rule skipped */
    spa_rule_assign *assign;  /* assignments of the chosen alternative */
    size_t nassign;
    bool has_url;
    spa_url url;              /* valid when has_url: expanded and parsed */
    bool host_from_dhcp;      /* the URL named no server; url.host is env->dhcp_server (or NULL) */
    bool has_key;
    char *key;                /* SECRET: expanded --key ($SA–$SD allowed); never log it */
    char post;                /* 'a'…'p' for --post, else 0 */
    char alias;               /* 'a'…'p' for --alias, else 0 */
    char *identity;           /* "scheme://server:port/path?query" — the Upgrade_Rule
                                 "same image" identity; NULL without URL */
} spa_rule_result;

/* Initialise an empty result. */
void spa_rule_result_init(spa_rule_result *res);
/* Free a result (wiping the key) and make it empty. */
void spa_rule_result_free(spa_rule_result *res);
/* Debug text of a result; the key is shown as "***". 0 or -1 on OOM. */
int spa_rule_result_format(const spa_rule_result *res, spa_buf *out);

/* Evaluate (guide §2.13): conditions left to right until one is true or an
 * alternative without condition is reached; that alternative's assignments
 * and expanded URL/options go into res (initialised with
 * spa_rule_result_init; freed and refilled on every call).
 * Returns 0 (res->alt = -1 when skipped), -1 when the chosen URL is invalid
 * after expansion or --post meets tftp (one diagnostic, res->alt = -1), -2 on
 * OOM. A comparison whose operands cannot be typed or compared is false and
 * adds a warning. */
int spa_rule_eval(const spa_rule *r, const spa_rule_env *env, spa_rule_result *res,
                  spa_diags *d);
/* Evaluate a Resync_Trigger (or the first alternative's condition of any
 * rule): 1 true, 0 false (an empty trigger is false), -2 on OOM. */
int spa_rule_eval_trigger(const spa_rule *r, const spa_rule_env *env, spa_diags *d);

#endif
