/* test_tftp.c — TFTP packet codec, option negotiation, path check and
 * netascii: every packet type encoded to exact bytes, and decoded from valid
 * and malformed input with the exact error code and reason. */
#include <string.h>
#include "testutil.h"
#include "spaprov/tftp.h"

#define PK(s) (const uint8_t *)(s), sizeof(s) - 1

static void assert_bytes(const uint8_t *got, size_t n, const char *want, size_t wn)
{
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, wn);
}

/* ---- encoding ----------------------------------------------------------- */

static void test_encode_requests(void **st)
{
    uint8_t out[600];
    spa_tftp_opts o = { 0 };
    (void)st;

    assert_bytes(out, spa_tftp_encode_request(out, sizeof out, SPA_TFTP_RRQ, "spa2102.cfg",
                                              SPA_TFTP_OCTET, NULL),
                 "\0\1spa2102.cfg\0octet\0", 20);
    assert_bytes(out, spa_tftp_encode_request(out, sizeof out, SPA_TFTP_WRQ, "/r/rep.xml",
                                              SPA_TFTP_NETASCII, &o),
                 "\0\2/r/rep.xml\0netascii\0", 22);
    o.present = SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_TIMEOUT |
                SPA_TFTP_OPT_WINDOWSIZE;
    o.blksize = 1468;
    o.tsize = 0;
    o.timeout = 3;
    o.windowsize = 16;
    assert_bytes(out, spa_tftp_encode_request(out, sizeof out, SPA_TFTP_RRQ, "a", SPA_TFTP_OCTET, &o),
                 "\0\1a\0octet\0blksize\0" "1468\0tsize\0" "0\0timeout\0" "3\0windowsize\0" "16\0",
                 2 + 2 + 6 + 13 + 8 + 10 + 14);
    /* invalid arguments encode nothing */
    assert_int_equal(spa_tftp_encode_request(out, sizeof out, SPA_TFTP_DATA, "a", 0, NULL), 0);
    assert_int_equal(spa_tftp_encode_request(out, sizeof out, SPA_TFTP_RRQ, "", 0, NULL), 0);
    o.blksize = 7;
    assert_int_equal(spa_tftp_encode_request(out, sizeof out, SPA_TFTP_RRQ, "a", 0, &o), 0);
    o.blksize = 512;
    assert_int_equal(spa_tftp_encode_request(out, 20, SPA_TFTP_RRQ, "a", 0, &o), 0);
}

static void test_encode_others(void **st)
{
    uint8_t out[600];
    spa_tftp_opts o = { 0 };
    (void)st;

    assert_bytes(out, spa_tftp_encode_data(out, sizeof out, 1, "abc", 3), "\0\3\0\1abc", 7);
    assert_bytes(out, spa_tftp_encode_data(out, sizeof out, 65535, "", 0), "\0\3\377\377", 4);
    assert_int_equal(spa_tftp_encode_data(out, sizeof out, 65536, "", 0), 0);
    assert_int_equal(spa_tftp_encode_data(out, 6, 1, "abc", 3), 0);
    assert_bytes(out, spa_tftp_encode_ack(out, sizeof out, 0x1234), "\0\4\x12\x34", 4);
    assert_bytes(out, spa_tftp_encode_error(out, sizeof out, 1, NULL), "\0\5\0\1file not found\0", 19);
    assert_bytes(out, spa_tftp_encode_error(out, sizeof out, 3, "full"), "\0\5\0\3full\0", 9);
    assert_int_equal(spa_tftp_encode_oack(out, sizeof out, &o), 0); /* empty OACK refused */
    o.present = SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_BLKSIZE;
    o.tsize = 18446744073709551615ull;
    o.blksize = 65464;
    assert_bytes(out, spa_tftp_encode_oack(out, sizeof out, &o),
                 "\0\6blksize\0" "65464\0tsize\0" "18446744073709551615\0", 2 + 8 + 6 + 6 + 21);
}

/* ---- decoding: valid ---------------------------------------------------- */

