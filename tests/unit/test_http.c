/* test_http.c — HTTP identification and transport: the User-Agent parser and
 * MAC finder as tables; Range, ETag, URL and hosts-file helpers; then the
 * client against the server (and against a raw canned-bytes server) on
 * 127.0.0.1 ephemeral ports inside one event loop: GET/POST/HEAD, Range and
 * If-None-Match, chunked and read-until-close bodies, size cap, truncation,
 * timeout, several A records, DNS failure, and HTTPS with client
 * certificates, wrong CN and wrong CA; a request cancelled in flight, after
 * which everything is freed without running the loop again (the ASan build
 * proves nothing leaks). Every loop is bounded by a timer. */
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include "testutil.h"
#include "spaprov/http.h"
#include "spaprov/http_ident.h"

/* ---- User-Agent ------------------------------------------------------------ */

typedef struct {
    const char *ua;
    int ok;
    const char *vendor, *product, *model, *version, *serial, *mac;
} ua_case;

static void test_ua_parse(void **st)
{
    static const ua_case t[] = {
        {"Linksys/SPA-2102-5.1.10 (88012BA01234)", 0, "Linksys", "SPA-2102", "SPA2102", "5.1.10", "88012BA01234", ""},
        {"Linksys/SPA-2102-2.0.5 (88012BA01234)", 0, "Linksys", "SPA-2102", "SPA2102", "2.0.5", "88012BA01234", ""},
        {"Linksys/PAP2T-3.1.15(LS) (FM500H123456)", 0, "Linksys", "PAP2T", "PAP2T", "3.1.15(LS)", "FM500H123456", ""},
        {"Linksys/SPA-962-2.0.6(b) (CFH00A123456)", 0, "Linksys", "SPA-962", "SPA962", "2.0.6(b)", "CFH00A123456", ""},
        {"Cisco/SPA112-1.4.1(SR5) (CBT123456AB)", 0, "Cisco", "SPA112", "SPA112", "1.4.1(SR5)", "CBT123456AB", ""},
        {"Cisco/SPA504G-7.5.5 (C89C1D8A0B1C)(CBT1234567)", 0, "Cisco", "SPA504G", "SPA504G", "7.5.5", "CBT1234567", "c89c1d8a0b1c"},
        {"Sipura/SPA-3000-3.1.7(GWc)", 0, "Sipura", "SPA-3000", "SPA3000", "3.1.7(GWc)", "", ""},
        {"Linksys/spa-2102-5.1.10", 0, "Linksys", "spa-2102", "SPA2102", "5.1.10", "", ""},
        {"  Linksys/SPA-2102-5.1.10   (88012BA01234)  ", 0, "Linksys", "SPA-2102", "SPA2102", "5.1.10", "88012BA01234", ""},
        {"Linksys/SPA-2102-5.1.10-beta (X1)", 0, "Linksys", "SPA-2102", "SPA2102", "5.1.10-beta", "X1", ""},
        {"Linksys/SPA-2102-5.1.10 (88012BA01234)(000E08AABBCC)", 0, "Linksys", "SPA-2102", "SPA2102", "5.1.10", "88012BA01234", "000e08aabbcc"},
        /* rejected */
        {"", -1, 0, 0, 0, 0, 0, 0},
        {"Mozilla/5.0 (X11; Linux x86_64)", -1, 0, 0, 0, 0, 0, 0},
        {"curl/7.88.1", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/-5.1.10", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/2102-5.1.10", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys SPA-2102-5.1.10", -1, 0, 0, 0, 0, 0, 0},
        {"/SPA-2102-5.1.10", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (88012BA01234", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 ()", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (8801 2BA)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (88012BA01234) extra", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (88012BA0123X)(nothex)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (88012BA01234)(000E08AABBCC)(x)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA_2102-5.1.10 (1)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10;x (1)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10 (123456789012345678901234567890123)", -1, 0, 0, 0, 0, 0, 0},
        {"Linksys/SPA-2102-5.1.10123456789012345678901234567890 (1)", -1, 0, 0, 0, 0, 0, 0},
        {"LinksysLinksysLinksysLinksysLinksys/SPA-2102-5.1.10 (1)", -1, 0, 0, 0, 0, 0, 0},
    };
    size_t i;
    char why[128];
    spa_user_agent ua;
    (void)st;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc = spa_ua_parse(t[i].ua, strlen(t[i].ua), &ua, why, sizeof why);
        if (rc != t[i].ok)
            fail_msg("'%s': rc %d (%s)", t[i].ua, rc, rc ? why : "");
        if (rc == 0) {
            assert_string_equal(ua.vendor, t[i].vendor);
            assert_string_equal(ua.product, t[i].product);
            assert_string_equal(ua.model, t[i].model);
            assert_string_equal(ua.version, t[i].version);
            assert_string_equal(ua.serial, t[i].serial);
            assert_string_equal(ua.mac, t[i].mac);
        } else {
            assert_string_equal(ua.vendor, "");
            assert_true(why[0] != '\0');
        }
    }
    /* length-bounded: the NUL-less prefix parses, bytes after n are not read */
    assert_int_equal(spa_ua_parse("Linksys/SPA-2102-5.1.10 (8801)XYZ", 30, &ua, NULL, 0), 0);
    assert_string_equal(ua.serial, "8801");
    assert_int_equal(spa_ua_parse("Linksys/SPA-2102-5.1.10\0(1)", 27, &ua, NULL, 0), -1);
    assert_int_equal(spa_ua_parse(NULL, 0, &ua, NULL, 0), -1);
}

/* ---- MAC finder --------------------------------------------------------------- */

typedef struct { const char *s; spa_mac_form form; const char *mac; } mac_case;

static void test_mac_find(void **st)
{
    static const mac_case t[] = {
        {"/spa000e08aabbcc.cfg", SPA_MAC_MA, "000e08aabbcc"},
        {"/cfg?Linksys000E08AABBCC", SPA_MAC_MAU, "000e08aabbcc"},
        {"mac=00:0e:08:aa:bb:cc", SPA_MAC_MAC, "000e08aabbcc"},
        {"/cfg?mac=00%3A0E%3A08%3AAA%3ABB%3ACC&x=1", SPA_MAC_MAC, "000e08aabbcc"},
        {"/cfg?mac=00%3a0e%3a08%3aaa%3abb%3acc", SPA_MAC_MAC, "000e08aabbcc"},
        {"/000e08aabbcc.xml", SPA_MAC_MA, "000e08aabbcc"},
        {"/Linksys/000E08012345/spa.cfg", SPA_MAC_MAU, "000e08012345"},
        {"/spa/000e08aabbcc/rep.xml.enc", SPA_MAC_MA, "000e08aabbcc"},
        {"/profiles/abcdefg.cfg", SPA_MAC_NONE, ""},
        {"/spa2102.cfg", SPA_MAC_NONE, ""},
        {"/000e08aabbc.cfg", SPA_MAC_NONE, ""},            /* 11 digits */
        {"/0000e08aabbcc.cfg", SPA_MAC_NONE, ""},          /* 13 with a leading digit */
        {"/000e08aabbccdd.cfg", SPA_MAC_NONE, ""},         /* 14 */
        {"/000E08aabbcc.cfg", SPA_MAC_NONE, ""},           /* mixed case */
        {"/fe80::20e:8ff:feaa:bbcc", SPA_MAC_NONE, ""},
        {"00:0e:08:aa:bb:cc:dd", SPA_MAC_NONE, ""},        /* 7 groups */
        {"00:0e:08:aa:bb", SPA_MAC_NONE, ""},
        {"00:0e:08%3Aaa:bb:cc", SPA_MAC_NONE, ""},         /* mixed separators */
        {"x=100:0e:08:aa:bb:cc", SPA_MAC_NONE, ""},
        {"/a/b?sn=88012BA01234", SPA_MAC_MAU, "88012ba01234"}, /* 12 hex digits look like $MAU */
        {"/cfga000e08aabbcc", SPA_MAC_MA, "000e08aabbcc"},
        {"", SPA_MAC_NONE, ""},
        {"%3A%3A%3A", SPA_MAC_NONE, ""},
        {"/spa000e08aabbcc.cfg?mac=00:11:22:33:44:55", SPA_MAC_MA, "000e08aabbcc"}, /* first wins */
    };
    size_t i;
    char mac[13];
    (void)st;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        spa_mac_form f = spa_mac_find(t[i].s, strlen(t[i].s), mac);
        if (f != t[i].form || strcmp(mac, t[i].mac) != 0)
            fail_msg("'%s': form %d mac '%s'", t[i].s, (int)f, mac);
    }
    /* bounded by n */
    assert_int_equal(spa_mac_find("000e08aabbcc", 11, mac), SPA_MAC_NONE);
    assert_string_equal(mac, "");
    assert_int_equal(spa_mac_find("00:0e:08:aa:bb:cc", 16, mac), SPA_MAC_NONE);
    assert_int_equal(spa_mac_find(NULL, 5, mac), SPA_MAC_NONE);
}

