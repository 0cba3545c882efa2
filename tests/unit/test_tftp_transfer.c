/* test_tftp_transfer.c — the TFTP sender and receiver machines driven by
 * scripted packet sequences and a fake clock: exact packets out, back-off
 * deadlines, windows with a lost block, duplicate ACKs, rollover past block
 * 65535 on a 33 MiB transfer, size caps, peer errors and malformed input. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/tftp.h"

static uint8_t pkt[SPA_TFTP_PACKET_MAX];

/* Pull one packet; its length (0 = none). */
static size_t pull1(spa_tftp_xfer *x)
{
    return spa_tftp_xfer_pull(x, pkt, sizeof pkt);
}

/* Pull everything; number of packets. */
static int drain(spa_tftp_xfer *x)
{
    int k = 0;
    while (pull1(x))
        k++;
    return k;
}

static void expect_data(spa_tftp_xfer *x, unsigned block, size_t len)
{
    size_t n = pull1(x);
    assert_int_equal(n, len + 4);
    assert_int_equal(pkt[0] << 8 | pkt[1], SPA_TFTP_DATA);
    assert_int_equal(pkt[2] << 8 | pkt[3], block);
}

static void expect_ack(spa_tftp_xfer *x, unsigned block)
{
    size_t n = pull1(x);
    assert_int_equal(n, 4);
    assert_int_equal(pkt[0] << 8 | pkt[1], SPA_TFTP_ACK);
    assert_int_equal(pkt[2] << 8 | pkt[3], block);
}

static void expect_error(spa_tftp_xfer *x, int code, const char *msg)
{
    size_t n = pull1(x);
    assert_int_equal(n, 5 + strlen(msg));
    assert_int_equal(pkt[0] << 8 | pkt[1], SPA_TFTP_ERROR);
    assert_int_equal(pkt[2] << 8 | pkt[3], code);
    assert_string_equal((const char *)pkt + 4, msg);
}

static void send_ack(spa_tftp_xfer *x, unsigned block, uint64_t now)
{
    uint8_t b[4];
    spa_tftp_xfer_input(x, b, spa_tftp_encode_ack(b, sizeof b, block), now);
}

static void send_data(spa_tftp_xfer *x, unsigned block, const void *d, size_t len, uint64_t now)
{
    static uint8_t b[SPA_TFTP_PACKET_MAX];
    spa_tftp_xfer_input(x, b, spa_tftp_encode_data(b, sizeof b, block, d, len), now);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + i / 251);
    return p;
}

/* ---- sender ------------------------------------------------------------- */

static void test_serve_plain(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(1200);
    (void)st;

    assert_int_equal(spa_tftp_xfer_serve(&x, NULL, d, 1200, NULL, 100), 0);
    expect_data(&x, 1, 512);
    assert_memory_equal(pkt + 4, d, 512);
    assert_int_equal(pull1(&x), 0);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 1100);
    send_ack(&x, 1, 150);
    expect_data(&x, 2, 512);
    assert_memory_equal(pkt + 4, d + 512, 512);
    send_ack(&x, 2, 200);
    expect_data(&x, 3, 176);
    assert_memory_equal(pkt + 4, d + 1024, 176);
    assert_int_equal(x.state, SPA_TFTP_RUNNING);
    send_ack(&x, 3, 250);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    assert_int_equal(pull1(&x), 0);
    assert_int_equal(spa_tftp_xfer_deadline(&x), SPA_TFTP_NO_DEADLINE);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_serve_exact_multiple_and_empty(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(1024);
    (void)st;

    spa_tftp_xfer_serve(&x, NULL, d, 1024, NULL, 0);
    expect_data(&x, 1, 512);
    send_ack(&x, 1, 1);
    expect_data(&x, 2, 512);
    send_ack(&x, 2, 2);
    expect_data(&x, 3, 0); /* final empty block */
    send_ack(&x, 3, 3);
    assert_int_equal(x.state, SPA_TFTP_DONE);

    spa_tftp_xfer_serve(&x, NULL, d, 0, NULL, 0);
    expect_data(&x, 1, 0);
    send_ack(&x, 1, 1);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    free(d);
}