static void test_decode_valid(void **st)
{
    spa_tftp_packet pk;
    spa_tftp_err e;
    (void)st;

    assert_int_equal(spa_tftp_decode(PK("\0\1/spa2102.cfg\0OcTeT\0"), &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_RRQ);
    assert_string_equal(pk.filename, "/spa2102.cfg");
    assert_int_equal(pk.mode, SPA_TFTP_OCTET);
    assert_int_equal(pk.opts.present, 0);

    assert_int_equal(spa_tftp_decode(PK("\0\2x\0NETASCII\0BLKSIZE\0" "1468\0tsize\0" "99\0"
                                        "TimeOut\0" "255\0windowsize\0" "65535\0foo\0bar\0"),
                                     &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_WRQ);
    assert_int_equal(pk.mode, SPA_TFTP_NETASCII);
    assert_int_equal(pk.opts.present, 15);
    assert_int_equal(pk.opts.blksize, 1468);
    assert_int_equal(pk.opts.tsize, 99);
    assert_int_equal(pk.opts.timeout, 255);
    assert_int_equal(pk.opts.windowsize, 65535);
    assert_int_equal(pk.unknown_opts, 1);

    /* trailing NUL padding after the options is tolerated */
    assert_int_equal(spa_tftp_decode(PK("\0\1a\0octet\0blksize\0" "8\0\0\0\0"), &pk, &e), 0);
    assert_int_equal(pk.opts.blksize, 8);

    assert_int_equal(spa_tftp_decode(PK("\0\3\xff\xfehello"), &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_DATA);
    assert_int_equal(pk.block, 0xfffe);
    assert_int_equal(pk.datalen, 5);
    assert_memory_equal(pk.data, "hello", 5);
    assert_int_equal(spa_tftp_decode(PK("\0\3\0\7"), &pk, &e), 0);
    assert_int_equal(pk.datalen, 0);

    assert_int_equal(spa_tftp_decode(PK("\0\4\0\0"), &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_ACK);
    assert_int_equal(pk.block, 0);

    assert_int_equal(spa_tftp_decode(PK("\0\5\0\2no\0"), &pk, &e), 0);
    assert_int_equal(pk.errcode, 2);
    assert_string_equal(pk.errmsg, "no");
    assert_int_equal(spa_tftp_decode(PK("\0\5\0\0\0"), &pk, &e), 0);
    assert_string_equal(pk.errmsg, "");

    assert_int_equal(spa_tftp_decode(PK("\0\6tsize\0" "123456\0"), &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_OACK);
    assert_int_equal(pk.opts.present, SPA_TFTP_OPT_TSIZE);
    assert_int_equal(pk.opts.tsize, 123456);
}

/* ---- decoding: malformed ------------------------------------------------ */

static const struct bad_case {
    const char *bytes;
    size_t n;
    int code;
    const char *reason;
} bad_cases[] = {
#define B(s, c, r) { s, sizeof(s) - 1, c, r }
    B("", 4, "packet of 0 bytes is too short for an opcode"),
    B("\0", 4, "packet of 1 bytes is too short for an opcode"),
    B("\0\0", 4, "unknown opcode 0"),
    B("\0\7abc", 4, "unknown opcode 7"),
    B("\1\1a\0octet\0", 4, "unknown opcode 257"),
    B("\0\1", 4, "RRQ: file name not NUL-terminated"),
    B("\0\1abc", 4, "RRQ: file name not NUL-terminated"),
    B("\0\2\0octet\0", 4, "WRQ: empty file name"),
    B("\0\1abc\0", 4, "RRQ: mode missing or not NUL-terminated"),
    B("\0\1abc\0octet", 4, "RRQ: mode missing or not NUL-terminated"),
    B("\0\1abc\0binary\0", 4, "unknown mode 'binary'"),
    B("\0\1abc\0mail\0", 4, "mode 'mail' is not supported"),
    B("\0\1a\0octet\0blksize", 4, "option name at offset 10 not NUL-terminated"),
    B("\0\1a\0octet\0blksize\0", 4, "option 'blksize' has no NUL-terminated value"),
    B("\0\1a\0octet\0blksize\0" "512", 4, "option 'blksize' has no NUL-terminated value"),
    B("\0\1a\0octet\0\0x\0", 4, "empty option name at offset 10"),
    B("\0\1a\0octet\0blksize\0" "7\0", 8, "option 'blksize': 7 out of range 8..65464"),
    B("\0\1a\0octet\0blksize\0" "65465\0", 8, "option 'blksize': 65465 out of range 8..65464"),
    B("\0\1a\0octet\0blksize\0" "0\0", 8, "option 'blksize': 0 out of range 8..65464"),
    B("\0\1a\0octet\0blksize\0" "-512\0", 8, "option 'blksize': value '-512' is not a number"),
    B("\0\1a\0octet\0blksize\0" " 512\0", 8, "option 'blksize': value ' 512' is not a number"),
    B("\0\1a\0octet\0blksize\0\0", 8, "option 'blksize': value '' is not a number"),
    B("\0\1a\0octet\0blksize\0" "512\0BLKSIZE\0" "1024\0", 8, "duplicate option 'blksize'"),
    B("\0\1a\0octet\0tsize\0" "99999999999999999999\0", 8,
      "option 'tsize': value '99999999999999999999' is not a number"),
    B("\0\1a\0octet\0tsize\0" "9223372036854775808\0", 8,
      "option 'tsize': 9223372036854775808 out of range 0..9223372036854775807"),
    B("\0\1a\0octet\0timeout\0" "0\0", 8, "option 'timeout': 0 out of range 1..255"),
    B("\0\1a\0octet\0timeout\0" "256\0", 8, "option 'timeout': 256 out of range 1..255"),
    B("\0\1a\0octet\0windowsize\0" "0\0", 8, "option 'windowsize': 0 out of range 1..65535"),
    B("\0\1a\0octet\0windowsize\0" "65536\0", 8, "option 'windowsize': 65536 out of range 1..65535"),
    B("\0\3\0", 4, "DATA truncated: 3 bytes, need 4"),
    B("\0\4\0", 4, "ACK must be 4 bytes, got 3"),
    B("\0\4\0\1\0", 4, "ACK must be 4 bytes, got 5"),
    B("\0\5\0\1", 4, "ERROR truncated: 4 bytes, need 5"),
    B("\0\5\0\1oops", 4, "ERROR message not NUL-terminated"),
    B("\0\5\0\1oops\0x", 4, "1 trailing bytes after ERROR message"),
    B("\0\6", 4, "OACK without options"),
    B("\0\6tsize\0", 4, "option 'tsize' has no NUL-terminated value"),
    B("\0\6tsize\0" "1\0tsize\0" "2\0", 8, "duplicate option 'tsize'"),
#undef B
};

static void test_decode_malformed(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        spa_tftp_packet pk;
        spa_tftp_err e = { -7, "" };
        int r = spa_tftp_decode((const uint8_t *)bad_cases[i].bytes, bad_cases[i].n, &pk, &e);
        if (r != -1 || e.code != bad_cases[i].code || strcmp(e.msg, bad_cases[i].reason) != 0)
            print_error("case %zu: r=%d code=%d msg='%s'\n", i, r, e.code, e.msg);
        assert_int_equal(r, -1);
        assert_int_equal(e.code, bad_cases[i].code);
        assert_string_equal(e.msg, bad_cases[i].reason);
    }
}

static void test_decode_oversize(void **st)
{
    static uint8_t big[SPA_TFTP_PACKET_MAX + 1];
    spa_tftp_packet pk;
    spa_tftp_err e;
    (void)st;

    big[1] = SPA_TFTP_DATA;
    assert_int_equal(spa_tftp_decode(big, SPA_TFTP_PACKET_MAX, &pk, &e), 0);
    assert_int_equal(pk.datalen, SPA_TFTP_BLKSIZE_MAX);
    assert_int_equal(spa_tftp_decode(big, sizeof big, &pk, &e), -1);
    assert_string_equal(e.msg, "packet of 65469 bytes exceeds 65468");
}

/* Every packet the encoders make decodes back to the same fields. */
static void test_roundtrip(void **st)
{
    uint8_t out[600];
    spa_tftp_packet pk;
    spa_tftp_err e;
    spa_tftp_opts o = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_WINDOWSIZE, 1024, 0, 4, 0 };
    size_t n;
    (void)st;

    n = spa_tftp_encode_request(out, sizeof out, SPA_TFTP_WRQ, "r/x.xml", SPA_TFTP_OCTET, &o);
    assert_int_equal(spa_tftp_decode(out, n, &pk, &e), 0);
    assert_string_equal(pk.filename, "r/x.xml");
    assert_int_equal(pk.opts.present, o.present);
    assert_int_equal(pk.opts.blksize, 1024);
    assert_int_equal(pk.opts.windowsize, 4);
    n = spa_tftp_encode_oack(out, sizeof out, &o);
    assert_int_equal(spa_tftp_decode(out, n, &pk, &e), 0);
    assert_int_equal(pk.opcode, SPA_TFTP_OACK);
    assert_int_equal(pk.opts.blksize, 1024);
    n = spa_tftp_encode_error(out, sizeof out, 8, "no");
    assert_int_equal(spa_tftp_decode(out, n, &pk, &e), 0);
    assert_int_equal(pk.errcode, 8);
}

/* ---- negotiation -------------------------------------------------------- */

static void test_negotiate(void **st)
{
    spa_tftp_limits lim = { 0, 0, 1000 };
    spa_tftp_opts req = { 0 }, ack;
    spa_tftp_err e;
    (void)st;

    /* No options: no OACK. */
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_RRQ, &req, 10, &ack, &e), 0);
    assert_int_equal(ack.present, 0);

    /* blksize capped at 1468 by default, windowsize at 64; tsize = file size. */
    req.present = 15;
    req.blksize = 65464;
    req.windowsize = 1000;
    req.timeout = 5;
    req.tsize = 0;
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_RRQ, &req, 4242, &ack, &e), 0);
    assert_int_equal(ack.present, 15);
    assert_int_equal(ack.blksize, 1468);
    assert_int_equal(ack.windowsize, 64);
    assert_int_equal(ack.timeout, 5);
    assert_int_equal(ack.tsize, 4242);

    /* small blksize granted as asked; unknown size: tsize left out */
    req.blksize = 8;
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_RRQ, &req, UINT64_MAX, &ack, &e), 0);
    assert_int_equal(ack.blksize, 8);
    assert_int_equal(ack.present, 13);

    /* configured cap */
    lim.blksize_max = 9000;
    lim.windowsize_max = 8;
    req.blksize = 16384;
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_RRQ, &req, 1, &ack, &e), 0);
    assert_int_equal(ack.blksize, 9000);
    assert_int_equal(ack.windowsize, 8);

    /* WRQ: tsize echoed if within the cap, error 3 beyond it */
    req.tsize = 1000;
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_WRQ, &req, 0, &ack, &e), 0);
    assert_int_equal(ack.tsize, 1000);
    req.tsize = 1001;
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_WRQ, &req, 0, &ack, &e), -1);
    assert_int_equal(e.code, 3);
    assert_string_equal(e.msg, "disk full or allocation exceeded: 1001 octets announced, limit 1000");
}