/* ---- Range, ETag, URL, hosts --------------------------------------------------------- */

static void test_range(void **st)
{
    static const struct { const char *h; uint64_t total; spa_range_result r; uint64_t a, b; } t[] = {
        {"bytes=0-3", 10, SPA_RANGE_OK, 0, 3},
        {"bytes=2-5", 10, SPA_RANGE_OK, 2, 5},
        {"bytes=5-", 10, SPA_RANGE_OK, 5, 9},
        {"bytes=-3", 10, SPA_RANGE_OK, 7, 9},
        {"bytes=-30", 10, SPA_RANGE_OK, 0, 9},
        {"bytes=8-100", 10, SPA_RANGE_OK, 8, 9},
        {"Bytes = 1-1", 10, SPA_RANGE_NONE, 0, 0},
        {"BYTES=1-1", 10, SPA_RANGE_OK, 1, 1},
        {"bytes=10-", 10, SPA_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=10-20", 10, SPA_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-0", 10, SPA_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=0-0", 0, SPA_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=5-2", 10, SPA_RANGE_NONE, 0, 0},
        {"bytes=0-1,3-4", 10, SPA_RANGE_NONE, 0, 0},
        {"bytes=a-b", 10, SPA_RANGE_NONE, 0, 0},
        {"bytes=-", 10, SPA_RANGE_NONE, 0, 0},
        {"items=0-1", 10, SPA_RANGE_NONE, 0, 0},
        {"bytes=99999999999999999999-", 10, SPA_RANGE_NONE, 0, 0},
    };
    size_t i;
    (void)st;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t a = 0, b = 0;
        spa_range_result r = spa_http_range(t[i].h, t[i].total, &a, &b);
        if (r != t[i].r || (r == SPA_RANGE_OK && (a != t[i].a || b != t[i].b)))
            fail_msg("'%s': %d %llu-%llu", t[i].h, (int)r, (unsigned long long)a,
                     (unsigned long long)b);
    }
    assert_int_equal(spa_http_range(NULL, 10, NULL, NULL), SPA_RANGE_NONE);
}

