/* fuzz_http_ident.c — libFuzzer target for what a provisioning server reads
 * from untrusted HTTP requests: the User-Agent parser, the MAC finder, the
 * Range and If-None-Match interpreters, URL parsing and the CN rule. Checks
 * the documented invariants on every success, not just absence of crashes. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/http.h"
#include "spaprov/http_ident.h"
#include "spaprov/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *f, size_t cap)
{
    if (strnlen(f, cap) >= cap)
        abort();
}

static void check_mac(const char *mac)
{
    size_t i;
    if (mac[0] == '\0')
        return;
    for (i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)mac[i]) || isupper((unsigned char)mac[i]))
            abort();
    if (mac[12] != '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    spa_user_agent ua;
    char why[128], mac[13], *z;
    spa_mac_form f;
    uint64_t a = 0, b = 0;

    if (spa_ua_parse(s, size, &ua, why, sizeof why) == 0) {
        check_field(ua.vendor, sizeof ua.vendor);
        check_field(ua.product, sizeof ua.product);
        check_field(ua.model, sizeof ua.model);
        check_field(ua.version, sizeof ua.version);
        check_field(ua.serial, sizeof ua.serial);
        if (!ua.vendor[0] || !ua.product[0] || !ua.version[0] || strchr(ua.model, '-') ||
            !isdigit((unsigned char)ua.version[0]))
            abort();
        check_mac(ua.mac);
    } else if (ua.vendor[0] || ua.serial[0]) {
        abort(); /* failure leaves the result zeroed */
    }
    f = spa_mac_find(s, size, mac);
    if ((f == SPA_MAC_NONE) != (mac[0] == '\0'))
        abort();
    check_mac(mac);

    /* the NUL-terminated interfaces */
    z = malloc(size + 1);
    if (!z)
        return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    if (spa_http_range(z, size, &a, &b) == SPA_RANGE_OK && (a > b || b >= size))
        abort();
    spa_http_etag_match(z, "\"0123456789abcdef\"");
    {
        spa_http_url u;
        if (spa_http_url_parse(z, &u, why, sizeof why) == 0 &&
            (!u.host[0] || u.port == 0 || u.target[0] != '/'))
            abort();
    }
    {
        char *slash = strchr(z, '\n');
        if (slash) {
            *slash = '\0';
            spa_tls_cn_matches(z, slash + 1);
        }
    }
    free(z);
    return 0;
}
