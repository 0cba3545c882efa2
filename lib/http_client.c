/* http_client.c — the device side of HTTP/HTTPS (see http.h): an async
 * one-request-per-connection client on bufferevents that resolves a name
 * (IP literal, caller's list, hosts file or evdns), tries each address in
 * order until one accepts, verifies an HTTPS server by the guide's rules
 * (chain, CN "FQDN[/anything]", peer IP among the name's addresses), and
 * reads a Content-Length, chunked or read-until-close response under a size
 * cap and a deadline. Written on bufferevents rather than evhttp's client so
 * that each step can report the error kind an SPA would log. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>

#include "spaprov/http.h"

#define HTTP_LINE_MAX 8192u
#define HTTP_HEADERS_MAX 100u

/* ---- hosts file ---------------------------------------------------------- */

typedef struct hosts_entry {
    char *name;
    struct sockaddr_storage addr;
} hosts_entry;

struct spa_hosts {
    hosts_entry *v;
    size_t n, cap;
};

static int addr_from_text(const char *s, struct sockaddr_storage *ss)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;

    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        return 0;
    }
    return -1;
}

static void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                     : (socklen_t)sizeof(struct sockaddr_in);
}

static int hosts_add(spa_hosts *h, const char *name, const struct sockaddr_storage *a)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 16;
        hosts_entry *nv = realloc(h->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        h->v = nv;
        h->cap = nc;
    }
    if (!(h->v[h->n].name = strdup(name)))
        return -1;
    h->v[h->n].addr = *a;
    h->n++;
    return 0;
}

/* One hosts line (NUL-terminated, comment stripped). */
static int hosts_line(spa_hosts *h, char *line, const char *file, unsigned lineno, spa_diags *d)
{
    char *save = NULL, *tok = strtok_r(line, " \t\r", &save);
    struct sockaddr_storage a;
    int names = 0;

    if (!tok)
        return 0;
    if (addr_from_text(tok, &a) < 0) {
        spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 1, "hosts-address",
                     "'%.64s' is not an IP address; line ignored", tok);
        return 0;
    }
    while ((tok = strtok_r(NULL, " \t\r", &save)) != NULL) {
        if (strlen(tok) > 253) {
            spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 0, "hosts-name", "name too long");
            continue;
        }
        if (hosts_add(h, tok, &a) < 0)
            return -1;
        names++;
    }
    if (!names)
        spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 0, "hosts-name", "address without a name");
    return 0;
}

spa_hosts *spa_hosts_parse(const char *text, size_t len, const char *file, spa_diags *d)
{
    spa_hosts *h = calloc(1, sizeof *h);
    size_t i = 0;
    unsigned lineno = 0;

    if (!h)
        return NULL;
    while (i < len) {
        size_t e = i, l;
        char line[1024], *hash;

        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        l = e - i;
        if (l >= sizeof line) {
            spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 0, "hosts-line", "line too long; ignored");
        } else {
            memcpy(line, text + i, l);
            line[l] = '\0';
            if (memchr(line, '\0', l)) {
                spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 0, "hosts-line", "NUL byte; ignored");
            } else {
                if ((hash = strchr(line, '#')) != NULL)
                    *hash = '\0';
                if (hosts_line(h, line, file, lineno, d) < 0) {
                    spa_hosts_free(h);
                    return NULL;
                }
            }
        }
        i = e + 1;
    }
    return h;
}

spa_hosts *spa_hosts_load(const char *path, spa_diags *d)
{
    FILE *f = fopen(path, "r");
    spa_buf b;
    char chunk[4096];
    size_t n;
    spa_hosts *h;

    if (!f) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "hosts", "cannot open: %s", strerror(errno));
        return NULL;
    }
    spa_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (spa_buf_append(&b, chunk, n) < 0 || b.len > (1u << 20)) {
            spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "hosts", "file too large");
            fclose(f);
            spa_buf_free(&b);
            return NULL;
        }
    }
    fclose(f);
    h = spa_hosts_parse(b.data ? b.data : "", b.len, path, d);
    spa_buf_free(&b);
    return h;
}

size_t spa_hosts_lookup(const spa_hosts *h, const char *name, uint16_t port,
                        struct sockaddr_storage *out, size_t max)
{
    size_t i, k = 0;

    if (!h || !name)
        return 0;
    for (i = 0; i < h->n && k < max; i++) {
        if (strcasecmp(h->v[i].name, name) == 0) {
            out[k] = h->v[i].addr;
            addr_set_port(&out[k], port);
            k++;
        }
    }
    return k;
}

