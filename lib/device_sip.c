/* device_sip.c — the device's SIP NOTIFY listener (guide §2.13): a UDP
 * socket on the device's event loop that takes "Event: resync", "report",
 * "reboot_now" and "restart_now" from a proxy, challenges every one with a
 * 401 digest (stateless nonces, lib/sip.c) and carries it out only for an
 * authenticated retry with a line's credentials. A small cache of recent
 * transactions answers UDP retransmissions with the same response and
 * never runs an action twice. Every refusal is a precise SIP status and
 * changes nothing; log lines name the peer, event and outcome, never a
 * password, nonce or digest response. Decisions: docs/sip.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include "spaprov/device.h"
#include "spaprov/model.h"
#include "spaprov/sip.h"
#include "device_sip.h"

#define SIP_NONCE_LIFETIME 60   /* seconds a challenge may be answered */
#define SIP_TXN_MAX 32          /* recent transactions remembered */
#define SIP_TXN_LIFETIME 32     /* seconds: 64*T1, RFC 3261 Timer J */
#define SIP_MAX_LINES 8

static const char *const sip_events[] = { "resync", "report", "reboot_now", "restart_now" };
#define SIP_ALLOW_EVENTS "Allow-Events: resync, report, reboot_now, restart_now\r\n"

/* A transaction answered recently: its key, when, the response sent and,
 * for an accepted NOTIFY, the digest response that authorised it. */
typedef struct sip_txn {
    uint64_t key;
    uint64_t when;
    char digest[33];
    spa_buf resp;
} sip_txn;

struct spa_device_sip {
    spa_device *dev;
    int fd;
    struct event *ev;
    uint16_t port;
    spa_sip_nonce_key key;
    char realm[64];
    sip_txn txn[SIP_TXN_MAX];
    size_t txn_next;
    char buf[SPA_SIP_MAX_MESSAGE + 1];
};

/* What one datagram led to, filled as it is handled. */
typedef struct sip_req {
    spa_device_sip *s;
    const struct sockaddr *peer;
    socklen_t plen;
    char peer_ip[INET6_ADDRSTRLEN];
    char peer_text[INET6_ADDRSTRLEN + 8];
    spa_sip_msg m;
    char event[32];
    char digest[33];        /* accepted digest response (for replay detection) */
} sip_req;

static uint64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ 0xff) * 1099511628211u;
}

/* ---- logging ------------------------------------------------------------------------ */

static void sip_log(sip_req *r, int severity, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sip_log(sip_req *r, int severity, const char *fmt, ...)
{
    spa_device *dev = r->s->dev;
    const spa_model *mo = spa_params_model(spa_device_params(dev));
    const spa_identity *id = spa_engine_identity(spa_device_engine(dev));
    char line[512], tail[256], mac[18];
    va_list ap;
    for (size_t i = 0; i < 6; i++)  /* as $MAC: 00:0e:08:aa:bb:cc */
        snprintf(mac + 3 * i, 4, "%.2s%s", id->mac + 2 * i, i < 5 ? ":" : "");
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s -- SIP %s%s%s from %s: %s", mo->name, mac,
             r->m.method ? r->m.method : "datagram", r->event[0] ? " " : "", r->event,
             r->peer_text, tail);
    spa_device_log(dev, severity, line);
}

/* ---- transactions ------------------------------------------------------------------- */

static uint64_t txn_key(const spa_sip_msg *m)
{
    uint64_t h = 1469598103934665603u;
    h = fnv(h, spa_sip_header_get(m, "Via"));
    h = fnv(h, spa_sip_header_get(m, "Call-ID"));
    h = fnv(h, spa_sip_header_get(m, "CSeq"));
    h = fnv(h, spa_sip_header_get(m, "From"));
    return h ? h : 1;
}

static sip_txn *txn_find(spa_device_sip *s, uint64_t key, uint64_t now)
{
    for (size_t i = 0; i < SIP_TXN_MAX; i++)
        if (s->txn[i].key == key && now - s->txn[i].when <= SIP_TXN_LIFETIME)
            return &s->txn[i];
    return NULL;
}

/* True when digest authorised another transaction within the nonce lifetime. */
static bool digest_replayed(spa_device_sip *s, const char *digest, uint64_t now)
{
    for (size_t i = 0; i < SIP_TXN_MAX; i++)
        if (s->txn[i].digest[0] && now - s->txn[i].when <= SIP_NONCE_LIFETIME &&
            strcasecmp(s->txn[i].digest, digest) == 0)
            return true;
    return false;
}

static void send_bytes(sip_req *r, const spa_buf *b)
{
    if (b->len && sendto(r->s->fd, b->data, b->len, 0, r->peer, r->plen) < 0)
        sip_log(r, SPA_LOG_WARNING, "cannot send the answer: %s", strerror(errno));
}

