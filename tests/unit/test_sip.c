/* test_sip.c — the SIP NOTIFY path: the request parser (compact and
 * case-insensitive names, folding, Content-Length, every malformed input
 * with its status and reason), response formatting to exact bytes, the
 * RFC 2617 digest vector and digest syntax errors, stateless nonces
 * (peer binding, tampering, expiry), and the device's listener over real
 * UDP on 127.0.0.1 and [::1]: 401 challenge, authenticated 200 and the
 * action (resync, reboot_now, restart_now), retransmission answered
 * without a second action, a replayed digest, wrong password, unknown user,
 * Resync_From_SIP no, unknown event, other methods. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include "testutil.h"
#include "spaprov/sip.h"

/* ---- parser ---------------------------------------------------------------------------- */

static const char good_notify[] =
    "NOTIFY sip:1000@127.0.0.1:5060 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\n"
    "VIA: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bK0\r\n"
    "f: <sip:proxy@10.0.0.9>;tag=abc\r\n"
    "t: <sip:1000@127.0.0.1>\r\n"
    "i: call-1@10.0.0.9\r\n"
    "cseq  :  7 NOTIFY\r\n"
    "o: resync\r\n"
    "X-Custom: first part\r\n"
    "\t  second part\r\n"
    "l: 5\r\n"
    "\r\n"
    "helloEXTRA";

static void test_parse_ok(void **state)
{
    (void)state;
    spa_sip_msg m;
    spa_sip_error err;
    assert_int_equal(spa_sip_parse(good_notify, strlen(good_notify), &m, &err), 0);
    assert_string_equal(m.method, "NOTIFY");
    assert_string_equal(m.uri, "sip:1000@127.0.0.1:5060");
    assert_int_equal(spa_sip_header_count(&m, "Via"), 2);
    assert_string_equal(spa_sip_header_get(&m, "via"), "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1");
    assert_string_equal(spa_sip_header_get(&m, "From"), "<sip:proxy@10.0.0.9>;tag=abc");
    assert_string_equal(spa_sip_header_get(&m, "t"), "<sip:1000@127.0.0.1>");
    assert_string_equal(spa_sip_header_get(&m, "CALL-ID"), "call-1@10.0.0.9");
    assert_string_equal(spa_sip_header_get(&m, "Event"), "resync");
    assert_string_equal(spa_sip_header_get(&m, "x-custom"), "first part second part");
    assert_null(spa_sip_header_get(&m, "Authorization"));
    assert_int_equal(m.cseq, 7);
    assert_int_equal(m.body_len, 5);
    assert_memory_equal(m.body, "hello", 5);
    spa_sip_msg_free(&m);

    /* bare LF line ends, no Content-Length: the body is the rest */
    const char lf[] = "NOTIFY sip:u@h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>\nTo: <sip:b@h>\n"
                      "Call-ID: x\nCSeq: 1 NOTIFY\n\nbody";
    assert_int_equal(spa_sip_parse(lf, strlen(lf), &m, &err), 0);
    assert_int_equal(m.body_len, 4);
    spa_sip_msg_free(&m);
}

typedef struct bad_case {
    const char *text;
    int status;
    const char *reason;
} bad_case;

#define HDRS "Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"