static void test_etag(void **st)
{
    char tag[32], tag2[32];
    (void)st;

    spa_http_etag("firmware", 8, tag, sizeof tag);
    assert_int_equal(strlen(tag), 18);
    assert_true(tag[0] == '"' && tag[17] == '"');
    spa_http_etag("firmware", 8, tag2, sizeof tag2);
    assert_string_equal(tag, tag2);
    spa_http_etag("firmwarf", 8, tag2, sizeof tag2);
    assert_string_not_equal(tag, tag2);
    assert_int_equal(spa_http_etag_match("\"abc\"", "\"abc\""), 1);
    assert_int_equal(spa_http_etag_match("W/\"abc\"", "\"abc\""), 1);
    assert_int_equal(spa_http_etag_match("\"x\", \"abc\"", "\"abc\""), 1);
    assert_int_equal(spa_http_etag_match(" \"x\" ,W/\"abc\" ", "\"abc\""), 1);
    assert_int_equal(spa_http_etag_match("*", "\"abc\""), 1);
    assert_int_equal(spa_http_etag_match("\"abcd\"", "\"abc\""), 0);
    assert_int_equal(spa_http_etag_match("abc", "\"abc\""), 0);
    assert_int_equal(spa_http_etag_match("\"a,bc\"", "\"abc\""), 0);
    assert_int_equal(spa_http_etag_match("", "\"abc\""), 0);
    assert_int_equal(spa_http_etag_match(NULL, "\"abc\""), 0);
}

