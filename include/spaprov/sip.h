/* sip.h — the little SIP a provisioned SPA needs to take orders from its
 * proxy (guide §2.13: NOTIFY "Event: resync" / report / reboot_now /
 * restart_now, challenged with 401 and honoured only when authenticated):
 * an RFC 3261 request parser (compact header names, case-insensitive
 * names, folding, Content-Length), a response builder that copies
 * Via/From/To/Call-ID/CSeq, RFC 2617 digest verification (MD5, with and
 * without qop=auth) and stateless nonces (an HMAC of time, salt and peer under a
 * per-listener random secret, with expiry). No I/O here: the device's UDP
 * listener is lib/device_sip.c. Decisions are in docs/sip.md. */
#ifndef SPAPROV_SIP_H
#define SPAPROV_SIP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"

#define SPA_SIP_MAX_HEADERS 64      /* more is "400 Bad Request - too many headers" */
#define SPA_SIP_MAX_MESSAGE 65507   /* a UDP datagram */

/* One header as received: name in its canonical long form when it is a
 * known SIP header (compact "v" → "Via", "call-id" → "Call-ID"), value with
 * folding undone and surrounding whitespace removed. */
typedef struct spa_sip_header {
    const char *name;
    const char *value;
} spa_sip_header;

/* A parsed request. Strings point into storage owned by the message. */
typedef struct spa_sip_msg {
    char *store;                    /* owned: request line and headers, NUL separated */
    const char *method;             /* "NOTIFY" (case as received: methods are case-sensitive) */
    const char *uri;                /* Request-URI */
    spa_sip_header hdr[SPA_SIP_MAX_HEADERS];
    size_t nhdr;
    const char *body;               /* into the caller's data; Content-Length bytes */
    size_t body_len;
    uint32_t cseq;                  /* CSeq number */
} spa_sip_msg;

/* Why a parse failed: status is the SIP status to answer with (400, 505),
 * or 0 when no answer can be sent (not a request, a response, no Via);
 * reason is a short fixed text for the reason phrase and the log. */
typedef struct spa_sip_error {
    int status;
    const char *reason;
} spa_sip_error;

/* Parse one datagram as a SIP request. 0 with m filled (free with
 * spa_sip_msg_free); -1 with err set. After -1, m still holds what was
 * parsed (Via, From, ... for the error response) and must be freed. */
int spa_sip_parse(const void *data, size_t len, spa_sip_msg *m, spa_sip_error *err);
void spa_sip_msg_free(spa_sip_msg *m);
/* First header named name (any case, long or compact form); NULL if none. */
const char *spa_sip_header_get(const spa_sip_msg *m, const char *name);
/* Number of headers named name. */
size_t spa_sip_header_count(const spa_sip_msg *m, const char *name);
/* The event type of an Event header value ("resync;id=1" → "resync") into
 * out[n]; 0, or -1 when empty, not a token or too long. */
int spa_sip_event_type(const char *value, char *out, size_t n);

/* The standard reason phrase of status ("Unauthorized"); "Unknown" else. */
const char *spa_sip_reason(int status);
/* Append the response to req: status line (reason NULL = the standard
 * phrase), every Via in order, From, To (";tag=to_tag" added when the To has
 * none and status > 100), Call-ID, CSeq, then extra (complete header lines
 * each ending in CRLF, or NULL), "Content-Length: 0", blank line. 0 or -1. */
int spa_sip_response(const spa_sip_msg *req, int status, const char *reason,
                     const char *to_tag, const char *extra, spa_buf *out);

/* ---- RFC 2617 digest ---------------------------------------------------------- */

#define SPA_SIP_FIELD_MAX 256

/* The parameters of "Authorization: Digest ..." (values unquoted). */
typedef struct spa_sip_digest {
    char username[SPA_SIP_FIELD_MAX];
    char realm[SPA_SIP_FIELD_MAX];
    char nonce[SPA_SIP_FIELD_MAX];
    char uri[SPA_SIP_FIELD_MAX];
    char response[SPA_SIP_FIELD_MAX];
    char algorithm[SPA_SIP_FIELD_MAX];  /* "" = MD5 */
    char cnonce[SPA_SIP_FIELD_MAX];
    char opaque[SPA_SIP_FIELD_MAX];
    char qop[SPA_SIP_FIELD_MAX];        /* "" or "auth" */
    char nc[SPA_SIP_FIELD_MAX];
} spa_sip_digest;

/* Parse an Authorization value. 0, or -1 (why: a fixed text) when the
 * scheme is not Digest, the syntax is wrong, a parameter repeats or is too
 * long, or username/realm/nonce/uri/response (and with qop cnonce and an
 * 8-hex-digit nc) are missing or response is not 32 hex digits. */
int spa_sip_digest_parse(const char *value, spa_sip_digest *dg, const char **why);
/* The 32 lower-case hex digits the client must send (RFC 2617 §3.2.2.1:
 * with qop "auth" MD5(HA1:nonce:nc:cnonce:qop:HA2), without
 * MD5(HA1:nonce:HA2)) for dg's fields, method and password. 0 or -1. */
int spa_sip_digest_expected(const spa_sip_digest *dg, const char *method,
                            const char *password, char out[33]);
/* True when dg->response is right for method and password (algorithm MD5
 * or absent, qop auth or absent; compared in constant time). */
bool spa_sip_digest_verify(const spa_sip_digest *dg, const char *method, const char *password);

/* ---- stateless nonces ---------------------------------------------------------- */

#define SPA_SIP_NONCE_LEN 56  /* hex: 16 time, 8 random salt, 32 HMAC-SHA256 */

typedef struct spa_sip_nonce_key {
    uint8_t secret[32];
    unsigned lifetime;       /* seconds a nonce is fresh */
} spa_sip_nonce_key;

typedef enum spa_sip_nonce_status {
    SPA_NONCE_VALID = 0,
    SPA_NONCE_STALE = 1,     /* ours, but older than lifetime: 401 stale=true */
    SPA_NONCE_INVALID = -1   /* not made by this key for this peer (or from the future) */
} spa_sip_nonce_status;

/* A key with a fresh random secret (OpenSSL RAND_bytes). 0 or -1. */
int spa_sip_nonce_key_init(spa_sip_nonce_key *k, unsigned lifetime);
/* A new nonce for peer (its address text) at now (seconds, any clock the
 * caller keeps monotonic); a random salt makes every one different. */
void spa_sip_nonce_make(const spa_sip_nonce_key *k, uint64_t now, const char *peer,
                        char out[SPA_SIP_NONCE_LEN + 1]);
/* Check a nonce a client sent back from peer at now. */
spa_sip_nonce_status spa_sip_nonce_check(const spa_sip_nonce_key *k, const char *nonce,
                                         uint64_t now, const char *peer);

#endif
