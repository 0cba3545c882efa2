/* tftp_load.c — a TFTP load client for bench/spaprovd_peers.sh: keeps K
 * read transfers (RRQ, octet) in flight against one server for a fixed
 * duration or count and reports complete transfers per second. Each
 * transfer uses a fresh UDP socket (its own transfer ID, as a device has),
 * optionally asks for a blksize (and ACKs the OACK), ACKs every DATA block
 * in lock-step, retransmits on timeout, and counts only transfers that
 * finished with the expected length. One thread and poll(), so that the
 * client costs the same against every server it is pointed at.
 *
 * usage: tftp_load [-c K] [-d SECONDS | -n COUNT] [-b BLKSIZE] [-l LENGTH]
 *                  [-t TIMEOUT_MS] [-r RETRIES] HOST PORT FILE
 * prints one line:
 *   tftp_load: N transfers in S s = R/s, B bytes, failed F (timeouts T,
 *   errors E, bad length L), latency ms avg A p50 P p99 Q max M */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 4096
#define PKT_MAX 65536

typedef struct opts {
    struct sockaddr_in srv;
    const char *file;
    unsigned conc, blksize, retries;
    double seconds;
    long count;
    long length;            /* expected file length; -1 = take the first transfer's */
    int timeout_ms;
} opts;

typedef struct slot {
    int fd;
    uint16_t tid;           /* server's port for this transfer, 0 until it answers */
    uint16_t want;          /* next DATA block expected */
    unsigned blksize;
    size_t got;
    double start, sent_at;
    unsigned tries;
    unsigned char last[600];   /* RRQ (name <= 400) or ACK, for retransmission */
    size_t last_len;
    int last_to_port;       /* 0: last packet goes to the listening port */
} slot;

typedef struct stats {
    long done, timeouts, errors, badlen, started;
    unsigned long long bytes;
    double *lat;
    size_t nlat, caplat;
} stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: tftp_load [-c K] [-d SECONDS | -n COUNT] [-b BLKSIZE] [-l LENGTH]\n"
                    "                 [-t TIMEOUT_MS] [-r RETRIES] HOST PORT FILE\n");
    exit(2);
}

static long num(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "tftp_load: %s: '%s' is not a number in %ld..%ld\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static void parse(int argc, char **argv, opts *o)
{
    int i = 1;
    memset(o, 0, sizeof *o);
    o->conc = 16;
    o->seconds = 10;
    o->count = 0;
    o->length = -1;
    o->timeout_ms = 1000;
    o->retries = 5;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        const char *v = argv[i + 1];
        switch (argv[i][1]) {
        case 'c': o->conc = (unsigned)num(v, 1, MAX_CONC, "-c"); break;
        case 'd': o->seconds = (double)num(v, 1, 86400, "-d"); o->count = 0; break;
        case 'n': o->count = num(v, 1, 1000000000L, "-n"); break;
        case 'b': o->blksize = (unsigned)num(v, 8, 65464, "-b"); break;
        case 'l': o->length = num(v, 0, 1L << 40, "-l"); break;
        case 't': o->timeout_ms = (int)num(v, 10, 60000, "-t"); break;
        case 'r': o->retries = (unsigned)num(v, 0, 100, "-r"); break;
        default: usage();
        }
    }
    if (argc - i != 3)
        usage();
    o->srv.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[i], &o->srv.sin_addr) != 1) {
        fprintf(stderr, "tftp_load: '%s' is not an IPv4 address\n", argv[i]);
        exit(2);
    }
    o->srv.sin_port = htons((uint16_t)num(argv[i + 1], 1, 65535, "PORT"));
    o->file = argv[i + 2];
    if (strlen(o->file) > 400) {
        fprintf(stderr, "tftp_load: file name too long\n");
        exit(2);
    }
}

static int send_last(const opts *o, slot *s)
{
    struct sockaddr_in to = o->srv;
    if (s->last_to_port)
        to.sin_port = htons(s->tid);
    s->sent_at = now_s();
    return sendto(s->fd, s->last, s->last_len, 0, (struct sockaddr *)&to, sizeof to) ==
                   (ssize_t)s->last_len ? 0 : -1;
}