static void test_url(void **st)
{
    spa_http_url u;
    char why[100];
    (void)st;

    assert_int_equal(spa_http_url_parse("http://prov.telco.com/Linksys/spa.cfg", &u, why, sizeof why), 0);
    assert_int_equal(u.https, 0);
    assert_string_equal(u.host, "prov.telco.com");
    assert_int_equal(u.port, 80);
    assert_string_equal(u.target, "/Linksys/spa.cfg");
    assert_int_equal(spa_http_url_parse("HTTPS://p.tel.com:8443?Linksys000E08AABBCC", &u, why, sizeof why), 0);
    assert_int_equal(u.https, 1);
    assert_int_equal(u.port, 8443);
    assert_string_equal(u.target, "/?Linksys000E08AABBCC");
    assert_int_equal(spa_http_url_parse("https://[::1]/x", &u, why, sizeof why), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 443);
    assert_int_equal(spa_http_url_parse("http://h", &u, why, sizeof why), 0);
    assert_string_equal(u.target, "/");
    assert_int_equal(spa_http_url_parse("tftp://h/x", &u, why, sizeof why), -1);
    assert_string_equal(why, "scheme must be http or https");
    assert_int_equal(spa_http_url_parse("http://h:0/", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http://h:65536/", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http://h:80x/", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http:///x", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http://h/a b", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http://h/a\r\nX: y", &u, why, sizeof why), -1);
    assert_int_equal(spa_http_url_parse("http://h@evil/x", &u, why, sizeof why), -1);
}

static void test_hosts(void **st)
{
    const char *text = "# test hosts\n127.0.0.2 prov.test other\n127.0.0.3 PROV.test\n"
                       "notanip prov.test\n::1 prov.test # v6\n127.0.0.9\n";
    struct sockaddr_storage a[8];
    char ip[64];
    spa_diags d;
    spa_hosts *h;
    (void)st;

    spa_diags_init(&d);
    h = spa_hosts_parse(text, strlen(text), "hosts", &d);
    assert_non_null(h);
    assert_int_equal(spa_hosts_lookup(h, "prov.test", 8080, a, 8), 3);
    inet_ntop(AF_INET, &((struct sockaddr_in *)&a[0])->sin_addr, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.2");
    assert_int_equal(ntohs(((struct sockaddr_in *)&a[0])->sin_port), 8080);
    inet_ntop(AF_INET, &((struct sockaddr_in *)&a[1])->sin_addr, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.3");
    assert_int_equal(a[2].ss_family, AF_INET6);
    assert_int_equal(spa_hosts_lookup(h, "prov.test", 1, a, 2), 2);
    assert_int_equal(spa_hosts_lookup(h, "other", 1, a, 8), 1);
    assert_int_equal(spa_hosts_lookup(h, "nope", 1, a, 8), 0);
    assert_true(tu_diags_contain(&d, "hosts:4:1: warning: 'notanip' is not an IP address"));
    assert_true(tu_diags_contain(&d, "hosts:6: warning: address without a name"));
    assert_int_equal(d.errors, 0);
    spa_hosts_free(h);
    assert_null(spa_hosts_load("/nonexistent/hosts", &d));
    assert_int_equal(d.errors, 1);
    spa_diags_free(&d);
}

/* ---- loopback transport ------------------------------------------------------------ */

typedef struct {
    struct event_base *base;
    int done;
    spa_http_error error;
    spa_tls_verify verify;
    int status;
    char body[4096];
    size_t len;
    char etag[128];
    char ctype[128];
    unsigned attempts;
    char detail[256];
} outcome;

static void on_done(const spa_http_result *r, void *arg)
{
    outcome *o = arg;
    o->done++;
    o->error = r->error;
    o->verify = r->tls_verify;
    o->status = r->status;
    o->len = r->body.len < sizeof o->body ? r->body.len : sizeof o->body - 1;
    memcpy(o->body, r->body.data ? r->body.data : "", o->len);
    o->body[o->len] = '\0';
    snprintf(o->etag, sizeof o->etag, "%s", r->etag);
    snprintf(o->ctype, sizeof o->ctype, "%s", r->content_type);
    snprintf(o->detail, sizeof o->detail, "%s", r->detail);
    o->attempts = r->attempts;
    event_base_loopbreak(o->base);
}

static void guard_cb(evutil_socket_t fd, short w, void *arg)
{
    (void)fd;
    (void)w;
    event_base_loopbreak(arg);
}

/* Run one request to completion (at most 10 s). */
static void run(struct event_base *base, spa_http_request *rq, outcome *o)
{
    struct timeval tv = {10, 0};
    struct event *guard = evtimer_new(base, guard_cb, base);
    char why[200];
    spa_http_client *c;

    memset(o, 0, sizeof *o);
    o->base = base;
    c = spa_http_start(base, rq, on_done, o, why, sizeof why);
    if (!c)
        fail_msg("start: %s", why);
    assert_int_equal(o->done, 0); /* never called from inside start */
    evtimer_add(guard, &tv);
    event_base_dispatch(base);
    event_free(guard);
    if (o->done != 1)
        fail_msg("%s: no completion within 10 s", rq->url);
    if (getenv("SPA_TEST_VERBOSE"))
        fprintf(stderr, "%s -> %s %d (%s)\n", rq->url, spa_http_error_name(o->error), o->status,
                o->detail);
}

static const char firmware[] = "0123456789ABCDEFGHIJ";

/* The server side of the tests: echoes what it learnt about the request. */
static void handler(spa_http_req *r, void *arg)
{
    char out[2048];
    const spa_cert_subject *cs = spa_http_req_client_cert(r);
    const char *ua = spa_http_req_header(r, "User-Agent");
    const char *q = spa_http_req_query(r);
    size_t blen;
    const char *body = spa_http_req_body(r, &blen);
    (void)arg;

    assert_true((cs != NULL) == (spa_http_req_peer_x509(r) != NULL));
    if (strcmp(spa_http_req_path(r), "/fw.bin") == 0) {
        spa_http_reply_resource(r, "application/octet-stream", firmware, sizeof firmware - 1, NULL);
        return;
    }
    if (strcmp(spa_http_req_path(r), "/missing") == 0) {
        spa_http_reply(r, 404, "text/plain", "no\n", 3);
        return;
    }
    snprintf(out, sizeof out, "%s %s q=%s ua=%s peer=%s cert=%s/%s/%s/%s body=%.*s",
             spa_http_req_method(r), spa_http_req_path(r), q ? q : "-", ua ? ua : "-",
             spa_http_req_peer_text(r), cs ? cs->ou : "-", cs ? cs->l : "-", cs ? cs->mac : "-",
             cs ? (cs->generic ? "generic" : "unique") : "-", (int)blen, body);
    assert_int_equal(spa_http_reply_header(r, "X-Test", "yes"), 0);
    assert_int_equal(spa_http_reply_header(r, "Bad\r\nName", "x"), -1);
    assert_int_equal(spa_http_reply_header(r, "X", "a\r\nInjected: 1"), -1);
    spa_http_reply(r, 200, "text/plain", out, strlen(out));
}

static spa_http_server *start_server(struct event_base *base, SSL_CTX *tls)
{
    spa_http_server_opts so = {NULL, 0, tls, 0, 5};
    spa_diags d;
    spa_http_server *s;

    spa_diags_init(&d);
    s = spa_http_server_new(base, &so, handler, NULL, &d);
    assert_non_null(s);
    assert_true(spa_http_server_port(s) > 0);
    spa_diags_free(&d);
    return s;
}

static void test_client_server_http(void **st)
{
    struct event_base *base = event_base_new();
    spa_http_server *s = start_server(base, NULL);
    char url[128];
    const char *hdrs[] = {"User-Agent: Linksys/SPA-2102-5.1.10 (88012BA01234)", NULL};
    spa_http_request rq;
    outcome o;
    unsigned port = spa_http_server_port(s);
    (void)st;

    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/spa000e08aabbcc.cfg?x=1", port);
    rq.url = url;
    rq.headers = hdrs;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.ctype, "text/plain");
    assert_string_equal(o.body, "GET /spa000e08aabbcc.cfg q=x=1 ua=Linksys/SPA-2102-5.1.10 "
                                "(88012BA01234) peer=127.0.0.1 cert=-/-/-/- body=");
    assert_int_equal(o.attempts, 1);

    rq.method = "POST";
    rq.body = "Product=SPA2102";
    rq.body_len = 15;
    rq.content_type = "text/plain";
    run(base, &rq, &o);
    assert_int_equal(o.status, 200);
    assert_non_null(strstr(o.body, "POST /spa000e08aabbcc.cfg"));
    assert_non_null(strstr(o.body, "body=Product=SPA2102"));

    /* HEAD: no body, whatever Content-Length says */
    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fw.bin", port);
    rq.url = url;
    rq.method = "HEAD";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.len, 0);

    /* firmware: full, Range, suffix range, unsatisfiable, If-None-Match */
    rq.method = NULL;
    run(base, &rq, &o);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.body, firmware);
    {
        char etag[128], inm[200];
        const char *range[] = {"Range: bytes=2-5", NULL};
        const char *suffix[] = {"Range: bytes=-3", NULL};
        const char *bad[] = {"Range: bytes=50-", NULL};
        const char *cond[] = {inm, NULL};

        snprintf(etag, sizeof etag, "%s", o.etag);
        assert_int_equal(strlen(etag), 18);
        rq.headers = range;
        run(base, &rq, &o);
        assert_int_equal(o.status, 206);
        assert_string_equal(o.body, "2345");
        rq.headers = suffix;
        run(base, &rq, &o);
        assert_int_equal(o.status, 206);
        assert_string_equal(o.body, "HIJ");
        rq.headers = bad;
        run(base, &rq, &o);
        assert_int_equal(o.status, 416);
        assert_int_equal(o.len, 0);
        snprintf(inm, sizeof inm, "If-None-Match: \"zzz\", %s", etag);
        rq.headers = cond;
        run(base, &rq, &o);
        assert_int_equal(o.status, 304);
        assert_int_equal(o.len, 0);
        snprintf(inm, sizeof inm, "If-None-Match: \"zzz\"");
        run(base, &rq, &o);
        assert_int_equal(o.status, 200);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/missing", port);
    rq.headers = NULL;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_int_equal(o.status, 404);

    /* request bodies over the server's cap are refused */
    {
        static char big[2u << 20];
        memset(big, 'x', sizeof big);
        memset(&rq, 0, sizeof rq);
        snprintf(url, sizeof url, "http://127.0.0.1:%u/upload", port);
        rq.url = url;
        rq.method = "POST";
        rq.body = big;
        rq.body_len = sizeof big;
        run(base, &rq, &o);
        assert_true(o.status == 413 || o.error == SPA_HTTP_ERESET);
    }
    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fw.bin", port);
    rq.url = url;
    /* the response size cap */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fw.bin", port);
    rq.max_body = 10;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETOOLARGE);

    /* a second server on the same port: refused with a diagnostic */
    {
        spa_http_server_opts so2 = {"127.0.0.1", (uint16_t)port, NULL, 0, 0};
        spa_diags d;
        spa_diags_init(&d);
        assert_null(spa_http_server_new(base, &so2, handler, NULL, &d));
        assert_true(tu_diags_contain(&d, "cannot listen on 127.0.0.1 port"));
        spa_diags_free(&d);
    }
    /* start refuses bad requests synchronously */
    {
        char why[100];
        const char *inj[] = {"X-A: b\r\nX-Evil: 1", NULL};
        memset(&rq, 0, sizeof rq);
        rq.url = url;
        rq.headers = inj;
        assert_null(spa_http_start(base, &rq, on_done, &o, why, sizeof why));
        rq.headers = NULL;
        rq.method = "DELETE";
        assert_null(spa_http_start(base, &rq, on_done, &o, why, sizeof why));
        rq.method = NULL;
        rq.url = "https://127.0.0.1/x"; /* https without a context */
        assert_null(spa_http_start(base, &rq, on_done, &o, why, sizeof why));
        assert_string_equal(why, "https needs a TLS client context");
    }
    spa_http_server_free(s);
    event_base_free(base);
}

/* A raw server that answers any request with fixed bytes, then closes (or not). */
typedef struct {
    const char *resp;
    int close_after;
    int silent;
    struct bufferevent *held;
} raw_server;

static void raw_write_cb(struct bufferevent *bev, void *arg)
{
    raw_server *rs = arg;
    if (rs->close_after && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        bufferevent_free(bev);
        if (rs->held == bev)
            rs->held = NULL;
    }
}

static void raw_read_cb(struct bufferevent *bev, void *arg)
{
    raw_server *rs = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\n", 4, NULL);

    if (p.pos < 0 || rs->silent)
        return;
    evbuffer_drain(in, evbuffer_get_length(in));
    bufferevent_write(bev, rs->resp, strlen(rs->resp));
}

static void raw_event_cb(struct bufferevent *bev, short what, void *arg)
{
    raw_server *rs = arg;
    (void)what;
    if (rs->held == bev)
        rs->held = NULL;
    bufferevent_free(bev);
}

static void raw_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
                       void *arg)
{
    raw_server *rs = arg;
    struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
                                                     BEV_OPT_CLOSE_ON_FREE);
    (void)sa;
    (void)sl;
    if (rs->held)
        bufferevent_free(rs->held);
    rs->held = bev;
    bufferevent_setcb(bev, raw_read_cb, raw_write_cb, raw_event_cb, rs);
    bufferevent_enable(bev, EV_READ); /* writing starts with the response */
}

