/* test_types.c — the guide's data types (§2.14): parsing and printing type
 * names, and table-driven valid/invalid values for every type. */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/model.h"

static void test_parse_format_roundtrip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Str", "Str64", "Str1", "Bool", "Uns8", "Uns16", "Uns32", "Sig8", "Sig16", "Sig32",
        "Float", "Float2", "Float0", "Time", "Time0", "Time2", "PwrLevel", "IP", "Port",
        "UserID", "FQDN", "Phone", "ActCode", "PhTmplt", "RscTmplt", "CadScript",
        "FreqScript", "ToneScript", "DialPlan", "Rule", "Trigger", "Msg", "Schedule", "Version",
        "{Yes|No}", "{a}", "{up and down|up only|down only|disable}",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        spa_type t;
        char out[128];
        if (spa_type_parse(names[i], &t) != 0)
            fail_msg("cannot parse %s", names[i]);
        assert_int_equal(spa_type_format(&t, out, sizeof out), 0);
        assert_string_equal(out, names[i]);
        spa_type_free(&t);
    }
}

static void test_parse_details(void **state)
{
    (void)state;
    spa_type t;
    assert_int_equal(spa_type_parse("Str64", &t), 0);
    assert_int_equal(t.kind, SPA_T_STR);
    assert_int_equal(t.arg, 64);
    assert_int_equal(spa_type_parse("Str", &t), 0);
    assert_int_equal(t.arg, 0);
    assert_int_equal(spa_type_parse("Uns16", &t), 0);
    assert_int_equal(t.kind, SPA_T_UNS);
    assert_int_equal(t.arg, 16);
    assert_int_equal(spa_type_parse("Time", &t), 0);
    assert_int_equal(t.kind, SPA_T_TIME);
    assert_int_equal(t.arg, SPA_TYPE_ARG_NONE);
    assert_int_equal(spa_type_parse("UserID", &t), 0);
    assert_int_equal(t.kind, SPA_T_USERID);
    assert_int_equal(spa_type_parse("{ a | b c |d }", &t), 0);
    assert_int_equal(t.kind, SPA_T_CHOICE);
    assert_string_equal(t.choices, "a|b c|d");
    char out[64];
    assert_int_equal(spa_type_format(&t, out, sizeof out), 0);
    assert_string_equal(out, "{a|b c|d}");
    assert_int_equal(spa_type_format(&t, out, 5), -1);      /* truncated */
    spa_type_free(&t);
    assert_null(t.choices);

    static const char *const bad[] = {
        "", "str", "Str0", "Str-1", "Strx", "Uns", "Uns7", "Uns64", "Sig12", "Float10",
        "Time99", "Bool8", "{}", "{a||b}", "{a|}", "{|a}", "{a", "a}", "{a{b}", "IPv6",
        "AliasMap", "Str123456", "Uns08x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (spa_type_parse(bad[i], &t) != -1)
            fail_msg("parsed bad type '%s'", bad[i]);
        assert_null(t.choices);
    }
    assert_int_equal(spa_type_parse(NULL, &t), -1);
}

struct vcase {
    const char *type;
    const char *value;
    int ok;
};

