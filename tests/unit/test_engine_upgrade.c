/* test_engine_upgrade.c — the engine's firmware upgrades (multi-stage across
 * three images, Downgrade_Rev_Limit, Upgrade_Error_Retry_Delay, wrong model,
 * damaged image, HTTPS on ATAs, explicit requests, restricted hosts), the
 * Report_Rule (POST/PUT, with and without --key, one attempt), the rule that
 * no secret ever reaches a log line, and the firmware image format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "engine_fake.h"

#define UPG_RULE                                                                    \
    "($SWVER lt 6.0.0)? http://fw.example.com/fw6.bin"                              \
    " | ($SWVER lt 7.0.0)? http://fw.example.com/fw7.bin | http://fw.example.com/fw8.bin"

static void reply_image(dev *d, const char *model, const char *version)
{
    spa_buf img;
    make_image(model, version, &img);
    reply(d, SPA_XFER_OK, img.data, img.len);
    spa_buf_free(&img);
}

static void test_multistage_upgrade(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Rule", UPG_RULE);
    dev_set(d, "Downgrade_Rev_Limit", "6.0.0");
    dev_set(d, "Upgrade_Error_Retry_Delay", "600,1200");
    dev_boot_dev(d, "");   /* no profile: the resync only checks the upgrade */
    assert_int_equal(d->f.nreq, 1);
    assert_int_equal(last_req(d)->purpose, SPA_PURPOSE_UPGRADE);
    assert_string_equal(last_req(d)->path, "/fw6.bin");
    assert_int_equal(dev_macro_int(d, "UPGST"), 1);
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- Requesting upgrade http://fw.example.com:80/fw6.bin");
    reply_image(d, "SPA2102", "6.0.1");
    assert_true(log_contains(d, "SPA2102 00:0e:08:aa:bb:cc -- Successful upgrade "
                                "http://fw.example.com:80/fw6.bin -- 6.0.1"));
    assert_int_equal(d->f.reboots, 1);
    assert_int_equal(d->f.reboot_why[0], SPA_REBOOT_UPGRADE);
    assert_string_equal(spa_engine_swver(d->e), "6.0.1");
    assert_string_equal(dev_macro(d, "UPGERR"), "6.0.1");
    /* Resync_After_Upgrade_Attempt: the resync picks the next stage */
    assert_int_equal(d->f.nreq, 2);
    assert_string_equal(last_req(d)->path, "/fw7.bin");
    assert_string_equal(last_req(d)->ua, "Linksys/SPA-2102-6.0.1 (88012BA01234)");
    reply_image(d, "SPA2102", "7.0.2");
    assert_string_equal(dev_macro(d, "SWVER"), "7.0.2");
    assert_int_equal(d->f.nreq, 3);
    assert_string_equal(last_req(d)->path, "/fw8.bin");
    /* stage 3 serves an image below Downgrade_Rev_Limit */
    reply_image(d, "SPA2102", "5.9.0");
    assert_string_equal(dev_macro(d, "UPGERR"), "downgrade limit");
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Upgrade failed: downgrade limit");
    assert_string_equal(spa_engine_swver(d->e), "7.0.2");
    assert_int_equal(d->f.nreq, 3);   /* the resync after the attempt does not retry it */
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    int64_t t = d->now;
    assert_int_equal(st.next_upgrade_retry, t + 600 * 1000);
    dev_advance_to(d, t + 600 * 1000 - 1);
    assert_int_equal(d->f.nreq, 3);
    dev_advance_to(d, t + 600 * 1000);
    assert_int_equal(d->f.nreq, 4);
    assert_string_equal(last_req(d)->path, "/fw8.bin");
    assert_int_equal(dev_macro_int(d, "UPGST"), 2);
    reply_image(d, "SPA3102", "8.0.0");
    assert_string_equal(dev_macro(d, "UPGERR"), "wrong model");
    t = d->now;
    dev_advance_to(d, t + 1200 * 1000);
    assert_int_equal(d->f.nreq, 5);
    spa_buf img;
    make_image("SPA2102", "8.0.0", &img);
    img.data[img.len - 40] ^= 0x55;   /* damage the payload */
    reply(d, SPA_XFER_OK, img.data, img.len);
    spa_buf_free(&img);
    assert_string_equal(dev_macro(d, "UPGERR"), "corrupt image");
    t = d->now;
    dev_advance_to(d, t + 1200 * 1000);   /* the last element repeats */
    assert_int_equal(d->f.nreq, 6);
    reply_image(d, "SPA2102", "8.0.0");
    assert_string_equal(spa_engine_swver(d->e), "8.0.0");
    assert_int_equal(d->f.reboots, 3);
    /* fw8 is installed: the same URL is not fetched again */
    dev_advance_to(d, d->now + 86400 * 1000);
    assert_int_equal(d->f.nreq, 6);
    const spa_engine_stats *s = spa_engine_get_stats(d->e);
    assert_int_equal(s->upgrades, 6);
    assert_int_equal(s->upgrade_ok, 3);
    assert_int_equal(s->upgrade_fail, 3);
    assert_int_equal(s->fail_by_err[SPA_ERR_DOWNGRADE], 1);
    assert_int_equal(s->fail_by_err[SPA_ERR_WRONG_MODEL], 1);
    assert_int_equal(s->fail_by_err[SPA_ERR_BAD_IMAGE], 1);
    dev_free(d);
}