static struct evconnlistener *raw_listen(struct event_base *base, raw_server *rs, unsigned *port)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct evconnlistener *l;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, raw_accept, rs, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                -1, (struct sockaddr *)&sin, sizeof sin);
    assert_non_null(l);
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl);
    *port = ntohs(sin.sin_port);
    return l;
}

static void test_client_framing(void **st)
{
    struct event_base *base = event_base_new();
    raw_server rs = {NULL, 1, 0, NULL};
    unsigned port;
    struct evconnlistener *l = raw_listen(base, &rs, &port);
    char url[128];
    spa_http_request rq;
    outcome o;
    (void)st;

    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", port);
    rq.url = url;

    rs.resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: \"e1\"\r\n\r\n"
              "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_string_equal(o.body, "hello, world");
    assert_string_equal(o.etag, "\"e1\"");

    rs.resp = "HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<flat-profile/>";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_string_equal(o.body, "<flat-profile/>");
    assert_string_equal(o.ctype, "text/xml");

    rs.resp = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    run(base, &rq, &o);
    assert_int_equal(o.status, 201);
    assert_string_equal(o.body, "ok");

    /* truncated: Content-Length promises more than arrives */
    rs.resp = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ERESET);
    rs.resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ERESET);

    /* malformed */
    rs.resp = "HTTP/1.1 2000 OK\r\n\r\n";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_EPROTO);
    rs.resp = "SSH-2.0-OpenSSH\r\n\r\n";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_EPROTO);
    rs.resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_EPROTO);
    rs.resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_EPROTO);
    rs.resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_EPROTO);

    /* cap on chunked and on read-until-close bodies */
    rq.max_body = 4;
    rs.resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETOOLARGE);
    rs.resp = "HTTP/1.0 200 OK\r\n\r\nhello";
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETOOLARGE);
    rq.max_body = 0;

    /* a server that never answers: the deadline */
    rs.silent = 1;
    rq.timeout_ms = 300;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETIMEOUT);
    rs.silent = 0;
    rq.timeout_ms = 0;

    if (rs.held)
        bufferevent_free(rs.held);
    evconnlistener_free(l);
    event_base_free(base);
}

