/* version.c — parsing and ordering of firmware version numbers (N.N.N(sfx)),
 * the third operand type of rule conditions besides integers and strings.
 * The ordering rules are documented in include/spaprov/version.h. */
#include <stdio.h>
#include <string.h>
#include "spaprov/version.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Read one decimal number at s[*i]; 0 or -1 (no digit or overflow). */
static int read_uint(const char *s, size_t len, size_t *i, uint32_t *out)
{
    uint64_t v = 0;
    size_t start = *i;
    while (*i < len && is_digit(s[*i])) {
        v = v * 10 + (uint64_t)(s[*i] - '0');
        if (v > UINT32_MAX)
            return -1;
        (*i)++;
    }
    if (*i == start)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int spa_fwver_parse(const char *s, size_t len, spa_fwver *out)
{
    spa_fwver v;
    size_t i = 0;

    memset(&v, 0, sizeof v);
    for (;;) {
        if (v.nparts == 3 || read_uint(s, len, &i, &v.part[v.nparts]) < 0)
            return -1;
        v.nparts++;
        if (i < len && s[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (v.nparts < 2)
        return -1;
    if (i < len && is_alnum(s[i])) {
        /* later firmware writes the suffix without parentheses: 7.5.2b */
        size_t start = i, n;
        while (i < len && is_alnum(s[i]))
            i++;
        n = i - start;
        if (n > SPA_FWVER_SUFFIX_MAX)
            return -1;
        memcpy(v.suffix, s + start, n);
        v.suffix[n] = '\0';
    } else if (i < len && s[i] == '(') {
        size_t start = ++i, n;
        while (i < len && is_alnum(s[i]))
            i++;
        n = i - start;
        if (n == 0 || n > SPA_FWVER_SUFFIX_MAX || i >= len || s[i] != ')')
            return -1;
        memcpy(v.suffix, s + start, n);
        v.suffix[n] = '\0';
        i++;
    }
    if (i != len)
        return -1;
    *out = v;
    return 0;
}

void spa_fwver_from_int(uint32_t n, spa_fwver *out)
{
    memset(out, 0, sizeof *out);
    out->part[0] = n;
    out->nparts = 3;
}

/* Compare two digit runs numerically, ignoring leading zeros. */
static int cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
    while (na > 0 && *a == '0')
        a++, na--;
    while (nb > 0 && *b == '0')
        b++, nb--;
    if (na != nb)
        return na < nb ? -1 : 1;
    for (size_t i = 0; i < na; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static size_t run_len(const char *s, int digits)
{
    size_t n = 0;
    while (s[n] && (is_digit(s[n]) != 0) == (digits != 0))
        n++;
    return n;
}

/* Natural order of two suffixes (documented in version.h). */
static int cmp_suffix(const char *a, const char *b)
{
    while (*a && *b) {
        int da = is_digit(*a), db = is_digit(*b);
        if (da != db)
            return da ? -1 : 1;
        size_t na = run_len(a, da), nb = run_len(b, db);
        int c = 0;
        if (da) {
            c = cmp_digits(a, na, b, nb);
        } else {
            size_t n = na < nb ? na : nb;
            for (size_t i = 0; i < n && c == 0; i++)
                if (lower(a[i]) != lower(b[i]))
                    c = lower(a[i]) < lower(b[i]) ? -1 : 1;
            if (c == 0 && na != nb)
                c = na < nb ? -1 : 1;
        }
        if (c)
            return c;
        a += na;
        b += nb;
    }
    if (*a || *b)
        return *a ? 1 : -1;
    return 0;
}

int spa_fwver_cmp(const spa_fwver *a, const spa_fwver *b)
{
    for (int i = 0; i < 3; i++)
        if (a->part[i] != b->part[i])
            return a->part[i] < b->part[i] ? -1 : 1;
    return cmp_suffix(a->suffix, b->suffix);
}

char *spa_fwver_format(const spa_fwver *v, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    if (v->suffix[0])
        snprintf(buf, n, "%u.%u.%u(%s)", v->part[0], v->part[1], v->part[2], v->suffix);
    else
        snprintf(buf, n, "%u.%u.%u", v->part[0], v->part[1], v->part[2]);
    return buf;
}
