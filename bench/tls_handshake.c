/* tls_handshake.c — full TLS handshakes per second against one server, for
 * bench/spaprovd_peers.sh: C threads, each in a loop of TCP connect →
 * SSL_connect (no session cache, no tickets: every handshake is a full one)
 * → either one small GET (-g PATH; the status line must be 200) or a
 * close_notify answered by the server closing, so that a handshake counts
 * only once the server has finished its side → close. The client does not
 * verify the certificate chain (it measures the server, and the same client
 * runs against every server), but OpenSSL still checks the handshake
 * signature. Prints what was negotiated with the first connection.
 *
 * usage: tls_handshake [-c CONNS] [-d SECONDS] [-g PATH] [-v 1.2|1.3] HOST PORT
 * prints: tls_handshake: N handshakes in S s = R/s, failed F, latency ms
 *         avg A p50 P p99 Q; negotiated PROTO CIPHER, server key TYPE-BITS */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

typedef struct shared {
    SSL_CTX *ctx;
    struct sockaddr_in srv;
    const char *path;
    double end;
    pthread_mutex_t mu;
    char negotiated[200];
} shared;

typedef struct worker {
    shared *sh;
    pthread_t th;
    long done, failed;
    double *lat;
    size_t nlat, caplat;
    char first_err[200];
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: tls_handshake [-c CONNS] [-d SECONDS] [-g PATH] [-v 1.2|1.3] HOST PORT\n");
    exit(2);
}

static long num(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "tls_handshake: %s: '%s' is not a number in %ld..%ld\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static void note_negotiated(shared *sh, SSL *ssl)
{
    char buf[200];
    X509 *cert = SSL_get1_peer_certificate(ssl);
    EVP_PKEY *pk = cert ? X509_get0_pubkey(cert) : NULL;
    snprintf(buf, sizeof buf, "%s %s, server key %s-%d", SSL_get_version(ssl),
             SSL_get_cipher_name(ssl), pk ? EVP_PKEY_get0_type_name(pk) : "?",
             pk ? EVP_PKEY_get_bits(pk) : 0);
    X509_free(cert);
    pthread_mutex_lock(&sh->mu);
    if (!sh->negotiated[0])
        snprintf(sh->negotiated, sizeof sh->negotiated, "%s", buf);
    pthread_mutex_unlock(&sh->mu);
}

static int connect_tcp(const struct sockaddr_in *srv)
{
    struct timeval tv = { 5, 0 };
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)srv, sizeof *srv) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* GET path; 0 when the answer starts with a 200 status line. */
static int get_once(SSL *ssl, const char *path, char *err, size_t errn)
{
    char req[600], resp[4096];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: "
                     "tls_handshake\r\nConnection: close\r\n\r\n", path);
    int got = 0, r;
    if (SSL_write(ssl, req, n) != n) {
        snprintf(err, errn, "write failed");
        return -1;
    }
    while ((r = SSL_read(ssl, resp + got, (int)sizeof resp - 1 - got)) > 0) {
        got += r;
        if (got >= (int)sizeof resp - 1)
            got = 64;   /* keep the status line, drain the rest */
    }
    resp[got] = '\0';
    if (strncmp(resp, "HTTP/1.1 200", 12) != 0 && strncmp(resp, "HTTP/1.0 200", 12) != 0) {
        snprintf(err, errn, "answer: %.40s", got ? resp : "(none)");
        return -1;
    }
    return 0;
}

/* close_notify, then wait for the server to close: proves it finished its
 * side of the handshake. What it sends meanwhile (its close_notify, a
 * session ticket) is read off the socket and dropped. */
static int close_once(SSL *ssl, int fd, char *err, size_t errn)
{
    char buf[4096];
    ssize_t r;
    if (SSL_shutdown(ssl) < 0) {
        snprintf(err, errn, "shutdown failed");
        return -1;
    }
    while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
        ;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        snprintf(err, errn, "server did not close within 5 s of close_notify");
        return -1;
    }
    return 0;   /* EOF, or a reset: the server is done with the connection */
}

static void record(worker *w, double ms)
{
    if (w->nlat == w->caplat) {
        size_t cap = w->caplat ? w->caplat * 2 : 4096;
        double *p = realloc(w->lat, cap * sizeof *p);
        if (!p)
            return;
        w->lat = p;
        w->caplat = cap;
    }
    w->lat[w->nlat++] = ms;
}

