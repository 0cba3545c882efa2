/* test_rule.c — the provisioning rule language (guide §2.7–§2.13, §3.x):
 * every rule example of the notes parsed and evaluated with exact results,
 * each operator and operand type, options in every order, URLs, legacy
 * forms, comments, syntax errors with their columns, and key secrecy.
 * Macro lookups come from a small name→value table in this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/rule.h"

/* ------------------------------------------------------------ variables */

typedef tu_kv kv;

#define NVARS 32
static kv vars[NVARS];

static void vars_reset(void)
{
    static const kv base[] = {
        { "MA", "000e08aabbcc" }, { "MAU", "000E08AABBCC" }, { "MAC", "00:0e:08:aa:bb:cc" },
        { "PN", "SPA2102" },      { "PSN", "2102" },          { "SN", "88012BA01234" },
        { "SWVER", "2.0.6(b)" },  { "HWVER", "1.88.1" },      { "CCERT", "Installed" },
        { "EXTIP", "66.43.16.52" }, { "REGTMR1", "0" },       { "REGTMR2", "0" },
        { "PRVTMR", "1300" },     { "PRVST", "-1" },           { "A", "" },
        { "B", "123" },           { "C", "" },                 { "D", "dir" },
        { "E", "file" },          { "F", "" },
        { "SA", "secret-a" },     { "SB", "secret-b" },        { "SC", "secret-c" },
        { "SD", "secret d" },
    };
    memset(vars, 0, sizeof vars);
    memcpy(vars, base, sizeof base);
}

static void set_var(const char *k, const char *v)
{
    size_t i;
    for (i = 0; vars[i].k; i++)
        if (strcmp(vars[i].k, k) == 0) {
            vars[i].v = v;
            return;
        }
    assert_true(i < NVARS - 1);
    vars[i].k = k;
    vars[i].v = v;
}


static int setup(void **state)
{
    (void)state;
    vars_reset();
    return 0;
}

static spa_rule_env env_with(const char *dhcp)
{
    spa_rule_env e = { tu_kv_lookup, vars, dhcp, "test.xml", 5, 0 };
    return e;
}

/* ------------------------------------------------------------ helpers */

static spa_rule *parse_ok(spa_rule_mode mode, const char *text)
{
    spa_rule *r = NULL;
    spa_diags d;
    char buf[512];
    spa_diags_init(&d);
    int rc = spa_rule_parse(&r, text, strlen(text), mode, NULL, 0, 0, &d);
    if (rc != 0)
        fail_msg("parse '%s' failed: %s", text, d.n ? spa_diag_format(&d.v[0], buf, sizeof buf) : "?");
    assert_non_null(r);
    assert_int_equal(d.n, 0);
    spa_diags_free(&d);
    return r;
}

/* Parse + evaluate; returns the eval rc. */
static int eval_text(spa_rule_mode mode, const char *text, const char *dhcp, spa_rule_result *res,
                     spa_diags *d)
{
    spa_rule *r = parse_ok(mode, text);
    spa_rule_env e = env_with(dhcp);
    spa_rule_result_init(res);
    int rc = spa_rule_eval(r, &e, res, d);
    spa_rule_free(r);
    return rc;
}

/* The result as one comparable line. */
static char *describe(const spa_rule_result *res)
{
    spa_buf b;
    spa_buf_init(&b);
    if (res->alt < 0) {
        spa_buf_puts(&b, "skipped");
        return spa_buf_steal(&b);
    }
    spa_buf_printf(&b, "alt=%d", res->alt);
    for (size_t i = 0; i < res->nassign; i++)
        spa_buf_printf(&b, " %s=\"%s\"", res->assign[i].name, res->assign[i].value);
    if (res->has_key)
        spa_buf_printf(&b, " key=\"%s\"", res->key);
    if (res->post)
        spa_buf_printf(&b, " post=%c", res->post);
    if (res->alias)
        spa_buf_printf(&b, " alias=%c", res->alias);
    if (res->has_url)
        spa_buf_printf(&b, " %s host=%s port=%u path=%s query=%s%s", spa_scheme_name(res->url.scheme),
                       res->url.host ? res->url.host : "(null)", res->url.port, res->url.path,
                       res->url.query ? res->url.query : "(null)",
                       res->host_from_dhcp ? " dhcp" : "");
    return spa_buf_steal(&b);
}

typedef struct eval_case {
    spa_rule_mode mode;
    const char *text;
    const char *want;
} eval_case;

static void run_eval_cases(const eval_case *t, size_t n, const char *dhcp)
{
    for (size_t i = 0; i < n; i++) {
        spa_rule_result res;
        spa_diags d;
        spa_diags_init(&d);
        int rc = eval_text(t[i].mode, t[i].text, dhcp, &res, &d);
        if (rc != 0)
            fail_msg("eval '%s' rc %d", t[i].text, rc);
        char *got = describe(&res);
        if (strcmp(got, t[i].want) != 0)
            fail_msg("eval '%s'\n got  %s\n want %s", t[i].text, got, t[i].want);
        assert_int_equal(d.n, 0);
        free(got);
        spa_rule_result_free(&res);
        spa_diags_free(&d);
    }
}

/* ------------------------------------------------------------ guide examples */

/* §2.11 URL examples, §1 default rule, §3 tutorial rules. */
static void test_urls(void **state)
{
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "/$MA.cfg",
          "alt=0 tftp host=(null) port=69 path=/000e08aabbcc.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "/Linksys/spa021025.bin",
          "alt=0 tftp host=(null) port=69 path=/Linksys/spa021025.bin query=(null) dhcp" },
        { SPA_RULE_PROFILE, "192.168.1.130/profiles/init.cfg",
          "alt=0 tftp host=192.168.1.130 port=69 path=/profiles/init.cfg query=(null)" },
        { SPA_RULE_PROFILE, "tftp://prov.call.com/cpe/Linksys$MA.cfg",
          "alt=0 tftp host=prov.call.com port=69 path=/cpe/Linksys000e08aabbcc.cfg query=(null)" },
        { SPA_RULE_PROFILE, "http://neptune.speak.net:8080/prov/$D/$E.cfg",
          "alt=0 http host=neptune.speak.net port=8080 path=/prov/dir/file.cfg query=(null)" },
        { SPA_RULE_PROFILE, "https://secure.me.com/profile?Linksys",
          "alt=0 https host=secure.me.com port=443 path=/profile?Linksys query=Linksys" },
        { SPA_RULE_PROFILE, "/spa$PSN.cfg",
          "alt=0 tftp host=(null) port=69 path=/spa2102.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "http://remote.server.com/Linksys/$MA.cfg",
          "alt=0 http host=remote.server.com port=80 path=/Linksys/000e08aabbcc.cfg query=(null)" },
        { SPA_RULE_PROFILE, "tftp://192.168.1.200/basic.txt",
          "alt=0 tftp host=192.168.1.200 port=69 path=/basic.txt query=(null)" },
        { SPA_RULE_PROFILE, "tftp://192.168.1.200/spa$MA.cfg",
          "alt=0 tftp host=192.168.1.200 port=69 path=/spa000e08aabbcc.cfg query=(null)" },
        { SPA_RULE_PROFILE, "http://192.168.1.200/basic.txt",
          "alt=0 http host=192.168.1.200 port=80 path=/basic.txt query=(null)" },
        { SPA_RULE_PROFILE, "https://my.server.com/basic.txt",
          "alt=0 https host=my.server.com port=443 path=/basic.txt query=(null)" },
        { SPA_RULE_PROFILE, "tftp://192.168.1.200/basic.txt.gz",
          "alt=0 tftp host=192.168.1.200 port=69 path=/basic.txt.gz query=(null)" },
        { SPA_RULE_PROFILE, "tftp://spa-9000-ip-address:69/cfg/init_$MA.xml",
          "alt=0 tftp host=spa-9000-ip-address port=69 path=/cfg/init_000e08aabbcc.xml query=(null)" },
        { SPA_RULE_PROFILE, "HTTP://Host.Example:8081/a?b=c&d=$B",
          "alt=0 http host=Host.Example port=8081 path=/a?b=c&d=123 query=b=c&d=123" },
        { SPA_RULE_PROFILE, "http:///from-dhcp.cfg",
          "alt=0 http host=(null) port=80 path=/from-dhcp.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "host:8069/x.cfg",
          "alt=0 tftp host=host port=8069 path=/x.cfg query=(null)" },
        { SPA_RULE_PROFILE, "  \t/spaces.cfg  ",
          "alt=0 tftp host=(null) port=69 path=/spaces.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "/a.cfg#frag",
          "alt=0 tftp host=(null) port=69 path=/a.cfg#frag query=(null) dhcp" },
    };
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
}

