/* lint.c — `spc --lint`: model-aware checks of a parsed profile.
 *
 * The device silently ignores what it does not understand, so a typo in a
 * parameter name, a value out of range or a broken Profile_Rule only shows
 * up when a unit in the field stops doing what was meant — or stops
 * resyncing at all. lint finds those before the profile ships, with a
 * compiler-style file:line:col for each, and never echoes a secret value. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spaprov/lint.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/rule.h"

/* ---- names ---- */

size_t spa_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t prev[SPA_NAME_MAX + 1], cur[SPA_NAME_MAX + 1];

    if (la > SPA_NAME_MAX || lb > SPA_NAME_MAX)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t rowmin;
        cur[0] = rowmin = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > cap)
            return cap + 1;
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb] > cap ? cap + 1 : prev[lb];
}

/* Plain-text spelling of a model parameter: the web name with '_' for spaces. */
static void text_spelling(const spa_param_def *def, char *out, size_t n)
{
    if (def->web_name && *def->web_name) {
        size_t i = 0;
        for (; def->web_name[i] && i + 1 < n; i++)
            out[i] = def->web_name[i] == ' ' ? '_' : def->web_name[i];
        out[i] = '\0';
    } else if (spa_name_text(def->name, out, n) < 0) {
        snprintf(out, n, "%s", def->name);
    }
}

int spa_lint_suggest(const spa_model *m, const char *name, bool text_names, char *out,
                     size_t n)
{
    char canon[SPA_NAME_MAX];
    size_t len, cap, best = SIZE_MAX;
    const spa_param_def *hit = NULL;

    if (!m || spa_name_canonical(name, strlen(name), canon, sizeof canon) < 0)
        return -1;
    len = strlen(canon);
    cap = len <= 4 ? 1 : len <= 12 ? 2 : 3;
    for (size_t i = 0; i < m->nparams; i++) {
        size_t dist = spa_edit_distance(canon, m->params[i].name, cap);
        if (dist <= cap && dist < best) {
            best = dist;
            hit = &m->params[i];
            if (dist == 0)
                break;
        }
    }
    if (!hit)
        return -1;
    if (text_names)
        text_spelling(hit, out, n);
    else
        snprintf(out, n, "%s", hit->name);
    return 0;
}

/* ---- where in the source ---- */

/* Column of the first byte of e's value in the source, or e->col when the
 * source is unavailable or the value is not on the entry's line. */
static unsigned value_col(const spa_lint_opts *o, const spa_profile_entry *e)
{
    const char *s;
    size_t len, pos = 0;
    unsigned line = 1;
    bool xml;

    if (!o || !o->source || !o->source_file || !e->file || strcmp(o->source_file, e->file) ||
        e->line == 0 || e->col == 0)
        return e->col;
    s = o->source;
    len = o->source_len;
    while (pos < len && line < e->line)
        if (s[pos++] == '\n')
            line++;
    if (line != e->line || pos + e->col - 1 >= len)
        return e->col;
    xml = spa_profile_looks_xml(s, len);
    for (size_t i = pos + e->col - 1; i < len && s[i] != '\n'; i++)
        if (s[i] == (xml ? '>' : '"'))
            return (unsigned)(i - pos) + 2;
    return e->col;
}

/* ---- $SA–$SD ---- */

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* True when offset i of v is inside the argument of a --key option in a
 * rule's "[ ... ]" options. */
static bool in_key_arg(const char *v, size_t i)
{
    size_t lb = i, dash = SIZE_MAX;
    while (lb > 0 && v[lb - 1] != '[' && v[lb - 1] != ']')
        lb--;
    if (lb == 0 || v[lb - 1] != '[')
        return false;
    for (size_t k = lb; k + 1 < i; k++)
        if (v[k] == '-' && v[k + 1] == '-')
            dash = k;
    return dash != SIZE_MAX && strncmp(v + dash, "--key", 5) == 0 && !ident_char(v[dash + 5]);
}

/* Offset of the first $SA–$SD reference in v that is not a --key argument
 * (rules only have --key), or -1. */
