/* test_corpus.c — real profiles written by other projects (../shared/corpus)
 * parse, with the expected parameter counts and a few values; they also
 * round-trip through both formats. Skipped when ../shared is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

typedef struct expect {
    const char *file;
    size_t params;
    const char *name, *value;
    const char *name2, *value2;
} expect;

static const expect corpus[] = {
    { "cervajs-default.xml", 50, "Dial_Tone", "425@-10;120(0.33/0.33/1,0.66/0.66/1)",
      "RTP_Packet_Size", "0.020" },
    { "provisioner-linksysata-model.xml", 702, "Profile_Rule", "tftp://{$server.ip.1}/spa$MA.xml",
      "Resync_Periodic", "3" },
    { "sipxecs-spa942.xml", 343, "Web_Server_Port", "80", "Debug_Level", "0" },
    { "wazo-spa-ata.xml", 352, "Provision_Enable", "Yes", "Resync_Random_Delay", "1" },
};

static void load(const char *path, spa_profile *p)
{
    spa_xml_options opt = { .skip_non_ascii = true };
    spa_buf text;
    spa_buf_init(&text);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_read_file(path, &text, &d), 0);
    if (spa_profile_parse_xml(p, text.data, text.len, path, &opt, &d) != 0) {
        spa_diags_print(&d, stderr);
        fail_msg("%s does not parse", path);
    }
    spa_buf_free(&text);
    spa_diags_free(&d);
}

static void corpus_parses(void **state)
{
    (void)state;
    const char *shared = tu_shared();
    if (!shared)
        skip();
    for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/corpus/%s", shared, corpus[i].file);
        spa_profile p;
        spa_profile_init(&p);
        load(path, &p);
        if (p.n != corpus[i].params)
            fail_msg("%s: %zu parameters, want %zu", corpus[i].file, p.n, corpus[i].params);
        assert_string_equal(tu_value(&p, corpus[i].name), corpus[i].value);
        assert_string_equal(tu_value(&p, corpus[i].name2), corpus[i].value2);
        /* round trip XML → text → XML keeps values and access */
        spa_profile_resolve_access(&p, NULL);
        spa_buf out;
        spa_buf_init(&out);
        assert_int_equal(spa_profile_write_text(&p, NULL, &out), 0);
        spa_profile t;
        spa_profile_init(&t);
        tu_parse_text(&t, out.data);
        assert_true(spa_profile_equal(&p, &t));
        spa_buf_reset(&out);
        assert_int_equal(spa_profile_write_xml(&t, &out), 0);
        spa_profile x;
        spa_profile_init(&x);
        tu_parse_xml(&x, out.data);
        assert_true(spa_profile_equal(&p, &x));
        spa_buf_free(&out);
        spa_profile_free(&p);
        spa_profile_free(&t);
        spa_profile_free(&x);
    }
}

/* cervajs-default.xml carries one non-ASCII value: a device rejects the whole
 * profile with a precise error; the lenient mode keeps the rest. */
static void non_ascii_corpus_value(void **state)
{
    (void)state;
    const char *shared = tu_shared();
    if (!shared)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/cervajs-default.xml", shared);
    spa_buf text;
    spa_buf_init(&text);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_read_file(path, &text, &d), 0);
    spa_profile p;
    spa_profile_init(&p);
    assert_int_equal(spa_profile_parse_xml(&p, text.data, text.len, "cervajs-default.xml", NULL, &d), -1);
    assert_true(tu_diags_contain(&d, "cervajs-default.xml:47:1: error: value is not printable ASCII in 'XML_Directory_Service_Name'"));
    assert_int_equal(p.n, 0);
    spa_diags_free(&d);
    spa_diags_init(&d);
    spa_xml_options opt = { .skip_non_ascii = true };
    assert_int_equal(spa_profile_parse_xml(&p, text.data, text.len, "cervajs-default.xml", &opt, &d), 0);
    assert_int_equal(d.warnings, 1);
    assert_int_equal(d.errors, 0);
    assert_string_equal(tu_value(&p, "XML_Directory_Service_Name"), "<absent>");
    spa_profile_free(&p);
    spa_diags_free(&d);
    spa_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(corpus_parses),
                                        cmocka_unit_test(non_ascii_corpus_value) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
