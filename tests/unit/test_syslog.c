/* test_syslog.c — syslog formatting to exact bytes (RFC 3164 and 5424),
 * strict and lenient parsing of real-world lines (util-linux logger, devices
 * without timestamp or hostname), precise diagnostics for malformed lines,
 * MAC extraction in every accepted form, and a UDP round trip on 127.0.0.1. */
#include <arpa/inet.h>
#include <string.h>
#include <event2/event.h>
#include "testutil.h"
#include "spaprov/syslog.h"

static const char spa_text[] = "SPA-2102 000e08aabbcc -- Requesting resync tftp://10.0.0.1:69/spa2102.cfg";

/* ---- formatting --------------------------------------------------------- */

static void fill(spa_syslog_msg *m, spa_syslog_rfc f)
{
    spa_syslog_msg_init(m);
    m->format = f;
    m->pri = SPA_SYSLOG_PRI(SPA_SYSLOG_LOCAL0, SPA_SYSLOG_INFO);
    m->has_time = 1;
    m->time = (spa_syslog_time){ 2026, 11, 9, 5, 3, 7, -1, 1, 0 };
    strcpy(m->host, "spa-aabbcc");
    strcpy(m->app, "spasim");
    assert_int_equal(spa_syslog_msg_set_text(m, spa_text), 0);
}

static void expect_format(const spa_syslog_msg *m, const char *want)
{
    spa_buf b;
    spa_buf_init(&b);
    assert_int_equal(spa_syslog_format(&b, m, NULL), 0);
    assert_string_equal(b.data, want);
    spa_buf_free(&b);
}

static void test_format_3164(void **st)
{
    spa_syslog_msg m;
    (void)st;

    fill(&m, SPA_SYSLOG_RFC3164);
    expect_format(&m, "<134>Nov  9 05:03:07 spa-aabbcc spasim: SPA-2102 000e08aabbcc -- "
                      "Requesting resync tftp://10.0.0.1:69/spa2102.cfg");
    m.time.mday = 29;
    strcpy(m.procid, "42");
    expect_format(&m, "<134>Nov 29 05:03:07 spa-aabbcc spasim[42]: SPA-2102 000e08aabbcc -- "
                      "Requesting resync tftp://10.0.0.1:69/spa2102.cfg");
    /* a device-style line: no timestamp, no host, no tag */
    m.has_time = 0;
    m.host[0] = m.app[0] = '\0';
    m.pri = 0;
    spa_syslog_msg_set_text(&m, "x");
    expect_format(&m, "<0>x");
    spa_syslog_msg_free(&m);
}

static void test_format_5424(void **st)
{
    spa_syslog_msg m;
    (void)st;

    fill(&m, SPA_SYSLOG_RFC5424);
    expect_format(&m, "<134>1 2026-11-09T05:03:07Z spa-aabbcc spasim - - - SPA-2102 000e08aabbcc "
                      "-- Requesting resync tftp://10.0.0.1:69/spa2102.cfg");
    m.time.usec = 5000;
    m.time.tz_min = -(5 * 60 + 30);
    strcpy(m.procid, "7");
    strcpy(m.msgid, "RESYNC");
    m.sd = strdup("[spa@1 mac=\"000e08aabbcc\"]");
    spa_syslog_msg_set_text(&m, "");
    expect_format(&m, "<134>1 2026-11-09T05:03:07.005000-05:30 spa-aabbcc spasim 7 RESYNC "
                      "[spa@1 mac=\"000e08aabbcc\"]");
    m.has_time = 0;
    m.host[0] = '\0';
    expect_format(&m, "<134>1 - - spasim 7 RESYNC [spa@1 mac=\"000e08aabbcc\"]");
    spa_syslog_msg_free(&m);
}