void spa_hosts_free(spa_hosts *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < h->n; i++)
        free(h->v[i].name);
    free(h->v);
    free(h);
}

/* ---- URLs ----------------------------------------------------------------- */

static int url_fail(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return -1;
}

int spa_http_url_parse(const char *url, spa_http_url *u, char *why, size_t n)
{
    const char *p, *host, *hend, *pstart;
    size_t hl;

    memset(u, 0, sizeof *u);
    if (!url)
        return url_fail(why, n, "no URL");
    if (strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
        u->https = 1;
    } else {
        return url_fail(why, n, "scheme must be http or https");
    }
    u->port = u->https ? 443 : 80;
    host = p;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend)
            return url_fail(why, n, "unterminated [IPv6] host");
        host = p + 1;
        hl = (size_t)(hend - host);
        p = hend + 1;
    } else {
        while (*p && *p != ':' && *p != '/' && *p != '?')
            p++;
        hl = (size_t)(p - host);
    }
    if (hl == 0 || hl >= sizeof u->host)
        return url_fail(why, n, "empty or over-long host");
    memcpy(u->host, host, hl);
    u->host[hl] = '\0';
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)u->host[i];
        if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c != ':')
            return url_fail(why, n, "invalid character in host");
    }
    if (*p == ':') {
        unsigned long port = 0;
        pstart = ++p;
        while (isdigit((unsigned char)*p) && port <= 65535)
            port = port * 10 + (unsigned long)(*p++ - '0');
        if (p == pstart || port == 0 || port > 65535)
            return url_fail(why, n, "bad port");
        u->port = (uint16_t)port;
    }
    if (*p && *p != '/' && *p != '?')
        return url_fail(why, n, "garbage after host");
    if (*p == '?')
        snprintf(u->target, sizeof u->target, "/");
    if (strlen(p) + 2 > sizeof u->target)
        return url_fail(why, n, "path too long");
    strcat(u->target, *p ? p : "/");
    for (p = u->target; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return url_fail(why, n, "space or control character in path");
    return 0;
}

/* ---- client ------------------------------------------------------------------ */

const char *spa_http_error_name(spa_http_error e)
{
    switch (e) {
    case SPA_HTTP_OK: return "ok";
    case SPA_HTTP_EURL: return "url";
    case SPA_HTTP_EDNS: return "dns";
    case SPA_HTTP_ECONNECT: return "connect";
    case SPA_HTTP_ETIMEOUT: return "timeout";
    case SPA_HTTP_ETLS: return "tls";
    case SPA_HTTP_ERESET: return "reset";
    case SPA_HTTP_ETOOLARGE: return "too-large";
    case SPA_HTTP_EPROTO: return "protocol";
    case SPA_HTTP_ENOMEM: return "nomem";
    }
    return "unknown";
}

typedef enum {
    ST_RESOLVE, ST_CONNECT, ST_STATUS, ST_HEADERS, ST_BODY_LEN, ST_CHUNK_SIZE,
    ST_CHUNK_DATA, ST_CHUNK_CRLF, ST_TRAILER, ST_BODY_CLOSE, ST_FINISHED
} client_state;

struct spa_http_client {
    struct event_base *base;
    spa_http_done_fn done;
    void *arg;
    spa_http_url url;
    int head;                      /* HEAD: no body whatever the headers say */
    spa_buf request;               /* the bytes to send */
    SSL_CTX *tls;
    int no_checks;
    struct sockaddr_storage addrs[SPA_HOSTS_MAX_ADDRS];
    size_t naddrs, cur;
    const spa_hosts *hosts;        /* for the CN name of an IP-literal host */
    size_t (*resolve_name)(void *, const char *, struct sockaddr_storage *, size_t);
    void *resolve_ctx;
    struct evdns_base *dns, *dns_own;
    struct evdns_getaddrinfo_request *dnsreq;
    int in_dns;
    struct bufferevent *bev;
    struct event *deadline, *kick;
    struct timeval connect_tv;
    size_t max_body;
    client_state st;
    int cancelled, reported;
    int in_done;                   /* inside done(): the kick frees afterwards */
    uint64_t remaining;            /* Content-Length or chunk bytes left */
    int has_len, chunked;
    unsigned nheaders;
    size_t header_bytes;
    spa_http_result res;
};

static void client_connect_next(spa_http_client *c);

static void client_free(spa_http_client *c)
{
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->deadline)
        event_free(c->deadline);
    if (c->kick)
        event_free(c->kick);
    if (c->dns_own)
        evdns_base_free(c->dns_own, 0);
    spa_buf_free(&c->request);
    spa_buf_free(&c->res.body);
    free(c);
}