static void test_client_addresses(void **st)
{
    struct event_base *base = event_base_new();
    spa_http_server *s = start_server(base, NULL);
    unsigned port = spa_http_server_port(s);
    char url[128], hosts_text[256];
    spa_http_request rq;
    spa_hosts *h;
    outcome o;
    struct sockaddr_storage list[2];
    (void)st;

    /* first A record dead (nothing listens on 127.0.0.2), second answers */
    snprintf(hosts_text, sizeof hosts_text,
             "127.0.0.2 prov.test\n127.0.0.1 prov.test\n127.0.0.3 dead.test\n127.0.0.4 dead.test\n");
    h = spa_hosts_parse(hosts_text, strlen(hosts_text), "hosts", NULL);
    assert_non_null(h);
    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://prov.test:%u/a", port);
    rq.url = url;
    rq.hosts = h;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.attempts, 2);

    snprintf(url, sizeof url, "http://dead.test:%u/a", port);
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ECONNECT);
    assert_int_equal(o.attempts, 2);
    assert_non_null(strstr(o.detail, "dead.test"));

    /* the caller's own address list */
    assert_int_equal(spa_hosts_lookup(h, "prov.test", 1, list, 2), 2);
    rq.hosts = NULL;
    rq.addrs = list;
    rq.naddrs = 2;
    snprintf(url, sizeof url, "http://any.name:%u/a", port);
    run(base, &rq, &o);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.attempts, 2);

    /* a name nobody knows: a resolver with no name servers fails */
    {
        struct evdns_base *dns = evdns_base_new(base, 0);
        /* a name server on a closed loopback port: refused at once */
        assert_int_equal(evdns_base_nameserver_ip_add(dns, "127.0.0.1:9"), 0);
        evdns_base_set_option(dns, "timeout:", "0.3");
        evdns_base_set_option(dns, "attempts:", "1");
        rq.addrs = NULL;
        rq.naddrs = 0;
        rq.dns = dns;
        snprintf(url, sizeof url, "http://no-such-host.invalid:%u/a", port);
        run(base, &rq, &o);
        assert_int_equal(o.error, SPA_HTTP_EDNS);
        evdns_base_free(dns, 0);
    }
    /* a name server that never answers: the deadline cancels the lookup */
    {
        struct evdns_base *dns = evdns_base_new(base, 0);
        struct sockaddr_in sin;
        socklen_t sl = sizeof sin;
        char ns[64];
        int fd = socket(AF_INET, SOCK_DGRAM, 0);

        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
        getsockname(fd, (struct sockaddr *)&sin, &sl);
        snprintf(ns, sizeof ns, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
        assert_int_equal(evdns_base_nameserver_ip_add(dns, ns), 0);
        evdns_base_set_option(dns, "timeout:", "5");
        memset(&rq, 0, sizeof rq);
        rq.dns = dns;
        rq.timeout_ms = 300;
        snprintf(url, sizeof url, "http://slow.example:%u/a", port);
        rq.url = url;
        run(base, &rq, &o);
        assert_int_equal(o.error, SPA_HTTP_ETIMEOUT);
        evdns_base_free(dns, 0);
        close(fd);
    }
    /* cancel before the loop ever runs: no callback */
    {
        char why[100];
        spa_http_client *c;
        struct timeval tv = {0, 100000};
        memset(&rq, 0, sizeof rq);
        snprintf(url, sizeof url, "http://127.0.0.1:%u/a", port);
        rq.url = url;
        memset(&o, 0, sizeof o);
        o.base = base;
        c = spa_http_start(base, &rq, on_done, &o, why, sizeof why);
        assert_non_null(c);
        spa_http_cancel(c);
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
        assert_int_equal(o.done, 0);
    }
    spa_hosts_free(h);
    spa_http_server_free(s);
    event_base_free(base);
}