static void test_parse_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        { "", 0, "empty datagram" },
        { "SIP/2.0 200 OK\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", 0, "a response" },
        { "NOTIFY sip:u@h SIP/2.0\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n"
          "CSeq: 1 NOTIFY\r\n\r\n", 0, "no Via" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "CSeq: 1 NOTIFY\r\n\r\n", 400, "missing Call-ID" },
        { "NOTIFY sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n"
          "CSeq: 1 NOTIFY\r\n\r\n", 400, "missing From" },
        { "NOTIFY sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:b@h>\r\nCall-ID: x\r\n"
          "CSeq: 1 NOTIFY\r\n\r\n", 400, "missing To" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\n\r\n", 400, "missing CSeq" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\nCSeq: 2 NOTIFY\r\n\r\n",
          400, "repeated CSeq" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\ni: y\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "repeated Call-ID" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n", 400,
          "CSeq method does not match" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: one NOTIFY\r\n\r\n", 400,
          "malformed CSeq" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 4294967296 NOTIFY\r\n\r\n", 400,
          "malformed CSeq" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\nContent-Length: 10\r\n"
          "\r\nshort", 400, "body shorter than Content-Length" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\nl: -1\r\n\r\n", 400,
          "malformed Content-Length" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\nl: 0\r\nl: 0\r\n\r\n",
          400, "repeated Content-Length" },
        { "NOTIFY sip:u@h SIP/3.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", 505,
          "Version Not Supported" },
        { "NOTIFY sip:u@h HTTP/1.1\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "malformed SIP version" },
        { "NOTIFY SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "malformed request line" },
        { "NOTIFY nocolon SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "malformed Request-URI" },
        { "NOT(IFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOT(IFY\r\n\r\n", 400,
          "malformed method" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID x\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "header line without ':'" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Bad Name: x\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n",
          400, "malformed header name" },
        { "NOTIFY sip:u@h SIP/2.0\r\n  folded\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n",
          400, "continuation line without a header" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\rY\r\nCSeq: 1 NOTIFY\r\n\r\n", 400,
          "control character" },
        { "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\nCSeq: 1 NOTIFY\r\n", 400,
          "no empty line" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spa_sip_msg m;
        spa_sip_error err;
        int rc = spa_sip_parse(cases[i].text, strlen(cases[i].text), &m, &err);
        if (rc != -1 || err.status != cases[i].status || !err.reason ||
            !strstr(err.reason, cases[i].reason))
            fail_msg("case %zu: rc %d status %d reason '%s'", i, rc, err.status,
                     err.reason ? err.reason : "(null)");
        spa_sip_msg_free(&m);
    }
}

static void test_parse_nul_and_limits(void **state)
{
    (void)state;
    spa_sip_msg m;
    spa_sip_error err;
    char text[8192];
    int n = snprintf(text, sizeof text, "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\n"
                                        "CSeq: 1 NOTIFY\r\nEvent: re");
    memcpy(text + n, "\0sync\r\n\r\n", 9);
    assert_int_equal(spa_sip_parse(text, (size_t)n + 9, &m, &err), -1);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.reason, "control character"));
    spa_sip_msg_free(&m);

    n = snprintf(text, sizeof text, "NOTIFY sip:u@h SIP/2.0\r\n" HDRS "Call-ID: x\r\n"
                                    "CSeq: 1 NOTIFY\r\n");
    for (int i = 0; i < SPA_SIP_MAX_HEADERS; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "X-%d: y\r\n", i);
    n += snprintf(text + n, sizeof text - (size_t)n, "\r\n");
    assert_int_equal(spa_sip_parse(text, (size_t)n, &m, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.reason, "Bad Request - too many headers");
    assert_non_null(spa_sip_header_get(&m, "Via"));  /* still answerable */
    spa_sip_msg_free(&m);
}

static void test_event_type(void **state)
{
    (void)state;
    char ev[16];
    assert_int_equal(spa_sip_event_type("resync", ev, sizeof ev), 0);
    assert_string_equal(ev, "resync");
    assert_int_equal(spa_sip_event_type(" reboot_now ;id=4", ev, sizeof ev), 0);
    assert_string_equal(ev, "reboot_now");
    assert_int_equal(spa_sip_event_type("", ev, sizeof ev), -1);
    assert_int_equal(spa_sip_event_type("re sync", ev, sizeof ev), -1);
    assert_int_equal(spa_sip_event_type("a-very-long-event-name", ev, sizeof ev), -1);
}

/* ---- responses ---------------------------------------------------------------------------- */

static void test_response_format(void **state)
{
    (void)state;
    spa_sip_msg m;
    spa_sip_error err;
    spa_buf b;
    assert_int_equal(spa_sip_parse(good_notify, strlen(good_notify), &m, &err), 0);
    spa_buf_init(&b);
    assert_int_equal(spa_sip_response(&m, 401, NULL, "t1",
                                      "WWW-Authenticate: Digest realm=\"r\"\r\n", &b), 0);
    assert_string_equal(b.data,
        "SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\n"
        "Via: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bK0\r\n"
        "From: <sip:proxy@10.0.0.9>;tag=abc\r\n"
        "To: <sip:1000@127.0.0.1>;tag=t1\r\n"
        "Call-ID: call-1@10.0.0.9\r\n"
        "CSeq: 7 NOTIFY\r\n"
        "WWW-Authenticate: Digest realm=\"r\"\r\n"
        "Content-Length: 0\r\n\r\n");
    spa_sip_msg_free(&m);

    /* a To that already has a tag keeps it; a reason phrase of our own */
    const char tagged[] = "NOTIFY sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
                          "To: <sip:b@h;x=1>; tag=zz\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n";
    assert_int_equal(spa_sip_parse(tagged, strlen(tagged), &m, &err), 0);
    spa_buf_reset(&b);
    assert_int_equal(spa_sip_response(&m, 403, "Forbidden - resync not allowed", "t1", NULL, &b), 0);
    assert_string_equal(b.data, "SIP/2.0 403 Forbidden - resync not allowed\r\n"
                                "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
                                "To: <sip:b@h;x=1>; tag=zz\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\n"
                                "Content-Length: 0\r\n\r\n");
    spa_sip_msg_free(&m);
    spa_buf_free(&b);
    assert_string_equal(spa_sip_reason(489), "Bad Event");
    assert_string_equal(spa_sip_reason(405), "Method Not Allowed");
    assert_string_equal(spa_sip_reason(799), "Unknown");
}

/* ---- digest --------------------------------------------------------------------------------- */

/* RFC 2617 §3.5 */
static const char rfc2617_auth[] =
    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
    "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

static void test_digest_rfc2617(void **state)
{
    (void)state;
    spa_sip_digest dg;
    char want[33];
    const char *why = NULL;
    assert_int_equal(spa_sip_digest_parse(rfc2617_auth, &dg, &why), 0);
    assert_string_equal(dg.username, "Mufasa");
    assert_string_equal(dg.realm, "testrealm@host.com");
    assert_string_equal(dg.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    assert_int_equal(spa_sip_digest_expected(&dg, "GET", "Circle Of Life", want), 0);
    assert_string_equal(want, "6629fae49393a05397450978507c4ef1");
    assert_true(spa_sip_digest_verify(&dg, "GET", "Circle Of Life"));
    assert_false(spa_sip_digest_verify(&dg, "GET", "Circle of Life"));
    assert_false(spa_sip_digest_verify(&dg, "POST", "Circle Of Life"));
    /* upper-case hex is the same response */
    strcpy(dg.response, "6629FAE49393A05397450978507C4EF1");
    assert_true(spa_sip_digest_verify(&dg, "GET", "Circle Of Life"));
    strcpy(dg.algorithm, "SHA-256");
    assert_false(spa_sip_digest_verify(&dg, "GET", "Circle Of Life"));
    strcpy(dg.algorithm, "md5");
    strcpy(dg.qop, "auth-int");
    assert_false(spa_sip_digest_verify(&dg, "GET", "Circle Of Life"));

    /* without qop (RFC 2069 compatibility): MD5(HA1:nonce:HA2), computed
     * independently with Python's hashlib */
    assert_int_equal(spa_sip_digest_parse(
        "Digest username=\"Mufasa\",realm=\"testrealm@host.com\","
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",uri=\"/dir/index.html\","
        "response=\"670fd8c2df070c60b045671b8b24ff02\",algorithm=MD5", &dg, &why), 0);
    assert_true(spa_sip_digest_verify(&dg, "GET", "Circle Of Life"));
    assert_false(spa_sip_digest_verify(&dg, "GET", "wrong"));
    /* a SIP NOTIFY as sipp answers it: token values, escaped quote in a value */
    assert_int_equal(spa_sip_digest_parse(
        "digest username=\"1000\" , realm=\"SPA-2102\",nonce=\"abc\",uri=\"sip:127.0.0.1:5060\","
        "response=\"6900ba7eb595f9e32fccd01b3aa4c4d0\",opaque=\"a\\\"b\"", &dg, &why), 0);
    assert_string_equal(dg.opaque, "a\"b");
    assert_true(spa_sip_digest_verify(&dg, "NOTIFY", "s3cret"));
}

static void test_digest_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Basic dXNlcjpwYXNz",
        "Digest",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"xyz\"",
        "Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", "
        "response=\"6629fae49393a05397450978507c4ef1\"",
        "Digest username=\"a, realm=\"r\"",
        "Digest username=\"a\" realm=\"r\"",
        "Digest username=, realm=\"r\"",
        "Digest =\"a\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", qop=auth, "
        "response=\"6629fae49393a05397450978507c4ef1\"",
        "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", qop=auth, nc=1, cnonce=\"c\", "
        "response=\"6629fae49393a05397450978507c4ef1\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spa_sip_digest dg;
        const char *why = NULL;
        if (spa_sip_digest_parse(bad[i], &dg, &why) != -1 || !why)
            fail_msg("case %zu accepted", i);
    }
    /* a value longer than the field */
    char longv[600];
    memset(longv, 'a', sizeof longv);
    memcpy(longv, "Digest username=\"", 17);
    strcpy(longv + 590, "\"");
    spa_sip_digest dg;
    assert_int_equal(spa_sip_digest_parse(longv, &dg, NULL), -1);
}

