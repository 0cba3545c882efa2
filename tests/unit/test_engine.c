/* test_engine.c — scenario tests of the provisioning engine on a fake clock
 * and a fake transport: power-up delay, FNF, retry schedules, periodic,
 * triggers, busy lines, partitioned profiles, assignments, multi-stage
 * provisioning, SEC-PRV-1 → SEC-PRV-2, restricted domains, explicit
 * requests, bad fetches, --post, --alias and log-line content. Upgrades,
 * reports and secrets are in test_engine_upgrade.c. Helpers: engine_fake.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "engine_fake.h"

/* ---------------------------------------------------------------- power-up */

static void test_power_up_random_delay(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 42);
    spa_rng r;
    spa_rng_seed(&r, 42);
    uint32_t want = spa_random_upto(spa_rng_next, &r, 40);   /* Resync_Random_Delay 2 × 20 s */
    dev_set(d, "Profile_Rule", "http://ps.example.com/spa$MA.cfg");
    spa_engine_power_up(d->e, 0);
    if (want > 0) {
        dev_advance_to(d, (int64_t)want * 1000 - 1);
        assert_int_equal(d->f.nreq, 0);
    }
    dev_advance_to(d, (int64_t)want * 1000);
    assert_int_equal(d->f.nreq, 1);
    const fake_req *q = last_req(d);
    assert_int_equal(q->method, SPA_XFER_GET);
    assert_int_equal(q->scheme, SPA_SCHEME_HTTP);
    assert_string_equal(q->host, "ps.example.com");
    assert_int_equal(q->port, 80);
    assert_string_equal(q->path, "/spa000e08aabbcc.cfg");
    assert_string_equal(q->ua, "Linksys/SPA-2102-5.1.10 (88012BA01234)");
    assert_int_equal(dev_macro_int(d, "PRVST"), 0);
    dev_free(d);
}

static void test_power_up_no_delay_and_no_reset_resync(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 7);
    dev_set(d, "Profile_Rule", "http://ps.example.com/a.cfg");
    dev_set(d, "Resync_Random_Delay", "0");
    spa_engine_power_up(d->e, 5000);
    assert_int_equal(d->f.nreq, 1);
    dev_free(d);

    d = dev_new("SPA2102", 7);
    dev_set(d, "Profile_Rule", "http://ps.example.com/a.cfg");
    dev_set(d, "Resync_On_Reset", "No");
    spa_engine_power_up(d->e, 0);
    dev_advance_to(d, 86400000);
    assert_int_equal(d->f.nreq, 0);
    assert_int_equal(spa_engine_next_deadline(d->e), SPA_ENGINE_NEVER);
    dev_free(d);
}

/* ---------------------------------------------------------------------- FNF */

static void test_fnf_fails(void **state)
{
    (void)state;
    dev *d = dev_boot("http://ps.example.com/a.cfg", NULL);
    reply(d, SPA_XFER_NOT_FOUND, NULL, 0);
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_string_equal(st.err, "file not found");
    assert_int_equal(st.resync_failures, 1);
    assert_false(st.synced);
    assert_int_equal(st.next_resync, d->now + 3600 * 1000);   /* Resync_Error_Retry_Delay 3600 */
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Resync failed: file not found");
    assert_int_equal(spa_engine_get_stats(d->e)->fail_by_err[SPA_ERR_FNF], 1);
    dev_free(d);
}

static void test_fnf_counts_as_success(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Fails_On_FNF", "No");
    dev_boot_dev(d, "http://ps.example.com/a.cfg");
    reply(d, SPA_XFER_NOT_FOUND, NULL, 0);
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_true(st.synced);
    assert_int_equal(st.resync_failures, 0);
    assert_int_equal(st.next_resync, d->now + 3600 * 1000);   /* Resync_Periodic 3600 */
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- Successful resync "
                        "http://ps.example.com:80/a.cfg -- file not found");
    assert_int_equal(d->f.reboots, 0);
    dev_free(d);
}

/* ------------------------------------------------------------ retry schedule */

