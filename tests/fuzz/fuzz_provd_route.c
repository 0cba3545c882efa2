/* fuzz_provd_route.c — libFuzzer target for spaprovd's request routing and
 * device identification (lib/provd.c) over untrusted path, query and
 * User-Agent bytes: a routed path is relative, never contains a ".."
 * component, NUL or backslash; a refusal leaves it empty with a reason;
 * identified MACs are 12 lower-case hex digits; a mismatch only with a
 * certificate. Input layout: proto byte, then path \0 query \0 user-agent. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/provd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_mac(const char *mac)
{
    if (mac[0] == '\0')
        return;
    for (int i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)mac[i]) || isupper((unsigned char)mac[i]))
            abort();
    if (mac[12] != '\0')
        abort();
}

static void check_path(const char *p)
{
    const char *s = p;
    if (p[0] == '/' || strchr(p, '\\'))
        abort();
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            abort();
        if (!e)
            break;
        s = e + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[4096], out[256], why[160];
    const char *path, *query = NULL, *ua = NULL;
    spa_provd_input in;
    spa_provd_ident id;
    spa_cert_subject cert;
    spa_route_kind k;
    size_t n;

    if (size < 2 || size >= sizeof buf)
        return 0;
    n = size - 1;
    memcpy(buf, data + 1, n);
    buf[n] = '\0';
    path = buf;
    if (strlen(buf) < n) {
        query = buf + strlen(buf) + 1;
        if ((size_t)(query - buf) + strlen(query) < n)
            ua = query + strlen(query) + 1;
    }
    memset(&in, 0, sizeof in);
    in.proto = (spa_provd_proto)(data[0] % 3);
    in.path = path;
    in.query = query;
    in.user_agent = ua;
    k = spa_provd_route(in.proto, path, out, sizeof out, why, sizeof why);
    if (k == SPA_ROUTE_REFUSE) {
        if (out[0] || !why[0])
            abort();
    } else {
        check_path(out);
    }
    memset(&cert, 0, sizeof cert);
    if (data[0] & 4) {
        memcpy(cert.mac, "000e08aabbcc", 13);
        in.cert = &cert;
    }
    spa_provd_identify(&in, out, &id);
    check_mac(id.mac);
    check_mac(id.want_mac);
    if (id.mismatch && (!id.cert_bound || !strcmp(id.mac, id.want_mac)))
        abort();
    if (!in.cert && id.cert_bound)
        abort();
    return 0;
}