static long secret_macro_at(const char *v, bool is_rule, char which[3])
{
    for (size_t i = 0; v[i]; i++) {
        size_t j;
        bool paren;
        if (v[i] != '$')
            continue;
        if (v[i + 1] == '$') {
            i++;
            continue;
        }
        j = i + 1;
        paren = v[j] == '(';
        if (paren)
            j++;
        if (v[j] != 'S' || v[j + 1] < 'A' || v[j + 1] > 'D')
            continue;
        if (paren ? (v[j + 2] != ')' && v[j + 2] != ':') : ident_char(v[j + 2]))
            continue;
        if (is_rule && in_key_arg(v, i))
            continue;
        which[0] = 'S';
        which[1] = v[j + 1];
        which[2] = '\0';
        return (long)i;
    }
    return -1;
}

/* ---- rules ---- */

static bool is_rule_type(const spa_param_def *def)
{
    return def && (def->type.kind == SPA_T_RULE || def->type.kind == SPA_T_TRIGGER);
}

static spa_rule_mode rule_mode(const spa_param_def *def)
{
    if (def->type.kind == SPA_T_TRIGGER)
        return SPA_RULE_TRIGGER;
    if (strcmp(def->name, "Upgrade_Rule") == 0)
        return SPA_RULE_UPGRADE;
    if (strcmp(def->name, "Report_Rule") == 0)
        return SPA_RULE_REPORT;
    return SPA_RULE_PROFILE;
}

static void lint_rule(const spa_profile_entry *e, const spa_param_def *def,
                      const spa_lint_opts *o, spa_diags *d)
{
    spa_rule *r = NULL;
    if (spa_rule_parse(&r, e->value, strlen(e->value), rule_mode(def), e->file, e->line,
                       value_col(o, e), d) == -2)
        spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, e->col, "oom", "out of memory");
    spa_rule_free(r);
}

/* ---- one entry ---- */

static void lint_entry(const spa_profile_entry *e, const spa_model *m, const spa_lint_opts *o,
                       spa_diags *d)
{
    const spa_param_def *def = spa_model_param(m, e->name);
    char shown[SPA_NAME_MAX], why[160], which[3];
    long at;

    if (spa_name_text(e->name, shown, sizeof shown) < 0 || !(o && o->text_names))
        snprintf(shown, sizeof shown, "%s", e->name);
    if (!def) {
        char sug[SPA_NAME_MAX];
        if (spa_lint_suggest(m, e->name, o && o->text_names, sug, sizeof sug) == 0)
            spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, e->col, "unknown-param",
                         "unknown parameter '%s' for %s; did you mean '%s'?", shown, m->name,
                         sug);
        else
            spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, e->col, "unknown-param",
                         "unknown parameter '%s' for %s", shown, m->name);
        return;
    }
    if (!e->value)
        return;
    if (is_rule_type(def)) {
        lint_rule(e, def, o, d);
    } else if (spa_type_check(&def->type, e->value, why, sizeof why) < 0) {
        char tn[64];
        if (spa_type_format(&def->type, tn, sizeof tn) < 0)
            snprintf(tn, sizeof tn, "?");
        if (def->flags & SPA_PF_SECRET)
            spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, value_col(o, e), "type",
                         "value of '%s' is not a valid %s", shown, tn);
        else
            spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, value_col(o, e), "type",
                         "value \"%.60s\" of '%s' is not a valid %s: %s", e->value, shown, tn,
                         why);
    }
    at = secret_macro_at(e->value, is_rule_type(def), which);
    if (at >= 0) {
        unsigned c = value_col(o, e);
        spa_diag_add(d, SPA_DIAG_ERROR, e->file, e->line, c ? c + (unsigned)at : 0,
                     "secret-macro",
                     "$%s used outside a --key argument in '%s': its secret value would be "
                     "sent or shown in clear",
                     which, shown);
    }
}

/* ---- lock-out risks ---- */

static const char *const profile_rules[] = {
    "Profile_Rule", "Profile_Rule_B", "Profile_Rule_C", "Profile_Rule_D"
};
#define NRULES (sizeof profile_rules / sizeof profile_rules[0])

/* Value the unit will have after the profile: the profile's or the default. */
static const char *effective(const spa_profile *p, const spa_model *m, const char *name,
                             const spa_profile_entry **from)
{
    const spa_profile_entry *e = spa_profile_get(p, name);
    const spa_param_def *def = spa_model_param(m, name);
    *from = e && e->value ? e : NULL;
    if (*from)
        return e->value;
    return def ? def->def_value : "";
}