/* DHCP option 66 server: used when the URL names none, and in the identity. */
static void test_dhcp_server_and_identity(void **state)
{
    spa_rule_result res;
    (void)state;
    assert_int_equal(eval_text(SPA_RULE_PROFILE, "/spa$PSN.cfg", "192.168.1.200", &res, NULL), 0);
    assert_true(res.has_url);
    assert_true(res.host_from_dhcp);
    assert_string_equal(res.url.host, "192.168.1.200");
    assert_string_equal(res.identity, "tftp://192.168.1.200:69/spa2102.cfg");
    spa_rule_result_free(&res);

    assert_int_equal(eval_text(SPA_RULE_PROFILE, "/spa$PSN.cfg", NULL, &res, NULL), 0);
    assert_null(res.url.host);
    assert_string_equal(res.identity, "tftp://:69/spa2102.cfg");
    spa_rule_result_free(&res);

    assert_int_equal(eval_text(SPA_RULE_UPGRADE, "http://p.tel.com/firmware/spa021025.bin",
                               "10.0.0.1", &res, NULL), 0);
    assert_false(res.host_from_dhcp);
    assert_string_equal(res.identity, "http://p.tel.com:80/firmware/spa021025.bin");
    spa_rule_result_free(&res);

    /* explicit default port and implicit one give the same identity */
    assert_int_equal(eval_text(SPA_RULE_UPGRADE, "http://p.tel.com:80/firmware/spa021025.bin",
                               NULL, &res, NULL), 0);
    assert_true(res.url.port_given);
    assert_string_equal(res.identity, "http://p.tel.com:80/firmware/spa021025.bin");
    spa_rule_result_free(&res);
}

/* §2.13 profile rule examples, each branch. */
static void test_profile_rule_examples(void **state)
{
    static const char *lost = "($REGTMR1 eq 0)? http://p.tel.com/has-reg.cfg\n"
                              "    | [--post a] http://p.tel.com/lost-reg?";
    static const char *cert = "(\"$CCERT\" eq \"Installed\")? https://p.tel.com/config?\n"
                              "    | https://p.tel.com/config?Linksys$MAU";
    static const eval_case alias[] = {
        { SPA_RULE_PROFILE, "[--alias b] https://p.tel.com/account/spa$MA.xml",
          "alt=0 alias=b https host=p.tel.com port=443 path=/account/spa000e08aabbcc.xml query=(null)" },
    };
    spa_rule_result res;
    char *s;
    (void)state;

    assert_int_equal(eval_text(SPA_RULE_PROFILE, lost, NULL, &res, NULL), 0);
    s = describe(&res);
    assert_string_equal(s, "alt=0 http host=p.tel.com port=80 path=/has-reg.cfg query=(null)");
    free(s);
    spa_rule_result_free(&res);
    set_var("REGTMR1", "400");
    assert_int_equal(eval_text(SPA_RULE_PROFILE, lost, NULL, &res, NULL), 0);
    s = describe(&res);
    assert_string_equal(s, "alt=1 post=a http host=p.tel.com port=80 path=/lost-reg? query=");
    free(s);
    spa_rule_result_free(&res);

    assert_int_equal(eval_text(SPA_RULE_PROFILE, cert, NULL, &res, NULL), 0);
    s = describe(&res);
    assert_string_equal(s, "alt=0 https host=p.tel.com port=443 path=/config? query=");
    free(s);
    spa_rule_result_free(&res);
    set_var("CCERT", "Not Installed");
    assert_int_equal(eval_text(SPA_RULE_PROFILE, cert, NULL, &res, NULL), 0);
    s = describe(&res);
    assert_string_equal(s, "alt=1 https host=p.tel.com port=443 path=/config?Linksys000E08AABBCC "
                           "query=Linksys000E08AABBCC");
    free(s);
    spa_rule_result_free(&res);

    run_eval_cases(alias, 1, NULL);
}

/* The multi-stage pattern, with GPP_A unset and "Provisioned", and the
 * assignment written as GPP_A, a, and Line_Enable[1]. */
static void test_multistage(void **state)
{
    static const char *const rules[] = {
        "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov\n"
        "  | https://p.tel.com/configs",
        "(\"$A\" ne \"Provisioned\")? (Line_Enable[1] = \"No\";)! https://p.tel.com/init-prov"
        " | https://p.tel.com/configs",
        "(\"$A\" ne \"Provisioned\")?(Line_Enable_1_=\"No\")!https://p.tel.com/init-prov|https://p.tel.com/configs",
    };
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        eval_case t[1] = { { SPA_RULE_PROFILE, rules[i],
                             "alt=0 Line_Enable_1_=\"No\" https host=p.tel.com port=443 path=/init-prov query=(null)" } };
        set_var("A", "");
        run_eval_cases(t, 1, NULL);
        set_var("A", "Provisioned");
        t[0].want = "alt=1 https host=p.tel.com port=443 path=/configs query=(null)";
        run_eval_cases(t, 1, NULL);
    }
    /* the stage marker itself set through an assignment, both spellings */
    static const eval_case set[] = {
        { SPA_RULE_PROFILE, "(a = \"Provisioned\";)!", "alt=0 GPP_A=\"Provisioned\"" },
        { SPA_RULE_PROFILE, "(GPP_A = \"Provisioned\";)!", "alt=0 GPP_A=\"Provisioned\"" },
        { SPA_RULE_PROFILE, "( p = \"x\" ; GPP_P = \"y\" )!", "alt=0 GPP_P=\"x\" GPP_P=\"y\"" },
    };
    run_eval_cases(set, 3, NULL);
}

