/* fuzz_sip.c — libFuzzer target for the SIP NOTIFY path (lib/sip.c): any
 * datagram parses to a request or to a precise status (0, 400 or 505)
 * with a reason; an accepted request has a method, Request-URI, a Via and
 * a body inside the datagram, and always yields a well-formed response;
 * its Authorization, if any, goes through digest parsing and verification
 * and its nonce through the nonce check without reading out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_response(const spa_sip_msg *m, int status, const char *reason)
{
    spa_buf b;
    spa_buf_init(&b);
    if (spa_sip_response(m, status, reason, "tag1", "Allow: NOTIFY\r\n", &b) != 0 ||
        strncmp(b.data, "SIP/2.0 ", 8) != 0 || b.len < 4 ||
        memcmp(b.data + b.len - 4, "\r\n\r\n", 4) != 0)
        abort();
    spa_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static spa_sip_nonce_key key = { { 1, 2, 3 }, 60 };
    spa_sip_msg m;
    spa_sip_error err;
    const char *text = (const char *)data;
    if (spa_sip_parse(text, size, &m, &err) != 0) {
        if (!err.reason || (err.status != 0 && err.status != 400 && err.status != 505))
            abort();
        if (err.status)
            check_response(&m, err.status, err.reason);
        spa_sip_msg_free(&m);
        return 0;
    }
    if (!m.method || !m.uri || spa_sip_header_count(&m, "Via") == 0 ||
        m.body < text || m.body + m.body_len > text + size)
        abort();
    check_response(&m, 401, NULL);
    char ev[32];
    if (spa_sip_event_type(spa_sip_header_get(&m, "Event"), ev, sizeof ev) == 0 && !ev[0])
        abort();
    const char *auth = spa_sip_header_get(&m, "Authorization");
    spa_sip_digest dg;
    const char *why = NULL;
    if (auth && spa_sip_digest_parse(auth, &dg, &why) == 0) {
        char want[33];
        if (spa_sip_digest_expected(&dg, m.method, "pw", want) != 0 || strlen(want) != 32)
            abort();
        (void)spa_sip_digest_verify(&dg, m.method, "pw");
        (void)spa_sip_nonce_check(&key, dg.nonce, 1000, "127.0.0.1");
    } else if (auth && !why) {
        abort();
    }
    spa_sip_msg_free(&m);
    return 0;
}
