/* spa_nettool.c — test-only command-line front end to the TFTP and syslog
 * modules, so that integration tests can put them against real peers
 * (tftpd-hpa, the tftp-hpa and atftp clients, util-linux logger). Every mode
 * runs on 127.0.0.1 in practice and stops by itself after a time limit.
 *
 *   spa_nettool serve ROOT PORT SECONDS [-s] [-w DIR] [-m WRQMAX] [-b BLKMAX] [-r RATE]
 *   spa_nettool get HOST PORT REMOTE LOCAL [-b N] [-t] [-W N] [-T N] [-a] [-n]
 *   spa_nettool put HOST PORT REMOTE LOCAL [-b N] [-t] [-W N] [-a]
 *   spa_nettool raw HOST PORT HEX         (send one packet, print the reply in hex)
 *   spa_nettool flood HOST PORT N         (N RRQs from one socket; count replies)
 *   spa_nettool syslog-recv PORT COUNT SECONDS [-s]
 *   spa_nettool syslog-send HOST PORT 3164|5424 TEXT
 *   spa_nettool http-fault PORT SECONDS reset|stall BYTES
 *       a broken HTTP server on 127.0.0.1 (PORT 0: prints "port N"): for each
 *       request it prints "t=MS REQUEST-LINE" (MS: monotonic milliseconds),
 *       answers 200 with a Content-Length far larger than what follows, sends
 *       BYTES bytes of body, then resets the connection (reset) or keeps it
 *       open without another byte until SECONDS pass (stall)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include "spaprov/syslog.h"
#include "spaprov/tftp.h"

static struct sockaddr_in addr_of(const char *host, const char *port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(port));
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", host);
        exit(2);
    }
    return a;
}

static int read_file(const char *path, spa_buf *b)
{
    char chunk[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        spa_buf_append(b, chunk, (size_t)n);
    close(fd);
    return n < 0 ? -1 : 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

/* ---- serve -------------------------------------------------------------- */

typedef struct srv_ctx {
    const char *root, *wrqdir;
} srv_ctx;

static void release_buf(void *ctx)
{
    free(ctx);
}

static int srv_read(void *arg, const spa_tftp_request *req, spa_tftp_file *f, spa_tftp_err *err)
{
    srv_ctx *c = arg;
    char path[4096];
    spa_buf b;

    snprintf(path, sizeof path, "%s/%s", c->root, req->path);
    spa_buf_init(&b);
    if (read_file(path, &b) < 0) {
        spa_buf_free(&b);
        if (errno == ENOENT)
            spa_tftp_err_set(err, SPA_TFTP_ENOTFOUND, "file not found");
        else
            spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation");
        return -1;
    }
    f->len = b.len;
    f->data = (const uint8_t *)spa_buf_steal(&b);
    f->ctx = (void *)f->data;
    f->release = release_buf;
    return 0;
}

static int srv_write_open(void *arg, const spa_tftp_request *req, spa_tftp_err *err)
{
    srv_ctx *c = arg;
    (void)req;
    if (!c->wrqdir) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: uploads are not accepted");
        return -1;
    }
    return 0;
}

static void srv_write_done(void *arg, const spa_tftp_request *req, const uint8_t *data, size_t len)
{
    srv_ctx *c = arg;
    char path[4096], name[SPA_TFTP_PATH_MAX + 1];

    snprintf(name, sizeof name, "%s", req->path);
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '_';
    snprintf(path, sizeof path, "%s/%s", c->wrqdir, name);
    if (write_file(path, data, len) < 0)
        fprintf(stderr, "cannot write %s\n", path);
}