static void test_retry_sequence_then_recovery(void **state)
{
    (void)state;
    static const int64_t gaps[] = { 30, 60, 120, 120 };
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Error_Retry_Delay", "30,60,120");
    dev_set(d, "Resync_Periodic", "1000");
    dev_boot_dev(d, "http://ps.example.com/a.cfg");
    reply(d, SPA_XFER_TIMEOUT, NULL, 0);
    for (size_t i = 0; i < 4; i++) {
        int64_t t = d->now;
        size_t n = d->f.nreq;
        dev_advance_to(d, t + gaps[i] * 1000 - 1);
        assert_int_equal(d->f.nreq, n);
        dev_advance_to(d, t + gaps[i] * 1000);
        assert_int_equal(d->f.nreq, n + 1);
        assert_int_equal(dev_macro_int(d, "PRVST"), 2);
        if (i < 3) {
            reply(d, SPA_XFER_CONNECT_FAILED, NULL, 0);
            assert_string_equal(dev_macro(d, "ERR"), "connect failed");
        }
    }
    reply_text(d, "<flat-profile><GPP_A>ok</GPP_A></flat-profile>");
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_int_equal(st.resync_failures, 0);
    assert_int_equal(st.next_resync, d->now + 1000 * 1000);
    /* periodic, then a failure starts the schedule from its first element */
    dev_advance_to(d, st.next_resync);
    assert_int_equal(dev_macro_int(d, "PRVST"), 1);
    reply(d, SPA_XFER_HTTP_ERROR, NULL, 0);
    assert_string_equal(dev_macro(d, "ERR"), "http_get failed");
    spa_engine_get_status(d->e, &st);
    assert_int_equal(st.next_resync, d->now + 30 * 1000);
    const spa_engine_stats *s = spa_engine_get_stats(d->e);
    spa_buf txt;
    spa_buf_init(&txt);
    assert_int_equal(spa_engine_status_format(d->e, &txt), 0);
    assert_string_equal(txt.data,
                        "phase: idle\nswver: 5.1.10\nprvst: 1\nupgst: 0\nerr: http_get failed\n"
                        "upgerr: \nsynced: yes\nresync_failures: 1\nupgrade_failures: 0\n"
                        "next_resync: in 30 s\nnext_upgrade_retry: never\n"
                        "resyncs: 6 ok 1 failed 5 skipped 0 triggered 0 fetches 6\n"
                        "upgrades: 0 ok 0 failed 0\nreports: 0 failed 0\nreboots: 1\n"
                        "failed[http_get failed]: 1\nfailed[timeout]: 1\nfailed[connect failed]: 3\n");
    spa_buf_free(&txt);
    spa_engine_stats sum;
    memset(&sum, 0, sizeof sum);
    spa_engine_stats_add(&sum, s);
    spa_engine_stats_add(&sum, s);
    assert_int_equal(sum.fail_by_err[SPA_ERR_CONNECT], 6);
    assert_int_equal(sum.resync_ok, 2);
    assert_int_equal(s->resync_fail, 5);
    assert_int_equal(s->resync_ok, 1);
    assert_int_equal(s->fail_by_err[SPA_ERR_TIMEOUT], 1);
    assert_int_equal(s->fail_by_err[SPA_ERR_CONNECT], 3);
    assert_int_equal(s->fail_by_err[SPA_ERR_HTTP_GET], 1);
    dev_free(d);
}

