/* http.h — HTTP/HTTPS on libevent for the device emulator (an async client
 * that behaves like an SPA: several A records tried in order, server
 * certificate checked by the guide's rules, a size cap) and the provisioning
 * server (a thin layer over evhttp exposing the peer address and the verified
 * client certificate, with ETag/If-None-Match and Range helpers for firmware
 * images). Also a small hosts-file resolver so tests can map one name to
 * several loopback addresses. */
#ifndef SPAPROV_HTTP_H
#define SPAPROV_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/tls.h"

struct event_base;
struct evdns_base;

/* ---- hosts file ---------------------------------------------------------- */

#define SPA_HOSTS_MAX_ADDRS 16

/* Name -> addresses, in file order ("IP name [name...]" lines, '#' comments).
 * A name on several lines gets several addresses. */
typedef struct spa_hosts spa_hosts;

/* Parse hosts text (file names the source for diagnostics); NULL on
 * allocation failure only — bad lines are skipped with a warning. */
spa_hosts *spa_hosts_parse(const char *text, size_t len, const char *file, spa_diags *d);
/* Load a hosts file; NULL with a diagnostic when unreadable. */
spa_hosts *spa_hosts_load(const char *path, spa_diags *d);
/* Addresses of name (case-insensitive), port set to port; returns how many
 * were stored in out[max] (0: unknown name). */
size_t spa_hosts_lookup(const spa_hosts *h, const char *name, uint16_t port,
                        struct sockaddr_storage *out, size_t max);
void spa_hosts_free(spa_hosts *h);

/* ---- URLs ----------------------------------------------------------------- */

/* An http(s) URL split up. */
typedef struct spa_http_url {
    int https;
    char host[256];      /* without brackets for IPv6 literals */
    uint16_t port;       /* default 80 / 443 */
    char target[2048];   /* path + "?query", at least "/" */
} spa_http_url;

/* Parse "http[s]://host[:port][/path][?query]"; 0 or -1 with why[n]. */
int spa_http_url_parse(const char *url, spa_http_url *u, char *why, size_t n);

/* ---- client ----------------------------------------------------------------- */

typedef enum {
    SPA_HTTP_OK = 0,       /* a response was received (any status) */
    SPA_HTTP_EURL,         /* bad URL or request */
    SPA_HTTP_EDNS,         /* name did not resolve */
    SPA_HTTP_ECONNECT,     /* no address accepted a connection */
    SPA_HTTP_ETIMEOUT,     /* overall deadline passed */
    SPA_HTTP_ETLS,         /* TLS failed; see tls_verify */
    SPA_HTTP_ERESET,       /* connection closed/reset before a complete response */
    SPA_HTTP_ETOOLARGE,    /* body over max_body */
    SPA_HTTP_EPROTO,       /* malformed response */
    SPA_HTTP_ENOMEM
} spa_http_error;

/* Short name of an error kind: "ok", "dns", "connect", "timeout", "tls", ... */
const char *spa_http_error_name(spa_http_error e);

/* The outcome handed to the completion callback; valid only during it
 * (steal body.data with spa_buf_steal to keep it). */
typedef struct spa_http_result {
    spa_http_error error;
    spa_tls_verify tls_verify;       /* with SPA_HTTP_ETLS */
    int status;                      /* HTTP status code, 0 without a response */
    spa_buf body;
    char content_type[128];
    char etag[128];
    struct sockaddr_storage peer;    /* address that answered (family 0: none) */
    unsigned attempts;               /* addresses tried */
    char detail[256];                /* human-readable reason (on success: why earlier
                                        addresses failed, if any); never secrets */
} spa_http_result;

/* One request. Strings are copied at start; nothing need outlive the call. */
typedef struct spa_http_request {
    const char *method;              /* "GET" (default), "POST", "PUT", "HEAD" */
    const char *url;
    const char *const *headers;      /* NULL-terminated "Name: value" lines, e.g. User-Agent */
    const void *body;                /* POST/PUT */
    size_t body_len;
    const char *content_type;        /* for a body; default application/octet-stream */
    unsigned timeout_ms;             /* whole request; 0 = 30000 */
    unsigned connect_timeout_ms;     /* per address; 0 = 5000 */
    size_t max_body;                 /* 0 = 16 MiB */
    SSL_CTX *tls;                    /* required for https (spa_tls_client_ctx) */
    int no_server_checks;            /* 1: skip the CN and IP rules (chain still verified) */
    /* Name resolution, first that applies: an IP literal host; addrs[naddrs]
     * (ports replaced by the URL's); hosts; dns; a private evdns base that
     * reads /etc/resolv.conf and /etc/hosts. */
    const struct sockaddr_storage *addrs;
    size_t naddrs;
    const spa_hosts *hosts;
    struct evdns_base *dns;
    /* https to an IP-literal host: the server is accepted when its
     * certificate's CN names a host that resolves to that IP (the guide's
     * rule). resolve_name(ctx, name, out, max) gives the name's addresses;
     * NULL: hosts, then the system resolver (blocking, once per handshake). */
    size_t (*resolve_name)(void *ctx, const char *name, struct sockaddr_storage *out,
                           size_t max);
    void *resolve_ctx;
} spa_http_request;