static void test_format_errors(void **st)
{
    spa_syslog_msg m;
    spa_diags d;
    spa_buf b;
    (void)st;

    spa_buf_init(&b);
    spa_diags_init(&d);
    fill(&m, SPA_SYSLOG_RFC3164);
    strcpy(m.host, "two words");
    assert_int_equal(spa_syslog_format(&b, &m, &d), -1);
    assert_true(tu_diags_contain(&d, "hostname contains a space or a non-printable byte"));
    strcpy(m.host, "h");
    m.pri = 192;
    assert_int_equal(spa_syslog_format(&b, &m, &d), -1);
    assert_true(tu_diags_contain(&d, "PRI 192 out of range 0..191"));
    m.pri = 1;
    m.time.mon = 13;
    assert_int_equal(spa_syslog_format(&b, &m, &d), -1);
    assert_true(tu_diags_contain(&d, "timestamp out of range"));
    spa_syslog_msg_free(&m);
    spa_diags_free(&d);
    spa_buf_free(&b);
}

static void test_time_from(void **st)
{
    spa_syslog_time t;
    (void)st;

    spa_syslog_time_from((time_t)1795930407, 12, 1, &t); /* 2026-11-29T05:33:27Z */
    assert_int_equal(t.year, 2026);
    assert_int_equal(t.mon, 11);
    assert_int_equal(t.mday, 29);
    assert_int_equal(t.hour, 5);
    assert_int_equal(t.min, 33);
    assert_int_equal(t.sec, 27);
    assert_int_equal(t.usec, 12);
    assert_int_equal(t.tz_min, 0);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct parse_case {
    const char *line;
    int lenient;
    int pri;
    spa_syslog_rfc format;
    const char *time;   /* "mon mday hh:mm:ss" or "" for none */
    const char *host, *app, *procid, *msgid, *sd, *msg;
    unsigned flags;
} parse_case;

static const parse_case parse_cases[] = {
    /* util-linux logger --rfc3164 / -i */
    { "<134>Nov 29 05:26:49 vm spa: SPA-2102 000e08aabbcc -- Requesting", 0, 134,
      SPA_SYSLOG_RFC3164, "11 29 05:26:49", "vm", "spa", "", "", NULL,
      "SPA-2102 000e08aabbcc -- Requesting", 0 },
    { "<134>Nov  9 05:26:49 vm spa[17322]: hello\n", 0, 134, SPA_SYSLOG_RFC3164,
      "11 9 05:26:49", "vm", "spa", "17322", "", NULL, "hello", 0 },
    /* no tag: the whole content is the message */
    { "<13>Jan  1 00:00:00 host just text: here", 0, 13, SPA_SYSLOG_RFC3164, "1 1 00:00:00",
      "host", "", "", "", NULL, "just text: here", 0 },
    /* util-linux logger --rfc5424 */
    { "<134>1 2026-11-29T05:26:49.519762+00:00 vm spa - - [timeQuality tzKnown=\"1\" "
      "isSynced=\"0\"] SPA-2102 000e08aabbcc -- x",
      0, 134, SPA_SYSLOG_RFC5424, "11 29 05:26:49", "vm", "spa", "", "",
      "[timeQuality tzKnown=\"1\" isSynced=\"0\"]", "SPA-2102 000e08aabbcc -- x", 0 },
    { "<0>1 - - - - - -", 0, 0, SPA_SYSLOG_RFC5424, "", "", "", "", "", NULL, "",
      SPA_SYSLOG_NO_TIME },
    { "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"l\\]\"][x@1 a=\"\"] \xEF\xBB\xBFmsg",
      0, 165, SPA_SYSLOG_RFC5424, "10 11 22:14:15", "mymachine.example.com", "evntslog", "",
      "ID47", "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"l\\]\"][x@1 a=\"\"]", "msg", 0 },
    /* lenient: a device line with neither timestamp nor hostname */
    { "<134>SPA-2102 000e08aabbcc -- Successful resync", 1, 134, SPA_SYSLOG_RFC3164, "", "", "",
      "", "", NULL, "SPA-2102 000e08aabbcc -- Successful resync",
      SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST },
    /* lenient: no <PRI> at all */
    { "plain text line", 1, 13, SPA_SYSLOG_RFC3164, "", "", "", "", "", NULL, "plain text line",
      SPA_SYSLOG_NO_PRI | SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST },
    /* lenient: timestamp then tag, no hostname */
    { "<14>Nov 29 05:26:49 spa[3]: up", 1, 14, SPA_SYSLOG_RFC3164, "11 29 05:26:49", "", "spa",
      "3", "", NULL, "up", SPA_SYSLOG_NO_HOST },
    /* lenient: single-digit day without padding */
    { "<14>Nov 9 05:26:49 h m", 1, 14, SPA_SYSLOG_RFC3164, "11 9 05:26:49", "h", "", "", "",
      NULL, "m", SPA_SYSLOG_ODD_TIME },
    /* lenient: an ISO timestamp in a BSD frame */
    { "<14>2026-11-29T05:26:49Z h tag: m", 1, 14, SPA_SYSLOG_RFC3164, "11 29 05:26:49", "h",
      "tag", "", "", NULL, "m", SPA_SYSLOG_ODD_TIME },
    /* lenient: broken 5424 keeps the text */
    { "<14>1 2026-99-29T05:26:49Z h a p m -", 1, 14, SPA_SYSLOG_RFC3164, "", "", "", "", "",
      NULL, "1 2026-99-29T05:26:49Z h a p m -",
      SPA_SYSLOG_BAD_FIELD | SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST },
    /* lenient: invalid PRI is kept as text */
    { "<999>x", 1, 13, SPA_SYSLOG_RFC3164, "", "", "", "", "", NULL, "<999>x",
      SPA_SYSLOG_NO_PRI | SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST },
};