static void test_retry_disabled_and_periodic_after_first_success(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Error_Retry_Delay", "0");
    dev_set(d, "Resync_Periodic", "100");
    dev_boot_dev(d, "http://ps.example.com/a.cfg");
    reply(d, SPA_XFER_NOT_FOUND, NULL, 0);
    /* no retry and, before a first success, no periodic resync */
    assert_int_equal(spa_engine_next_deadline(d->e), SPA_ENGINE_NEVER);
    dev_advance_to(d, d->now + 86400000);
    assert_int_equal(d->f.nreq, 1);
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now), 0);
    assert_int_equal(d->f.nreq, 2);
    assert_int_equal(dev_macro_int(d, "PRVST"), -1);
    reply_text(d, "<flat-profile/>");
    int64_t t0 = d->now;
    for (int i = 1; i <= 3; i++) {
        dev_advance_to(d, t0 + i * 100 * 1000 - 1);
        assert_int_equal(d->f.nreq, (size_t)(1 + i));
        dev_advance_to(d, t0 + i * 100 * 1000);
        assert_int_equal(d->f.nreq, (size_t)(2 + i));
        assert_int_equal(dev_macro_int(d, "PRVST"), 1);
        reply_text(d, "<flat-profile/>");
    }
    /* a failure now waits for the next periodic (retry disabled) */
    dev_advance_to(d, t0 + 400 * 1000);
    reply(d, SPA_XFER_TIMEOUT, NULL, 0);
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_int_equal(st.next_resync, d->now + 100 * 1000);
    dev_free(d);
}

/* ----------------------------------------------------------------- triggers */

static void test_trigger_on_regtmr1(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Periodic", "0");
    dev_set(d, "Resync_Trigger_1", "$REGTMR1 gt 300 and $PRVTMR ge 600");
    dev_boot_dev(d, "http://ps.example.com/a.cfg");
    assert_int_equal(d->now, 0);
    reply_text(d, "<flat-profile/>");
    dev_advance_to(d, 100 * 1000);
    spa_engine_line_registered(d->e, 1, false, d->now);
    dev_advance_to(d, 401 * 1000);
    assert_int_equal(dev_macro_int(d, "REGTMR1"), 301);
    dev_advance_to(d, 599 * 1000);
    assert_int_equal(d->f.nreq, 1);
    dev_advance_to(d, 600 * 1000);
    assert_int_equal(d->f.nreq, 2);
    assert_int_equal(dev_macro_int(d, "PRVST"), 1);
    assert_int_equal(spa_engine_get_stats(d->e)->triggers, 1);
    reply_text(d, "<flat-profile/>");
    /* PRVTMR restarted at 600 s: next at 1200 s; registration back: none */
    dev_advance_to(d, 1199 * 1000);
    assert_int_equal(d->f.nreq, 2);
    dev_advance_to(d, 1200 * 1000);
    assert_int_equal(d->f.nreq, 3);
    reply_text(d, "<flat-profile/>");
    spa_engine_line_registered(d->e, 1, true, d->now);
    assert_int_equal(dev_macro_int(d, "REGTMR1"), 0);
    dev_advance_to(d, 5000 * 1000);
    assert_int_equal(d->f.nreq, 3);
    dev_free(d);
}

/* --------------------------------------------------------------- busy lines */

static void test_busy_line_forced_delay(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Periodic", "1000");
    dev_set(d, "Forced_Resync_Delay", "600");
    dev_boot_dev(d, "http://ps.example.com/a.cfg");
    reply_text(d, "<flat-profile/>");
    dev_advance_to(d, 500 * 1000);
    spa_engine_line_busy(d->e, 1, true, d->now);
    dev_advance_to(d, 1000 * 1000);
    assert_int_equal(d->f.nreq, 1);
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_int_equal(st.phase, SPA_PHASE_WAIT_IDLE);
    assert_int_equal(spa_engine_next_deadline(d->e), 1600 * 1000);
    dev_advance_to(d, 1599 * 1000);
    assert_int_equal(d->f.nreq, 1);
    dev_advance_to(d, 1600 * 1000);
    assert_int_equal(d->f.nreq, 2);
    reply_text(d, "<flat-profile/>");
    /* next due at 2600 s; the line goes idle at 2800 s: resync at once */
    dev_advance_to(d, 2800 * 1000);
    assert_int_equal(d->f.nreq, 2);
    spa_engine_line_busy(d->e, 1, false, d->now);
    assert_int_equal(d->f.nreq, 3);
    dev_free(d);
}

/* -------------------------------------------------------- partitioned A + B */

