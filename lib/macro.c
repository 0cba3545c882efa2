/* macro.c — macro expansion, guide §2.8 and Table 4-4.
 *
 * A reference is `$NAME` (NAME = the longest run of letters and digits),
 * `$(NAME)`, `$(NAME:p)` or `$(NAME:p:q)` (substring from 0-based offset p,
 * q bytes or to the end), and `$$` is a literal `$`. Expansion is a single
 * pass: expanded text is never scanned again. Unknown names, malformed
 * references and $SA–$SD outside a --key argument stay verbatim. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "spaprov/params.h"

bool spa_macro_is_secret(const char *name, size_t len)
{
    return len == 2 && name[0] == 'S' && name[1] >= 'A' && name[1] <= 'D';
}

static const char *const table_vars[] = {
    "MA", "MAU", "MAC", "PN", "PSN", "SN", "CCERT", "IP", "EXTIP", "SWVER", "HWVER",
    "PRVST", "UPGST", "UPGERR", "PRVTMR", "UPGTMR", "REGTMR1", "REGTMR2", "UPGCOND",
    "SCHEME", "METH", "SERV", "SERVIP", "PORT", "PATH", "ERR", "UID1", "UID2", "ISCUST",
    NULL
};

static bool name_is(const char *name, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(name, lit, len) == 0;
}

/* GPP letter for "A".."P" (or "SA".."SD" with secret), else 0. */
static char gpp_letter(const char *name, size_t len, bool *secret)
{
    *secret = spa_macro_is_secret(name, len);
    if (*secret)
        return name[1];
    if (len == 1 && name[0] >= 'A' && name[0] <= 'P')
        return name[0];
    return 0;
}

bool spa_macro_is_known(const char *name, size_t len)
{
    bool secret;
    if (gpp_letter(name, len, &secret))
        return true;
    for (size_t i = 0; table_vars[i]; i++)
        if (name_is(name, len, table_vars[i]))
            return true;
    return false;
}

