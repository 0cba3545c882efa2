/* types.c — the guide's parameter data types (§2.14): parsing a type as it is
 * written in a schema file ("Uns16", "Str64", "{Yes|No}"), printing it back,
 * and checking a value against it. Every profile parser and the device model
 * use these checks, so a value is judged the same way everywhere.
 *
 * Decisions (see docs/models.md): an empty value is valid for every type
 * except Bool and choices (an unset server, port or number is legal on the
 * devices); Bool accepts the guide's spellings in any letter case. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"
#include "spaprov/schedule.h"
#include "spaprov/version.h"

#define SCRIPT_MAX 2047u   /* dial plans, rules, triggers, messages */

/* Type names with a fixed meaning: the kind and, for length-limited string
 * kinds, the maximum length from the guide. */
static const struct {
    const char *name;
    spa_type_kind kind;
    unsigned maxlen;
} fixed_types[] = {
    {"Bool", SPA_T_BOOL, 0},
    {"PwrLevel", SPA_T_PWRLEVEL, 0},
    {"IP", SPA_T_IP, 0},
    {"Port", SPA_T_PORT, 0},
    {"UserID", SPA_T_USERID, 63},
    {"FQDN", SPA_T_FQDN, 63},
    {"Phone", SPA_T_PHONE, 39},
    {"ActCode", SPA_T_ACTCODE, 7},
    {"PhTmplt", SPA_T_PHTMPLT, 39},
    {"RscTmplt", SPA_T_RSCTMPLT, 39},
    {"CadScript", SPA_T_CADSCRIPT, 127},
    {"FreqScript", SPA_T_FREQSCRIPT, 127},
    {"ToneScript", SPA_T_TONESCRIPT, 127},
    {"DialPlan", SPA_T_DIALPLAN, SCRIPT_MAX},
    {"Rule", SPA_T_RULE, SCRIPT_MAX},
    {"Trigger", SPA_T_TRIGGER, SCRIPT_MAX},
    {"Msg", SPA_T_MSG, SCRIPT_MAX},
    {"Schedule", SPA_T_SCHEDULE, 0},
    {"Version", SPA_T_VERSION, 0},
    {"AliasMap", SPA_T_ALIASMAP, SCRIPT_MAX},
};
#define NFIXED (sizeof fixed_types / sizeof fixed_types[0])

static const char *fixed_name(spa_type_kind k)
{
    for (size_t i = 0; i < NFIXED; i++)
        if (fixed_types[i].kind == k)
            return fixed_types[i].name;
    return NULL;
}

static unsigned fixed_maxlen(spa_type_kind k)
{
    for (size_t i = 0; i < NFIXED; i++)
        if (fixed_types[i].kind == k)
            return fixed_types[i].maxlen;
    return 0;
}

/* ---- parse / format ---------------------------------------------------- */

/* Digits after a prefix: "" → SPA_TYPE_ARG_NONE, else a decimal < 100000. */
static int parse_suffix(const char *s, unsigned *arg)
{
    if (*s == '\0') {
        *arg = SPA_TYPE_ARG_NONE;
        return 0;
    }
    unsigned v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || p - s >= 5)
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *arg = v;
    return 0;
}

/* "{a|b|c}": items are trimmed, none may be empty or contain braces. */
static int parse_choices(const char *s, spa_type *t)
{
    size_t len = strlen(s);
    if (len < 3 || s[0] != '{' || s[len - 1] != '}')
        return -1;
    char *out = malloc(len);
    if (!out)
        return -1;
    size_t o = 0;
    const char *p = s + 1, *end = s + len - 1;
    while (p <= end) {
        const char *bar = p;
        while (bar < end && *bar != '|')
            bar++;
        const char *a = p, *b = bar;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        int bad = (a == b);
        for (const char *q = a; q < b && !bad; q++)
            bad = (*q == '{' || *q == '}' || (unsigned char)*q < ' ' || (unsigned char)*q >= 0x7f);
        if (bad) {
            free(out);
            return -1;
        }
        if (o)
            out[o++] = '|';
        memcpy(out + o, a, (size_t)(b - a));
        o += (size_t)(b - a);
        p = bar + 1;
    }
    out[o] = '\0';
    t->kind = SPA_T_CHOICE;
    t->arg = 0;
    t->choices = out;
    return 0;
}