static const struct vcase cases[] = {
    /* Bool: the guide's spellings, any letter case; empty is not a Bool */
    {"Bool", "Yes", 1}, {"Bool", "yes", 1}, {"Bool", "YES", 1}, {"Bool", "Enable", 1},
    {"Bool", "enable", 1}, {"Bool", "1", 1}, {"Bool", "No", 1}, {"Bool", "no", 1},
    {"Bool", "Disable", 1}, {"Bool", "disable", 1}, {"Bool", "0", 1},
    {"Bool", "", 0}, {"Bool", "true", 0}, {"Bool", "2", 0}, {"Bool", "Y", 0},
    {"Bool", " yes", 0}, {"Bool", "yes ", 0},
    /* Uns */
    {"Uns8", "0", 1}, {"Uns8", "255", 1}, {"Uns8", "256", 0}, {"Uns8", "0xff", 1},
    {"Uns8", "0x100", 0}, {"Uns8", "0X1F", 1}, {"Uns8", "-1", 0}, {"Uns8", "+1", 0},
    {"Uns8", "0x", 0}, {"Uns8", "12a", 0}, {"Uns8", "", 1}, {"Uns8", "1.5", 0},
    {"Uns16", "65535", 1}, {"Uns16", "65536", 0}, {"Uns16", "0x18", 1},
    {"Uns32", "4294967295", 1}, {"Uns32", "4294967296", 0}, {"Uns32", "0xffffffff", 1},
    {"Uns32", "99999999999999999999999999", 0}, {"Uns32", "000012", 1},
    /* Sig */
    {"Sig8", "-128", 1}, {"Sig8", "127", 1}, {"Sig8", "+127", 1}, {"Sig8", "128", 0},
    {"Sig8", "-129", 0}, {"Sig8", "-0x80", 1}, {"Sig8", "0x7f", 1}, {"Sig8", "0x80", 0},
    {"Sig8", "--1", 0}, {"Sig8", "-", 0}, {"Sig16", "-32768", 1}, {"Sig16", "32768", 0},
    {"Sig32", "-2147483648", 1}, {"Sig32", "2147483648", 0},
    /* Float<n> */
    {"Float2", "1.25", 1}, {"Float2", "1.255", 0}, {"Float2", "-3", 1}, {"Float2", ".5", 1},
    {"Float2", "5.", 1}, {"Float2", ".", 0}, {"Float2", "1e3", 0}, {"Float0", "3", 1},
    {"Float0", "3.1", 0}, {"Float", "3.14159", 1},
    /* Time<n>: extra decimals are ignored, so they are accepted */
    {"Time", "3600", 1}, {"Time2", ".5", 1}, {"Time2", "0.030", 1}, {"Time0", "1.5", 1},
    {"Time2", "-1", 0}, {"Time2", "1s", 0}, {"Time2", "", 1},
    /* PwrLevel: dBm, one decimal */
    {"PwrLevel", "-13.5", 1}, {"PwrLevel", "1.5", 1}, {"PwrLevel", "-3", 1},
    {"PwrLevel", "-13.55", 0}, {"PwrLevel", "loud", 0},
    /* IP */
    {"IP", "192.168.1.100", 1}, {"IP", "0.0.0.0", 1}, {"IP", "255.255.255.255", 1},
    {"IP", "256.1.1.1", 0}, {"IP", "1.2.3", 0}, {"IP", "1.2.3.4.5", 0}, {"IP", "1..2.3", 0},
    {"IP", "a.b.c.d", 0}, {"IP", "1.2.3.4 ", 0}, {"IP", "0001.2.3.4", 0}, {"IP", "", 1},
    /* Port */
    {"Port", "5060", 1}, {"Port", "0", 1}, {"Port", "65535", 1}, {"Port", "65536", 0},
    {"Port", "0x13c4", 1}, {"Port", "-1", 0}, {"Port", "", 1},
    /* length-limited strings */
    {"UserID", "alice", 1},
    {"UserID", "123456789012345678901234567890123456789012345678901234567890123", 1},
    {"UserID", "1234567890123456789012345678901234567890123456789012345678901234", 0},
    {"FQDN", "sip.Linksys.com:5060", 1}, {"FQDN", "109.12.14.12:12345", 1},
    {"FQDN", "sip.example.com", 1}, {"FQDN", "host:70000", 0}, {"FQDN", ":5060", 0},
    {"FQDN", "host:", 0}, {"FQDN", "bad host", 0}, {"FQDN", "a@b", 0},
    {"FQDN", "a1234567890123456789012345678901234567890123456789012345678901.com", 0},
    {"Phone", "14081234567", 1}, {"Phone", "*69", 1}, {"Phone", "1234@10.10.10.100:5068", 1},
    {"Phone", "jsmith@Linksys.com", 1},
    {"Phone", "1234567890123456789012345678901234567890", 0},
    {"ActCode", "*69", 1}, {"ActCode", "*017110", 1}, {"ActCode", "*0172616", 0},
    {"PhTmplt", "1408*, 1510*", 1}, {"PhTmplt", "1408123????, 555?1.", 1},
    {"RscTmplt", "404, 5*", 1}, {"RscTmplt", "407, 408, 487, 481", 1},
    {"CadScript", "60(2/4)", 1}, {"FreqScript", "350@-19,440@-19", 1},
    {"ToneScript", "985@-16,1428@-16,1777@-16;20(.380/0/1,.380/0/2,.380/0/3,0/4/0)", 1},
    {"Str3", "abc", 1}, {"Str3", "abcd", 0}, {"Str", "any length at all is fine here", 1},
    {"Str", "tab\tok", 1}, {"Str", "bell\a", 0}, {"Str", "caf\xc3\xa9", 0},
    /* scripts: ASCII and length only */
    {"DialPlan", "(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)", 1},
    {"Rule", "[--key $SA] http://ps.callme.com/profiles/abcdefg.cfg", 1},
    {"Rule", "( $SWVER ne 2.0.6 )? http://ps.tell.com/sw/spa021024.bin", 1},
    {"Trigger", "$REGTMR1 gt 300 and $PRVTMR ge 600", 1},
    {"Msg", "$PN $MAC -- Resync failed: $ERR", 1}, {"Msg", "line\nbreak", 0},
    /* Schedule */
    {"Schedule", "3600", 1}, {"Schedule", "1800,3600,7200,14400", 1},
    {"Schedule", "3600+600", 1}, {"Schedule", "1800+300,3600+600,7200+900", 1},
    {"Schedule", "1800,3600,7200,14400+3600", 1}, {"Schedule", "0", 1}, {"Schedule", "", 1},
    {"Schedule", "1800,", 0}, {"Schedule", ",1800", 0}, {"Schedule", "1800+", 0},
    {"Schedule", "1+2+3", 0}, {"Schedule", "1800, 3600", 1}, {"Schedule", "-5", 0},
    {"Schedule", "2147483648", 0}, {"Schedule", "2147483647", 1}, {"Schedule", "abc", 0},
    /* Version */
    {"Version", "2.0.6", 1}, {"Version", "1.0.31(b)", 1}, {"Version", "2.0.3(0412s)", 1},
    {"Version", "5.1.6(LS)", 1}, {"Version", "", 1}, {"Version", "2.0", 1},
    {"Version", "2.0.6.1", 0}, {"Version", "2.0.6()", 0}, {"Version", "2.0.6(b", 0},
    {"Version", "2.0.6(b)x", 0}, {"Version", "v2.0.6", 0}, {"Version", "2.0.6(a-b)", 0},
    /* choices: exact, case-sensitive; empty is not a choice */
    {"{Yes|No}", "Yes", 1}, {"{Yes|No}", "No", 1}, {"{Yes|No}", "yes", 0},
    {"{Yes|No}", "", 0}, {"{Yes|No}", "Ye", 0}, {"{Yes|No}", "Yes|No", 0},
    {"{up and down|up only}", "up only", 1},
};