/* Send status (reason NULL = standard phrase) with extra header lines and
 * remember it for retransmissions of the same request. */
static void respond(sip_req *r, int status, const char *reason, const char *extra)
{
    spa_device_sip *s = r->s;
    char tag[17];
    uint64_t t = fnv(1469598103934665603u, spa_sip_header_get(&r->m, "Call-ID"));
    for (size_t i = 0; i < sizeof s->key.secret; i++)
        t = (t ^ s->key.secret[i]) * 1099511628211u;
    snprintf(tag, sizeof tag, "%016llx", (unsigned long long)t);
    sip_txn *x = &s->txn[s->txn_next];
    s->txn_next = (s->txn_next + 1) % SIP_TXN_MAX;
    spa_buf_reset(&x->resp);
    x->key = 0;
    x->digest[0] = '\0';
    if (spa_sip_response(&r->m, status, reason, tag, extra, &x->resp) < 0) {
        sip_log(r, SPA_LOG_ERR, "out of memory");
        return;
    }
    x->key = txn_key(&r->m);
    x->when = now_s();
    if (status == 200)
        snprintf(x->digest, sizeof x->digest, "%s", r->digest);
    send_bytes(r, &x->resp);
}

/* ---- authentication ------------------------------------------------------------------- */

static void challenge(sip_req *r, bool stale, const char *why)
{
    char nonce[SPA_SIP_NONCE_LEN + 1], extra[384];
    spa_sip_nonce_make(&r->s->key, now_s(), r->peer_ip, nonce);
    snprintf(extra, sizeof extra,
             "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, "
             "qop=\"auth\"%s\r\n",
             r->s->realm, nonce, stale ? ", stale=true" : "");
    respond(r, 401, NULL, extra);
    sip_log(r, SPA_LOG_INFO, "401 challenge (%s)", why);
}

static const char *param_n(const spa_params *p, const char *base, unsigned n)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%u_", base, n);
    const char *v = spa_params_get(p, name);
    return v ? v : "";
}

/* The line whose authentication name (Auth_ID_n_ when Use_Auth_ID_n_ is
 * yes, else User_ID_n_) is user; its Password_n_ in *password. 0 = none. */
static unsigned find_line(const spa_params *p, const char *user, const char **password)
{
    for (unsigned n = 1; n <= SIP_MAX_LINES; n++) {
        const char *uid = param_n(p, "User_ID", n);
        const char *aid = param_n(p, "Auth_ID", n);
        bool use_aid = spa_bool_value(param_n(p, "Use_Auth_ID", n)) == 1;
        const char *name = use_aid && *aid ? aid : uid;
        if (*name && strcmp(name, user) == 0) {
            *password = param_n(p, "Password", n);
            return n;
        }
    }
    return 0;
}

/* 1 authenticated; 0 answered (401/403/400) and nothing more to do. */
static int authenticate(sip_req *r, unsigned *line)
{
    spa_device_sip *s = r->s;
    const char *auth = spa_sip_header_get(&r->m, "Authorization");
    const char *why = NULL, *password = NULL;
    spa_sip_digest dg;
    uint64_t now = now_s();
    if (!auth) {
        challenge(r, false, "no credentials");
        return 0;
    }
    if (spa_sip_header_count(&r->m, "Authorization") > 1) {
        respond(r, 400, "Bad Request - repeated Authorization", NULL);
        sip_log(r, SPA_LOG_WARNING, "400 repeated Authorization");
        return 0;
    }
    if (spa_sip_digest_parse(auth, &dg, &why) < 0) {
        respond(r, 400, "Bad Request - malformed Authorization", NULL);
        sip_log(r, SPA_LOG_WARNING, "400 malformed Authorization: %s", why);
        return 0;
    }
    if (strcmp(dg.uri, r->m.uri) != 0) {
        respond(r, 400, "Bad Request - digest uri does not match the Request-URI", NULL);
        sip_log(r, SPA_LOG_WARNING, "400 digest uri does not match the Request-URI");
        return 0;
    }
    spa_sip_nonce_status ns = spa_sip_nonce_check(&s->key, dg.nonce, now, r->peer_ip);
    if (ns == SPA_NONCE_INVALID) {
        challenge(r, false, "nonce not issued by this unit to this peer");
        return 0;
    }
    *line = find_line(spa_device_params(s->dev), dg.username, &password);
    if (strcmp(dg.realm, s->realm) != 0)
        why = "wrong realm";
    else if (!*line)
        why = "no line has this user name";
    else if (!*password)
        why = "the line has no password";
    else if (!spa_sip_digest_verify(&dg, r->m.method, password))
        why = "wrong digest";
    if (why) {
        respond(r, 403, NULL, NULL);
        sip_log(r, SPA_LOG_WARNING, "403 user %.40s: %s", dg.username, why);
        return 0;
    }
    if (ns == SPA_NONCE_STALE || digest_replayed(s, dg.response, now)) {
        challenge(r, true, ns == SPA_NONCE_STALE ? "stale nonce" : "digest already used");
        return 0;
    }
    snprintf(r->digest, sizeof r->digest, "%.32s", dg.response);
    return 1;
}