/* Record the outcome (first one wins), drop the connection, and let the
 * kick event report and free from a clean point in the loop. */
static void client_finish(spa_http_client *c, spa_http_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void client_finish(spa_http_client *c, spa_http_error e, const char *fmt, ...)
{
    va_list ap;

    if (c->st == ST_FINISHED)
        return;
    c->st = ST_FINISHED;
    c->res.error = e;
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(c->res.detail, sizeof c->res.detail, fmt, ap);
        va_end(ap);
    }
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    if (c->deadline)
        event_del(c->deadline);
    if (c->dnsreq)
        evdns_getaddrinfo_cancel(c->dnsreq); /* its callback comes later */
    event_active(c->kick, EV_TIMEOUT, 1);
}

static void client_kick_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_http_client *c = arg;
    (void)fd;
    (void)what;

    if (c->st != ST_FINISHED)
        return;
    if (c->dnsreq)
        return; /* wait for the cancelled lookup to come back */
    if (!c->reported && !c->cancelled) {
        c->reported = 1;
        c->in_done = 1;
        c->done(&c->res, c->arg);
    }
    client_free(c);
}

static void client_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_http_client *c = arg;
    (void)fd;
    (void)what;
    client_finish(c, SPA_HTTP_ETIMEOUT, "no complete response before the deadline");
}

/* ---- response parsing ---- */

static int parse_status(spa_http_client *c, const char *line)
{
    int major, minor, status, off = 0;

    if (sscanf(line, "HTTP/%1d.%1d %3d%n", &major, &minor, &status, &off) != 3 || major != 1 ||
        status < 100 || status > 599 || (line[off] != '\0' && line[off] != ' '))
        return -1;
    c->res.status = status;
    return 0;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
    uint64_t v = 0;
    int any = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s; s++) {
        int dv;
        if (isdigit((unsigned char)*s))
            dv = *s - '0';
        else if (base == 16 && isxdigit((unsigned char)*s))
            dv = tolower((unsigned char)*s) - 'a' + 10;
        else
            break;
        if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
            return -1;
        v = v * (uint64_t)base + (uint64_t)dv;
        any = 1;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (!any || (*s && !(base == 16 && *s == ';')))
        return -1;
    *out = v;
    return 0;
}

static void copy_value(char *dst, size_t n, const char *v)
{
    size_t l = strlen(v);
    if (l >= n)
        l = n - 1;
    memcpy(dst, v, l);
    dst[l] = '\0';
}

static int parse_header(spa_http_client *c, char *line)
{
    char *colon = strchr(line, ':'), *v;
    uint64_t len;

    if (!colon || colon == line)
        return -1;
    *colon = '\0';
    for (v = line; *v; v++)
        if ((unsigned char)*v <= 0x20 || *v == 0x7f)
            return -1;
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strcasecmp(line, "Content-Length") == 0) {
        if (parse_u64(v, 10, &len) < 0 || (c->has_len && len != c->remaining))
            return -1;
        c->has_len = 1;
        c->remaining = len;
    } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
        size_t l = strlen(v);
        while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
            l--;
        if (l >= 7 && strncasecmp(v + l - 7, "chunked", 7) == 0)
            c->chunked = 1;
        else
            return -1; /* other codings are not understood */
    } else if (strcasecmp(line, "Content-Type") == 0) {
        copy_value(c->res.content_type, sizeof c->res.content_type, v);
    } else if (strcasecmp(line, "ETag") == 0) {
        copy_value(c->res.etag, sizeof c->res.etag, v);
    }
    return 0;
}

/* After the blank line: choose how the body is delimited. */
static void headers_done(spa_http_client *c)
{
    int st = c->res.status;

    if (st >= 100 && st < 200) { /* interim response: read the real one */
        c->st = ST_STATUS;
        c->has_len = c->chunked = 0;
        c->nheaders = 0;
        c->res.status = 0;
        return;
    }
    if (c->head || st == 204 || st == 304) {
        client_finish(c, SPA_HTTP_OK, NULL);
        return;
    }
    if (c->chunked) {
        c->has_len = 0;
        c->st = ST_CHUNK_SIZE;
    } else if (c->has_len) {
        if (c->remaining > c->max_body) {
            client_finish(c, SPA_HTTP_ETOOLARGE, "Content-Length %" PRIu64 " over the %zu-byte cap",
                          c->remaining, c->max_body);
            return;
        }
        c->st = ST_BODY_LEN;
        if (c->remaining == 0)
            client_finish(c, SPA_HTTP_OK, NULL);
    } else {
        c->st = ST_BODY_CLOSE;
    }
}

