/* test_device_net.c — the device transports (lib/device_net.c) against an
 * in-process HTTP server on 127.0.0.1: status mapping (200 → ok with body,
 * 404 → not found, 500 → HTTP error with the code), the User-Agent sent, a
 * name that does not resolve reported from the loop (never inside start), a
 * dead port → connect failed, a hosts-file name whose first address is dead
 * answered by the second ($SERVIP), IPv6 (a server on ::1 reached as
 * "::1", "[::1]" and through a hosts-file name; skipped without ::1),
 * cancel, and an HTTP transfer in flight when the owner frees the transports
 * and the event_base without running the loop (spasim on SIGTERM; the ASan
 * build's leak check proves the client is freed). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "testutil.h"
#include "spaprov/device.h"
#include "spaprov/http.h"

typedef struct seen {
    int calls;
    uint32_t id;
    spa_xfer_status status;
    int http_code;
    char body[256];
    char servip[64];
    struct event_base *base;
} seen;

static char last_ua[256];

static void handler(spa_http_req *rq, void *arg)
{
    (void)arg;
    const char *ua = spa_http_req_header(rq, "User-Agent");
    snprintf(last_ua, sizeof last_ua, "%s", ua ? ua : "");
    const char *p = spa_http_req_path(rq);
    if (strcmp(p, "/ok.cfg") == 0)
        spa_http_reply(rq, 200, "text/plain", "<flat-profile/>", 15);
    else if (strcmp(p, "/err.cfg") == 0)
        spa_http_reply(rq, 500, "text/plain", "boom", 4);
    else
        spa_http_reply(rq, 404, "text/plain", "nf", 2);
}

static void done(void *arg, uint32_t id, const spa_xfer_result *r)
{
    seen *s = arg;
    s->calls++;
    s->id = id;
    s->status = r->status;
    s->http_code = r->http_code;
    snprintf(s->body, sizeof s->body, "%.*s", (int)r->len, r->body ? (const char *)r->body : "");
    snprintf(s->servip, sizeof s->servip, "%s", r->servip ? r->servip : "");
    event_base_loopexit(s->base, NULL);
}

typedef struct fixture {
    struct event_base *base;
    spa_http_server *srv;
    spa_device_net *net;
    uint16_t port;
    char dir[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    spa_http_server_opts o;
    char hosts[512], path[600];
    signal(SIGPIPE, SIG_IGN);
    memset(&o, 0, sizeof o);
    f->base = event_base_new();
    f->srv = spa_http_server_new(f->base, &o, handler, NULL, NULL);
    assert_non_null(f->srv);
    f->port = spa_http_server_port(f->srv);
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(hosts, sizeof hosts,
             "127.0.0.2 prov.test\n127.0.0.1 prov.test\n127.0.0.2 v6.test\n::1 v6.test\n");
    tu_write(f->dir, "hosts", hosts, path, sizeof path);
    spa_device_net_opts no = { path, NULL, NULL, NULL, 5000, 100, 1, { 0 } };
    f->net = spa_device_net_new(f->base, &no, NULL);
    assert_non_null(f->net);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    spa_device_net_free(f->net);
    spa_http_server_free(f->srv);
    event_base_free(f->base);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

/* Start a GET of scheme://host:port/path and run the loop until done. */
static void get(fixture *f, const char *host, unsigned port, const char *path, seen *s)
{
    spa_xfer_request rq;
    struct timeval limit = { 10, 0 };
    memset(&rq, 0, sizeof rq);
    memset(s, 0, sizeof *s);
    s->base = f->base;
    rq.id = 42;
    rq.scheme = SPA_SCHEME_HTTP;
    rq.method = SPA_XFER_GET;
    rq.host = host;
    rq.port = port;
    rq.path = path;
    rq.user_agent = "Linksys/SPA-2102-5.1.10 (88012BA01234)";
    assert_int_equal(spa_device_net_start(f->net, &rq, done, s), 0);
    assert_int_equal(s->calls, 0);   /* never from inside start */
    event_base_loopexit(f->base, &limit);
    event_base_dispatch(f->base);
    assert_int_equal(s->calls, 1);
    assert_int_equal(s->id, 42);
}

