/* test_profile_txt.c — the plain-text SPC source format, guide §2.6: the
 * notes' examples, imports, errors, the writer and the round trips with XML. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

static void guide_example_marks(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_text(&p, "# These parameter names are for illustration only\n"
                      "Feature_Enable ! \"Enable\" ;   # user read-write, but force the value to Enable\n"
                      "Another_Parameter ? \"3600\" ;  # user read-only\n"
                      "Hidden_Parameter \"abc123\" ;   # user not-accessible\n"
                      "Some_Entry ! ;                # user read-write, leaves value unchanged\n");
    assert_int_equal(p.n, 4);
    assert_string_equal(tu_value(&p, "Feature_Enable"), "Enable");
    assert_int_equal(spa_profile_get(&p, "Feature_Enable")->access, SPA_ACCESS_RW);
    assert_string_equal(tu_value(&p, "Another_Parameter"), "3600");
    assert_int_equal(spa_profile_get(&p, "Another_Parameter")->access, SPA_ACCESS_RO);
    assert_string_equal(tu_value(&p, "Hidden_Parameter"), "abc123");
    assert_int_equal(spa_profile_get(&p, "Hidden_Parameter")->access, SPA_ACCESS_NA);
    assert_string_equal(tu_value(&p, "Some_Entry"), "<unchanged>");
    assert_int_equal(spa_profile_get(&p, "Some_Entry")->access, SPA_ACCESS_RW);
    assert_int_equal(spa_profile_get(&p, "Another_Parameter")->line, 3);
    assert_int_equal(spa_profile_get(&p, "Another_Parameter")->col, 1);
    spa_profile_free(&p);
}

static void names_values_and_last_wins(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_text(&p, "Dial_Plan[1] \"(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0)\";\n"
                      "Speed_Dial_2[2]!\"5551212\";GPP_A\"\";GPP_B \"a # not a comment\" ;\n"
                      "Resync_Trigger_1 \"\\\"$CCERT\\\" eq \\\"Installed\\\"\" ;\n"
                      "GPP_C \"back\\\\slash \\n kept\" ;\n"
                      "GPP_D \"multi\nline\" ;\n"
                      "Dial_Plan_1_ \"x\" ;\n");
    assert_string_equal(tu_value(&p, "Dial_Plan_1_"), "x");
    assert_int_equal(p.duplicates, 1);
    assert_string_equal(tu_value(&p, "Speed_Dial_2_2_"), "5551212");
    assert_string_equal(tu_value(&p, "GPP_A"), "");
    assert_string_equal(tu_value(&p, "GPP_B"), "a # not a comment");
    assert_string_equal(tu_value(&p, "Resync_Trigger_1"), "\"$CCERT\" eq \"Installed\"");
    assert_string_equal(tu_value(&p, "GPP_C"), "back\\slash \\n kept");
    assert_string_equal(tu_value(&p, "GPP_D"), "multi line");
    spa_profile_free(&p);
}

static void import_splices(void **state)
{
    (void)state;
    char dir[256], path[512], sub[300];
    tu_tmpdir(dir, sizeof dir);
    tu_write(dir, "base.txt", "# base.txt\nParam1 \"base value 1\" ;\nParam2 \"base value 2\" ;\n",
             path, sizeof path);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    tu_write(sub, "deep.txt", "import ../base.txt\nParam3 \"deep\" ;\n", path, sizeof path);
    tu_write(dir, "spa1234.txt", "# spa1234.txt\nimport base.txt\n"
                                 "Param1 \"new value overrides base\" ;\n"
                                 "Param7 \"particular value 7\" ;\n  import   sub/deep.txt  # nested\n",
             path, sizeof path);
    spa_profile got, want;
    spa_profile_init(&got);
    spa_profile_init(&want);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_profile_load_text_file(&got, path, &d), 0);
    tu_parse_text(&want, "Param1 \"base value 1\" ;\nParam2 \"base value 2\" ;\n"
                         "Param1 \"new value overrides base\" ;\nParam7 \"particular value 7\" ;\n"
                         "Param1 \"base value 1\" ;\nParam2 \"base value 2\" ;\nParam3 \"deep\" ;\n");
    assert_true(spa_profile_equal(&got, &want));
    /* positions point into the file that set the value */
    const spa_profile_entry *e = spa_profile_get(&got, "Param3");
    assert_non_null(strstr(e->file, "sub/deep.txt"));
    assert_int_equal(e->line, 2);
    spa_profile_free(&got);
    spa_profile_free(&want);
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void import_errors(void **state)
{
    (void)state;
    char dir[256], path[512], a[512];
    tu_tmpdir(dir, sizeof dir);
    tu_write(dir, "a.txt", "GPP_A \"a\" ;\nimport b.txt\n", a, sizeof a);
    tu_write(dir, "b.txt", "import a.txt\n", path, sizeof path);
    spa_profile p;
    spa_profile_init(&p);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_profile_load_text_file(&p, a, &d), -1);
    assert_true(tu_diags_contain(&d, "b.txt:1:1: error: import cycle"));
    assert_int_equal(p.n, 0);
    spa_diags_free(&d);

    tu_write(dir, "c.txt", "GPP_A \"a\" ;\n   import missing.txt\n", path, sizeof path);
    spa_diags_init(&d);
    assert_int_equal(spa_profile_load_text_file(&p, path, &d), -1);
    assert_true(tu_diags_contain(&d, "c.txt:2:4: error: cannot import"));
    assert_int_equal(p.n, 0);
    spa_diags_free(&d);

    /* imports need permission (e.g. profiles fetched by a device) */
    spa_diags_init(&d);
    const char *t = "import x.txt\n";
    assert_int_equal(spa_profile_parse_text(&p, t, strlen(t), "f.txt", NULL, &d), -1);
    assert_true(tu_diags_contain(&d, "f.txt:1:1: error: import is not allowed here"));
    spa_diags_free(&d);
    spa_profile_free(&p);
    tu_rmtree(dir);
}