static void test_partitioned_profiles(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Profile_Rule_B", "http://p2.example.com/b.xml");
    dev_set(d, "Resync_Error_Retry_Delay", "60");
    dev_boot_dev(d, "http://p1.example.com/a.xml");
    assert_string_equal(last_req(d)->path, "/a.xml");
    reply_text(d, "<flat-profile><GPP_A>from-a</GPP_A></flat-profile>");
    assert_int_equal(d->f.nreq, 2);
    assert_string_equal(last_req(d)->host, "p2.example.com");
    assert_string_equal(last_req(d)->path, "/b.xml");
    reply(d, SPA_XFER_TIMEOUT, NULL, 0);
    assert_string_equal(dev_get(d, "GPP_A"), "from-a");   /* A was applied */
    assert_int_equal(d->f.reboots, 1);                     /* A changed a value */
    dev_advance_to(d, d->now + 60 * 1000);
    assert_int_equal(d->f.nreq, 3);
    assert_string_equal(last_req(d)->path, "/a.xml");      /* restarts from A */
    reply_text(d, "<flat-profile><GPP_A>from-a</GPP_A></flat-profile>");
    assert_string_equal(last_req(d)->path, "/b.xml");
    reply_text(d, "<flat-profile><GPP_B>from-b</GPP_B></flat-profile>");
    assert_string_equal(dev_get(d, "GPP_B"), "from-b");
    assert_int_equal(d->f.reboots, 2);
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_true(st.synced);
    dev_free(d);
}

/* Profile_Rule blank: B, C and D still run. */
static void test_blank_rule_a_runs_b(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Profile_Rule", "# http://192.168.1.200/sample.cfg");
    dev_set(d, "Profile_Rule_C", "http://p.example.com/c.xml");
    dev_set(d, "Resync_Random_Delay", "0");
    spa_engine_power_up(d->e, 0);
    assert_int_equal(d->f.nreq, 1);
    assert_string_equal(last_req(d)->path, "/c.xml");
    dev_free(d);
}

/* ----------------------------------------------------------- assignments */

static void test_assignments_before_fetch(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_B", "77");
    dev_boot_dev(d, "( User_ID_1_ = \"uid$B\" ; c = \"\" ; d = \"$MA\" ; )! "
                    "http://p.example.com/x.cfg");
    /* the values were in the store when the transfer started */
    assert_string_equal(last_req(d)->gpp_d_at_start, "000e08aabbcc");
    assert_string_equal(dev_get(d, "User_ID_1_"), "uid77");
    assert_string_equal(dev_get(d, "GPP_C"), "");
    reply_text(d, "<flat-profile/>");
    assert_int_equal(d->f.reboots, 1);   /* assignments changed values */
    dev_free(d);

    /* the URL is expanded after the assignments ran */
    d = dev_new("SPA2102", 1);
    dev_boot_dev(d, "( e = \"$MA\" ; )! http://p.example.com/$E.cfg");
    assert_string_equal(last_req(d)->path, "/000e08aabbcc.cfg");
    dev_free(d);
}

static void test_multistage_provisioned_pattern(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Periodic", "300");
    dev_boot_dev(d, "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! "
                    "https://p.tel.com/init-prov | https://p.tel.com/configs");
    assert_string_equal(last_req(d)->path, "/init-prov");
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_HTTPS);
    assert_int_equal(last_req(d)->port, 443);
    assert_string_equal(dev_get(d, "Line_Enable_1_"), "No");
    reply_text(d, "<flat-profile><GPP_A>Provisioned</GPP_A></flat-profile>");
    assert_int_equal(d->f.reboots, 1);
    dev_advance_to(d, d->now + 300 * 1000);
    assert_string_equal(last_req(d)->path, "/configs");
    assert_string_equal(dev_get(d, "Line_Enable_1_"), "No");
    reply_text(d, "<flat-profile><Line_Enable_1_>Yes</Line_Enable_1_></flat-profile>");
    assert_string_equal(dev_get(d, "Line_Enable_1_"), "Yes");
    /* the next resync stays on /configs and keeps line 1 enabled */
    dev_advance_to(d, d->now + 300 * 1000);
    assert_string_equal(last_req(d)->path, "/configs");
    assert_string_equal(dev_get(d, "Line_Enable_1_"), "Yes");
    dev_free(d);
}

