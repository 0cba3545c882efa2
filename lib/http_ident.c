/* http_ident.c — User-Agent parsing and MAC finding for device identification
 * on the provisioning server (see http_ident.h). Input is whatever a client
 * sent, so every function bounds its reads by the given length, never relies
 * on NUL termination and accepts only the characters it documents. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "spaprov/hex.h"
#include "spaprov/http_ident.h"

static int ua_fail(spa_user_agent *out, char *why, size_t whylen, const char *msg)
{
    memset(out, 0, sizeof *out);
    if (why && whylen)
        snprintf(why, whylen, "%s", msg);
    return -1;
}

static int ua_is_version_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '(' || c == ')' || c == '-';
}

/* Copy s[0..n) into a field of SPA_UA_FIELD_MAX; 0 or -1 when too long or empty. */
static int ua_copy(char *dst, const char *s, size_t n)
{
    if (n == 0 || n >= SPA_UA_FIELD_MAX)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* Split "PRODUCT-VERSION" at the last '-' followed by a digit whose remainder
 * contains a '.'. Returns the index of that '-' or 0 when none. */
static size_t ua_split(const char *s, size_t n)
{
    size_t i;

    for (i = n; i-- > 1;) {
        if (s[i] == '-' && i + 1 < n && isdigit((unsigned char)s[i + 1]) &&
            memchr(s + i + 1, '.', n - i - 1))
            return i;
    }
    return 0;
}

/* Parse "(TOKEN)" of alphanumerics at s[*pos]; on success *pos moves past it. */
static int ua_group(const char *s, size_t n, size_t *pos, const char **tok, size_t *tlen)
{
    size_t i = *pos, start;

    if (i >= n || s[i] != '(')
        return -1;
    start = ++i;
    while (i < n && isalnum((unsigned char)s[i]))
        i++;
    if (i >= n || s[i] != ')' || i == start)
        return -1;
    *tok = s + start;
    *tlen = i - start;
    *pos = i + 1;
    return 0;
}

static size_t ua_skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

int spa_ua_parse(const char *s, size_t n, spa_user_agent *out, char *why, size_t whylen)
{
    size_t i = 0, slash, tok_end, dash, k, tlen;
    const char *tok;

    memset(out, 0, sizeof *out);
    if (!s)
        return ua_fail(out, why, whylen, "no User-Agent");
    i = ua_skip_ws(s, n, 0);
    for (slash = i; slash < n && isalnum((unsigned char)s[slash]); slash++)
        ;
    if (slash == i || slash >= n || s[slash] != '/')
        return ua_fail(out, why, whylen, "expected Vendor/ at the start");
    if (ua_copy(out->vendor, s + i, slash - i) < 0)
        return ua_fail(out, why, whylen, "vendor longer than 32 characters");
    for (tok_end = slash + 1; tok_end < n && s[tok_end] != ' ' && s[tok_end] != '\t'; tok_end++)
        if (!ua_is_version_char((unsigned char)s[tok_end]))
            return ua_fail(out, why, whylen, "invalid character in product-version");
    dash = ua_split(s + slash + 1, tok_end - slash - 1);
    if (dash == 0)
        return ua_fail(out, why, whylen, "expected PRODUCT-VERSION after the vendor");
    tok = s + slash + 1;
    if (!isalpha((unsigned char)tok[0]))
        return ua_fail(out, why, whylen, "product must start with a letter");
    for (k = 0; k < dash; k++)
        if (!isalnum((unsigned char)tok[k]) && tok[k] != '-')
            return ua_fail(out, why, whylen, "invalid character in product");
    if (ua_copy(out->product, tok, dash) < 0 ||
        ua_copy(out->version, tok + dash + 1, tok_end - slash - 2 - dash) < 0)
        return ua_fail(out, why, whylen, "product or version longer than 32 characters");
    for (k = 0, tlen = 0; out->product[k]; k++)
        if (out->product[k] != '-')
            out->model[tlen++] = (char)toupper((unsigned char)out->product[k]);
    out->model[tlen] = '\0';

    i = ua_skip_ws(s, n, tok_end);
    if (i < n) {
        if (ua_group(s, n, &i, &tok, &tlen) < 0)
            return ua_fail(out, why, whylen, "expected (SERIAL) after the version");
        if (ua_copy(out->serial, tok, tlen) < 0)
            return ua_fail(out, why, whylen, "serial longer than 32 characters");
        i = ua_skip_ws(s, n, i);
        if (i < n && s[i] == '(') {
            /* "(SERIAL)(MAC)" or "(MAC)(SERIAL)": one of the two must be a MAC */
            const char *t2;
            size_t l2;
            char mac[13];
            if (ua_group(s, n, &i, &t2, &l2) < 0)
                return ua_fail(out, why, whylen, "bad second (group)");
            if (l2 == 12 && spa_mac_find(t2, l2, mac) != SPA_MAC_NONE) {
                memcpy(out->mac, mac, sizeof mac);
            } else if (tlen == 12 && spa_mac_find(tok, tlen, mac) != SPA_MAC_NONE) {
                memcpy(out->mac, mac, sizeof mac);
                if (ua_copy(out->serial, t2, l2) < 0)
                    return ua_fail(out, why, whylen, "serial longer than 32 characters");
            } else {
                return ua_fail(out, why, whylen, "neither (group) is a MAC");
            }
            i = ua_skip_ws(s, n, i);
        }
        if (i < n)
            return ua_fail(out, why, whylen, "unexpected text after the serial");
    }
    return 0;
}

/* ---- MAC finder -------------------------------------------------------------- */

/* Length of a colon separator at s[i] (":" or "%3A"), or 0. */
static size_t mac_sep(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == ':')
        return 1;
    if (i + 2 < n && s[i] == '%' && s[i + 1] == '3' && (s[i + 2] == 'A' || s[i + 2] == 'a'))
        return 3;
    return 0;
}

