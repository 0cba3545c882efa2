/* tftp_transfer.c — socket-free TFTP transfer state machines. A transfer is
 * driven from outside: packets in (spa_tftp_xfer_input), the clock
 * (spa_tftp_xfer_tick), packets out (spa_tftp_xfer_pull). Keeping sockets and
 * clocks out makes every loss, duplicate and rollover case testable with a
 * scripted packet sequence and a fake time.
 *
 * Block numbers are tracked as 64-bit counters and put on the wire modulo
 * 65536, so transfers longer than 65535 blocks roll over to block 0 (the
 * convention of tftp-hpa, atftp and most boot ROMs). Windowing follows RFC
 * 7440: the receiver acknowledges every windowsize blocks, the final block,
 * and once per gap; the sender restarts from the block after any ACK. A
 * duplicate ACK never triggers a retransmission by itself when windowsize is
 * 1 (the "Sorcerer's Apprentice" bug). */
#include <string.h>
#include "spaprov/tftp.h"

enum { PH_HANDSHAKE = 0, PH_XFER = 1, PH_END = 2 };

static void timing_init(spa_tftp_xfer *x, const spa_tftp_timing *t)
{
    spa_tftp_timing d = { 1000, 16000, 5 };
    if (t) {
        if (t->timeout_ms)
            d.timeout_ms = t->timeout_ms;
        if (t->max_timeout_ms)
            d.max_timeout_ms = t->max_timeout_ms;
        if (t->max_retries)
            d.max_retries = t->max_retries;
    }
    if (d.max_timeout_ms < d.timeout_ms)
        d.max_timeout_ms = d.timeout_ms;
    x->timing = d;
    x->rto_ms = d.timeout_ms;
}

static void base_init(spa_tftp_xfer *x, int sender, int client, const spa_tftp_timing *t)
{
    memset(x, 0, sizeof *x);
    x->sender = sender;
    x->client = client;
    x->state = SPA_TFTP_RUNNING;
    x->blksize = SPA_TFTP_BLKSIZE_DEFAULT;
    x->windowsize = 1;
    x->deadline = SPA_TFTP_NO_DEADLINE;
    spa_buf_init(&x->dst);
    timing_init(x, t);
}

/* Adopt the options in force (after an OACK, or none). */
static void apply_granted(spa_tftp_xfer *x, const spa_tftp_opts *g)
{
    x->granted = *g;
    x->blksize = (g->present & SPA_TFTP_OPT_BLKSIZE) ? g->blksize : SPA_TFTP_BLKSIZE_DEFAULT;
    x->windowsize = (g->present & SPA_TFTP_OPT_WINDOWSIZE) ? g->windowsize : 1;
    if (g->present & SPA_TFTP_OPT_TIMEOUT) {
        x->timing.timeout_ms = g->timeout * 1000u;
        if (x->timing.max_timeout_ms < x->timing.timeout_ms)
            x->timing.max_timeout_ms = x->timing.timeout_ms;
        x->rto_ms = x->timing.timeout_ms;
    }
    if (!x->sender && (g->present & SPA_TFTP_OPT_TSIZE)) {
        x->tsize = g->tsize;
        x->tsize_known = 1;
    }
    if (x->sender)
        x->nblocks = (uint64_t)(x->srclen / x->blksize) + 1;
}

static void arm(spa_tftp_xfer *x, uint64_t now)
{
    x->deadline = now + x->rto_ms;
}

static void progress(spa_tftp_xfer *x)
{
    x->retries = 0;
    x->rto_ms = x->timing.timeout_ms;
}

static void finish(spa_tftp_xfer *x, spa_tftp_state st)
{
    x->state = st;
    x->phase = PH_END;
    x->deadline = SPA_TFTP_NO_DEADLINE;
    x->send_end = x->next;
    if (st == SPA_TFTP_FAILED)
        x->hs_reply = 0;
}

void spa_tftp_xfer_abort(spa_tftp_xfer *x, int code, const char *msg)
{
    spa_tftp_err_set(&x->err, code, "%s", msg ? msg : spa_tftp_error_text(code));
    x->err_from_peer = 0;
    x->ctllen = spa_tftp_encode_error(x->ctl, sizeof x->ctl, code, x->err.msg);
    x->ctl_pending = x->ctllen > 0;
    finish(x, SPA_TFTP_FAILED);
}

/* Fail with err already set, sending it to the peer. */
static void fail_send(spa_tftp_xfer *x)
{
    spa_tftp_err e = x->err;
    spa_tftp_xfer_abort(x, e.code, e.msg);
}