/* ---- nonces ------------------------------------------------------------------------------------ */

static void test_nonce(void **state)
{
    (void)state;
    spa_sip_nonce_key k, other;
    char n[SPA_SIP_NONCE_LEN + 1];
    assert_int_equal(spa_sip_nonce_key_init(&k, 60), 0);
    assert_int_equal(spa_sip_nonce_key_init(&other, 60), 0);
    spa_sip_nonce_make(&k, 1000, "127.0.0.1", n);
    assert_int_equal(strlen(n), SPA_SIP_NONCE_LEN);
    assert_int_equal(spa_sip_nonce_check(&k, n, 1000, "127.0.0.1"), SPA_NONCE_VALID);
    assert_int_equal(spa_sip_nonce_check(&k, n, 1060, "127.0.0.1"), SPA_NONCE_VALID);
    assert_int_equal(spa_sip_nonce_check(&k, n, 1061, "127.0.0.1"), SPA_NONCE_STALE);
    assert_int_equal(spa_sip_nonce_check(&k, n, 999, "127.0.0.1"), SPA_NONCE_INVALID);
    assert_int_equal(spa_sip_nonce_check(&k, n, 1000, "127.0.0.2"), SPA_NONCE_INVALID);
    assert_int_equal(spa_sip_nonce_check(&other, n, 1000, "127.0.0.1"), SPA_NONCE_INVALID);
    char t[SPA_SIP_NONCE_LEN + 1];
    strcpy(t, n);
    t[15] = t[15] == '0' ? '1' : '0';   /* move the time: the MAC no longer fits */
    assert_int_equal(spa_sip_nonce_check(&k, t, 1100, "127.0.0.1"), SPA_NONCE_INVALID);
    strcpy(t, n);
    t[20] = t[20] == '0' ? '1' : '0';   /* change the salt */
    assert_int_equal(spa_sip_nonce_check(&k, t, 1000, "127.0.0.1"), SPA_NONCE_INVALID);
    strcpy(t, n);
    t[40] = t[40] == 'a' ? 'b' : 'a';
    assert_int_equal(spa_sip_nonce_check(&k, t, 1000, "127.0.0.1"), SPA_NONCE_INVALID);
    /* two nonces made in the same second differ; both are valid */
    spa_sip_nonce_make(&k, 1000, "127.0.0.1", t);
    assert_string_not_equal(t, n);
    assert_int_equal(spa_sip_nonce_check(&k, t, 1000, "127.0.0.1"), SPA_NONCE_VALID);
    t[SPA_SIP_NONCE_LEN - 1] = '\0';
    assert_int_equal(spa_sip_nonce_check(&k, t, 1000, "127.0.0.1"), SPA_NONCE_INVALID);
    assert_int_equal(spa_sip_nonce_check(&k, "not-a-nonce", 1000, "127.0.0.1"), SPA_NONCE_INVALID);
    assert_int_equal(spa_sip_nonce_check(&k, NULL, 1000, "127.0.0.1"), SPA_NONCE_INVALID);
}

