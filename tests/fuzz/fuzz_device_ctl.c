/* fuzz_device_ctl.c — libFuzzer target for the spasim control-socket
 * command parser (lib/device_ctl.c): never crashes; an accepted dial string
 * holds only keypad keys; an accepted line number is 1..8; a refusal always
 * gives a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_device_ctl_cmd c;
    char why[128] = "";
    if (spa_device_ctl_parse((const char *)data, size, &c, why, sizeof why) < 0) {
        if (!why[0])
            abort();
        return 0;
    }
    if (c.line < 1 || c.line > 8)
        abort();
    if (c.kind == SPA_CTL_DIAL) {
        if (!c.digits[0] || strspn(c.digits, "0123456789*#") != strlen(c.digits))
            abort();
        (void)spa_device_is_factory_reset(c.digits);
    }
    return 0;
}