static void time_text(const spa_syslog_msg *m, char *out, size_t n)
{
    if (!m->has_time)
        snprintf(out, n, "%s", "");
    else
        snprintf(out, n, "%d %d %02d:%02d:%02d", m->time.mon, m->time.mday, m->time.hour,
                 m->time.min, m->time.sec);
}

static void test_parse_table(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *c = &parse_cases[i];
        spa_syslog_msg m;
        spa_diags d;
        char tt[64];

        spa_diags_init(&d);
        if (spa_syslog_parse(c->line, strlen(c->line), c->lenient, &m, &d) != 0) {
            spa_diags_print(&d, stderr);
            fail_msg("case %zu did not parse", i);
        }
        time_text(&m, tt, sizeof tt);
        print_message("case %zu\n", i);
        assert_int_equal(m.pri, c->pri);
        assert_int_equal(m.format, c->format);
        assert_string_equal(tt, c->time);
        assert_string_equal(m.host, c->host);
        assert_string_equal(m.app, c->app);
        assert_string_equal(m.procid, c->procid);
        assert_string_equal(m.msgid, c->msgid);
        if (c->sd)
            assert_string_equal(m.sd, c->sd);
        else
            assert_null(m.sd);
        assert_string_equal(m.msg, c->msg);
        assert_int_equal(m.lenient, c->flags);
        spa_syslog_msg_free(&m);
        spa_diags_free(&d);
    }
}

static void test_parse_5424_time_detail(void **st)
{
    spa_syslog_msg m;
    const char *l = "<1>1 2026-11-29T05:26:49.5-07:30 h a 99 m - x";
    (void)st;

    assert_int_equal(spa_syslog_parse(l, strlen(l), 0, &m, NULL), 0);
    assert_int_equal(m.time.year, 2026);
    assert_int_equal(m.time.usec, 500000);
    assert_int_equal(m.time.tz_known, 1);
    assert_int_equal(m.time.tz_min, -450);
    assert_string_equal(m.procid, "99");
    assert_string_equal(m.msgid, "m");
    spa_syslog_msg_free(&m);
}