static void fail_peer(spa_tftp_xfer *x, const spa_tftp_packet *pk)
{
    spa_tftp_err_set(&x->err, pk->errcode, "%s", pk->errmsg);
    x->err_from_peer = 1;
    x->ctl_pending = 0;
    finish(x, SPA_TFTP_FAILED);
}

/* Queue the retransmittable packet (request, OACK or ACK). */
static void set_hs(spa_tftp_xfer *x, size_t len)
{
    x->hslen = len;
    x->hs_reply = len > 0;
}

static void queue_ack(spa_tftp_xfer *x, uint64_t block, uint64_t now)
{
    set_hs(x, spa_tftp_encode_ack(x->hs, sizeof x->hs, (unsigned)(block & 0xffff)));
    x->acked = block;
    x->since_ack = 0;
    arm(x, now);
}

static void bad_op(spa_tftp_xfer *x, const spa_tftp_packet *pk)
{
    x->bad_packets++;
    spa_tftp_err_set(&x->err, SPA_TFTP_EBADOP, "unexpected %s packet",
                     spa_tftp_opcode_name(pk->opcode));
    fail_send(x);
}

/* ---- initialisation ----------------------------------------------------- */

int spa_tftp_xfer_get(spa_tftp_xfer *x, const char *filename, spa_tftp_mode mode,
                      const spa_tftp_opts *req, const spa_tftp_timing *t, uint64_t max,
                      uint64_t now)
{
    base_init(x, 0, 1, t);
    if (req)
        x->req = *req;
    x->cap = max;
    set_hs(x, spa_tftp_encode_request(x->hs, sizeof x->hs, SPA_TFTP_RRQ, filename, mode, req));
    if (!x->hslen)
        return -1;
    x->phase = PH_HANDSHAKE;
    arm(x, now);
    return 0;
}

int spa_tftp_xfer_put(spa_tftp_xfer *x, const char *filename, spa_tftp_mode mode,
                      const spa_tftp_opts *req, const uint8_t *data, size_t len,
                      const spa_tftp_timing *t, uint64_t now)
{
    base_init(x, 1, 1, t);
    if (req)
        x->req = *req;
    x->src = data;
    x->srclen = len;
    x->tsize = len;
    x->tsize_known = 1;
    set_hs(x, spa_tftp_encode_request(x->hs, sizeof x->hs, SPA_TFTP_WRQ, filename, mode, req));
    if (!x->hslen)
        return -1;
    x->phase = PH_HANDSHAKE;
    arm(x, now);
    return 0;
}

/* Sender: start (or restart) the window at base. */
static void send_window(spa_tftp_xfer *x, uint64_t now)
{
    uint64_t end = x->base + x->windowsize;
    if (end > x->nblocks + 1)
        end = x->nblocks + 1;
    x->next = x->base;
    x->send_end = end;
    arm(x, now);
}

static void sender_start(spa_tftp_xfer *x, uint64_t now)
{
    x->phase = PH_XFER;
    x->hs_reply = 0;
    x->base = 1;
    send_window(x, now);
}

int spa_tftp_xfer_serve(spa_tftp_xfer *x, const spa_tftp_opts *ack, const uint8_t *data,
                        size_t len, const spa_tftp_timing *t, uint64_t now)
{
    spa_tftp_opts none = { 0 };

    base_init(x, 1, 0, t);
    x->src = data;
    x->srclen = len;
    x->tsize = len;
    x->tsize_known = 1;
    apply_granted(x, ack ? ack : &none);
    if (ack && ack->present) {
        set_hs(x, spa_tftp_encode_oack(x->hs, sizeof x->hs, ack));
        if (!x->hslen)
            return -1;
        x->phase = PH_HANDSHAKE;
        arm(x, now);
        return 0;
    }
    sender_start(x, now);
    return 0;
}

int spa_tftp_xfer_accept(spa_tftp_xfer *x, const spa_tftp_opts *ack, uint64_t max,
                         const spa_tftp_timing *t, uint64_t now)
{
    spa_tftp_opts none = { 0 };

    base_init(x, 0, 0, t);
    x->cap = max;
    apply_granted(x, ack ? ack : &none);
    x->phase = PH_XFER;
    if (ack && ack->present) {
        set_hs(x, spa_tftp_encode_oack(x->hs, sizeof x->hs, ack));
        if (!x->hslen)
            return -1;
        x->acked = 0;
        arm(x, now);
    } else {
        queue_ack(x, 0, now);
    }
    return 0;
}

void spa_tftp_xfer_free(spa_tftp_xfer *x)
{
    spa_buf_free(&x->dst);
}