static int start(const opts *o, slot *s, stats *st)
{
    size_t n = 2;
    s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        perror("tftp_load: socket");
        return -1;
    }
    s->last[0] = 0;
    s->last[1] = 1;
    n += (size_t)snprintf((char *)s->last + n, sizeof s->last - n, "%s", o->file) + 1;
    n += (size_t)snprintf((char *)s->last + n, sizeof s->last - n, "octet") + 1;
    if (o->blksize) {
        n += (size_t)snprintf((char *)s->last + n, sizeof s->last - n, "blksize") + 1;
        n += (size_t)snprintf((char *)s->last + n, sizeof s->last - n, "%u", o->blksize) + 1;
    }
    s->last_len = n;
    s->last_to_port = 0;
    s->tid = 0;
    s->want = 1;
    s->blksize = 512;
    s->got = 0;
    s->tries = 0;
    s->start = now_s();
    st->started++;
    if (send_last(o, s) < 0) {
        perror("tftp_load: sendto");
        close(s->fd);
        s->fd = -1;
        return -1;
    }
    return 0;
}

static void finish(slot *s)
{
    close(s->fd);
    s->fd = -1;
}

static void ack(const opts *o, slot *s, uint16_t block)
{
    s->last[0] = 0;
    s->last[1] = 4;
    s->last[2] = (unsigned char)(block >> 8);
    s->last[3] = (unsigned char)block;
    s->last_len = 4;
    s->last_to_port = 1;
    s->tries = 0;
    (void)send_last(o, s);
}

static void record(stats *st, double ms)
{
    if (st->nlat == st->caplat) {
        size_t cap = st->caplat ? st->caplat * 2 : 4096;
        double *p = realloc(st->lat, cap * sizeof *p);
        if (!p)
            return;
        st->lat = p;
        st->caplat = cap;
    }
    st->lat[st->nlat++] = ms;
}

/* blksize from an OACK's options; 512 when absent or bad. */
static unsigned oack_blksize(const unsigned char *p, size_t n)
{
    size_t i = 2;
    while (i < n) {
        const char *name = (const char *)p + i;
        size_t nl = strnlen(name, n - i);
        const char *val;
        if (i + nl >= n)
            break;
        val = name + nl + 1;
        i += nl + 1;
        if (i >= n)
            break;
        size_t vl = strnlen(val, n - i);
        i += vl + 1;
        if (strcasecmp(name, "blksize") == 0) {
            long b = strtol(val, NULL, 10);
            return b >= 8 && b <= 65464 ? (unsigned)b : 512;
        }
    }
    return 512;
}