static int body_take(spa_http_client *c, struct evbuffer *in, size_t want)
{
    size_t have = evbuffer_get_length(in);
    size_t n = want < have ? want : have;

    if (c->res.body.len + n > c->max_body) {
        client_finish(c, SPA_HTTP_ETOOLARGE, "body over the %zu-byte cap", c->max_body);
        return -1;
    }
    if (spa_buf_reserve(&c->res.body, n) < 0) {
        client_finish(c, SPA_HTTP_ENOMEM, "out of memory");
        return -1;
    }
    evbuffer_remove(in, c->res.body.data + c->res.body.len, n);
    c->res.body.len += n;
    c->res.body.data[c->res.body.len] = '\0';
    return (int)(n > 0);
}

/* Read one CRLF (or LF) line; 1 with *line (free it), 0 need more, -1 error. */
static int read_line(spa_http_client *c, struct evbuffer *in, char **line)
{
    size_t n;

    *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
    if (*line) {
        c->header_bytes += n + 2;
        if (n > HTTP_LINE_MAX || c->header_bytes > 64u * HTTP_LINE_MAX ||
            memchr(*line, '\0', n)) {
            free(*line);
            *line = NULL;
            client_finish(c, SPA_HTTP_EPROTO, "over-long or binary header line");
            return -1;
        }
        return 1;
    }
    if (evbuffer_get_length(in) > HTTP_LINE_MAX) {
        client_finish(c, SPA_HTTP_EPROTO, "over-long header line");
        return -1;
    }
    return 0;
}

/* One line-oriented step (status, header, chunk size, chunk CRLF, trailer). */
static int parse_line_state(spa_http_client *c, struct evbuffer *in)
{
    char *line;
    int r = read_line(c, in, &line);

    if (r <= 0)
        return r;
    switch (c->st) {
    case ST_STATUS:
        if (parse_status(c, line) < 0)
            client_finish(c, SPA_HTTP_EPROTO, "bad status line");
        else
            c->st = ST_HEADERS;
        break;
    case ST_HEADERS:
        if (line[0] == '\0')
            headers_done(c);
        else if (++c->nheaders > HTTP_HEADERS_MAX || parse_header(c, line) < 0)
            client_finish(c, SPA_HTTP_EPROTO, "bad or too many header lines");
        break;
    case ST_CHUNK_SIZE:
        if (parse_u64(line, 16, &c->remaining) < 0)
            client_finish(c, SPA_HTTP_EPROTO, "bad chunk size");
        else if (c->remaining > (uint64_t)(c->max_body - c->res.body.len))
            client_finish(c, SPA_HTTP_ETOOLARGE, "body over the %zu-byte cap", c->max_body);
        else
            c->st = c->remaining ? ST_CHUNK_DATA : ST_TRAILER;
        break;
    case ST_CHUNK_CRLF:
        if (line[0] != '\0')
            client_finish(c, SPA_HTTP_EPROTO, "chunk not followed by CRLF");
        else
            c->st = ST_CHUNK_SIZE;
        break;
    default: /* ST_TRAILER: ignore trailer fields up to the blank line */
        if (line[0] == '\0')
            client_finish(c, SPA_HTTP_OK, NULL);
        break;
    }
    free(line);
    return 1;
}

/* Advance the parser as far as the buffered bytes allow. */
static void client_parse(spa_http_client *c, struct evbuffer *in)
{
    for (;;) {
        size_t before = c->res.body.len;

        switch (c->st) {
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
            if (body_take(c, in, c->remaining > SIZE_MAX ? SIZE_MAX : (size_t)c->remaining) <= 0)
                return;
            c->remaining -= (uint64_t)(c->res.body.len - before);
            if (c->remaining == 0) {
                if (c->st == ST_BODY_LEN) {
                    client_finish(c, SPA_HTTP_OK, NULL);
                    return;
                }
                c->st = ST_CHUNK_CRLF;
            }
            break;
        case ST_BODY_CLOSE:
            body_take(c, in, evbuffer_get_length(in));
            return;
        case ST_STATUS:
        case ST_HEADERS:
        case ST_CHUNK_SIZE:
        case ST_CHUNK_CRLF:
        case ST_TRAILER:
            if (parse_line_state(c, in) <= 0)
                return;
            break;
        default:
            return;
        }
    }
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
    client_parse(arg, bufferevent_get_input(bev));
}

