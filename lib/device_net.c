/* device_net.c — the virtual device's transports: the engine asks for a
 * transfer (engine.h spa_xfer_request) and this module carries it out with
 * the library's TFTP client (tftp.h) or HTTP/HTTPS client (http.h), trying
 * every address of the name in order (IP literal, --hosts file, system
 * resolver), then reports an spa_xfer_result from the event loop. It also
 * sends the engine's log lines as RFC 3164 syslog datagrams. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "spaprov/device.h"
#include "spaprov/http.h"
#include "spaprov/rule.h"
#include "spaprov/syslog.h"
#include "spaprov/tftp.h"
#include "spaprov/tls.h"

#define NET_MAX_ADDRS SPA_HOSTS_MAX_ADDRS
#define NET_MAX_SENDERS 4

typedef struct net_xfer net_xfer;

typedef struct net_sender {
    char dest[300];
    spa_syslog_sender *s;
} net_sender;

struct spa_device_net {
    struct event_base *base;
    spa_hosts *hosts;
    SSL_CTX *tls;
    unsigned timeout_ms;
    spa_tftp_timing tftp;
    spa_tftp_opts tftp_req;       /* options every TFTP request asks for */
    net_xfer *xfers;              /* outstanding transfers */
    net_sender senders[NET_MAX_SENDERS];
};

struct net_xfer {
    net_xfer *next;
    spa_device_net *net;
    uint32_t id;
    spa_xfer_method method;
    spa_scheme scheme;
    spa_device_xfer_fn fn;
    void *arg;
    char host[256];
    uint16_t port;
    char *path;
    char *ua;
    char *ctype;
    void *body;
    size_t body_len;
    struct sockaddr_storage addrs[NET_MAX_ADDRS];
    size_t naddrs, cur;
    spa_tftp_op *top;
    spa_http_client *hc;
    SSL_CTX *tls;                 /* the unit's own context, or NULL (the net's) */
    struct event *later;          /* deferred failure report */
    spa_xfer_status later_status;
};

/* ---- life cycle ---------------------------------------------------------------- */

spa_device_net *spa_device_net_new(struct event_base *base, const spa_device_net_opts *o,
                                   spa_diags *d)
{
    spa_device_net *n = calloc(1, sizeof *n);
    if (!n) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    n->base = base;
    n->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
    n->tftp.timeout_ms = o->tftp_timeout_ms;
    n->tftp.max_retries = o->tftp_retries;
    n->tftp_req = o->tftp_req;
    if (o->hosts_file && !(n->hosts = spa_hosts_load(o->hosts_file, d)))
        goto fail;
    spa_tls_client_opts t = { .ca_file = o->ca_file, .cert_file = o->cert_file,
                              .key_file = o->key_file, .legacy = 0 };
    if (!(n->tls = spa_tls_client_ctx(&t, d)))
        goto fail;
    return n;
fail:
    spa_device_net_free(n);
    return NULL;
}

static void xfer_free(net_xfer *x)
{
    if (x->top)
        spa_tftp_cancel(x->top);
    if (x->hc)
        spa_http_cancel(x->hc);
    if (x->later)
        event_free(x->later);
    if (x->tls)
        SSL_CTX_free(x->tls);
    free(x->path);
    free(x->ua);
    free(x->ctype);
    free(x->body);
    free(x);
}

static void xfer_unlink(net_xfer *x)
{
    for (net_xfer **pp = &x->net->xfers; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            return;
        }
}

void spa_device_net_cancel(spa_device_net *n, void *arg)
{
    net_xfer **pp = &n->xfers;
    while (*pp) {
        net_xfer *x = *pp;
        if (x->arg == arg) {
            *pp = x->next;
            xfer_free(x);
        } else {
            pp = &x->next;
        }
    }
}

void spa_device_net_free(spa_device_net *n)
{
    if (!n)
        return;
    while (n->xfers) {
        net_xfer *x = n->xfers;
        n->xfers = x->next;
        xfer_free(x);
    }
    for (size_t i = 0; i < NET_MAX_SENDERS; i++)
        if (n->senders[i].s)
            spa_syslog_sender_free(n->senders[i].s);
    spa_hosts_free(n->hosts);
    if (n->tls)
        SSL_CTX_free(n->tls);
    free(n);
}

