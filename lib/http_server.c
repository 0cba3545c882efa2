/* http_server.c — the provisioning server's HTTP/HTTPS front (see http.h): a
 * thin layer over evhttp, with TLS through evhttp_set_bevcb and
 * bufferevent_openssl so that the verified client certificate of the
 * connection can be handed to the request handler, plus ETag and Range
 * helpers for serving firmware images and profiles from memory. */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "spaprov/http.h"

struct spa_http_server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    SSL_CTX *tls;
    spa_http_handler fn;
    void *arg;
    uint16_t port;
};

struct spa_http_req {
    struct evhttp_request *ev;
    const char *method;
    char *path;          /* owned copy */
    const char *query;
    struct sockaddr_storage peer;
    int has_peer;
    char peer_text[INET6_ADDRSTRLEN];
    spa_cert_subject cert;
    X509 *x509;          /* borrowed from the SSL object */
    int has_cert;
    int replied;
};

/* ---- pure helpers ------------------------------------------------------------ */

void spa_http_etag(const void *data, size_t len, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t i;

    if (n < 19) {
        if (n)
            out[0] = '\0';
        return;
    }
    if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 8) {
        snprintf(out, n, "\"%016zx\"", len);
        return;
    }
    out[0] = '"';
    for (i = 0; i < 8; i++)
        snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
    out[17] = '"';
    out[18] = '\0';
}

/* Strip "W/" and surrounding blanks: s[*a..*b) becomes the opaque tag. */
static void etag_span(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
        (*a)++;
    while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
        (*b)--;
    if (*b - *a >= 2 && s[*a] == 'W' && s[*a + 1] == '/')
        *a += 2;
}

int spa_http_etag_match(const char *inm, const char *etag)
{
    size_t ea = 0, eb, i = 0, n;

    if (!inm || !etag)
        return 0;
    eb = strlen(etag);
    etag_span(etag, &ea, &eb);
    n = strlen(inm);
    while (i <= n) {
        size_t j = i, a, b;
        int inq = 0;
        while (j < n && (inq || inm[j] != ',')) {
            if (inm[j] == '"')
                inq = !inq;
            j++;
        }
        a = i;
        b = j;
        etag_span(inm, &a, &b);
        if (b - a == 1 && inm[a] == '*')
            return 1;
        if (b - a == eb - ea && b > a && memcmp(inm + a, etag + ea, b - a) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

static int range_num(const char *s, size_t a, size_t b, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;

    if (a >= b || b - a > 19)
        return -1;
    for (i = a; i < b; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

spa_range_result spa_http_range(const char *hdr, uint64_t total, uint64_t *first, uint64_t *last)
{
    size_t n, a, dash, b;
    uint64_t x, y;

    if (!hdr)
        return SPA_RANGE_NONE;
    while (*hdr == ' ' || *hdr == '\t')
        hdr++;
    if (strncasecmp(hdr, "bytes=", 6) != 0)
        return SPA_RANGE_NONE;
    hdr += 6;
    n = strlen(hdr);
    while (n > 0 && (hdr[n - 1] == ' ' || hdr[n - 1] == '\t'))
        n--;
    if (memchr(hdr, ',', n))
        return SPA_RANGE_NONE; /* several ranges: serve it all */
    for (a = 0; a < n && (hdr[a] == ' ' || hdr[a] == '\t'); a++)
        ;
    for (dash = a; dash < n && hdr[dash] != '-'; dash++)
        ;
    if (dash >= n)
        return SPA_RANGE_NONE;
    b = n;
    if (dash == a) { /* suffix: last y bytes */
        if (range_num(hdr, dash + 1, b, &y) < 0)
            return SPA_RANGE_NONE;
        if (y == 0 || total == 0)
            return SPA_RANGE_UNSATISFIABLE;
        *first = y >= total ? 0 : total - y;
        *last = total - 1;
        return SPA_RANGE_OK;
    }
    if (range_num(hdr, a, dash, &x) < 0)
        return SPA_RANGE_NONE;
    if (dash + 1 == b) {
        y = UINT64_MAX;
    } else if (range_num(hdr, dash + 1, b, &y) < 0 || y < x) {
        return SPA_RANGE_NONE;
    }
    if (x >= total)
        return SPA_RANGE_UNSATISFIABLE;
    *first = x;
    *last = y >= total ? total - 1 : y;
    return SPA_RANGE_OK;
}

/* ---- requests ----------------------------------------------------------------- */

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error"
                                                                                  : "Server Error";
    }
}

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    default: return "OTHER";
    }
}

const char *spa_http_req_method(const spa_http_req *r) { return r->method; }
const char *spa_http_req_path(const spa_http_req *r) { return r->path; }
const char *spa_http_req_query(const spa_http_req *r) { return r->query; }

const char *spa_http_req_header(const spa_http_req *r, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

const struct sockaddr *spa_http_req_peer(const spa_http_req *r)
{
    return r->has_peer ? (const struct sockaddr *)&r->peer : NULL;
}

const char *spa_http_req_peer_text(const spa_http_req *r) { return r->peer_text; }

const spa_cert_subject *spa_http_req_client_cert(const spa_http_req *r)
{
    return r->has_cert ? &r->cert : NULL;
}

X509 *spa_http_req_peer_x509(const spa_http_req *r) { return r->x509; }

const void *spa_http_req_body(const spa_http_req *r, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t n = in ? evbuffer_get_length(in) : 0;

    *len = n;
    if (n == 0)
        return "";
    return evbuffer_pullup(in, (ev_ssize_t)n);
}

static int token_ok(const char *s, int value)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r' || c == '\n' || c == 0x7f || (c < 0x20 && c != '\t') ||
            (!value && (c <= 0x20 || c == ':')))
            return 0;
    }
    return 1;
}

