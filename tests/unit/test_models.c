/* test_models.c — the model schemas: every built-in model loads cleanly, has
 * the right line counts, identity and the guide's chapter-4 defaults; names
 * are found in every spelling; malformed schema files give exact
 * file:line:col diagnostics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "spaprov/model.h"

struct spa_builtin_file {
    const char *name;
    const char *text;
};
extern const struct spa_builtin_file spa_builtin_models[];

static spa_model *load(const char *name)
{
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_builtin(name, &d);
    if (d.n) {
        char buf[1400];
        for (size_t i = 0; i < d.n; i++)
            fprintf(stderr, "%s\n", spa_diag_format(&d.v[i], buf, sizeof buf));
    }
    assert_int_equal(d.n, 0);
    assert_non_null(m);
    spa_diags_free(&d);
    return m;
}

static void test_all_builtins_load(void **state)
{
    (void)state;
    size_t count = 0;
    for (const char *const *n = spa_model_builtin_names(); *n; n++, count++) {
        spa_model *m = load(*n);
        assert_string_equal(m->name, *n);
        assert_true(m->product[0] && m->psn[0] && m->swver[0] && m->hwver[0]);
        assert_true(m->nparams >= 60);
        /* every web name canonicalises to the stored name, found at its index */
        for (size_t i = 0; i < m->nparams; i++) {
            char canon[SPA_NAME_MAX + 1];
            assert_int_equal(spa_name_canonical(m->params[i].web_name,
                                                strlen(m->params[i].web_name), canon,
                                                sizeof canon), 0);
            assert_string_equal(canon, m->params[i].name);
            assert_int_equal(spa_model_find(m, m->params[i].name), (long)i);
            char why[256];
            assert_int_equal(spa_type_check(&m->params[i].type, m->params[i].def_value, why,
                                            sizeof why), 0);
        }
        spa_model_free(m);
    }
    assert_int_equal(count, 14);
    /* every embedded .model file is listed */
    size_t models = 0;
    for (const struct spa_builtin_file *b = spa_builtin_models; b->name; b++) {
        size_t l = strlen(b->name);
        if (l < 6 || strcmp(b->name + l - 6, ".model") != 0)
            continue;
        models++;
        int found = 0;
        for (const char *const *n = spa_model_builtin_names(); *n; n++)
            found |= strlen(*n) == l - 6 && strncmp(*n, b->name, l - 6) == 0;
        assert_true(found);
    }
    assert_int_equal(models, 14);
}

static const struct {
    const char *model;
    unsigned lines, users, extensions;
    const char *present, *absent;
} counts[] = {
    {"SPA2102", 2, 2, 0, "Dial_Plan_2_", "Dial_Plan_3_"},
    {"SPA2102", 2, 2, 0, "Speed_Dial_9_2_", "Speed_Dial_9_3_"},
    {"PAP2T", 2, 2, 0, "Line_Enable_2_", "Line_Enable_3_"},
    {"SPA1001", 1, 1, 0, "Line_Enable_1_", "Line_Enable_2_"},
    {"SPA3102", 1, 1, 0, "PSTN_Answer_Delay_2_", "Line_Enable_3_"},
    {"SPA3102", 1, 1, 0, "Dial_Plan_8_2_", "Cfwd_All_Dest_2_"},
    {"SPA3102", 1, 1, 0, "VoIP_User_8_Password_2_", "Idle_Polarity_2_"},
    {"RTP300", 2, 2, 0, "Proxy_2_", "Proxy_3_"},
    {"WRTP54G", 2, 2, 0, "User_ID_2_", "User_ID_3_"},
    {"SPA901", 1, 1, 0, "Line_Enable_1_", "Line_Enable_2_"},
    {"SPA921", 1, 1, 1, "Extension_1_", "Line_Enable_2_"},
    {"SPA922", 1, 1, 1, "Short_Name_1_", "Short_Name_2_"},
    {"SPA941", 4, 1, 4, "Line_Enable_4_", "Line_Enable_5_"},
    {"SPA942", 4, 1, 4, "Extension_4_", "Extension_5_"},
    {"SPA962", 6, 1, 6, "Line_Enable_6_", "Line_Enable_7_"},
    {"SPA9000", 4, 0, 0, "Phone_Dial_Plan", "Line_Enable_5_"},
    {"SPA9000", 4, 0, 0, "Call_Capacity_4_", "Cfwd_All_Dest_1_"},
    {"SPA400", 0, 0, 0, "Profile_Rule", "Line_Enable_1_"},
    {"SPA2102", 2, 2, 0, "LAN_IP_Address", "Station_Name"},
    {"PAP2T", 2, 2, 0, "Ring_Voltage", "LAN_IP_Address"},
    {"SPA962", 6, 1, 6, "Station_Name", "Cfwd_All_Dest_1_"},
};

