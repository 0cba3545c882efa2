/* spa_tftpflood.c — test-only TFTP request flooder for the server-level
 * security test (tests/integration/spaprovd_security.sh): sends RRQs for one
 * file from one source address as fast as it can, spread round-robin over a
 * few sockets (source ports) so the server's "repeated request" rule does not
 * hide its per-address rate cap, and counts the transfers the server really
 * started: distinct server transfer IDs that sent DATA block 1 (or an OACK).
 * Each started transfer is ended at once with an ERROR, so the flood costs
 * the server no retransmissions. Bounded in time; loopback in practice.
 *
 *   spa_tftpflood [-b SRCADDR] [-s SOCKETS] [-d SECONDS] HOST PORT COUNT FILE
 *
 * Sends at least COUNT requests, and keeps sending until SECONDS (default 0)
 * have passed; then listens 1.5 s more. Prints one line:
 *   sent=N served=S errors=E seconds=T
 * (errors: ERROR packets received, e.g. "file not found"). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spaprov/tftp.h"

#define MAX_SOCKETS 256
#define MAX_TIDS 65536

typedef struct flood {
    int fd[MAX_SOCKETS];
    int nsock;
    unsigned char seen[MAX_SOCKETS][MAX_TIDS / 8]; /* server ports already counted, per socket */
    long sent, served, errors;
} flood;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: spa_tftpflood [-b SRCADDR] [-s SOCKETS] [-d SECONDS] HOST PORT COUNT FILE\n");
    return 2;
}

/* Read every pending reply on socket i; count new transfers and end them. */
static void drain(flood *f, int i)
{
    uint8_t rep[2048];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n;
    while ((n = recvfrom(f->fd[i], rep, sizeof rep, 0, (struct sockaddr *)&from, &flen)) >= 4) {
        unsigned op = (unsigned)(rep[0] << 8 | rep[1]);
        unsigned tid = ntohs(from.sin_port);
        flen = sizeof from;
        if (op == SPA_TFTP_ERROR) {
            f->errors++;
            continue;
        }
        if ((op == SPA_TFTP_DATA && rep[2] == 0 && rep[3] == 1) || op == SPA_TFTP_OACK) {
            if (!(f->seen[i][tid / 8] & (1u << (tid % 8)))) {
                f->seen[i][tid / 8] |= (unsigned char)(1u << (tid % 8));
                f->served++;
            }
            /* ERROR 0 to the transfer's port ends it on the server. */
            static const uint8_t bye[] = { 0, 5, 0, 0, 'f', 'l', 'o', 'o', 'd', 0 };
            (void)sendto(f->fd[i], bye, sizeof bye, 0, (struct sockaddr *)&from, sizeof from);
        }
    }
}

static void drain_all(flood *f)
{
    for (int i = 0; i < f->nsock; i++)
        drain(f, i);
}

int main(int argc, char **argv)
{
    static flood f;
    const char *src = NULL;
    double seconds = 0, t0, t_end;
    struct sockaddr_in dst, me;
    uint8_t pkt[600];
    size_t len;
    long count;
    int opt;

    f.nsock = 16;
    while ((opt = getopt(argc, argv, "b:s:d:")) != -1) {
        switch (opt) {
        case 'b': src = optarg; break;
        case 's': f.nsock = atoi(optarg); break;
        case 'd': seconds = atof(optarg); break;
        default: return usage();
        }
    }
    if (argc - optind != 4 || f.nsock < 1 || f.nsock > MAX_SOCKETS || seconds < 0 || seconds > 60)
        return usage();
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
    if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
        return usage();
    count = atol(argv[optind + 2]);
    len = spa_tftp_encode_request(pkt, sizeof pkt, SPA_TFTP_RRQ, argv[optind + 3], SPA_TFTP_OCTET,
                                  NULL);
    if (count < 1 || len == 0)
        return usage();
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    if (src && inet_pton(AF_INET, src, &me.sin_addr) != 1)
        return usage();
    for (int i = 0; i < f.nsock; i++) {
        f.fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (f.fd[i] < 0 || (src && bind(f.fd[i], (struct sockaddr *)&me, sizeof me) < 0)) {
            perror("socket/bind");
            return 1;
        }
    }
    t0 = now_s();
    t_end = t0 + seconds;
    while (f.sent < count || now_s() < t_end) {
        int i = (int)(f.sent % f.nsock);
        if (sendto(f.fd[i], pkt, len, 0, (struct sockaddr *)&dst, sizeof dst) < 0 &&
            errno != EAGAIN && errno != ENOBUFS) {
            perror("sendto");
            return 1;
        }
        f.sent++;
        if (f.sent % 64 == 0)
            drain_all(&f);
        if (now_s() - t0 > 60)
            break;
    }
    double sent_for = now_s() - t0;
    for (double stop = now_s() + 1.5; now_s() < stop;) {
        struct pollfd p[MAX_SOCKETS];
        for (int i = 0; i < f.nsock; i++)
            p[i] = (struct pollfd){ f.fd[i], POLLIN, 0 };
        if (poll(p, (nfds_t)f.nsock, 100) > 0)
            drain_all(&f);
    }
    printf("sent=%ld served=%ld errors=%ld seconds=%.3f\n", f.sent, f.served, f.errors, sent_for);
    for (int i = 0; i < f.nsock; i++)
        close(f.fd[i]);
    return 0;
}