/* ---- sender ------------------------------------------------------------- */

static void sender_ack(spa_tftp_xfer *x, unsigned n, uint64_t now)
{
    uint64_t lo = x->base - 1;
    uint64_t k = lo + ((n - (unsigned)(lo & 0xffff)) & 0xffffu);
    uint64_t top = x->send_end > x->base ? x->send_end - 1 : lo;

    if (k > top) {
        x->dup_acks++; /* stale ACK from an earlier round, or bogus: ignore */
        return;
    }
    if (k == lo) {
        x->dup_acks++;
        /* RFC 7440: with a window, an ACK of the block before base means
         * "start again at base"; honour it once per base. */
        if (x->windowsize > 1 && x->next > x->base && x->goback_base != x->base) {
            x->goback_base = x->base;
            x->retransmits++;
            send_window(x, now);
        }
        return;
    }
    x->base = k + 1;
    progress(x);
    if (x->base > x->nblocks) {
        finish(x, SPA_TFTP_DONE);
        return;
    }
    if (k < top)
        x->retransmits++; /* partial window acknowledged: go back */
    send_window(x, now);
}

static void sender_input(spa_tftp_xfer *x, const spa_tftp_packet *pk, uint64_t now)
{
    if (x->phase == PH_HANDSHAKE) {
        if (pk->opcode == SPA_TFTP_ACK && pk->block == 0) {
            if (x->client) {
                spa_tftp_opts none = { 0 };
                apply_granted(x, &none);
            }
            progress(x);
            sender_start(x, now);
            return;
        }
        if (pk->opcode == SPA_TFTP_OACK && x->client) {
            if (spa_tftp_check_oack(&x->req, &pk->opts, &x->err) < 0) {
                fail_send(x);
                return;
            }
            apply_granted(x, &pk->opts);
            progress(x);
            sender_start(x, now);
            return;
        }
        bad_op(x, pk);
        return;
    }
    if (pk->opcode == SPA_TFTP_ACK) {
        sender_ack(x, pk->block, now);
        return;
    }
    if (pk->opcode == SPA_TFTP_OACK && x->client) {
        x->dup_acks++; /* the server repeated its OACK: DATA 1 is under way */
        return;
    }
    bad_op(x, pk);
}

/* ---- receiver ----------------------------------------------------------- */

static void receiver_data(spa_tftp_xfer *x, const spa_tftp_packet *pk, uint64_t now)
{
    uint64_t k = x->got + 1;

    if (pk->block != (unsigned)(k & 0xffff)) {
        unsigned behind = ((unsigned)(x->got & 0xffff) - pk->block) & 0xffffu;
        if (behind < 0x8000u) {
            /* A block we already have: the sender missed our ACK. */
            x->dup_data++;
            if (behind == 0 && x->acked == x->got && x->since_ack == 0 && x->hslen)
                x->hs_reply = 1;
            return;
        }
        if (x->phase == PH_END)
            return;
        if (!x->gap_acked) {
            x->gap_acked = 1;
            queue_ack(x, x->got, now);
        }
        return;
    }
    if (x->phase == PH_END)
        return;
    if (pk->datalen > x->blksize) {
        x->bad_packets++;
        spa_tftp_err_set(&x->err, SPA_TFTP_EBADOP, "DATA block %u of %zu bytes exceeds blksize %u",
                         pk->block, pk->datalen, x->blksize);
        fail_send(x);
        return;
    }
    if (pk->datalen > x->cap - x->dst.len) {
        spa_tftp_err_set(&x->err, SPA_TFTP_ENOSPACE,
                         "disk full or allocation exceeded: more than %llu octets",
                         (unsigned long long)x->cap);
        fail_send(x);
        return;
    }
    if (spa_buf_append(&x->dst, pk->data, pk->datalen) < 0) {
        spa_tftp_err_set(&x->err, SPA_TFTP_ENOSPACE, "disk full or allocation exceeded: out of memory");
        fail_send(x);
        return;
    }
    x->got = k;
    x->since_ack++;
    x->gap_acked = 0;
    progress(x);
    if (pk->datalen < x->blksize) {
        queue_ack(x, k, now);
        finish(x, SPA_TFTP_DONE);
        return;
    }
    if (x->since_ack >= x->windowsize)
        queue_ack(x, k, now);
    else
        arm(x, now);
}

