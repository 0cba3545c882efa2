/* test_profile_xml.c — the open format, guide §2.2: every example of the
 * notes with its expected result, plus the parser's edge cases and errors. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void example_2_1_basic(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile>\n  <Resync_On_Reset> Yes\n  </Resync_On_Reset>\n"
                     "  <Resync_Periodic> 7200\n  </Resync_Periodic>\n  <Profile_Rule>\n"
                     "    tftp://prov.telco.com:6900/Linksys/config/spa2102.cfg\n"
                     "  </Profile_Rule>\n</flat-profile>\n");
    assert_int_equal(p.n, 3);
    assert_string_equal(tu_value(&p, "Resync_On_Reset"), "Yes");
    assert_string_equal(tu_value(&p, "Resync_Periodic"), "7200");
    assert_string_equal(tu_value(&p, "Profile_Rule"),
                        "tftp://prov.telco.com:6900/Linksys/config/spa2102.cfg");
    assert_int_equal(p.v[0].access, SPA_ACCESS_UNSET);
    assert_int_equal(p.v[0].line, 2);
    assert_int_equal(p.v[0].col, 3);
    spa_profile_free(&p);
}

static void example_2_2_encapsulated(void **state)
{
    (void)state;
    const char *xml =
        "<?xml version='1.0'?>\n<top-level>\n"
        "<!-- Unrecognized element 'generator' is ignored by SPA -->\n"
        "<generator> Telco Profile Compiler v.1.2\n</generator>\n"
        "<!-- Unrecognized flat-profile attribute 'device' is ignored by SPA -->\n"
        "<flat-profile device=\"Linksys\">\n<!-- three parameters -->\n"
        "<Resync_On_Reset> Yes\n</Resync_On_Reset>\n<Resync_Periodic> 7200\n</Resync_Periodic>\n"
        "<Profile_Rule>\ntftp://prov.telco.com:6900/Linksys/config/spa2102.cfg\n</Profile_Rule>\n"
        "</flat-profile>\n</top-level>\n";
    spa_profile a, b;
    spa_profile_init(&a);
    spa_profile_init(&b);
    tu_parse_xml(&a, xml);
    tu_parse_xml(&b, "<flat-profile><Resync_On_Reset>Yes</Resync_On_Reset>"
                     "<Resync_Periodic>7200</Resync_Periodic><Profile_Rule>"
                     "tftp://prov.telco.com:6900/Linksys/config/spa2102.cfg</Profile_Rule>"
                     "</flat-profile>");
    assert_true(spa_profile_equal(&a, &b));
    assert_int_equal(a.ignored_elements, 1);   /* <generator> */
    spa_profile_free(&a);
    spa_profile_free(&b);
}

static void example_2_3_escapes(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile>\n<Dial_Plan_1_>\n( S0 &lt;:18005551212&gt; )\n"
                     "</Dial_Plan_1_>\n<GPP_A>&amp;&apos;&quot;&#40;&#x2e;&#65;</GPP_A>\n"
                     "</flat-profile>");
    assert_string_equal(tu_value(&p, "Dial_Plan[1]"), "( S0 <:18005551212> )");
    assert_string_equal(tu_value(&p, "GPP_A"), "&'\"(.A");
    spa_profile_free(&p);
}

static void example_2_4_user_access(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile>\n"
                     "<SIP_TOS_DiffServ_Value_1_ ua=\"na\"/>\n<Dial_Plan_1_ ua=\"ro\"/>\n"
                     "<Dial_Plan_2_ ua=\"rw\"/>\n</flat-profile>");
    assert_int_equal(p.n, 3);
    assert_int_equal(spa_profile_get(&p, "SIP TOS/DiffServ Value[1]")->access, SPA_ACCESS_NA);
    assert_int_equal(spa_profile_get(&p, "Dial_Plan_1_")->access, SPA_ACCESS_RO);
    assert_int_equal(spa_profile_get(&p, "Dial_Plan[2]")->access, SPA_ACCESS_RW);
    assert_null(spa_profile_get(&p, "Dial_Plan_2_")->value);
    spa_profile_free(&p);
}

static void example_2_5_empty_vs_unchanged(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile>\n<!-- GPP_A will be set to an empty string -->\n"
                     "<GPP_A>\n</GPP_A>\n<!-- GPP_B will remain unchanged -->\n<GPP_B/>\n"
                     "<GPP_C></GPP_C><GPP_D />\n</flat-profile>");
    assert_string_equal(tu_value(&p, "GPP_A"), "");
    assert_string_equal(tu_value(&p, "GPP_B"), "<unchanged>");
    assert_string_equal(tu_value(&p, "GPP_C"), "");
    assert_string_equal(tu_value(&p, "GPP_D"), "<unchanged>");
    spa_profile_free(&p);
}