static void test_serve_backoff_and_timeout(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_timing t = { 500, 3000, 4 };
    uint8_t *d = pattern(2000);
    (void)st;

    spa_tftp_xfer_serve(&x, NULL, d, 2000, &t, 0);
    expect_data(&x, 1, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 500);
    spa_tftp_xfer_tick(&x, 499); /* early: nothing */
    assert_int_equal(pull1(&x), 0);
    spa_tftp_xfer_tick(&x, 500);
    expect_data(&x, 1, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 1500); /* 500 + 1000 */
    spa_tftp_xfer_tick(&x, 1500);
    expect_data(&x, 1, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 3500); /* + 2000 */
    /* progress resets the back-off */
    send_ack(&x, 1, 2000);
    expect_data(&x, 2, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 2500);
    spa_tftp_xfer_tick(&x, 2500);
    expect_data(&x, 2, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 3500);
    spa_tftp_xfer_tick(&x, 3500);
    expect_data(&x, 2, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 5500);
    spa_tftp_xfer_tick(&x, 5500);
    expect_data(&x, 2, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 8500); /* capped at 3000 */
    spa_tftp_xfer_tick(&x, 8500);
    expect_data(&x, 2, 512);
    assert_int_equal(spa_tftp_xfer_deadline(&x), 11500);
    assert_int_equal(x.retransmits, 6);
    spa_tftp_xfer_tick(&x, 11500); /* fifth consecutive timeout > 4 retries */
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    assert_int_equal(x.err_from_peer, 0);
    assert_string_equal(x.err.msg, "timed out after 4 retransmissions");
    assert_int_equal(pull1(&x), 0);
    free(d);
}

static void test_serve_duplicate_ack(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(3000);
    (void)st;

    spa_tftp_xfer_serve(&x, NULL, d, 3000, NULL, 0);
    expect_data(&x, 1, 512);
    send_ack(&x, 1, 10);
    expect_data(&x, 2, 512);
    /* Sorcerer's Apprentice: a repeated ACK 1 must not resend DATA 2 */
    send_ack(&x, 1, 20);
    send_ack(&x, 1, 30);
    assert_int_equal(pull1(&x), 0);
    assert_int_equal(x.dup_acks, 2);
    /* an ACK for a block never sent is ignored too */
    send_ack(&x, 40, 40);
    assert_int_equal(pull1(&x), 0);
    assert_int_equal(x.state, SPA_TFTP_RUNNING);
    send_ack(&x, 2, 50);
    expect_data(&x, 3, 512);
    free(d);
}

static void test_serve_oack_window_lost_block(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts ack = { SPA_TFTP_OPT_WINDOWSIZE | SPA_TFTP_OPT_TSIZE, 0, 0, 4, 4700 };
    uint8_t *d = pattern(4700); /* 10 blocks: 9 x 512 + 92 */
    size_t n;
    (void)st;

    spa_tftp_xfer_serve(&x, &ack, d, 4700, NULL, 0);
    n = pull1(&x);
    assert_int_equal(n, 2 + 6 + 5 + 11 + 2);
    assert_memory_equal(pkt, "\0\6tsize\0" "4700\0windowsize\0" "4\0", n);
    assert_int_equal(pull1(&x), 0);
    /* lost ACK 0: OACK again after the timeout */
    spa_tftp_xfer_tick(&x, 1000);
    n = pull1(&x);
    assert_int_equal(n, 26);
    send_ack(&x, 0, 1100);
    for (unsigned b = 1; b <= 4; b++)
        expect_data(&x, b, 512);
    assert_int_equal(pull1(&x), 0);
    /* block 3 lost: the receiver acknowledges 2; we go back to 3 */
    send_ack(&x, 2, 1200);
    for (unsigned b = 3; b <= 6; b++)
        expect_data(&x, b, 512);
    assert_int_equal(pull1(&x), 0);
    /* a repeated ACK 2 (the receiver's gap ACK) restarts the window once only */
    send_ack(&x, 2, 1250);
    for (unsigned b = 3; b <= 6; b++)
        expect_data(&x, b, 512);
    send_ack(&x, 2, 1260);
    assert_int_equal(pull1(&x), 0);
    send_ack(&x, 6, 1300);
    for (unsigned b = 7; b <= 10; b++)
        expect_data(&x, b, b == 10 ? 92 : 512);
    /* timeout: the whole window again from the first unacknowledged block */
    spa_tftp_xfer_tick(&x, 2300);
    for (unsigned b = 7; b <= 10; b++)
        expect_data(&x, b, b == 10 ? 92 : 512);
    send_ack(&x, 10, 2400);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    free(d);
}

