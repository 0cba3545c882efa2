/* test_tftp_udp.c — the libevent TFTP driver end to end inside one event
 * loop on 127.0.0.1: client get/put against the server core (per-transfer
 * sockets and single-port mode), generated files, refusals (traversal,
 * uploads not accepted, oversize upload), the concurrency cap, and a client
 * timeout against a silent port. Every loop has a time limit. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "testutil.h"
#include "spaprov/tftp.h"

#define BIG (300 * 1024 + 17)

typedef struct env {
    struct event_base *base;
    spa_tftp_server *srv;
    struct sockaddr_storage addr;
    socklen_t alen;
    uint8_t *big;
    int pending;
    char uploaded[64];
    size_t uploaded_len;
    uint8_t upload[8192];
    int released;
    uint64_t deferred[4];
    int ndeferred;
} env;

typedef struct res {
    env *e;
    spa_tftp_state state;
    int code, from_peer;
    char msg[SPA_TFTP_ERRMSG_MAX];
    spa_buf body;
    spa_tftp_opts granted;
} res;

static void free_gen(void *ctx)
{
    env *e = *(env **)ctx;
    e->released++;
    free(ctx);
}

/* "big.bin" is a static buffer; "gen/<mac>.xml" is generated per request. */
static int on_read(void *arg, const spa_tftp_request *req, spa_tftp_file *f, spa_tftp_err *err)
{
    env *e = arg;
    if (strcmp(req->path, "big.bin") == 0) {
        f->data = e->big;
        f->len = BIG;
        return 0;
    }
    if (strncmp(req->path, "gen/", 4) == 0) {
        char *blk = malloc(sizeof(env *) + 200);
        assert_non_null(blk);
        memcpy(blk, &e, sizeof e);
        int n = snprintf(blk + sizeof e, 200, "<flat-profile><Device>%.12s</Device></flat-profile>\n",
                         req->path + 4);
        f->data = (const uint8_t *)blk + sizeof e;
        f->len = (size_t)n;
        f->release = free_gen;
        f->ctx = blk;
        return 0;
    }
    if (strncmp(req->path, "defer/", 6) == 0 && e->ndeferred < 4) {
        e->deferred[e->ndeferred++] = req->id;
        return 1;
    }
    spa_tftp_err_set(err, SPA_TFTP_ENOTFOUND, "no such file: %s", req->path);
    return -1;
}

static int on_write_open(void *arg, const spa_tftp_request *req, spa_tftp_err *err)
{
    (void)arg;
    if (strncmp(req->path, "reports/", 8) != 0) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: uploads only under reports/");
        return -1;
    }
    return 0;
}

static void on_write_done(void *arg, const spa_tftp_request *req, const uint8_t *data, size_t len)
{
    env *e = arg;
    snprintf(e->uploaded, sizeof e->uploaded, "%s", req->path);
    e->uploaded_len = len;
    memcpy(e->upload, data, len < sizeof e->upload ? len : sizeof e->upload);
}

static void on_done(const spa_tftp_result *r, void *arg)
{
    res *x = arg;
    x->state = r->state;
    x->code = r->err.code;
    x->from_peer = r->err_from_peer;
    snprintf(x->msg, sizeof x->msg, "%s", r->err.msg);
    x->granted = r->granted;
    if (r->body) {
        x->body = *r->body; /* steal */
        spa_buf_init(r->body);
    }
    if (--x->e->pending == 0)
        event_base_loopbreak(x->e->base);
}

static void env_up(env *e, int single_port, unsigned max_transfers)
{
    spa_tftp_server_config cfg;
    struct sockaddr_in a = { .sin_family = AF_INET };
    spa_tftp_err err;

    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    e->big = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        e->big[i] = (uint8_t)(i * 31 + 7);
    memset(&cfg, 0, sizeof cfg);
    cfg.limits.wrq_max = 5000;
    cfg.single_port = single_port;
    cfg.max_transfers = max_transfers;
    cfg.timing.timeout_ms = 200;
    cfg.defer_timeout_ms = 400;
    cfg.read = on_read;
    cfg.write_open = on_write_open;
    cfg.write_done = on_write_done;
    cfg.arg = e;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e->srv = spa_tftp_server_new(e->base, (struct sockaddr *)&a, sizeof a, &cfg, &err);
    assert_non_null(e->srv);
    spa_tftp_server_addr(e->srv, &e->addr, &e->alen);
}

static void env_run(env *e)
{
    struct timeval limit = { 20, 0 };
    event_base_loopexit(e->base, &limit);
    event_base_dispatch(e->base);
    assert_int_equal(e->pending, 0);
}

static void env_down(env *e)
{
    spa_tftp_server_free(e->srv);
    event_base_free(e->base);
    free(e->big);
}