static void test_line_counts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        spa_model *m = load(counts[i].model);
        assert_int_equal(m->lines, counts[i].lines);
        assert_int_equal(m->users, counts[i].users);
        assert_int_equal(m->extensions, counts[i].extensions);
        if (spa_model_find(m, counts[i].present) < 0)
            fail_msg("%s lacks %s", counts[i].model, counts[i].present);
        if (spa_model_find(m, counts[i].absent) >= 0)
            fail_msg("%s has %s", counts[i].model, counts[i].absent);
        spa_model_free(m);
    }
}

static void test_sip_ports(void **state)
{
    (void)state;
    spa_model *m = load("SPA2102");
    assert_string_equal(spa_model_param(m, "SIP_Port_1_")->def_value, "5060");
    assert_string_equal(spa_model_param(m, "SIP Port[2]")->def_value, "5061");
    assert_null(spa_model_param(m, "SIP_Port_3_"));
    spa_model_free(m);
    m = load("SPA3102");
    assert_string_equal(spa_model_param(m, "SIP_Port_1_")->def_value, "5060");
    assert_string_equal(spa_model_param(m, "SIP_Port_2_")->def_value, "5061");   /* PSTN line */
    assert_string_equal(spa_model_param(m, "PSTN_Answer_Delay_2_")->def_value, "16");
    assert_int_equal(spa_model_param(m, "PSTN_Caller_3_PIN_2_")->flags, SPA_PF_SECRET);
    spa_model_free(m);
    m = load("SPA9000");
    assert_string_equal(spa_model_param(m, "Multicast_Address")->def_value, "224.168.168.168:6061");
    assert_string_equal(spa_model_param(m, "Call_Routing_Rule")->def_value, "(<:L1,2,3,4>9xx.)");
    spa_model_free(m);
    m = load("SPA962");
    assert_string_equal(spa_model_param(m, "SIP_Port_6_")->def_value, "5065");
    assert_string_equal(spa_model_param(m, "Extension_6_")->def_value, "6");
    assert_string_equal(spa_model_param(m, "Extension_6_")->type.choices, "1|2|3|4|5|6|Disabled");
    spa_model_free(m);
}