static void last_occurrence_wins(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile><GPP_A ua=\"rw\">one</GPP_A><GPP_B>b</GPP_B>"
                     "<GPP_A>two</GPP_A></flat-profile>");
    assert_int_equal(p.n, 2);
    assert_string_equal(tu_value(&p, "GPP_A"), "two");
    assert_int_equal(spa_profile_get(&p, "GPP_A")->access, SPA_ACCESS_UNSET);
    assert_int_equal(p.duplicates, 1);
    assert_string_equal(p.v[0].name, "GPP_A");   /* keeps its first position */
    spa_profile_free(&p);
}

static void namespaces_and_nesting(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<x:root xmlns:x=\"urn:a\"><x:flat-profile xmlns=\"urn:b\">"
                     "<GPP_A>ns</GPP_A><Outer><GPP_B>deep</GPP_B></Outer></x:flat-profile>"
                     "<other><flat-profile><GPP_C>second</GPP_C></flat-profile></other>"
                     "<GPP_D>outside</GPP_D></x:root>");
    assert_string_equal(tu_value(&p, "GPP_A"), "ns");
    assert_string_equal(tu_value(&p, "GPP_C"), "second");
    assert_string_equal(tu_value(&p, "GPP_B"), "<absent>");
    assert_string_equal(tu_value(&p, "GPP_D"), "<absent>");
    /* <Outer> is a parameter (unknown to any model) whose value is empty text;
     * <GPP_B> nested in it and <GPP_D> outside are ignored */
    assert_string_equal(tu_value(&p, "Outer"), "");
    assert_int_equal(p.ignored_elements, 2);
    spa_profile_free(&p);
}

static void whitespace_and_newlines(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<flat-profile><GPP_A>\r\n\t  a\r\nb\nc  \t\n</GPP_A>"
                     "<GPP_B>x&#10;y</GPP_B><GPP_C><![CDATA[ <raw> ]]></GPP_C></flat-profile>");
    assert_string_equal(tu_value(&p, "GPP_A"), "a b c");
    assert_string_equal(tu_value(&p, "GPP_B"), "x y");
    assert_string_equal(tu_value(&p, "GPP_C"), "<raw>");
    spa_profile_free(&p);
}

static void expect_error(const char *xml, const char *needle)
{
    spa_profile p;
    spa_profile_init(&p);
    spa_profile_set(&p, "GPP_P", "kept", SPA_ACCESS_UNSET, NULL, 0, 0);
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_profile_parse_xml(&p, xml, strlen(xml), "bad.xml", NULL, &d), -1);
    if (!tu_diags_contain(&d, needle)) {
        spa_diags_print(&d, stderr);
        fail_msg("expected diagnostic containing '%s'", needle);
    }
    /* nothing half-applied */
    assert_int_equal(p.n, 1);
    assert_string_equal(tu_value(&p, "GPP_P"), "kept");
    spa_diags_free(&d);
    spa_profile_free(&p);
}

static void errors_are_precise(void **state)
{
    (void)state;
    expect_error("<flat-profile>\n<GPP_A>x</GPP_B>\n</flat-profile>",
                 "bad.xml:2:11: error: mismatched tag");
    expect_error("<flat-profile>\n<GPP_A>caf\xc3\xa9</GPP_A></flat-profile>",
                 "bad.xml:2:1: error: value is not printable ASCII in 'GPP_A'");
    expect_error("<flat-profile><GPP_A>&#233;</GPP_A></flat-profile>", "not printable ASCII");
    expect_error("<flat-profile>\n  <GPP_A ua=\"xx\">1</GPP_A></flat-profile>",
                 "bad.xml:2:3: error: ua must be na, ro or rw, not 'xx'");
    expect_error("<flat-profile><GPP_A>1</GPP_A>", "bad.xml:1:31: error: no element found");
    expect_error("", "no element found");
    expect_error("<flat-profile><GPP_A>&bogus;</GPP_A></flat-profile>", "undefined entity");
    expect_error("<flat-profile><GPP_A>\xff</GPP_A></flat-profile>", "invalid token");
}

