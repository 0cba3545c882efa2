/* test_lint.c — spa_lint: unknown names with suggestions, type errors at the
 * value's column, $SA–$SD outside --key, the lock-out checks, JSON output,
 * and that secret values are never echoed. */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/lint.h"

static spa_model *model;

static int setup(void **state)
{
    (void)state;
    model = spa_model_load_builtin("SPA2102", NULL);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    spa_model_free(model);
    return 0;
}

/* Lint text source; returns the error count, diagnostics in d. */
static size_t lint_text(const char *text, spa_diags *d)
{
    spa_profile p;
    spa_profile_init(&p);
    spa_diags_init(d);
    assert_int_equal(spa_profile_parse_text(&p, text, strlen(text), "t.txt", NULL, d), 0);
    spa_lint_opts o = { .text_names = true, .source = text, .source_len = strlen(text),
                        .source_file = "t.txt" };
    size_t n = spa_lint_profile(&p, model, &o, d);
    spa_profile_free(&p);
    return n;
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(spa_edit_distance("kitten", "sitting", 5), 3);
    assert_int_equal(spa_edit_distance("Profile_Rule", "profile_rule", 3), 0);
    assert_int_equal(spa_edit_distance("abc", "abcdefgh", 2), 3); /* capped: cap + 1 */
    assert_int_equal(spa_edit_distance("", "", 0), 0);
}

static void test_suggest(void **state)
{
    (void)state;
    char out[SPA_NAME_MAX];
    assert_int_equal(spa_lint_suggest(model, "Resync_Periodc", false, out, sizeof out), 0);
    assert_string_equal(out, "Resync_Periodic");
    assert_int_equal(spa_lint_suggest(model, "Dial_Plan[1", true, out, sizeof out), 0);
    assert_string_equal(out, "Dial_Plan[1]");
    assert_int_equal(spa_lint_suggest(model, "Completely_Unrelated_Name", false, out, sizeof out), -1);
}

static void test_unknown_and_type(void **state)
{
    (void)state;
    spa_diags d;
    size_t n = lint_text("Resync_Periodc \"3600\" ;\nLine_Enable[1] \"maybe\" ;\n", &d);
    assert_int_equal(n, 2);
    assert_true(tu_diags_contain(&d, "t.txt:1:1: error: unknown parameter 'Resync_Periodc' for "
                                      "SPA2102; did you mean 'Resync_Periodic'?"));
    assert_true(tu_diags_contain(&d, "t.txt:2:17: error: value \"maybe\" of 'Line_Enable[1]'"));
    spa_diags_free(&d);
}

static void test_secret_values_not_echoed(void **state)
{
    (void)state;
    spa_diags d;
    /* GPP_SA is a secret Str: any string is valid, so use a typed secret
     * only if the model has one; at least the $SB check must not echo. */
    lint_text("GPP_A \"x$(SB)y\" ;\nGPP_SA \"TopSecret\" ;\n", &d);
    assert_true(tu_diags_contain(&d, "t.txt:1:9: error: $SB used outside a --key argument in 'GPP_A'"));
    for (size_t i = 0; i < d.n; i++)
        assert_null(strstr(d.v[i].message, "TopSecret"));
    spa_diags_free(&d);
}

static void test_secret_macro_in_rules(void **state)
{
    (void)state;
    spa_diags d;
    assert_int_equal(lint_text("Profile_Rule \"[--key $SA] http://p/spa$MA.cfg\" ;\n", &d), 0);
    spa_diags_free(&d);
    assert_int_equal(lint_text("Profile_Rule \"[--key $(SA)] http://p/a.cfg\" ;\n", &d), 0);
    spa_diags_free(&d);
    lint_text("Profile_Rule \"http://p/$SA.cfg\" ;\n", &d);
    assert_true(tu_diags_contain(&d, "t.txt:1:24: error: $SA used outside a --key argument"));
    spa_diags_free(&d);
    /* $SAX is not $SA; $$SA is an escaped dollar. */
    assert_int_equal(lint_text("GPP_A \"$SAX $$SA\" ;\n", &d), 0);
    spa_diags_free(&d);
}

static void test_rule_errors(void **state)
{
    (void)state;
    spa_diags d;
    size_t n = lint_text("Upgrade_Rule \"[--key abc] http://x/fw.bin\" ;\n", &d);
    assert_true(n >= 1);
    assert_true(tu_diags_contain(&d, "t.txt:1:"));
    spa_diags_free(&d);
}

static void test_lockouts(void **state)
{
    (void)state;
    spa_diags d;
    lint_text("Provision_Enable \"No\" ;\n", &d);
    assert_true(tu_diags_contain(&d, "t.txt:1:1: error: Provision_Enable is disabled"));
    spa_diags_free(&d);
    assert_int_equal(lint_text("Provision_Enable \"Yes\" ;\n", &d), 0);
    spa_diags_free(&d);

    lint_text("Profile_Rule \"# http://192.168.1.200/sample.cfg\" ;\n", &d);
    assert_true(tu_diags_contain(&d, "error: every Profile_Rule is empty or commented out"));
    spa_diags_free(&d);

    /* Emptying Profile_Rule while Profile_Rule_B still works is fine. */
    assert_int_equal(lint_text("Profile_Rule \"\" ;\nProfile_Rule_B \"http://p/b.cfg\" ;\n", &d), 0);
    spa_diags_free(&d);

    lint_text("Profile_Rule \"http://127.0.0.1/a.cfg\" ;\n", &d);
    assert_true(tu_diags_contain(&d, "error: every Profile_Rule points at the unit itself"));
    spa_diags_free(&d);

    assert_int_equal(lint_text("Profile_Rule \"https://only.example.com/a.cfg\" ;\n", &d), 0);
    assert_true(tu_diags_contain(&d, "warning: every Profile_Rule points at https://only.example.com only"));
    spa_diags_free(&d);

    /* A fallback on another scheme removes the warning. */
    lint_text("Profile_Rule \"https://only.example.com/a.cfg\" ;\n"
              "Profile_Rule_D \"http://fallback.example.com/a.cfg\" ;\n", &d);
    assert_int_equal(d.n, 0);
    spa_diags_free(&d);
}

static void test_json(void **state)
{
    (void)state;
    spa_diags d;
    spa_buf j;
    spa_diags_init(&d);
    spa_buf_init(&j);
    spa_diag_add(&d, SPA_DIAG_WARNING, "a\"b.txt", 3, 4, "x", "say \"hi\"\\");
    assert_int_equal(spa_diags_json(&d, &j), 0);
    assert_string_equal(j.data, "[\n {\"file\":\"a\\\"b.txt\",\"line\":3,\"col\":4,"
                                "\"severity\":\"warning\",\"code\":\"x\","
                                "\"message\":\"say \\\"hi\\\"\\\\\"}\n]\n");
    spa_buf_free(&j);
    spa_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_unknown_and_type),
        cmocka_unit_test(test_secret_values_not_echoed),
        cmocka_unit_test(test_secret_macro_in_rules),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_lockouts),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