int spa_http_reply_header(spa_http_req *r, const char *name, const char *value)
{
    if (!name || !*name || !value || !token_ok(name, 0) || !token_ok(value, 1))
        return -1;
    return evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value) == 0 ? 0 : -1;
}

void spa_http_reply(spa_http_req *r, int status, const char *content_type, const void *body,
                    size_t len)
{
    struct evbuffer *out;

    if (r->replied)
        return;
    r->replied = 1;
    out = evbuffer_new();
    if (content_type && token_ok(content_type, 1))
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Type", content_type);
    if (strcmp(r->method, "HEAD") == 0 && len) {
        char cl[32];
        snprintf(cl, sizeof cl, "%zu", len);
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Length", cl);
    } else if (out && body && len) {
        evbuffer_add(out, body, len);
    }
    evhttp_send_reply(r->ev, status, status_text(status), out);
    if (out)
        evbuffer_free(out);
}

void spa_http_reply_resource(spa_http_req *r, const char *content_type, const void *data,
                             size_t len, const char *etag)
{
    char tag[128], cr[96];
    const char *inm = spa_http_req_header(r, "If-None-Match");
    const char *range = spa_http_req_header(r, "Range");
    const char *ifr = spa_http_req_header(r, "If-Range");
    uint64_t first = 0, last = 0;
    spa_range_result rr;

    if (etag && token_ok(etag, 1) && strlen(etag) < sizeof tag)
        snprintf(tag, sizeof tag, "%s", etag);
    else
        spa_http_etag(data, len, tag, sizeof tag);
    spa_http_reply_header(r, "ETag", tag);
    spa_http_reply_header(r, "Accept-Ranges", "bytes");
    if (inm && spa_http_etag_match(inm, tag)) {
        spa_http_reply(r, 304, NULL, NULL, 0);
        return;
    }
    rr = (range && strcmp(r->method, "GET") == 0 && (!ifr || strcmp(ifr, tag) == 0))
             ? spa_http_range(range, len, &first, &last)
             : SPA_RANGE_NONE;
    if (rr == SPA_RANGE_UNSATISFIABLE) {
        snprintf(cr, sizeof cr, "bytes */%zu", len);
        spa_http_reply_header(r, "Content-Range", cr);
        spa_http_reply(r, 416, NULL, NULL, 0);
        return;
    }
    if (rr == SPA_RANGE_OK) {
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%zu", first, last, len);
        spa_http_reply_header(r, "Content-Range", cr);
        spa_http_reply(r, 206, content_type, (const char *)data + first, (size_t)(last - first + 1));
        return;
    }
    spa_http_reply(r, 200, content_type, data, len);
}

/* ---- server -------------------------------------------------------------------- */

static void req_fill_peer(spa_http_req *r, struct evhttp_connection *evcon)
{
    const struct sockaddr *sa = evcon ? evhttp_connection_get_addr(evcon) : NULL;
    const void *a = NULL;

    snprintf(r->peer_text, sizeof r->peer_text, "-");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        memcpy(&r->peer, sa, sizeof(struct sockaddr_in));
        a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(&r->peer, sa, sizeof(struct sockaddr_in6));
        a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    } else {
        return;
    }
    r->has_peer = 1;
    inet_ntop(sa->sa_family, a, r->peer_text, sizeof r->peer_text);
}