/* ------------------------------------------------------ SEC-PRV-1 → SEC-PRV-2 */

static void test_sec_prv_1_to_2(void **state)
{
    (void)state;
    const char *stage1 =
        "<flat-profile>\n"
        "<GPP_A>K3y-for-this-unit</GPP_A>\n"
        "<GPP_B>r4nd0m-9b1c</GPP_B>\n"
        "<Profile_Rule>[--key $A] http://p.example.com/$B/spa$PSN.cfg</Profile_Rule>\n"
        "</flat-profile>\n";
    spa_buf c1, c2;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Periodic", "3600");
    dev_boot_dev(d, "http://p.example.com/init/$MA.cfg");
    assert_string_equal(last_req(d)->path, "/init/000e08aabbcc.cfg");
    /* SEC-PRV-1: a profile targeted at this unit's MAC (spc --target) */
    pack_targeted(stage1, "000e08aabbcc", &c1);
    reply(d, SPA_XFER_OK, c1.data, c1.len);
    assert_string_equal(dev_get(d, "GPP_B"), "r4nd0m-9b1c");
    assert_int_equal(d->f.reboots, 1);
    /* SEC-PRV-2: the next resync fetches the random path, decrypts with $A */
    dev_advance_to(d, d->now + 3600 * 1000);
    assert_int_equal(d->f.nreq, 2);
    assert_string_equal(last_req(d)->path, "/r4nd0m-9b1c/spa2102.cfg");
    pack_openssl("<flat-profile><GPP_C>stage2</GPP_C></flat-profile>", "K3y-for-this-unit", &c2);
    reply(d, SPA_XFER_OK, c2.data, c2.len);
    assert_string_equal(dev_get(d, "GPP_C"), "stage2");
    assert_int_equal(spa_engine_get_stats(d->e)->resync_ok, 2);
    spa_buf_free(&c1);
    spa_buf_free(&c2);

    /* another unit's targeted file does not open here */
    dev *o = dev_boot("http://p.example.com/init/$MA.cfg", NULL);
    pack_targeted(stage1, "000e08112233", &c1);
    reply(o, SPA_XFER_OK, c1.data, c1.len);
    assert_string_equal(dev_macro(o, "ERR"), "wrong key");
    assert_string_equal(dev_get(o, "GPP_A"), "");
    spa_buf_free(&c1);
    dev_free(o);
    dev_free(d);
}

/* --------------------------------------------------------- restricted hosts */

static void test_restricted_access_domains(void **state)
{
    (void)state;
    assert_true(spa_engine_host_allowed("", "anything.org"));
    assert_true(spa_engine_host_allowed("example.com", "example.com"));
    assert_true(spa_engine_host_allowed("example.com, tel.net", "p.TEL.net"));
    assert_true(spa_engine_host_allowed(".example.com", "a.b.example.com"));
    assert_false(spa_engine_host_allowed("example.com", "badexample.com"));
    assert_false(spa_engine_host_allowed("example.com", "example.com.evil.org"));
    assert_false(spa_engine_host_allowed("a.com,b.com,c.com,d.com,e.com,f.com", "f.com"));
    assert_true(spa_engine_host_allowed("a.com,b.com,c.com,d.com,e.com,f.com", "x.e.com"));

    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Restricted_Access_Domains", "example.com,tel.net");
    dev_set(d, "Resync_Error_Retry_Delay", "0,60");   /* "immediately" = 1 s, no spin */
    dev_boot_dev(d, "http://evil.org/x.cfg");
    assert_int_equal(d->f.nreq, 0);
    assert_int_equal(spa_engine_next_deadline(d->e), 1000);
    assert_string_equal(dev_macro(d, "ERR"), "restricted domain");
    assert_true(log_contains(d, "SPA2102 00:0e:08:aa:bb:cc -- refused http://evil.org:80/x.cfg: "
                                "host outside Restricted_Access_Domains"));
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Resync failed: restricted domain");
    assert_int_equal(spa_engine_get_stats(d->e)->fail_by_err[SPA_ERR_RESTRICTED], 1);
    dev_set(d, "Profile_Rule", "http://prov.tel.net/x.cfg");
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now), 0);
    assert_int_equal(d->f.nreq, 1);
    assert_string_equal(last_req(d)->host, "prov.tel.net");
    dev_free(d);
}