static bool rule_empty(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    return *v == '\0' || *v == '#';
}

typedef struct target {
    char scheme[8];
    char host[96];
} target;

/* Collect the scheme/host of every alternative's URL in rule text v. */
static size_t rule_targets(const char *v, target *t, size_t max)
{
    size_t n = 0, i = 0, len = strlen(v);
    while (i < len && n < max) {
        size_t end = i;
        int depth = 0;
        while (end < len && (depth > 0 || v[end] != '|')) {
            if (v[end] == '(' || v[end] == '[')
                depth++;
            else if ((v[end] == ')' || v[end] == ']') && depth > 0)
                depth--;
            end++;
        }
        size_t k = i;
        for (;;) {
            while (k < end && isspace((unsigned char)v[k]))
                k++;
            if (k < end && v[k] == '(') {
                int dd = 0;
                while (k < end && !(v[k] == ')' && --dd == 0))
                    if (v[k++] == '(')
                        dd++;
                if (k < end)
                    k++;
                if (k < end && (v[k] == '?' || v[k] == '!'))
                    k++;
                continue;
            }
            if (k < end && v[k] == '[') {
                while (k < end && v[k] != ']')
                    k++;
                if (k < end)
                    k++;
                continue;
            }
            break;
        }
        size_t ue = end;
        while (ue > k && isspace((unsigned char)v[ue - 1]))
            ue--;
        if (ue > k) {
            spa_url u;
            memset(&u, 0, sizeof u);
            if (spa_url_parse(v + k, ue - k, &u, NULL, NULL) == 0) {
                snprintf(t[n].scheme, sizeof t[n].scheme, "%s", spa_scheme_name(u.scheme));
                snprintf(t[n].host, sizeof t[n].host, "%s", u.host ? u.host : "");
                n++;
                spa_url_free(&u);
            }
        }
        i = end + 1;
    }
    return n;
}

static bool loopback_host(const char *h)
{
    return strcasecmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0;
}

static void lint_lockout(const spa_profile *p, const spa_model *m, spa_diags *d)
{
    const spa_profile_entry *pe = spa_profile_get(p, "Provision_Enable");
    const spa_profile_entry *first = NULL, *from;
    target t[32];
    size_t nt = 0;
    bool all_empty = true;

    if (pe && pe->value && spa_bool_value(pe->value) == 0)
        spa_diag_add(d, SPA_DIAG_ERROR, pe->file, pe->line, pe->col, "lockout",
                     "Provision_Enable is disabled: the unit will never resync again and "
                     "can only be recovered by hand");
    for (size_t i = 0; i < NRULES; i++) {
        const char *v = effective(p, m, profile_rules[i], &from);
        if (from && !first)
            first = from;
        if (!rule_empty(v)) {
            all_empty = false;
            nt += rule_targets(v, t + nt, sizeof t / sizeof t[0] - nt);
        }
    }
    if (!first)
        return; /* the profile does not touch the rules */
    if (all_empty) {
        spa_diag_add(d, SPA_DIAG_ERROR, first->file, first->line, first->col, "lockout",
                     "every Profile_Rule is empty or commented out after this profile: the "
                     "unit will never fetch another profile");
        return;
    }
    bool all_loop = nt > 0, all_same = nt > 0;
    for (size_t i = 0; i < nt; i++) {
        all_loop = all_loop && loopback_host(t[i].host);
        all_same = all_same && strcmp(t[i].scheme, t[0].scheme) == 0 &&
                   strcasecmp(t[i].host, t[0].host) == 0;
    }
    if (all_loop)
        spa_diag_add(d, SPA_DIAG_ERROR, first->file, first->line, first->col, "lockout",
                     "every Profile_Rule points at the unit itself (%s): no rule reaches a "
                     "provisioning server",
                     t[0].host);
    else if (all_same && strcmp(t[0].scheme, "https") == 0)
        spa_diag_add(d, SPA_DIAG_WARNING, first->file, first->line, first->col, "lockout",
                     "every Profile_Rule points at https://%s only: if that server or its "
                     "certificate fails, no other rule reaches the unit; keep a fallback "
                     "rule (e.g. Profile_Rule_D) on another scheme or host",
                     t[0].host[0] ? t[0].host : "(DHCP server)");
}