/* Chapter 4 of the guide: name → default (spec §4.1–§4.3). */
static const struct {
    const char *name, *def;
    spa_type_kind kind;
} chapter4[] = {
    {"Provision_Enable", "Yes", SPA_T_BOOL},
    {"Resync_On_Reset", "Yes", SPA_T_BOOL},
    {"Resync_Random_Delay", "2", SPA_T_UNS},
    {"Resync_Periodic", "3600", SPA_T_SCHEDULE},
    {"Resync_Error_Retry_Delay", "3600", SPA_T_SCHEDULE},
    {"Forced_Resync_Delay", "14400", SPA_T_UNS},
    {"Resync_From_SIP", "Yes", SPA_T_BOOL},
    {"Resync_After_Upgrade_Attempt", "Yes", SPA_T_BOOL},
    {"Resync_Trigger_1", "", SPA_T_TRIGGER},
    {"Resync_Trigger_2", "", SPA_T_TRIGGER},
    {"Resync_Fails_On_FNF", "Yes", SPA_T_BOOL},
    {"Profile_Rule", "/spa$PSN.cfg", SPA_T_RULE},
    {"Profile_Rule_B", "", SPA_T_RULE},
    {"Profile_Rule_C", "", SPA_T_RULE},
    {"Profile_Rule_D", "", SPA_T_RULE},
    {"Log_Resync_Request_Msg", "$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH",
     SPA_T_MSG},
    {"Log_Resync_Success_Msg",
     "$PN $MAC -- Successful resync $SCHEME://$SERVIP:$PORT$PATH -- $ERR", SPA_T_MSG},
    {"Log_Resync_Failure_Msg", "$PN $MAC -- Resync failed: $ERR", SPA_T_MSG},
    {"Report_Rule", "", SPA_T_RULE},
    {"Upgrade_Enable", "Yes", SPA_T_BOOL},
    {"Upgrade_Error_Retry_Delay", "3600", SPA_T_SCHEDULE},
    {"Downgrade_Rev_Limit", "", SPA_T_VERSION},
    {"Upgrade_Rule", "", SPA_T_RULE},
    {"Log_Upgrade_Request_Msg", "$PN $MAC -- Requesting upgrade $SCHEME://$SERVIP:$PORT$PATH",
     SPA_T_MSG},
    {"Log_Upgrade_Success_Msg",
     "$PN $MAC -- Successful upgrade $SCHEME://$SERVIP:$PORT$PATH -- $ERR", SPA_T_MSG},
    {"Log_Upgrade_Failure_Msg", "$PN $MAC -- Upgrade failed: $ERR", SPA_T_MSG},
    {"License_Keys", "", SPA_T_STR},
    {"GPP_A", "", SPA_T_STR}, {"GPP_B", "", SPA_T_STR}, {"GPP_C", "", SPA_T_STR},
    {"GPP_D", "", SPA_T_STR}, {"GPP_E", "", SPA_T_STR}, {"GPP_F", "", SPA_T_STR},
    {"GPP_G", "", SPA_T_STR}, {"GPP_H", "", SPA_T_STR}, {"GPP_I", "", SPA_T_STR},
    {"GPP_J", "", SPA_T_STR}, {"GPP_K", "", SPA_T_STR}, {"GPP_L", "", SPA_T_STR},
    {"GPP_M", "", SPA_T_STR}, {"GPP_N", "", SPA_T_STR}, {"GPP_O", "", SPA_T_STR},
    {"GPP_P", "", SPA_T_STR}, {"GPP_SA", "", SPA_T_STR}, {"GPP_SB", "", SPA_T_STR},
    {"GPP_SC", "", SPA_T_STR}, {"GPP_SD", "", SPA_T_STR},
};

static void test_chapter4_everywhere(void **state)
{
    (void)state;
    for (const char *const *n = spa_model_builtin_names(); *n; n++) {
        spa_model *m = load(*n);
        for (size_t i = 0; i < sizeof chapter4 / sizeof chapter4[0]; i++) {
            const spa_param_def *p = spa_model_param(m, chapter4[i].name);
            if (!p)
                fail_msg("%s lacks %s", *n, chapter4[i].name);
            assert_string_equal(p->def_value, chapter4[i].def);
            assert_int_equal(p->type.kind, chapter4[i].kind);
            assert_int_equal(p->def_access, SPA_ACCESS_NA);
            assert_string_equal(p->name, chapter4[i].name);
        }
        spa_model_free(m);
    }
}