/* -------------------------------------------------------- explicit requests */

static void test_explicit_request_gated(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Provision_Enable", "No");
    dev_boot_dev(d, "http://p.example.com/a.cfg");
    assert_int_equal(d->f.nreq, 0);   /* power-up resync skipped too */
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now), -1);
    assert_int_equal(d->f.nreq, 0);
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- resync request refused: Provision_Enable is off");
    dev_set(d, "Provision_Enable", "Yes");
    dev_set(d, "Resync_From_SIP", "No");
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_SIP, NULL, NULL, d->now), -1);
    assert_int_equal(d->f.nreq, 0);
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_WEB, "/spaconf.cfg", "192.168.1.200",
                                               d->now), 0);
    assert_int_equal(d->f.nreq, 1);
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_TFTP);
    assert_string_equal(last_req(d)->host, "192.168.1.200");
    assert_int_equal(last_req(d)->port, 69);
    assert_string_equal(last_req(d)->path, "/spaconf.cfg");
    assert_int_equal(dev_macro_int(d, "PRVST"), -1);
    /* a request while a transfer runs is queued behind it */
    assert_int_equal(spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now), 0);
    assert_int_equal(d->f.nreq, 1);
    reply_text(d, "<flat-profile/>");
    assert_int_equal(d->f.nreq, 2);
    assert_string_equal(last_req(d)->path, "/a.cfg");
    assert_int_equal(spa_engine_get_stats(d->e)->skipped, 3);
    dev_free(d);
}

/* ------------------------------------------------------------ bad fetches */

static void test_bad_fetches_keep_config(void **state)
{
    (void)state;
    spa_buf enc, wrong;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_D", "old");
    dev_set(d, "Resync_Error_Retry_Delay", "10");
    dev_boot_dev(d, "[--key right-key] http://p.example.com/p.cfg");
    pack_openssl("<flat-profile><GPP_D>new</GPP_D></flat-profile>", "right-key", &enc);
    pack_openssl("<flat-profile><GPP_D>new</GPP_D></flat-profile>", "other-key", &wrong);
    struct { const void *p; size_t n; const char *err; } cases[] = {
        { "\x01\x02\x03garbage", 10, "corrupt file" },
        { wrong.data, wrong.len, "wrong key" },
        { enc.data, enc.len - 5, "corrupt file" },
        { "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x01\x02", 12, "corrupt file" },
        { "<flat-profile><GPP_D>new</GPP_D>", 32, "profile syntax error" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (i)
            dev_advance_to(d, d->now + 10 * 1000);
        assert_int_equal(d->f.nreq, i + 1);
        reply(d, SPA_XFER_OK, cases[i].p, cases[i].n);
        assert_string_equal(dev_macro(d, "ERR"), cases[i].err);
        assert_string_equal(dev_get(d, "GPP_D"), "old");
    }
    assert_int_equal(d->f.reboots, 0);
    dev_advance_to(d, d->now + 10 * 1000);
    reply(d, SPA_XFER_OK, enc.data, enc.len);
    assert_string_equal(dev_get(d, "GPP_D"), "new");
    assert_int_equal(d->f.reboots, 1);
    spa_buf_free(&enc);
    spa_buf_free(&wrong);
    dev_free(d);
}

/* ------------------------------------------------------- --post and --alias */

static void test_post_body(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_F", "Product = \"$PN\"; MAC_Addr = \"$MA\"; Ser_Num = \"$SN\"; SW_Ver = \"$SWVER\";");
    dev_boot_dev(d, "[--post f ] http://ps.one.com/cpe/resyncs?");
    const fake_req *q = last_req(d);
    assert_int_equal(q->method, SPA_XFER_POST);
    assert_string_equal(q->path, "/cpe/resyncs?");
    assert_string_equal(q->ctype, "text/plain");
    assert_string_equal(q->body, "Product = \"SPA2102\"; MAC_Addr = \"000e08aabbcc\"; "
                                 "Ser_Num = \"88012BA01234\"; SW_Ver = \"5.1.10\";");
    reply(d, SPA_XFER_HTTP_ERROR, NULL, 0);
    assert_string_equal(dev_macro(d, "ERR"), "http_post failed");
    dev_free(d);
}