/* The flash state carries "this image is installed" into a new engine (a
 * restarted emulator): the same Upgrade_Rule URL is not fetched again. */
static void test_flash_export_import(void **state)
{
    (void)state;
    spa_engine_flash fl, none;
    dev *d = dev_new("SPA2102", 1);
    spa_engine_flash_export(d->e, &none);
    assert_true(none.upg_ident == 0);
    assert_string_equal(none.upg_ver, "");
    dev_set(d, "Upgrade_Rule", "http://fw.example.com/fw8.bin");
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 1);
    reply_image(d, "SPA2102", "8.0.0");
    assert_string_equal(spa_engine_swver(d->e), "8.0.0");
    spa_engine_flash_export(d->e, &fl);
    assert_true(fl.upg_ident != 0);
    assert_string_equal(fl.upg_ver, "8.0.0");
    dev_free(d);

    /* without the flash state a new engine fetches the image again */
    d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Rule", "http://fw.example.com/fw8.bin");
    spa_engine_flash_import(d->e, &none);
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 1);
    assert_int_equal(last_req(d)->purpose, SPA_PURPOSE_UPGRADE);
    dev_free(d);

    /* with it, it does not */
    d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Rule", "http://fw.example.com/fw8.bin");
    spa_engine_flash_import(d->e, &fl);
    dev_boot_dev(d, "");
    dev_advance_to(d, 86400 * 1000);
    assert_int_equal(d->f.nreq, 0);
    spa_engine_flash_export(d->e, &none);
    assert_true(none.upg_ident == fl.upg_ident);
    assert_string_equal(none.upg_ver, "8.0.0");
    dev_free(d);
}

static void test_upgrade_https_on_ata(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Rule", "https://fw.example.com/spa.bin");
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 0);
    assert_string_equal(dev_macro(d, "UPGERR"), "https upgrade not supported");
    dev_free(d);

    d = dev_new("SPA941", 1);   /* a phone may */
    dev_set(d, "Upgrade_Rule", "https://fw.example.com/spa.bin");
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 1);
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_HTTPS);
    assert_int_equal(last_req(d)->port, 443);
    dev_free(d);
}

static void test_upgrade_explicit_gated_and_idle(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Enable", "No");
    dev_set(d, "Upgrade_Rule", "http://fw.example.com/fw.bin");
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 0);   /* Upgrade_Rule gated too */
    assert_int_equal(spa_engine_request_upgrade(d->e, "tftp://192.168.2.251/spa.bin", NULL, d->now), -1);
    assert_int_equal(d->f.nreq, 0);
    dev_set(d, "Upgrade_Enable", "Yes");
    spa_engine_line_busy(d->e, 2, true, d->now);
    assert_int_equal(spa_engine_request_upgrade(d->e, "/spaconf.bin", "192.168.2.217", d->now), 0);
    dev_advance_to(d, d->now + 3600 * 1000);
    assert_int_equal(d->f.nreq, 0);   /* waits for idle lines, never forced */
    spa_engine_line_busy(d->e, 2, false, d->now);
    assert_int_equal(d->f.nreq, 1);
    assert_string_equal(last_req(d)->host, "192.168.2.217");
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_TFTP);
    assert_int_equal(last_req(d)->port, 69);
    assert_string_equal(last_req(d)->path, "/spaconf.bin");
    reply(d, SPA_XFER_TIMEOUT, NULL, 0);
    assert_string_equal(dev_macro(d, "UPGERR"), "timeout");
    spa_engine_status st;
    spa_engine_get_status(d->e, &st);
    assert_int_equal(st.next_upgrade_retry, SPA_ENGINE_NEVER);   /* explicit: no retry */
    dev_free(d);
}

