/* tftp_udp.c — the libevent driver for the TFTP state machines: a client
 * (spa_tftp_get / spa_tftp_put) for the device emulator, and a server core
 * for the provisioning server. The driver owns sockets, timers and the clock;
 * every protocol decision is made by the machines in tftp_transfer.c.
 *
 * Server: each transfer gets its own UDP socket on an ephemeral port,
 * connected to the client (RFC 1350's transfer IDs), or, in single-port mode,
 * shares the listening socket and is found by the client's address. No fork,
 * no threads: concurrency is capped, requests are rate-limited per client
 * address with a token bucket, and a finished upload lingers briefly to
 * re-acknowledge a repeated final block. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include "spaprov/tftp.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void arm_timer(struct event *ev, uint64_t deadline, uint64_t now)
{
    struct timeval tv;
    uint64_t d;

    if (deadline == SPA_TFTP_NO_DEADLINE) {
        evtimer_del(ev);
        return;
    }
    d = deadline > now ? deadline - now : 0;
    tv.tv_sec = (time_t)(d / 1000);
    tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
    evtimer_add(ev, &tv);
}

static int udp_socket(int family)
{
    return socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Same IP address (ports ignored). */
static int same_host(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
    return 0;
}

static unsigned port_of(const struct sockaddr *a)
{
    if (a->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)a)->sin_port);
    if (a->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
    return 0;
}

static int same_peer(const struct sockaddr *a, const struct sockaddr *b)
{
    return same_host(a, b) && port_of(a) == port_of(b);
}

/* ======================================================================== */
/* client                                                                   */
/* ======================================================================== */

struct spa_tftp_op {
    struct event_base *base;
    int fd;
    struct event *rd, *timer;
    struct sockaddr_storage server, peer;
    socklen_t slen, plen;
    int tid_known;
    int put;
    char *path;
    uint8_t *data;
    size_t len;
    spa_tftp_client_opts o;
    int fell_back;
    spa_tftp_xfer x;
    spa_tftp_done_cb cb;
    void *arg;
    uint8_t *pkt;        /* sized for the requested blksize: fleets run many ops */
    size_t pktcap;
};

static void op_free(spa_tftp_op *op)
{
    if (op->rd)
        event_free(op->rd);
    if (op->timer)
        event_free(op->timer);
    if (op->fd >= 0)
        close(op->fd);
    spa_tftp_xfer_free(&op->x);
    free(op->path);
    free(op->data);
    free(op->pkt);
    free(op);
}

void spa_tftp_cancel(spa_tftp_op *op)
{
    if (op)
        op_free(op);
}

static void op_flush(spa_tftp_op *op)
{
    size_t n;
    const struct sockaddr *to = (const struct sockaddr *)(op->tid_known ? &op->peer : &op->server);
    socklen_t tolen = op->tid_known ? op->plen : op->slen;

    while ((n = spa_tftp_xfer_pull(&op->x, op->pkt, op->pktcap)) > 0)
        (void)sendto(op->fd, op->pkt, n, 0, to, tolen);
}

static int op_start(spa_tftp_op *op, const spa_tftp_opts *req)
{
    int r;
    uint64_t now = now_ms();

    op->tid_known = 0;
    spa_tftp_xfer_free(&op->x);
    if (op->put)
        r = spa_tftp_xfer_put(&op->x, op->path, op->o.mode, req, op->data, op->len,
                              &op->o.timing, now);
    else
        r = spa_tftp_xfer_get(&op->x, op->path, op->o.mode, req, &op->o.timing,
                              op->o.max_size, now);
    if (r < 0)
        return -1;
    op_flush(op);
    arm_timer(op->timer, spa_tftp_xfer_deadline(&op->x), now);
    return 0;
}