/* ---- the device's listener over UDP ----------------------------------------------------------- */

typedef struct dev_fixture {
    char dir[256];
    struct event_base *base;
    spa_device *dev;
    int fd;                       /* the "proxy" */
    struct sockaddr_storage to;
    socklen_t tolen;
    unsigned cseq;
} dev_fixture;

static void fixture_open(dev_fixture *f, const char *config, const char *addr)
{
    char path[512];
    spa_diags d;
    memset(f, 0, sizeof *f);
    tu_tmpdir(f->dir, sizeof f->dir);
    tu_write(f->dir, "config.xml", config, path, sizeof path);
    spa_diags_init(&d);
    spa_device_opts o;
    memset(&o, 0, sizeof o);
    o.model = "SPA2102";
    o.mac = "000e08aabbcc";
    o.serial = "SN1";
    o.state_dir = f->dir;
    o.no_start_delay = true;
    assert_non_null(f->base = event_base_new());
    f->dev = spa_device_new(f->base, &o, &d);
    assert_non_null(f->dev);
    spa_device_power_up(f->dev);
    assert_int_equal(spa_device_sip_listen(f->dev, addr, 0, &d), 0);
    spa_diags_free(&d);
    uint16_t port = spa_device_sip_port(f->dev);
    assert_true(port > 0);
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&f->to;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        inet_pton(AF_INET6, "::1", &a6->sin6_addr);
        f->tolen = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&f->to;
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &a4->sin_addr);
        f->tolen = sizeof *a4;
    }
    f->fd = socket(f->to.ss_family, SOCK_DGRAM, 0);
    assert_true(f->fd >= 0);
}