/* ---- cancel in flight ----------------------------------------------------------- */

/* A request cancelled while waiting for the response (HTTP) or in the TLS
 * handshake (HTTPS), or before the loop ever ran: done is never called, and
 * the owner frees the event_base at once — no loop run in between. */
static void test_client_cancel_in_flight(void **st)
{
    static const char *const schemes[] = {"http", "https", NULL};
    spa_tls_client_opts co = {NULL, NULL, NULL, 0};
    (void)st;

    for (int i = 0; schemes[i]; i++) {
        for (int before_loop = 0; before_loop <= 1; before_loop++) {
            struct event_base *base = event_base_new();
            SSL_CTX *tls = spa_tls_client_ctx(&co, NULL);
            spa_http_request rq;
            spa_http_client *c;
            outcome o;
            char url[128], why[200];
            unsigned port;
            int lfd = tu_silent_listener(&port), cfd = -1;

            assert_non_null(base);
            assert_non_null(tls);
            memset(&rq, 0, sizeof rq);
            memset(&o, 0, sizeof o);
            snprintf(url, sizeof url, "%s://127.0.0.1:%u/spa.cfg", schemes[i], port);
            rq.url = url;
            rq.tls = tls;
            c = spa_http_start(base, &rq, on_done, &o, why, sizeof why);
            if (!c)
                fail_msg("start: %s", why);
            if (!before_loop)
                cfd = tu_wait_first_bytes(base, lfd);
            spa_http_cancel(c);
            assert_int_equal(o.done, 0);
            SSL_CTX_free(tls);
            event_base_free(base);
            if (cfd >= 0)
                close(cfd);
            close(lfd);
        }
    }
}

/* ---- HTTPS ------------------------------------------------------------------------ */

typedef struct {
    char dir[256];
    char ca[300], cakey[300], ca2[300], ca2key[300];
    char srv[300], srvkey[300], dev[300], devkey[300], rogue[300], roguekey[300];
} pki;

static void mk(const char *const *subj, const char *san, int is_ca, int client, const char *ca,
               const char *cakey, const char *crt, const char *key)
{
    spa_tls_certspec spec = {subj, san, is_ca, client, 2, SPA_TLS_KEY_EC_P256};
    spa_diags d;
    spa_diags_init(&d);
    if (spa_tls_make_cert(&spec, ca, cakey, crt, key, &d) != 0) {
        spa_diags_print(&d, stderr);
        fail();
    }
    spa_diags_free(&d);
}

static void pki_make(pki *p)
{
    static const char *const ca[] = {"CN", "Test Linksys CA", NULL};
    static const char *const ca2[] = {"CN", "Some Other CA", NULL};
    static const char *const srv[] = {"CN", "localhost/mailto:admin@localhost", NULL};
    static const char *const dev[] = {"OU", "SPA2102", "L", "88012BA01234", "ST", "000e08aabbcc",
                                      "CN", "SPA2102", NULL};

    tu_tmpdir(p->dir, sizeof p->dir);
#define P(f, n) snprintf(p->f, sizeof p->f, "%s/%s", p->dir, n)
    P(ca, "ca.pem"); P(cakey, "ca.key"); P(ca2, "ca2.pem"); P(ca2key, "ca2.key");
    P(srv, "srv.pem"); P(srvkey, "srv.key"); P(dev, "dev.pem"); P(devkey, "dev.key");
    P(rogue, "rogue.pem"); P(roguekey, "rogue.key");
#undef P
    mk(ca, NULL, 1, 0, NULL, NULL, p->ca, p->cakey);
    mk(ca2, NULL, 1, 0, NULL, NULL, p->ca2, p->ca2key);
    mk(srv, "DNS:localhost,IP:127.0.0.1", 0, 0, p->ca, p->cakey, p->srv, p->srvkey);
    mk(dev, NULL, 0, 1, p->ca, p->cakey, p->dev, p->devkey);
    mk(dev, NULL, 0, 1, p->ca2, p->ca2key, p->rogue, p->roguekey);
}

static SSL_CTX *client_ctx(const char *ca, const char *crt, const char *key)
{
    spa_tls_client_opts co = {ca, crt, key, 0};
    SSL_CTX *c = spa_tls_client_ctx(&co, NULL);
    assert_non_null(c);
    return c;
}

/* A resolver that puts every name on 127.0.0.9 (not the test server). */
static size_t resolve_elsewhere(void *ctx, const char *name, struct sockaddr_storage *out,
                                size_t max)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)out;
    (void)ctx;
    (void)name;
    if (!max)
        return 0;
    memset(out, 0, sizeof *out);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0x7f000009u);
    return 1;
}