/* ---- requests ----------------------------------------------------------------------------- */

static bool known_method(const char *m)
{
    static const char *const known[] = { "INVITE", "BYE", "REGISTER", "OPTIONS", "SUBSCRIBE",
                                         "PUBLISH", "INFO", "PRACK", "UPDATE", "MESSAGE",
                                         "REFER" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

/* The event is authenticated: carry it out and answer. */
static void act(sip_req *r, unsigned line)
{
    spa_device *dev = r->s->dev;
    bool resync = strcmp(r->event, "resync") == 0;
    if (resync || strcmp(r->event, "report") == 0) {
        int rc = resync ? spa_device_request_resync(dev, SPA_SRC_SIP, NULL, r->peer_ip)
                        : spa_device_request_report(dev);
        if (rc < 0) {
            respond(r, 403, resync ? "Forbidden - resync not allowed" : "Forbidden - no report sent",
                    NULL);
            sip_log(r, SPA_LOG_NOTICE, resync ? "authenticated (line %u), 403: resync refused"
                                              : "authenticated (line %u), 403: no report sent",
                    line);
            return;
        }
        respond(r, 200, NULL, NULL);
        sip_log(r, SPA_LOG_NOTICE, resync ? "authenticated (line %u), 200: resync requested"
                                          : "authenticated (line %u), 200: report upload started",
                line);
        return;
    }
    /* answer first: the reboot drops everything in RAM */
    bool cold = strcmp(r->event, "reboot_now") == 0;
    respond(r, 200, NULL, NULL);
    sip_log(r, SPA_LOG_NOTICE, cold ? "authenticated (line %u), 200: rebooting"
                                    : "authenticated (line %u), 200: restarting", line);
    if (cold)
        spa_device_power_up(dev);
    else
        spa_device_restart(dev);
}

static void handle_notify(sip_req *r)
{
    size_t ne = spa_sip_header_count(&r->m, "Event");
    unsigned line = 0;
    if (ne != 1) {
        respond(r, 400, ne ? "Bad Request - repeated Event" : "Bad Request - missing Event", NULL);
        sip_log(r, SPA_LOG_WARNING, ne ? "400 repeated Event" : "400 missing Event");
        return;
    }
    if (spa_sip_event_type(spa_sip_header_get(&r->m, "Event"), r->event, sizeof r->event) < 0) {
        respond(r, 400, "Bad Request - malformed Event", NULL);
        sip_log(r, SPA_LOG_WARNING, "400 malformed Event");
        return;
    }
    bool known = false;
    for (size_t i = 0; i < sizeof sip_events / sizeof sip_events[0]; i++)
        known |= strcmp(r->event, sip_events[i]) == 0;
    if (!known) {
        char shown[40];
        snprintf(shown, sizeof shown, "%.32s", r->event);
        r->event[0] = '\0';
        respond(r, 489, NULL, SIP_ALLOW_EVENTS);
        sip_log(r, SPA_LOG_WARNING, "489 unknown event %s", shown);
        return;
    }
    if (authenticate(r, &line) == 1)
        act(r, line);
}

static void handle(sip_req *r, size_t len)
{
    spa_sip_error err;
    if (spa_sip_parse(r->s->buf, len, &r->m, &err) < 0) {
        if (err.status && !(r->m.method && strcmp(r->m.method, "ACK") == 0)) {
            respond(r, err.status, err.reason, NULL);
            sip_log(r, SPA_LOG_WARNING, "answered: %s", err.reason);
        } else {
            sip_log(r, SPA_LOG_INFO, "ignored: %s", err.reason);
        }
        return;
    }
    if (strcmp(r->m.method, "ACK") == 0)
        return;                              /* never answered */
    sip_txn *x = txn_find(r->s, txn_key(&r->m), now_s());
    if (x) {
        send_bytes(r, &x->resp);             /* retransmission: same answer, no action */
        return;
    }
    if (strcmp(r->m.method, "NOTIFY") == 0) {
        handle_notify(r);
    } else if (strcmp(r->m.method, "CANCEL") == 0) {
        respond(r, 481, NULL, NULL);
        sip_log(r, SPA_LOG_INFO, "481");
    } else {
        bool k = known_method(r->m.method);
        respond(r, k ? 405 : 501, NULL, "Allow: NOTIFY\r\n");
        sip_log(r, SPA_LOG_INFO, k ? "405 only NOTIFY is served" : "501 unknown method");
    }
}

static void peer_texts(sip_req *r)
{
    const struct sockaddr *sa = r->peer;
    unsigned port = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &a6->sin6_addr, r->peer_ip, sizeof r->peer_ip);
        port = ntohs(a6->sin6_port);
        snprintf(r->peer_text, sizeof r->peer_text, "[%s]:%u", r->peer_ip, port);
        return;
    }
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
    inet_ntop(AF_INET, &a4->sin_addr, r->peer_ip, sizeof r->peer_ip);
    port = ntohs(a4->sin_port);
    snprintf(r->peer_text, sizeof r->peer_text, "%s:%u", r->peer_ip, port);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    spa_device_sip *s = arg;
    (void)what;
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, s->buf, sizeof s->buf - 1, 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
            return;
        if (from.ss_family != AF_INET && from.ss_family != AF_INET6)
            continue;
        sip_req r;
        memset(&r, 0, sizeof r);
        r.s = s;
        r.peer = (const struct sockaddr *)&from;
        r.plen = flen;
        peer_texts(&r);
        s->buf[n] = '\0';
        handle(&r, (size_t)n);
        spa_sip_msg_free(&r.m);
    }
}