int spa_type_parse(const char *s, spa_type *t)
{
    t->kind = SPA_T_STR;
    t->arg = 0;
    t->choices = NULL;
    if (!s || !*s)
        return -1;
    if (s[0] == '{')
        return parse_choices(s, t);
    for (size_t i = 0; i < NFIXED; i++) {
        if (strcmp(s, fixed_types[i].name) == 0 && fixed_types[i].kind != SPA_T_ALIASMAP) {
            t->kind = fixed_types[i].kind;
            t->arg = fixed_types[i].maxlen;
            return 0;
        }
    }
    unsigned arg;
    if (strncmp(s, "Str", 3) == 0 && parse_suffix(s + 3, &arg) == 0) {
        t->kind = SPA_T_STR;
        t->arg = arg == SPA_TYPE_ARG_NONE ? 0 : arg;
        return arg == 0 ? -1 : 0;      /* "Str0" is meaningless */
    }
    if ((strncmp(s, "Uns", 3) == 0 || strncmp(s, "Sig", 3) == 0) &&
        parse_suffix(s + 3, &arg) == 0) {
        if (arg != 8 && arg != 16 && arg != 32)
            return -1;
        t->kind = s[0] == 'U' ? SPA_T_UNS : SPA_T_SIG;
        t->arg = arg;
        return 0;
    }
    if (strncmp(s, "Float", 5) == 0 && parse_suffix(s + 5, &arg) == 0) {
        t->kind = SPA_T_FLOAT;
        t->arg = arg;
        return arg != SPA_TYPE_ARG_NONE && arg > 9 ? -1 : 0;
    }
    if (strncmp(s, "Time", 4) == 0 && parse_suffix(s + 4, &arg) == 0) {
        t->kind = SPA_T_TIME;
        t->arg = arg;
        return arg != SPA_TYPE_ARG_NONE && arg > 9 ? -1 : 0;
    }
    return -1;
}

int spa_type_format(const spa_type *t, char *out, size_t n)
{
    int r;
    switch (t->kind) {
    case SPA_T_STR:
        r = t->arg ? snprintf(out, n, "Str%u", t->arg) : snprintf(out, n, "Str");
        break;
    case SPA_T_UNS: r = snprintf(out, n, "Uns%u", t->arg); break;
    case SPA_T_SIG: r = snprintf(out, n, "Sig%u", t->arg); break;
    case SPA_T_FLOAT:
    case SPA_T_TIME: {
        const char *base = t->kind == SPA_T_FLOAT ? "Float" : "Time";
        r = t->arg == SPA_TYPE_ARG_NONE ? snprintf(out, n, "%s", base)
                                        : snprintf(out, n, "%s%u", base, t->arg);
        break;
    }
    case SPA_T_CHOICE:
        r = snprintf(out, n, "{%s}", t->choices ? t->choices : "");
        break;
    default: {
        const char *name = fixed_name(t->kind);
        if (!name)
            return -1;
        r = snprintf(out, n, "%s", name);
    }
    }
    return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

/* ---- checks ------------------------------------------------------------ */

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int printable(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p >= 0x7f || (*p < ' ' && *p != '\t'))
            return 0;
    return 1;
}