static void op_complete(spa_tftp_op *op)
{
    spa_tftp_result r;
    spa_buf body;

    spa_buf_init(&body);
    memset(&r, 0, sizeof r);
    r.state = op->x.state;
    r.err = op->x.err;
    r.err_from_peer = op->x.err_from_peer;
    r.granted = op->x.granted;
    r.retransmits = op->x.retransmits;
    if (r.state == SPA_TFTP_FAILED && !r.err_from_peer && r.err.code == SPA_TFTP_ENOTDEFINED)
        r.err.code = -1;
    if (!op->put) {
        if (op->o.mode == SPA_TFTP_NETASCII) {
            if (spa_tftp_netascii_decode((const uint8_t *)op->x.dst.data, op->x.dst.len, &body) < 0) {
                r.state = SPA_TFTP_FAILED;
                spa_tftp_err_set(&r.err, -1, "out of memory");
            }
        } else {
            body = op->x.dst;
            spa_buf_init(&op->x.dst);
        }
        r.body = &body;
    }
    spa_tftp_done_cb cb = op->cb;
    void *arg = op->arg;
    op_free(op);
    cb(&r, arg);
    spa_buf_free(&body);
}

/* After a state change: maybe fall back without options, or finish. */
static void op_settle(spa_tftp_op *op)
{
    if (op->x.state == SPA_TFTP_RUNNING) {
        arm_timer(op->timer, spa_tftp_xfer_deadline(&op->x), now_ms());
        return;
    }
    if (op->x.state == SPA_TFTP_FAILED && op->x.err_from_peer &&
        op->x.err.code == SPA_TFTP_EOPTNEG && op->x.granted.present == 0 &&
        op->x.req.present && !op->fell_back && !op->o.no_option_fallback &&
        op->x.got == 0 && op->x.base == 0) {
        op->fell_back = 1;
        if (op_start(op, NULL) == 0)
            return;
    }
    op_complete(op);
}

static void op_read(evutil_socket_t fd, short what, void *arg)
{
    spa_tftp_op *op = arg;
    (void)what;

    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, op->pkt, op->pktcap, 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
            break;
        if (!same_host((struct sockaddr *)&from, (struct sockaddr *)&op->server))
            continue;
        if (!op->tid_known) {
            op->peer = from;
            op->plen = flen;
            op->tid_known = 1;
        } else if (!same_peer((struct sockaddr *)&from, (struct sockaddr *)&op->peer)) {
            size_t m = spa_tftp_encode_error(op->pkt, op->pktcap, SPA_TFTP_EBADID,
                                             "unknown transfer ID");
            (void)sendto(fd, op->pkt, m, 0, (struct sockaddr *)&from, flen);
            continue;
        }
        spa_tftp_xfer_input(&op->x, op->pkt, (size_t)n, now_ms());
        op_flush(op);
        if (op->x.state != SPA_TFTP_RUNNING)
            break;
    }
    op_settle(op);
}

static void op_timeout(evutil_socket_t fd, short what, void *arg)
{
    spa_tftp_op *op = arg;
    (void)fd;
    (void)what;

    spa_tftp_xfer_tick(&op->x, now_ms());
    op_flush(op);
    op_settle(op);
}