static void test_check_oack(void **st)
{
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TIMEOUT | SPA_TFTP_OPT_WINDOWSIZE,
                          1468, 3, 8, 0 };
    spa_tftp_opts oack = req;
    spa_tftp_err e;
    (void)st;

    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), 0);
    oack.blksize = 512;
    oack.windowsize = 1;
    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), 0);
    oack.blksize = 1469;
    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), -1);
    assert_int_equal(e.code, 8);
    assert_string_equal(e.msg, "OACK blksize 1469 exceeds requested 1468");
    oack.blksize = 512;
    oack.windowsize = 9;
    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), -1);
    assert_string_equal(e.msg, "OACK windowsize 9 exceeds requested 8");
    oack.windowsize = 8;
    oack.timeout = 4;
    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), -1);
    assert_string_equal(e.msg, "OACK timeout 4 differs from requested 3");
    oack.timeout = 3;
    oack.present |= SPA_TFTP_OPT_TSIZE;
    assert_int_equal(spa_tftp_check_oack(&req, &oack, &e), -1);
    assert_string_equal(e.msg, "OACK grants option 'tsize' that was not requested");
}

/* ---- path check --------------------------------------------------------- */

static const struct path_case { const char *in; size_t n; const char *out; } path_cases[] = {
#define P(s, o) { s, sizeof(s) - 1, o }
    P("spa2102.cfg", "spa2102.cfg"),
    P("/spa2102.cfg", "spa2102.cfg"),
    P("//profiles/./000e08aabbcc.xml", "profiles/000e08aabbcc.xml"),
    P("a/b/c", "a/b/c"),
    P("..foo", "..foo"),
    P("foo..", "foo.."),
    P("a/...", "a/..."),
    P("", "access violation: empty file name"),
    P("/", "access violation: file name names no file"),
    P("./.", "access violation: file name names no file"),
    P("a/", "access violation: file name ends with '/'"),
    P("..", "access violation: '..' component in file name"),
    P("../etc/passwd", "access violation: '..' component in file name"),
    P("/a/../../etc/passwd", "access violation: '..' component in file name"),
    P("a/..", "access violation: '..' component in file name"),
    P("a\\..\\b", "access violation: backslash in file name at 1"),
    P("a\0b", "access violation: NUL byte in file name at 1"),
    P("a\nb", "access violation: non-printable byte 0x0a in file name at 1"),
    P("a\177", "access violation: non-printable byte 0x7f in file name at 1"),
    P("caf\xc3\xa9", "access violation: non-printable byte 0xc3 in file name at 3"),
#undef P
};