static void test_upgrade_restricted(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Restricted_Access_Domains", "example.com");
    dev_set(d, "Upgrade_Rule", "http://evil.org/fw.bin");
    dev_set(d, "Upgrade_Error_Retry_Delay", "0");
    dev_boot_dev(d, "");
    assert_int_equal(d->f.nreq, 0);
    assert_string_equal(dev_macro(d, "UPGERR"), "restricted domain");
    assert_true(log_contains(d, "SPA2102 00:0e:08:aa:bb:cc -- Upgrade failed: restricted domain"));
    /* retry disabled, and the resync after the attempt does not loop */
    assert_int_equal(spa_engine_get_stats(d->e)->upgrades, 1);
    dev_free(d);
}

/* Without Resync_After_Upgrade_Attempt the next stage waits for the next
 * resync; with Provision_Enable off the resync time still checks upgrades. */
static void test_upgrade_no_resync_after_and_provision_off(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Upgrade_Rule", UPG_RULE);
    dev_set(d, "Resync_After_Upgrade_Attempt", "No");
    dev_set(d, "Resync_Periodic", "500");
    dev_boot_dev(d, "http://p.example.com/a.cfg");
    reply_text(d, "<flat-profile/>");
    assert_int_equal(d->f.nreq, 2);
    assert_string_equal(last_req(d)->path, "/fw6.bin");
    reply_image(d, "SPA2102", "6.0.0");
    assert_int_equal(d->f.nreq, 2);
    dev_set(d, "Provision_Enable", "No");
    dev_advance_to(d, 500 * 1000);
    assert_int_equal(d->f.nreq, 3);   /* no profile fetch, only the upgrade */
    assert_string_equal(last_req(d)->path, "/fw7.bin");
    assert_int_equal(dev_macro_int(d, "UPGTMR"), 0);
    dev_advance_to(d, 530 * 1000);
    assert_int_equal(dev_macro_int(d, "UPGTMR"), 30);
    reply(d, SPA_XFER_CONNECT_FAILED, NULL, 0);
    assert_string_equal(dev_macro(d, "UPGERR"), "connect failed");
    assert_int_equal(spa_engine_get_stats(d->e)->skipped, 1);
    dev_free(d);
}

/* ------------------------------------------------------------------ reports */

static void test_report_post_with_key(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_SA", "rep0rt-S3cret");
    dev_set(d, "GPP_SB", "another-S3cret");
    dev_set(d, "Password_1_", "pw-123456");
    dev_set(d, "Report_Rule", "[ --key $SA ] http://prov.serv.net/spa/$MA/rep.xml.enc");
    dev_boot_dev(d, "");
    assert_int_equal(spa_engine_request_report(d->e, d->now), 0);
    assert_int_equal(d->f.nreq, 1);
    const fake_req *q = last_req(d);
    assert_int_equal(q->purpose, SPA_PURPOSE_REPORT);
    assert_int_equal(q->method, SPA_XFER_POST);
    assert_string_equal(q->path, "/spa/000e08aabbcc/rep.xml.enc");
    assert_string_equal(q->ctype, "application/octet-stream");
    assert_memory_equal(q->body, "Salted__", 8);
    spa_buf x;
    spa_buf_init(&x);
    assert_int_equal(spa_openssl_decrypt(NULL, q->body, q->blen, "rep0rt-S3cret", SPA_MD_MD5, &x),
                     SPA_DEC_OK);
    assert_non_null(strstr(x.data, "<flat-profile>"));
    assert_non_null(strstr(x.data, "<Profile_Rule ua=\"na\"></Profile_Rule>"));
    assert_non_null(strstr(x.data, "<Line_Enable_1_"));
    assert_null(strstr(x.data, "rep0rt-S3cret"));
    assert_null(strstr(x.data, "another-S3cret"));
    assert_null(strstr(x.data, "pw-123456"));
    assert_null(strstr(x.data, "GPP_SA"));
    assert_null(strstr(x.data, "Password_1_"));
    spa_buf_free(&x);
    reply(d, SPA_XFER_OK, NULL, 0);
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Report sent");
    /* one attempt, no retry */
    assert_int_equal(spa_engine_request_report(d->e, d->now), 0);
    reply(d, SPA_XFER_HTTP_ERROR, NULL, 0);
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Report failed: http_post failed");
    dev_advance_to(d, d->now + 86400 * 1000);
    assert_int_equal(d->f.nreq, 2);
    assert_int_equal(spa_engine_get_stats(d->e)->reports, 2);
    assert_int_equal(spa_engine_get_stats(d->e)->report_fail, 1);
    dev_free(d);
}