static spa_tftp_op *op_new(struct event_base *base, const struct sockaddr *addr, socklen_t alen,
                           const char *path, const spa_tftp_client_opts *o,
                           spa_tftp_done_cb cb, void *arg)
{
    spa_tftp_op *op;

    if (!base || !addr || alen > sizeof(struct sockaddr_storage) || !path || !*path || !cb ||
        (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return NULL;
    op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->fd = -1;
    op->base = base;
    memcpy(&op->server, addr, alen);
    op->slen = alen;
    if (o)
        op->o = *o;
    if (!op->o.max_size)
        op->o.max_size = 64u << 20;
    op->cb = cb;
    op->arg = arg;
    spa_buf_init(&op->x.dst);
    /* Room for the largest packet this transfer may carry, plus one byte so
     * that an oversize datagram is seen as such. */
    op->pktcap = SPA_TFTP_REQUEST_MAX + 4 + 1;
    if ((op->o.req.present & SPA_TFTP_OPT_BLKSIZE) && op->o.req.blksize + 4 + 1 > op->pktcap)
        op->pktcap = op->o.req.blksize + 4 + 1;
    op->pkt = malloc(op->pktcap);
    op->path = strdup(path);
    op->fd = udp_socket(addr->sa_family);
    if (!op->pkt || !op->path || op->fd < 0)
        goto fail;
    op->rd = event_new(base, op->fd, EV_READ | EV_PERSIST, op_read, op);
    op->timer = evtimer_new(base, op_timeout, op);
    if (!op->rd || !op->timer || event_add(op->rd, NULL) < 0)
        goto fail;
    return op;
fail:
    op_free(op);
    return NULL;
}

spa_tftp_op *spa_tftp_get(struct event_base *base, const struct sockaddr *addr, socklen_t alen,
                          const char *path, const spa_tftp_client_opts *o, spa_tftp_done_cb cb,
                          void *arg)
{
    spa_tftp_op *op = op_new(base, addr, alen, path, o, cb, arg);

    if (!op)
        return NULL;
    if (op_start(op, &op->o.req) < 0) {
        op_free(op);
        return NULL;
    }
    return op;
}

spa_tftp_op *spa_tftp_put(struct event_base *base, const struct sockaddr *addr, socklen_t alen,
                          const char *path, const void *data, size_t len,
                          const spa_tftp_client_opts *o, spa_tftp_done_cb cb, void *arg)
{
    spa_tftp_op *op = op_new(base, addr, alen, path, o, cb, arg);
    spa_buf enc;

    if (!op)
        return NULL;
    op->put = 1;
    spa_buf_init(&enc);
    if (op->o.mode == SPA_TFTP_NETASCII) {
        if (spa_tftp_netascii_encode(data, len, &enc) < 0)
            goto fail;
    } else if (spa_buf_append(&enc, data, len) < 0) {
        goto fail;
    }
    op->len = enc.len;
    op->data = (uint8_t *)spa_buf_steal(&enc);
    if (op->o.req.present & SPA_TFTP_OPT_TSIZE)
        op->o.req.tsize = op->len;
    if (op_start(op, &op->o.req) < 0)
        goto fail;
    return op;
fail:
    spa_buf_free(&enc);
    op_free(op);
    return NULL;
}

/* ======================================================================== */
/* server                                                                   */
/* ======================================================================== */

#define RATE_SLOTS 1024

typedef struct rate_slot {
    uint8_t key[17];     /* family + address */
    double tokens;
    uint64_t last;
} rate_slot;

typedef struct srv_xfer srv_xfer;

struct spa_tftp_server {
    struct event_base *base;
    int fd;
    struct event *rd;
    struct sockaddr_storage addr;
    socklen_t alen;
    spa_tftp_server_config cfg;
    srv_xfer *head;
    uint64_t next_id;
    spa_tftp_server_stats st;
    rate_slot *rate;
    uint8_t pkt[SPA_TFTP_PACKET_MAX + 1];
};

struct srv_xfer {
    spa_tftp_server *s;
    srv_xfer *prev, *next;
    int fd;              /* own socket, or the server's in single-port mode */
    struct event *rd, *timer;
    struct sockaddr_storage peer;
    socklen_t plen;
    int opcode;
    spa_tftp_mode mode;
    spa_tftp_opts opts;
    char path[SPA_TFTP_PATH_MAX + 1];
    char raw[SPA_TFTP_PATH_MAX + 1];
    spa_tftp_file file;
    spa_buf enc;         /* netascii copy of an RRQ file */
    int dally;           /* finished upload waiting for a repeated last block */
    int deferred;        /* RRQ waiting for spa_tftp_server_answer */
    uint64_t id;
    spa_tftp_xfer x;
};

static void slog(spa_tftp_server *s, int level, const struct sockaddr *peer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void slog(spa_tftp_server *s, int level, const struct sockaddr *peer, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    if (!s->cfg.log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->cfg.log(s->cfg.arg, level, peer, msg);
}

static void request_of(const srv_xfer *t, spa_tftp_request *r)
{
    r->peer = (const struct sockaddr *)&t->peer;
    r->peerlen = t->plen;
    r->opcode = t->opcode;
    r->path = t->path;
    r->raw_path = t->raw;
    r->mode = t->mode;
    r->opts = &t->opts;
    r->id = t->id;
}

static void xfer_free(srv_xfer *t)
{
    spa_tftp_server *s = t->s;

    if (t->prev)
        t->prev->next = t->next;
    else
        s->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    s->st.active--;
    if (t->rd)
        event_free(t->rd);
    if (t->timer)
        event_free(t->timer);
    if (t->fd >= 0 && t->fd != s->fd)
        close(t->fd);
    if (t->file.release)
        t->file.release(t->file.ctx);
    spa_buf_free(&t->enc);
    spa_tftp_xfer_free(&t->x);
    free(t);
}

static void xfer_flush(srv_xfer *t)
{
    size_t n;

    while ((n = spa_tftp_xfer_pull(&t->x, t->s->pkt, sizeof t->s->pkt)) > 0) {
        if (t->fd == t->s->fd)
            (void)sendto(t->fd, t->s->pkt, n, 0, (struct sockaddr *)&t->peer, t->plen);
        else
            (void)send(t->fd, t->s->pkt, n, 0);
    }
}

/* After input or a tick: finish, dally or re-arm. */
static void xfer_settle(srv_xfer *t)
{
    spa_tftp_server *s = t->s;
    uint64_t now = now_ms();

    if (t->x.state == SPA_TFTP_RUNNING) {
        arm_timer(t->timer, spa_tftp_xfer_deadline(&t->x), now);
        return;
    }
    if (t->dally)
        return;
    if (t->x.state == SPA_TFTP_FAILED) {
        s->st.failed++;
        slog(s, SPA_TFTP_LOG_WARN, (struct sockaddr *)&t->peer, "%s %s failed: %s%s",
             spa_tftp_opcode_name(t->opcode), t->raw, t->x.err_from_peer ? "client said: " : "",
             t->x.err.msg);
        xfer_free(t);
        return;
    }
    s->st.done++;
    if (t->opcode == SPA_TFTP_RRQ) {
        slog(s, SPA_TFTP_LOG_INFO, (struct sockaddr *)&t->peer, "RRQ %s sent %zu octets",
             t->raw, t->x.srclen);
        xfer_free(t);
        return;
    }
    spa_tftp_request req;
    request_of(t, &req);
    if (t->mode == SPA_TFTP_NETASCII) {
        spa_buf dec;
        spa_buf_init(&dec);
        if (spa_tftp_netascii_decode((const uint8_t *)t->x.dst.data, t->x.dst.len, &dec) == 0 &&
            s->cfg.write_done)
            s->cfg.write_done(s->cfg.arg, &req, (const uint8_t *)dec.data, dec.len);
        spa_buf_free(&dec);
    } else if (s->cfg.write_done) {
        s->cfg.write_done(s->cfg.arg, &req, (const uint8_t *)t->x.dst.data, t->x.dst.len);
    }
    slog(s, SPA_TFTP_LOG_INFO, (struct sockaddr *)&t->peer, "WRQ %s received %zu octets", t->raw,
         t->x.dst.len);
    /* Linger to re-acknowledge a repeated final block (RFC 1350 "dally"). */
    t->dally = 1;
    arm_timer(t->timer, now + 2u * t->x.timing.timeout_ms, now);
}

static void xfer_input(srv_xfer *t, const uint8_t *p, size_t n)
{
    spa_tftp_xfer_input(&t->x, p, n, now_ms());
    xfer_flush(t);
}

static void xfer_read(evutil_socket_t fd, short what, void *arg)
{
    srv_xfer *t = arg;
    spa_tftp_server *s = t->s;
    (void)what;

    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(fd, s->pkt, sizeof s->pkt, 0);
        if (n >= 0 && t->deferred)
            continue; /* not started: nothing to say yet */
        if (n < 0) {
            if (errno == ECONNREFUSED && t->x.state == SPA_TFTP_RUNNING) {
                spa_tftp_err_set(&t->x.err, -1, "client port unreachable");
                t->x.state = SPA_TFTP_FAILED;
            }
            break;
        }
        xfer_input(t, s->pkt, (size_t)n);
        if (t->x.state != SPA_TFTP_RUNNING)
            break;
    }
    xfer_settle(t);
}

/* Refuse a transfer that has not started: ERROR to the client, log, free. */
static void refuse(spa_tftp_server *s, srv_xfer *t, const spa_tftp_err *e)
{
    size_t n = spa_tftp_encode_error(s->pkt, sizeof s->pkt, e->code < 0 ? 0 : e->code, e->msg);

    s->st.refused++;
    slog(s, e->code == SPA_TFTP_EACCESS ? SPA_TFTP_LOG_SECURITY : SPA_TFTP_LOG_WARN,
         (struct sockaddr *)&t->peer, "%s %s refused: %s", spa_tftp_opcode_name(t->opcode),
         t->raw, e->msg);
    if (t->fd != s->fd)
        (void)send(t->fd, s->pkt, n, 0);
    else
        (void)sendto(s->fd, s->pkt, n, 0, (struct sockaddr *)&t->peer, t->plen);
    xfer_free(t);
}

static void xfer_timeout(evutil_socket_t fd, short what, void *arg)
{
    srv_xfer *t = arg;
    (void)fd;
    (void)what;

    if (t->dally) {
        xfer_free(t);
        return;
    }
    if (t->deferred) {
        spa_tftp_err e;
        spa_tftp_err_set(&e, SPA_TFTP_ENOTDEFINED, "timed out preparing the file");
        refuse(t->s, t, &e);
        return;
    }
    spa_tftp_xfer_tick(&t->x, now_ms());
    xfer_flush(t);
    xfer_settle(t);
}

static srv_xfer *find_peer(spa_tftp_server *s, const struct sockaddr *peer)
{
    for (srv_xfer *t = s->head; t; t = t->next)
        if (same_peer((struct sockaddr *)&t->peer, peer))
            return t;
    return NULL;
}

/* Token bucket per client address; 1 = allowed. */
static int rate_ok(spa_tftp_server *s, const struct sockaddr *peer)
{
    uint8_t key[17] = { 0 };
    uint32_t h = 2166136261u;
    double rate = s->cfg.rate_per_sec ? s->cfg.rate_per_sec : 50;
    double burst = s->cfg.rate_burst ? s->cfg.rate_burst : 2 * rate;
    uint64_t now = now_ms();

    key[0] = (uint8_t)peer->sa_family;
    if (peer->sa_family == AF_INET)
        memcpy(key + 1, &((const struct sockaddr_in *)peer)->sin_addr, 4);
    else
        memcpy(key + 1, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
    for (size_t i = 0; i < sizeof key; i++)
        h = (h ^ key[i]) * 16777619u;
    rate_slot *r = &s->rate[h % RATE_SLOTS];
    if (memcmp(r->key, key, sizeof key) != 0 || r->last == 0) {
        memcpy(r->key, key, sizeof key);
        r->tokens = burst;
        r->last = now;
    }
    r->tokens += (double)(now - r->last) * rate / 1000.0;
    if (r->tokens > burst)
        r->tokens = burst;
    r->last = now;
    if (r->tokens < 1.0)
        return 0;
    r->tokens -= 1.0;
    return 1;
}

static void send_error_to(spa_tftp_server *s, const struct sockaddr *peer, socklen_t plen,
                          const spa_tftp_err *e)
{
    uint8_t out[SPA_TFTP_ERRMSG_MAX + 8];
    size_t n = spa_tftp_encode_error(out, sizeof out, e->code < 0 ? 0 : e->code, e->msg);

    if (n)
        (void)sendto(s->fd, out, n, 0, peer, plen);
}

/* A transfer socket bound to the server's address, connected to the peer. */
static int transfer_socket(spa_tftp_server *s, const struct sockaddr *peer, socklen_t plen)
{
    struct sockaddr_storage local = s->addr;
    int fd = udp_socket(s->addr.ss_family);

    if (fd < 0)
        return -1;
    if (local.ss_family == AF_INET)
        ((struct sockaddr_in *)&local)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&local)->sin6_port = 0;
    if (bind(fd, (struct sockaddr *)&local, s->alen) < 0 || connect(fd, peer, plen) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static srv_xfer *xfer_new(spa_tftp_server *s, const struct sockaddr *peer, socklen_t plen,
                          const spa_tftp_packet *pk, const char *path)
{
    srv_xfer *t = calloc(1, sizeof *t);

    if (!t)
        return NULL;
    t->s = s;
    t->fd = -1;
    t->id = ++s->next_id;
    memcpy(&t->peer, peer, plen);
    t->plen = plen;
    t->opcode = pk->opcode;
    t->mode = pk->mode;
    t->opts = pk->opts;
    snprintf(t->path, sizeof t->path, "%s", path);
    snprintf(t->raw, sizeof t->raw, "%s", pk->filename);
    spa_buf_init(&t->enc);
    spa_buf_init(&t->x.dst);
    t->next = s->head;
    if (s->head)
        s->head->prev = t;
    s->head = t;
    s->st.active++;
    t->fd = s->cfg.single_port ? s->fd : transfer_socket(s, peer, plen);
    if (t->fd < 0)
        goto fail;
    if (t->fd != s->fd) {
        t->rd = event_new(s->base, t->fd, EV_READ | EV_PERSIST, xfer_read, t);
        if (!t->rd || event_add(t->rd, NULL) < 0)
            goto fail;
    }
    t->timer = evtimer_new(s->base, xfer_timeout, t);
    if (!t->timer)
        goto fail;
    return t;
fail:
    xfer_free(t);
    return NULL;
}

/* Start serving t->file: netascii, negotiation, the sender. */
static int serve_file(spa_tftp_server *s, srv_xfer *t, spa_tftp_err *e)
{
    spa_tftp_opts ack;
    const uint8_t *data;
    size_t len;

    data = t->file.data;
    len = t->file.len;
    if (t->mode == SPA_TFTP_NETASCII) {
        if (spa_tftp_netascii_encode(data, len, &t->enc) < 0) {
            spa_tftp_err_set(e, SPA_TFTP_ENOSPACE, "out of memory");
            return -1;
        }
        data = (const uint8_t *)t->enc.data;
        len = t->enc.len;
    }
    if (spa_tftp_negotiate(&s->cfg.limits, SPA_TFTP_RRQ, &t->opts, len, &ack, e) < 0)
        return -1;
    if (spa_tftp_xfer_serve(&t->x, &ack, data, len, &s->cfg.timing, now_ms()) < 0) {
        spa_tftp_err_set(e, SPA_TFTP_ENOTDEFINED, "cannot start transfer");
        return -1;
    }
    return 0;
}

/* 0 = serving, 1 = deferred, -1 = refused (e set). */
static int start_rrq(spa_tftp_server *s, srv_xfer *t, spa_tftp_err *e)
{
    spa_tftp_request req;
    int r;

    request_of(t, &req);
    spa_tftp_err_set(e, SPA_TFTP_ENOTFOUND, "file not found");
    if (!s->cfg.read)
        return -1;
    r = s->cfg.read(s->cfg.arg, &req, &t->file, e);
    if (r < 0)
        return -1;
    if (r == 1) {
        uint64_t now = now_ms();
        t->deferred = 1;
        memset(&t->file, 0, sizeof t->file);
        arm_timer(t->timer, now + (s->cfg.defer_timeout_ms ? s->cfg.defer_timeout_ms : 5000), now);
        return 1;
    }
    return serve_file(s, t, e);
}

int spa_tftp_server_answer(spa_tftp_server *s, uint64_t id, const spa_tftp_file *f,
                           const spa_tftp_err *err)
{
    srv_xfer *t;
    spa_tftp_err e;

    for (t = s->head; t; t = t->next)
        if (t->id == id && t->deferred)
            break;
    if (!t)
        return -1;
    t->deferred = 0;
    evtimer_del(t->timer);
    if (!f) {
        if (err)
            e = *err;
        else
            spa_tftp_err_set(&e, SPA_TFTP_ENOTFOUND, "file not found");
        refuse(s, t, &e);
        return 0;
    }
    t->file = *f;
    if (serve_file(s, t, &e) < 0) {
        refuse(s, t, &e);
        return 0;
    }
    xfer_flush(t);
    xfer_settle(t);
    return 0;
}

static int start_wrq(spa_tftp_server *s, srv_xfer *t, spa_tftp_err *e)
{
    spa_tftp_request req;
    spa_tftp_opts ack;

    request_of(t, &req);
    if (!s->cfg.write_open) {
        spa_tftp_err_set(e, SPA_TFTP_EACCESS, "access violation: uploads are not accepted");
        return -1;
    }
    spa_tftp_err_set(e, SPA_TFTP_EACCESS, "access violation");
    if (s->cfg.write_open(s->cfg.arg, &req, e) < 0)
        return -1;
    if (spa_tftp_negotiate(&s->cfg.limits, SPA_TFTP_WRQ, &t->opts, 0, &ack, e) < 0)
        return -1;
    if (spa_tftp_xfer_accept(&t->x, &ack, s->cfg.limits.wrq_max, &s->cfg.timing, now_ms()) < 0) {
        spa_tftp_err_set(e, SPA_TFTP_ENOTDEFINED, "cannot start transfer");
        return -1;
    }
    return 0;
}

static void opts_text(const spa_tftp_opts *o, char *buf, size_t n)
{
    int k = snprintf(buf, n, "%s", "");
    if (o->present & SPA_TFTP_OPT_BLKSIZE)
        k += snprintf(buf + k, n - (size_t)k, " blksize=%u", o->blksize);
    if (o->present & SPA_TFTP_OPT_TSIZE)
        k += snprintf(buf + k, n - (size_t)k, " tsize=%llu", (unsigned long long)o->tsize);
    if (o->present & SPA_TFTP_OPT_TIMEOUT)
        k += snprintf(buf + k, n - (size_t)k, " timeout=%u", o->timeout);
    if (o->present & SPA_TFTP_OPT_WINDOWSIZE)
        snprintf(buf + k, n - (size_t)k, " windowsize=%u", o->windowsize);
}

static void handle_request(spa_tftp_server *s, const struct sockaddr *peer, socklen_t plen,
                           const uint8_t *p, size_t n)
{
    spa_tftp_packet pk;
    spa_tftp_err e;
    char path[SPA_TFTP_PATH_MAX + 1], ot[96];
    srv_xfer *t;

    if (spa_tftp_decode(p, n, &pk, &e) < 0) {
        s->st.bad_packets++;
        slog(s, SPA_TFTP_LOG_WARN, peer, "malformed request: %s", e.msg);
        send_error_to(s, peer, plen, &e);
        return;
    }
    if (pk.opcode == SPA_TFTP_RRQ)
        s->st.rrq++;
    else
        s->st.wrq++;
    if (spa_tftp_check_path(pk.filename, strlen(pk.filename), path, sizeof path, &e) < 0) {
        s->st.refused++;
        slog(s, SPA_TFTP_LOG_SECURITY, peer, "%s '%.*s' refused: %s",
             spa_tftp_opcode_name(pk.opcode), 80, pk.filename, e.msg);
        send_error_to(s, peer, plen, &e);
        return;
    }
    if (s->st.active >= (s->cfg.max_transfers ? s->cfg.max_transfers : 512)) {
        s->st.busy++;
        spa_tftp_err_set(&e, SPA_TFTP_ENOTDEFINED, "server busy, try again later");
        slog(s, SPA_TFTP_LOG_WARN, peer, "%s %s refused: too many transfers",
             spa_tftp_opcode_name(pk.opcode), path);
        send_error_to(s, peer, plen, &e);
        return;
    }
    t = xfer_new(s, peer, plen, &pk, path);
    if (!t) {
        spa_tftp_err_set(&e, SPA_TFTP_ENOTDEFINED, "server out of resources");
        send_error_to(s, peer, plen, &e);
        return;
    }
    opts_text(&pk.opts, ot, sizeof ot);
    slog(s, SPA_TFTP_LOG_INFO, peer, "%s %s%s%s", spa_tftp_opcode_name(pk.opcode), pk.filename,
         pk.mode == SPA_TFTP_NETASCII ? " netascii" : "", ot);
    int r = pk.opcode == SPA_TFTP_RRQ ? start_rrq(s, t, &e) : start_wrq(s, t, &e);
    if (r < 0) {
        refuse(s, t, &e);
        return;
    }
    if (r == 1)
        return; /* deferred: spa_tftp_server_answer continues */
    xfer_flush(t);
    xfer_settle(t);
}

static void server_read(evutil_socket_t fd, short what, void *arg)
{
    spa_tftp_server *s = arg;
    (void)what;

    for (int i = 0; i < 128; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, s->pkt, sizeof s->pkt, 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
            break;
        const struct sockaddr *peer = (const struct sockaddr *)&from;
        srv_xfer *t = find_peer(s, peer);
        int op = n >= 2 ? (s->pkt[0] << 8 | s->pkt[1]) : 0;
        if (t && (op == SPA_TFTP_RRQ || op == SPA_TFTP_WRQ))
            continue; /* a repeated request for a transfer under way */
        if (t && t->fd == s->fd) {
            if (t->deferred)
                continue;
            xfer_input(t, s->pkt, (size_t)n);
            xfer_settle(t);
            continue;
        }
        if (op != SPA_TFTP_RRQ && op != SPA_TFTP_WRQ) {
            s->st.bad_packets++;
            if (op >= SPA_TFTP_DATA && op <= SPA_TFTP_OACK && op != SPA_TFTP_ERROR) {
                spa_tftp_err e;
                spa_tftp_err_set(&e, SPA_TFTP_EBADID, "unknown transfer ID");
                send_error_to(s, peer, flen, &e);
            } else if (op != SPA_TFTP_ERROR && rate_ok(s, peer)) {
                /* Truncated or unknown opcode: the decoder's error 4 (within
                 * the sender's request rate, so garbage cannot make us chatty). */
                spa_tftp_packet pk;
                spa_tftp_err e;
                if (spa_tftp_decode(s->pkt, (size_t)n, &pk, &e) < 0)
                    send_error_to(s, peer, flen, &e);
            }
            continue;
        }
        if (!rate_ok(s, peer)) {
            if (s->st.rate_limited++ % 1000 == 0)
                slog(s, SPA_TFTP_LOG_SECURITY, peer, "request rate limit exceeded; dropping");
            continue;
        }
        handle_request(s, peer, flen, s->pkt, (size_t)n);
    }
}

spa_tftp_server *spa_tftp_server_new(struct event_base *base, const struct sockaddr *addr,
                                     socklen_t alen, const spa_tftp_server_config *cfg,
                                     spa_tftp_err *err)
{
    int fd;

    if (!base || !addr || !cfg || alen > sizeof(struct sockaddr_storage) ||
        (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
        spa_tftp_err_set(err, -1, "invalid arguments");
        return NULL;
    }
    fd = udp_socket(addr->sa_family);
    if (fd < 0 || bind(fd, addr, alen) < 0) {
        spa_tftp_err_set(err, -1, "cannot bind UDP socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    return spa_tftp_server_adopt(base, fd, cfg, err);
}

spa_tftp_server *spa_tftp_server_adopt(struct event_base *base, int fd,
                                       const spa_tftp_server_config *cfg, spa_tftp_err *err)
{
    spa_tftp_server *s;

    if (!base || fd < 0 || !cfg) {
        spa_tftp_err_set(err, -1, "invalid arguments");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->rate = calloc(RATE_SLOTS, sizeof *s->rate))) {
        free(s);
        close(fd);
        spa_tftp_err_set(err, -1, "out of memory");
        return NULL;
    }
    s->base = base;
    s->cfg = *cfg;
    s->fd = fd;
    s->alen = sizeof s->addr;
    if (getsockname(s->fd, (struct sockaddr *)&s->addr, &s->alen) < 0 ||
        (s->addr.ss_family != AF_INET && s->addr.ss_family != AF_INET6)) {
        spa_tftp_err_set(err, -1, "not a bound UDP socket");
        goto fail;
    }
    s->rd = event_new(base, s->fd, EV_READ | EV_PERSIST, server_read, s);
    if (!s->rd || event_add(s->rd, NULL) < 0) {
        spa_tftp_err_set(err, -1, "cannot register event");
        goto fail;
    }
    return s;
fail:
    if (s->rd)
        event_free(s->rd);
    close(s->fd);
    free(s->rate);
    free(s);
    return NULL;
}

int spa_tftp_server_addr(const spa_tftp_server *s, struct sockaddr_storage *ss, socklen_t *len)
{
    *ss = s->addr;
    *len = s->alen;
    return 0;
}

void spa_tftp_server_get_stats(const spa_tftp_server *s, spa_tftp_server_stats *st)
{
    *st = s->st;
}

void spa_tftp_server_free(spa_tftp_server *s)
{
    if (!s)
        return;
    while (s->head)
        xfer_free(s->head);
    if (s->rd)
        event_free(s->rd);
    if (s->fd >= 0)
        close(s->fd);
    free(s->rate);
    free(s);
}