static void test_alias_map(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_M", "/CPE/SIP-Credentials/name = /flat-profile/Display_Name_1_ ;"
                        "/CPE/SIP-Credentials/number = /flat-profile/User_ID_1_ ;"
                        "/CPE/SIP-Credentials/auth-secret = /flat-profile/Password_1_ ;");
    dev_boot_dev(d, "[--alias m ] http://acct.voipservice.net/credentials/spa$MA.xml");
    assert_string_equal(last_req(d)->path, "/credentials/spa000e08aabbcc.xml");
    reply_text(d, "<CPE><SIP-Credentials><name>J. Smith</name><number>14085551234</number>"
                  "<auth-secret>732091751563sfd</auth-secret></SIP-Credentials></CPE>");
    assert_string_equal(dev_get(d, "Display_Name_1_"), "J. Smith");
    assert_string_equal(dev_get(d, "User_ID_1_"), "14085551234");
    assert_string_equal(dev_get(d, "Password_1_"), "732091751563sfd");
    assert_string_equal(dev_macro(d, "UID1"), "14085551234");
    dev_free(d);
}

/* ------------------------------------------------------------------ logs */

static void test_log_lines_and_servip(void **state)
{
    (void)state;
    dev *d = dev_boot("http://p.example.com/a.cfg", NULL);
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- Requesting resync http://p.example.com:80/a.cfg");
    reply_servip(d, "10.0.0.5", "<flat-profile/>");
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- Successful resync http://10.0.0.5:80/a.cfg -- ");
    assert_int_equal(d->f.sev[d->f.nlog - 1], SPA_LOG_INFO);
    /* a stale completion is ignored */
    spa_xfer_result r = { SPA_XFER_OK, 0, NULL, "", 0 };
    assert_int_equal(spa_engine_on_transfer_done(d->e, 12345, &r, d->now), -1);
    dev_free(d);
}

/* ua attributes and the write-only License_Keys are applied like any value. */
static void test_apply_access_and_license(void **state)
{
    (void)state;
    dev *d = dev_boot("http://p.example.com/a.xml", NULL);
    reply_text(d, "<flat-profile><GPP_A ua=\"rw\">x</GPP_A><Dial_Plan_1_ ua=\"ro\"/>"
                  "<License_Keys>LK-123-secret</License_Keys></flat-profile>");
    assert_string_equal(dev_get(d, "GPP_A"), "x");
    assert_int_equal(spa_params_access(d->p, "GPP_A"), SPA_ACCESS_RW);
    assert_int_equal(spa_params_access(d->p, "Dial_Plan_1_"), SPA_ACCESS_RO);
    assert_string_equal(dev_get(d, "License_Keys"), "");   /* write-only */
    for (size_t i = 0; i < d->f.nlog; i++)
        assert_null(strstr(d->f.log[i], "LK-123"));
    dev_free(d);
}