/* §2.10 assignment examples: full names and a–p shorthand, macro values. */
static void test_assignments(void **state)
{
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "( User_ID_1_ = \"uid$B\" ; GPP_C = \"\" ; GPP_D = \"$MA\" ; )!",
          "alt=0 User_ID_1_=\"uid123\" GPP_C=\"\" GPP_D=\"000e08aabbcc\"" },
        { SPA_RULE_PROFILE, "( User_ID_1_ = \"uid$B\" ; c = \"\" ; d = \"$MA\" ; )!",
          "alt=0 User_ID_1_=\"uid123\" GPP_C=\"\" GPP_D=\"000e08aabbcc\"" },
        { SPA_RULE_PROFILE, "(User_ID_1_=\"uid$B\";c=\"\";d=\"$MA\";)!",
          "alt=0 User_ID_1_=\"uid123\" GPP_C=\"\" GPP_D=\"000e08aabbcc\"" },
        { SPA_RULE_PROFILE, "(a=\"1\";b=\"2\";o=\"15\";p=\"16\")!",
          "alt=0 GPP_A=\"1\" GPP_B=\"2\" GPP_O=\"15\" GPP_P=\"16\"" },
        /* q is not a GPP letter: kept as a (probably unknown) parameter name */
        { SPA_RULE_PROFILE, "(q = \"1\";)!", "alt=0 q=\"1\"" },
        { SPA_RULE_PROFILE, "(Dial_Plan[2] = \"(xx.)\";)! /x",
          "alt=0 Dial_Plan_2_=\"(xx.)\" tftp host=(null) port=69 path=/x query=(null) dhcp" },
        /* $SA is not expanded in an assignment */
        { SPA_RULE_PROFILE, "(GPP_E = \"$SA\")!", "alt=0 GPP_E=\"$SA\"" },
        /* an empty list is allowed with a condition */
        { SPA_RULE_PROFILE, "(1 eq 1)? ()! /y",
          "alt=0 tftp host=(null) port=69 path=/y query=(null) dhcp" },
    };
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
}

/* §2.12 options: each example, every combination and order. */
static void test_options(void **state)
{
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "[--key VerySecretValue] http://h/x",
          "alt=0 key=\"VerySecretValue\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"my secret phrase\"] http://h/x",
          "alt=0 key=\"my secret phrase\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key a37d2fb9055c1d04883a0745eb0917a4] http://h/x",
          "alt=0 key=\"a37d2fb9055c1d04883a0745eb0917a4\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key $SC] http://h/x",
          "alt=0 key=\"secret-c\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"$SD\"] http://h/x",
          "alt=0 key=\"secret d\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key $SA] http://ps.callme.com/profiles/abcdefg.cfg",
          "alt=0 key=\"secret-a\" http host=ps.callme.com port=80 path=/profiles/abcdefg.cfg query=(null)" },
        { SPA_RULE_PROFILE, "[--key $MA$B] http://h/x",
          "alt=0 key=\"000e08aabbcc123\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"a]b\"] http://h/x",
          "alt=0 key=\"a]b\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key MyOwnSecret ] tftp://192.168.1.200/basic.cfg",
          "alt=0 key=\"MyOwnSecret\" tftp host=192.168.1.200 port=69 path=/basic.cfg query=(null)" },
        { SPA_RULE_PROFILE, "[--alias a ] tftp://192.168.1.200/customer.xml",
          "alt=0 alias=a tftp host=192.168.1.200 port=69 path=/customer.xml query=(null)" },
        { SPA_RULE_PROFILE, "[--alias m ] http://acct.voipservice.net/credentials/spa$MA.xml",
          "alt=0 alias=m http host=acct.voipservice.net port=80 path=/credentials/spa000e08aabbcc.xml query=(null)" },
        { SPA_RULE_PROFILE, "[--post f ] http://ps.one.com/cpe/resyncs?",
          "alt=0 post=f http host=ps.one.com port=80 path=/cpe/resyncs? query=" },
        /* combining options (§2.12), and every order of all three */
        { SPA_RULE_PROFILE, "[--post j --alias k] http://h/x",
          "alt=0 post=j alias=k http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"SymmetricSecret\" --alias a] http://h/x",
          "alt=0 key=\"SymmetricSecret\" alias=a http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"$SB\" --post g] http://h/x",
          "alt=0 key=\"secret-b\" post=g http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--alias a --key abracadabra321 --post c] http://h/x",
          "alt=0 key=\"abracadabra321\" post=c alias=a http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key k --post c --alias a] https://h/x",
          "alt=0 key=\"k\" post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key k --alias a --post c] https://h/x",
          "alt=0 key=\"k\" post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--post c --key k --alias a] https://h/x",
          "alt=0 key=\"k\" post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--post c --alias a --key k] https://h/x",
          "alt=0 key=\"k\" post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--alias a --post c --key k] https://h/x",
          "alt=0 key=\"k\" post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--alias A --post C] https://h/x",
          "alt=0 post=c alias=a https host=h port=443 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--alias b --key x] /tftp-alias.xml",
          "alt=0 key=\"x\" alias=b tftp host=(null) port=69 path=/tftp-alias.xml query=(null) dhcp" },
        { SPA_RULE_PROFILE, "[ ] /empty-brackets.cfg",
          "alt=0 tftp host=(null) port=69 path=/empty-brackets.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "(1 eq 1)? (a = \"x\";)! [--key \"k k\"] http://h/x",
          "alt=0 GPP_A=\"x\" key=\"k k\" http host=h port=80 path=/x query=(null)" },
        /* Report_Rule: --key only */
        { SPA_RULE_REPORT, "[ --key secretphrase ] http://prov.serv.net/spa/$MA/rep.xml.enc",
          "alt=0 key=\"secretphrase\" http host=prov.serv.net port=80 path=/spa/000e08aabbcc/rep.xml.enc query=(null)" },
        { SPA_RULE_REPORT, "tftp://h/rep.xml",
          "alt=0 tftp host=h port=69 path=/rep.xml query=(null)" },
    };
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
}

/* §2.13 upgrade rule examples. */
static void test_upgrade_examples(void **state)
{
    static const char *beta = "(\"$F\" ne \"beta-customer\")? http://p.tel.com/firmware/spa021025.bin\n"
                              "  | http://p.tel.com/firmware/spa-test-0527s.bin";
    static const eval_case t[] = {
        { SPA_RULE_UPGRADE, "http://p.tel.com/firmware/spa021025.bin",
          "alt=0 http host=p.tel.com port=80 path=/firmware/spa021025.bin query=(null)" },
        /* $SWVER = 2.0.6(b) is not 2.0.6 */
        { SPA_RULE_UPGRADE, "( $SWVER ne 2.0.6 )? http://ps.tell.com/sw/spa021024.bin",
          "alt=0 http host=ps.tell.com port=80 path=/sw/spa021024.bin query=(null)" },
        /* a real-world rule (SPA50x firmware writes 7.5.2b) */
        { SPA_RULE_UPGRADE, "( $SWVER lt 7.5.2b )? http://cdn.ipex.cz/provisioning/spa50x-30x-7-5-2b.bin"
                            " | http://cdn.ipex.cz/provisioning/spa50x-30x-7-6-2.bin",
          "alt=0 http host=cdn.ipex.cz port=80 path=/provisioning/spa50x-30x-7-5-2b.bin query=(null)" },
        /* multi-stage upgrade chain on $SWVER */
        { SPA_RULE_UPGRADE, "($SWVER lt 2.0.5)? http://h/spa-2.0.5.bin | ($SWVER lt 2.0.7)? "
                            "http://h/spa-2.0.7.bin | (a = \"done\")!",
          "alt=1 http host=h port=80 path=/spa-2.0.7.bin query=(null)" },
    };
    eval_case b[1] = { { SPA_RULE_UPGRADE, beta,
                         "alt=0 http host=p.tel.com port=80 path=/firmware/spa021025.bin query=(null)" } };
    (void)state;
    run_eval_cases(&t[0], 1, NULL);
    run_eval_cases(b, 1, NULL);
    set_var("F", "beta-customer");
    b[0].want = "alt=1 http host=p.tel.com port=80 path=/firmware/spa-test-0527s.bin query=(null)";
    run_eval_cases(b, 1, NULL);
    run_eval_cases(&t[1], 3, NULL);
    set_var("SWVER", "2.0.6");
    eval_case same[1] = { { SPA_RULE_UPGRADE, t[1].text, "skipped" } };
    run_eval_cases(same, 1, NULL);
    set_var("SWVER", "2.0.7");
    eval_case last[1] = { { SPA_RULE_UPGRADE, t[3].text, "alt=2 GPP_A=\"done\"" } };
    run_eval_cases(last, 1, NULL);
    set_var("SWVER", "7.5.2b");
    last[0].text = t[2].text;
    last[0].want = "alt=1 http host=cdn.ipex.cz port=80 path=/provisioning/spa50x-30x-7-6-2.bin query=(null)";
    run_eval_cases(last, 1, NULL);
}