/* ---- connecting ---- */

static int tcp_connected(struct bufferevent *bev)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    evutil_socket_t fd = bufferevent_getfd(bev);

    return fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;
}

static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t n)
{
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)n))
        snprintf(buf, n, "?");
    return buf;
}

/* Addresses of name for the CN rule of an IP-literal host: the caller's
 * resolver, else the hosts table, else the system resolver. */
static size_t client_resolve_cn(spa_http_client *c, const char *name,
                                struct sockaddr_storage *out, size_t max)
{
    struct addrinfo hints, *res = NULL;
    size_t k = 0;
    if (c->resolve_name)
        return c->resolve_name(c->resolve_ctx, name, out, max);
    if (c->hosts && (k = spa_hosts_lookup(c->hosts, name, 0, out, max)) > 0)
        return k;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) != 0)
        return 0;
    for (struct addrinfo *ai = res; ai && k < max; ai = ai->ai_next) {
        if (ai->ai_addrlen <= sizeof out[k]) {
            memset(&out[k], 0, sizeof out[k]);
            memcpy(&out[k++], ai->ai_addr, ai->ai_addrlen);
        }
    }
    freeaddrinfo(res);
    return k;
}

/* An IP-literal host whose certificate CN names a host instead: accepted
 * when peer is one of that name's addresses. 1 accepted, 0 not. */
static int client_cn_resolves_to_peer(spa_http_client *c, X509 *cert,
                                      const struct sockaddr *peer)
{
    struct sockaddr_storage a[SPA_HOSTS_MAX_ADDRS];
    char name[256];
    size_t n;
    if (addr_from_text(c->url.host, &a[0]) != 0 || spa_tls_cn_name(cert, name, sizeof name) < 0)
        return 0;
    n = client_resolve_cn(c, name, a, SPA_HOSTS_MAX_ADDRS);
    return n > 0 && spa_tls_check_peer_ip(peer, a, n);
}

/* The guide's checks once the chain has been verified by OpenSSL. */
static int client_check_server(spa_http_client *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    X509 *cert;
    char why[200], ip[64];
    struct sockaddr_storage peer;
    socklen_t sl = sizeof peer;
    long vr;

    if (!ssl)
        return 0;
    vr = SSL_get_verify_result(ssl);
    if (vr != X509_V_OK) {
        c->res.tls_verify = SPA_TLS_VERIFY_CHAIN;
        client_finish(c, SPA_HTTP_ETLS, "server chain: %s", X509_verify_cert_error_string(vr));
        return -1;
    }
    if (c->no_checks)
        return 0;
    cert = SSL_get1_peer_certificate(ssl);
    if (getpeername(bufferevent_getfd(c->bev), (struct sockaddr *)&peer, &sl) != 0)
        memset(&peer, 0, sizeof peer);
    if (!spa_tls_check_cn(cert, c->url.host, why, sizeof why)) {
        int by_name = client_cn_resolves_to_peer(c, cert, (struct sockaddr *)&peer);
        X509_free(cert);
        if (by_name)
            return 0;   /* IP-literal URL: the CN's name resolves to this server */
        c->res.tls_verify = SPA_TLS_VERIFY_CN;
        client_finish(c, SPA_HTTP_ETLS, "server certificate %s does not name %s", why, c->url.host);
        return -1;
    }
    X509_free(cert);
    if (!spa_tls_check_peer_ip((struct sockaddr *)&peer, c->addrs, c->naddrs)) {
        c->res.tls_verify = SPA_TLS_VERIFY_IP;
        client_finish(c, SPA_HTTP_ETLS, "server address %s is not an address of %s",
                      addr_text(&peer, ip, sizeof ip), c->url.host);
        return -1;
    }
    return 0;
}