static void get(env *e, res *r, const char *path, const spa_tftp_client_opts *o)
{
    memset(r, 0, sizeof *r);
    r->e = e;
    spa_buf_init(&r->body);
    e->pending++;
    assert_non_null(spa_tftp_get(e->base, (struct sockaddr *)&e->addr, e->alen, path, o, on_done, r));
}

static void put(env *e, res *r, const char *path, const void *d, size_t n,
                const spa_tftp_client_opts *o)
{
    memset(r, 0, sizeof *r);
    r->e = e;
    spa_buf_init(&r->body);
    e->pending++;
    assert_non_null(spa_tftp_put(e->base, (struct sockaddr *)&e->addr, e->alen, path, d, n, o, on_done, r));
}

static void transfers(int single_port)
{
    env e;
    res r1, r2, r3, r4;
    spa_tftp_client_opts o = { 0 };
    const char *want = "<flat-profile><Device>000e08aabbcc</Device></flat-profile>\n";
    uint8_t up[3000];

    for (size_t i = 0; i < sizeof up; i++)
        up[i] = (uint8_t)(255 - i);
    env_up(&e, single_port, 0);
    o.req.present = SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_WINDOWSIZE;
    o.req.blksize = 9000; /* capped to 1468 by default */
    o.req.windowsize = 8;
    get(&e, &r1, "/big.bin", &o);
    get(&e, &r2, "gen/000e08aabbcc.xml", NULL);
    o.mode = SPA_TFTP_NETASCII;
    o.req.present = 0;
    get(&e, &r3, "gen/000e08aabbcc.xml", &o);
    o.mode = SPA_TFTP_OCTET;
    o.req.present = SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_BLKSIZE;
    o.req.blksize = 512;
    put(&e, &r4, "reports/000e08aabbcc.xml", up, sizeof up, &o);
    env_run(&e);

    assert_int_equal(r1.state, SPA_TFTP_DONE);
    assert_int_equal(r1.body.len, BIG);
    assert_memory_equal(r1.body.data, e.big, BIG);
    assert_int_equal(r1.granted.blksize, 1468);
    assert_int_equal(r1.granted.windowsize, 8);
    assert_int_equal(r1.granted.tsize, BIG);
    assert_int_equal(r2.state, SPA_TFTP_DONE);
    assert_string_equal(r2.body.data, want);
    assert_int_equal(r3.state, SPA_TFTP_DONE);
    assert_string_equal(r3.body.data, want); /* netascii both ways */
    assert_int_equal(r4.state, SPA_TFTP_DONE);
    assert_string_equal(e.uploaded, "reports/000e08aabbcc.xml");
    assert_int_equal(e.uploaded_len, sizeof up);
    assert_memory_equal(e.upload, up, sizeof up);
    assert_int_equal(e.released, 2);
    spa_buf_free(&r1.body);
    spa_buf_free(&r2.body);
    spa_buf_free(&r3.body);
    env_down(&e);
}

static void test_transfers(void **st)
{
    (void)st;
    transfers(0);
}

static void test_transfers_single_port(void **st)
{
    (void)st;
    transfers(1);
}

static void test_refusals(void **st)
{
    env e;
    res r1, r2, r3, r4, r5;
    spa_tftp_client_opts o = { 0 };
    uint8_t big[6000] = { 0 };
    spa_tftp_server_stats stats;
    (void)st;

    env_up(&e, 0, 0);
    get(&e, &r1, "../etc/passwd", NULL);
    get(&e, &r2, "missing.cfg", NULL);
    put(&e, &r3, "profiles/x.cfg", big, 10, NULL);
    put(&e, &r4, "reports/big.xml", big, sizeof big, NULL);
    o.req.present = SPA_TFTP_OPT_TSIZE;
    put(&e, &r5, "reports/big2.xml", big, sizeof big, &o);
    env_run(&e);

    assert_int_equal(r1.state, SPA_TFTP_FAILED);
    assert_int_equal(r1.from_peer, 1);
    assert_int_equal(r1.code, 2);
    assert_string_equal(r1.msg, "access violation: '..' component in file name");
    assert_int_equal(r2.code, 1);
    assert_string_equal(r2.msg, "no such file: missing.cfg");
    assert_int_equal(r3.code, 2);
    assert_string_equal(r3.msg, "access violation: uploads only under reports/");
    assert_int_equal(r4.code, 3);
    assert_string_equal(r4.msg, "disk full or allocation exceeded: more than 5000 octets");
    assert_int_equal(r5.code, 3);
    assert_string_equal(r5.msg, "disk full or allocation exceeded: 6000 octets announced, limit 5000");
    assert_string_equal(e.uploaded, "");
    spa_tftp_server_get_stats(e.srv, &stats);
    assert_int_equal(stats.rrq, 2);
    assert_int_equal(stats.wrq, 3);
    assert_int_equal(stats.refused, 4);
    assert_int_equal(stats.failed, 1);
    env_down(&e);
}