static void test_report_tftp_put_plain(void **state)
{
    (void)state;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "Report_Rule", "tftp://192.168.1.200/rep-$MA.xml");
    dev_set(d, "GPP_C", "reported");
    dev_boot_dev(d, "");
    assert_int_equal(spa_engine_request_report(d->e, d->now), 0);
    const fake_req *q = last_req(d);
    assert_int_equal(q->method, SPA_XFER_PUT);
    assert_int_equal(q->port, 69);
    assert_string_equal(q->path, "/rep-000e08aabbcc.xml");
    assert_string_equal(q->ctype, "application/xml");
    assert_non_null(strstr(q->body, "<GPP_C ua=\"na\">reported</GPP_C>"));
    /* the report parses back as a profile */
    spa_profile p;
    spa_diags dg;
    spa_profile_init(&p);
    spa_diags_init(&dg);
    assert_int_equal(spa_profile_parse_xml(&p, q->body, q->blen, "rep.xml", NULL, &dg), 0);
    assert_string_equal(tu_value(&p, "GPP_C"), "reported");
    spa_profile_free(&p);
    spa_diags_free(&dg);
    /* a second request while one is outstanding is refused */
    assert_int_equal(spa_engine_request_report(d->e, d->now), -1);
    reply(d, SPA_XFER_TFTP_ERROR, NULL, 0);
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Report failed: tftp_put failed");
    /* empty rule: nothing to do */
    dev_set(d, "Report_Rule", "");
    assert_int_equal(spa_engine_request_report(d->e, d->now), -1);
    dev_free(d);
}

/* ------------------------------------------------------------------ secrets */

static void test_secrets_never_logged(void **state)
{
    (void)state;
    const char *secret = "TopSecret-9f3a", *secret2 = "AnotherSecret-77";
    spa_buf good, bad;
    dev *d = dev_new("SPA2102", 1);
    dev_set(d, "GPP_SA", secret);
    dev_set(d, "Log_Resync_Request_Msg", "$PN $MAC -- req $SA $(SA) $(SA:2) key=$SA $SCHEME://$SERVIP:$PORT$PATH");
    dev_set(d, "Log_Resync_Success_Msg", "$PN -- ok $SA $SB $ERR");
    dev_set(d, "Log_Resync_Failure_Msg", "$PN -- failed $ERR $SA $SB");
    dev_set(d, "Log_Upgrade_Failure_Msg", "$PN -- upgrade failed $ERR $SA");
    dev_set(d, "Upgrade_Rule", "http://fw.example.com/$SA.bin");
    dev_set(d, "Report_Rule", "[--key $SA] http://r.example.com/rep");
    dev_set(d, "Resync_Error_Retry_Delay", "60");
    dev_boot_dev(d, "[--key $SA] http://p.example.com/$MA.cfg");
    assert_string_equal(d->f.log[0], "SPA2102 00:0e:08:aa:bb:cc -- req $SA $(SA) $(SA:2) key=$SA "
                                     "http://p.example.com:80/000e08aabbcc.cfg");
    pack_openssl("<flat-profile><GPP_SB>AnotherSecret-77</GPP_SB></flat-profile>", secret, &good);
    pack_openssl("<flat-profile><GPP_SB>x</GPP_SB></flat-profile>", "not-the-key", &bad);
    reply(d, SPA_XFER_OK, good.data, good.len);          /* success */
    assert_string_equal(dev_get(d, "GPP_SB"), secret2);
    assert_int_equal(d->f.req[1].purpose, SPA_PURPOSE_UPGRADE);
    assert_string_equal(d->f.req[1].path, "/$SA.bin");  /* not expanded in a URL */
    reply(d, SPA_XFER_NOT_FOUND, NULL, 0);              /* upgrade failure */
    assert_int_equal(d->f.nreq, 3);                     /* the resync after the attempt */
    reply(d, SPA_XFER_OK, bad.data, bad.len);            /* wrong key */
    assert_string_equal(dev_macro(d, "ERR"), "wrong key");
    assert_int_equal(spa_engine_request_report(d->e, d->now), 0);
    reply(d, SPA_XFER_TIMEOUT, NULL, 0);
    assert_true(d->f.nlog >= 8);
    for (size_t i = 0; i < d->f.nlog; i++) {
        if (strstr(d->f.log[i], secret) || strstr(d->f.log[i], secret2))
            fail_msg("secret in log line %zu: %s", i, d->f.log[i]);
        if (strstr(d->f.log[i], "f3a") || strstr(d->f.log[i], "pSecret"))
            fail_msg("part of the secret in log line %zu: %s", i, d->f.log[i]);
    }
    for (size_t i = 0; i < d->f.nreq; i++) {
        assert_null(strstr(d->f.req[i].path, secret));
        assert_null(strstr(d->f.req[i].host, secret));
        assert_null(memmem(d->f.req[i].body, d->f.req[i].blen, secret, strlen(secret)));
    }
    spa_buf_free(&good);
    spa_buf_free(&bad);
    dev_free(d);
}