static void req_fill_cert(spa_http_req *r, struct evhttp_connection *evcon)
{
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    X509 *cert;

    if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK)
        return;
    cert = SSL_get0_peer_certificate(ssl);
    r->x509 = cert;
    if (cert && spa_tls_subject(cert, &r->cert) == 0)
        r->has_cert = 1;
}

static void server_gencb(struct evhttp_request *ev, void *arg)
{
    spa_http_server *s = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    spa_http_req r;

    memset(&r, 0, sizeof r);
    r.ev = ev;
    r.method = method_name(evhttp_request_get_command(ev));
    if (!path || !(r.path = strdup(*path ? path : "/"))) {
        spa_http_reply(&r, 400, "text/plain", "bad request target\n", 19);
        return;
    }
    r.query = evhttp_uri_get_query(uri);
    req_fill_peer(&r, evcon);
    req_fill_cert(&r, evcon);
    s->fn(&r, s->arg);
    if (!r.replied)
        spa_http_reply(&r, 500, "text/plain", "no reply\n", 9);
    free(r.path);
}

static struct bufferevent *server_bevcb(struct event_base *base, void *arg)
{
    spa_http_server *s = arg;
    SSL *ssl = SSL_new(s->tls);

    if (!ssl)
        return NULL;
    return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

/* A server without a socket yet; NULL with a diagnostic. */
static spa_http_server *server_setup(struct event_base *base, const spa_http_server_opts *o,
                                     spa_http_handler fn, void *arg, spa_diags *d)
{
    spa_http_server *s;

    if (!base || !fn) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "http", "server needs a base and a handler");
        return NULL;
    }
    if (!(s = calloc(1, sizeof *s)) || !(s->http = evhttp_new(base))) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "http", "out of memory");
        free(s);
        return NULL;
    }
    s->base = base;
    s->fn = fn;
    s->arg = arg;
    s->tls = o ? o->tls : NULL;
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_max_body_size(s->http, (ev_ssize_t)(o && o->max_body ? o->max_body : (1u << 20)));
    evhttp_set_max_headers_size(s->http, 64 * 1024);
    evhttp_set_timeout(s->http, o && o->timeout_s ? (int)o->timeout_s : 30);
    evhttp_set_default_content_type(s->http, NULL);
    evhttp_set_gencb(s->http, server_gencb, s);
    if (s->tls)
        evhttp_set_bevcb(s->http, server_bevcb, s);
    return s;
}

/* Record the bound port of s's socket. */
static void server_note_port(spa_http_server *s)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(evhttp_bound_socket_get_fd(s->sock), (struct sockaddr *)&ss, &sl) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)(void *)&ss)->sin6_port
                            : ((struct sockaddr_in *)(void *)&ss)->sin_port);
}

spa_http_server *spa_http_server_new(struct event_base *base, const spa_http_server_opts *o,
                                     spa_http_handler fn, void *arg, spa_diags *d)
{
    const char *addr = o && o->address ? o->address : "127.0.0.1";
    spa_http_server *s = server_setup(base, o, fn, arg, d);

    if (!s)
        return NULL;
    s->sock = evhttp_bind_socket_with_handle(s->http, addr, o ? o->port : 0);
    if (!s->sock) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "http", "cannot listen on %s port %u",
                     addr, o ? (unsigned)o->port : 0u);
        spa_http_server_free(s);
        return NULL;
    }
    server_note_port(s);
    return s;
}

spa_http_server *spa_http_server_adopt(struct event_base *base, int fd,
                                       const spa_http_server_opts *o, spa_http_handler fn,
                                       void *arg, spa_diags *d)
{
    spa_http_server *s = fd >= 0 ? server_setup(base, o, fn, arg, d) : NULL;

    if (!s) {
        if (fd >= 0)
            evutil_closesocket(fd);
        else
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "http", "no socket to serve on");
        return NULL;
    }
    s->sock = evhttp_accept_socket_with_handle(s->http, fd);
    if (!s->sock) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "http", "cannot serve on socket %d",
                     (int)fd);
        evutil_closesocket(fd);
        spa_http_server_free(s);
        return NULL;
    }
    server_note_port(s);
    return s;
}

uint16_t spa_http_server_port(const spa_http_server *s) { return s ? s->port : 0; }

void spa_http_server_free(spa_http_server *s)
{
    if (!s)
        return;
    if (s->http)
        evhttp_free(s->http);
    free(s);
}
