/* fuzz_decode.c — libFuzzer target for `spc --decode` inputs: the whole
 * content-sniffing chain (container → Salted__ → gzip → XML/text) and the
 * profile parsers behind it. The seed corpus holds one file per layer and
 * container mode, all made with key "k" and MAC 000e08aabbcc, so mutations
 * reach past the key checks. Invariant: never crash, never hand back bytes
 * on failure. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "spaprov/crypt.h"
#include "spaprov/cfg.h"
#include "spaprov/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spa_decode_opts o = { .key = "k", .mac = "000e08aabbcc", .max_size = 1u << 20 };
    spa_buf out;
    spa_profile p;
    spa_diags d;
    spa_decode_info info;

    spa_buf_init(&out);
    int rc = spa_decode(NULL, data, size, &o, &out, &info);
    if (rc != SPA_DEC_OK && out.len != 0)
        abort();
    spa_buf_free(&out);

    spa_profile_init(&p);
    spa_diags_init(&d);
    rc = spa_decode_profile(NULL, data, size, "fuzz", &o, &p, &info, &d);
    if (rc != SPA_DEC_OK && rc != SPA_DEC_SYNTAX && p.n != 0)
        abort();
    spa_diags_free(&d);
    spa_profile_free(&p);
    return 0;
}