static void test_check_path(void **st)
{
    char out[SPA_TFTP_PATH_MAX + 1], longname[300];
    spa_tftp_err e;
    (void)st;

    for (size_t i = 0; i < sizeof path_cases / sizeof path_cases[0]; i++) {
        const struct path_case *c = &path_cases[i];
        int r = spa_tftp_check_path(c->in, c->n, out, sizeof out, &e);
        if (strncmp(c->out, "access", 6) == 0) {
            assert_int_equal(r, -1);
            assert_int_equal(e.code, SPA_TFTP_EACCESS);
            assert_string_equal(e.msg, c->out);
        } else {
            assert_int_equal(r, 0);
            assert_string_equal(out, c->out);
        }
    }
    memset(longname, 'a', sizeof longname);
    assert_int_equal(spa_tftp_check_path(longname, 255, out, sizeof out, &e), 0);
    assert_int_equal(strlen(out), 255);
    assert_int_equal(spa_tftp_check_path(longname, 256, out, sizeof out, &e), -1);
    assert_string_equal(e.msg, "access violation: file name of 256 bytes exceeds 255");
}

static void test_netascii(void **st)
{
    spa_buf b, c;
    (void)st;

    spa_buf_init(&b);
    spa_buf_init(&c);
    assert_int_equal(spa_tftp_netascii_encode((const uint8_t *)"a\nb\rc\r\n", 7, &b), 0);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "a\r\nb\r\0c\r\0\r\n", 11);
    assert_int_equal(spa_tftp_netascii_decode((const uint8_t *)b.data, b.len, &c), 0);
    assert_int_equal(c.len, 7);
    assert_memory_equal(c.data, "a\nb\rc\r\n", 7);
    spa_buf_reset(&c);
    /* a lone CR at the end, or before another byte, is kept */
    assert_int_equal(spa_tftp_netascii_decode((const uint8_t *)"x\ry\r", 4, &c), 0);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.data, "x\ry\r", 4);
    spa_buf_free(&b);
    spa_buf_free(&c);
}