/* ---- receiver ----------------------------------------------------------- */

static void test_accept_plain_and_dally(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(600);
    (void)st;

    assert_int_equal(spa_tftp_xfer_accept(&x, NULL, 10000, NULL, 0), 0);
    expect_ack(&x, 0);
    send_data(&x, 1, d, 512, 10);
    expect_ack(&x, 1);
    /* our ACK 1 was lost: the sender repeats DATA 1, we repeat ACK 1 */
    send_data(&x, 1, d, 512, 1000);
    expect_ack(&x, 1);
    assert_int_equal(x.dup_data, 1);
    send_data(&x, 2, d + 512, 88, 1010);
    expect_ack(&x, 2);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    assert_int_equal(x.dst.len, 600);
    assert_memory_equal(x.dst.data, d, 600);
    /* dally: a repeated final block is acknowledged again */
    send_data(&x, 2, d + 512, 88, 1500);
    expect_ack(&x, 2);
    assert_int_equal(x.dst.len, 600);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_accept_over_cap(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(1500);
    (void)st;

    spa_tftp_xfer_accept(&x, NULL, 1000, NULL, 0);
    expect_ack(&x, 0);
    send_data(&x, 1, d, 512, 1);
    expect_ack(&x, 1);
    send_data(&x, 2, d + 512, 512, 2);
    expect_error(&x, 3, "disk full or allocation exceeded: more than 1000 octets");
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    assert_int_equal(x.err.code, SPA_TFTP_ENOSPACE);
    assert_int_equal(pull1(&x), 0);
    /* nothing more happens after a failure */
    send_data(&x, 3, d, 10, 3);
    assert_int_equal(pull1(&x), 0);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_accept_oack_window_gap(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts ack = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_WINDOWSIZE, 100, 0, 4, 0 };
    uint8_t *d = pattern(750);
    (void)st;

    spa_tftp_xfer_accept(&x, &ack, 10000, NULL, 0);
    assert_int_equal(pull1(&x), 2 + 8 + 4 + 11 + 2);
    assert_memory_equal(pkt, "\0\6blksize\0" "100\0windowsize\0" "4\0", 27);
    send_data(&x, 1, d, 100, 10);
    send_data(&x, 2, d + 100, 100, 11);
    assert_int_equal(pull1(&x), 0); /* window not complete */
    send_data(&x, 4, d + 300, 100, 12); /* block 3 lost */
    expect_ack(&x, 2);
    send_data(&x, 5, d + 400, 100, 13); /* same gap: no second ACK */
    assert_int_equal(pull1(&x), 0);
    for (unsigned b = 3; b <= 6; b++)
        send_data(&x, b, d + (b - 1) * 100, 100, 20);
    expect_ack(&x, 6);
    send_data(&x, 7, d + 600, 100, 30);
    /* timeout in mid-window: acknowledge what we have */
    spa_tftp_xfer_tick(&x, 1030);
    expect_ack(&x, 7);
    send_data(&x, 8, d + 700, 50, 1040);
    expect_ack(&x, 8);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    assert_int_equal(x.dst.len, 750);
    assert_memory_equal(x.dst.data, d, 750);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_receiver_oversize_block(void **st)
{
    spa_tftp_xfer x;
    uint8_t *d = pattern(600);
    (void)st;

    spa_tftp_xfer_accept(&x, NULL, 10000, NULL, 0);
    drain(&x);
    send_data(&x, 1, d, 513, 1);
    expect_error(&x, 4, "DATA block 1 of 513 bytes exceeds blksize 512");
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    spa_tftp_xfer_free(&x);
    free(d);
}

/* ---- client handshakes -------------------------------------------------- */

static void test_get_with_options(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE, 1468, 0, 0, 0 };
    uint8_t oack[64];
    spa_tftp_opts g = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE, 1024, 0, 0, 1500 };
    uint8_t *d = pattern(1500);
    size_t n;
    (void)st;

    assert_int_equal(spa_tftp_xfer_get(&x, "/spa2102.cfg", SPA_TFTP_OCTET, &req, NULL, 4096, 0), 0);
    n = pull1(&x);
    assert_int_equal(n, 2 + 13 + 6 + 8 + 5 + 6 + 2);
    assert_memory_equal(pkt, "\0\1/spa2102.cfg\0octet\0blksize\0" "1468\0tsize\0" "0\0", n);
    /* request lost: repeated after the timeout */
    spa_tftp_xfer_tick(&x, 1000);
    assert_int_equal(pull1(&x), n);
    spa_tftp_xfer_input(&x, oack, spa_tftp_encode_oack(oack, sizeof oack, &g), 1100);
    expect_ack(&x, 0);
    assert_int_equal(x.blksize, 1024);
    assert_int_equal(x.tsize_known, 1);
    assert_int_equal(x.tsize, 1500);
    /* repeated OACK (our ACK 0 lost): ACK 0 again */
    spa_tftp_xfer_input(&x, oack, spa_tftp_encode_oack(oack, sizeof oack, &g), 1200);
    expect_ack(&x, 0);
    send_data(&x, 1, d, 1024, 1300);
    expect_ack(&x, 1);
    send_data(&x, 2, d + 1024, 476, 1400);
    expect_ack(&x, 2);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    assert_memory_equal(x.dst.data, d, 1500);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_get_options_ignored(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_WINDOWSIZE, 1468, 0, 8, 0 };
    uint8_t *d = pattern(512);
    (void)st;

    spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, &req, NULL, 4096, 0);
    drain(&x);
    /* an RFC 1350 server answers with DATA 1 of 512 bytes */
    send_data(&x, 1, d, 512, 5);
    expect_ack(&x, 1);
    assert_int_equal(x.blksize, 512);
    assert_int_equal(x.windowsize, 1);
    send_data(&x, 2, d, 0, 6);
    expect_ack(&x, 2);
    assert_int_equal(x.state, SPA_TFTP_DONE);
    assert_int_equal(x.dst.len, 512);
    spa_tftp_xfer_free(&x);
    free(d);
}