/* ---- addresses ---------------------------------------------------------------------- */

static socklen_t addr_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                    : (socklen_t)sizeof(struct sockaddr_in);
}

/* The address as $SERVIP shows it ("127.0.0.1", "::1"); "" when unknown. */
static void addr_text(const struct sockaddr_storage *a, char *out, size_t n)
{
    const void *src = a->ss_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)(const void *)a)->sin_addr;
    out[0] = '\0';
    if ((a->ss_family != AF_INET && a->ss_family != AF_INET6) ||
        !inet_ntop(a->ss_family, src, out, (socklen_t)n))
        out[0] = '\0';
}

/* ---- completion -------------------------------------------------------------------- */

/* Report r to the owner and forget x (unlinked first: the owner may start
 * another transfer from inside its callback). */
static void xfer_finish(net_xfer *x, spa_xfer_result *r)
{
    char ip[INET6_ADDRSTRLEN] = "";
    if (!r->servip && x->cur < x->naddrs) {
        addr_text(&x->addrs[x->cur], ip, sizeof ip);
        if (ip[0])
            r->servip = ip;
    }
    xfer_unlink(x);
    x->top = NULL;
    x->hc = NULL;
    x->fn(x->arg, x->id, r);
    xfer_free(x);
}

static void later_cb(evutil_socket_t fd, short what, void *arg)
{
    net_xfer *x = arg;
    spa_xfer_result r;
    (void)fd;
    (void)what;
    memset(&r, 0, sizeof r);
    r.status = x->later_status;
    xfer_finish(x, &r);
}

/* Fail x from the event loop, never from inside the start call. */
static int xfer_fail_later(net_xfer *x, spa_xfer_status st)
{
    struct timeval tv = { 0, 0 };
    x->later_status = st;
    if (!x->later && !(x->later = evtimer_new(x->net->base, later_cb, x)))
        return -1;
    return evtimer_add(x->later, &tv);
}

/* ---- name resolution ------------------------------------------------------------------ */

/* Addresses of host ("1.2.3.4", "::1", a --hosts name, a DNS name: IPv4
 * and IPv6, in the resolver's order) with port set. */
static size_t resolve(spa_device_net *n, const char *host, uint16_t port,
                      struct sockaddr_storage *out, size_t max)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)out;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)out;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        return 1;
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        return 1;
    }
    if (n->hosts) {
        size_t k = spa_hosts_lookup(n->hosts, host, port, out, max);
        if (k)
            return k;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return 0;
    size_t k = 0;
    for (struct addrinfo *ai = res; ai && k < max; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof out[k])
            continue;
        memset(&out[k], 0, sizeof out[k]);
        memcpy(&out[k], ai->ai_addr, ai->ai_addrlen);
        if (ai->ai_family == AF_INET6)
            ((struct sockaddr_in6 *)(void *)&out[k])->sin6_port = htons(port);
        else
            ((struct sockaddr_in *)(void *)&out[k])->sin_port = htons(port);
        k++;
    }
    freeaddrinfo(res);
    return k;
}

/* The addresses of a server certificate's CN name (the IP rule of an
 * IP-literal https URL), resolved as the device resolves any name. */
static size_t resolve_cn_name(void *ctx, const char *name, struct sockaddr_storage *out,
                              size_t max)
{
    return resolve(ctx, name, 0, out, max);
}

/* ---- TFTP ------------------------------------------------------------------------------- */

static int tftp_try(net_xfer *x);

static void tftp_done(const spa_tftp_result *tr, void *arg)
{
    net_xfer *x = arg;
    spa_xfer_result r;
    memset(&r, 0, sizeof r);
    x->top = NULL;
    if (tr->state == SPA_TFTP_DONE) {
        r.status = SPA_XFER_OK;
        if (tr->body) {
            r.body = tr->body->data;
            r.len = tr->body->len;
        }
    } else if (tr->err_from_peer) {
        r.status = tr->err.code == SPA_TFTP_ENOTFOUND ? SPA_XFER_NOT_FOUND : SPA_XFER_TFTP_ERROR;
    } else {
        /* local failure (no answer, socket): the next address, if any */
        if (x->cur + 1 < x->naddrs) {
            x->cur++;
            if (tftp_try(x) == 0)
                return;
        }
        r.status = SPA_XFER_TIMEOUT;
    }
    xfer_finish(x, &r);
}