/* Legacy forms (§2.9): missing left operand = $SWVER, lone '!' = '!='. */
static void test_legacy(void **state)
{
#define PRE "(<1.0)?/pre-rel.cfg | /curr.cfg"
    static const char *pre = PRE;
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "(! 1.0.33)? /not-1033.cfg | /is-1033.cfg",
          "alt=0 tftp host=(null) port=69 path=/not-1033.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "($SWVER ! 2.0.6(b))? /a | /b",
          "alt=1 tftp host=(null) port=69 path=/b query=(null) dhcp" },
        { SPA_RULE_PROFILE, "(>= 2.0.6)? /ge | /lt",
          "alt=0 tftp host=(null) port=69 path=/ge query=(null) dhcp" },
        { SPA_RULE_PROFILE, "(eq 2.0.6(B))? /eq | /ne",
          "alt=0 tftp host=(null) port=69 path=/eq query=(null) dhcp" },
        { SPA_RULE_PROFILE, PRE, "alt=1 tftp host=(null) port=69 path=/curr.cfg query=(null) dhcp" },
    };
    eval_case p[1] = { { SPA_RULE_PROFILE, pre,
                         "alt=0 tftp host=10.1.1.1 port=69 path=/pre-rel.cfg query=(null) dhcp" } };
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
    set_var("SWVER", "0.9.5");
    run_eval_cases(p, 1, "10.1.1.1");
    set_var("SWVER", "1.0.33");
    eval_case q[1] = { { SPA_RULE_PROFILE, t[0].text,
                         "alt=1 tftp host=(null) port=69 path=/is-1033.cfg query=(null) dhcp" } };
    run_eval_cases(q, 1, NULL);
}

/* '#' comments (§2.7). */
static void test_comments(void **state)
{
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "# http://192.168.1.200/sample.cfg", "skipped" },
        { SPA_RULE_PROFILE, "   #http://192.168.1.200/sample.cfg", "skipped" },
        { SPA_RULE_UPGRADE, "# http://p.tel.com/firmware/spa021025.bin", "skipped" },
        { SPA_RULE_REPORT, "#[--key x] http://h/r.xml", "skipped" },
        { SPA_RULE_PROFILE, "", "skipped" },
        { SPA_RULE_PROFILE, " \t\n ", "skipped" },
        { SPA_RULE_PROFILE, "/a.cfg # was /b.cfg",
          "alt=0 tftp host=(null) port=69 path=/a.cfg query=(null) dhcp" },
        { SPA_RULE_PROFILE, "(1 eq 2)? /a | /b #| /c",
          "alt=1 tftp host=(null) port=69 path=/b query=(null) dhcp" },
        { SPA_RULE_PROFILE, "(a = \"#not a comment\")! #/x", "alt=0 GPP_A=\"#not a comment\"" },
        { SPA_RULE_PROFILE, "(1 eq 1)? #(a = \"x\")! /y", "alt=0" },
        { SPA_RULE_TRIGGER, "1 eq 1 # and 1 eq 2", "alt=0" },
        { SPA_RULE_TRIGGER, "# 1 eq 1", "skipped" },
    };
    spa_rule *r;
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
    r = parse_ok(SPA_RULE_PROFILE, "# http://192.168.1.200/sample.cfg");
    assert_int_equal(spa_rule_alt_count(r), 0);
    spa_rule_free(r);
}

/* ------------------------------------------------------------ conditions */

typedef struct cond_case {
    const char *text;
    int want;           /* 1 true, 0 false */
    int warns;          /* number of warnings expected */
} cond_case;

static void run_conds(const cond_case *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        spa_rule *r = parse_ok(SPA_RULE_TRIGGER, t[i].text);
        spa_rule_env e = env_with(NULL);
        spa_diags d;
        spa_diags_init(&d);
        int got = spa_rule_eval_trigger(r, &e, &d);
        if (got != t[i].want || (int)d.n != t[i].warns)
            fail_msg("trigger '%s' = %d (%zu warnings), want %d (%d)", t[i].text, got, d.n,
                     t[i].want, t[i].warns);
        for (size_t k = 0; k < d.n; k++)
            assert_int_equal(d.v[k].severity, SPA_DIAG_WARNING);
        /* the same through the ( )? form of a profile rule */
        char buf[512];
        snprintf(buf, sizeof buf, "(%s)? /t | /f", t[i].text);
        spa_rule *pr = parse_ok(SPA_RULE_PROFILE, buf);
        spa_rule_result res;
        spa_rule_result_init(&res);
        assert_int_equal(spa_rule_eval(pr, &e, &res, NULL), 0);
        assert_string_equal(res.url.path, t[i].want ? "/t" : "/f");
        spa_rule_result_free(&res);
        spa_rule_free(pr);
        spa_rule_free(r);
        spa_diags_free(&d);
    }
}

static void test_operators(void **state)
{
    static const cond_case t[] = {
        /* integers */
        { "1 = 1", 1, 0 },   { "1 eq 2", 0, 0 },  { "1 != 2", 1, 0 }, { "1 ne 1", 0, 0 },
        { "1 < 2", 1, 0 },   { "2 lt 2", 0, 0 },  { "2 <= 2", 1, 0 }, { "3 le 2", 0, 0 },
        { "3 > 2", 1, 0 },   { "2 gt 2", 0, 0 },  { "2 >= 2", 1, 0 }, { "1 ge 2", 0, 0 },
        { "10 gt 9", 1, 0 }, { "-1 lt 0", 1, 0 }, { "+5 eq 5", 1, 0 }, { "007 eq 7", 1, 0 },
        { "1 EQ 1", 1, 0 },  { "2 Gt 1", 1, 0 },  { "1<2", 1, 0 },     { "1!=1", 0, 0 },
        /* versions */
        { "2.0.6 = 2.0.6", 1, 0 },      { "2.0.6 eq 2.0.6(b)", 0, 0 }, { "2.0.6 != 2.0.6(b)", 1, 0 },
        { "2.0.6 < 2.0.6(b)", 1, 0 },   { "1.0.31(b) lt 1.0.31(c)", 1, 0 },
        { "2.0.10 gt 2.0.9", 1, 0 },    { "2.0.3(0412s) le 2.0.3(b)", 1, 0 },
        { "1.0 eq 1.0.0", 1, 0 },       { "2.0.3(G) eq 2.0.3(g)", 1, 0 },
        { "1.0.33 >= 1.0.31(b)", 1, 0 }, { "1.0.33 ge 1.0.34", 0, 0 },
        /* integer against version: n means n.0.0 */
        { "2 lt 2.0.1", 1, 0 },  { "2 eq 2.0.0", 1, 0 }, { "3 gt 2.9.9", 1, 0 },
        /* strings: eq/ne only, exact bytes */
        { "\"a\" = \"a\"", 1, 0 },  { "\"a\" eq \"A\"", 0, 0 }, { "\"a\" != \"b\"", 1, 0 },
        { "\"\" eq \"\"", 1, 0 },   { "\"a b\" ne \"a b\"", 0, 0 }, { "\"1\" eq \"01\"", 0, 0 },
        /* 'and' */
        { "1 eq 1 and 2 eq 2", 1, 0 }, { "1 eq 1 and 2 eq 3", 0, 0 },
        { "1 eq 2 and 2 eq 2", 0, 0 }, { "1 eq 1 AND 2 ge 1 and \"x\" ne \"y\"", 1, 0 },
    };
    (void)state;
    run_conds(t, sizeof t / sizeof t[0]);
}