static void fixture_close(dev_fixture *f)
{
    close(f->fd);
    spa_device_free(f->dev);
    event_base_free(f->base);
    tu_rmtree(f->dir);
}

/* Send text, run the device's loop until an answer comes (into out) or
 * wait_ms pass. Returns the answer's length, 0 when none came. */
static size_t exchange(dev_fixture *f, const char *text, size_t len, char *out, size_t n,
                       int wait_ms)
{
    assert_int_equal(sendto(f->fd, text, len, 0, (struct sockaddr *)&f->to, f->tolen), (ssize_t)len);
    for (int waited = 0; waited <= wait_ms; waited += 10) {
        event_base_loop(f->base, EVLOOP_NONBLOCK);
        struct pollfd p = { f->fd, POLLIN, 0 };
        if (poll(&p, 1, 10) == 1) {
            ssize_t r = recv(f->fd, out, n - 1, 0);
            assert_true(r > 0);
            out[r] = '\0';
            return (size_t)r;
        }
    }
    out[0] = '\0';
    return 0;
}

/* A NOTIFY for event with an optional Authorization line; a new CSeq and
 * branch each time unless same_txn. */
static int notify_text(dev_fixture *f, char *out, size_t n, const char *method, const char *event,
                       const char *auth, bool same_txn)
{
    if (!same_txn)
        f->cseq++;
    return snprintf(out, n,
                    "%s sip:1000@127.0.0.1 SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK%u\r\n"
                    "From: <sip:proxy@127.0.0.1>;tag=p1\r\nTo: <sip:1000@127.0.0.1>\r\n"
                    "Call-ID: call-1@test\r\nCSeq: %u %s\r\nMax-Forwards: 70\r\n"
                    "%s%s%s%s%sContent-Length: 0\r\n\r\n",
                    method, f->cseq, f->cseq, method, event ? "Event: " : "", event ? event : "",
                    event ? "\r\n" : "", auth ? auth : "", auth ? "\r\n" : "");
}