static void canonical_writer(void **state)
{
    (void)state;
    spa_profile p;
    spa_profile_init(&p);
    tu_parse_xml(&p, "<r><flat-profile><Dial_Plan_1_ ua='ro'>( S0 &lt;:1&gt; ) &amp; x"
                     "</Dial_Plan_1_><GPP_B ua=\"rw\"/><GPP_A>\n</GPP_A></flat-profile></r>");
    spa_buf out;
    spa_buf_init(&out);
    assert_int_equal(spa_profile_write_xml(&p, &out), 0);
    assert_string_equal(out.data, "<flat-profile>\n"
                                  "  <Dial_Plan_1_ ua=\"ro\">( S0 &lt;:1&gt; ) &amp; x</Dial_Plan_1_>\n"
                                  "  <GPP_B ua=\"rw\"/>\n"
                                  "  <GPP_A></GPP_A>\n"
                                  "</flat-profile>\n");
    spa_profile q;
    spa_profile_init(&q);
    tu_parse_xml(&q, out.data);
    assert_true(spa_profile_equal(&p, &q));
    spa_buf_free(&out);
    spa_profile_free(&p);
    spa_profile_free(&q);
}

static void alias_map_applies(void **state)
{
    (void)state;
    spa_alias_map m;
    spa_diags d;
    spa_diags_init(&d);
    /* §3.13: a document without <flat-profile> */
    assert_int_equal(spa_alias_map_parse(&m, "/customer-account/SIP-number = /flat-profile/User_ID_1_ ;"
                                             "/customer-account/SIP-password = /flat-profile/Password_1_ ;",
                                         "GPP_A", &d), 0);
    const char *xml = "<customer-account>\n  <SIP-number> 17775551234</SIP-number>\n"
                      "  <SIP-password> 512835907884</SIP-password>\n</customer-account>\n";
    spa_xml_options opt = { .aliases = &m };
    spa_profile p;
    spa_profile_init(&p);
    assert_int_equal(spa_profile_parse_xml(&p, xml, strlen(xml), "customer.xml", &opt, &d), 0);
    assert_int_equal(p.n, 2);
    assert_string_equal(tu_value(&p, "User_ID_1_"), "17775551234");
    assert_string_equal(tu_value(&p, "Password_1_"), "512835907884");
    spa_profile_free(&p);
    spa_alias_map_free(&m);

    /* §2.12: suffix matching, shorter map, nested deeper */
    assert_int_equal(spa_alias_map_parse(&m, "/SIP-Credentials/name = /flat-profile/Display_Name_1_ ;"
                                             "/SIP-Credentials/number = /flat-profile/User_ID_1_ ;"
                                             "/auth-secret = /flat-profile/Password_1_ ;",
                                         "GPP_M", &d), 0);
    xml = "<CPE><SIP-Credentials><name>J. Smith</name><number>14085551234</number>\n"
          "<auth-secret>732091751563sfd</auth-secret></SIP-Credentials>"
          "<Other-name>x</Other-name></CPE>";
    spa_profile_init(&p);
    assert_int_equal(spa_profile_parse_xml(&p, xml, strlen(xml), "c.xml", &opt, &d), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(tu_value(&p, "Display_Name_1_"), "J. Smith");
    assert_string_equal(tu_value(&p, "User_ID_1_"), "14085551234");
    assert_string_equal(tu_value(&p, "Password_1_"), "732091751563sfd");
    spa_profile_free(&p);
    spa_alias_map_free(&m);
    spa_diags_free(&d);
}

static void alias_map_errors(void **state)
{
    (void)state;
    spa_alias_map m;
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_alias_map_parse(&m, "/a/b = /flat-profile/GPP_A", "GPP_A", &d), -1);
    assert_true(tu_diags_contain(&d, "GPP_A:1:27: error: expected ';' after alias entry"));
    assert_int_equal(spa_alias_map_parse(&m, "/a = /other/GPP_A ;", "GPP_A", &d), -1);
    assert_true(tu_diags_contain(&d, "GPP_A:1:6: error: alias target must be"));
    assert_int_equal(spa_alias_map_parse(&m, "a = /flat-profile/GPP_A ;", "GPP_A", &d), -1);
    spa_buf many;
    spa_buf_init(&many);
    for (int i = 0; i < 31; i++)
        spa_buf_printf(&many, "/e%d = /flat-profile/GPP_A ;", i);
    assert_int_equal(spa_alias_map_parse(&m, many.data, "GPP_A", &d), -1);
    assert_true(tu_diags_contain(&d, "more than 30 alias entries"));
    assert_int_equal(m.n, 0);
    spa_buf_free(&many);
    spa_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_2_1_basic),
        cmocka_unit_test(example_2_2_encapsulated),
        cmocka_unit_test(example_2_3_escapes),
        cmocka_unit_test(example_2_4_user_access),
        cmocka_unit_test(example_2_5_empty_vs_unchanged),
        cmocka_unit_test(last_occurrence_wins),
        cmocka_unit_test(namespaces_and_nesting),
        cmocka_unit_test(whitespace_and_newlines),
        cmocka_unit_test(errors_are_precise),
        cmocka_unit_test(canonical_writer),
        cmocka_unit_test(alias_map_applies),
        cmocka_unit_test(alias_map_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