/* Macros in conditions: quoted → string, unquoted → integer or version. */
static void test_macro_conditions(void **state)
{
    static const cond_case t[] = {
        { "$REGTMR1 gt 300 and $PRVTMR ge 600", 0, 0 },
        { "$REGTMR1 eq 0", 1, 0 },
        { "$PRVST eq -1", 1, 0 },
        { "$SWVER ge 2.0.6 and \"$CCERT\" eq \"Installed\"", 1, 0 },
        { "$SWVER gt 2.0.6", 1, 0 },          /* 2.0.6(b) > 2.0.6 */
        { "$SWVER gt 2", 1, 0 },              /* against n.0.0 */
        { "$SWVER lt 3", 1, 0 },
        { "$HWVER eq 1.88.1", 1, 0 },
        { "$(SWVER) eq 2.0.6(b)", 1, 0 },
        { "\"$(MAU:4)\" eq \"08AABBCC\"", 1, 0 },
        { "\"$EXTIP\" ne \"\"", 1, 0 },
        { "\"$A$B\" eq \"123\"", 1, 0 },
        { "\"$$MA\" eq \"$$MA\"", 1, 0 }, { "\"$$MA\" eq \"$MA\"", 0, 0 },
        /* $SA–$SD are not expanded outside --key */
        { "\"$SA\" eq \"secret-a\"", 0, 0 },
        { "\"$SA\" eq \"$$SA\"", 1, 0 },
        /* typing failures: comparison false, one warning */
        { "$CCERT eq \"Installed\"", 0, 1 },   /* unquoted text is no number */
        { "$SWVER eq \"2.0.6(b)\"", 0, 1 },    /* version vs string */
        { "$UNKNOWN gt 1", 0, 1 },             /* stays "$UNKNOWN" */
        { "$A eq 0", 0, 1 },                   /* empty is no number */
        { "$MA ne 1", 0, 1 },
        { "1 eq 1 and $UNKNOWN gt 1", 0, 1 },
        { "1 eq 2 and $UNKNOWN gt 1", 0, 0 },  /* not reached */
    };
    (void)state;
    run_conds(t, sizeof t / sizeof t[0]);
}

/* The trigger examples with registration state changing (§2.13 Triggers). */
static void test_triggers(void **state)
{
    static const char *trig = "$REGTMR1 gt 300 and $PRVTMR ge 600";
    static const char *trig2 = "$REGTMR1 gt 300 and $PRVTMR gt 1200 and \"$EXTIP\" ne \"\"";
    spa_rule *r = parse_ok(SPA_RULE_TRIGGER, trig), *r2 = parse_ok(SPA_RULE_TRIGGER, trig2);
    spa_rule *empty = parse_ok(SPA_RULE_TRIGGER, "");
    spa_rule_env e = env_with(NULL);
    (void)state;
    assert_int_equal(spa_rule_alt_count(empty), 0);
    assert_int_equal(spa_rule_eval_trigger(empty, &e, NULL), 0);
    assert_int_equal(spa_rule_eval_trigger(r, &e, NULL), 0);
    set_var("REGTMR1", "301");
    assert_int_equal(spa_rule_eval_trigger(r, &e, NULL), 1);
    assert_int_equal(spa_rule_eval_trigger(r2, &e, NULL), 1);
    set_var("PRVTMR", "599");
    assert_int_equal(spa_rule_eval_trigger(r, &e, NULL), 0);
    set_var("PRVTMR", "1300");
    set_var("EXTIP", "");
    assert_int_equal(spa_rule_eval_trigger(r2, &e, NULL), 0);
    spa_rule_free(r);
    spa_rule_free(r2);
    spa_rule_free(empty);
}

/* A warning names the operand's column and never its expanded value. */
static void test_warning_text(void **state)
{
    spa_rule *r;
    spa_diags d;
    spa_rule_env e = { tu_kv_lookup, vars, NULL, "dev.xml", 9, 20 };
    (void)state;
    spa_diags_init(&d);
    assert_int_equal(spa_rule_parse(&r, "1 eq 1 and $CCERT eq 1", 22, SPA_RULE_TRIGGER, "dev.xml",
                                    9, 20, &d), 0);
    assert_int_equal(spa_rule_eval_trigger(r, &e, &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].line, 9);
    assert_int_equal(d.v[0].col, 31);     /* 20 + offset 11 */
    assert_non_null(strstr(d.v[0].message, "'$CCERT'"));
    assert_null(strstr(d.v[0].message, "Installed"));
    spa_rule_free(r);
    spa_diags_free(&d);
}

/* ------------------------------------------------------------ errors */

typedef struct err_case {
    spa_rule_mode mode;
    const char *text;
    unsigned col;
    const char *msg;
} err_case;