static bool parse_uint(const char *s, size_t len, size_t *out)
{
    if (len == 0 || len > 9)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* A parsed reference: name, optional substring bounds, its length in the input. */
typedef struct macro_ref {
    const char *name;
    size_t name_len;
    bool has_off, has_len;
    size_t off, sublen;
    size_t ref_len;      /* bytes of input the reference covers, from the '$' */
} macro_ref;

static bool parse_paren_ref(const char *in, size_t len, macro_ref *r)
{
    const char *close = memchr(in + 2, ')', len - 2);
    if (!close)
        return false;
    const char *body = in + 2;
    size_t blen = (size_t)(close - body);
    const char *c1 = memchr(body, ':', blen);
    r->name = body;
    r->name_len = c1 ? (size_t)(c1 - body) : blen;
    for (size_t i = 0; i < r->name_len; i++)
        if (!isalnum((unsigned char)body[i]))
            return false;
    if (r->name_len == 0)
        return false;
    if (c1) {
        const char *rest = c1 + 1;
        size_t rlen = (size_t)(close - rest);
        const char *c2 = memchr(rest, ':', rlen);
        r->has_off = parse_uint(rest, c2 ? (size_t)(c2 - rest) : rlen, &r->off);
        if (!r->has_off)
            return false;
        if (c2) {
            r->has_len = parse_uint(c2 + 1, (size_t)(close - c2 - 1), &r->sublen);
            if (!r->has_len)
                return false;
        }
    }
    r->ref_len = (size_t)(close - in) + 1;
    return true;
}

/* Parse the reference at in[0] == '$'; false when it is not one. */
static bool parse_ref(const char *in, size_t len, macro_ref *r)
{
    memset(r, 0, sizeof *r);
    if (len >= 2 && in[1] == '(')
        return parse_paren_ref(in, len, r);
    size_t n = 1;
    while (n < len && isalnum((unsigned char)in[n]))
        n++;
    if (n == 1)
        return false;
    r->name = in + 1;
    r->name_len = n - 1;
    r->ref_len = n;
    return true;
}

static int append_value(spa_buf *out, const char *v, const macro_ref *r)
{
    size_t vlen = strlen(v);
    size_t off = r->has_off ? r->off : 0;
    if (off > vlen)
        off = vlen;
    size_t n = vlen - off;
    if (r->has_len && r->sublen < n)
        n = r->sublen;
    return spa_buf_append(out, v + off, n);
}

int spa_macro_expand(const char *in, size_t len, spa_macro_lookup_fn fn, void *ctx,
                     unsigned flags, spa_buf *out)
{
    char scratch[256];
    size_t i = 0;
    if (spa_buf_reserve(out, len) < 0)
        return -1;
    while (i < len) {
        const char *dollar = memchr(in + i, '$', len - i);
        size_t stop = dollar ? (size_t)(dollar - in) : len;
        if (spa_buf_append(out, in + i, stop - i) < 0)
            return -1;
        i = stop;
        if (i >= len)
            break;
        if (i + 1 < len && in[i + 1] == '$') {
            if (spa_buf_putc(out, '$') < 0)
                return -1;
            i += 2;
            continue;
        }
        macro_ref r;
        const char *v = NULL;
        if (parse_ref(in + i, len - i, &r) &&
            (!spa_macro_is_secret(r.name, r.name_len) || (flags & SPA_MACRO_KEY_ARG)))
            v = fn ? fn(ctx, r.name, r.name_len, scratch, sizeof scratch) : NULL;
        if (!v) {
            if (spa_buf_putc(out, '$') < 0)
                return -1;
            i++;
            continue;
        }
        if (append_value(out, v, &r) < 0)
            return -1;
        i += r.ref_len;
    }
    return 0;
}

/* ---- the device's variables ---- */

static const char *gpp_value(const spa_macro_env *env, char letter, bool secret)
{
    if (!env->params)
        return NULL;
    char name[8];
    snprintf(name, sizeof name, secret ? "GPP_S%c" : "GPP_%c", letter);
    return spa_params_get(env->params, name);
}

static const char *identity_var(const spa_macro_env *env, const char *n, size_t len,
                                char *scratch, size_t sn)
{
    const spa_identity *id = env->id;
    const spa_model *m = env->params ? spa_params_model(env->params) : NULL;
    if (name_is(n, len, "PN"))
        return m ? m->name : NULL;
    if (name_is(n, len, "PSN"))
        return m ? m->psn : NULL;
    if (!id)
        return NULL;
    if (name_is(n, len, "MA"))
        return id->mac;
    if (name_is(n, len, "MAU")) {
        for (size_t i = 0; i < 12 && i + 1 < sn; i++)
            scratch[i] = (char)toupper((unsigned char)id->mac[i]);
        scratch[12] = '\0';
        return scratch;
    }
    if (name_is(n, len, "MAC")) {
        const char *a = id->mac;
        snprintf(scratch, sn, "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", a, a + 2, a + 4, a + 6, a + 8,
                 a + 10);
        return scratch;
    }
    if (name_is(n, len, "SN"))
        return id->serial;
    if (name_is(n, len, "CCERT"))
        return id->ccert ? "Installed" : "Not Installed";
    if (name_is(n, len, "IP"))
        return id->ip;
    if (name_is(n, len, "EXTIP"))
        return id->extip ? id->extip : "";
    if (name_is(n, len, "SWVER"))
        return id->swver ? id->swver : m ? m->swver : NULL;
    if (name_is(n, len, "HWVER"))
        return id->hwver ? id->hwver : m ? m->hwver : NULL;
    if (name_is(n, len, "ISCUST"))
        return id->customized ? "1" : "0";
    return NULL;
}

static const char *num(char *scratch, size_t n, long v)
{
    snprintf(scratch, n, "%ld", v);
    return scratch;
}

static const char *state_var(const spa_macro_state *st, const char *n, size_t len,
                             char *scratch, size_t sn)
{
    if (name_is(n, len, "PRVST"))
        return num(scratch, sn, st->prvst);
    if (name_is(n, len, "UPGST"))
        return num(scratch, sn, st->upgst);
    if (name_is(n, len, "UPGERR"))
        return st->upgerr ? st->upgerr : "";
    if (name_is(n, len, "ERR"))
        return st->err ? st->err : "";
    if (name_is(n, len, "PRVTMR"))
        return num(scratch, sn, st->prvtmr);
    if (name_is(n, len, "UPGTMR"))
        return num(scratch, sn, st->upgtmr);
    if (name_is(n, len, "REGTMR1"))
        return num(scratch, sn, st->regtmr[0]);
    if (name_is(n, len, "REGTMR2"))
        return num(scratch, sn, st->regtmr[1]);
    if (name_is(n, len, "SCHEME") || name_is(n, len, "METH"))
        return st->scheme ? st->scheme : "";
    if (name_is(n, len, "SERV"))
        return st->serv ? st->serv : "";
    if (name_is(n, len, "SERVIP"))
        return st->servip ? st->servip : "";
    if (name_is(n, len, "PORT"))
        return num(scratch, sn, (long)st->port);
    if (name_is(n, len, "PATH"))
        return st->path ? st->path : "";
    return NULL;
}

const char *spa_macro_env_lookup(void *ctx, const char *name, size_t len, char *scratch,
                                 size_t n)
{
    const spa_macro_env *env = ctx;
    bool secret;
    char letter = gpp_letter(name, len, &secret);
    if (letter)
        return gpp_value(env, letter, secret);
    if (name_is(name, len, "UPGCOND"))
        return "true";
    if (name_is(name, len, "UID1") || name_is(name, len, "UID2"))
        return env->params ? spa_params_get(env->params, name[3] == '1' ? "User_ID_1_"
                                                                        : "User_ID_2_")
                           : NULL;
    const char *v = identity_var(env, name, len, scratch, n);
    if (v || !env->state)
        return v;
    return state_var(env->state, name, len, scratch, n);
}

int spa_macro_expand_env(const char *in, const spa_macro_env *env, unsigned flags, spa_buf *out)
{
    return spa_macro_expand(in, strlen(in), spa_macro_env_lookup, (void *)env, flags, out);
}

int spa_mac_parse(const char *s, char out[13])
{
    size_t k = 0;
    for (; *s; s++) {
        if (*s == ':' || *s == '-' || *s == '.')
            continue;
        if (!isxdigit((unsigned char)*s) || k >= 12)
            return -1;
        out[k++] = (char)tolower((unsigned char)*s);
    }
    if (k != 12)
        return -1;
    out[12] = '\0';
    return 0;
}
