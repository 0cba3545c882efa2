/* http_ident.h — identifying a device from an HTTP request: the SPA
 * User-Agent ("Linksys/SPA-2102-5.1.10 (88012BA01234)") and a MAC address in
 * the request path or query ($MA, $MAU or $MAC form). Pure functions over
 * untrusted bytes; fuzzed by tests/fuzz/fuzz_http_ident.c. */
#ifndef SPAPROV_HTTP_IDENT_H
#define SPAPROV_HTTP_IDENT_H
#include <stddef.h>

#define SPA_UA_FIELD_MAX 33 /* 32 characters + NUL */

/* A parsed User-Agent. */
typedef struct spa_user_agent {
    char vendor[SPA_UA_FIELD_MAX];  /* "Linksys", "Cisco", "Sipura", ... */
    char product[SPA_UA_FIELD_MAX]; /* as sent, "SPA-2102" */
    char model[SPA_UA_FIELD_MAX];   /* normalised: '-' removed, upper case, "SPA2102" */
    char version[SPA_UA_FIELD_MAX]; /* firmware version, "5.1.10", "2.0.6(b)" */
    char serial[SPA_UA_FIELD_MAX];  /* "" when the UA carries none */
    char mac[13];                   /* a second "(MAC)" group, 12 lower hex; else "" */
} spa_user_agent;

/* Parse "Vendor/PRODUCT-VERSION [(SERIAL)[(MAC)]]" of length n (not
 * necessarily NUL-terminated). Vendor: letters/digits, product:
 * letters/digits/'-' starting with a letter, version: starts with a digit,
 * contains a '.', letters/digits/"._()-"; serial: letters/digits; each at most
 * 32 characters. 0 on success; -1 (out zeroed) with a reason in why[n] when
 * why is not NULL. */
int spa_ua_parse(const char *s, size_t n, spa_user_agent *out, char *why, size_t whylen);

/* How a MAC was written. */
typedef enum {
    SPA_MAC_NONE = 0,
    SPA_MAC_MA,  /* 000e08aabbcc */
    SPA_MAC_MAU, /* 000E08AABBCC */
    SPA_MAC_MAC  /* 00:0e:08:aa:bb:cc (also %3A-encoded colons) */
} spa_mac_form;

/* Find the first MAC in a request path or query of length n: a colon form,
 * or a run of exactly 12 hex digits of one case — a longer run counts only
 * when the characters before its last 12 are letters a-f of the same case
 * ("spa000e08aabbcc"). The MAC goes to mac[13] as 12 lower-case hex digits.
 * Returns its form, or SPA_MAC_NONE (mac = ""). */
spa_mac_form spa_mac_find(const char *s, size_t n, char mac[13]);

#endif