/* ---- entry points ---- */

size_t spa_lint_profile(const spa_profile *p, const spa_model *m, const spa_lint_opts *opt,
                        spa_diags *d)
{
    size_t before = d ? d->errors : 0;
    const char *file = opt ? opt->source_file : NULL;

    if (!m)
        return 0;
    for (size_t i = 0; i < p->n; i++)
        lint_entry(&p->v[i], m, opt, d);
    lint_lockout(p, m, d);
    if (p->ignored_elements)
        spa_diag_add(d, SPA_DIAG_WARNING, file, 0, 0, "ignored-element",
                     "%zu XML element%s outside <flat-profile> or nested in a parameter "
                     "ignored",
                     p->ignored_elements, p->ignored_elements == 1 ? "" : "s");
    if (p->duplicates)
        spa_diag_add(d, SPA_DIAG_WARNING, file, 0, 0, "duplicate",
                     "%zu parameter%s given more than once (the last one wins)", p->duplicates,
                     p->duplicates == 1 ? "" : "s");
    return d ? d->errors - before : 0;
}

size_t spa_lint_file(const char *path, const spa_model *m, const spa_decode_opts *o,
                     spa_diags *d)
{
    spa_buf raw, plain;
    spa_profile p;
    spa_decode_info info;
    size_t before = d ? d->errors : 0;
    int rc;

    spa_buf_init(&raw);
    spa_buf_init(&plain);
    spa_profile_init(&p);
    if (spa_read_file(path, &raw, d) < 0)
        goto out;
    rc = spa_decode(NULL, raw.data ? raw.data : "", raw.len, o, &plain, &info);
    if (rc != SPA_DEC_OK) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "decode", "%s: %s",
                     spa_dec_status_name(rc), info.why);
        goto out;
    }
    if (info.layers & SPA_LAYER_XML) {
        rc = spa_profile_parse_xml(&p, plain.data, plain.len, path, NULL, d);
    } else {
        spa_text_options to = { .allow_import = !(info.layers & ~SPA_LAYER_TEXT) };
        rc = spa_profile_parse_text(&p, plain.data ? plain.data : "", plain.len, path, &to, d);
    }
    if (rc == 0) {
        spa_lint_opts lo = { .text_names = (info.layers & SPA_LAYER_TEXT) != 0,
                             .source = plain.data, .source_len = plain.len,
                             .source_file = path };
        spa_lint_profile(&p, m, &lo, d);
    }
out:
    spa_profile_free(&p);
    spa_buf_free(&raw);
    spa_buf_free(&plain);
    return d ? d->errors - before : 0;
}

/* ---- JSON ---- */

static int json_str(spa_buf *out, const char *s)
{
    if (!s)
        return spa_buf_puts(out, "null");
    if (spa_buf_putc(out, '"') < 0)
        return -1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;
        if (c == '"' || c == '\\')
            rc = spa_buf_printf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            rc = spa_buf_printf(out, "\\u%04x", c);
        else
            rc = spa_buf_putc(out, (char)c);
        if (rc < 0)
            return -1;
    }
    return spa_buf_putc(out, '"');
}

int spa_diags_json(const spa_diags *d, spa_buf *out)
{
    if (spa_buf_putc(out, '[') < 0)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        const spa_diag *g = &d->v[i];
        if (spa_buf_puts(out, i ? ",\n {\"file\":" : "\n {\"file\":") < 0 ||
            json_str(out, g->file ? g->file : "<input>") < 0 ||
            spa_buf_printf(out, ",\"line\":%u,\"col\":%u,\"severity\":", g->line, g->col) < 0 ||
            json_str(out, spa_severity_name(g->severity)) < 0 ||
            spa_buf_puts(out, ",\"code\":") < 0 || json_str(out, g->code) < 0 ||
            spa_buf_puts(out, ",\"message\":") < 0 || json_str(out, g->message) < 0 ||
            spa_buf_putc(out, '}') < 0)
            return -1;
    }
    return spa_buf_puts(out, d->n ? "\n]\n" : "]\n");
}