typedef struct spa_http_client spa_http_client;
typedef void (*spa_http_done_fn)(const spa_http_result *r, void *arg);

/* Start a request on base; done is called exactly once, from the loop (never
 * from inside this call). NULL on immediate failure with a reason in why[n]. */
spa_http_client *spa_http_start(struct event_base *base, const spa_http_request *rq,
                                 spa_http_done_fn done, void *arg, char *why, size_t n);
/* Abandon a request before done was called; done will not be called. The
 * client is freed at once (the owner may then free base without running the
 * loop), except while a DNS lookup (evdns) is in flight: that one completes
 * its cancellation, and is freed, the next time the loop runs. */
void spa_http_cancel(spa_http_client *c);

/* ---- server ----------------------------------------------------------------- */

typedef struct spa_http_server spa_http_server;
typedef struct spa_http_req spa_http_req;

/* Called for every request; must answer with one spa_http_reply* call before
 * returning (no deferred replies yet). A program running a server or client
 * must ignore SIGPIPE: OpenSSL writes with write(2), and a peer that hangs up
 * mid-response would otherwise kill the process. */
typedef void (*spa_http_handler)(spa_http_req *rq, void *arg);

typedef struct spa_http_server_opts {
    const char *address;   /* default "127.0.0.1" */
    uint16_t port;         /* 0 = ephemeral; see spa_http_server_port */
    SSL_CTX *tls;          /* non-NULL: HTTPS (spa_tls_server_ctx) */
    size_t max_body;       /* request bodies; 0 = 1 MiB */
    unsigned timeout_s;    /* idle/read timeout; 0 = 30 */
} spa_http_server_opts;

/* Listen and serve on base; NULL with a diagnostic (e.g. address in use). */
spa_http_server *spa_http_server_new(struct event_base *base, const spa_http_server_opts *o,
                                     spa_http_handler fn, void *arg, spa_diags *d);
/* Serve on fd, a bound, listening, non-blocking TCP socket the server now
 * owns (closed on free and on failure); o->address/port are ignored. */
spa_http_server *spa_http_server_adopt(struct event_base *base, int fd,
                                       const spa_http_server_opts *o, spa_http_handler fn,
                                       void *arg, spa_diags *d);
/* The bound port (useful with port 0). */
uint16_t spa_http_server_port(const spa_http_server *s);
/* Stop listening, close connections, free. */
void spa_http_server_free(spa_http_server *s);

/* Request accessors; strings live until the reply. */
const char *spa_http_req_method(const spa_http_req *r); /* "GET", "HEAD", "POST", ... */
const char *spa_http_req_path(const spa_http_req *r);   /* raw path, without query */
const char *spa_http_req_query(const spa_http_req *r);  /* raw query or NULL */
const char *spa_http_req_header(const spa_http_req *r, const char *name); /* or NULL */
const struct sockaddr *spa_http_req_peer(const spa_http_req *r); /* or NULL */
const char *spa_http_req_peer_text(const spa_http_req *r);        /* "127.0.0.1" */
/* The verified client certificate's subject, or NULL without one. */
const spa_cert_subject *spa_http_req_client_cert(const spa_http_req *r);
/* The verified client certificate itself (borrowed; valid until the reply),
 * e.g. for spa_cert_identity() in ca.h; NULL without one. */
X509 *spa_http_req_peer_x509(const spa_http_req *r);
/* Request body (may be empty). */
const void *spa_http_req_body(const spa_http_req *r, size_t *len);

/* Add a response header; 0 or -1 (bad characters). */
int spa_http_reply_header(spa_http_req *r, const char *name, const char *value);
/* Send status (standard reason phrase) + body (NULL/0: empty). For HEAD
 * only Content-Length is sent. A second reply to one request is ignored. */
void spa_http_reply(spa_http_req *r, int status, const char *content_type, const void *body,
                    size_t len);
/* Serve a byte buffer as a resource: ETag + If-None-Match (304), Range
 * (206 single range, 416), HEAD without body, else 200. etag may be NULL
 * (then one is computed from the bytes). */
void spa_http_reply_resource(spa_http_req *r, const char *content_type, const void *data,
                             size_t len, const char *etag);

/* Strong ETag of data: a quoted 16-hex-digit hash, into out[n >= 19]. */
void spa_http_etag(const void *data, size_t len, char *out, size_t n);
/* Does an If-None-Match value (list, W/ prefixes, "*") match etag? 1 or 0. */
int spa_http_etag_match(const char *if_none_match, const char *etag);

typedef enum { SPA_RANGE_NONE = 0, SPA_RANGE_OK, SPA_RANGE_UNSATISFIABLE } spa_range_result;
/* Interpret a Range header for a resource of size total: one range
 * "bytes=a-b", "bytes=a-", "bytes=-n". Multiple ranges and malformed values
 * give SPA_RANGE_NONE (serve the whole resource, as RFC 9110 allows). */
spa_range_result spa_http_range(const char *hdr, uint64_t total, uint64_t *first,
                                uint64_t *last);

#endif