static void test_http_statuses(void **state)
{
    fixture *f = *state;
    seen s;
    get(f, "127.0.0.1", f->port, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_OK);
    assert_string_equal(s.body, "<flat-profile/>");
    assert_string_equal(s.servip, "127.0.0.1");
    assert_string_equal(last_ua, "Linksys/SPA-2102-5.1.10 (88012BA01234)");
    get(f, "127.0.0.1", f->port, "/missing.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_NOT_FOUND);
    assert_string_equal(s.body, "");
    get(f, "127.0.0.1", f->port, "/err.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_HTTP_ERROR);
    assert_int_equal(s.http_code, 500);
}

static void test_failures(void **state)
{
    fixture *f = *state;
    seen s;
    get(f, "no-such-host.invalid", f->port, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_DNS_FAILED);
    /* a port nobody listens on: the server's own port after a free would
     * race, so use port 1 (privileged, nothing there in tests) */
    get(f, "127.0.0.1", 1, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_CONNECT_FAILED);
}

static void test_hosts_second_address(void **state)
{
    fixture *f = *state;
    seen s;
    get(f, "prov.test", f->port, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_OK);
    assert_string_equal(s.servip, "127.0.0.1");
}

static void test_dhcp_hostport(void **state)
{
    fixture *f = *state;
    seen s;
    char hp[64];
    snprintf(hp, sizeof hp, "127.0.0.1:%u", (unsigned)f->port);
    /* the engine splits option 66 "host:port" (test_engine_dhcp.c); the
     * transport takes rq.host as a host name and never splits it again */
    get(f, hp, 80, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_DNS_FAILED);
}

static void test_ipv6(void **state)
{
    fixture *f = *state;
    seen s;
    spa_http_server_opts o;
    memset(&o, 0, sizeof o);
    o.address = "::1";
    spa_http_server *srv6 = spa_http_server_new(f->base, &o, handler, NULL, NULL);
    if (!srv6)
        skip();   /* no ::1 on this machine */
    uint16_t p6 = spa_http_server_port(srv6);
    get(f, "::1", p6, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_OK);
    assert_string_equal(s.servip, "::1");
    get(f, "[::1]", p6, "/ok.cfg", &s);
    assert_int_equal(s.status, SPA_XFER_OK);
    get(f, "v6.test", p6, "/missing.cfg", &s);   /* 127.0.0.2 dead, then ::1 */
    assert_int_equal(s.status, SPA_XFER_NOT_FOUND);
    assert_string_equal(s.servip, "::1");
    spa_http_server_free(srv6);
}

static void test_cancel(void **state)
{
    fixture *f = *state;
    seen s;
    spa_xfer_request rq;
    struct timeval shortly = { 0, 300000 };
    memset(&rq, 0, sizeof rq);
    memset(&s, 0, sizeof s);
    s.base = f->base;
    rq.id = 7;
    rq.scheme = SPA_SCHEME_HTTP;
    rq.host = "no-such-host.invalid";
    rq.port = 80;
    rq.path = "/x";
    assert_int_equal(spa_device_net_start(f->net, &rq, done, &s), 0);
    spa_device_net_cancel(f->net, &s);
    event_base_loopexit(f->base, &shortly);
    event_base_dispatch(f->base);
    assert_int_equal(s.calls, 0);
}

/* The request reached a server that never answers; teardown then frees
 * the transports and the base at once, as spasim does on SIGTERM. */
static void test_free_in_flight(void **state)
{
    fixture *f = *state;
    seen s;
    spa_xfer_request rq;
    unsigned port;
    int lfd = tu_silent_listener(&port);
    memset(&rq, 0, sizeof rq);
    memset(&s, 0, sizeof s);
    s.base = f->base;
    rq.id = 8;
    rq.scheme = SPA_SCHEME_HTTP;
    rq.host = "127.0.0.1";
    rq.port = port;
    rq.path = "/spa.cfg";
    assert_int_equal(spa_device_net_start(f->net, &rq, done, &s), 0);
    int cfd = tu_wait_first_bytes(f->base, lfd);
    assert_int_equal(s.calls, 0);
    close(cfd);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_second_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dhcp_hostport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