static const struct bad_line { const char *line; const char *diag; } bad_lines[] = {
    { "", "1:1: error: line does not start with '<PRI>'" },
    { "hello", "1:1: error: line does not start with '<PRI>'" },
    { "<>x", "1:2: error: malformed PRI: expected 1-3 digits and '>'" },
    { "<1234>x", "1:6: error: malformed PRI: expected 1-3 digits and '>'" },
    { "<13x", "1:4: error: malformed PRI: expected 1-3 digits and '>'" },
    { "<013>x", "1:2: error: PRI with a leading zero" },
    { "<192>x", "1:2: error: PRI 192 out of range 0..191" },
    { "<13>hello", "1:5: error: expected an RFC 3164 timestamp 'Mmm dd hh:mm:ss'" },
    { "<13>Nov 9 05:26:49 h m", "1:5: error: expected an RFC 3164 timestamp 'Mmm dd hh:mm:ss'" },
    { "<13>Nov 29 25:26:49 h m", "1:5: error: expected an RFC 3164 timestamp 'Mmm dd hh:mm:ss'" },
    { "<13>Nov 29 05:26:49 tag: m", "1:21: error: expected a hostname after the timestamp" },
    { "<13>Nov 29 05:26:49", "1:20: error: expected a space after the timestamp" },
    { "<13>1 2026-11-29 h a p m -", "1:7: error: malformed RFC 5424 TIMESTAMP" },
    { "<13>1 2026-11-29T05:26:49.1234567Z h a p m -", "1:7: error: malformed RFC 5424 TIMESTAMP" },
    { "<13>1 2026-11-29T05:26:49 h a p m -", "1:7: error: malformed RFC 5424 TIMESTAMP" },
    { "<13>1 - h a p", "1:14: error: expected a space after PROCID" },
    { "<13>1 -  a p m -", "1:9: error: empty HOSTNAME" },
    { "<13>1 - h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa p m -",
      "1:11: error: APP-NAME too long" },
    { "<13>1 - h a p m x", "1:17: error: expected '-' or '[' for STRUCTURED-DATA" },
    { "<13>1 - h a p m [x a=\"b]\"]", "1:24: error: unescaped ']' in SD-PARAM value" },
    { "<13>1 - h a p m [x a=\"b]", "1:24: error: unescaped ']' in SD-PARAM value" },
    { "<13>1 - h a p m [x a=\"b", "1:24: error: unterminated SD-PARAM value" },
    { "<13>1 - h a p m [x a=b]", "1:21: error: bad SD-PARAM: expected name=\"value\"" },
    { "<13>1 - h a p m []", "1:18: error: bad SD-ID" },
    { "<13>1 - h a p m [x", "1:19: error: expected ']' to close SD-ELEMENT" },
    { "<13>1 - h a p m -x", "1:18: error: expected a space after STRUCTURED-DATA" },
    /* found by fuzzing: a hostname must be printable ASCII */
    { "<134>Nov 29 05:26:49 vm\xff spa: x", "1:22: error: expected a hostname after the timestamp" },
    { "<134>Nov 29 05:26:49 v\x01m spa: x", "1:22: error: expected a hostname after the timestamp" },
};

static void test_parse_strict_errors(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        spa_syslog_msg m;
        spa_diags d;
        char buf[256];

        spa_diags_init(&d);
        assert_int_equal(spa_syslog_parse(bad_lines[i].line, strlen(bad_lines[i].line), 0, &m, &d), -1);
        assert_int_equal(d.errors, 1);
        spa_diag_format(&d.v[0], buf, sizeof buf);
        if (strcmp(buf + strlen("<input>:"), bad_lines[i].diag) != 0)
            print_error("case %zu: %s\n", i, buf);
        assert_string_equal(buf + strlen("<input>:"), bad_lines[i].diag);
        assert_null(m.msg);
        spa_diags_free(&d);
        /* the same line is always accepted leniently */
        assert_int_equal(spa_syslog_parse(bad_lines[i].line, strlen(bad_lines[i].line), 1, &m, NULL), 0);
        assert_non_null(m.msg);
        spa_syslog_msg_free(&m);
    }
}