static void srv_log(void *arg, int level, const struct sockaddr *peer, const char *msg)
{
    char ip[64] = "?";
    (void)arg;
    if (peer && peer->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, ip, sizeof ip);
    fprintf(stderr, "tftp %s %s: %s\n",
            level == SPA_TFTP_LOG_SECURITY ? "SECURITY" : level == SPA_TFTP_LOG_WARN ? "warn" : "info",
            ip, msg);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

static int cmd_serve(int argc, char **argv)
{
    srv_ctx ctx = { argv[2], NULL };
    spa_tftp_server_config cfg;
    struct event_base *base = event_base_new();
    struct sockaddr_in a = addr_of("127.0.0.1", argv[3]);
    struct timeval limit = { atoi(argv[4]), 0 };
    spa_tftp_err err;
    spa_tftp_server_stats st;
    struct sockaddr_storage bound;
    socklen_t blen;
    int opt;

    memset(&cfg, 0, sizeof cfg);
    cfg.limits.wrq_max = 1u << 20;
    optind = 5;
    while ((opt = getopt(argc, argv, "sw:m:b:r:")) != -1) {
        switch (opt) {
        case 's': cfg.single_port = 1; break;
        case 'w': ctx.wrqdir = optarg; break;
        case 'm': cfg.limits.wrq_max = strtoull(optarg, NULL, 10); break;
        case 'b': cfg.limits.blksize_max = (unsigned)atoi(optarg); break;
        case 'r': cfg.rate_per_sec = (unsigned)atoi(optarg); break;
        default: return 2;
        }
    }
    cfg.read = srv_read;
    cfg.write_open = srv_write_open;
    cfg.write_done = srv_write_done;
    cfg.log = srv_log;
    cfg.arg = &ctx;
    spa_tftp_server *s = spa_tftp_server_new(base, (struct sockaddr *)&a, sizeof a, &cfg, &err);
    if (!s) {
        fprintf(stderr, "serve: %s\n", err.msg);
        return 1;
    }
    spa_tftp_server_addr(s, &bound, &blen);
    printf("port %u\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);
    struct event *sig = evsignal_new(base, SIGTERM, on_term, base);
    event_add(sig, NULL);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    spa_tftp_server_get_stats(s, &st);
    fprintf(stderr,
            "stats rrq=%llu wrq=%llu done=%llu failed=%llu refused=%llu rate_limited=%llu "
            "busy=%llu bad=%llu\n",
            (unsigned long long)st.rrq, (unsigned long long)st.wrq, (unsigned long long)st.done,
            (unsigned long long)st.failed, (unsigned long long)st.refused,
            (unsigned long long)st.rate_limited, (unsigned long long)st.busy,
            (unsigned long long)st.bad_packets);
    event_free(sig);
    spa_tftp_server_free(s);
    event_base_free(base);
    return 0;
}

/* ---- get / put ---------------------------------------------------------- */

typedef struct cli_ctx {
    const char *local;
    int put, rc;
    struct event_base *base;
} cli_ctx;

static void on_done(const spa_tftp_result *r, void *arg)
{
    cli_ctx *c = arg;
    const spa_tftp_opts *g = &r->granted;

    event_base_loopbreak(c->base);
    if (r->state != SPA_TFTP_DONE) {
        printf("error code=%d peer=%d msg=%s\n", r->err.code, r->err_from_peer, r->err.msg);
        c->rc = 1;
        return;
    }
    if (!c->put && write_file(c->local, r->body->data, r->body->len) < 0) {
        printf("error cannot write %s\n", c->local);
        c->rc = 1;
        return;
    }
    printf("ok");
    if (!c->put)
        printf(" bytes=%zu", r->body->len);
    if (g->present & SPA_TFTP_OPT_BLKSIZE)
        printf(" blksize=%u", g->blksize);
    if (g->present & SPA_TFTP_OPT_TSIZE)
        printf(" tsize=%llu", (unsigned long long)g->tsize);
    if (g->present & SPA_TFTP_OPT_TIMEOUT)
        printf(" timeout=%u", g->timeout);
    if (g->present & SPA_TFTP_OPT_WINDOWSIZE)
        printf(" windowsize=%u", g->windowsize);
    printf(" retransmits=%llu\n", (unsigned long long)r->retransmits);
    c->rc = 0;
}

static int cmd_xfer(int argc, char **argv, int put)
{
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    spa_tftp_client_opts o;
    struct event_base *base = event_base_new();
    cli_ctx c = { argv[5], put, 3, base };
    struct timeval limit = { 60, 0 };
    spa_buf data;
    spa_tftp_op *op;
    int opt;

    memset(&o, 0, sizeof o);
    o.timing.timeout_ms = 500;
    optind = 6;
    while ((opt = getopt(argc, argv, "b:tW:T:anM:")) != -1) {
        switch (opt) {
        case 'b': o.req.present |= SPA_TFTP_OPT_BLKSIZE; o.req.blksize = (unsigned)atoi(optarg); break;
        case 't': o.req.present |= SPA_TFTP_OPT_TSIZE; break;
        case 'W': o.req.present |= SPA_TFTP_OPT_WINDOWSIZE; o.req.windowsize = (unsigned)atoi(optarg); break;
        case 'T': o.req.present |= SPA_TFTP_OPT_TIMEOUT; o.req.timeout = (unsigned)atoi(optarg); break;
        case 'a': o.mode = SPA_TFTP_NETASCII; break;
        case 'n': o.no_option_fallback = 1; break;
        case 'M': o.max_size = strtoull(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    spa_buf_init(&data);
    if (put && read_file(argv[5], &data) < 0) {
        perror(argv[5]);
        return 2;
    }
    op = put ? spa_tftp_put(base, (struct sockaddr *)&a, sizeof a, argv[4], data.data, data.len,
                            &o, on_done, &c)
             : spa_tftp_get(base, (struct sockaddr *)&a, sizeof a, argv[4], &o, on_done, &c);
    spa_buf_free(&data);
    if (!op) {
        printf("error cannot start\n");
        return 1;
    }
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    if (c.rc == 3) {
        spa_tftp_cancel(op);
        printf("error no result in time\n");
    }
    event_base_free(base);
    return c.rc;
}

/* ---- raw / flood -------------------------------------------------------- */

static int cmd_raw(char **argv)
{
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    uint8_t pkt[2048], rep[2048];
    size_t n = 0;
    const char *h = argv[4];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct pollfd p = { fd, POLLIN, 0 };

    for (; h[0] && h[1] && n < sizeof pkt; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        pkt[n++] = (uint8_t)v;
    }
    sendto(fd, pkt, n, 0, (struct sockaddr *)&a, sizeof a);
    if (poll(&p, 1, 3000) <= 0) {
        printf("no reply\n");
        return 1;
    }
    ssize_t r = recvfrom(fd, rep, sizeof rep, 0, (struct sockaddr *)&from, &flen);
    for (ssize_t i = 0; i < r; i++)
        printf("%02x", rep[i]);
    printf("\n");
    close(fd);
    return 0;
}

static int cmd_flood(char **argv)
{
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    int n = atoi(argv[4]), replies = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    uint8_t pkt[600];
    size_t len = spa_tftp_encode_request(pkt, sizeof pkt, SPA_TFTP_RRQ, "nosuchfile", SPA_TFTP_OCTET, NULL);
    struct pollfd p = { fd, POLLIN, 0 };

    for (int i = 0; i < n; i++)
        sendto(fd, pkt, len, 0, (struct sockaddr *)&a, sizeof a);
    while (poll(&p, 1, 1000) > 0) {
        uint8_t rep[600];
        while (recv(fd, rep, sizeof rep, 0) > 0)
            replies++;
    }
    printf("sent=%d replies=%d\n", n, replies);
    close(fd);
    return 0;
}

/* ---- syslog ------------------------------------------------------------- */

typedef struct sl_ctx {
    int want, got;
    struct event_base *base;
} sl_ctx;

static void on_syslog(void *arg, const spa_syslog_msg *m, const struct sockaddr *from,
                      socklen_t fromlen, const char *raw, size_t rawlen)
{
    sl_ctx *c = arg;
    char mac[13] = "";
    (void)from;
    (void)fromlen;
    (void)raw;
    (void)rawlen;
    if (!spa_syslog_msg_mac(m, mac))
        mac[0] = '\0';
    printf("fmt=%s pri=%d host=%s app=%s procid=%s time=%d mac=%s flags=%u msg=%s\n",
           m->format == SPA_SYSLOG_RFC5424 ? "5424" : "3164", m->pri, m->host, m->app, m->procid,
           m->has_time, mac, m->lenient, m->msg);
    fflush(stdout);
    if (++c->got >= c->want)
        event_base_loopbreak(c->base);
}

static int cmd_syslog_recv(int argc, char **argv)
{
    struct event_base *base = event_base_new();
    struct sockaddr_in a = addr_of("127.0.0.1", argv[2]);
    sl_ctx c = { atoi(argv[3]), 0, base };
    struct timeval limit = { atoi(argv[4]), 0 };
    int strict = argc > 5 && strcmp(argv[5], "-s") == 0;
    spa_diags d;

    spa_diags_init(&d);
    spa_syslog_receiver *r = spa_syslog_receiver_new(base, (struct sockaddr *)&a, sizeof a, !strict,
                                                     on_syslog, &c, &d);
    if (!r) {
        spa_diags_print(&d, stderr);
        return 1;
    }
    struct sockaddr_storage bound;
    socklen_t blen;
    spa_syslog_receiver_addr(r, &bound, &blen);
    printf("port %u\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stdout);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    spa_syslog_receiver_free(r);
    event_base_free(base);
    spa_diags_free(&d);
    return c.got >= c.want ? 0 : 1;
}

static int cmd_syslog_send(char **argv)
{
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    spa_syslog_sender *s = spa_syslog_sender_new((struct sockaddr *)&a, sizeof a);
    spa_syslog_msg m;
    struct timespec ts;

    if (!s)
        return 1;
    spa_syslog_msg_init(&m);
    m.format = strcmp(argv[4], "5424") == 0 ? SPA_SYSLOG_RFC5424 : SPA_SYSLOG_RFC3164;
    m.pri = SPA_SYSLOG_PRI(SPA_SYSLOG_LOCAL0, SPA_SYSLOG_INFO);
    clock_gettime(CLOCK_REALTIME, &ts);
    spa_syslog_time_from(ts.tv_sec, (int)(ts.tv_nsec / 1000), 1, &m.time);
    m.has_time = 1;
    strcpy(m.host, "spasim");
    strcpy(m.app, "spa");
    spa_syslog_msg_set_text(&m, argv[5]);
    int rc = spa_syslog_send(s, &m);
    spa_syslog_msg_free(&m);
    spa_syslog_sender_free(s);
    return rc < 0;
}

/* ---- http-fault ----------------------------------------------------------------- */

#define FAULT_MAX_HELD 64

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read a request head (up to the blank line, at most 2 s); its first line
 * into line[n]. 0 or -1. */
static int fault_read_head(int fd, char *line, size_t n)
{
    char buf[8192];
    size_t len = 0;
    long long end = mono_ms() + 2000;
    while (len < sizeof buf - 1) {
        struct pollfd p = { fd, POLLIN, 0 };
        long long left = end - mono_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
        if (k <= 0)
            return -1;
        len += (size_t)k;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    char *eol = strstr(buf, "\r\n");
    size_t l = eol ? (size_t)(eol - buf) : len;
    snprintf(line, n, "%.*s", (int)l, buf);
    return 0;
}

/* Headers promising far more than the bytes that follow. */
static void fault_answer(int fd, size_t bytes)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                               "Content-Length: 1000000\r\n\r\n";
    char body[4096];
    memset(body, ' ', sizeof body);
    memcpy(body, "<flat-profile><GPP_A>partial", 28);
    if (write(fd, head, sizeof head - 1) < 0)
        return;
    while (bytes > 0) {
        size_t k = bytes < sizeof body ? bytes : sizeof body;
        if (write(fd, body, k) < 0)
            return;
        bytes -= k;
    }
}

static int cmd_http_fault(char **argv)
{
    int stall = strcmp(argv[4], "stall") == 0;
    size_t bytes = (size_t)atol(argv[5]);
    int held[FAULT_MAX_HELD], nheld = 0;
    struct sockaddr_in a = addr_of("127.0.0.1", argv[2]);
    socklen_t alen = sizeof a;
    int one = 1;
    long long end = mono_ms() + 1000LL * atoi(argv[3]);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!stall && strcmp(argv[4], "reset") != 0) {
        fprintf(stderr, "http-fault: expected reset or stall\n");
        return 2;
    }
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 16) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
        perror("http-fault");
        return 1;
    }
    printf("port %u\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        long long left = end - mono_ms();
        struct pollfd p = { ls, POLLIN, 0 };
        if (left <= 0)
            break;
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        int fd = accept(ls, NULL, NULL);
        char line[512];
        if (fd < 0)
            continue;
        if (fault_read_head(fd, line, sizeof line) < 0) {
            close(fd);
            continue;
        }
        printf("t=%lld %s\n", mono_ms(), line);
        fflush(stdout);
        fault_answer(fd, bytes);
        if (stall && nheld < FAULT_MAX_HELD) {
            held[nheld++] = fd;
            continue;
        }
        struct linger lg = { 1, 0 };   /* close now with RST */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
    }
    for (int i = 0; i < nheld; i++)
        close(held[i]);
    close(ls);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "http-fault") == 0)
        return cmd_http_fault(argv);
    if (argc >= 5 && strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc, argv);
    if (argc >= 6 && strcmp(argv[1], "get") == 0)
        return cmd_xfer(argc, argv, 0);
    if (argc >= 6 && strcmp(argv[1], "put") == 0)
        return cmd_xfer(argc, argv, 1);
    if (argc == 5 && strcmp(argv[1], "raw") == 0)
        return cmd_raw(argv);
    if (argc == 5 && strcmp(argv[1], "flood") == 0)
        return cmd_flood(argv);
    if (argc >= 5 && strcmp(argv[1], "syslog-recv") == 0)
        return cmd_syslog_recv(argc, argv);
    if (argc == 6 && strcmp(argv[1], "syslog-send") == 0)
        return cmd_syslog_send(argv);
    fprintf(stderr, "usage: see the comment at the top of spa_nettool.c\n");
    return 2;
}