/* Colon form starting at s[i]: six hex pairs, five separators of one kind,
 * not glued to more hex or separators. Returns the length or 0. */
static size_t mac_colon_at(const char *s, size_t n, size_t i, char mac[13])
{
    size_t p = i, sl = 0, k;

    if (i > 0 && (spa_hex_value((unsigned char)s[i - 1]) >= 0 || s[i - 1] == ':'))
        return 0;
    for (k = 0; k < 6; k++) {
        if (p + 1 >= n || spa_hex_value((unsigned char)s[p]) < 0 || spa_hex_value((unsigned char)s[p + 1]) < 0)
            return 0;
        mac[2 * k] = (char)tolower((unsigned char)s[p]);
        mac[2 * k + 1] = (char)tolower((unsigned char)s[p + 1]);
        p += 2;
        if (k < 5) {
            size_t l = mac_sep(s, n, p);
            if (l == 0 || (sl && l != sl))
                return 0;
            sl = l;
            p += l;
        }
    }
    if (p < n && (spa_hex_value((unsigned char)s[p]) >= 0 || mac_sep(s, n, p)))
        return 0;
    mac[12] = '\0';
    return p - i;
}

/* Case of 12 hex digits: 1 lower (or no letters), 2 upper, 0 mixed. */
static int mac_case(const char *s)
{
    int lower = 0, upper = 0, k;

    for (k = 0; k < 12; k++) {
        if (s[k] >= 'a' && s[k] <= 'f')
            lower = 1;
        else if (s[k] >= 'A' && s[k] <= 'F')
            upper = 1;
    }
    if (lower && upper)
        return 0;
    return upper ? 2 : 1;
}

/* A hex run s[a..b): decide whether it holds a MAC (see the header). */
static spa_mac_form mac_run(const char *s, size_t a, size_t b, char mac[13])
{
    size_t k;
    int c;

    if (b - a < 12)
        return SPA_MAC_NONE;
    for (k = a; k < b - 12; k++)
        if (!isalpha((unsigned char)s[k]))
            return SPA_MAC_NONE;
    c = mac_case(s + b - 12);
    if (c == 0)
        return SPA_MAC_NONE;
    for (k = 0; k < 12; k++)
        mac[k] = (char)tolower((unsigned char)s[b - 12 + k]);
    mac[12] = '\0';
    return c == 2 ? SPA_MAC_MAU : SPA_MAC_MA;
}

spa_mac_form spa_mac_find(const char *s, size_t n, char mac[13])
{
    size_t i = 0;

    mac[0] = '\0';
    if (!s)
        return SPA_MAC_NONE;
    while (i < n) {
        size_t j;
        spa_mac_form f;

        if (spa_hex_value((unsigned char)s[i]) < 0) {
            i++;
            continue;
        }
        if (mac_colon_at(s, n, i, mac))
            return SPA_MAC_MAC;
        for (j = i; j < n && spa_hex_value((unsigned char)s[j]) >= 0; j++)
            ;
        /* A run glued to a colon pair is part of something else (IPv6, ...). */
        if (!(j < n && s[j] == ':') && !(i > 0 && s[i - 1] == ':')) {
            f = mac_run(s, i, j, mac);
            if (f != SPA_MAC_NONE)
                return f;
        }
        i = j;
    }
    mac[0] = '\0';
    return SPA_MAC_NONE;
}