static void test_texts(void **st)
{
    (void)st;
    assert_string_equal(spa_tftp_error_text(3), "disk full or allocation exceeded");
    assert_string_equal(spa_tftp_error_text(8), "option negotiation refused");
    assert_string_equal(spa_tftp_error_text(9), "unknown error");
    assert_string_equal(spa_tftp_opcode_name(6), "OACK");
    assert_string_equal(spa_tftp_opcode_name(0), "unknown");
}

/* The client's option list (spasim --tftp-options). */
static void test_opts_parse(void **state)
{
    spa_tftp_opts o;
    spa_tftp_err e;
    (void)state;
    assert_int_equal(spa_tftp_opts_parse("blksize=1428,tsize,timeout=2,windowsize=4", &o, &e), 0);
    assert_int_equal(o.present, SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_TIMEOUT |
                                    SPA_TFTP_OPT_WINDOWSIZE);
    assert_int_equal(o.blksize, 1428);
    assert_int_equal(o.tsize, 0);
    assert_int_equal(o.timeout, 2);
    assert_int_equal(o.windowsize, 4);
    assert_int_equal(spa_tftp_opts_parse("", &o, &e), 0);
    assert_int_equal(o.present, 0);
    o.present = 99;
    static const char *const bad[] = { "blksize=7", "blksize=65465", "timeout=0", "timeout=256",
                                       "windowsize=0", "blksize", "blksize=x", "foo=1",
                                       "tsize,tsize", ",", "blksize=8,,tsize" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(spa_tftp_opts_parse(bad[i], &o, &e), -1);
        assert_true(e.msg[0] != '\0');
        assert_int_equal(o.present, 99);   /* untouched on error */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_requests), cmocka_unit_test(test_encode_others),
        cmocka_unit_test(test_decode_valid),    cmocka_unit_test(test_decode_malformed),
        cmocka_unit_test(test_decode_oversize), cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_negotiate),       cmocka_unit_test(test_check_oack),
        cmocka_unit_test(test_check_path),      cmocka_unit_test(test_netascii),
        cmocka_unit_test(test_texts),           cmocka_unit_test(test_opts_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