static int one_handshake(worker *w)
{
    shared *sh = w->sh;
    char err[160] = "";
    double t0 = now_s();
    int fd = connect_tcp(&sh->srv), rc = -1;
    SSL *ssl;

    if (fd < 0) {
        snprintf(err, sizeof err, "connect: %s", strerror(errno));
        goto out;
    }
    ssl = SSL_new(sh->ctx);
    if (!ssl) {
        close(fd);
        snprintf(err, sizeof err, "SSL_new failed");
        goto out;
    }
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
        unsigned long e = ERR_get_error();
        snprintf(err, sizeof err, "handshake: %s", e ? ERR_reason_error_string(e) : "closed");
    } else {
        if (!sh->negotiated[0])
            note_negotiated(sh, ssl);
        rc = sh->path ? get_once(ssl, sh->path, err, sizeof err) : close_once(ssl, fd, err, sizeof err);
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
out:
    if (rc == 0 && now_s() <= sh->end) {
        w->done++;
        record(w, (now_s() - t0) * 1000.0);
    } else if (rc != 0) {
        w->failed++;
        if (!w->first_err[0])
            snprintf(w->first_err, sizeof w->first_err, "%s", err);
    }
    return rc;
}

static void *run(void *arg)
{
    worker *w = arg;
    while (now_s() < w->sh->end)
        if (one_handshake(w) < 0)
            usleep(1000);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    shared sh;
    worker *w;
    long conc = 16, done = 0, failed = 0;
    double seconds = 10, t0, elapsed, sum = 0;
    int version = 0, i = 1;
    size_t nlat = 0, k = 0;
    int shown = 0;
    double *lat;

    memset(&sh, 0, sizeof sh);
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        const char *v = argv[i + 1];
        switch (argv[i][1]) {
        case 'c': conc = num(v, 1, 1024, "-c"); break;
        case 'd': seconds = (double)num(v, 1, 86400, "-d"); break;
        case 'g': sh.path = v; break;
        case 'v':
            if (strcmp(v, "1.2") == 0)
                version = TLS1_2_VERSION;
            else if (strcmp(v, "1.3") == 0)
                version = TLS1_3_VERSION;
            else
                usage();
            break;
        default: usage();
        }
    }
    if (argc - i != 2)
        usage();
    sh.srv.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[i], &sh.srv.sin_addr) != 1) {
        fprintf(stderr, "tls_handshake: '%s' is not an IPv4 address\n", argv[i]);
        return 2;
    }
    sh.srv.sin_port = htons((uint16_t)num(argv[i + 1], 1, 65535, "PORT"));
    if (sh.path && (sh.path[0] != '/' || strlen(sh.path) > 400 || strpbrk(sh.path, " \r\n"))) {
        fprintf(stderr, "tls_handshake: -g: a path starting with '/', no spaces, at most 400 bytes\n");
        return 2;
    }
    sh.ctx = SSL_CTX_new(TLS_client_method());
    if (!sh.ctx)
        return 1;
    SSL_CTX_set_verify(sh.ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(sh.ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(sh.ctx, SSL_OP_NO_TICKET);
    if (version && (!SSL_CTX_set_min_proto_version(sh.ctx, version) ||
                    !SSL_CTX_set_max_proto_version(sh.ctx, version)))
        return 1;
    pthread_mutex_init(&sh.mu, NULL);
    w = calloc((size_t)conc, sizeof *w);
    if (!w)
        return 1;
    t0 = now_s();
    sh.end = t0 + seconds;
    for (long j = 0; j < conc; j++) {
        w[j].sh = &sh;
        if (pthread_create(&w[j].th, NULL, run, &w[j]) != 0) {
            fprintf(stderr, "tls_handshake: cannot start thread %ld\n", j);
            return 1;
        }
    }
    for (long j = 0; j < conc; j++) {
        pthread_join(w[j].th, NULL);
        done += w[j].done;
        failed += w[j].failed;
        nlat += w[j].nlat;
    }
    elapsed = now_s() - t0;
    if (elapsed > seconds)
        elapsed = seconds;   /* handshakes finishing after the deadline are not counted */
    lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    if (!lat)
        return 1;
    for (long j = 0; j < conc; j++) {
        memcpy(lat + k, w[j].lat, w[j].nlat * sizeof *lat);
        k += w[j].nlat;
        if (w[j].first_err[0] && shown++ < 3)
            fprintf(stderr, "tls_handshake: thread %ld: first failure: %s\n", j, w[j].first_err);
        free(w[j].lat);
    }
    qsort(lat, nlat, sizeof *lat, cmp_d);
    for (size_t j = 0; j < nlat; j++)
        sum += lat[j];
    printf("tls_handshake: %ld handshakes in %.2f s = %.0f/s, failed %ld, latency ms avg %.2f "
           "p50 %.2f p99 %.2f; negotiated %s%s\n",
           done, elapsed, (double)done / elapsed, failed, nlat ? sum / (double)nlat : 0.0,
           nlat ? lat[nlat / 2] : 0.0, nlat ? lat[nlat * 99 / 100] : 0.0,
           sh.negotiated[0] ? sh.negotiated : "nothing", sh.path ? ", one GET each" : "");
    free(lat);
    free(w);
    SSL_CTX_free(sh.ctx);
    return done > 0 ? 0 : 1;
}