static void test_syntax_errors(void **state)
{
    static const err_case t[] = {
        /* URLs */
        { SPA_RULE_PROFILE, "http://host", 12, "missing absolute file path" },
        { SPA_RULE_PROFILE, "http://host?x", 12, "missing absolute file path" },
        { SPA_RULE_PROFILE, "host", 5, "missing absolute file path" },
        { SPA_RULE_PROFILE, "spa.cfg", 8, "missing absolute file path" },
        { SPA_RULE_PROFILE, "ftp://h/x", 1, "unsupported scheme" },
        { SPA_RULE_PROFILE, "://h/x", 1, "missing scheme" },
        { SPA_RULE_PROFILE, "http://h:0/x", 10, "invalid port" },
        { SPA_RULE_PROFILE, "http://h:70000/x", 10, "invalid port" },
        { SPA_RULE_PROFILE, "http://h:/x", 10, "invalid port" },
        { SPA_RULE_PROFILE, "http://h:8a/x", 10, "invalid port" },
        { SPA_RULE_PROFILE, "http://:80/x", 8, "port without a server" },
        { SPA_RULE_PROFILE, "http://h@x/y", 9, "invalid character in server name" },
        { SPA_RULE_PROFILE, "ftp://$A/x", 1, "unsupported scheme" },
        { SPA_RULE_PROFILE, "/a\x01.cfg", 3, "invalid character in file path" },
        { SPA_RULE_PROFILE, "/a.cfg /b.cfg", 8, "expected '|' or end of rule" },
        /* alternatives */
        { SPA_RULE_PROFILE, "/a.cfg | /b.cfg", 1, "only the last alternative may omit the condition" },
        { SPA_RULE_PROFILE, "(1 eq 1)? /a | (a=\"1\")! /b | /c", 16,
          "only the last alternative may omit the condition" },
        { SPA_RULE_PROFILE, "($A eq \"x\")? /a |", 18, "empty alternative after '|'" },
        { SPA_RULE_PROFILE, "(1 eq 1)? /a | # /b", 16, "empty alternative after '|'" },
        { SPA_RULE_PROFILE, "(1 eq 1)? /a || /b", 15, "empty alternative" },
        { SPA_RULE_PROFILE, "| /b", 1, "empty alternative" },
        /* conditions */
        { SPA_RULE_PROFILE, "( \"a\" lt \"b\" )? /x", 7, "ordering comparison on a string" },
        { SPA_RULE_PROFILE, "( $A ge \"b\" )? /x", 6, "ordering comparison on a string" },
        { SPA_RULE_PROFILE, "( abc eq 1 )? /x", 3, "'abc' is neither an integer nor a version" },
        { SPA_RULE_PROFILE, "( 1 eq Installed )? /x", 8, "'Installed' is neither" },
        { SPA_RULE_PROFILE, "( 1.2.3.4 eq 1 )? /x", 3, "neither an integer nor a version" },
        { SPA_RULE_PROFILE, "( \"a\" eq 1 )? /x", 7, "type mismatch" },
        { SPA_RULE_PROFILE, "( 2.0.6 ne \"2.0.6\" )? /x", 9, "type mismatch" },
        { SPA_RULE_PROFILE, "( = \"1.0\" )? /x", 3, "type mismatch" },
        { SPA_RULE_PROFILE, "( 1 == 1 )? /x", 5, "'==' is not an operator" },
        { SPA_RULE_PROFILE, "( 1 eq 1 or 2 eq 2 )? /x", 10, "only 'and' may join" },
        { SPA_RULE_PROFILE, "( 1 eq 1 2 eq 2 )? /x", 10, "expected 'and' or ')'" },
        { SPA_RULE_PROFILE, "( 1 eq )? /x", 8, "expected an operand" },
        { SPA_RULE_PROFILE, "( 1 1 )? /x", 5, "expected a comparison operator" },
        { SPA_RULE_PROFILE, "( )? /x", 3, "expected a comparison" },
        { SPA_RULE_PROFILE, "( 1 eq 1 /x", 1, "missing ')'" },
        { SPA_RULE_PROFILE, "( 1 eq 1 ) /x", 12, "expected '?' (condition) or '!'" },
        { SPA_RULE_PROFILE, "( 1 eq \"x )? /x", 1, "missing ')'" },
        { SPA_RULE_PROFILE, "( 1 eq (1) )? /x", 8, "unexpected '('" },
        { SPA_RULE_PROFILE, "( $A eq \"1\" # x )? /x", 13, "expected 'and' or ')'" },
        { SPA_RULE_PROFILE, "(a = \"x\";)! (1 eq 1)? /x", 13, "condition must come before the assignments" },
        { SPA_RULE_PROFILE, "(1 eq 1)? (2 eq 2)? /x", 11, "only one condition" },
        { SPA_RULE_PROFILE, "(a = \"x\";)! (b = \"y\";)! /x", 13, "only one assignment list" },
        /* assignments */
        { SPA_RULE_PROFILE, "(a = x;)! /x", 6, "must be a double-quoted string" },
        { SPA_RULE_PROFILE, "(a \"x\";)! /x", 4, "expected '='" },
        { SPA_RULE_PROFILE, "(a = \"x\" b = \"y\")! /x", 10, "expected ';'" },
        { SPA_RULE_PROFILE, "(= \"x\")! /x", 2, "expected a parameter name" },
        { SPA_RULE_PROFILE, "(1a = \"x\")! /x", 2, "expected a parameter name" },
        { SPA_RULE_PROFILE, "(a = \"x)! /x", 1, "missing ')'" },
        /* options */
        { SPA_RULE_PROFILE, "[--key] http://h/x", 7, "--key needs an argument" },
        { SPA_RULE_PROFILE, "[--uid x] http://h/x", 2, "option not supported" },
        { SPA_RULE_PROFILE, "[--delta] http://h/x", 2, "option not supported" },
        { SPA_RULE_PROFILE, "[key x] http://h/x", 2, "unknown option (options are" },
        { SPA_RULE_PROFILE, "[--key my secret phrase] http://h/x", 11, "quote a --key argument" },
        { SPA_RULE_PROFILE, "[--post q] http://h/x", 9, "--post takes one GPP letter a-p" },
        { SPA_RULE_PROFILE, "[--alias ab] http://h/x", 10, "--alias takes one GPP letter" },
        { SPA_RULE_PROFILE, "[--post a --post b] http://h/x", 11, "--post given twice" },
        { SPA_RULE_PROFILE, "[--key a --key b] http://h/x", 10, "--key given twice" },
        { SPA_RULE_PROFILE, "[--key x http://h/x", 1, "missing ']'" },
        { SPA_RULE_PROFILE, "[--key x]", 10, "options without a URL" },
        { SPA_RULE_PROFILE, "(1 eq 1)? [--alias a] | /b", 23, "options without a URL" },
        { SPA_RULE_PROFILE, "[--post a] /x", 12, "--post needs an http or https URL" },
        { SPA_RULE_PROFILE, "[--post a] tftp://h/x", 12, "--post needs an http or https URL" },
        { SPA_RULE_PROFILE, "[--post a] h/x", 12, "--post needs an http or https URL" },
        { SPA_RULE_PROFILE, "[--key x] (1 eq 1)? /x", 11, "must come before the options and the URL" },
        { SPA_RULE_PROFILE, "[--key x] [--post a] http://h/x", 11, "options given twice" },
        { SPA_RULE_UPGRADE, "[--key x] http://h/x", 1, "Upgrade_Rule takes no URL options" },
        { SPA_RULE_UPGRADE, "(1 eq 1)? [--alias a] http://h/x", 11, "Upgrade_Rule takes no URL options" },
        { SPA_RULE_REPORT, "[--post a] http://h/x", 2, "Report_Rule accepts only --key" },
        { SPA_RULE_REPORT, "[--key k --alias a] http://h/x", 10, "Report_Rule accepts only --key" },
        /* triggers */
        { SPA_RULE_TRIGGER, "($REGTMR1 gt 300)?", 1, "bare condition" },
        { SPA_RULE_TRIGGER, "1 eq 1 /x", 8, "expected 'and' or end of condition" },
        { SPA_RULE_TRIGGER, "1 eq 1 )", 8, "unexpected ')'" },
        { SPA_RULE_TRIGGER, "1 eq 1 and", 11, "expected a comparison" },
        { SPA_RULE_TRIGGER, "\"abc", 1, "unterminated string" },
        { SPA_RULE_TRIGGER, "1 eq \x80", 6, "non-ASCII" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_rule *r = (spa_rule *)1;
        spa_diags d;
        spa_diags_init(&d);
        int rc = spa_rule_parse(&r, t[i].text, strlen(t[i].text), t[i].mode, "p.xml", 4, 0, &d);
        if (rc != -1)
            fail_msg("'%s' should fail (rc %d)", t[i].text, rc);
        assert_null(r);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.errors, 1);
        assert_int_equal(d.v[0].line, 4);
        assert_string_equal(d.v[0].file, "p.xml");
        if (d.v[0].col != t[i].col || !strstr(d.v[0].message, t[i].msg))
            fail_msg("'%s': got col %u '%s', want col %u '%s'", t[i].text, d.v[0].col,
                     d.v[0].message, t[i].col, t[i].msg);
        spa_diags_free(&d);
    }
}