/* The guide's §2.13 examples that read engine and identity state. */
static void test_guide_rule_examples(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Resync_Periodic", "100");
    dev_set(d, "GPP_A", "lost=$REGTMR1 uid=$UID1 st=$PRVST");
    dev_set(d, "User_ID_1_", "4085551234");
    dev_boot_dev(d, "($REGTMR1 eq 0)? http://p.tel.com/has-reg.cfg | [--post a] http://p.tel.com/lost-reg?");
    assert_int_equal(last_req(d)->method, SPA_XFER_GET);
    assert_string_equal(last_req(d)->path, "/has-reg.cfg");
    reply_text(d, "<flat-profile/>");
    dev_advance_to(d, 50 * 1000);
    spa_engine_line_registered(d->e, 1, false, d->now);
    dev_advance_to(d, 100 * 1000);
    assert_int_equal(last_req(d)->method, SPA_XFER_POST);
    assert_string_equal(last_req(d)->path, "/lost-reg?");
    assert_string_equal(last_req(d)->body, "lost=50 uid=4085551234 st=1");
    reply_text(d, "<flat-profile/>");
    /* no individual certificate: the MAC goes in the query */
    dev_set(d, "Profile_Rule", "(\"$CCERT\" eq \"Installed\")? https://p.tel.com/config? "
                               "| https://p.tel.com/config?Linksys$MAU");
    spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now);
    assert_string_equal(last_req(d)->path, "/config?Linksys000E08AABBCC");
    assert_int_equal(dev_macro_int(d, "PRVTMR"), 0);
    dev_free(d);
}

static void test_factory_reset_and_memory(void **state)
{
    (void)state;
    dev *d = dev_boot("http://p.example.com/a.cfg", NULL);
    reply_text(d, "<flat-profile><GPP_A>x</GPP_A><Resync_Random_Delay>0</Resync_Random_Delay>"
                  "</flat-profile>");
    assert_string_equal(dev_get(d, "GPP_A"), "x");
    spa_engine_factory_reset(d->e, d->now + 1000);
    assert_string_equal(dev_get(d, "GPP_A"), "");
    assert_int_equal(d->f.reboot_why[d->f.reboots - 1], SPA_REBOOT_FACTORY_RESET);
    assert_string_equal(dev_get(d, "Profile_Rule"), "/spa$PSN.cfg");
    /* the factory rule has no server and no DHCP server is known */
    dev_advance_to(d, d->now + 41 * 1000);
    assert_string_equal(dev_macro(d, "ERR"), "no server");
    spa_engine_set_dhcp_server(d->e, "192.168.1.200");
    spa_engine_request_resync(d->e, SPA_SRC_WEB, NULL, NULL, d->now);
    assert_string_equal(last_req(d)->host, "192.168.1.200");
    assert_string_equal(last_req(d)->path, "/spa2102.cfg");
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_TFTP);
    assert_true(spa_engine_struct_size() <= 512);
    assert_true(spa_engine_memory(d->e) < 1024);
    dev_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_up_random_delay),
        cmocka_unit_test(test_power_up_no_delay_and_no_reset_resync),
        cmocka_unit_test(test_fnf_fails),
        cmocka_unit_test(test_fnf_counts_as_success),
        cmocka_unit_test(test_retry_sequence_then_recovery),
        cmocka_unit_test(test_retry_disabled_and_periodic_after_first_success),
        cmocka_unit_test(test_trigger_on_regtmr1),
        cmocka_unit_test(test_busy_line_forced_delay),
        cmocka_unit_test(test_partitioned_profiles),
        cmocka_unit_test(test_blank_rule_a_runs_b),
        cmocka_unit_test(test_assignments_before_fetch),
        cmocka_unit_test(test_multistage_provisioned_pattern),
        cmocka_unit_test(test_sec_prv_1_to_2),
        cmocka_unit_test(test_restricted_access_domains),
        cmocka_unit_test(test_explicit_request_gated),
        cmocka_unit_test(test_bad_fetches_keep_config),
        cmocka_unit_test(test_post_body),
        cmocka_unit_test(test_alias_map),
        cmocka_unit_test(test_log_lines_and_servip),
        cmocka_unit_test(test_apply_access_and_license),
        cmocka_unit_test(test_guide_rule_examples),
        cmocka_unit_test(test_factory_reset_and_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