static int tftp_try(net_xfer *x)
{
    spa_tftp_client_opts o;
    const struct sockaddr *sa = (const struct sockaddr *)&x->addrs[x->cur];
    memset(&o, 0, sizeof o);
    o.mode = SPA_TFTP_OCTET;
    o.timing = x->net->tftp;
    o.req = x->net->tftp_req;
    if (x->method == SPA_XFER_PUT)
        x->top = spa_tftp_put(x->net->base, sa, addr_len(&x->addrs[x->cur]), x->path, x->body,
                              x->body_len, &o, tftp_done, x);
    else
        x->top = spa_tftp_get(x->net->base, sa, addr_len(&x->addrs[x->cur]), x->path, &o,
                              tftp_done, x);
    return x->top ? 0 : -1;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static spa_xfer_status http_status(const spa_http_result *hr)
{
    switch (hr->error) {
    case SPA_HTTP_OK:
        if (hr->status >= 200 && hr->status < 300)
            return SPA_XFER_OK;
        return hr->status == 404 ? SPA_XFER_NOT_FOUND : SPA_XFER_HTTP_ERROR;
    case SPA_HTTP_EDNS: return SPA_XFER_DNS_FAILED;
    case SPA_HTTP_ETIMEOUT: return SPA_XFER_TIMEOUT;
    case SPA_HTTP_ETLS: return SPA_XFER_TLS_FAILED;
    case SPA_HTTP_ETOOLARGE: return SPA_XFER_TOO_LARGE;
    /* connected, then reset or garbage: the transfer failed, not the connect */
    case SPA_HTTP_ERESET:
    case SPA_HTTP_EPROTO: return SPA_XFER_HTTP_ERROR;
    default: return SPA_XFER_CONNECT_FAILED;
    }
}

static void http_done(const spa_http_result *hr, void *arg)
{
    net_xfer *x = arg;
    spa_xfer_result r;
    char ip[INET6_ADDRSTRLEN] = "";
    memset(&r, 0, sizeof r);
    x->hc = NULL;
    r.status = http_status(hr);
    r.http_code = hr->status;
    if (r.status == SPA_XFER_OK) {
        r.body = hr->body.data;
        r.len = hr->body.len;
    }
    addr_text(&hr->peer, ip, sizeof ip);
    if (ip[0])
        r.servip = ip;
    x->naddrs = 0;
    xfer_finish(x, &r);
}

static int http_begin(net_xfer *x)
{
    spa_buf url, uah;
    char why[256];
    int rc = -1;
    spa_buf_init(&url);
    spa_buf_init(&uah);
    if (spa_url_format(&url, x->scheme, x->host, x->port, x->path) < 0 ||
        spa_buf_printf(&uah, "User-Agent: %s", x->ua) < 0)
        goto out;
    const char *headers[] = { uah.data, NULL };
    spa_http_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = x->method == SPA_XFER_POST ? "POST" : x->method == SPA_XFER_PUT ? "PUT" : "GET";
    rq.url = url.data;
    rq.headers = x->ua[0] ? headers : NULL;
    rq.body = x->body;
    rq.body_len = x->body_len;
    rq.content_type = x->ctype;
    rq.timeout_ms = x->net->timeout_ms;
    rq.tls = x->tls ? x->tls : x->net->tls;
    rq.addrs = x->naddrs ? x->addrs : NULL;
    rq.naddrs = x->naddrs;
    rq.resolve_name = resolve_cn_name;   /* IP-literal URLs: the CN's name */
    rq.resolve_ctx = x->net;
    x->hc = spa_http_start(x->net->base, &rq, http_done, x, why, sizeof why);
    rc = x->hc ? 0 : -1;
out:
    spa_buf_free(&url);
    spa_buf_free(&uah);
    return rc;
}

/* ---- start -------------------------------------------------------------------------------- */

static int copy_request(net_xfer *x, const spa_xfer_request *rq)
{
    size_t hn = rq->host ? strlen(rq->host) : 0;
    x->id = rq->id;
    x->method = rq->method;
    x->scheme = rq->scheme;
    x->port = (uint16_t)rq->port;
    /* the engine already split a DHCP option 66 "host:port"; an IPv6
     * literal may come as "[::1]": kept bare (URLs add the brackets) */
    const char *h = rq->host;
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof x->host)
        return -1;
    memcpy(x->host, h, hn);
    x->host[hn] = '\0';
    x->path = strdup(rq->path ? rq->path : "/");
    x->ua = strdup(rq->user_agent ? rq->user_agent : "");
    x->ctype = rq->content_type ? strdup(rq->content_type) : NULL;
    if (!x->path || !x->ua || (rq->content_type && !x->ctype))
        return -1;
    if (rq->body_len) {
        if (!(x->body = malloc(rq->body_len)))
            return -1;
        memcpy(x->body, rq->body, rq->body_len);
        x->body_len = rq->body_len;
    }
    return 0;
}

