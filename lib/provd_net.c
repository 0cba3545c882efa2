/* provd_net.c — spaprovd's listeners on one libevent loop: TFTP (RRQ
 * answered synchronously from spa_provd_handle, WRQ into data_dir/reports
 * with a size cap), HTTP and HTTPS (client certificates verified against
 * Client_CA when configured), and the syslog collector. Kept out of the
 * tool so that spaprovd.c is argument parsing and wiring only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spaprov/http.h"
#include "spaprov/provd.h"
#include "spaprov/syslog.h"
#include "spaprov/tftp.h"

struct spa_provd_net {
    spa_provd *p;
    spa_tftp_server *tftp;
    spa_http_server *http, *https;
    SSL_CTX *tls;
    spa_syslog_receiver *syslog;
};

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
        fprintf(stderr, "spaprovd: tftp upload %s not saved (exists or unwritable)\n", req->path);
        return;
    }
    if (fwrite(data, 1, len, f) != len)
        fprintf(stderr, "spaprovd: tftp upload %s: short write\n", req->path);
    fclose(f);
}

static void tftp_log(void *arg, int level, const struct sockaddr *peer, const char *msg)
{
    spa_provd_net *n = arg;
    char p[64];
    peer_text(peer, p, sizeof p);
    if (level == SPA_TFTP_LOG_SECURITY)
        spa_provd_security(n->p, "tftp", p, msg);
    fprintf(stderr, "spaprovd: tftp %s%s: %s\n", level == SPA_TFTP_LOG_SECURITY ? "security " : "",
            p, msg);
}

static int start_tftp(struct event_base *base, spa_provd_net *n, const spa_provd_config *c,
                      spa_diags *d)
{
    struct sockaddr_storage ss;
    socklen_t len;
    spa_tftp_err err;
    spa_tftp_server_config tc;

    if (make_addr(c->tftp_address, c->tftp_port, &ss, &len, d) < 0)
        return -1;
    memset(&tc, 0, sizeof tc);
    tc.limits.blksize_max = c->tftp_blksize_max;
    tc.limits.wrq_max = c->wrq_max;
    tc.rate_per_sec = c->tftp_rate;
    tc.read = tftp_read;
    tc.write_open = tftp_write_open;
    tc.write_done = tftp_write_done;
    tc.log = tftp_log;
    tc.arg = n;
    memset(&err, 0, sizeof err);
    n->tftp = spa_tftp_server_new(base, (struct sockaddr *)&ss, len, &tc, &err);
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
    if (r.status == 200)
        spa_http_reply_resource(rq, r.content_type, r.body.data, r.body.len,
                                r.etag[0] ? r.etag : NULL);
    else
        spa_http_reply(rq, r.status, r.content_type, r.body.data, r.body.len);
    spa_provd_response_free(&r);
}

static int tls_files(const spa_provd_config *c, char *cert, char *key, size_t n, spa_diags *d)
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
    fprintf(stderr, "spaprovd: making a self-signed certificate %s\n", cert);
    return spa_tls_make_selfsigned(cert, key, SPA_TLS_KEY_EC_P256, d);
}

static int start_http(struct event_base *base, spa_provd_net *n, const spa_provd_config *c,
                      spa_diags *d)
{
    spa_http_server_opts o;
    if (c->http_port) {
        memset(&o, 0, sizeof o);
        o.address = c->http_address;
        o.port = c->http_port;
        o.max_body = (size_t)c->report_max;   /* larger POSTs get 413 */
        n->http = spa_http_server_new(base, &o, http_handler, n, d);
        if (!n->http)
            return -1;
    }
    if (c->https_port) {
        char cert[SPA_PROVD_STR + 32], key[SPA_PROVD_STR + 32];
        spa_tls_server_opts to;
        if (tls_files(c, cert, key, sizeof cert, d) < 0)
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
        o.address = c->https_address;
        o.port = c->https_port;
        o.tls = n->tls;
        o.max_body = (size_t)c->report_max;
        n->https = spa_http_server_new(base, &o, http_handler, (void *)((uintptr_t)n | 1u), d);
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

static int start_syslog(struct event_base *base, spa_provd_net *n, const spa_provd_config *c,
                        spa_diags *d)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (make_addr(c->syslog_address, c->syslog_port, &ss, &len, d) < 0)
        return -1;
    n->syslog = spa_syslog_receiver_new(base, (struct sockaddr *)&ss, len, 1, syslog_cb, n, d);
    return n->syslog ? 0 : -1;
}

spa_provd_net *spa_provd_net_start(struct event_base *base, spa_provd *p, spa_diags *d)
{
    const spa_provd_config *c = spa_provd_get_config(p);
    spa_provd_net *n = calloc(1, sizeof *n);
    if (!n) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    n->p = p;
    if ((c->tftp_port && start_tftp(base, n, c, d) < 0) || start_http(base, n, c, d) < 0 ||
        (c->syslog_port && start_syslog(base, n, c, d) < 0)) {
        spa_provd_net_stop(n);
        return NULL;
    }
    return n;
}

void spa_provd_net_stop(spa_provd_net *n)
{
    if (!n)
        return;
    spa_tftp_server_free(n->tftp);
    spa_http_server_free(n->http);
    spa_http_server_free(n->https);
    SSL_CTX_free(n->tls);
    spa_syslog_receiver_free(n->syslog);
    free(n);
}