int spa_bool_value(const char *v)
{
    static const char *const yes[] = {"yes", "enable", "1"};
    static const char *const no[] = {"no", "disable", "0"};
    if (!v)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Unsigned decimal or 0x hex into *out; -1 on syntax error, -2 overflow
 * (beyond 2^63). */
static int parse_magnitude(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    uint64_t v = 0;
    int over = 0;
    for (; *s; s++) {
        int d;
        if (isdigit((unsigned char)*s))
            d = *s - '0';
        else if (base == 16 && isxdigit((unsigned char)*s))
            d = tolower((unsigned char)*s) - 'a' + 10;
        else
            return -1;
        if (v > (UINT64_C(1) << 62))
            over = 1;
        else
            v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return over ? -2 : 0;
}

static int check_uns(const char *v, unsigned bits, const char *tname, char *why, size_t n)
{
    uint64_t max = (UINT64_C(1) << bits) - 1, x;
    int r = parse_magnitude(v, &x);
    if (r == -1)
        return fail(why, n, "'%.32s' is not a decimal or 0x hex number", v);
    if (r == -2 || x > max)
        return fail(why, n, "value %.32s out of range for %s (0..%llu)", v, tname,
                    (unsigned long long)max);
    return 0;
}

static int check_sig(const char *v, unsigned bits, char *why, size_t n)
{
    const char *p = v;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = (*p++ == '-');
    uint64_t lim = UINT64_C(1) << (bits - 1), x;
    int r = parse_magnitude(p, &x);
    if (r == -1)
        return fail(why, n, "'%.32s' is not a signed decimal or 0x hex number", v);
    if (r == -2 || x > (neg ? lim : lim - 1))
        return fail(why, n, "value %.32s out of range for Sig%u (-%llu..%llu)", v, bits,
                    (unsigned long long)lim, (unsigned long long)(lim - 1));
    return 0;
}

/* [sign] digits [. digits] (at least one digit); *decimals gets the count. */
static int parse_decimal(const char *v, int allow_sign, unsigned *decimals)
{
    const char *p = v;
    if (allow_sign && (*p == '-' || *p == '+'))
        p++;
    size_t ip = 0, fp = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        ip++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            fp++;
        }
    }
    if (*p || ip + fp == 0 || ip > 12)
        return -1;
    *decimals = (unsigned)fp;
    return 0;
}

static int check_float(const spa_type *t, const char *v, char *why, size_t n)
{
    unsigned dec;
    if (parse_decimal(v, 1, &dec) < 0)
        return fail(why, n, "'%.32s' is not a decimal number", v);
    if (t->arg != SPA_TYPE_ARG_NONE && dec > t->arg)
        return fail(why, n, "'%.32s' has %u decimals, Float%u allows %u", v, dec, t->arg,
                    t->arg);
    return 0;
}

static int check_time(const char *v, char *why, size_t n)
{
    unsigned dec;   /* extra decimals are ignored by the devices */
    if (parse_decimal(v, 0, &dec) < 0)
        return fail(why, n, "'%.32s' is not a number of seconds", v);
    return 0;
}

static int check_pwrlevel(const char *v, char *why, size_t n)
{
    unsigned dec;
    if (parse_decimal(v, 1, &dec) < 0 || dec > 1)
        return fail(why, n, "'%.32s' is not a power level in dBm (e.g. -13.5)", v);
    return 0;
}

static int check_ip(const char *v, char *why, size_t n)
{
    const char *p = v;
    for (int part = 0; part < 4; part++) {
        unsigned x = 0, digits = 0;
        while (isdigit((unsigned char)*p) && digits < 4) {
            x = x * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || x > 255)
            return fail(why, n, "'%.32s' is not a dotted-quad IP address", v);
        if (part < 3 && *p++ != '.')
            return fail(why, n, "'%.32s' is not a dotted-quad IP address", v);
    }
    if (*p)
        return fail(why, n, "'%.32s' is not a dotted-quad IP address", v);
    return 0;
}

static int check_port(const char *v, char *why, size_t n)
{
    uint64_t x;
    int r = parse_magnitude(v, &x);
    if (r == -1)
        return fail(why, n, "'%.32s' is not a port number", v);
    if (r == -2 || x > 65535)
        return fail(why, n, "value %.32s out of range for Port (0..65535)", v);
    return 0;
}

static int check_fqdn(const char *v, char *why, size_t n)
{
    const char *colon = strchr(v, ':');
    size_t hl = colon ? (size_t)(colon - v) : strlen(v);
    if (hl == 0)
        return fail(why, n, "missing host name");
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return fail(why, n, "character '%c' not allowed in a host name", c);
    }
    if (colon && check_port(colon + 1, why, n) < 0)
        return -1;
    if (colon && colon[1] == '\0')
        return fail(why, n, "empty port after ':'");
    return 0;
}

/* Schedules and versions are checked by the modules that own their syntax
 * (schedule.c, version.c), so lint and devices agree on what is valid. */