static void test_https(void **st)
{
    struct event_base *base = event_base_new();
    pki p;
    spa_tls_server_opts so;
    SSL_CTX *sctx, *cctx, *cdev, *crogue, *cwrongca;
    spa_http_server *s;
    spa_hosts *h;
    char url[128];
    const char *hosts_text = "127.0.0.1 localhost\n127.0.0.1 sprov.test\n";
    spa_http_request rq;
    outcome o;
    unsigned port;
    (void)st;

    pki_make(&p);
    memset(&so, 0, sizeof so);
    so.cert_file = p.srv;
    so.key_file = p.srvkey;
    so.client_ca_file = p.ca;
    so.require_client_cert = 1;
    sctx = spa_tls_server_ctx(&so, NULL);
    assert_non_null(sctx);
    s = start_server(base, sctx);
    port = spa_http_server_port(s);
    h = spa_hosts_parse(hosts_text, strlen(hosts_text), "hosts", NULL);
    cctx = client_ctx(p.ca, NULL, NULL);
    cdev = client_ctx(p.ca, p.dev, p.devkey);
    crogue = client_ctx(p.ca, p.rogue, p.roguekey);
    cwrongca = client_ctx(p.ca2, p.dev, p.devkey);

    memset(&rq, 0, sizeof rq);
    rq.hosts = h;
    snprintf(url, sizeof url, "https://localhost:%u/spa.cfg", port);
    rq.url = url;

    /* a device with its certificate: served, and identified by the subject */
    rq.tls = cdev;
    run(base, &rq, &o);
    if (o.error != SPA_HTTP_OK)
        fail_msg("https: %s: %s", spa_http_error_name(o.error), o.detail);
    assert_int_equal(o.status, 200);
    assert_non_null(strstr(o.body, "cert=SPA2102/88012BA01234/000e08aabbcc/unique"));

    /* no client certificate: the server refuses the handshake */
    rq.tls = cctx;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETLS);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_HANDSHAKE);
    /* a certificate from another CA: refused too */
    rq.tls = crogue;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETLS);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_HANDSHAKE);

    /* the device refuses a server from the wrong CA */
    rq.tls = cwrongca;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETLS);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_CHAIN);
    assert_non_null(strstr(o.detail, "server chain"));

    /* ... and a server whose CN is not the requested name */
    rq.tls = cdev;
    snprintf(url, sizeof url, "https://sprov.test:%u/spa.cfg", port);
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETLS);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_CN);
    assert_non_null(strstr(o.detail, "CN=localhost/mailto:admin@localhost"));
    /* ... an IP literal whose CN names a host that resolves elsewhere */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/spa.cfg", port);
    rq.resolve_name = resolve_elsewhere;
    run(base, &rq, &o);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_CN);
    /* ... but accepted when that name (localhost) resolves to the server's IP */
    rq.resolve_name = NULL;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    /* unless the caller opts out of the guide's rules (chain still checked) */
    rq.no_server_checks = 1;
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_OK);
    rq.tls = cwrongca;
    run(base, &rq, &o);
    assert_int_equal(o.verify, SPA_TLS_VERIFY_CHAIN);

    /* plain HTTP to the HTTPS port does not get a profile */
    memset(&rq, 0, sizeof rq);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/spa.cfg", port);
    rq.url = url;
    run(base, &rq, &o);
    assert_int_not_equal(o.error, SPA_HTTP_OK);

    spa_http_server_free(s);
    SSL_CTX_free(sctx);

    /* client certificate requested but optional: served either way, and the
     * handler can tell an identified device from an anonymous one */
    so.require_client_cert = 0;
    sctx = spa_tls_server_ctx(&so, NULL);
    assert_non_null(sctx);
    s = start_server(base, sctx);
    memset(&rq, 0, sizeof rq);
    rq.hosts = h;
    snprintf(url, sizeof url, "https://localhost:%u/opt", spa_http_server_port(s));
    rq.url = url;
    rq.tls = cctx;
    run(base, &rq, &o);
    assert_int_equal(o.status, 200);
    assert_non_null(strstr(o.body, "cert=-/-/-/-"));
    rq.tls = cdev;
    run(base, &rq, &o);
    assert_int_equal(o.status, 200);
    assert_non_null(strstr(o.body, "cert=SPA2102/88012BA01234/000e08aabbcc/unique"));
    rq.tls = crogue; /* a certificate that does not verify is still refused */
    run(base, &rq, &o);
    assert_int_equal(o.error, SPA_HTTP_ETLS);
    spa_http_server_free(s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cdev);
    SSL_CTX_free(crogue);
    SSL_CTX_free(cwrongca);
    spa_hosts_free(h);
    event_base_free(base);
    tu_rmtree(p.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ua_parse),
        cmocka_unit_test(test_mac_find),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_etag),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_client_server_http),
        cmocka_unit_test(test_client_framing),
        cmocka_unit_test(test_client_addresses),
        cmocka_unit_test(test_client_cancel_in_flight),
        cmocka_unit_test(test_https),
    };
    signal(SIGPIPE, SIG_IGN); /* as every program serving sockets must (see docs/http.md) */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