/* An embedded NUL never hides inside a header field (found by fuzzing). */
static void test_parse_embedded_nul(void **st)
{
    static const char line[] = "<134>Nov 29 05:26:49 \0svm p: x";
    spa_syslog_msg m;
    spa_diags d;
    (void)st;

    spa_diags_init(&d);
    assert_int_equal(spa_syslog_parse(line, sizeof line - 1, 0, &m, &d), -1);
    assert_true(tu_diags_contain(&d, "1:22: error: expected a hostname after the timestamp"));
    assert_int_equal(spa_syslog_parse(line, sizeof line - 1, 1, &m, NULL), 0);
    assert_string_equal(m.host, "");
    assert_int_equal(m.lenient, SPA_SYSLOG_NO_HOST);
    spa_syslog_msg_free(&m);
    spa_diags_free(&d);

    /* a NUL is no tag character (strchr finds the terminator) */
    static const char tag[] = "<134>Nov 29 05:26:49 vm \0" "9:ae:0";
    assert_int_equal(spa_syslog_parse(tag, sizeof tag - 1, 0, &m, NULL), 0);
    assert_string_equal(m.app, "");
    spa_syslog_msg_free(&m);

    static const char sd[] = "<13>1 - h a p m [x a=\"b\0c\"] t";
    spa_diags_init(&d);
    assert_int_equal(spa_syslog_parse(sd, sizeof sd - 1, 0, &m, &d), -1);
    assert_true(tu_diags_contain(&d, "1:24: error: NUL byte in SD-PARAM value"));
    spa_diags_free(&d);
}

/* Format then parse gives the same fields back. */
static void test_roundtrip(void **st)
{
    (void)st;
    for (int f = 0; f < 2; f++) {
        spa_syslog_msg m, p;
        spa_buf b;

        fill(&m, (spa_syslog_rfc)f);
        strcpy(m.procid, "12");
        spa_buf_init(&b);
        assert_int_equal(spa_syslog_format(&b, &m, NULL), 0);
        assert_int_equal(spa_syslog_parse(b.data, b.len, 0, &p, NULL), 0);
        assert_int_equal(p.format, f);
        assert_int_equal(p.pri, 134);
        assert_string_equal(p.host, "spa-aabbcc");
        assert_string_equal(p.app, "spasim");
        assert_string_equal(p.procid, "12");
        assert_string_equal(p.msg, spa_text);
        assert_int_equal(p.time.mday, 9);
        assert_int_equal(p.lenient, 0);
        spa_syslog_msg_free(&m);
        spa_syslog_msg_free(&p);
        spa_buf_free(&b);
    }
}

/* ---- MAC extraction ----------------------------------------------------- */

static const struct mac_case { const char *text; const char *mac; } mac_cases[] = {
    { "SPA-2102 000e08aabbcc -- Requesting resync", "000e08aabbcc" },
    { "SPA-2102 000E08AABBCC -- x", "000e08aabbcc" },
    { "mac=00:0e:08:aa:bb:cc;", "000e08aabbcc" },
    { "MAC 00-0E-08-AA-BB-CC", "000e08aabbcc" },
    { "/profiles/000e08aabbcc.xml", "000e08aabbcc" },
    { "file spa000e08aabbcc.cfg", "" },           /* glued to letters: not a MAC */
    { "x 000e08aabbccdd y", "" },                 /* 14 hex digits */
    { "x 000e08aabbc y", "" },                    /* 11 */
    { "00:0e:08:aa:bb", "" },                     /* five pairs */
    { "00:0e:08:aa:bb:cc:dd", "" },               /* seven pairs */
    { "00:0e-08:aa:bb:cc", "" },                  /* mixed separators */
    { "serial 0123456789ab then 00:0e:08:11:22:33", "000e08112233" }, /* separated wins */
    { "", "" },
};

static void test_find_mac(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof mac_cases / sizeof mac_cases[0]; i++) {
        char out[13] = "unchanged";
        int r = spa_syslog_find_mac(mac_cases[i].text, strlen(mac_cases[i].text), out);
        print_message("mac case %zu\n", i);
        assert_int_equal(r, mac_cases[i].mac[0] != 0);
        if (r)
            assert_string_equal(out, mac_cases[i].mac);
    }
}

