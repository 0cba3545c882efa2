/* fuzz_macro.c — libFuzzer target for macro expansion and alias-map
 * parsing: arbitrary templates expand without crashing, $SA–$SD never
 * expand without the --key flag. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/spaprov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(void *ctx, const char *name, size_t len, char *s, size_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
    if (spa_macro_is_secret(name, len))
        return "SECRET";
    return len <= 3 ? "v$A$$" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_buf out;
    spa_buf_init(&out);
    if (spa_macro_expand((const char *)data, size, lookup, NULL, 0, &out) == 0 &&
        !memmem(data, size, "SECRET", 6) && out.data && strstr(out.data, "SECRET"))
        abort();
    spa_buf_reset(&out);
    spa_macro_expand((const char *)data, size, lookup, NULL, SPA_MACRO_KEY_ARG, &out);
    spa_buf_free(&out);
    char *text = strndup((const char *)data, size);
    if (text) {
        spa_alias_map m;
        if (spa_alias_map_parse(&m, text, "m", NULL) == 0)
            spa_alias_map_free(&m);
        free(text);
    }
    return 0;
}
