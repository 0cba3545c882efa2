/* rule.c — the provisioning rule language (guide §2.7–§2.13): a one-pass
 * recursive-descent parser into a compact AST (one allocation per rule, so a
 * fleet of devices can keep theirs), and the evaluator that expands macros,
 * types operands, picks the first true alternative and parses its URL.
 * The grammar and every decision are documented in docs/rule-language.md. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/params.h"
#include "spaprov/rule.h"
#include "spaprov/version.h"

/* ---------------------------------------------------------------- AST */

#define RULE_POOL_MAX 65535u

/* A piece of the rule's text pool: the source text, then canonical names. */
typedef struct span {
    uint16_t off, len;
} span;

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

enum {                    /* operand flags */
    OPD_QUOTED = 0x01,    /* "…": a string */
    OPD_MACRO = 0x02,     /* contains '$': typed only after expansion */
    OPD_SWVER = 0x04      /* missing left operand: implicit $SWVER */
};

typedef struct rule_cmp {
    span lhs, rhs;
    uint16_t col;         /* offset of the operator in the text */
    uint8_t op, lflags, rflags;
} rule_cmp;

typedef struct rule_asg {
    span name, value;     /* canonical name (pool), value (text, unquoted) */
} rule_asg;

enum {                    /* alternative flags */
    ALT_COND = 0x01,
    ALT_URL = 0x02,
    ALT_KEY = 0x04,
    ALT_KEY_QUOTED = 0x08
};

typedef struct rule_alt {
    uint16_t cmp0, ncmp, asg0, nasg;
    span url, key;
    uint16_t col;         /* offset of the alternative's first byte */
    uint8_t flags;
    char post, alias;
} rule_alt;

/* The single allocation: header, then alts, cmps, asgs and the text pool. */
struct spa_rule {
    uint32_t size;
    uint16_t nalt, ncmp, nasg, pool_len;
    uint8_t mode;
};

static const rule_alt *rule_alts(const spa_rule *r)
{
    return (const rule_alt *)(const void *)(r + 1);
}

static const rule_cmp *rule_cmps(const spa_rule *r)
{
    return (const rule_cmp *)(const void *)(rule_alts(r) + r->nalt);
}

static const rule_asg *rule_asgs(const spa_rule *r)
{
    return (const rule_asg *)(const void *)(rule_cmps(r) + r->ncmp);
}

static const char *rule_pool(const spa_rule *r)
{
    return (const char *)(const void *)(rule_asgs(r) + r->nasg);
}

const char *spa_scheme_name(spa_scheme s)
{
    switch (s) {
    case SPA_SCHEME_HTTP: return "http";
    case SPA_SCHEME_HTTPS: return "https";
    default: return "tftp";
    }
}

unsigned spa_scheme_default_port(spa_scheme s)
{
    switch (s) {
    case SPA_SCHEME_HTTP: return 80;
    case SPA_SCHEME_HTTPS: return 443;
    default: return 69;
    }
}

/* ---------------------------------------------------------------- small helpers */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int ieq(const char *a, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n && lit[i]; i++)
        if (lower(a[i]) != lit[i])
            return 0;
    return i == n && lit[i] == '\0';
}

static const char *memfind(const char *s, size_t len, const char *pat)
{
    size_t m = strlen(pat);
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(s + i, pat, m) == 0)
            return s + i;
    return NULL;
}

/* ---------------------------------------------------------------- URL */

void spa_url_free(spa_url *u)
{
    free(u->host);
    free(u->path);
    memset(u, 0, sizeof *u);
}

static int url_fail(size_t *errpos, const char **errmsg, size_t pos, const char *msg)
{
    if (errpos)
        *errpos = pos;
    if (errmsg)
        *errmsg = msg;
    return -1;
}

