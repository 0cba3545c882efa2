/* test_params.c — the device parameter store: defaults, copy-on-write,
 * user access, dirty tracking, write-only License_Keys and atomic apply. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static spa_model *model;

static int setup(void **state)
{
    (void)state;
    spa_diags d;
    spa_diags_init(&d);
    model = spa_model_load_builtin("SPA2102", &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    spa_model_free(model);
    return 0;
}

static void defaults_and_spellings(void **state)
{
    (void)state;
    spa_params *p = spa_params_new(model);
    assert_string_equal(spa_params_get(p, "Provision_Enable"), "Yes");
    assert_string_equal(spa_params_get(p, "Profile_Rule"), "/spa$PSN.cfg");
    assert_string_equal(spa_params_get(p, "Resync Periodic"), "3600");
    assert_string_equal(spa_params_get(p, "GPP_A"), "");
    assert_non_null(spa_params_get(p, "Dial Plan[1]"));
    assert_string_equal(spa_params_get(p, "Dial_Plan[2]"), spa_params_get(p, "Dial_Plan_2_"));
    assert_null(spa_params_get(p, "Dial_Plan_3_"));
    assert_null(spa_params_get(p, "No_Such_Param"));
    assert_int_equal(spa_params_override_count(p), 0);
    assert_false(spa_params_dirty(p));
    spa_params_free(p);
}

static void set_is_copy_on_write(void **state)
{
    (void)state;
    spa_params *a = spa_params_new(model);
    spa_params *b = spa_params_new(model);
    assert_int_equal(spa_params_set(a, "GPP_A", "only-a", SPA_ACCESS_RW), 0);
    assert_string_equal(spa_params_get(a, "GPP_A"), "only-a");
    assert_string_equal(spa_params_get(b, "GPP_A"), "");
    assert_int_equal(spa_params_access(a, "GPP_A"), SPA_ACCESS_RW);
    assert_int_equal(spa_params_override_count(a), 1);
    assert_true(spa_params_dirty(a));
    /* setting back to the default value keeps only the access override */
    spa_params_clear_dirty(a);
    assert_int_equal(spa_params_set(a, "GPP_A", "", SPA_ACCESS_UNSET), 0);
    assert_true(spa_params_dirty(a));
    assert_int_equal(spa_params_override_count(a), 1);
    spa_params_clear_dirty(a);
    /* a no-op set is not a change */
    assert_int_equal(spa_params_set(a, "GPP_A", "", SPA_ACCESS_RW), 0);
    assert_false(spa_params_dirty(a));
    assert_int_equal(spa_params_set(a, "Nope", "x", SPA_ACCESS_UNSET), -1);
    assert_int_equal(spa_params_set(a, "GPP_B", "caf\xc3\xa9", SPA_ACCESS_UNSET), -1);
    spa_params *c = spa_params_clone(a);
    assert_int_equal(spa_params_access(c, "GPP_A"), SPA_ACCESS_RW);
    spa_params_reset(a);
    assert_int_equal(spa_params_override_count(a), 0);
    assert_int_equal(spa_params_access(c, "GPP_A"), SPA_ACCESS_RW);
    spa_params_free(a);
    spa_params_free(b);
    spa_params_free(c);
}

static void license_keys_write_only(void **state)
{
    (void)state;
    spa_params *p = spa_params_new(model);
    assert_int_equal(spa_params_set(p, "License_Keys", "KEY-1234", SPA_ACCESS_UNSET), 0);
    assert_string_equal(spa_params_get(p, "License_Keys"), "");
    assert_string_equal(spa_params_get(p, "License Keys"), "");
    spa_profile dump;
    spa_profile_init(&dump);
    assert_int_equal(spa_params_to_profile(p, false, &dump), 0);
    assert_string_equal(tu_value(&dump, "License_Keys"), "");
    spa_profile_free(&dump);
    spa_params_free(p);
}