static void test_flags(void **state)
{
    (void)state;
    spa_model *m = load("SPA2102");
    const spa_param_def *p = spa_model_param(m, "License_Keys");
    assert_int_equal(p->flags, SPA_PF_WRITE_ONLY | SPA_PF_SECRET);
    assert_string_equal(p->web_name, "License Keys");
    const char *sx[] = {"GPP_SA", "GPP_SB", "GPP_SC", "GPP_SD"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(spa_model_param(m, sx[i])->flags, SPA_PF_SECRET | SPA_PF_PROFILE_ONLY);
    assert_int_equal(spa_model_param(m, "GPP_A")->flags, 0);
    assert_int_equal(spa_model_param(m, "Password_1_")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "Password_2_")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "Admin_Passwd")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "User_Password")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "Cfwd_All_Dest_1_")->def_access, SPA_ACCESS_RW);
    assert_int_equal(spa_model_param(m, "PPPOE_Login_Password")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "Auth_Page_Password_1_"), NULL);
    assert_int_equal(spa_model_param(m, "SRTP_Private_Key_2_")->flags, SPA_PF_SECRET);
    assert_string_equal(spa_model_param(m, "Profile_Rule")->group,
                        "Provisioning/Configuration Profile");
    spa_model_free(m);
    m = load("SPA942");
    assert_int_equal(spa_model_param(m, "PPPoE_Login_Password")->flags, SPA_PF_SECRET);
    assert_null(spa_model_param(m, "PPPOE_Login_Password"));
    assert_int_equal(spa_model_param(m, "Auth_Page_Password_4_")->flags, SPA_PF_SECRET);
    assert_int_equal(spa_model_param(m, "Cfwd_All_Dest")->def_access, SPA_ACCESS_RW);
    spa_model_free(m);
}

static void test_find_spellings(void **state)
{
    (void)state;
    spa_model *m = load("SPA2102");
    long a = spa_model_find(m, "Dial Plan[1]");
    assert_true(a >= 0);
    assert_int_equal(spa_model_find(m, "Dial_Plan[1]"), a);
    assert_int_equal(spa_model_find(m, "Dial_Plan_1_"), a);
    assert_string_equal(m->params[a].web_name, "Dial Plan[1]");
    assert_string_equal(m->params[a].def_value,
                        "(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)");
    long b = spa_model_find(m, "Dial Plan[2]");
    assert_true(b >= 0 && b != a);
    assert_int_equal(spa_model_find(m, "Dial_Plan_3_"), -1);
    assert_int_equal(spa_model_find(m, "SIP TOS/DiffServ Value[1]"),
                     spa_model_find(m, "SIP_TOS_DiffServ_Value_1_"));
    assert_true(spa_model_find(m, "Speed_Dial_2[2]") >= 0);
    assert_int_equal(spa_model_find(m, "Speed_Dial_2[2]"), spa_model_find(m, "Speed_Dial_2_2_"));
    assert_int_equal(spa_model_find(m, "No_Such_Param"), -1);
    assert_int_equal(spa_model_find(m, ""), -1);
    assert_int_equal(spa_model_find(m, NULL), -1);
    assert_int_equal(spa_model_find(NULL, "GPP_A"), -1);
    assert_null(spa_model_param(m, "dial_plan_1_"));     /* names are case-sensitive */
    spa_model_free(m);
}

static void test_identity_and_user_agent(void **state)
{
    (void)state;
    spa_model *m = load("spa2102");                       /* case-insensitive */
    assert_string_equal(m->name, "SPA2102");
    assert_string_equal(m->product, "SPA-2102");
    assert_string_equal(m->psn, "2102");
    assert_string_equal(m->swver, "5.1.10");
    char ua[128];
    assert_int_equal(spa_model_user_agent(m, "5.1.10", "88012BA01234", ua, sizeof ua), 0);
    assert_string_equal(ua, "Linksys/SPA-2102-5.1.10 (88012BA01234)");
    assert_int_equal(spa_model_user_agent(m, NULL, "SN1", ua, sizeof ua), 0);
    assert_string_equal(ua, "Linksys/SPA-2102-5.1.10 (SN1)");
    assert_int_equal(spa_model_user_agent(m, "2.0.5", "88012BA01234", ua, 20), -1);
    spa_model_free(m);

    m = load("Spa9000.MODEL");
    assert_string_equal(m->psn, "9000");
    assert_string_equal(m->product, "SPA-9000");
    spa_model_free(m);

    spa_diags d;
    spa_diags_init(&d);
    assert_null(spa_model_load_builtin("SPA9999", &d));
    assert_int_equal(d.errors, 1);
    assert_true(tu_diags_contain(&d, "unknown model 'SPA9999'"));
    assert_null(spa_model_load_builtin("line.params", &d));   /* not a model */
    assert_null(spa_model_load_builtin(NULL, &d));
    spa_diags_free(&d);
}

