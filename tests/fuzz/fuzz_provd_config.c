/* fuzz_provd_config.c — libFuzzer target for spaprovd's configuration file
 * parser (lib/provd_config.c): never crashes, leaves the configuration
 * untouched on any error, reports every error with a line and column, and
 * keeps every string field NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/provd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
    if (strnlen(s, cap) >= cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_provd_config c, before;
    spa_diags d;
    int rc;

    spa_provd_config_defaults(&c);
    before = c;
    spa_diags_init(&d);
    rc = spa_provd_config_parse(&c, (const char *)data, size, "f.conf", &d);
    if (rc < 0) {
        if (d.errors == 0 || memcmp(&c, &before, sizeof c) != 0)
            abort();
        for (size_t i = 0; i < d.n; i++)
            if (d.v[i].line == 0 || d.v[i].col == 0)
                abort();
    } else if (rc != 0 || d.errors != 0) {
        abort();
    }
    check_str(c.data_dir, sizeof c.data_dir);
    check_str(c.server_url, sizeof c.server_url);
    check_str(c.tftp_address, sizeof c.tftp_address);
    check_str(c.bootstrap_file, sizeof c.bootstrap_file);
    check_str(c.firmware_url, sizeof c.firmware_url);
    if (c.unknown > SPA_UNKNOWN_REGISTER || c.mode > SPA_MODE_RC_VENDOR)
        abort();
    spa_diags_free(&d);
    return 0;
}
