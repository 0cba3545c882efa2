/* fuzz_profile_txt.c — libFuzzer target for the plain-text source parser
 * (imports disabled): parse, and when it parses, write it back and require
 * the re-parse to give exactly the same parameters. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/spaprov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_profile p;
    spa_profile_init(&p);
    spa_diags d;
    spa_diags_init(&d);
    spa_text_options opt = { .allow_import = false };
    if (spa_profile_parse_text(&p, (const char *)data, size, "f.txt", &opt, &d) == 0) {
        spa_buf out;
        spa_buf_init(&out);
        if (spa_profile_write_text(&p, NULL, &out) == 0) {
            spa_profile q;
            spa_profile_init(&q);
            if (spa_profile_parse_text(&q, out.data, out.len, "w.txt", &opt, NULL) != 0)
                abort();
            if (!spa_profile_equal(&p, &q))
                abort();
            spa_profile_free(&q);
        }
        spa_buf_free(&out);
    }
    spa_profile_free(&p);
    spa_diags_free(&d);
    return 0;
}
