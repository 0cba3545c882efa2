/* fuzz_syslog.c — libFuzzer target for syslog parsing and MAC extraction.
 * A lenient parse must accept anything; whatever the strict parser accepts
 * must format and re-parse strictly to the same header; a MAC found is
 * always 12 lower-case hex digits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    spa_syslog_msg m, r;
    spa_diags d;
    char mac[13];

    if (spa_syslog_parse(line, size, 1, &m, NULL) != 0 || !m.msg)
        abort();
    spa_syslog_msg_free(&m);

    spa_diags_init(&d);
    if (spa_syslog_parse(line, size, 0, &m, &d) == 0) {
        spa_buf b;
        spa_buf_init(&b);
        if (d.errors || spa_syslog_format(&b, &m, NULL) != 0)
            abort();
        if (spa_syslog_parse(b.data, b.len, 0, &r, NULL) != 0 || r.pri != m.pri ||
            r.format != m.format || strcmp(r.host, m.host) != 0 || strcmp(r.app, m.app) != 0 ||
            strcmp(r.procid, m.procid) != 0 || strcmp(r.msgid, m.msgid) != 0)
            abort();
        spa_syslog_msg_free(&r);
        spa_buf_free(&b);
        spa_syslog_msg_free(&m);
    } else if (d.errors != 1) {
        abort();
    }
    spa_diags_free(&d);

    if (spa_syslog_find_mac(line, size, mac)) {
        if (strlen(mac) != 12)
            abort();
        for (int i = 0; i < 12; i++)
            if (!strchr("0123456789abcdef", mac[i]))
                abort();
    }
    return 0;
}