static void test_get_bad_oack_and_tsize_cap(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE, 512, 0, 0, 0 };
    spa_tftp_opts g = { SPA_TFTP_OPT_BLKSIZE, 1024, 0, 0, 0 };
    uint8_t oack[64];
    (void)st;

    spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, &req, NULL, 4096, 0);
    drain(&x);
    spa_tftp_xfer_input(&x, oack, spa_tftp_encode_oack(oack, sizeof oack, &g), 5);
    expect_error(&x, 8, "OACK blksize 1024 exceeds requested 512");
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    spa_tftp_xfer_free(&x);

    spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, &req, NULL, 4096, 0);
    drain(&x);
    g.present = SPA_TFTP_OPT_TSIZE;
    g.tsize = 4097;
    spa_tftp_xfer_input(&x, oack, spa_tftp_encode_oack(oack, sizeof oack, &g), 5);
    expect_error(&x, 3, "disk full or allocation exceeded: file of 4097 octets, limit 4096");
    spa_tftp_xfer_free(&x);
}

static void test_get_peer_error_and_garbage(void **st)
{
    spa_tftp_xfer x;
    (void)st;

    spa_tftp_xfer_get(&x, "nofile", SPA_TFTP_OCTET, NULL, NULL, 4096, 0);
    drain(&x);
    spa_tftp_xfer_input(&x, (const uint8_t *)"\0\5\0\1File not found\0", 19, 3);
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    assert_int_equal(x.err_from_peer, 1);
    assert_int_equal(x.err.code, 1);
    assert_string_equal(x.err.msg, "File not found");
    assert_int_equal(pull1(&x), 0); /* never answer an ERROR */
    spa_tftp_xfer_free(&x);

    spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, NULL, NULL, 4096, 0);
    drain(&x);
    spa_tftp_xfer_input(&x, (const uint8_t *)"\0\11junk", 6, 3);
    expect_error(&x, 4, "unknown opcode 9");
    spa_tftp_xfer_free(&x);

    spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, NULL, NULL, 4096, 0);
    drain(&x);
    send_ack(&x, 0, 3);
    expect_error(&x, 4, "unexpected ACK packet");
    spa_tftp_xfer_free(&x);
}