/* Challenge with event, then answer with user/password; out holds the
 * final answer and auth the Authorization line that was sent. */
static void challenge_and_answer(dev_fixture *f, const char *event, const char *user,
                                 const char *password, char *out, size_t n, char *auth,
                                 size_t an)
{
    char msg[2048];
    int len = notify_text(f, msg, sizeof msg, "NOTIFY", event, NULL, false);
    assert_true(exchange(f, msg, (size_t)len, out, n, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 401 Unauthorized\r\n"));
    assert_non_null(strstr(out, "realm=\"SPA-2102\""));
    assert_non_null(strstr(out, "algorithm=MD5, qop=\"auth\""));
    const char *np = strstr(out, "nonce=\"");
    assert_non_null(np);
    spa_sip_digest dg;
    memset(&dg, 0, sizeof dg);
    snprintf(dg.username, sizeof dg.username, "%s", user);
    strcpy(dg.realm, "SPA-2102");
    snprintf(dg.nonce, sizeof dg.nonce, "%.*s", SPA_SIP_NONCE_LEN, np + 7);
    strcpy(dg.uri, "sip:1000@127.0.0.1");
    strcpy(dg.qop, "auth");
    strcpy(dg.nc, "00000001");
    snprintf(dg.cnonce, sizeof dg.cnonce, "c0ffee%u", f->cseq);
    char resp[33];
    assert_int_equal(spa_sip_digest_expected(&dg, "NOTIFY", password, resp), 0);
    snprintf(auth, an,
             "Authorization: Digest username=\"%s\", realm=\"SPA-2102\", nonce=\"%s\", "
             "uri=\"%s\", response=\"%s\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"%s\"",
             user, dg.nonce, dg.uri, resp, dg.cnonce);
    len = notify_text(f, msg, sizeof msg, "NOTIFY", event, auth, false);
    assert_true(exchange(f, msg, (size_t)len, out, n, 2000) > 0);
}

static const char dev_config[] =
    "<flat-profile><Resync_Random_Delay>0</Resync_Random_Delay>"
    "<User_ID_1_>1000</User_ID_1_><Password_1_>pw1</Password_1_>"
    "<User_ID_2_>2000</User_ID_2_><Use_Auth_ID_2_>Yes</Use_Auth_ID_2_>"
    "<Auth_ID_2_>auth2</Auth_ID_2_><Password_2_>pw2</Password_2_></flat-profile>";

static uint32_t resyncs(const dev_fixture *f)
{
    return spa_engine_get_stats(spa_device_engine(f->dev))->resyncs;
}

static void test_device_resync(void **state)
{
    (void)state;
    dev_fixture f;
    char out[2048], auth[1024], again[2048], msg[2048];
    fixture_open(&f, dev_config, "127.0.0.1");
    uint32_t before = resyncs(&f);

    challenge_and_answer(&f, "resync", "1000", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 200 OK\r\n"));
    assert_non_null(strstr(out, "CSeq: 2 NOTIFY\r\n"));
    assert_int_equal(resyncs(&f), before + 1);

    /* the same request again (a UDP retransmission): the same answer, no second resync */
    int len = notify_text(&f, msg, sizeof msg, "NOTIFY", "resync", auth, true);
    assert_true(exchange(&f, msg, (size_t)len, again, sizeof again, 2000) > 0);
    assert_string_equal(again, out);
    assert_int_equal(resyncs(&f), before + 1);

    /* the same digest in a new transaction: a replay, challenged again (stale) */
    len = notify_text(&f, msg, sizeof msg, "NOTIFY", "resync", auth, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 401 Unauthorized\r\n"));
    assert_non_null(strstr(out, "stale=true"));
    assert_int_equal(resyncs(&f), before + 1);

    /* line 2 authenticates with its Auth_ID, not its User_ID */
    challenge_and_answer(&f, "resync;id=2", "auth2", "pw2", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 200 OK\r\n"));
    assert_int_equal(resyncs(&f), before + 2);
    challenge_and_answer(&f, "resync", "2000", "pw2", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden\r\n"));

    /* wrong password, unknown user: 403 and nothing happens */
    challenge_and_answer(&f, "resync", "1000", "pw2", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden\r\n"));
    challenge_and_answer(&f, "resync", "nobody", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden\r\n"));
    assert_int_equal(resyncs(&f), before + 2);

    /* a nonce this unit never issued: challenged again */
    len = notify_text(&f, msg, sizeof msg, "NOTIFY", "resync",
                      "Authorization: Digest username=\"1000\", realm=\"SPA-2102\", "
                      "nonce=\"0000000000000001000000000123456789abcdef0123456789abcdef\", "
                      "uri=\"sip:1000@127.0.0.1\", response=\"6629fae49393a05397450978507c4ef1\"",
                      false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 401 Unauthorized\r\n"));
    assert_null(strstr(out, "stale"));
    /* digest uri other than the Request-URI; malformed Authorization */
    len = notify_text(&f, msg, sizeof msg, "NOTIFY", "resync",
                      "Authorization: Digest username=\"1000\", realm=\"SPA-2102\", nonce=\"n\", "
                      "uri=\"sip:other@127.0.0.1\", response=\"6629fae49393a05397450978507c4ef1\"",
                      false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 400 Bad Request - digest uri does not match"));
    len = notify_text(&f, msg, sizeof msg, "NOTIFY", "resync", "Authorization: Basic eDp5", false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 400 Bad Request - malformed Authorization"));
    assert_int_equal(resyncs(&f), before + 2);
    fixture_close(&f);
}

static void test_device_refusals(void **state)
{
    (void)state;
    dev_fixture f;
    char out[2048], auth[1024], msg[2048];
    fixture_open(&f, "<flat-profile><Resync_Random_Delay>0</Resync_Random_Delay>"
                     "<User_ID_1_>1000</User_ID_1_><Password_1_>pw1</Password_1_>"
                     "<Resync_From_SIP>No</Resync_From_SIP></flat-profile>", "127.0.0.1");
    uint32_t before = resyncs(&f);
    challenge_and_answer(&f, "resync", "1000", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden - resync not allowed\r\n"));
    assert_int_equal(resyncs(&f), before);
    /* Report_Rule empty: nothing to send */
    challenge_and_answer(&f, "report", "1000", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden - no report sent\r\n"));

    int len = notify_text(&f, msg, sizeof msg, "NOTIFY", "check-sync", NULL, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 489 Bad Event\r\n"));
    assert_non_null(strstr(out, "Allow-Events: resync, report, reboot_now, restart_now\r\n"));
    len = notify_text(&f, msg, sizeof msg, "NOTIFY", NULL, NULL, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 400 Bad Request - missing Event\r\n"));
    len = notify_text(&f, msg, sizeof msg, "OPTIONS", NULL, NULL, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(out, "Allow: NOTIFY\r\n"));
    len = notify_text(&f, msg, sizeof msg, "FROB", NULL, NULL, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 501 Not Implemented\r\n"));
    len = notify_text(&f, msg, sizeof msg, "CANCEL", NULL, NULL, false);
    assert_true(exchange(&f, msg, (size_t)len, out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 481 "));
    /* never answered: ACK, a response, garbage */
    len = notify_text(&f, msg, sizeof msg, "ACK", NULL, NULL, false);
    assert_int_equal(exchange(&f, msg, (size_t)len, out, sizeof out, 200), 0);
    assert_int_equal(exchange(&f, "SIP/2.0 200 OK\r\n\r\n", 18, out, sizeof out, 200), 0);
    assert_int_equal(exchange(&f, "\x01\x02garbage", 9, out, sizeof out, 200), 0);
    /* malformed but answerable */
    const char bad[] = "NOTIFY sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070\r\n"
                       "From: <sip:a@h>\r\nTo: <sip:b@h>\r\nCSeq: 1 NOTIFY\r\n\r\n";
    assert_true(exchange(&f, bad, strlen(bad), out, sizeof out, 2000) > 0);
    assert_non_null(strstr(out, "SIP/2.0 400 Bad Request - missing Call-ID\r\n"));
    assert_int_equal(resyncs(&f), before);
    fixture_close(&f);
}

static uint32_t boots(const dev_fixture *f)
{
    spa_buf b;
    spa_buf_init(&b);
    assert_int_equal(spa_device_status_json(f->dev, &b), 0);
    const char *p = strstr(b.data, "\"boots\":");
    assert_non_null(p);
    uint32_t v = (uint32_t)strtoul(p + 8, NULL, 10);
    spa_buf_free(&b);
    return v;
}

static void test_device_reboot_restart(void **state)
{
    (void)state;
    dev_fixture f;
    char out[2048], auth[1024];
    fixture_open(&f, dev_config, "::1");
    uint32_t b0 = boots(&f);
    challenge_and_answer(&f, "reboot_now", "1000", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 200 OK\r\n"));
    assert_int_equal(boots(&f), b0 + 1);
    challenge_and_answer(&f, "restart_now", "1000", "pw1", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 200 OK\r\n"));
    assert_int_equal(boots(&f), b0 + 1);   /* a warm restart is not a power-up */
    challenge_and_answer(&f, "reboot_now", "1000", "bad", out, sizeof out, auth, sizeof auth);
    assert_non_null(strstr(out, "SIP/2.0 403 Forbidden\r\n"));
    assert_int_equal(boots(&f), b0 + 1);
    fixture_close(&f);
}

static void test_device_listen_errors(void **state)
{
    (void)state;
    dev_fixture f;
    spa_diags d;
    fixture_open(&f, dev_config, "127.0.0.1");
    spa_diags_init(&d);
    uint16_t port = spa_device_sip_port(f.dev);
    assert_int_equal(spa_device_sip_listen(f.dev, "not-an-address", 0, &d), -1);
    assert_true(tu_diags_contain(&d, "expected an IPv4 or IPv6 address"));
    assert_int_equal(spa_device_sip_listen(f.dev, "192.0.2.1", 0, &d), -1);  /* not local */
    assert_true(tu_diags_contain(&d, "cannot bind"));
    assert_int_equal(spa_device_sip_port(f.dev), port);   /* the old listener stays */
    assert_int_equal(spa_device_sip_listen(f.dev, "[::1]", 0, &d), 0);
    assert_true(spa_device_sip_port(f.dev) > 0);
    spa_diags_free(&d);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),          cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_nul_and_limits), cmocka_unit_test(test_event_type),
        cmocka_unit_test(test_response_format),   cmocka_unit_test(test_digest_rfc2617),
        cmocka_unit_test(test_digest_parse_errors), cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_device_resync),     cmocka_unit_test(test_device_refusals),
        cmocka_unit_test(test_device_reboot_restart),
        cmocka_unit_test(test_device_listen_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
