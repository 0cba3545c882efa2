/* fuzz_lint.c — libFuzzer target for `spc --lint` inputs: any bytes are
 * parsed as a profile (XML or plain text, sniffed) and, when they parse,
 * linted against the SPA2102 model — names, types, the rule language,
 * $SA–$SD placement and the lock-out checks — then the diagnostics are
 * formatted as text and JSON. The model is loaded once per process. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "spaprov/lint.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static spa_model *m;
    spa_profile p;
    spa_diags d;
    spa_buf j;

    if (!m && !(m = spa_model_load_builtin("SPA2102", NULL)))
        return 0;
    spa_profile_init(&p);
    spa_diags_init(&d);
    spa_buf_init(&j);
    if (spa_profile_parse_any(&p, (const char *)data, size, "fuzz", &d) == 0) {
        spa_lint_opts o = { .text_names = !spa_profile_looks_xml((const char *)data, size),
                            .source = (const char *)data, .source_len = size,
                            .source_file = "fuzz" };
        spa_lint_profile(&p, m, &o, &d);
    }
    for (size_t i = 0; i < d.n; i++) {
        char line[512];
        spa_diag_format(&d.v[i], line, sizeof line);
    }
    spa_diags_json(&d, &j);
    spa_buf_free(&j);
    spa_diags_free(&d);
    spa_profile_free(&p);
    return 0;
}
