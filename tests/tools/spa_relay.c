/* spa_relay — the eavesdropper of the provisioning-flow tests: a relay put
 * between a device (spasim) and the server (spaprovd) that forwards every
 * byte unchanged and appends each one it carries, in both directions, to a
 * capture file. The tests then assert that no secret (a device key, a SIP
 * password, a GPP value) ever crossed plain HTTP, TFTP or syslog.
 *
 *   spa_relay tcp UPSTREAM_IP UPSTREAM_PORT CAPTURE SECONDS
 *   spa_relay udp UPSTREAM_IP UPSTREAM_PORT CAPTURE SECONDS
 *
 * Listens on an ephemeral 127.0.0.1 port, printed first as "port N", and
 * exits after SECONDS. tcp: one upstream connection per accepted client.
 * udp: TFTP-aware — one upstream socket per client address, and the
 * server's replies (from its transfer port, RFC 1350 TIDs) are sent back
 * from the listening port, where the client's later packets go, which the
 * relay forwards to the server's transfer port. Also relays syslog. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS 64

static FILE *cap;

static void record(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, cap) != n) {
        perror("capture");
        exit(1);
    }
    fflush(cap);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listen_on(int type, uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int s = socket(AF_INET, type, 0), one = 1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
        (type == SOCK_STREAM && listen(s, 16) < 0) ||
        getsockname(s, (struct sockaddr *)&a, &al) < 0) {
        perror("listen");
        exit(1);
    }
    *port = ntohs(a.sin_port);
    return s;
}

/* ---- tcp ---- */

typedef struct pipe_pair {
    int fd[2];   /* client, upstream; -1 = closed */
} pipe_pair;

static void tcp_close(pipe_pair *p)
{
    for (int i = 0; i < 2; i++)
        if (p->fd[i] >= 0) {
            close(p->fd[i]);
            p->fd[i] = -1;
        }
}

/* Copy what fd k of p has to the other side; false when the pair is done. */
static int tcp_pump(pipe_pair *p, int k)
{
    char buf[16384];
    ssize_t n = read(p->fd[k], buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno == EINTR)
            return 1;
        /* half-close: tell the other side, keep reading it */
        shutdown(p->fd[!k], SHUT_WR);
        close(p->fd[k]);
        p->fd[k] = -1;
        return p->fd[!k] >= 0;
    }
    record(buf, (size_t)n);
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(p->fd[!k], buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        off += w;
    }
    return 1;
}

