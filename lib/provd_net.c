/* provd_net.c — spaprovd's listeners on one libevent loop: TFTP (RRQ
 * answered synchronously from spa_provd_handle, WRQ into data_dir/reports
 * with a size cap), HTTP and HTTPS (client certificates verified against
 * Client_CA when configured), and the syslog collector. Binding is a step of
 * its own (spa_provd_net_bind) so that spaprovd can bind ports below 1024 as
 * root, drop privileges, and only then serve; a reload reuses the sockets of
 * listeners whose address and port did not change. Kept out of the tool so
 * that spaprovd.c is argument parsing and wiring only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spaprov/http.h"
#include "spaprov/provd.h"
#include "spaprov/syslog.h"
#include "spaprov/tftp.h"
#include "provd_int.h"

/* The four listeners, in this order everywhere. */
enum { L_TFTP = 0, L_HTTP, L_HTTPS, L_SYSLOG, L_COUNT };

/* One bound socket: what it is bound to, and its descriptor (-1 = none). */
typedef struct listener {
    int type;                      /* SOCK_DGRAM or SOCK_STREAM */
    struct sockaddr_storage addr;
    socklen_t len;
    int fd;
} listener;

struct spa_provd_net {
    spa_provd *p;
    spa_provd_log *log;
    listener l[L_COUNT];
    spa_tftp_server *tftp;
    spa_http_server *http, *https;
    SSL_CTX *tls;
    spa_syslog_receiver *syslog;
};

static const char *const listener_names[L_COUNT] = { "TFTP", "HTTP", "HTTPS", "Syslog" };

static int make_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                     socklen_t *len, spa_diags *d)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return 0;
    }
    return spa_diag_error(d, "config", "'%s' is not an IPv4 or IPv6 address", host);
}

static void peer_text(const struct sockaddr *sa, char *out, size_t n)
{
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
    else
        snprintf(out, n, "-");
}

/* ---- TFTP ---------------------------------------------------------------- */

static void release_buf(void *ctx)
{
    free(ctx);
}

static int tftp_read(void *arg, const spa_tftp_request *req, spa_tftp_file *f, spa_tftp_err *err)
{
    spa_provd_net *n = arg;
    spa_provd_response r;
    char peer[64];
    spa_provd_input in = { .proto = SPA_PROTO_TFTP, .path = req->raw_path, .peer = peer };

    peer_text(req->peer, peer, sizeof peer);
    spa_provd_handle(n->p, &in, &r);
    spa_provd_logf(n->log, SPA_PROVD_LOG_INFO, "tftp RRQ %s from %s: %d %s", req->raw_path, peer,
                   r.status, r.reason);
    if (r.status != 200) {
        int code = r.status == 404 ? SPA_TFTP_ENOTFOUND
                 : r.status == 403 ? SPA_TFTP_EACCESS : SPA_TFTP_ENOTDEFINED;
        spa_tftp_err_set(err, code, "%s", r.reason);
        spa_provd_response_free(&r);
        return -1;
    }
    f->len = r.body.len;
    f->data = (const uint8_t *)spa_buf_steal(&r.body);
    f->release = release_buf;
    f->ctx = (void *)(uintptr_t)f->data;
    return 0;
}

static int tftp_write_open(void *arg, const spa_tftp_request *req, spa_tftp_err *err)
{
    spa_provd_net *n = arg;
    if (spa_provd_get_config(n->p)->wrq_max == 0) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "uploads are not accepted");
        return -1;
    }
    if (strchr(req->path, '/')) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "uploads go to the reports area only");
        return -1;
    }
    return 0;
}

static void tftp_write_done(void *arg, const spa_tftp_request *req, const uint8_t *data,
                            size_t len)
{
    spa_provd_net *n = arg;
    const spa_provd_config *c = spa_provd_get_config(n->p);
    char path[SPA_PROVD_STR + 300], peer[64];
    FILE *f;
    peer_text(req->peer, peer, sizeof peer);
    spa_provd_report(n->p, req->path, peer, data, len);
    snprintf(path, sizeof path, "%s/reports/%s", c->data_dir, req->path);
    f = fopen(path, "wbx");
    if (!f) {
        spa_provd_logf(n->log, SPA_PROVD_LOG_WARNING,
                       "tftp upload %s from %s not saved (exists or unwritable)", req->path, peer);
        return;
    }
    if (fwrite(data, 1, len, f) != len)
        spa_provd_logf(n->log, SPA_PROVD_LOG_ERR, "tftp upload %s: short write", req->path);
    fclose(f);
    spa_provd_logf(n->log, SPA_PROVD_LOG_INFO, "tftp upload %s from %s saved, %zu bytes",
                   req->path, peer, len);
}