/* ---- life cycle ------------------------------------------------------------------------------ */

void spa_device_sip_free(spa_device_sip *s)
{
    if (!s)
        return;
    if (s->ev)
        event_free(s->ev);
    if (s->fd >= 0)
        close(s->fd);
    for (size_t i = 0; i < SIP_TXN_MAX; i++)
        spa_buf_free(&s->txn[i].resp);
    OPENSSL_cleanse(&s->key, sizeof s->key);
    free(s);
}

/* addr ("127.0.0.1", "::1", "[::1]") and port into a socket address. */
static int listen_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
                       socklen_t *len)
{
    char text[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
    if (n >= sizeof text)
        return -1;
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        memcpy(text, addr + 1, n - 2);
        text[n - 2] = '\0';
    } else {
        memcpy(text, addr, n + 1);
    }
    memset(ss, 0, sizeof *ss);
    if (addr[0] != '[' && inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return 0;
    }
    return -1;
}

static void set_realm(spa_device_sip *s)
{
    const spa_model *mo = spa_params_model(spa_device_params(s->dev));
    snprintf(s->realm, sizeof s->realm, "%s", mo->product && *mo->product ? mo->product : mo->name);
}

int spa_device_sip_listen(spa_device *dev, const char *addr, uint16_t port, spa_diags *d)
{
    struct sockaddr_storage ss;
    socklen_t slen;
    const char *a = addr ? addr : "127.0.0.1";
    if (listen_addr(a, port, &ss, &slen) < 0)
        return spa_diag_error(d, "sip-address", "SIP address '%.80s': expected an IPv4 or IPv6 address", a);
    spa_device_sip *s = calloc(1, sizeof *s);
    if (!s)
        return spa_diag_error(d, "oom", "out of memory");
    s->dev = dev;
    set_realm(s);
    s->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&ss, slen) < 0 ||
        getsockname(s->fd, (struct sockaddr *)&bound, &blen) < 0) {
        spa_diag_error(d, "sip-bind", "cannot bind UDP %s port %u: %s", a, (unsigned)port,
                       strerror(errno));
        goto fail;
    }
    s->port = ntohs(bound.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *)(void *)&bound)->sin6_port
                        : ((struct sockaddr_in *)(void *)&bound)->sin_port);
    if (spa_sip_nonce_key_init(&s->key, SIP_NONCE_LIFETIME) < 0) {
        spa_diag_error(d, "sip-random", "no random bytes for the nonce secret");
        goto fail;
    }
    s->ev = event_new(spa_device_base(dev), s->fd, EV_READ | EV_PERSIST, on_read, s);
    if (!s->ev || event_add(s->ev, NULL) < 0) {
        spa_diag_error(d, "sip-event", "cannot register the SIP socket");
        goto fail;
    }
    spa_device_sip **slot = spa_device_sip_slot(dev);
    spa_device_sip_free(*slot);
    *slot = s;
    return 0;
fail:
    spa_device_sip_free(s);
    return -1;
}

uint16_t spa_device_sip_port(const spa_device *dev)
{
    const spa_device_sip *s = spa_device_sip_get(dev);
    return s ? s->port : 0;
}