/* ---------------------------------------------------------- firmware format */

static void test_firmware_format(void **state)
{
    (void)state;
    spa_buf b;
    spa_fw_info fi;
    char why[128];
    spa_buf_init(&b);
    assert_int_equal(spa_fw_build("SPA2102", "5.1.12(b)", "PAYLOAD", 7, &b, why, sizeof why), 0);
    assert_int_equal(b.len, 16 + 7 + 9 + 7 + 32);
    assert_memory_equal(b.data, "\x89SPAFW\r\n\x01\x07\x09\x00\x00\x00\x00\x07SPA21025.1.12(b)PAYLOAD",
                        16 + 7 + 9 + 7);
    assert_int_equal(spa_fw_parse(b.data, b.len, &fi, why, sizeof why), SPA_FW_OK);
    assert_string_equal(fi.model, "SPA2102");
    assert_string_equal(fi.version, "5.1.12(b)");
    assert_int_equal(fi.payload_len, 7);
    assert_memory_equal(fi.payload, "PAYLOAD", 7);
    b.data[30] ^= 1;
    assert_int_equal(spa_fw_parse(b.data, b.len, &fi, why, sizeof why), SPA_FW_DIGEST);
    assert_string_equal(why, "firmware image digest mismatch");
    b.data[30] ^= 1;
    b.data[b.len - 1] ^= 1;
    assert_int_equal(spa_fw_parse(b.data, b.len, &fi, NULL, 0), SPA_FW_DIGEST);
    b.data[b.len - 1] ^= 1;
    assert_int_equal(spa_fw_parse(b.data, b.len - 1, &fi, NULL, 0), SPA_FW_CORRUPT);
    b.data[1] = 'X';
    assert_int_equal(spa_fw_parse(b.data, b.len, &fi, NULL, 0), SPA_FW_CORRUPT);
    assert_int_equal(spa_fw_parse("short", 5, &fi, NULL, 0), SPA_FW_CORRUPT);
    spa_buf_reset(&b);
    assert_int_equal(spa_fw_build("SPA2102", "latest", "x", 1, &b, why, sizeof why), -1);
    assert_int_equal(spa_fw_build("", "1.0.0", "x", 1, &b, why, sizeof why), -1);
    assert_int_equal(spa_fw_build("SPA 2102", "1.0.0", "x", 1, &b, why, sizeof why), -1);
    assert_int_equal(spa_fw_build("SPA2102", "1.0.0", NULL, 0, &b, why, sizeof why), 0);
    assert_int_equal(spa_fw_parse(b.data, b.len, &fi, NULL, 0), SPA_FW_OK);
    assert_int_equal(fi.payload_len, 0);
    assert_string_equal(spa_fw_status_name(SPA_FW_DIGEST), "image digest mismatch");
    spa_buf_free(&b);
}

static void test_err_names(void **state)
{
    (void)state;
    assert_string_equal(spa_engine_err_name(SPA_ERR_HTTP_GET), "http_get failed");
    assert_string_equal(spa_engine_err_name(SPA_ERR_FNF), "file not found");
    assert_string_equal(spa_engine_err_name(SPA_ERR_CORRUPT), "corrupt file");
    assert_string_equal(spa_engine_err_name(SPA_ERR_WRONG_KEY), "wrong key");
    assert_string_equal(spa_engine_err_name(SPA_ERR_TIMEOUT), "timeout");
    for (int i = 1; i < SPA_ERR_COUNT; i++)
        assert_true(spa_engine_err_name((spa_engine_err)i)[0] != '\0');
    assert_string_equal(spa_engine_err_name(SPA_ERR_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multistage_upgrade),
        cmocka_unit_test(test_upgrade_https_on_ata),
        cmocka_unit_test(test_upgrade_explicit_gated_and_idle),
        cmocka_unit_test(test_upgrade_restricted),
        cmocka_unit_test(test_upgrade_no_resync_after_and_provision_off),
        cmocka_unit_test(test_report_post_with_key),
        cmocka_unit_test(test_report_tftp_put_plain),
        cmocka_unit_test(test_secrets_never_logged),
        cmocka_unit_test(test_firmware_format),
        cmocka_unit_test(test_err_names),
        cmocka_unit_test(test_flash_export_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