static void expect_text_error(const char *text, const char *needle)
{
    spa_profile p;
    spa_profile_init(&p);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_profile_parse_text(&p, text, strlen(text), "bad.txt", NULL, &d), -1);
    if (!tu_diags_contain(&d, needle)) {
        spa_diags_print(&d, stderr);
        fail_msg("expected diagnostic containing '%s'", needle);
    }
    assert_int_equal(p.n, 0);
    spa_diags_free(&d);
    spa_profile_free(&p);
}

static void syntax_errors(void **state)
{
    (void)state;
    expect_text_error("GPP_A \"x\"\nGPP_B \"y\" ;\n", "bad.txt:2:1: error: expected ';' after the value of 'GPP_A'");
    expect_text_error("GPP_A ;\nGPP_B \"unterminated ;\n", "bad.txt:2:7: error: unterminated quoted value");
    expect_text_error("GPP_A \"caf\xc3\xa9\" ;", "bad.txt:1:11: error: value is not printable ASCII");
    expect_text_error("GPP_A ! ! ;", "bad.txt:1:9: error: expected ';' after parameter 'GPP_A'");
    expect_text_error("\"value\" ;", "bad.txt:1:1: error: expected a parameter name");
    expect_text_error("GPP_A \"1\" ;\n\xff\n", "bad.txt:2:1: error: unexpected non-ASCII byte");
    /* several errors are all reported */
    spa_diags d;
    spa_diags_init(&d);
    spa_profile p;
    spa_profile_init(&p);
    const char *t = "A \"1\"\nB \"2\" ;\nC ? ? ;\n";
    assert_int_equal(spa_profile_parse_text(&p, t, strlen(t), "m.txt", NULL, &d), -1);
    assert_int_equal(d.errors, 2);
    spa_diags_free(&d);
    spa_profile_free(&p);
}