static void client_event_cb(struct bufferevent *bev, short what, void *arg)
{
    spa_http_client *c = arg;
    char ip[64];
    (void)bev;

    if (what & BEV_EVENT_CONNECTED) {
        c->res.peer = c->addrs[c->cur];
        bufferevent_set_timeouts(c->bev, NULL, NULL);
        if (c->url.https && client_check_server(c) < 0)
            return;
        c->st = ST_STATUS;
        if (bufferevent_write(c->bev, c->request.data, c->request.len) < 0) {
            client_finish(c, SPA_HTTP_ENOMEM, "cannot queue the request");
            return;
        }
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        return;
    }
    if (c->st == ST_CONNECT) {
        int err = EVUTIL_SOCKET_ERROR(); /* before getpeername overwrites it */
        int tcp = tcp_connected(c->bev);
        if (c->url.https && tcp) {
            SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
            long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
            unsigned long e = bufferevent_get_openssl_error(c->bev);
            char es[160] = "";

            if (e)
                ERR_error_string_n(e, es, sizeof es);
            ERR_clear_error();
            if (what & BEV_EVENT_TIMEOUT) {
                client_finish(c, SPA_HTTP_ETIMEOUT, "TLS handshake with %s timed out",
                              addr_text(&c->addrs[c->cur], ip, sizeof ip));
            } else if (vr != X509_V_OK) {
                c->res.tls_verify = SPA_TLS_VERIFY_CHAIN;
                client_finish(c, SPA_HTTP_ETLS, "server chain: %s", X509_verify_cert_error_string(vr));
            } else {
                c->res.tls_verify = SPA_TLS_VERIFY_HANDSHAKE;
                client_finish(c, SPA_HTTP_ETLS, "TLS handshake with %s failed: %s",
                              addr_text(&c->addrs[c->cur], ip, sizeof ip),
                              es[0] ? es : "connection closed");
            }
            return;
        }
        snprintf(c->res.detail, sizeof c->res.detail, "%s: %s",
                 addr_text(&c->addrs[c->cur], ip, sizeof ip),
                 (what & BEV_EVENT_TIMEOUT) ? "connect timed out" : evutil_socket_error_to_string(err));
        ERR_clear_error();
        bufferevent_free(c->bev);
        c->bev = NULL;
        c->cur++;
        client_connect_next(c);
        return;
    }
    if ((what & BEV_EVENT_EOF) && c->st == ST_BODY_CLOSE) {
        client_parse(c, bufferevent_get_input(c->bev));
        client_finish(c, SPA_HTTP_OK, NULL);
        return;
    }
    /* Bytes may still sit in the input buffer: parse them before giving up. */
    if (c->bev)
        client_parse(c, bufferevent_get_input(c->bev));
    if (c->st == ST_FINISHED)
        return;
    if (c->url.https && c->st == ST_STATUS && c->res.body.len == 0) {
        /* TLS 1.3: the server judges our certificate after our handshake
         * completed, and answers with an alert instead of a response. */
        unsigned long e = bufferevent_get_openssl_error(c->bev);
        if (e) {
            char es[160];
            ERR_error_string_n(e, es, sizeof es);
            ERR_clear_error();
            c->res.tls_verify = SPA_TLS_VERIFY_HANDSHAKE;
            client_finish(c, SPA_HTTP_ETLS, "server refused the TLS session: %s", es);
            return;
        }
    }
    ERR_clear_error();
    client_finish(c, SPA_HTTP_ERESET, "connection %s before the response was complete (%s)",
                  (what & BEV_EVENT_EOF) ? "closed" : "reset",
                  (what & BEV_EVENT_EOF) ? "EOF" : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Try addrs[cur], or fail when all were tried. */
static void client_connect_next(spa_http_client *c)
{
    struct sockaddr_storage *a, probe;

    for (; c->cur < c->naddrs; c->cur++) {
        a = &c->addrs[c->cur];
        c->res.attempts++;
        if (c->url.https) {
            SSL *ssl = SSL_new(c->tls);
            if (!ssl) {
                client_finish(c, SPA_HTTP_ENOMEM, "SSL_new failed");
                return;
            }
            if (addr_from_text(c->url.host, &probe) < 0) /* SNI only for names */
                SSL_set_tlsext_host_name(ssl, c->url.host);
            c->bev = bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                    BEV_OPT_CLOSE_ON_FREE);
            if (c->bev)
                bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        } else {
            c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
        }
        if (!c->bev) {
            client_finish(c, SPA_HTTP_ENOMEM, "cannot create a connection");
            return;
        }
        bufferevent_setcb(c->bev, client_read_cb, NULL, client_event_cb, c);
        bufferevent_set_timeouts(c->bev, &c->connect_tv, &c->connect_tv);
        c->st = ST_CONNECT;
        if (bufferevent_socket_connect(c->bev, (struct sockaddr *)a, (int)addr_len(a)) == 0)
            return; /* the event callback continues */
        /* immediate failure: the bufferevent is already dead */
        bufferevent_free(c->bev);
        c->bev = NULL;
        snprintf(c->res.detail, sizeof c->res.detail, "connect: %s",
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    {
        char last[sizeof c->res.detail];
        memcpy(last, c->res.detail, sizeof last);
        client_finish(c, SPA_HTTP_ECONNECT, "no address of %s accepted a connection (%zu tried; last: %.180s)",
                      c->url.host, c->naddrs, last);
    }
}

static void client_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
    spa_http_client *c = arg;
    struct evutil_addrinfo *ai;

    c->in_dns = 0;
    c->dnsreq = NULL;
    if (c->st == ST_FINISHED) { /* cancelled or timed out: now we may free */
        if (res)
            evutil_freeaddrinfo(res);
        event_active(c->kick, EV_TIMEOUT, 1);
        return;
    }
    if (result != 0 || !res) {
        client_finish(c, SPA_HTTP_EDNS, "cannot resolve %s: %s", c->url.host,
                      evutil_gai_strerror(result));
        if (res)
            evutil_freeaddrinfo(res);
        return;
    }
    for (ai = res; ai && c->naddrs < SPA_HOSTS_MAX_ADDRS; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof c->addrs[0])
            continue;
        memset(&c->addrs[c->naddrs], 0, sizeof c->addrs[0]);
        memcpy(&c->addrs[c->naddrs], ai->ai_addr, ai->ai_addrlen);
        addr_set_port(&c->addrs[c->naddrs], c->url.port);
        c->naddrs++;
    }
    evutil_freeaddrinfo(res);
    if (c->naddrs == 0) {
        client_finish(c, SPA_HTTP_EDNS, "%s has no usable address", c->url.host);
        return;
    }
    c->st = ST_CONNECT;
    client_connect_next(c);
}

/* Deferred start of a DNS lookup (from the kick event). */
static void client_resolve(spa_http_client *c)
{
    struct evutil_addrinfo hints;
    struct evdns_getaddrinfo_request *r;
    char port[8];

    if (!c->dns) {
        c->dns_own = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
        if (!c->dns_own) {
            client_finish(c, SPA_HTTP_EDNS, "no resolver available for %s", c->url.host);
            return;
        }
        c->dns = c->dns_own;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(port, sizeof port, "%u", (unsigned)c->url.port);
    c->in_dns = 1;
    r = evdns_getaddrinfo(c->dns, c->url.host, port, &hints, client_dns_cb, c);
    if (c->in_dns)
        c->dnsreq = r;
}

static void client_start_cb(evutil_socket_t fd, short what, void *arg)
{
    spa_http_client *c = arg;
    (void)fd;
    (void)what;

    event_assign(c->kick, c->base, -1, 0, client_kick_cb, c);
    if (c->st == ST_FINISHED) /* cancelled before it started */
        client_kick_cb(-1, 0, c);
    else if (c->st == ST_RESOLVE)
        client_resolve(c);
    else
        client_connect_next(c);
}

/* Reject header lines that would split the request. */
static int header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    const char *p;

    if (!colon || colon == h)
        return 0;
    for (p = h; *p; p++)
        if (*p == '\r' || *p == '\n' || (p < colon && (unsigned char)*p <= 0x20))
            return 0;
    return 1;
}

static int client_build_request(spa_http_client *c, const spa_http_request *rq, const char *method)
{
    spa_buf *b = &c->request;
    size_t i;
    int hostport = (c->url.https && c->url.port != 443) || (!c->url.https && c->url.port != 80);
    int v6 = strchr(c->url.host, ':') != NULL;

    if (spa_buf_printf(b, "%s %s HTTP/1.1\r\nHost: %s%s%s", method, c->url.target, v6 ? "[" : "",
                       c->url.host, v6 ? "]" : "") < 0 ||
        (hostport && spa_buf_printf(b, ":%u", (unsigned)c->url.port) < 0) ||
        spa_buf_puts(b, "\r\nConnection: close\r\n") < 0)
        return -1;
    for (i = 0; rq->headers && rq->headers[i]; i++)
        if (spa_buf_printf(b, "%s\r\n", rq->headers[i]) < 0)
            return -1;
    if (rq->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        if (spa_buf_printf(b, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                           rq->content_type ? rq->content_type : "application/octet-stream",
                           rq->body_len) < 0)
            return -1;
    }
    if (spa_buf_puts(b, "\r\n") < 0 ||
        (rq->body_len && spa_buf_append(b, rq->body, rq->body_len) < 0))
        return -1;
    return 0;
}

static int start_fail(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return -1;
}

static int client_validate(const spa_http_request *rq, const char **method, char *why, size_t n)
{
    size_t i;

    *method = rq->method ? rq->method : "GET";
    if (strcmp(*method, "GET") && strcmp(*method, "POST") && strcmp(*method, "PUT") &&
        strcmp(*method, "HEAD"))
        return start_fail(why, n, "method must be GET, POST, PUT or HEAD");
    for (i = 0; rq->headers && rq->headers[i]; i++)
        if (!header_ok(rq->headers[i]))
            return start_fail(why, n, "header line without a name or with CR/LF");
    if (rq->content_type && strpbrk(rq->content_type, "\r\n"))
        return start_fail(why, n, "CR/LF in content type");
    if (rq->body_len && !rq->body)
        return start_fail(why, n, "body length without a body");
    return 0;
}

/* Fill c->addrs from an IP literal, the caller's list or the hosts file;
 * returns 1 when a DNS lookup is still needed. */
static int client_addresses(spa_http_client *c, const spa_http_request *rq)
{
    size_t i;

    if (addr_from_text(c->url.host, &c->addrs[0]) == 0) {
        addr_set_port(&c->addrs[0], c->url.port);
        c->naddrs = 1;
        return 0;
    }
    if (rq->addrs && rq->naddrs) {
        for (i = 0; i < rq->naddrs && i < SPA_HOSTS_MAX_ADDRS; i++) {
            c->addrs[i] = rq->addrs[i];
            addr_set_port(&c->addrs[i], c->url.port);
        }
        c->naddrs = i;
        return 0;
    }
    if (rq->hosts) {
        c->naddrs = spa_hosts_lookup(rq->hosts, c->url.host, c->url.port, c->addrs,
                                     SPA_HOSTS_MAX_ADDRS);
        if (c->naddrs)
            return 0;
    }
    return 1;
}

spa_http_client *spa_http_start(struct event_base *base, const spa_http_request *rq,
                                 spa_http_done_fn done, void *arg, char *why, size_t n)
{
    spa_http_client *c;
    const char *method;
    struct timeval tv;
    unsigned tmo;

    if (!base || !rq || !done) {
        start_fail(why, n, "missing argument");
        return NULL;
    }
    if (client_validate(rq, &method, why, n) < 0)
        return NULL;
    if (!(c = calloc(1, sizeof *c))) {
        start_fail(why, n, "out of memory");
        return NULL;
    }
    c->base = base;
    c->done = done;
    c->arg = arg;
    spa_buf_init(&c->request);
    spa_buf_init(&c->res.body);
    if (spa_http_url_parse(rq->url, &c->url, why, n) < 0)
        goto fail;
    if (c->url.https && !rq->tls) {
        start_fail(why, n, "https needs a TLS client context");
        goto fail;
    }
    c->tls = rq->tls;
    c->no_checks = rq->no_server_checks;
    c->hosts = rq->hosts;
    c->resolve_name = rq->resolve_name;
    c->resolve_ctx = rq->resolve_ctx;
    c->head = strcmp(method, "HEAD") == 0;
    c->max_body = rq->max_body ? rq->max_body : (16u << 20);
    tmo = rq->connect_timeout_ms ? rq->connect_timeout_ms : 5000;
    c->connect_tv.tv_sec = tmo / 1000;
    c->connect_tv.tv_usec = (suseconds_t)((tmo % 1000) * 1000);
    c->dns = rq->dns;
    if (client_build_request(c, rq, method) < 0) {
        start_fail(why, n, "out of memory");
        goto fail;
    }
    c->st = client_addresses(c, rq) ? ST_RESOLVE : ST_CONNECT;
    c->deadline = evtimer_new(base, client_deadline_cb, c);
    c->kick = event_new(base, -1, 0, client_start_cb, c);
    if (!c->deadline || !c->kick) {
        start_fail(why, n, "out of memory");
        goto fail;
    }
    tmo = rq->timeout_ms ? rq->timeout_ms : 30000;
    tv.tv_sec = tmo / 1000;
    tv.tv_usec = (suseconds_t)((tmo % 1000) * 1000);
    evtimer_add(c->deadline, &tv);
    event_active(c->kick, EV_TIMEOUT, 1);
    return c;
fail:
    client_free(c);
    return NULL;
}

void spa_http_cancel(spa_http_client *c)
{
    if (!c)
        return;
    c->cancelled = 1;
    if (c->st != ST_FINISHED)
        client_finish(c, SPA_HTTP_EURL, "cancelled");
    /* Free now, so that an owner may free its event_base without running the
     * loop again; a lookup in flight still calls back (evdns defers its
     * cancellation), and inside done() the kick frees after it returns. */
    if (!c->dnsreq && !c->in_dns && !c->in_done)
        client_free(c);
}
