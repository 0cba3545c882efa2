/* names.c — parameter name spellings and user access words. The guide gives
 * one parameter three spellings (web "Dial Plan[1]", plain text
 * "Dial_Plan[1]", XML "Dial_Plan_1_"); everything inside the library uses the
 * XML spelling, and these functions are the only place that converts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "spaprov/params.h"

const char *spa_access_name(spa_access a)
{
    switch (a) {
    case SPA_ACCESS_NA: return "na";
    case SPA_ACCESS_RO: return "ro";
    case SPA_ACCESS_RW: return "rw";
    default: return "";
    }
}

int spa_access_parse(const char *s, spa_access *a)
{
    if (strcmp(s, "na") == 0)
        *a = SPA_ACCESS_NA;
    else if (strcmp(s, "ro") == 0)
        *a = SPA_ACCESS_RO;
    else if (strcmp(s, "rw") == 0)
        *a = SPA_ACCESS_RW;
    else
        return -1;
    return 0;
}

static int is_separator(char c)
{
    return c == ' ' || c == '[' || c == ']' || c == '(' || c == ')' || c == '/';
}

int spa_name_canonical(const char *in, size_t len, char *out, size_t n)
{
    if (len == 0 || len >= n || len >= SPA_NAME_MAX)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' && c != ' ')
            return -1;
        if (c >= 0x7f)
            return -1;
        out[i] = is_separator((char)c) ? '_' : (char)c;
    }
    out[len] = '\0';
    return 0;
}

int spa_name_text(const char *canonical, char *out, size_t n)
{
    size_t len = strlen(canonical);
    if (len >= n)
        return -1;
    memcpy(out, canonical, len + 1);
    /* trailing "_<digits>_" (at least one char before it) → "[<digits>]" */
    if (len < 4 || canonical[len - 1] != '_')
        return 0;
    size_t d = len - 1;
    while (d > 0 && isdigit((unsigned char)canonical[d - 1]))
        d--;
    if (d == len - 1 || d < 2 || canonical[d - 1] != '_')
        return 0;
    out[d - 1] = '[';
    out[len - 1] = ']';
    return 0;
}

bool spa_value_is_ascii(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x7f || (c < ' ' && c != '\t'))
            return false;
    }
    return true;
}