static void writer_and_round_trips(void **state)
{
    (void)state;
    const char *text = "Dial_Plan[1] ? \"( S0 <:18005551212> )\" ;\n"
                       "Speed_Dial_2[2] ! ;\n"
                       "GPP_A \"say \\\"hi\\\" \\\\ & <x>\" ;\n"
                       "GPP_B \"\" ;\n";
    spa_profile t1, x, t2;
    spa_profile_init(&t1);
    spa_profile_init(&x);
    spa_profile_init(&t2);
    tu_parse_text(&t1, text);
    spa_buf out;
    spa_buf_init(&out);
    assert_int_equal(spa_profile_write_text(&t1, NULL, &out), 0);
    assert_string_equal(out.data, text);
    /* text → XML → text */
    spa_buf_reset(&out);
    assert_int_equal(spa_profile_write_xml(&t1, &out), 0);
    tu_parse_xml(&x, out.data);
    assert_true(spa_profile_equal(&t1, &x));
    spa_buf_reset(&out);
    assert_int_equal(spa_profile_write_text(&x, NULL, &out), 0);
    tu_parse_text(&t2, out.data);
    assert_true(spa_profile_equal(&t1, &t2));
    spa_buf_free(&out);
    spa_profile_free(&t1);
    spa_profile_free(&x);
    spa_profile_free(&t2);
}

static void xml_text_xml_round_trip(void **state)
{
    (void)state;
    const char *xml = "<flat-profile><Profile_Rule ua=\"ro\">[--key \"my secret\"] "
                      "http://p.tel.com/$MA.cfg</Profile_Rule><GPP_F>Product = \"$PN\"; "
                      "MAC_Addr = \"$MA\";</GPP_F><Speed_Dial_9_2_ ua=\"rw\"/>"
                      "<GPP_C ua=\"na\"></GPP_C></flat-profile>";
    spa_profile x1, t, x2;
    spa_profile_init(&x1);
    spa_profile_init(&t);
    spa_profile_init(&x2);
    tu_parse_xml(&x1, xml);
    spa_profile_resolve_access(&x1, NULL);   /* text has no "factory default" mark */
    spa_buf out;
    spa_buf_init(&out);
    assert_int_equal(spa_profile_write_text(&x1, NULL, &out), 0);
    assert_non_null(strstr(out.data, "Speed_Dial_9[2] ! ;\n"));
    tu_parse_text(&t, out.data);
    assert_true(spa_profile_equal(&x1, &t));
    spa_buf_reset(&out);
    assert_int_equal(spa_profile_write_xml(&t, &out), 0);
    tu_parse_xml(&x2, out.data);
    assert_true(spa_profile_equal(&x1, &x2));
    spa_buf_free(&out);
    spa_profile_free(&x1);
    spa_profile_free(&t);
    spa_profile_free(&x2);
}

static void sniffing(void **state)
{
    (void)state;
    assert_true(spa_profile_looks_xml("\xef\xbb\xbf \r\n<flat-profile/>", 18));
    assert_false(spa_profile_looks_xml("GPP_A \"<x>\" ;", 13));
    spa_profile p;
    spa_profile_init(&p);
    spa_diags d;
    spa_diags_init(&d);
    const char *t = "GPP_A \"t\" ;";
    assert_int_equal(spa_profile_parse_any(&p, t, strlen(t), "x", &d), 0);
    const char *x = "  <flat-profile><GPP_B>x</GPP_B></flat-profile>";
    assert_int_equal(spa_profile_parse_any(&p, x, strlen(x), "x", &d), 0);
    assert_int_equal(p.n, 2);
    spa_diags_free(&d);
    spa_profile_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guide_example_marks),
        cmocka_unit_test(names_values_and_last_wins),
        cmocka_unit_test(import_splices),
        cmocka_unit_test(import_errors),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(writer_and_round_trips),
        cmocka_unit_test(xml_text_xml_round_trip),
        cmocka_unit_test(sniffing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
