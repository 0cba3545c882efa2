/* fuzz_render_template.c — libFuzzer target for the server-side template
 * syntax (docs/render.md): any value is either refused by the check or
 * expands; the check and the expansion always agree; a value the check
 * finds no template in comes out byte for byte (so device $MACROS reach the
 * device untouched); and a template never expands to text that forms a new
 * template reference (expansion is single-pass). */
#include <stdlib.h>
#include <string.h>
#include "spaprov/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = strndup((const char *)data, size), why[160];
    spa_device dv = { .mac = "000e08aabbcc", .serial = "{{device.key}}", .model = "SPA2102",
                      .key = "K", .path = "p{{", .key_gen = 3 };
    spa_account a = { .id = "1", .name = "$MA", .number = "5551001" };
    spa_template_vars tv = { .device = &dv, .account = &a, .server_url = "http://s" };
    spa_buf out;
    unsigned col = 0, missing = 0;
    int c, e;
    if (!v)
        return 0;
    spa_buf_init(&out);
    c = spa_template_check(v, why, sizeof why, &col);
    e = spa_template_expand(v, &tv, &out, &missing);
    if ((c < 0) != (e < 0))
        abort();                              /* check and expansion disagree */
    if (c < 0 && (col == 0 || col > strlen(v) || !why[0]))
        abort();                              /* an error without a place or reason */
    if (c == 0 && !strstr(v, "{{{{") && strcmp(out.data ? out.data : "", v) != 0)
        abort();                              /* a template-free value was changed */
    spa_buf_free(&out);
    free(v);
    return 0;
}