static int check_schedule(const char *v, char *why, size_t n)
{
    spa_schedule s;
    spa_schedule_init(&s);
    spa_diags d;
    spa_diags_init(&d);
    int rc = spa_schedule_parse(&s, v, strlen(v), NULL, 0, 0, &d);
    if (rc == -1)
        snprintf(why, n, "%s", d.n ? d.v[0].message : "bad schedule");
    else if (rc < 0)
        snprintf(why, n, "out of memory");
    spa_schedule_free(&s);
    spa_diags_free(&d);
    return rc < 0 ? -1 : 0;
}

static int check_version(const char *v, char *why, size_t n)
{
    spa_fwver ver;
    if (spa_fwver_parse(v, strlen(v), &ver) == 0)
        return 0;
    return fail(why, n, "'%.32s' is not a version (N.N.N[(tag)])", v);
}

static int check_choice(const spa_type *t, const char *v, char *why, size_t n)
{
    const char *c = t->choices ? t->choices : "";
    size_t vl = strlen(v);
    for (;;) {
        const char *bar = strchr(c, '|');
        size_t l = bar ? (size_t)(bar - c) : strlen(c);
        if (l == vl && memcmp(c, v, l) == 0)
            return 0;
        if (!bar)
            break;
        c = bar + 1;
    }
    return fail(why, n, "'%.32s' is not one of {%.160s}", v, t->choices ? t->choices : "");
}

static int check_length(const spa_type *t, const char *v, unsigned max, char *why, size_t n)
{
    size_t len = strlen(v);
    if (max && len > max) {
        char tn[32];
        if (spa_type_format(t, tn, sizeof tn) < 0)
            snprintf(tn, sizeof tn, "this type");
        return fail(why, n, "length %zu exceeds %u for %s", len, max, tn);
    }
    return 0;
}

int spa_type_check(const spa_type *t, const char *value, char *why, size_t n)
{
    if (why && n)
        why[0] = '\0';
    if (!value)
        return fail(why, n, "no value");
    if (!printable(value))
        return fail(why, n, "value contains a non-ASCII or control character");
    if (*value == '\0') {
        if (t->kind == SPA_T_BOOL)
            return fail(why, n, "empty value is not a Bool (Yes/No)");
        if (t->kind == SPA_T_CHOICE)
            return fail(why, n, "empty value is not one of {%.160s}",
                        t->choices ? t->choices : "");
        return 0;
    }
    switch (t->kind) {
    case SPA_T_STR:
        return check_length(t, value, t->arg, why, n);
    case SPA_T_BOOL:
        if (spa_bool_value(value) < 0)
            return fail(why, n, "'%.32s' is not a Bool (Yes/No)", value);
        return 0;
    case SPA_T_UNS: {
        char tn[16];
        snprintf(tn, sizeof tn, "Uns%u", t->arg);
        if (t->arg != 8 && t->arg != 16 && t->arg != 32)
            return fail(why, n, "bad type Uns%u", t->arg);
        return check_uns(value, t->arg, tn, why, n);
    }
    case SPA_T_SIG:
        if (t->arg != 8 && t->arg != 16 && t->arg != 32)
            return fail(why, n, "bad type Sig%u", t->arg);
        return check_sig(value, t->arg, why, n);
    case SPA_T_FLOAT:
        return check_float(t, value, why, n);
    case SPA_T_TIME:
        return check_time(value, why, n);
    case SPA_T_PWRLEVEL:
        return check_pwrlevel(value, why, n);
    case SPA_T_IP:
        return check_ip(value, why, n);
    case SPA_T_PORT:
        return check_port(value, why, n);
    case SPA_T_FQDN:
        if (check_length(t, value, 63, why, n) < 0)
            return -1;
        return check_fqdn(value, why, n);
    case SPA_T_SCHEDULE:
        return check_schedule(value, why, n);
    case SPA_T_VERSION:
        return check_version(value, why, n);
    case SPA_T_CHOICE:
        return check_choice(t, value, why, n);
    default:
        return check_length(t, value, fixed_maxlen(t->kind), why, n);
    }
}

void spa_type_free(spa_type *t)
{
    if (!t)
        return;
    free(t->choices);
    t->choices = NULL;
}