static void test_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spa_type t;
        if (spa_type_parse(cases[i].type, &t) != 0)
            fail_msg("case %zu: bad type %s", i, cases[i].type);
        char why[256] = "unset";
        int r = spa_type_check(&t, cases[i].value, why, sizeof why);
        if (cases[i].ok && r != 0)
            fail_msg("%s rejected '%s': %s", cases[i].type, cases[i].value, why);
        if (!cases[i].ok && r != -1)
            fail_msg("%s accepted '%s'", cases[i].type, cases[i].value);
        if (r == 0)
            assert_string_equal(why, "");
        else
            assert_true(why[0] != '\0');
        spa_type_free(&t);
    }
}

static void expect_why(const char *type, const char *value, const char *want)
{
    spa_type t;
    assert_int_equal(spa_type_parse(type, &t), 0);
    char why[256];
    assert_int_equal(spa_type_check(&t, value, why, sizeof why), -1);
    assert_string_equal(why, want);
    spa_type_free(&t);
}

static void test_reasons(void **state)
{
    (void)state;
    expect_why("Uns16", "70000", "value 70000 out of range for Uns16 (0..65535)");
    expect_why("Sig8", "-200", "value -200 out of range for Sig8 (-128..127)");
    expect_why("Port", "65536", "value 65536 out of range for Port (0..65535)");
    expect_why("Bool", "maybe", "'maybe' is not a Bool (Yes/No)");
    expect_why("UserID", "1234567890123456789012345678901234567890123456789012345678901234",
               "length 64 exceeds 63 for UserID");
    expect_why("{Yes|No}", "Perhaps", "'Perhaps' is not one of {Yes|No}");
    expect_why("Schedule", "1800,x", "schedule: expected a delay in seconds");
    expect_why("Str4", "secret-value", "length 12 exceeds 4 for Str4");  /* value not echoed */
    /* a NULL or short why buffer is fine */
    spa_type t;
    assert_int_equal(spa_type_parse("Uns8", &t), 0);
    assert_int_equal(spa_type_check(&t, "300", NULL, 0), -1);
    char tiny[4];
    assert_int_equal(spa_type_check(&t, "300", tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "val");
    assert_int_equal(spa_type_check(&t, NULL, tiny, sizeof tiny), -1);
}

static void test_bool_value(void **state)
{
    (void)state;
    assert_int_equal(spa_bool_value("Yes"), 1);
    assert_int_equal(spa_bool_value("enable"), 1);
    assert_int_equal(spa_bool_value("ENABLE"), 1);
    assert_int_equal(spa_bool_value("1"), 1);
    assert_int_equal(spa_bool_value("No"), 0);
    assert_int_equal(spa_bool_value("Disable"), 0);
    assert_int_equal(spa_bool_value("0"), 0);
    assert_int_equal(spa_bool_value(""), -1);
    assert_int_equal(spa_bool_value("on"), -1);
    assert_int_equal(spa_bool_value("01"), -1);
    assert_int_equal(spa_bool_value(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format_roundtrip),
        cmocka_unit_test(test_parse_details),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_bool_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