static int run_tcp(const struct sockaddr_in *up, double until)
{
    pipe_pair pp[MAX_PEERS];
    uint16_t port;
    int ls = listen_on(SOCK_STREAM, &port);
    for (int i = 0; i < MAX_PEERS; i++)
        pp[i].fd[0] = pp[i].fd[1] = -1;
    printf("port %u\n", port);
    fflush(stdout);
    while (now_s() < until) {
        struct pollfd fds[1 + 2 * MAX_PEERS];
        int map[1 + 2 * MAX_PEERS], nf = 1;
        fds[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
        for (int i = 0; i < MAX_PEERS; i++)
            for (int k = 0; k < 2; k++)
                if (pp[i].fd[k] >= 0) {
                    map[nf] = i * 2 + k;
                    fds[nf++] = (struct pollfd){ .fd = pp[i].fd[k], .events = POLLIN };
                }
        if (poll(fds, (nfds_t)nf, 200) <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            int c = accept(ls, NULL, NULL), u = socket(AF_INET, SOCK_STREAM, 0), slot = -1;
            for (int i = 0; i < MAX_PEERS && slot < 0; i++)
                if (pp[i].fd[0] < 0 && pp[i].fd[1] < 0)
                    slot = i;
            if (c < 0 || u < 0 || slot < 0 ||
                connect(u, (const struct sockaddr *)up, sizeof *up) < 0) {
                if (c >= 0)
                    close(c);
                if (u >= 0)
                    close(u);
            } else {
                pp[slot].fd[0] = c;
                pp[slot].fd[1] = u;
            }
        }
        for (int j = 1; j < nf; j++) {
            pipe_pair *p = &pp[map[j] / 2];
            int k = map[j] % 2;
            if ((fds[j].revents & (POLLIN | POLLHUP | POLLERR)) && p->fd[k] == fds[j].fd &&
                !tcp_pump(p, k))
                tcp_close(p);
        }
    }
    return 0;
}

/* ---- udp (TFTP-aware) ---- */

typedef struct udp_peer {
    struct sockaddr_in client;   /* where the device sends from */
    struct sockaddr_in server;   /* where its packets go: the server port, then its TID */
    int fd;                      /* upstream socket (-1 = free slot) */
    double last;                 /* last packet from the client (slot reuse: oldest first) */
} udp_peer;

static bool same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static int run_udp(const struct sockaddr_in *up, double until)
{
    udp_peer pe[MAX_PEERS];
    uint16_t port;
    int ls = listen_on(SOCK_DGRAM, &port);
    char buf[70000];
    for (int i = 0; i < MAX_PEERS; i++)
        pe[i].fd = -1;
    printf("port %u\n", port);
    fflush(stdout);
    while (now_s() < until) {
        struct pollfd fds[1 + MAX_PEERS];
        int map[1 + MAX_PEERS], nf = 1;
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n;
        fds[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
        for (int i = 0; i < MAX_PEERS; i++)
            if (pe[i].fd >= 0) {
                map[nf] = i;
                fds[nf++] = (struct pollfd){ .fd = pe[i].fd, .events = POLLIN };
            }
        if (poll(fds, (nfds_t)nf, 200) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) &&
            (n = recvfrom(ls, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl)) >= 0) {
            int slot = -1, free_slot = -1;
            for (int i = 0; i < MAX_PEERS; i++) {
                if (pe[i].fd >= 0 && same(&pe[i].client, &from))
                    slot = i;
                if (pe[i].fd < 0 && free_slot < 0)
                    free_slot = i;
            }
            if (slot < 0 && free_slot < 0) {   /* all in use: recycle the oldest */
                free_slot = 0;
                for (int i = 1; i < MAX_PEERS; i++)
                    if (pe[i].last < pe[free_slot].last)
                        free_slot = i;
                close(pe[free_slot].fd);
                pe[free_slot].fd = -1;
            }
            if (slot < 0 && free_slot >= 0 && (pe[free_slot].fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0) {
                slot = free_slot;
                pe[slot].client = from;
                pe[slot].server = *up;
            }
            /* a new request (RRQ 1 / WRQ 2) restarts at the server's port */
            if (slot >= 0 && n >= 2 && buf[0] == 0 && (buf[1] == 1 || buf[1] == 2))
                pe[slot].server = *up;
            record(buf, (size_t)n);
            if (slot >= 0) {
                pe[slot].last = now_s();
                (void)sendto(pe[slot].fd, buf, (size_t)n, 0,
                             (const struct sockaddr *)&pe[slot].server, sizeof pe[slot].server);
            }
        }
        for (int j = 1; j < nf; j++) {
            udp_peer *p = &pe[map[j]];
            if (!(fds[j].revents & POLLIN) || fds[j].fd != p->fd)   /* slot recycled meanwhile */
                continue;
            fl = sizeof from;
            if ((n = recvfrom(p->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) < 0)
                continue;
            p->server = from;   /* the server's transfer ID */
            record(buf, (size_t)n);
            (void)sendto(ls, buf, (size_t)n, 0, (const struct sockaddr *)&p->client,
                         sizeof p->client);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in up;
    double secs;
    if (argc != 6 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0)) {
        fprintf(stderr, "usage: spa_relay tcp|udp UPSTREAM_IP UPSTREAM_PORT CAPTURE SECONDS\n");
        return 2;
    }
    memset(&up, 0, sizeof up);
    up.sin_family = AF_INET;
    up.sin_port = htons((uint16_t)atoi(argv[3]));
    secs = atof(argv[5]);
    if (inet_pton(AF_INET, argv[2], &up.sin_addr) != 1 || secs <= 0 || secs > 3600) {
        fprintf(stderr, "spa_relay: bad address or time limit\n");
        return 2;
    }
    if (!(cap = fopen(argv[4], "ab"))) {
        perror(argv[4]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    secs += now_s();
    return strcmp(argv[1], "tcp") == 0 ? run_tcp(&up, secs) : run_udp(&up, secs);
}