int spa_device_net_start(spa_device_net *n, const spa_xfer_request *rq, spa_device_xfer_fn fn,
                         void *arg)
{
    return spa_device_net_start_tls(n, rq, NULL, fn, arg);
}

int spa_device_net_start_tls(spa_device_net *n, const spa_xfer_request *rq, SSL_CTX *tls,
                             spa_device_xfer_fn fn, void *arg)
{
    net_xfer *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->net = n;
    x->fn = fn;
    x->arg = arg;
    if (tls && SSL_CTX_up_ref(tls))
        x->tls = tls;
    if (copy_request(x, rq) < 0) {
        xfer_free(x);
        return -1;
    }
    x->next = n->xfers;
    n->xfers = x;
    x->naddrs = resolve(n, x->host, x->port, x->addrs, NET_MAX_ADDRS);
    int rc;
    if (x->naddrs == 0)
        rc = xfer_fail_later(x, SPA_XFER_DNS_FAILED);
    else if (x->scheme == SPA_SCHEME_TFTP) {
        /* TFTP takes the file name relative to the server's root */
        rc = tftp_try(x);
    } else
        rc = http_begin(x);
    if (rc < 0) {
        xfer_unlink(x);
        xfer_free(x);
    }
    return rc;
}

/* ---- syslog --------------------------------------------------------------------------------- */

static spa_syslog_sender *sender_for(spa_device_net *n, const char *dest)
{
    char host[256];
    uint16_t port;
    struct sockaddr_storage a;
    for (size_t i = 0; i < NET_MAX_SENDERS; i++)
        if (n->senders[i].s && strcmp(n->senders[i].dest, dest) == 0)
            return n->senders[i].s;
    if (strlen(dest) >= sizeof n->senders[0].dest ||
        spa_device_split_hostport(dest, host, sizeof host, &port) < 0)
        return NULL;
    if (resolve(n, host, port ? port : 514, &a, 1) == 0)
        return NULL;
    /* replace the oldest slot (slot 0) when full */
    size_t slot = 0;
    for (size_t i = 0; i < NET_MAX_SENDERS; i++)
        if (!n->senders[i].s) {
            slot = i;
            break;
        }
    if (n->senders[slot].s)
        spa_syslog_sender_free(n->senders[slot].s);
    n->senders[slot].s = spa_syslog_sender_new((const struct sockaddr *)&a, addr_len(&a));
    snprintf(n->senders[slot].dest, sizeof n->senders[slot].dest, "%s", dest);
    return n->senders[slot].s;
}

int spa_device_net_syslog(spa_device_net *n, const char *dest, int severity, const char *line)
{
    spa_buf b;
    int rc = -1;
    spa_syslog_sender *s = sender_for(n, dest);
    if (!s)
        return -1;
    spa_buf_init(&b);
    if (spa_buf_printf(&b, "<%d>%s", SPA_SYSLOG_PRI(SPA_SYSLOG_LOCAL0, severity & 7), line) == 0)
        rc = spa_syslog_send_raw(s, b.data, b.len);
    spa_buf_free(&b);
    return rc;
}