static int host_char(char c)
{
    return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

int spa_url_format(spa_buf *b, spa_scheme scheme, const char *host, unsigned port,
                   const char *path)
{
    const char *h = host ? host : "";
    bool v6 = strchr(h, ':') != NULL;
    return spa_buf_printf(b, "%s://%s%s%s:%u%s", spa_scheme_name(scheme), v6 ? "[" : "", h,
                          v6 ? "]" : "", port, path ? path : "");
}

/* Validate the URL structure; fills the scheme, host and path ranges. */
static int url_scan(const char *s, size_t len, spa_scheme *scheme, size_t *h0, size_t *h1,
                    unsigned *port, bool *port_given, size_t *p0, size_t *errpos,
                    const char **errmsg)
{
    size_t i = 0;
    const char *sep = memfind(s, len, "://");
    const char *slash = memchr(s, '/', len);

    *scheme = SPA_SCHEME_TFTP;
    if (sep && (!slash || slash > sep)) {
        size_t n = (size_t)(sep - s);
        if (ieq(s, n, "tftp"))
            *scheme = SPA_SCHEME_TFTP;
        else if (ieq(s, n, "http"))
            *scheme = SPA_SCHEME_HTTP;
        else if (ieq(s, n, "https"))
            *scheme = SPA_SCHEME_HTTPS;
        else if (n)
            return url_fail(errpos, errmsg, 0, "unsupported scheme (use tftp, http or https)");
        else
            return url_fail(errpos, errmsg, 0, "missing scheme before '://'");
        i = n + 3;
    }
    *h0 = i;
    if (i < len && s[i] == '[') {   /* IPv6 literal: host without the brackets */
        *h0 = ++i;
        while (i < len && (is_digit(s[i]) || s[i] == ':' || s[i] == '.' ||
                           ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
            i++;
        if (i >= len || s[i] != ']' || i == *h0)
            return url_fail(errpos, errmsg, i, "invalid IPv6 address in [ ]");
        *h1 = i++;
    } else {
        while (i < len && host_char(s[i]))
            i++;
        *h1 = i;
    }
    *port_given = false;
    *port = spa_scheme_default_port(*scheme);
    if (i < len && s[i] == ':') {
        size_t q = ++i;
        unsigned long v = 0;
        if (*h1 == *h0)
            return url_fail(errpos, errmsg, q - 1, "port without a server");
        while (i < len && is_digit(s[i]) && v <= 65535)
            v = v * 10 + (unsigned long)(s[i++] - '0');
        if (i == q || v == 0 || v > 65535 || (i < len && s[i] != '/' && s[i] != '?'))
            return url_fail(errpos, errmsg, q, "invalid port (1-65535)");
        *port = (unsigned)v;
        *port_given = true;
    }
    if (i >= len || s[i] != '/') {
        if (i < len && s[i] != '?')
            return url_fail(errpos, errmsg, i, "invalid character in server name");
        return url_fail(errpos, errmsg, i, "missing absolute file path (must start with '/')");
    }
    *p0 = i;
    for (; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return url_fail(errpos, errmsg, i, "invalid character in file path");
    return 0;
}

int spa_url_parse(const char *s, size_t len, spa_url *u, size_t *errpos, const char **errmsg)
{
    size_t h0, h1, p0;
    spa_url v;

    memset(&v, 0, sizeof v);
    if (url_scan(s, len, &v.scheme, &h0, &h1, &v.port, &v.port_given, &p0, errpos, errmsg) < 0)
        return -1;
    if (h1 > h0 && !(v.host = strndup(s + h0, h1 - h0)))
        return -2;
    if (!(v.path = strndup(s + p0, len - p0))) {
        free(v.host);
        return -2;
    }
    char *q = strchr(v.path, '?');
    v.query = q ? q + 1 : NULL;
    *u = v;
    return 0;
}

/* ---------------------------------------------------------------- parser */

/* Growable arrays used while parsing; packed into one block at the end. */
typedef struct builder {
    rule_alt *alts;
    rule_cmp *cmps;
    rule_asg *asgs;
    size_t nalt, ncmp, nasg, calt, ccmp, casg;
    spa_buf pool;
} builder;

typedef struct parser {
    const char *t;
    size_t len;        /* effective end of the text ('#' comment truncates it) */
    size_t i, end;     /* cursor and the end of the current region */
    int grouped;       /* inside ( ) or [ ]: '#' is not a comment there */
    spa_rule_mode mode;
    const char *file;
    unsigned line, col0;
    spa_diags *d;
    builder b;
    int oom;
} parser;

static int perr(parser *p, size_t at, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record one syntax error at text offset `at`; always returns -1. */
static int perr(parser *p, size_t at, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spa_diag_vadd(p->d, SPA_DIAG_ERROR, p->file, p->line, p->col0 + (unsigned)at + 1, code,
                  fmt, ap);
    va_end(ap);
    return -1;
}

static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 4;
    void *nv = realloc(*v, c * sz);
    if (!nv)
        return -1;
    *v = nv;
    *cap = c;
    return 0;
}

static int p_oom(parser *p)
{
    p->oom = 1;
    return -1;
}

/* Skip blanks; outside ( ) and [ ], a '#' at a token start ends the rule. */
static void skip(parser *p)
{
    while (p->i < p->end && is_blank(p->t[p->i]))
        p->i++;
    if (!p->grouped && p->i < p->end && p->t[p->i] == '#')
        p->len = p->end = p->i;
}

static int at_end(parser *p)
{
    skip(p);
    return p->i >= p->end;
}

static span mkspan(size_t off, size_t len)
{
    span s = { (uint16_t)off, (uint16_t)len };
    return s;
}

/* Offset of the ')' matching the '(' at `open` (quotes skipped), or SIZE_MAX. */
static size_t match_paren(parser *p, size_t open)
{
    int depth = 0;
    for (size_t i = open; i < p->len; i++) {
        char c = p->t[i];
        if (c == '"') {
            const char *q = memchr(p->t + i + 1, '"', p->len - i - 1);
            if (!q)
                return SIZE_MAX;
            i = (size_t)(q - p->t);
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* ---- condition tokens ---- */

typedef enum { TK_END, TK_OP, TK_AND, TK_OPERAND, TK_BAD } tk_kind;

typedef struct token {
    tk_kind kind;
    size_t off, len;    /* whole token; for a quoted operand, the inside */
    uint8_t op, flags;
} token;

static int word_stop(char c)
{
    if ((unsigned char)c <= ' ' || (unsigned char)c >= 0x7f)
        return 1;
    return strchr("\"<>=!()|?[];", c) != NULL;
}

/* Scan an unquoted word: '$(…)' and a version suffix '(…)' after a digit
 * belong to it. */
static size_t scan_word(parser *p, size_t i)
{
    while (i < p->end) {
        char c = p->t[i];
        if (c == '(' && i > 0 && (p->t[i - 1] == '$' || is_digit(p->t[i - 1]))) {
            const char *q = memchr(p->t + i, ')', p->end - i);
            if (!q)
                return i;
            i = (size_t)(q - p->t) + 1;
            continue;
        }
        if (word_stop(c))
            break;
        i++;
    }
    return i;
}

static int keyword_op(const char *w, size_t n, uint8_t *op)
{
    static const char *const names[] = { "eq", "ne", "lt", "le", "gt", "ge" };
    for (uint8_t k = 0; k < 6; k++)
        if (ieq(w, n, names[k])) {
            *op = k;
            return 1;
        }
    return 0;
}

static int next_token(parser *p, token *tk)
{
    memset(tk, 0, sizeof *tk);
    skip(p);
    tk->off = p->i;
    if (p->i >= p->end) {
        tk->kind = TK_END;
        return 0;
    }
    const char *t = p->t;
    size_t i = p->i;
    char c = t[i];
    if (c == '"') {
        const char *q = memchr(t + i + 1, '"', p->end - i - 1);
        if (!q)
            return perr(p, i, "rule-syntax", "unterminated string");
        tk->kind = TK_OPERAND;
        tk->off = i + 1;
        tk->len = (size_t)(q - t) - i - 1;
        tk->flags = OPD_QUOTED;
        if (memchr(t + tk->off, '$', tk->len))
            tk->flags |= OPD_MACRO;
        p->i = (size_t)(q - t) + 1;
        return 0;
    }
    if (strchr("<>=!", c)) {
        int two = i + 1 < p->end && t[i + 1] == '=';
        tk->kind = TK_OP;
        tk->len = two ? 2 : 1;
        if (c == '=' && two)
            return perr(p, i, "rule-syntax", "'==' is not an operator; use '=' or 'eq'");
        if (c == '=')
            tk->op = OP_EQ;
        else if (c == '!')
            tk->op = OP_NE;      /* "!=" and the legacy lone "!" */
        else if (c == '<')
            tk->op = two ? OP_LE : OP_LT;
        else
            tk->op = two ? OP_GE : OP_GT;
        p->i = i + tk->len;
        return 0;
    }
    size_t e = scan_word(p, i);
    if (e == i) {
        char s[2] = { c, 0 };
        tk->kind = TK_BAD;
        if (c == '(' && p->mode == SPA_RULE_TRIGGER)
            return perr(p, i, "rule-syntax",
                        "unexpected '(': a Resync_Trigger is a bare condition without '( )?'");
        if ((unsigned char)c < ' ' || (unsigned char)c >= 0x7f)
            return perr(p, i, "rule-syntax", "unexpected control or non-ASCII character");
        return perr(p, i, "rule-syntax", "unexpected '%s'", s);
    }
    tk->len = e - i;
    p->i = e;
    if (ieq(t + i, tk->len, "and")) {
        tk->kind = TK_AND;
    } else if (keyword_op(t + i, tk->len, &tk->op)) {
        tk->kind = TK_OP;
    } else {
        tk->kind = TK_OPERAND;
        if (memchr(t + i, '$', tk->len))
            tk->flags = OPD_MACRO;
    }
    return 0;
}

/* ---- operand typing (shared by parser checks and the evaluator) ---- */

typedef enum { TY_NONE, TY_INT, TY_VER, TY_STR } op_type;

typedef struct typed {
    op_type type;
    int64_t i;
    spa_fwver v;
    const char *s;
    size_t n;
} typed;

/* Integer: optional sign, decimal digits, fits in int64. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return -1;
    for (; i < n; i++) {
        if (!is_digit(s[i]) || v > (uint64_t)INT64_MAX / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > (uint64_t)INT64_MAX)
            return -1;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* Type an unquoted operand's (expanded) text: blanks around it are ignored. */
static void type_bare(const char *s, size_t n, typed *ty)
{
    while (n && is_blank(*s))
        s++, n--;
    while (n && is_blank(s[n - 1]))
        n--;
    ty->s = s;
    ty->n = n;
    if (parse_int(s, n, &ty->i) == 0)
        ty->type = TY_INT;
    else if (spa_fwver_parse(s, n, &ty->v) == 0)
        ty->type = TY_VER;
    else
        ty->type = TY_NONE;
}

static int is_ordering(uint8_t op)
{
    return op >= OP_LT;
}

static int add_cmp(parser *p, const rule_cmp *c)
{
    if (grow((void **)&p->b.cmps, &p->b.ccmp, p->b.ncmp, sizeof *c) < 0)
        return p_oom(p);
    p->b.cmps[p->b.ncmp++] = *c;
    return 0;
}

/* Checks that need no macro expansion: string ordering, bare words, literal
 * type mismatches. */
static int check_cmp(parser *p, const rule_cmp *c, const token *l, const token *r)
{
    typed tl, tr;
    if (is_ordering(c->op) && ((c->lflags | c->rflags) & OPD_QUOTED))
        return perr(p, c->col, "rule-type",
                    "ordering comparison on a string: strings allow only = != eq ne");
    memset(&tl, 0, sizeof tl);
    memset(&tr, 0, sizeof tr);
    tl.type = (c->lflags & OPD_SWVER) ? TY_VER : TY_NONE;
    const token *side[2] = { l, r };
    typed *ty[2] = { &tl, &tr };
    uint8_t fl[2] = { c->lflags, c->rflags };
    for (int k = 0; k < 2; k++) {
        if (fl[k] & OPD_SWVER)
            continue;
        if (fl[k] & OPD_QUOTED) {
            ty[k]->type = TY_STR;
        } else if (!(fl[k] & OPD_MACRO)) {
            type_bare(p->t + side[k]->off, side[k]->len, ty[k]);
            if (ty[k]->type == TY_NONE) {
                char w[48];
                size_t n = side[k]->len < sizeof w - 1 ? side[k]->len : sizeof w - 1;
                memcpy(w, p->t + side[k]->off, n);
                w[n] = '\0';
                return perr(p, side[k]->off, "rule-type",
                            "'%s' is neither an integer nor a version; quote strings", w);
            }
        }
    }
    if (tl.type != TY_NONE && tr.type != TY_NONE && (tl.type == TY_STR) != (tr.type == TY_STR))
        return perr(p, c->col, "rule-type",
                    "type mismatch: a quoted string compared with a number or version");
    return 0;
}

/* comparison = [ operand ] operator operand */
static int parse_comparison(parser *p)
{
    token a, b, c;
    rule_cmp cmp;
    memset(&cmp, 0, sizeof cmp);
    memset(&a, 0, sizeof a);

    if (next_token(p, &a) < 0)
        return -1;
    if (a.kind == TK_OP) {
        cmp.lflags = OPD_SWVER;       /* legacy: no left operand means $SWVER */
        b = a;
    } else if (a.kind == TK_OPERAND) {
        cmp.lhs = mkspan(a.off, a.len);
        cmp.lflags = a.flags;
        if (next_token(p, &b) < 0)
            return -1;
        if (b.kind != TK_OP)
            return perr(p, b.off, "rule-syntax", "expected a comparison operator");
    } else {
        return perr(p, a.off, "rule-syntax", "expected a comparison");
    }
    cmp.op = b.op;
    cmp.col = (uint16_t)b.off;
    if (next_token(p, &c) < 0)
        return -1;
    if (c.kind != TK_OPERAND)
        return perr(p, c.off, "rule-syntax", "expected an operand after the operator");
    cmp.rhs = mkspan(c.off, c.len);
    cmp.rflags = c.flags;
    if (check_cmp(p, &cmp, &a, &c) < 0)
        return -1;
    return add_cmp(p, &cmp);
}

/* condition = comparison *( "and" comparison ), up to p->end. */
static int parse_condition(parser *p, rule_alt *alt)
{
    token t;
    alt->cmp0 = (uint16_t)p->b.ncmp;
    alt->flags |= ALT_COND;
    for (;;) {
        if (parse_comparison(p) < 0)
            return -1;
        alt->ncmp++;
        size_t save = p->i;
        if (next_token(p, &t) < 0)
            return -1;
        if (t.kind == TK_END)
            return 0;
        if (t.kind != TK_AND) {
            if (t.kind == TK_OPERAND && (ieq(p->t + t.off, t.len, "or") ||
                                         ieq(p->t + t.off, t.len, "not")))
                return perr(p, t.off, "rule-syntax",
                            "only 'and' may join comparisons (no 'or', 'not' or grouping)");
            p->i = save;
            if (p->grouped)
                return perr(p, t.off, "rule-syntax", "expected 'and' or ')'");
            return perr(p, t.off, "rule-syntax", "expected 'and' or end of condition");
        }
    }
}

/* ---- assignments ---- */

static int name_char(char c)
{
    return is_alnum(c) || c == '_' || c == '[' || c == ']';
}

/* Append the canonical spelling of a name to the pool: a–p → GPP_A…GPP_P,
 * any other name through spa_name_canonical (Line_Enable[1] → Line_Enable_1_). */
static int pool_name(parser *p, const char *s, size_t n, span *out)
{
    size_t off = p->b.pool.len;
    char canon[SPA_NAME_MAX];
    if (n == 1 && s[0] >= 'a' && s[0] <= 'p')
        snprintf(canon, sizeof canon, "GPP_%c", s[0] - 'a' + 'A');
    else if (spa_name_canonical(s, n, canon, sizeof canon) < 0)
        return perr(p, (size_t)(s - p->t), "rule-syntax", "invalid parameter name");
    if (spa_buf_puts(&p->b.pool, canon) < 0)
        return p_oom(p);
    if (p->b.pool.len > RULE_POOL_MAX)
        return perr(p, (size_t)(s - p->t), "rule-too-long", "rule too long");
    *out = mkspan(off, p->b.pool.len - off);
    return 0;
}

static int parse_one_assign(parser *p)
{
    rule_asg a;
    size_t n0 = p->i;
    while (p->i < p->end && name_char(p->t[p->i]))
        p->i++;
    if (p->i == n0 || !is_alpha(p->t[n0]))
        return perr(p, n0, "rule-syntax", "expected a parameter name");
    if (p->i - n0 >= SPA_NAME_MAX)
        return perr(p, n0, "rule-syntax", "parameter name too long");
    if (pool_name(p, p->t + n0, p->i - n0, &a.name) < 0)
        return -1;
    skip(p);
    if (p->i >= p->end || p->t[p->i] != '=')
        return perr(p, p->i, "rule-syntax", "expected '=' after the parameter name");
    p->i++;
    skip(p);
    if (p->i >= p->end || p->t[p->i] != '"')
        return perr(p, p->i, "rule-syntax", "the value must be a double-quoted string");
    const char *q = memchr(p->t + p->i + 1, '"', p->end - p->i - 1);
    if (!q)
        return perr(p, p->i, "rule-syntax", "unterminated string");
    a.value = mkspan(p->i + 1, (size_t)(q - p->t) - p->i - 1);
    p->i = (size_t)(q - p->t) + 1;
    if (grow((void **)&p->b.asgs, &p->b.casg, p->b.nasg, sizeof a) < 0)
        return p_oom(p);
    p->b.asgs[p->b.nasg++] = a;
    return 0;
}

/* assignments = *( name "=" quoted ";" ), the last ';' optional. */
static int parse_assigns(parser *p, rule_alt *alt)
{
    alt->asg0 = (uint16_t)p->b.nasg;
    for (;;) {
        skip(p);
        if (p->i >= p->end)
            return 0;
        if (parse_one_assign(p) < 0)
            return -1;
        alt->nasg++;
        skip(p);
        if (p->i >= p->end)
            return 0;
        if (p->t[p->i] != ';')
            return perr(p, p->i, "rule-syntax", "expected ';' after the value");
        p->i++;
    }
}

/* ---- options ---- */

static size_t scan_arg(parser *p, size_t i)
{
    while (i < p->end && !is_blank(p->t[i]) && p->t[i] != ']')
        i++;
    return i;
}

static int parse_letter(parser *p, const char *opt, char *out)
{
    size_t a = p->i, e = scan_arg(p, a);
    if (e - a != 1 || lower(p->t[a]) < 'a' || lower(p->t[a]) > 'p')
        return perr(p, a, "rule-option", "%s takes one GPP letter a-p", opt);
    *out = lower(p->t[a]);
    p->i = e;
    return 0;
}

static int parse_key(parser *p, rule_alt *alt)
{
    size_t a = p->i;
    if (p->t[a] == '"') {
        const char *q = memchr(p->t + a + 1, '"', p->end - a - 1);
        if (!q)
            return perr(p, a, "rule-syntax", "unterminated string");
        alt->key = mkspan(a + 1, (size_t)(q - p->t) - a - 1);
        alt->flags |= ALT_KEY_QUOTED;
        p->i = (size_t)(q - p->t) + 1;
    } else {
        size_t e = scan_arg(p, a);
        alt->key = mkspan(a, e - a);
        p->i = e;
    }
    alt->flags |= ALT_KEY;
    return 0;
}

static int parse_option(parser *p, rule_alt *alt)
{
    size_t o = p->i, e = scan_arg(p, o);
    const char *w = p->t + o;
    size_t n = e - o;
    int which = n == 5 && !memcmp(w, "--key", 5) ? 0
              : n == 6 && !memcmp(w, "--post", 6) ? 1
              : n == 7 && !memcmp(w, "--alias", 7) ? 2 : -1;
    const char *name = which == 0 ? "--key" : which == 1 ? "--post" : "--alias";
    /* An unknown word is never echoed: it may be the tail of an unquoted
     * key with blanks ("--key my secret"). */
    if (which < 0 && ((n == 5 && !memcmp(w, "--uid", 5)) || (n == 5 && !memcmp(w, "--pwd", 5)) ||
                      (n == 7 && !memcmp(w, "--delta", 7))))
        return perr(p, o, "rule-option", "option not supported (--uid, --pwd and --delta "
                    "belong to later guides)");
    if (which < 0)
        return perr(p, o, "rule-option", "unknown option (options are --key, --post, --alias; "
                    "quote a --key argument that contains blanks)");
    if (p->mode == SPA_RULE_REPORT && which != 0)
        return perr(p, o, "rule-option", "Report_Rule accepts only --key, not %s", name);
    if ((which == 0 && (alt->flags & ALT_KEY)) || (which == 1 && alt->post) ||
        (which == 2 && alt->alias))
        return perr(p, o, "rule-option", "%s given twice", name);
    p->i = e;
    skip(p);
    if (p->i >= p->end || p->t[p->i] == ']')
        return perr(p, p->i, "rule-option", "%s needs an argument", name);
    if (which == 0)
        return parse_key(p, alt);
    return parse_letter(p, name, which == 1 ? &alt->post : &alt->alias);
}

/* options = "[" *option "]" with p->i on '['. */
static int parse_options(parser *p, rule_alt *alt)
{
    size_t open = p->i;
    const char *close = NULL;
    size_t outer = p->end;
    if (p->mode == SPA_RULE_UPGRADE)
        return perr(p, open, "rule-option", "Upgrade_Rule takes no URL options");
    /* a ']' inside a quoted key must not close the brackets */
    for (size_t i = open + 1; i < p->len; i++) {
        if (p->t[i] == '"') {
            const char *q = memchr(p->t + i + 1, '"', p->len - i - 1);
            if (!q)
                break;
            i = (size_t)(q - p->t);
        } else if (p->t[i] == ']') {
            close = p->t + i;
            break;
        }
    }
    if (!close)
        return perr(p, open, "rule-syntax", "missing ']'");
    p->i = open + 1;
    p->end = (size_t)(close - p->t);
    p->grouped = 1;
    for (;;) {
        skip(p);
        if (p->i >= p->end)
            break;
        if (parse_option(p, alt) < 0)
            return -1;
    }
    p->grouped = 0;
    p->end = outer;
    p->i = (size_t)(close - p->t) + 1;
    return 0;
}

/* ---- URL (structure checked now as far as macros allow) ---- */

static int check_url(parser *p, rule_alt *alt, size_t u0, size_t n)
{
    const char *s = p->t + u0;
    const char *dollar = memchr(s, '$', n);
    const char *sep = memfind(s, n, "://");
    const char *slash = memchr(s, '/', n);
    size_t h0, h1, p0, errpos = 0;
    unsigned port;
    bool pg;
    spa_scheme sch;
    const char *msg = NULL;
    int known = 0;

    if (*s == '(' || *s == '[')
        return perr(p, u0, "rule-syntax", *s == '(' ? "a condition or assignments must come "
                    "before the options and the URL" : "options given twice");
    if (!dollar) {
        if (url_scan(s, n, &sch, &h0, &h1, &port, &pg, &p0, &errpos, &msg) < 0)
            return perr(p, u0 + errpos, "rule-url", "bad URL: %s", msg);
        known = 1;
    } else if (sep && sep < dollar && (!slash || slash > sep)) {
        size_t pre = (size_t)(sep - s) + 3;   /* just "scheme://" */
        if (url_scan(s, pre, &sch, &h0, &h1, &port, &pg, &p0, &errpos, &msg) < 0 && errpos == 0)
            return perr(p, u0, "rule-url", "bad URL: %s", msg);
        known = 1;
    } else if (!sep && s[0] != '$' && (!slash || slash < dollar)) {
        sch = SPA_SCHEME_TFTP;
        known = 1;
    }
    if (known && alt->post && sch == SPA_SCHEME_TFTP)
        return perr(p, u0, "rule-option", "--post needs an http or https URL");
    alt->url = mkspan(u0, n);
    alt->flags |= ALT_URL;
    return 0;
}

/* alternative = [ "(" cond ")?" ] [ "(" assigns ")!" ] [ [ options ] url ] */
static int parse_alt(parser *p, rule_alt *alt)
{
    memset(alt, 0, sizeof *alt);
    skip(p);
    alt->col = (uint16_t)p->i;
    for (int part = 0; part < 2 && p->i < p->end && p->t[p->i] == '('; part++) {
        size_t open = p->i, close = match_paren(p, open), k;
        if (close == SIZE_MAX)
            return perr(p, open, "rule-syntax", "missing ')'");
        for (k = close + 1; k < p->len && is_blank(p->t[k]); k++)
            ;
        if (k >= p->len || (p->t[k] != '?' && p->t[k] != '!'))
            return perr(p, k, "rule-syntax",
                        "expected '?' (condition) or '!' (assignments) after ')'");
        int is_cond = p->t[k] == '?';
        if (is_cond && (alt->flags & ALT_COND))
            return perr(p, open, "rule-syntax", "only one condition per alternative");
        if (is_cond && part == 1)
            return perr(p, open, "rule-syntax", "the condition must come before the assignments");
        if (!is_cond && part == 1 && !(alt->flags & ALT_COND))
            return perr(p, open, "rule-syntax", "only one assignment list per alternative");
        size_t outer = p->end;
        p->i = open + 1;
        p->end = close;
        p->grouped = 1;
        int rc = is_cond ? parse_condition(p, alt) : parse_assigns(p, alt);
        p->grouped = 0;
        p->end = outer;
        if (rc < 0)
            return -1;
        p->i = k + 1;
        skip(p);
    }
    if (p->i < p->end && p->t[p->i] == '[') {
        if (parse_options(p, alt) < 0)
            return -1;
        skip(p);
    }
    if (p->i < p->end && p->t[p->i] != '|') {
        size_t u0 = p->i;
        while (p->i < p->end && !is_blank(p->t[p->i]) && p->t[p->i] != '|')
            p->i++;
        if (check_url(p, alt, u0, p->i - u0) < 0)
            return -1;
    } else if (alt->flags & ALT_KEY || alt->post || alt->alias) {
        return perr(p, p->i, "rule-syntax", "options without a URL");
    }
    if (alt->flags == 0 && alt->nasg == 0 && !alt->post && !alt->alias)
        return perr(p, alt->col, "rule-syntax", "empty alternative");
    return 0;
}

static int add_alt(parser *p, const rule_alt *a)
{
    if (grow((void **)&p->b.alts, &p->b.calt, p->b.nalt, sizeof *a) < 0)
        return p_oom(p);
    p->b.alts[p->b.nalt++] = *a;
    return 0;
}

static int parse_alternatives(parser *p)
{
    rule_alt alt;
    if (at_end(p))
        return 0;
    for (;;) {
        if (parse_alt(p, &alt) < 0 || add_alt(p, &alt) < 0)
            return -1;
        if (at_end(p))
            return 0;
        if (p->t[p->i] != '|')
            return perr(p, p->i, "rule-syntax", "expected '|' or end of rule");
        if (!(alt.flags & ALT_COND))
            return perr(p, alt.col, "rule-unreachable",
                        "only the last alternative may omit the condition");
        p->i++;
        if (at_end(p))
            return perr(p, p->i, "rule-syntax", "empty alternative after '|'");
    }
}

static int parse_trigger(parser *p)
{
    rule_alt alt;
    memset(&alt, 0, sizeof alt);
    if (at_end(p))
        return 0;
    alt.col = (uint16_t)p->i;
    if (parse_condition(p, &alt) < 0)
        return -1;
    return add_alt(p, &alt);
}

/* Pack the builder into the single block. */
static spa_rule *pack(const builder *b, spa_rule_mode mode)
{
    size_t sz = sizeof(spa_rule) + b->nalt * sizeof(rule_alt) + b->ncmp * sizeof(rule_cmp) +
                b->nasg * sizeof(rule_asg) + b->pool.len + 1;
    spa_rule *r = malloc(sz);
    if (!r)
        return NULL;
    r->size = (uint32_t)sz;
    r->nalt = (uint16_t)b->nalt;
    r->ncmp = (uint16_t)b->ncmp;
    r->nasg = (uint16_t)b->nasg;
    r->pool_len = (uint16_t)b->pool.len;
    r->mode = (uint8_t)mode;
    if (b->nalt)
        memcpy((void *)rule_alts(r), b->alts, b->nalt * sizeof(rule_alt));
    if (b->ncmp)
        memcpy((void *)rule_cmps(r), b->cmps, b->ncmp * sizeof(rule_cmp));
    if (b->nasg)
        memcpy((void *)rule_asgs(r), b->asgs, b->nasg * sizeof(rule_asg));
    char *pool = (char *)rule_pool(r);
    if (b->pool.len)
        memcpy(pool, b->pool.data, b->pool.len);
    pool[b->pool.len] = '\0';
    return r;
}

int spa_rule_parse(spa_rule **out, const char *text, size_t len, spa_rule_mode mode,
                   const char *file, unsigned line, unsigned col, spa_diags *d)
{
    parser p;
    int rc;

    *out = NULL;
    memset(&p, 0, sizeof p);
    p.t = text;
    p.len = p.end = len;
    p.mode = mode;
    p.file = file;
    p.line = line;
    p.col0 = col ? col - 1 : 0;
    p.d = d;
    spa_buf_init(&p.b.pool);
    if (len > RULE_POOL_MAX - 1024)
        return perr(&p, 0, "rule-too-long", "rule too long (at most 64 KiB)");
    if (memchr(text, '\0', len))
        return perr(&p, (size_t)((const char *)memchr(text, '\0', len) - text), "rule-syntax",
                    "NUL byte in rule");
    if (spa_buf_append(&p.b.pool, text, len) < 0)
        return -2;
    rc = mode == SPA_RULE_TRIGGER ? parse_trigger(&p) : parse_alternatives(&p);
    if (rc == 0 && !p.oom && !(*out = pack(&p.b, mode)))
        p.oom = 1;
    free(p.b.alts);
    free(p.b.cmps);
    free(p.b.asgs);
    spa_buf_free(&p.b.pool);
    if (p.oom) {
        spa_rule_free(*out);
        *out = NULL;
        return -2;
    }
    return rc < 0 ? -1 : 0;
}

void spa_rule_free(spa_rule *r)
{
    free(r);
}

spa_rule_mode spa_rule_get_mode(const spa_rule *r)
{
    return (spa_rule_mode)r->mode;
}

size_t spa_rule_alt_count(const spa_rule *r)
{
    return r->nalt;
}

size_t spa_rule_memory(const spa_rule *r)
{
    return r ? r->size : 0;
}

/* ---------------------------------------------------------------- format */

static const char *const op_names[] = { "eq", "ne", "lt", "le", "gt", "ge" };

static int fmt_operand(const spa_rule *r, span s, uint8_t fl, spa_buf *out)
{
    const char *pool = rule_pool(r);
    if (fl & OPD_SWVER)
        return spa_buf_puts(out, "$SWVER");
    if (fl & OPD_QUOTED)
        return spa_buf_printf(out, "\"%.*s\"", (int)s.len, pool + s.off);
    return spa_buf_append(out, pool + s.off, s.len);
}

static int fmt_condition(const spa_rule *r, const rule_alt *a, spa_buf *out)
{
    const rule_cmp *c = rule_cmps(r) + a->cmp0;
    int rc = 0;
    for (uint16_t k = 0; k < a->ncmp && rc == 0; k++, c++) {
        if (k)
            rc = spa_buf_puts(out, " and ");
        rc |= fmt_operand(r, c->lhs, c->lflags, out);
        rc |= spa_buf_printf(out, " %s ", op_names[c->op]);
        rc |= fmt_operand(r, c->rhs, c->rflags, out);
    }
    return rc ? -1 : 0;
}

static int fmt_alt(const spa_rule *r, const rule_alt *a, spa_buf *out)
{
    const char *pool = rule_pool(r);
    int rc = 0;
    const char *sep = "";
    if (a->flags & ALT_COND) {
        rc |= spa_buf_puts(out, "(");
        rc |= fmt_condition(r, a, out);
        rc |= spa_buf_puts(out, ")?");
        sep = " ";
    }
    if (a->nasg) {
        const rule_asg *g = rule_asgs(r) + a->asg0;
        rc |= spa_buf_printf(out, "%s(", sep);
        for (uint16_t k = 0; k < a->nasg; k++, g++)
            rc |= spa_buf_printf(out, "%s%.*s = \"%.*s\";", k ? " " : "", (int)g->name.len,
                                 pool + g->name.off, (int)g->value.len, pool + g->value.off);
        rc |= spa_buf_puts(out, ")!");
        sep = " ";
    }
    if ((a->flags & ALT_KEY) || a->post || a->alias) {
        rc |= spa_buf_printf(out, "%s[", sep);
        const char *osep = "";
        if (a->flags & ALT_KEY) {
            rc |= spa_buf_puts(out, "--key ***");
            osep = " ";
        }
        if (a->post) {
            rc |= spa_buf_printf(out, "%s--post %c", osep, a->post);
            osep = " ";
        }
        if (a->alias)
            rc |= spa_buf_printf(out, "%s--alias %c", osep, a->alias);
        rc |= spa_buf_puts(out, "]");
        sep = " ";
    }
    if (a->flags & ALT_URL)
        rc |= spa_buf_printf(out, "%s%.*s", sep, (int)a->url.len, pool + a->url.off);
    return rc ? -1 : 0;
}

int spa_rule_format(const spa_rule *r, spa_buf *out)
{
    const rule_alt *a = rule_alts(r);
    if (r->mode == SPA_RULE_TRIGGER)
        return r->nalt ? fmt_condition(r, a, out) : 0;
    for (uint16_t k = 0; k < r->nalt; k++)
        if ((k && spa_buf_puts(out, " | ") < 0) || fmt_alt(r, a + k, out) < 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------------- evaluation */

void spa_rule_result_init(spa_rule_result *res)
{
    memset(res, 0, sizeof *res);
    res->alt = -1;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

void spa_rule_result_free(spa_rule_result *res)
{
    for (size_t i = 0; i < res->nassign; i++) {
        free(res->assign[i].name);
        free(res->assign[i].value);
    }
    free(res->assign);
    spa_url_free(&res->url);
    wipe_free(res->key);
    free(res->identity);
    spa_rule_result_init(res);
}

int spa_rule_result_format(const spa_rule_result *res, spa_buf *out)
{
    int rc = 0;
    if (res->alt < 0)
        return spa_buf_puts(out, "skipped");
    rc |= spa_buf_printf(out, "alt %d", res->alt);
    for (size_t i = 0; i < res->nassign; i++)
        rc |= spa_buf_printf(out, "; %s = \"%s\"", res->assign[i].name, res->assign[i].value);
    if (res->has_key)
        rc |= spa_buf_puts(out, "; --key ***");
    if (res->post)
        rc |= spa_buf_printf(out, "; --post %c", res->post);
    if (res->alias)
        rc |= spa_buf_printf(out, "; --alias %c", res->alias);
    if (res->has_url)
        rc |= spa_buf_printf(out, "; url %s%s", res->identity,
                             res->host_from_dhcp ? " (server from DHCP option 66)" : "");
    return rc ? -1 : 0;
}

typedef struct evaluator {
    const spa_rule *r;
    const spa_rule_env *env;
    spa_diags *d;
    spa_buf tmp[2];
} evaluator;

static unsigned ev_col(const evaluator *ev, size_t off)
{
    return (ev->env->col ? ev->env->col - 1 : 0) + (unsigned)off + 1;
}

static int expand(const evaluator *ev, const char *s, size_t n, unsigned flags, spa_buf *out)
{
    spa_buf_reset(out);
    if (spa_macro_expand(s, n, ev->env->lookup, ev->env->ctx, flags, out) < 0)
        return -2;
    if (!out->data && spa_buf_reserve(out, 1) < 0)
        return -2;
    return 0;
}

/* Expand and type one operand; 0 or -2 on OOM. */
static int eval_operand(evaluator *ev, span s, uint8_t fl, spa_buf *b, typed *ty)
{
    const char *pool = rule_pool(ev->r);
    const char *txt = pool + s.off;
    size_t n = s.len;
    memset(ty, 0, sizeof *ty);
    if (fl & OPD_SWVER) {
        txt = "$SWVER";
        n = 6;
        fl = OPD_MACRO;
    }
    if (fl & OPD_MACRO) {
        if (expand(ev, txt, n, 0, b) < 0)
            return -2;
        txt = b->data;
        n = b->len;
    }
    if (fl & OPD_QUOTED) {
        ty->type = TY_STR;
        ty->s = txt;
        ty->n = n;
    } else {
        type_bare(txt, n, ty);
    }
    return 0;
}

/* Promote an integer to a version for mixed comparisons; -1 if impossible. */
static int as_version(const typed *t, spa_fwver *v)
{
    if (t->type == TY_VER) {
        *v = t->v;
        return 0;
    }
    if (t->i < 0 || t->i > (int64_t)UINT32_MAX)
        return -1;
    spa_fwver_from_int((uint32_t)t->i, v);
    return 0;
}

/* Three-way compare; -2 = not comparable (types). */
static int compare(const typed *a, const typed *b, int *out)
{
    if (a->type == TY_NONE || b->type == TY_NONE)
        return -1;
    if ((a->type == TY_STR) != (b->type == TY_STR))
        return -1;
    if (a->type == TY_STR) {
        *out = a->n == b->n && memcmp(a->s, b->s, a->n) == 0 ? 0 : 1;
        return 0;
    }
    if (a->type == TY_INT && b->type == TY_INT) {
        *out = a->i < b->i ? -1 : a->i > b->i;
        return 0;
    }
    spa_fwver va, vb;
    if (as_version(a, &va) < 0 || as_version(b, &vb) < 0)
        return -1;
    *out = spa_fwver_cmp(&va, &vb);
    return 0;
}

static int op_holds(uint8_t op, int c)
{
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    default: return c >= 0;
    }
}

static void warn_untyped(evaluator *ev, const rule_cmp *c, const typed *l, const typed *r)
{
    const char *pool = rule_pool(ev->r);
    span s = c->rhs;
    uint8_t fl = c->rflags;
    const char *why = "type mismatch: a string compared with a number or version";
    if (l->type == TY_NONE) {
        s = c->lhs;
        fl = c->lflags;
    }
    if (l->type == TY_NONE || r->type == TY_NONE)
        why = "operand is neither an integer nor a version after macro expansion";
    if (ev->d == NULL)
        return;
    if (fl & OPD_SWVER)
        spa_diag_add(ev->d, SPA_DIAG_WARNING, ev->env->file, ev->env->line,
                     ev_col(ev, c->col), "rule-type", "$SWVER: %s; comparison is false", why);
    else
        spa_diag_add(ev->d, SPA_DIAG_WARNING, ev->env->file, ev->env->line,
                     ev_col(ev, s.off), "rule-type", "'%.*s': %s; comparison is false",
                     (int)(s.len > 40 ? 40 : s.len), pool + s.off, why);
}

/* 1 true, 0 false, -2 OOM. */
static int eval_cond(evaluator *ev, const rule_alt *a)
{
    const rule_cmp *c = rule_cmps(ev->r) + a->cmp0;
    for (uint16_t k = 0; k < a->ncmp; k++, c++) {
        typed l, r;
        int cmp;
        if (eval_operand(ev, c->lhs, c->lflags, &ev->tmp[0], &l) < 0 ||
            eval_operand(ev, c->rhs, c->rflags, &ev->tmp[1], &r) < 0)
            return -2;
        if (compare(&l, &r, &cmp) < 0) {
            warn_untyped(ev, c, &l, &r);
            return 0;
        }
        if (!op_holds(c->op, cmp))
            return 0;
    }
    return 1;
}

static int eval_assigns(evaluator *ev, const rule_alt *a, spa_rule_result *res)
{
    const char *pool = rule_pool(ev->r);
    const rule_asg *g = rule_asgs(ev->r) + a->asg0;
    if (!a->nasg)
        return 0;
    if (!(res->assign = calloc(a->nasg, sizeof *res->assign)))
        return -2;
    for (uint16_t k = 0; k < a->nasg; k++, g++) {
        spa_rule_assign *o = &res->assign[res->nassign++];
        if (expand(ev, pool + g->value.off, g->value.len, 0, &ev->tmp[0]) < 0 ||
            !(o->name = strndup(pool + g->name.off, g->name.len)) ||
            !(o->value = strndup(ev->tmp[0].data, ev->tmp[0].len)))
            return -2;
    }
    return 0;
}

static int eval_url(evaluator *ev, const rule_alt *a, spa_rule_result *res)
{
    const char *pool = rule_pool(ev->r);
    size_t errpos = 0;
    const char *msg = NULL;
    spa_buf *b = &ev->tmp[0];
    if (expand(ev, pool + a->url.off, a->url.len, 0, b) < 0)
        return -2;
    int rc = spa_url_parse(b->data, b->len, &res->url, &errpos, &msg);
    if (rc == -2)
        return -2;
    if (rc < 0) {
        spa_diag_add(ev->d, SPA_DIAG_ERROR, ev->env->file, ev->env->line, ev_col(ev, a->url.off),
                     "rule-url", "URL '%.*s' after macro expansion: %s",
                     (int)(a->url.len > 80 ? 80 : a->url.len), pool + a->url.off, msg);
        return -1;
    }
    if (a->post && res->url.scheme == SPA_SCHEME_TFTP) {
        spa_diag_add(ev->d, SPA_DIAG_ERROR, ev->env->file, ev->env->line, ev_col(ev, a->url.off),
                     "rule-option", "--post needs an http or https URL");
        return -1;
    }
    res->has_url = true;
    if (!res->url.host) {
        res->host_from_dhcp = true;
        if (ev->env->dhcp_server && !(res->url.host = strdup(ev->env->dhcp_server)))
            return -2;
    }
    spa_buf_reset(b);
    if (spa_url_format(b, res->url.scheme, res->url.host, res->url.port, res->url.path) < 0 ||
        !(res->identity = spa_buf_steal(b)))
        return -2;
    return 0;
}

static int eval_chosen(evaluator *ev, const rule_alt *a, spa_rule_result *res)
{
    const char *pool = rule_pool(ev->r);
    int rc;
    if ((rc = eval_assigns(ev, a, res)) < 0)
        return rc;
    res->post = a->post;
    res->alias = a->alias;
    if (a->flags & ALT_KEY) {
        spa_buf kb;
        spa_buf_init(&kb);
        /* room up front so the secret is not left behind by a realloc */
        if (spa_buf_reserve(&kb, 256) < 0 ||
            expand(ev, pool + a->key.off, a->key.len, SPA_MACRO_KEY_ARG, &kb) < 0) {
            wipe_free(kb.data);
            return -2;
        }
        res->key = kb.data;
        res->has_key = true;
    }
    if (a->flags & ALT_URL)
        return eval_url(ev, a, res);
    return 0;
}

static void ev_done(evaluator *ev)
{
    spa_buf_free(&ev->tmp[0]);
    spa_buf_free(&ev->tmp[1]);
}

int spa_rule_eval(const spa_rule *r, const spa_rule_env *env, spa_rule_result *res,
                  spa_diags *d)
{
    evaluator ev = { r, env, d, { { NULL, 0, 0 }, { NULL, 0, 0 } } };
    const rule_alt *a = rule_alts(r);
    int rc = 0;

    spa_rule_result_free(res);
    for (uint16_t k = 0; k < r->nalt; k++, a++) {
        if (a->flags & ALT_COND) {
            rc = eval_cond(&ev, a);
            if (rc < 0)
                break;
            if (rc == 0)
                continue;
        }
        res->alt = k;
        rc = eval_chosen(&ev, a, res);
        break;
    }
    ev_done(&ev);
    if (rc < 0) {
        spa_rule_result_free(res);
        return rc;
    }
    return 0;
}

int spa_rule_eval_trigger(const spa_rule *r, const spa_rule_env *env, spa_diags *d)
{
    evaluator ev = { r, env, d, { { NULL, 0, 0 }, { NULL, 0, 0 } } };
    int rc = 0;
    if (r->nalt && (rule_alts(r)->flags & ALT_COND))
        rc = eval_cond(&ev, rule_alts(r));
    ev_done(&ev);
    return rc;
}
