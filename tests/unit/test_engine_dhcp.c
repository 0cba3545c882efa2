/* test_engine_dhcp.c — the DHCP option 66 server given to the engine:
 * "HOST", "HOST:PORT", "[V6]:PORT" and bare IPv6 forms, the port reaching
 * the transfer request and $SERVIP:$PORT in log lines, explicit server and
 * port in the URL winning, malformed values refused. Helpers: engine_fake.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "engine_fake.h"

static dev *boot_dhcp(const char *rule, const char *server)
{
    dev *d = dev_new("SPA2102", 1);
    assert_int_equal(spa_engine_set_dhcp_server(d->e, server), 0);
    dev_boot_dev(d, rule);
    return d;
}

static void test_host_port(void **state)
{
    (void)state;
    dev *d = boot_dhcp("/a.cfg", "127.0.0.1:32148");
    assert_int_equal(d->f.nreq, 1);
    assert_string_equal(last_req(d)->host, "127.0.0.1");
    assert_int_equal(last_req(d)->port, 32148);
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_TFTP);
    assert_string_equal(last_log(d),
                        "SPA2102 00:0e:08:aa:bb:cc -- Requesting resync tftp://127.0.0.1:32148/a.cfg");
    reply_servip(d, "127.0.0.1", "<flat-profile/>");
    assert_string_equal(last_log(d), "SPA2102 00:0e:08:aa:bb:cc -- Successful resync "
                                     "tftp://127.0.0.1:32148/a.cfg -- ");
    dev_free(d);
}

static void test_host_only_and_http(void **state)
{
    (void)state;
    dev *d = boot_dhcp("/a.cfg", "prov.example.com");
    assert_string_equal(last_req(d)->host, "prov.example.com");
    assert_int_equal(last_req(d)->port, 69);
    dev_free(d);
    d = boot_dhcp("http:///b.cfg", "prov.example.com:8080");
    assert_string_equal(last_req(d)->host, "prov.example.com");
    assert_int_equal(last_req(d)->port, 8080);
    assert_int_equal(last_req(d)->scheme, SPA_SCHEME_HTTP);
    dev_free(d);
}

static void test_ipv6(void **state)
{
    (void)state;
    dev *d = boot_dhcp("/a.cfg", "[::1]:1069");
    assert_string_equal(last_req(d)->host, "::1");
    assert_int_equal(last_req(d)->port, 1069);
    dev_free(d);
    d = boot_dhcp("/a.cfg", "fe80::1");
    assert_string_equal(last_req(d)->host, "fe80::1");
    assert_int_equal(last_req(d)->port, 69);
    dev_free(d);
    d = boot_dhcp("/a.cfg", "[2001:db8::5]");
    assert_string_equal(last_req(d)->host, "2001:db8::5");
    assert_int_equal(last_req(d)->port, 69);
    dev_free(d);
}

/* A URL naming its own server ignores option 66 and its port. */
static void test_explicit_server_wins(void **state)
{
    (void)state;
    dev *d = boot_dhcp("http://p.example.com/a.cfg", "127.0.0.1:32148");
    assert_string_equal(last_req(d)->host, "p.example.com");
    assert_int_equal(last_req(d)->port, 80);
    dev_free(d);
}

static void test_malformed_refused(void **state)
{
    (void)state;
    static const char *bad[] = { "h:", "h:0", "h:65536", "h:12x", ":69", "[::1", "[]:69",
                                 "[::1]x", "[::1]:", "h:123456" };
    dev *d = dev_new("SPA2102", 1);
    assert_int_equal(spa_engine_set_dhcp_server(d->e, "10.1.1.1:7000"), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(spa_engine_set_dhcp_server(d->e, bad[i]), -1);
    /* the previous server is kept */
    dev_boot_dev(d, "/a.cfg");
    assert_string_equal(last_req(d)->host, "10.1.1.1");
    assert_int_equal(last_req(d)->port, 7000);
    /* NULL clears it */
    assert_int_equal(spa_engine_set_dhcp_server(d->e, NULL), 0);
    dev_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_port),
        cmocka_unit_test(test_host_only_and_http),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_explicit_server_wins),
        cmocka_unit_test(test_malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