static void test_put(void **st)
{
    spa_tftp_xfer x;
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE, 800, 0, 0, 1000 };
    spa_tftp_opts g = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE, 600, 0, 0, 1000 };
    uint8_t *d = pattern(1000), oack[64];
    size_t n;
    (void)st;

    /* plain WRQ: ACK 0 starts the data */
    spa_tftp_xfer_put(&x, "rep.xml", SPA_TFTP_OCTET, NULL, d, 1000, NULL, 0);
    n = pull1(&x);
    assert_int_equal(n, 2 + 8 + 6);
    assert_memory_equal(pkt, "\0\2rep.xml\0octet\0", n);
    send_ack(&x, 0, 1);
    expect_data(&x, 1, 512);
    send_ack(&x, 1, 2);
    expect_data(&x, 2, 488);
    send_ack(&x, 2, 3);
    assert_int_equal(x.state, SPA_TFTP_DONE);

    /* with options: the OACK's blksize is adopted, no ACK 0 expected */
    spa_tftp_xfer_put(&x, "rep.xml", SPA_TFTP_OCTET, &req, d, 1000, NULL, 0);
    drain(&x);
    spa_tftp_xfer_input(&x, oack, spa_tftp_encode_oack(oack, sizeof oack, &g), 1);
    expect_data(&x, 1, 600);
    send_ack(&x, 1, 2);
    expect_data(&x, 2, 400);
    send_ack(&x, 2, 3);
    assert_int_equal(x.state, SPA_TFTP_DONE);

    /* server refuses */
    spa_tftp_xfer_put(&x, "rep.xml", SPA_TFTP_OCTET, &req, d, 1000, NULL, 0);
    drain(&x);
    spa_tftp_xfer_input(&x, (const uint8_t *)"\0\5\0\3full\0", 9, 1);
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    assert_int_equal(x.err.code, 3);
    free(d);
}

static void test_abort(void **st)
{
    spa_tftp_xfer x;
    (void)st;

    spa_tftp_xfer_accept(&x, NULL, 100, NULL, 0);
    drain(&x);
    spa_tftp_xfer_abort(&x, SPA_TFTP_ENOTDEFINED, "shutting down");
    expect_error(&x, 0, "shutting down");
    assert_int_equal(x.state, SPA_TFTP_FAILED);
    spa_tftp_xfer_free(&x);
}

/* ---- sender and receiver together, over a lossy fake network ------------ */

typedef struct lossy {
    unsigned drop_every;  /* drop one packet in N on average (0 = none) */
    uint64_t count, dropped, rng;
    uint64_t data_pkts, zero_blocks, max_block;
} lossy;

static int deliver(lossy *l)
{
    l->count++;
    /* xorshift with a fixed seed: repeatable, but never in step with the
     * protocol's rounds (a strict period can starve one block forever) */
    l->rng ^= l->rng << 13;
    l->rng ^= l->rng >> 7;
    l->rng ^= l->rng << 17;
    if (l->drop_every && l->rng % l->drop_every == 0) {
        l->dropped++;
        return 0;
    }
    return 1;
}

/* Run client get x against server s until both stop; fake time advances
 * only through deadlines. Returns the final time. */
static uint64_t run_pair(spa_tftp_xfer *c, spa_tftp_xfer *s, lossy *l, uint64_t now)
{
    static uint8_t b[SPA_TFTP_PACKET_MAX];
    size_t n;
    int idle;

    for (unsigned guard = 0; guard < 10000000; guard++) {
        idle = 1;
        while ((n = spa_tftp_xfer_pull(c, b, sizeof b)) > 0) {
            idle = 0;
            if (deliver(l))
                spa_tftp_xfer_input(s, b, n, now);
        }
        while ((n = spa_tftp_xfer_pull(s, b, sizeof b)) > 0) {
            idle = 0;
            if ((b[1] == SPA_TFTP_DATA)) {
                unsigned blk = (unsigned)(b[2] << 8 | b[3]);
                l->data_pkts++;
                if (blk == 0)
                    l->zero_blocks++;
                if (blk > l->max_block)
                    l->max_block = blk;
            }
            if (deliver(l))
                spa_tftp_xfer_input(c, b, n, now);
        }
        if (!idle)
            continue;
        if (c->state != SPA_TFTP_RUNNING && s->state != SPA_TFTP_RUNNING)
            return now;
        uint64_t dc = spa_tftp_xfer_deadline(c), ds = spa_tftp_xfer_deadline(s);
        uint64_t next = dc < ds ? dc : ds;
        if (next == SPA_TFTP_NO_DEADLINE)
            return now;
        now = next > now ? next : now;
        spa_tftp_xfer_tick(c, now);
        spa_tftp_xfer_tick(s, now);
    }
    fail_msg("transfer did not converge");
    return now;
}