static void receiver_input(spa_tftp_xfer *x, const spa_tftp_packet *pk, uint64_t now)
{
    if (x->phase == PH_HANDSHAKE) {
        spa_tftp_opts none = { 0 };
        if (pk->opcode == SPA_TFTP_OACK) {
            if (spa_tftp_check_oack(&x->req, &pk->opts, &x->err) < 0) {
                fail_send(x);
                return;
            }
            apply_granted(x, &pk->opts);
            if (x->tsize_known && x->tsize > x->cap) {
                spa_tftp_err_set(&x->err, SPA_TFTP_ENOSPACE,
                                 "disk full or allocation exceeded: file of %llu octets, limit %llu",
                                 (unsigned long long)x->tsize, (unsigned long long)x->cap);
                fail_send(x);
                return;
            }
            progress(x);
            x->phase = PH_XFER;
            queue_ack(x, 0, now);
            return;
        }
        if (pk->opcode == SPA_TFTP_DATA) {
            apply_granted(x, &none);
            x->phase = PH_XFER;
            receiver_data(x, pk, now);
            return;
        }
        bad_op(x, pk);
        return;
    }
    if (pk->opcode == SPA_TFTP_DATA) {
        receiver_data(x, pk, now);
        return;
    }
    if (pk->opcode == SPA_TFTP_OACK && x->client) {
        if (x->got == 0 && x->phase == PH_XFER)
            x->hs_reply = 1; /* our ACK 0 was lost: repeat it */
        return;
    }
    if (x->phase == PH_END)
        return;
    bad_op(x, pk);
}

/* ---- driving ------------------------------------------------------------ */

void spa_tftp_xfer_input(spa_tftp_xfer *x, const uint8_t *p, size_t n, uint64_t now)
{
    spa_tftp_packet pk;
    spa_tftp_err e;

    if (x->state == SPA_TFTP_FAILED)
        return;
    if (spa_tftp_decode(p, n, &pk, &e) < 0) {
        if (x->state == SPA_TFTP_DONE)
            return;
        x->bad_packets++;
        x->err = e;
        if (x->err.code == SPA_TFTP_EOPTNEG && !(n >= 2 && p[1] == SPA_TFTP_OACK))
            x->err.code = SPA_TFTP_EBADOP;
        fail_send(x);
        return;
    }
    if (pk.opcode == SPA_TFTP_ERROR) {
        if (x->state == SPA_TFTP_RUNNING)
            fail_peer(x, &pk);
        return;
    }
    if (x->state == SPA_TFTP_DONE && x->sender)
        return;
    if (x->sender)
        sender_input(x, &pk, now);
    else
        receiver_input(x, &pk, now);
}

void spa_tftp_xfer_tick(spa_tftp_xfer *x, uint64_t now)
{
    if (x->state != SPA_TFTP_RUNNING || now < x->deadline)
        return;
    x->timeouts++;
    if (++x->retries > x->timing.max_retries) {
        spa_tftp_err_set(&x->err, SPA_TFTP_ENOTDEFINED, "timed out after %u retransmissions",
                         x->timing.max_retries);
        x->err_from_peer = 0;
        x->ctl_pending = 0;
        finish(x, SPA_TFTP_FAILED);
        return;
    }
    x->rto_ms = x->rto_ms * 2 > x->timing.max_timeout_ms ? x->timing.max_timeout_ms
                                                          : x->rto_ms * 2;
    x->retransmits++;
    if (x->sender && x->phase == PH_XFER) {
        send_window(x, now);
        return;
    }
    if (!x->sender && x->phase == PH_XFER && x->got != x->acked) {
        queue_ack(x, x->got, now);
        return;
    }
    x->hs_reply = 1;
    arm(x, now);
}

size_t spa_tftp_xfer_pull(spa_tftp_xfer *x, uint8_t *out, size_t cap)
{
    if (x->ctl_pending) {
        x->ctl_pending = 0;
        if (x->ctllen > cap)
            return 0;
        memcpy(out, x->ctl, x->ctllen);
        return x->ctllen;
    }
    if (x->hs_reply == 1) {
        x->hs_reply = 0;
        if (x->hslen > cap)
            return 0;
        memcpy(out, x->hs, x->hslen);
        return x->hslen;
    }
    if (x->sender && x->phase == PH_XFER && x->next < x->send_end) {
        uint64_t b = x->next++;
        uint64_t off = (b - 1) * x->blksize;
        size_t len = x->srclen - (size_t)off < x->blksize ? x->srclen - (size_t)off : x->blksize;
        return spa_tftp_encode_data(out, cap, (unsigned)(b & 0xffff), x->src + off, len);
    }
    return 0;
}

uint64_t spa_tftp_xfer_deadline(const spa_tftp_xfer *x)
{
    return x->state == SPA_TFTP_RUNNING ? x->deadline : SPA_TFTP_NO_DEADLINE;
}
