/* fuzz_upgrade_line.c — libFuzzer target for the upgrade-result parser of
 * spaprovd's syslog collector (spa_upgrade_line_parse, lib/provd_firmware.c):
 * syslog datagrams come from anyone on the network. Never crashes or reads
 * past the line; every field is NUL-terminated printable ASCII; a success
 * always carries a valid firmware version (it becomes the device's
 * firmware-seen value). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/provd.h"
#include "spaprov/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_upgrade_line u;
    spa_fwver v;
    /* an exact-size copy so ASan catches any read past the line */
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    int rc = spa_upgrade_line_parse(line, size, &u);
    if (rc != 0 && rc != 1)
        abort();
    check_field(u.version, sizeof u.version);
    check_field(u.url, sizeof u.url);
    check_field(u.err, sizeof u.err);
    if (rc == 1 && u.success && spa_fwver_parse(u.version, strlen(u.version), &v) < 0)
        abort();
    if (rc == 0 && (u.success || u.version[0] || u.err[0]))
        abort();
    free(line);
    return 0;
}