static void pair_transfer(size_t len, unsigned blksize, unsigned window, unsigned drop_every,
                          lossy *l)
{
    spa_tftp_xfer c, s;
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_WINDOWSIZE,
                          blksize, 0, window, 0 };
    spa_tftp_opts ack;
    spa_tftp_limits lim = { SPA_TFTP_BLKSIZE_MAX, 64, 0 };
    spa_tftp_timing t = { 100, 400, 50 };
    spa_tftp_err e;
    uint8_t *d = pattern(len);

    memset(l, 0, sizeof *l);
    l->drop_every = drop_every;
    l->rng = 0x9e3779b97f4a7c15ull;
    assert_int_equal(spa_tftp_xfer_get(&c, "big.bin", SPA_TFTP_OCTET, &req, &t, (uint64_t)len, 0), 0);
    /* the "server" sees the request and negotiates */
    assert_int_equal(spa_tftp_negotiate(&lim, SPA_TFTP_RRQ, &req, len, &ack, &e), 0);
    assert_int_equal(pull1(&c) > 0, 1);
    assert_int_equal(spa_tftp_xfer_serve(&s, &ack, d, len, &t, 0), 0);
    run_pair(&c, &s, l, 0);
    if (c.state != SPA_TFTP_DONE || s.state != SPA_TFTP_DONE)
        print_error("len %zu blk %u win %u drop %u: client %d '%s' server %d '%s'\n", len, blksize, window, drop_every, c.state, c.err.msg, s.state, s.err.msg);
    assert_int_equal(c.state, SPA_TFTP_DONE);
    assert_int_equal(s.state, SPA_TFTP_DONE);
    assert_int_equal(c.dst.len, len);
    assert_true(memcmp(c.dst.data, d, len) == 0);
    spa_tftp_xfer_free(&c);
    spa_tftp_xfer_free(&s);
    free(d);
}

static void test_pair_lossy_windows(void **st)
{
    lossy l;
    (void)st;

    pair_transfer(100000, 512, 1, 0, &l);
    assert_int_equal(l.dropped, 0);
    assert_int_equal(l.data_pkts, 100000 / 512 + 1);
    pair_transfer(100000, 1468, 4, 7, &l);
    assert_true(l.dropped > 0);
    pair_transfer(100000, 512, 16, 5, &l);
    assert_true(l.dropped > 0);
    pair_transfer(4096, 8, 1, 3, &l);
    assert_true(l.dropped > 0);
}

static void test_rollover_33mib(void **st)
{
    lossy l;
    size_t len = (33u << 20) + 123; /* 67584 blocks of 512 + 1 short */
    (void)st;

    pair_transfer(len, 512, 1, 0, &l);
    assert_int_equal(l.data_pkts, len / 512 + 1);
    assert_int_equal(l.zero_blocks, 1);      /* 65535 -> 0 exactly once */
    assert_int_equal(l.max_block, 65535);
    /* and with a window and losses across the wrap */
    pair_transfer(len, 512, 8, 997, &l);
    assert_true(l.dropped > 0);
    assert_true(l.zero_blocks >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_plain),
        cmocka_unit_test(test_serve_exact_multiple_and_empty),
        cmocka_unit_test(test_serve_backoff_and_timeout),
        cmocka_unit_test(test_serve_duplicate_ack),
        cmocka_unit_test(test_serve_oack_window_lost_block),
        cmocka_unit_test(test_accept_plain_and_dally),
        cmocka_unit_test(test_accept_over_cap),
        cmocka_unit_test(test_accept_oack_window_gap),
        cmocka_unit_test(test_receiver_oversize_block),
        cmocka_unit_test(test_get_with_options),
        cmocka_unit_test(test_get_options_ignored),
        cmocka_unit_test(test_get_bad_oack_and_tsize_cap),
        cmocka_unit_test(test_get_peer_error_and_garbage),
        cmocka_unit_test(test_put),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_pair_lossy_windows),
        cmocka_unit_test(test_rollover_33mib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