static void test_busy(void **st)
{
    env e;
    res r1, r2;
    (void)st;

    env_up(&e, 0, 1);
    get(&e, &r1, "big.bin", NULL);
    get(&e, &r2, "big.bin", NULL);
    env_run(&e);
    assert_int_equal(r1.state, SPA_TFTP_DONE);
    assert_int_equal(r1.body.len, BIG);
    assert_int_equal(r2.state, SPA_TFTP_FAILED);
    assert_int_equal(r2.code, 0);
    assert_string_equal(r2.msg, "server busy, try again later");
    spa_buf_free(&r1.body);
    env_down(&e);
}

/* A "worker" answers the first deferred request with a file and the
 * second with an error; the third is never answered and times out. */
static void answer_later(evutil_socket_t fd, short what, void *arg)
{
    env *e = arg;
    static const uint8_t text[] = "generated later\n";
    spa_tftp_file f = { text, sizeof text - 1, NULL, NULL };
    spa_tftp_err err;
    (void)fd;
    (void)what;

    assert_int_equal(e->ndeferred, 3);
    assert_int_equal(spa_tftp_server_answer(e->srv, e->deferred[0], &f, NULL), 0);
    spa_tftp_err_set(&err, SPA_TFTP_ENOTFOUND, "device unknown");
    assert_int_equal(spa_tftp_server_answer(e->srv, e->deferred[1], NULL, &err), 0);
    /* answering twice, or an unknown id, is refused */
    assert_int_equal(spa_tftp_server_answer(e->srv, e->deferred[1], &f, NULL), -1);
    assert_int_equal(spa_tftp_server_answer(e->srv, 999999, &f, NULL), -1);
}

static void test_deferred(void **st)
{
    env e;
    res r1, r2, r3;
    struct timeval later = { 0, 100000 };
    struct event *ev;
    spa_tftp_file f = { (const uint8_t *)"x", 1, NULL, NULL };
    (void)st;

    env_up(&e, 0, 0);
    get(&e, &r1, "defer/a", NULL);
    get(&e, &r2, "defer/b", NULL);
    get(&e, &r3, "defer/c", NULL);
    ev = evtimer_new(e.base, answer_later, &e);
    evtimer_add(ev, &later);
    env_run(&e);
    assert_int_equal(r1.state, SPA_TFTP_DONE);
    assert_string_equal(r1.body.data, "generated later\n");
    assert_int_equal(r2.state, SPA_TFTP_FAILED);
    assert_int_equal(r2.code, 1);
    assert_string_equal(r2.msg, "device unknown");
    assert_int_equal(r3.state, SPA_TFTP_FAILED);
    assert_int_equal(r3.code, 0);
    assert_string_equal(r3.msg, "timed out preparing the file");
    assert_int_equal(spa_tftp_server_answer(e.srv, e.deferred[2], &f, NULL), -1);
    spa_buf_free(&r1.body);
    event_free(ev);
    env_down(&e);
}

static void test_client_timeout(void **st)
{
    env e;
    res r;
    spa_tftp_client_opts o = { 0 };
    struct sockaddr_in *a;
    (void)st;

    env_up(&e, 0, 0);
    /* a port nobody answers on: the server's own address, port 9 (discard) */
    a = (struct sockaddr_in *)&e.addr;
    a->sin_port = htons(9);
    o.timing.timeout_ms = 30;
    o.timing.max_timeout_ms = 60;
    o.timing.max_retries = 2;
    get(&e, &r, "x", &o);
    env_run(&e);
    assert_int_equal(r.state, SPA_TFTP_FAILED);
    assert_int_equal(r.code, -1);
    assert_int_equal(r.from_peer, 0);
    assert_string_equal(r.msg, "timed out after 2 retransmissions");
    env_down(&e);
}

static void test_bad_args(void **st)
{
    struct event_base *base = event_base_new();
    struct sockaddr_in a = { .sin_family = AF_INET };
    (void)st;
    assert_null(spa_tftp_get(base, (struct sockaddr *)&a, sizeof a, "", NULL, (spa_tftp_done_cb)abort, NULL));
    assert_null(spa_tftp_get(base, NULL, 0, "x", NULL, (spa_tftp_done_cb)abort, NULL));
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfers),      cmocka_unit_test(test_transfers_single_port),
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_busy),
        cmocka_unit_test(test_deferred),       cmocka_unit_test(test_client_timeout),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
