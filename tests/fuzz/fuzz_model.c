/* fuzz_model.c — libFuzzer target for the model schema loader and the type
 * checks: arbitrary bytes are loaded as a schema file (includes resolve
 * against the embedded files), and every loaded parameter is looked up and
 * its default re-checked. Input starting with "T:" is instead split at the
 * first newline into a type name and a value for spa_type_parse/check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_type(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, s, n);
    copy[n] = '\0';
    char *value = strchr(copy, '\n');
    if (value)
        *value++ = '\0';
    spa_type t;
    if (spa_type_parse(copy, &t) == 0) {
        char why[128], out[256];
        (void)spa_type_check(&t, value ? value : "", why, sizeof why);
        (void)spa_type_format(&t, out, sizeof out);
        spa_type_free(&t);
    }
    (void)spa_bool_value(copy);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (size >= 2 && text[0] == 'T' && text[1] == ':') {
        fuzz_type(text + 2, size - 2);
        return 0;
    }
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_text(text, size, "fuzz", &d);
    if (m) {
        for (size_t i = 0; i < m->nparams; i++) {
            if (spa_model_find(m, m->params[i].web_name) != (long)i)
                abort();
            char why[128];
            if (spa_type_check(&m->params[i].type, m->params[i].def_value, why, sizeof why) != 0)
                abort();
        }
        char ua[128];
        (void)spa_model_user_agent(m, NULL, "88012BA01234", ua, sizeof ua);
        spa_model_free(m);
    } else if (d.errors == 0) {
        abort();            /* a failed load must say why */
    }
    spa_diags_free(&d);
    return 0;
}