static void test_msg_mac(void **st)
{
    spa_syslog_msg m;
    char mac[13];
    const char *l = "<134>Nov 29 05:26:49 spa-00:0E:08:01:02:03 spa: Requesting resync";
    (void)st;

    assert_int_equal(spa_syslog_parse(l, strlen(l), 0, &m, NULL), 0);
    assert_int_equal(spa_syslog_msg_mac(&m, mac), 1);
    assert_string_equal(mac, "000e08010203");
    spa_syslog_msg_free(&m);
}

/* ---- UDP round trip on 127.0.0.1 ---------------------------------------- */

typedef struct rx {
    int n;
    char msg[4][256];
    char mac[4][13];
    struct event_base *base;
} rx;

static void on_msg(void *arg, const spa_syslog_msg *m, const struct sockaddr *from,
                   socklen_t fromlen, const char *raw, size_t rawlen)
{
    rx *r = arg;
    (void)from;
    (void)fromlen;
    (void)raw;
    (void)rawlen;
    if (r->n < 4) {
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s|%s|%d", m->app, m->msg, m->pri);
        if (!spa_syslog_msg_mac(m, r->mac[r->n]))
            r->mac[r->n][0] = '\0';
    }
    if (++r->n == 3)
        event_base_loopbreak(r->base);
}

static void test_udp_roundtrip(void **st)
{
    struct event_base *base = event_base_new();
    struct sockaddr_in a = { .sin_family = AF_INET };
    struct sockaddr_storage bound;
    socklen_t blen;
    spa_syslog_receiver *r;
    spa_syslog_sender *s;
    spa_syslog_msg m;
    spa_syslog_stats stt;
    rx got = { .base = base };
    struct timeval limit = { 5, 0 };
    (void)st;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r = spa_syslog_receiver_new(base, (struct sockaddr *)&a, sizeof a, 1, on_msg, &got, NULL);
    assert_non_null(r);
    spa_syslog_receiver_addr(r, &bound, &blen);
    s = spa_syslog_sender_new((struct sockaddr *)&bound, blen);
    assert_non_null(s);
    fill(&m, SPA_SYSLOG_RFC3164);
    assert_int_equal(spa_syslog_send(s, &m), 0);
    m.format = SPA_SYSLOG_RFC5424;
    spa_syslog_msg_set_text(&m, "Resync failed: 00:0E:08:AA:BB:CD timeout");
    assert_int_equal(spa_syslog_send(s, &m), 0);
    assert_int_equal(spa_syslog_send_raw(s, "<11>no mac here", 15), 0);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    assert_int_equal(got.n, 3);
    assert_string_equal(got.msg[0], "spasim|SPA-2102 000e08aabbcc -- Requesting resync "
                                    "tftp://10.0.0.1:69/spa2102.cfg|134");
    assert_string_equal(got.mac[0], "000e08aabbcc");
    assert_string_equal(got.msg[1], "spasim|Resync failed: 00:0E:08:AA:BB:CD timeout|134");
    assert_string_equal(got.mac[1], "000e08aabbcd");
    assert_string_equal(got.msg[2], "|no mac here|11");
    assert_string_equal(got.mac[2], "");
    spa_syslog_receiver_stats(r, &stt);
    assert_int_equal(stt.received, 3);
    assert_int_equal(stt.delivered, 3);
    spa_syslog_msg_free(&m);
    spa_syslog_sender_free(s);
    spa_syslog_receiver_free(r);
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_3164),         cmocka_unit_test(test_format_5424),
        cmocka_unit_test(test_format_errors),       cmocka_unit_test(test_time_from),
        cmocka_unit_test(test_parse_table),         cmocka_unit_test(test_parse_5424_time_detail),
        cmocka_unit_test(test_parse_strict_errors), cmocka_unit_test(test_parse_embedded_nul),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_find_mac),            cmocka_unit_test(test_msg_mac),
        cmocka_unit_test(test_udp_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