/* ---- malformed schema files ------------------------------------------- */

/* Write files (name, text pairs) to a temp dir, load the first and expect
 * exactly one diagnostic; "%s" in want is replaced by the temp dir. */
static void expect_error(const char *const *files, size_t nfiles, const char *want_fmt)
{
    char dir[512], path[1024], first[1024];
    tu_tmpdir(dir, sizeof dir);
    for (size_t i = 0; i < nfiles; i++) {
        tu_write(dir, files[2 * i], files[2 * i + 1], path, sizeof path);
        if (i == 0)
            snprintf(first, sizeof first, "%s", path);
    }
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_file(first, &d);
    assert_null(m);
    char want[2048], got[1400];
    size_t o = 0;
    for (const char *f = want_fmt; *f && o + 600 < sizeof want; f++) {
        if (f[0] == '%' && f[1] == 's') {
            o += (size_t)snprintf(want + o, sizeof want - o, "%s", dir);
            f++;
        } else
            want[o++] = *f;
    }
    want[o] = '\0';
    assert_true(d.n >= 1);
    assert_string_equal(spa_diag_format(&d.v[0], got, sizeof got), want);
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void test_bad_schemas(void **state)
{
    (void)state;
    const char *unknown_type[] = {"a.model", "model X\nA | Foo | na\n"};
    expect_error(unknown_type, 1, "%s/a.model:2:5: error: unknown type 'Foo'");
    const char *bad_access[] = {"a.model", "model X\nA | Str | xx\n"};
    expect_error(bad_access, 1, "%s/a.model:2:11: error: bad access 'xx' (expected na, ro or rw)");
    const char *dup[] = {"a.model", "model X\nA B | Str | na\nA_B | Str | na\n"};
    expect_error(dup, 1,
                 "%s/a.model:3:1: error: duplicate parameter 'A_B' (first defined at %s/a.model:2)");
    const char *dup_lines[] = {"a.model",
                               "model X\nlines 2\nP[line] | Str | na\nP[2] | Str | na\n"};
    expect_error(dup_lines, 1,
                 "%s/a.model:4:1: error: duplicate parameter 'P_2_' (first defined at %s/a.model:3)");
    const char *missing[] = {"a.model", "model X\ninclude nope.params\n"};
    expect_error(missing, 1,
                 "%s/a.model:2:9: error: cannot include 'nope.params': No such file or directory");
    const char *cycle[] = {"a.model", "model X\ninclude b.params\n", "b.params",
                           "# b\ninclude a.model\n"};
    expect_error(cycle, 2, "%s/b.params:2:9: error: include cycle: 'a.model' is already being read");
    const char *self[] = {"a.model", "model X\ninclude a.model\n"};
    expect_error(self, 1, "%s/a.model:2:9: error: include cycle: 'a.model' is already being read");
    const char *bad_count[] = {"a.model", "model X\nlines 99\n"};
    expect_error(bad_count, 1, "%s/a.model:2:7: error: bad count '99' for 'lines' (expected 0..64)");
    const char *bad_count2[] = {"a.model", "model X\nusers two\n"};
    expect_error(bad_count2, 1, "%s/a.model:2:7: error: bad count 'two' for 'users' (expected 0..64)");
    const char *no_lines[] = {"a.model", "model X\nFoo[line] | Str | na\n"};
    expect_error(no_lines, 1,
                 "%s/a.model:2:4: error: '[line]' used but 'lines' is not set (set it before the include)");
    const char *bad_default[] = {"a.model", "model X\nA | Uns8 | na | | 300\n"};
    expect_error(bad_default, 1,
                 "%s/a.model:2:19: error: default is not a valid Uns8: value 300 out of range for Uns8 (0..255)");
    const char *bool_nodef[] = {"a.model", "model X\nA | Bool | na\n"};
    expect_error(bool_nodef, 1,
                 "%s/a.model:2:14: error: default is not a valid Bool: empty value is not a Bool (Yes/No)");
    const char *bad_flag[] = {"a.model", "model X\nA | Str | na | secret, loud |\n"};
    expect_error(bad_flag, 1,
                 "%s/a.model:2:24: error: unknown flag 'loud' (expected secret, wo or profile-only)");
    const char *bad_dir[] = {"a.model", "model X\n  frobnicate 3\n"};
    expect_error(bad_dir, 1, "%s/a.model:2:3: error: unknown directive 'frobnicate'");
    const char *few[] = {"a.model", "model X\nA | Str\n"};
    expect_error(few, 1, "%s/a.model:2:1: error: expected 'name | type | access [| flags [| default]]'");
    const char *no_model[] = {"a.model", "# nothing\nA | Str | na\n"};
    expect_error(no_model, 1, "%s/a.model: error: no 'model' directive");
    const char *dup_model[] = {"a.model", "model X\nmodel Y\n"};
    expect_error(dup_model, 1, "%s/a.model:2:7: error: duplicate 'model' directive");
    const char *nonascii[] = {"a.model", "model X\nA | Str | na | | caf\xc3\xa9\n"};
    expect_error(nonascii, 1, "%s/a.model:2:21: error: non-ASCII or control character");
    const char *bad_choice[] = {"a.model", "model X\nA | {a||b} | na | | a\n"};
    expect_error(bad_choice, 1, "%s/a.model:2:5: error: unknown type '{a||b}'");
    const char *bad_secret_default[] = {"a.model", "model X\nK | Str3 | na | secret | hunter2\n"};
    expect_error(bad_secret_default, 1, "%s/a.model:2:26: error: default is not a valid Str3");

    /* nesting deeper than 8 includes */
    const char *deep[] = {
        "f0.model", "model X\ninclude f1\n", "f1", "include f2\n", "f2", "include f3\n",
        "f3", "include f4\n", "f4", "include f5\n", "f5", "include f6\n",
        "f6", "include f7\n", "f7", "include f8\n", "f8", "include f9\n",
        "f9", "A | Str | na\n",
    };
    expect_error(deep, 10, "%s/f8:1:9: error: includes nested deeper than 8");

    spa_diags d;
    spa_diags_init(&d);
    assert_null(spa_model_load_file("/nonexistent/x.model", &d));
    assert_true(tu_diags_contain(&d, "/nonexistent/x.model: error: cannot open schema file: No such file or directory"));
    assert_null(spa_model_load_file("/tmp", &d));
    assert_true(tu_diags_contain(&d, "/tmp: error: cannot open schema file: Is a directory"));
    spa_diags_free(&d);
}

static void test_good_schema_from_disk(void **state)
{
    (void)state;
    char dir[512], path[1024];
    tu_tmpdir(dir, sizeof dir);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/inc", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    tu_write(dir, "inc/shared.params",
             "group Shared\n"
             "Per Line[line] | {Yes|No|Maybe so} | ro | | Maybe so\n"
             "Per User Opt[user] | Str8 | rw | wo |\n"
             "include more.params\n"
             "After | Str | na | |\n",
             path, sizeof path);
    tu_write(dir, "inc/more.params", "group Other\nMore | Uns16 | na | | 0x10\n", path,
             sizeof path);
    tu_write(dir, "t.model",
             "# test model\r\n"
             "model TEST\n"
             "product T-1\n"
             "psn 1\n"
             "lines 3\n"
             "users 2\n"
             "\n"
             "   # indented comment\n"
             "include inc/shared.params\n"
             "Rule X | Rule | na | | (a eq b)? /x | /y\n"
             "Empty |  Str64 | rw\n",
             path, sizeof path);
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_file(path, &d);
    spa_diags_print(&d, stderr);
    assert_non_null(m);
    assert_int_equal(d.n, 0);
    assert_int_equal(m->nparams, 3 + 2 + 1 + 1 + 2);
    assert_string_equal(m->product, "T-1");
    assert_string_equal(m->swver, "");
    const spa_param_def *p = spa_model_param(m, "Per_Line_3_");
    assert_non_null(p);
    assert_string_equal(p->web_name, "Per Line[3]");
    assert_string_equal(p->def_value, "Maybe so");
    assert_string_equal(p->type.choices, "Yes|No|Maybe so");
    assert_int_equal(p->def_access, SPA_ACCESS_RO);
    assert_string_equal(p->group, "Shared");
    assert_null(spa_model_param(m, "Per_Line_4_"));
    p = spa_model_param(m, "Per User Opt[2]");
    assert_int_equal(p->flags, SPA_PF_WRITE_ONLY);
    assert_int_equal(p->type.kind, SPA_T_STR);
    assert_int_equal(p->type.arg, 8);
    assert_string_equal(spa_model_param(m, "More")->group, "Other");
    assert_string_equal(spa_model_param(m, "After")->group, "Shared");   /* group is file-scoped */
    assert_string_equal(spa_model_param(m, "Rule_X")->group, "");
    assert_string_equal(spa_model_param(m, "Rule_X")->def_value, "(a eq b)? /x | /y");
    assert_string_equal(spa_model_param(m, "Empty")->def_value, "");
    assert_int_equal(spa_model_param(m, "Empty")->def_access, SPA_ACCESS_RW);
    spa_model_free(m);
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void test_load_text(void **state)
{
    (void)state;
    const char *text = "model MEM\nlines 1\nusers 1\ninclude LINE.params\ninclude user.params\n";
    spa_diags d;
    spa_diags_init(&d);
    spa_model *m = spa_model_load_text(text, strlen(text), "mem", &d);
    assert_non_null(m);
    assert_int_equal(d.n, 0);
    assert_non_null(spa_model_param(m, "Dial_Plan_1_"));
    assert_non_null(spa_model_param(m, "Cfwd_All_Dest_1_"));
    assert_null(spa_model_param(m, "Dial_Plan_2_"));
    spa_model_free(m);

    const char *bad = "model MEM\ninclude missing.params\n";
    assert_null(spa_model_load_text(bad, strlen(bad), "mem", &d));
    assert_true(tu_diags_contain(
        &d, "mem:2:9: error: cannot include 'missing.params': no such built-in schema file"));
    static const char nul[] = "model MEM\nA | Str | na | | a\0b\n";
    assert_null(spa_model_load_text(nul, sizeof nul - 1, "mem", &d));
    assert_true(tu_diags_contain(&d, "mem:2:19: error: NUL byte in schema file"));
    assert_null(spa_model_load_text(NULL, 0, NULL, &d));
    assert_true(tu_diags_contain(&d, "<schema>: error: no 'model' directive"));
    spa_diags_free(&d);
}

static void test_corpus_names(void **state)
{
    (void)state;
    /* Real SPA2102-family profile: most of its parameter names must be known. */
    const char *shared = tu_shared();
    if (!shared)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/provisioner-linksysata-model.xml", shared);
    FILE *f = fopen(path, "rb");
    if (!f)
        skip();
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    spa_model *m = load("SPA2102");
    size_t total = 0, known = 0;
    for (char *p = buf; (p = strchr(p, '<')); p++) {
        if (p[1] == '/' || p[1] == '!' || p[1] == '?')
            continue;
        char name[SPA_NAME_MAX];
        size_t l = strcspn(p + 1, " />");
        if (l == 0 || l >= sizeof name || strncmp(p + 1, "flat-profile", 12) == 0)
            continue;
        memcpy(name, p + 1, l);
        name[l] = '\0';
        total++;
        known += spa_model_find(m, name) >= 0;
    }
    spa_model_free(m);
    assert_true(total > 500);
    assert_true(known * 100 >= total * 85);    /* later firmware adds a few */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_builtins_load),
        cmocka_unit_test(test_line_counts),
        cmocka_unit_test(test_sip_ports),
        cmocka_unit_test(test_chapter4_everywhere),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_find_spellings),
        cmocka_unit_test(test_identity_and_user_agent),
        cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_good_schema_from_disk),
        cmocka_unit_test(test_load_text),
        cmocka_unit_test(test_corpus_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