/* The caller's column of the value shifts every reported column. */
static void test_error_column_offset(void **state)
{
    spa_rule *r;
    spa_diags d;
    (void)state;
    spa_diags_init(&d);
    assert_int_equal(spa_rule_parse(&r, "http://host", 11, SPA_RULE_PROFILE, "prof.xml", 12, 30, &d), -1);
    assert_int_equal(d.v[0].col, 41);
    assert_true(tu_diags_contain(&d, "prof.xml:12:41:"));
    spa_diags_free(&d);
}

/* URL problems that only show after macro expansion fail the evaluation. */
static void test_eval_errors(void **state)
{
    static const struct { const char *rule, *a, *msg; } t[] = {
        { "$A", "http://host", "missing absolute file path" },
        { "$A", "", "missing absolute file path" },
        { "http://$A/x", "bad host", "invalid character in server name" },
        { "$A/x", "gopher://h", "unsupported scheme" },
        { "[--post b] $A", "tftp://h/x", "--post needs an http or https URL" },
        { "[--post b] $A", "/x", "--post needs an http or https URL" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_rule_result res;
        spa_diags d;
        spa_diags_init(&d);
        set_var("A", t[i].a);
        assert_int_equal(eval_text(SPA_RULE_PROFILE, t[i].rule, NULL, &res, &d), -1);
        assert_int_equal(res.alt, -1);
        assert_false(res.has_url);
        assert_int_equal(d.errors, 1);
        if (!strstr(d.v[0].message, t[i].msg))
            fail_msg("'%s' with A='%s': '%s'", t[i].rule, t[i].a, d.v[0].message);
        assert_int_equal(d.v[0].line, 5);
        spa_diags_free(&d);
    }
    /* and succeed with a good value */
    spa_rule_result res;
    set_var("A", "https://p.tel.com:8443/cfg/$MA.xml");
    assert_int_equal(eval_text(SPA_RULE_PROFILE, "[--post b] $A", NULL, &res, NULL), 0);
    assert_string_equal(res.identity, "https://p.tel.com:8443/cfg/$MA.xml");  /* single pass */
    spa_rule_result_free(&res);
}

/* $SA–$SD: expanded in --key only, never in the URL or a condition. */
static void test_secret_macros(void **state)
{
    static const eval_case t[] = {
        { SPA_RULE_PROFILE, "[--key $SA] http://h/$SA.cfg",
          "alt=0 key=\"secret-a\" http host=h port=80 path=/$SA.cfg query=(null)" },
        { SPA_RULE_PROFILE, "(\"$SA\" eq \"secret-a\")? /yes | /no",
          "alt=1 tftp host=(null) port=69 path=/no query=(null) dhcp" },
        { SPA_RULE_PROFILE, "[--key $A] http://h/x",
          "alt=0 key=\"\" http host=h port=80 path=/x query=(null)" },
        { SPA_RULE_PROFILE, "[--key \"\"] http://h/x",
          "alt=0 key=\"\" http host=h port=80 path=/x query=(null)" },
    };
    (void)state;
    run_eval_cases(t, sizeof t / sizeof t[0], NULL);
}

/* Keys never appear in formatted rules, results or diagnostics. */
static void test_key_never_printed(void **state)
{
    spa_rule *r = parse_ok(SPA_RULE_PROFILE, "[--key VerySecretValue --post a] http://h/x");
    spa_rule_env e = env_with(NULL);
    spa_rule_result res;
    spa_buf b;
    (void)state;
    spa_buf_init(&b);
    assert_int_equal(spa_rule_format(r, &b), 0);
    assert_string_equal(b.data, "[--key *** --post a] http://h/x");
    spa_buf_reset(&b);
    spa_rule_result_init(&res);
    assert_int_equal(spa_rule_eval(r, &e, &res, NULL), 0);
    assert_string_equal(res.key, "VerySecretValue");
    assert_int_equal(spa_rule_result_format(&res, &b), 0);
    assert_string_equal(b.data, "alt 0; --key ***; --post a; url http://h:80/x");
    assert_null(strstr(b.data, "Secret"));
    spa_rule_result_free(&res);
    spa_rule_free(r);

    r = parse_ok(SPA_RULE_PROFILE, "[--key $SA] /x");
    spa_buf_reset(&b);
    assert_int_equal(spa_rule_eval(r, &e, &res, NULL), 0);
    assert_int_equal(spa_rule_result_format(&res, &b), 0);
    assert_null(strstr(b.data, "secret"));
    spa_rule_result_free(&res);
    spa_rule_free(r);

    /* a bad option after a key: the diagnostic does not echo the key */
    spa_diags d;
    spa_diags_init(&d);
    assert_int_equal(spa_rule_parse(&r, "[--key TopSecret99 --bogus] http://h/x", 38,
                                    SPA_RULE_PROFILE, NULL, 0, 0, &d), -1);
    assert_false(tu_diags_contain(&d, "TopSecret99"));
    spa_diags_free(&d);
    /* an unquoted key with blanks: the error must not echo its tail */
    spa_diags_init(&d);
    assert_int_equal(spa_rule_parse(&r, "[--key my hidden phrase] http://h/x", 35,
                                    SPA_RULE_PROFILE, NULL, 0, 0, &d), -1);
    assert_false(tu_diags_contain(&d, "hidden"));
    assert_false(tu_diags_contain(&d, "phrase"));
    spa_diags_free(&d);
    spa_buf_free(&b);
}

/* Canonical formatting, and format → parse → format is stable. */
static void test_format(void **state)
{
    static const struct { spa_rule_mode mode; const char *in, *out; } t[] = {
        { SPA_RULE_PROFILE, "( $SWVER ne 2.0.6 )? http://ps.tell.com/sw/spa021024.bin",
          "($SWVER ne 2.0.6)? http://ps.tell.com/sw/spa021024.bin" },
        { SPA_RULE_PROFILE, "(<1.0)?/pre-rel.cfg | /curr.cfg", "($SWVER lt 1.0)? /pre-rel.cfg | /curr.cfg" },
        { SPA_RULE_PROFILE, "(! 1.0.33)? /a", "($SWVER ne 1.0.33)? /a" },
        { SPA_RULE_PROFILE, "(\"$A\" != \"Provisioned\")?(Line_Enable[1]=\"No\")!https://p.tel.com/init-prov|https://p.tel.com/configs",
          "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov | https://p.tel.com/configs" },
        { SPA_RULE_PROFILE, "( c = \"\" ; d = \"$MA\" )!", "(GPP_C = \"\"; GPP_D = \"$MA\";)!" },
        { SPA_RULE_PROFILE, "[ --alias b ] https://p.tel.com/account/spa$MA.xml",
          "[--alias b] https://p.tel.com/account/spa$MA.xml" },
        { SPA_RULE_PROFILE, "# all gone", "" },
        { SPA_RULE_TRIGGER, "$REGTMR1 > 300 and $PRVTMR >= 600",
          "$REGTMR1 gt 300 and $PRVTMR ge 600" },
        { SPA_RULE_TRIGGER, "", "" },
        { SPA_RULE_UPGRADE, "(1<=2)? http://h/a.bin|(a=\"1\")!", "(1 le 2)? http://h/a.bin | (GPP_A = \"1\";)!" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_rule *r = parse_ok(t[i].mode, t[i].in), *r2;
        spa_buf b, b2;
        spa_buf_init(&b);
        spa_buf_init(&b2);
        assert_int_equal(spa_rule_format(r, &b), 0);
        assert_string_equal(b.data ? b.data : "", t[i].out);
        r2 = parse_ok(t[i].mode, b.data ? b.data : "");
        assert_int_equal(spa_rule_format(r2, &b2), 0);
        assert_string_equal(b2.data ? b2.data : "", t[i].out);
        assert_int_equal(spa_rule_get_mode(r), t[i].mode);
        spa_rule_free(r);
        spa_rule_free(r2);
        spa_buf_free(&b);
        spa_buf_free(&b2);
    }
}

/* The AST is one small allocation. */
static void test_memory(void **state)
{
    spa_rule *r = parse_ok(SPA_RULE_PROFILE, "/spa$PSN.cfg");
    (void)state;
    assert_int_equal(spa_rule_alt_count(r), 1);
    assert_true(spa_rule_memory(r) <= 64);
    spa_rule_free(r);
    r = parse_ok(SPA_RULE_PROFILE,
                 "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov"
                 " | https://p.tel.com/configs");
    assert_int_equal(spa_rule_alt_count(r), 2);
    assert_true(spa_rule_memory(r) <= 256);
    spa_rule_free(r);
    assert_int_equal(spa_rule_memory(NULL), 0);
}

/* Size limits: long names, long rules, NUL bytes. */
static void test_limits(void **state)
{
    spa_rule *r;
    spa_diags d;
    char *big = malloc(70001);
    (void)state;
    assert_non_null(big);
    spa_diags_init(&d);
    memset(big, 'x', 70000);
    big[0] = '(';
    memcpy(big + 131, " = \"1\")!", 9);
    assert_int_equal(spa_rule_parse(&r, big, 139, SPA_RULE_PROFILE, NULL, 0, 0, &d), -1);
    assert_true(tu_diags_contain(&d, "parameter name too long"));
    assert_int_equal(d.v[0].col, 2);
    spa_diags_free(&d);
    memset(big, 'x', 70000);
    big[0] = '/';
    assert_int_equal(spa_rule_parse(&r, big, 70000, SPA_RULE_PROFILE, NULL, 0, 0, &d), -1);
    assert_true(tu_diags_contain(&d, "rule too long"));
    spa_diags_free(&d);
    /* the longest accepted rule still works, offsets and all */
    assert_int_equal(spa_rule_parse(&r, big, 60000, SPA_RULE_PROFILE, NULL, 0, 0, &d), 0);
    assert_int_equal(spa_rule_alt_count(r), 1);
    spa_rule_free(r);
    assert_int_equal(spa_rule_parse(&r, "/a\0b", 4, SPA_RULE_PROFILE, NULL, 0, 0, &d), -1);
    assert_true(tu_diags_contain(&d, "NUL byte"));
    spa_diags_free(&d);
    free(big);
}

/* spa_url_parse directly, for the engine's explicit resync/upgrade URLs. */
static void test_url_parse_api(void **state)
{
    spa_url u;
    size_t pos = 99;
    const char *msg = NULL;
    (void)state;
    assert_int_equal(spa_url_parse("https://a.b:444/p/q?r=1", 23, &u, NULL, NULL), 0);
    assert_int_equal(u.scheme, SPA_SCHEME_HTTPS);
    assert_string_equal(u.host, "a.b");
    assert_int_equal(u.port, 444);
    assert_true(u.port_given);
    assert_string_equal(u.path, "/p/q?r=1");
    assert_string_equal(u.query, "r=1");
    spa_url_free(&u);
    assert_int_equal(spa_url_parse("tftp://x", 8, &u, &pos, &msg), -1);
    assert_int_equal(pos, 8);
    assert_non_null(strstr(msg, "absolute"));
    assert_int_equal(spa_scheme_default_port(SPA_SCHEME_TFTP), 69);
    assert_int_equal(spa_scheme_default_port(SPA_SCHEME_HTTP), 80);
    assert_int_equal(spa_scheme_default_port(SPA_SCHEME_HTTPS), 443);
    assert_string_equal(spa_scheme_name(SPA_SCHEME_HTTPS), "https");
    /* IPv6 literals in brackets; the host is kept without them */
    assert_int_equal(spa_url_parse("http://[::1]:8080/a", 19, &u, NULL, NULL), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/a");
    spa_buf b;
    spa_buf_init(&b);
    assert_int_equal(spa_url_format(&b, u.scheme, u.host, u.port, u.path), 0);
    assert_string_equal(b.data, "http://[::1]:8080/a");
    spa_buf_reset(&b);
    assert_int_equal(spa_url_format(&b, SPA_SCHEME_TFTP, "h.test", 69, "/x"), 0);
    assert_string_equal(b.data, "tftp://h.test:69/x");
    spa_buf_free(&b);
    spa_url_free(&u);
    assert_int_equal(spa_url_parse("tftp://[fe80::1]/f", 18, &u, NULL, NULL), 0);
    assert_string_equal(u.host, "fe80::1");
    assert_int_equal(u.port, 69);
    spa_url_free(&u);
    assert_int_equal(spa_url_parse("http://[::1/a", 13, &u, &pos, &msg), -1);
    assert_non_null(strstr(msg, "IPv6"));
    assert_int_equal(spa_url_parse("http://[]/a", 11, &u, &pos, &msg), -1);
}

/* Evaluating again into the same result replaces it. */
static void test_result_reuse(void **state)
{
    spa_rule *r = parse_ok(SPA_RULE_PROFILE, "(\"$A\" eq \"\")? (b = \"x\")! [--key k] http://h/x | /y");
    spa_rule_env e = env_with(NULL);
    spa_rule_result res;
    (void)state;
    spa_rule_result_init(&res);
    assert_int_equal(spa_rule_eval(r, &e, &res, NULL), 0);
    assert_int_equal(res.alt, 0);
    assert_int_equal(res.nassign, 1);
    set_var("A", "z");
    assert_int_equal(spa_rule_eval(r, &e, &res, NULL), 0);
    assert_int_equal(res.alt, 1);
    assert_int_equal(res.nassign, 0);
    assert_false(res.has_key);
    assert_null(res.key);
    assert_string_equal(res.url.path, "/y");
    spa_rule_result_free(&res);
    spa_rule_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_urls, setup),
        cmocka_unit_test_setup(test_dhcp_server_and_identity, setup),
        cmocka_unit_test_setup(test_profile_rule_examples, setup),
        cmocka_unit_test_setup(test_multistage, setup),
        cmocka_unit_test_setup(test_assignments, setup),
        cmocka_unit_test_setup(test_options, setup),
        cmocka_unit_test_setup(test_upgrade_examples, setup),
        cmocka_unit_test_setup(test_legacy, setup),
        cmocka_unit_test_setup(test_comments, setup),
        cmocka_unit_test_setup(test_operators, setup),
        cmocka_unit_test_setup(test_macro_conditions, setup),
        cmocka_unit_test_setup(test_triggers, setup),
        cmocka_unit_test_setup(test_warning_text, setup),
        cmocka_unit_test_setup(test_syntax_errors, setup),
        cmocka_unit_test_setup(test_error_column_offset, setup),
        cmocka_unit_test_setup(test_eval_errors, setup),
        cmocka_unit_test_setup(test_secret_macros, setup),
        cmocka_unit_test_setup(test_key_never_printed, setup),
        cmocka_unit_test_setup(test_format, setup),
        cmocka_unit_test_setup(test_memory, setup),
        cmocka_unit_test_setup(test_limits, setup),
        cmocka_unit_test_setup(test_url_parse_api, setup),
        cmocka_unit_test_setup(test_result_reuse, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