/* One datagram for slot s. Returns 1 when the transfer ended (ok or not). */
static int on_packet(const opts *o, slot *s, stats *st, int *known_len)
{
    unsigned char p[PKT_MAX];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t r = recvfrom(s->fd, p, sizeof p, 0, (struct sockaddr *)&from, &fl);
    uint16_t op, block;
    size_t n;

    if (r < 0)
        return 0;
    n = (size_t)r;
    if (n < 4 || from.sin_addr.s_addr != o->srv.sin_addr.s_addr)
        return 0;
    if (s->tid && ntohs(from.sin_port) != s->tid)
        return 0;           /* another TID: not ours (RFC 1350 would send ERROR 5) */
    s->tid = ntohs(from.sin_port);
    op = (uint16_t)(p[0] << 8 | p[1]);
    block = (uint16_t)(p[2] << 8 | p[3]);
    if (op == 5) {
        st->errors++;
        if (st->errors <= 3)
            fprintf(stderr, "tftp_load: server error %u: %.*s\n", block,
                    (int)(n > 4 ? strnlen((const char *)p + 4, n - 4) : 0), (const char *)p + 4);
        return 1;
    }
    if (op == 6 && s->want == 1 && s->got == 0) {
        s->blksize = oack_blksize(p, n);
        ack(o, s, 0);
        return 0;
    }
    if (op != 3)
        return 0;
    if (block == (uint16_t)(s->want - 1)) {   /* duplicate: our ACK was lost */
        ack(o, s, block);
        return 0;
    }
    if (block != s->want)
        return 0;
    s->got += n - 4;
    ack(o, s, block);
    s->want++;
    if (n - 4 == s->blksize)
        return 0;
    /* last block */
    if (o->length < 0 && *known_len < 0)
        *known_len = (int)s->got;
    if ((o->length >= 0 && s->got != (size_t)o->length) ||
        (o->length < 0 && s->got != (size_t)*known_len)) {
        st->badlen++;
        if (st->badlen <= 3)
            fprintf(stderr, "tftp_load: transfer of %zu bytes, expected %ld\n", s->got,
                    o->length >= 0 ? o->length : (long)*known_len);
        return 1;
    }
    st->done++;
    st->bytes += s->got;
    record(st, (now_s() - s->start) * 1000.0);
    return 1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    opts o;
    stats st;
    slot *sl;
    struct pollfd *pf;
    double t0, end, elapsed;
    int known_len = -1;
    unsigned active;

    parse(argc, argv, &o);
    memset(&st, 0, sizeof st);
    sl = calloc(o.conc, sizeof *sl);
    pf = calloc(o.conc, sizeof *pf);
    if (!sl || !pf) {
        fprintf(stderr, "tftp_load: out of memory\n");
        return 1;
    }
    t0 = now_s();
    end = o.count ? t0 + 86400.0 : t0 + o.seconds;
    for (unsigned i = 0; i < o.conc; i++)
        if (start(&o, &sl[i], &st) < 0)
            return 1;
    active = o.conc;
    while (active > 0) {
        double t = now_s();
        int timeout;
        if (t >= end)
            break;
        for (unsigned i = 0; i < o.conc; i++) {
            pf[i].fd = sl[i].fd;
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        timeout = (int)((end - t) * 1000.0) + 1;
        if (timeout > 50)
            timeout = 50;
        if (poll(pf, o.conc, timeout) < 0 && errno != EINTR) {
            perror("tftp_load: poll");
            return 1;
        }
        t = now_s();
        for (unsigned i = 0; i < o.conc; i++) {
            slot *s = &sl[i];
            int ended = 0;
            if (s->fd < 0)
                continue;
            if (pf[i].revents & POLLIN)
                ended = on_packet(&o, s, &st, &known_len);
            else if ((t - s->sent_at) * 1000.0 >= o.timeout_ms) {
                if (s->tries++ >= o.retries) {
                    st.timeouts++;
                    ended = 1;
                } else {
                    (void)send_last(&o, s);
                }
            }
            if (!ended)
                continue;
            finish(s);
            if (o.count && st.started >= o.count) {
                active--;
                continue;
            }
            if (start(&o, s, &st) < 0)
                return 1;
        }
    }
    elapsed = now_s() - t0;
    for (unsigned i = 0; i < o.conc; i++)
        if (sl[i].fd >= 0)
            close(sl[i].fd);
    qsort(st.lat, st.nlat, sizeof *st.lat, cmp_d);
    double sum = 0;
    for (size_t i = 0; i < st.nlat; i++)
        sum += st.lat[i];
    printf("tftp_load: %ld transfers in %.2f s = %.0f/s, %llu bytes, failed %ld (timeouts %ld, "
           "errors %ld, bad length %ld), latency ms avg %.2f p50 %.2f p99 %.2f max %.2f\n",
           st.done, elapsed, (double)st.done / elapsed, st.bytes,
           st.timeouts + st.errors + st.badlen, st.timeouts, st.errors, st.badlen,
           st.nlat ? sum / (double)st.nlat : 0.0, st.nlat ? st.lat[st.nlat / 2] : 0.0,
           st.nlat ? st.lat[st.nlat * 99 / 100] : 0.0, st.nlat ? st.lat[st.nlat - 1] : 0.0);
    free(st.lat);
    free(sl);
    free(pf);
    return st.done > 0 ? 0 : 1;
}