static void apply_profile(void **state)
{
    (void)state;
    spa_params *p = spa_params_new(model);
    spa_profile prof;
    spa_profile_init(&prof);
    tu_parse_xml(&prof, "<flat-profile><GPP_A>12345678</GPP_A><GPP_B ua=\"rw\"/>"
                        "<Dial_Plan_1_ ua=\"ro\">(xx.)</Dial_Plan_1_><Unknown_Thing>1</Unknown_Thing>"
                        "<Resync_Periodic>3600</Resync_Periodic></flat-profile>");
    spa_apply_result r;
    assert_int_equal(spa_params_apply(p, &prof, 0, &r), 0);
    assert_int_equal(r.values_changed, 2);      /* GPP_A, Dial_Plan_1_ */
    assert_int_equal(r.unknown, 1);
    assert_string_equal(spa_params_get(p, "GPP_A"), "12345678");
    assert_string_equal(spa_params_get(p, "Dial_Plan_1_"), "(xx.)");
    assert_int_equal(spa_params_access(p, "Dial_Plan_1_"), SPA_ACCESS_RO);
    assert_int_equal(spa_params_access(p, "GPP_B"), SPA_ACCESS_RW);
    assert_true(spa_params_dirty_at(p, (size_t)spa_model_find(model, "GPP_A")));
    assert_false(spa_params_dirty_at(p, (size_t)spa_model_find(model, "GPP_C")));
    spa_profile_free(&prof);

    /* applying the same again changes nothing; XML without ua restores the
     * factory access (DESIGN decision 3) */
    spa_params_clear_dirty(p);
    spa_profile_init(&prof);
    tu_parse_xml(&prof, "<flat-profile><GPP_A>12345678</GPP_A><GPP_B/></flat-profile>");
    assert_int_equal(spa_params_apply(p, &prof, 0, &r), 0);
    assert_int_equal(r.values_changed, 0);
    assert_int_equal(r.access_changed, 1);
    assert_int_equal(spa_params_access(p, "GPP_B"),
                     spa_model_param(model, "GPP_B")->def_access);
    spa_profile_free(&prof);

    /* plain text: no mark = na */
    spa_profile_init(&prof);
    tu_parse_text(&prof, "GPP_C ! \"c\" ; GPP_D ;");
    assert_int_equal(spa_params_apply(p, &prof, 0, &r), 0);
    assert_int_equal(spa_params_access(p, "GPP_C"), SPA_ACCESS_RW);
    assert_int_equal(spa_params_access(p, "GPP_D"), SPA_ACCESS_NA);
    assert_string_equal(spa_params_get(p, "GPP_D"), "");
    spa_profile_free(&prof);
    spa_params_free(p);
}

static void apply_as_user_and_dry_run(void **state)
{
    (void)state;
    spa_params *p = spa_params_new(model);
    assert_int_equal(spa_params_set(p, "GPP_A", NULL, SPA_ACCESS_RW), 0);
    assert_int_equal(spa_params_set(p, "GPP_B", "admin", SPA_ACCESS_RO), 0);
    spa_profile prof;
    spa_profile_init(&prof);
    tu_parse_xml(&prof, "<flat-profile><GPP_A ua=\"na\">user</GPP_A><GPP_B>hack</GPP_B>"
                        "<GPP_C>hack</GPP_C></flat-profile>");
    spa_apply_result r;
    assert_int_equal(spa_params_apply(p, &prof, SPA_APPLY_DRY_RUN, &r), 0);
    assert_int_equal(r.values_changed, 3);
    assert_string_equal(spa_params_get(p, "GPP_A"), "");
    assert_int_equal(spa_params_apply(p, &prof, SPA_APPLY_AS_USER, &r), 0);
    assert_int_equal(r.values_changed, 1);
    assert_int_equal(r.refused, 2);
    assert_string_equal(spa_params_get(p, "GPP_A"), "user");
    assert_int_equal(spa_params_access(p, "GPP_A"), SPA_ACCESS_RW);   /* users cannot change access */
    assert_string_equal(spa_params_get(p, "GPP_B"), "admin");
    assert_string_equal(spa_params_get(p, "GPP_C"), "");
    spa_profile_free(&prof);
    spa_params_free(p);
}

static void dump_and_memory(void **state)
{
    (void)state;
    spa_params *p = spa_params_new(model);
    spa_profile all;
    spa_profile_init(&all);
    assert_int_equal(spa_params_to_profile(p, true, &all), 0);
    assert_int_equal(all.n, model->nparams);
    spa_profile_free(&all);
    size_t base = spa_params_memory(p);
    char name[16];
    for (char c = 'A'; c <= 'P'; c++) {
        snprintf(name, sizeof name, "GPP_%c", c);
        assert_int_equal(spa_params_set(p, name, "0123456789", SPA_ACCESS_UNSET), 0);
    }
    spa_params_clear_dirty(p);
    size_t used = spa_params_memory(p);
    assert_true(used > base);
    /* a device with 16 overrides stays far below 10 KiB: 100,000 per GiB */
    assert_true(used < 1024);
    spa_params_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_spellings),
        cmocka_unit_test(set_is_copy_on_write),
        cmocka_unit_test(license_keys_write_only),
        cmocka_unit_test(apply_profile),
        cmocka_unit_test(apply_as_user_and_dry_run),
        cmocka_unit_test(dump_and_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