static void tftp_log(void *arg, int level, const struct sockaddr *peer, const char *msg)
{
    spa_provd_net *n = arg;
    char p[64];
    peer_text(peer, p, sizeof p);
    if (level == SPA_TFTP_LOG_SECURITY)
        spa_provd_security(n->p, "tftp", p, msg);
    spa_provd_logf(n->log,
                   level == SPA_TFTP_LOG_SECURITY ? SPA_PROVD_LOG_WARNING
                   : level == SPA_TFTP_LOG_WARN ? SPA_PROVD_LOG_NOTICE : SPA_PROVD_LOG_INFO,
                   "tftp %s%s: %s", level == SPA_TFTP_LOG_SECURITY ? "security " : "", p, msg);
}

/* A duplicate of listener i's socket for a server to own; -1 with a diagnostic. */
static int dup_fd(spa_provd_net *n, int i, spa_diags *d)
{
    int fd = fcntl(n->l[i].fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        spa_diag_error(d, "listen", "%s: cannot duplicate the socket: %s", listener_names[i],
                       strerror(errno));
    return fd;
}

static int start_tftp(struct event_base *base, spa_provd_net *n, const spa_provd_config *c,
                      spa_diags *d)
{
    spa_tftp_err err;
    spa_tftp_server_config tc;
    int fd = dup_fd(n, L_TFTP, d);

    if (fd < 0)
        return -1;
    memset(&tc, 0, sizeof tc);
    tc.limits.blksize_max = c->tftp_blksize_max;
    tc.limits.wrq_max = c->wrq_max;
    tc.rate_per_sec = c->tftp_rate;
    tc.max_transfers = c->tftp_max_transfers;
    tc.read = tftp_read;
    tc.write_open = tftp_write_open;
    tc.write_done = tftp_write_done;
    tc.log = tftp_log;
    tc.arg = n;
    memset(&err, 0, sizeof err);
    n->tftp = spa_tftp_server_adopt(base, fd, &tc, &err);
    if (!n->tftp)
        return spa_diag_error(d, "tftp", "tftp %s:%u: %s", c->tftp_address, c->tftp_port,
                              err.msg);
    return 0;
}

/* ---- HTTP(S) ------------------------------------------------------------- */

static void http_handler(spa_http_req *rq, void *arg)
{
    spa_provd_net *n = arg;
    spa_provd_response r;
    spa_provd_input in = {
        .proto = SPA_PROTO_HTTP,
        .method = spa_http_req_method(rq),
        .path = spa_http_req_path(rq),
        .query = spa_http_req_query(rq),
        .user_agent = spa_http_req_header(rq, "User-Agent"),
        .cert = spa_http_req_client_cert(rq),
        .peer = spa_http_req_peer_text(rq),
    };
    /* The HTTPS listener passes a tagged arg: see start_http. */
    if ((uintptr_t)arg & 1u) {
        n = (spa_provd_net *)((uintptr_t)arg & ~(uintptr_t)1);
        in.proto = SPA_PROTO_HTTPS;
    }
    in.body = spa_http_req_body(rq, &in.body_len);   /* reports, --post bodies */
    spa_provd_handle(n->p, &in, &r);
    char query[512] = "";
    if (in.query) {
        snprintf(query, sizeof query, "?%s", in.query);
        provd_mask_pins(query);   /* a retail binding URL carries the PIN */
    }
    spa_provd_logf(n->log, SPA_PROVD_LOG_INFO, "%s %s %s%s from %s: %d %s",
                   in.proto == SPA_PROTO_HTTPS ? "https" : "http", in.method ? in.method : "-",
                   in.path ? in.path : "", query, in.peer ? in.peer : "-", r.status, r.reason);
    if (r.status == 200)
        spa_http_reply_resource(rq, r.content_type, r.body.data, r.body.len,
                                r.etag[0] ? r.etag : NULL);
    else
        spa_http_reply(rq, r.status, r.content_type, r.body.data, r.body.len);
    spa_provd_response_free(&r);
}

static int tls_files(spa_provd_net *pn, const spa_provd_config *c, char *cert, char *key,
                     size_t n, spa_diags *d)
{
    struct stat sb;
    if (c->tls_cert[0]) {
        snprintf(cert, n, "%s", c->tls_cert);
        snprintf(key, n, "%s", c->tls_key[0] ? c->tls_key : c->tls_cert);
        return 0;
    }
    snprintf(cert, n, "%s/tls/server.crt", c->data_dir);
    snprintf(key, n, "%s/tls/server.key", c->data_dir);
    if (stat(cert, &sb) == 0 && stat(key, &sb) == 0)
        return 0;
    spa_provd_logf(pn->log, SPA_PROVD_LOG_NOTICE, "making a self-signed certificate %s", cert);
    return spa_tls_make_selfsigned(cert, key, SPA_TLS_KEY_EC_P256, d);
}

static int start_http(struct event_base *base, spa_provd_net *n, const spa_provd_config *c,
                      spa_diags *d)
{
    spa_http_server_opts o;
    int fd;
    if (n->l[L_HTTP].fd >= 0) {
        memset(&o, 0, sizeof o);
        o.max_body = (size_t)c->report_max;   /* larger POSTs get 413 */
        if ((fd = dup_fd(n, L_HTTP, d)) < 0)
            return -1;
        n->http = spa_http_server_adopt(base, fd, &o, http_handler, n, d);
        if (!n->http)
            return -1;
    }
    if (n->l[L_HTTPS].fd >= 0) {
        char cert[SPA_PROVD_STR + 32], key[SPA_PROVD_STR + 32];
        spa_tls_server_opts to;
        if (tls_files(n, c, cert, key, sizeof cert, d) < 0)
            return -1;
        memset(&to, 0, sizeof to);
        to.cert_file = cert;
        to.key_file = key;
        to.client_ca_file = c->client_ca[0] ? c->client_ca : NULL;
        to.require_client_cert = c->require_client_cert;
        to.legacy = c->tls_legacy;
        n->tls = spa_tls_server_ctx(&to, d);
        if (!n->tls)
            return -1;
        memset(&o, 0, sizeof o);
        o.tls = n->tls;
        o.max_body = (size_t)c->report_max;
        if ((fd = dup_fd(n, L_HTTPS, d)) < 0)
            return -1;
        n->https = spa_http_server_adopt(base, fd, &o, http_handler, (void *)((uintptr_t)n | 1u),
                                         d);
        if (!n->https)
            return -1;
    }
    return 0;
}

/* ---- syslog -------------------------------------------------------------- */

static void syslog_cb(void *arg, const spa_syslog_msg *m, const struct sockaddr *from,
                      socklen_t fromlen, const char *raw, size_t rawlen)
{
    spa_provd_net *n = arg;
    char mac[13] = "", peer[64];
    (void)fromlen;
    if (spa_syslog_msg_mac(m, mac) != 1)
        mac[0] = '\0';
    peer_text(from, peer, sizeof peer);
    spa_provd_syslog(n->p, mac, peer, raw, rawlen);
}

static int start_syslog(struct event_base *base, spa_provd_net *n, spa_diags *d)
{
    int fd = dup_fd(n, L_SYSLOG, d);
    if (fd < 0)
        return -1;
    n->syslog = spa_syslog_receiver_adopt(base, fd, 1, syslog_cb, n, d);
    return n->syslog ? 0 : -1;
}

/* ---- binding ------------------------------------------------------------- */

/* The address and port of listener i in c. */
static void listener_conf(const spa_provd_config *c, int i, const char **addr, uint16_t *port)
{
    switch (i) {
    case L_TFTP: *addr = c->tftp_address; *port = c->tftp_port; break;
    case L_HTTP: *addr = c->http_address; *port = c->http_port; break;
    case L_HTTPS: *addr = c->https_address; *port = c->https_port; break;
    default: *addr = c->syslog_address; *port = c->syslog_port; break;
    }
}

/* A socket of prev bound to the same type, address and port as l, or -1. */
static int find_prev(const spa_provd_net *prev, const listener *l)
{
    if (!prev)
        return -1;
    for (int i = 0; i < L_COUNT; i++)
        if (prev->l[i].fd >= 0 && prev->l[i].type == l->type && prev->l[i].len == l->len &&
            memcmp(&prev->l[i].addr, &l->addr, l->len) == 0)
            return prev->l[i].fd;
    return -1;
}

/* A new socket bound to l (listening for TCP); -1 with a diagnostic. */
static int bind_new(const listener *l, const char *name, const char *host, uint16_t port,
                    spa_diags *d)
{
    int one = 1;
    int fd = socket(l->addr.ss_family, l->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return spa_diag_error(d, "listen", "%s %s:%u: socket: %s", name, host, port,
                              strerror(errno));
    if (l->type == SOCK_STREAM)
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->addr.ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)&l->addr, l->len) < 0 ||
        (l->type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {   /* boot storms: the kernel cap */
        int e = errno;
        close(fd);
        return spa_diag_error(d, "listen", "%s %s:%u: cannot bind: %s%s", name, host, port,
                              strerror(e),
                              e == EACCES && port < 1024
                                  ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                                  : "");
    }
    return fd;
}

/* Bind (or take over from prev) listener i of c into n; 0 or -1. */
static int bind_one(spa_provd_net *n, const spa_provd_config *c, int i,
                    const spa_provd_net *prev, bool no_privileged, spa_diags *d)
{
    listener *l = &n->l[i];
    const char *host;
    uint16_t port;
    int fd;

    listener_conf(c, i, &host, &port);
    if (!port)
        return 0;
    l->type = (i == L_HTTP || i == L_HTTPS) ? SOCK_STREAM : SOCK_DGRAM;
    if (make_addr(host, port, &l->addr, &l->len, d) < 0)
        return -1;
    for (int k = 0; k < i; k++)
        if (n->l[k].fd >= 0 && n->l[k].type == l->type && n->l[k].len == l->len &&
            memcmp(&n->l[k].addr, &l->addr, l->len) == 0)
            return spa_diag_error(d, "listen", "%s and %s are both set to %s port %u",
                                  listener_names[k], listener_names[i], host, port);
    if ((fd = find_prev(prev, l)) >= 0) {
        l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (l->fd < 0)
            return spa_diag_error(d, "listen", "%s: cannot keep the socket: %s",
                                  listener_names[i], strerror(errno));
        return 0;
    }
    if (no_privileged && port < 1024)
        return spa_diag_error(d, "listen",
                              "%s_Port %u on %s: a new port below 1024 needs the privileges "
                              "spaprovd gave up at start-up; restart it to bind this port",
                              listener_names[i], port, host);
    l->fd = bind_new(l, listener_names[i], host, port, d);
    return l->fd < 0 ? -1 : 0;
}

spa_provd_net *spa_provd_net_bind(const spa_provd_config *c, const spa_provd_net *prev,
                                  bool no_privileged, spa_diags *d)
{
    spa_provd_net *n = calloc(1, sizeof *n);
    int rc = 0;
    if (!n) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    for (int i = 0; i < L_COUNT; i++)
        n->l[i].fd = -1;
    for (int i = 0; i < L_COUNT; i++)
        if (bind_one(n, c, i, prev, no_privileged, d) < 0)
            rc = -1;
    if (rc < 0) {
        spa_provd_net_stop(n);
        return NULL;
    }
    return n;
}

/* Free the servers, keep the sockets. */
static void stop_servers(spa_provd_net *n)
{
    spa_tftp_server_free(n->tftp);
    spa_http_server_free(n->http);
    spa_http_server_free(n->https);
    SSL_CTX_free(n->tls);
    spa_syslog_receiver_free(n->syslog);
    n->tftp = NULL;
    n->http = n->https = NULL;
    n->tls = NULL;
    n->syslog = NULL;
}

int spa_provd_net_serve(spa_provd_net *n, struct event_base *base, spa_provd *p,
                        const spa_provd_config *c, spa_provd_log *log, spa_diags *d)
{
    n->p = p;
    n->log = log;
    if ((n->l[L_TFTP].fd >= 0 && start_tftp(base, n, c, d) < 0) ||
        start_http(base, n, c, d) < 0 ||
        (n->l[L_SYSLOG].fd >= 0 && start_syslog(base, n, d) < 0)) {
        stop_servers(n);
        return -1;
    }
    return 0;
}

spa_provd_net *spa_provd_net_start(struct event_base *base, spa_provd *p, spa_diags *d)
{
    const spa_provd_config *c = spa_provd_get_config(p);
    spa_provd_net *n = spa_provd_net_bind(c, NULL, false, d);
    if (n && spa_provd_net_serve(n, base, p, c, NULL, d) < 0) {
        spa_provd_net_stop(n);
        return NULL;
    }
    return n;
}

void spa_provd_net_stop(spa_provd_net *n)
{
    if (!n)
        return;
    stop_servers(n);
    for (int i = 0; i < L_COUNT; i++)
        if (n->l[i].fd >= 0)
            close(n->l[i].fd);
    free(n);
}
