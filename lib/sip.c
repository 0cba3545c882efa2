/* sip.c — SIP request parsing, responses, RFC 2617 digest and stateless
 * nonces for the device's NOTIFY listener (include/spaprov/sip.h). Kept
 * free of I/O so the parser can be unit tested and fuzzed on its own;
 * every malformed input ends in a precise status and reason, never in a
 * half-parsed message being acted on. docs/sip.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "spaprov/hex.h"
#include "spaprov/sip.h"

/* ---- characters ------------------------------------------------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 3261 token characters. */
static bool is_token_char(char c)
{
    return isalnum((unsigned char)c) || strchr("-.!%*_+`'~", c) != NULL;
}

static bool is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !is_token_char(s[i]))
            return false;
    return true;
}

/* ---- header names ------------------------------------------------------------------ */

typedef struct known_header {
    char compact;          /* RFC 3261 §7.3.3 / RFC 3265 compact form, or 0 */
    const char *name;
} known_header;

static const known_header known_headers[] = {
    { 'v', "Via" },            { 'f', "From" },           { 't', "To" },
    { 'i', "Call-ID" },        { 'm', "Contact" },        { 'l', "Content-Length" },
    { 'c', "Content-Type" },   { 'e', "Content-Encoding" }, { 's', "Subject" },
    { 'k', "Supported" },      { 'o', "Event" },          { 'u', "Allow-Events" },
    { 'r', "Refer-To" },       { 'b', "Referred-By" },    { 'x', "Session-Expires" },
    { 'a', "Accept-Contact" }, { 'j', "Reject-Contact" }, { 'd', "Request-Disposition" },
    { 'y', "Identity" },       { 'n', "Identity-Info" },  { 0, "CSeq" },
    { 0, "Authorization" },    { 0, "Proxy-Authorization" }, { 0, "Max-Forwards" },
    { 0, "Subscription-State" }, { 0, "User-Agent" },     { 0, "Allow" },
    { 0, "Require" },          { 0, "Expires" },
};

/* The canonical long name of a known header written name[n] (either form,
 * any case), or NULL. */
static const char *canonical_name(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof known_headers / sizeof known_headers[0]; i++) {
        const known_header *k = &known_headers[i];
        if (n == 1 && k->compact && tolower((unsigned char)name[0]) == k->compact)
            return k->name;
        if (strlen(k->name) == n && strncasecmp(k->name, name, n) == 0)
            return k->name;
    }
    return NULL;
}

static bool same_header(const char *a, const char *b)
{
    const char *ca = canonical_name(a, strlen(a));
    const char *cb = canonical_name(b, strlen(b));
    if (ca || cb)
        return ca == cb;
    return strcasecmp(a, b) == 0;
}

const char *spa_sip_header_get(const spa_sip_msg *m, const char *name)
{
    for (size_t i = 0; i < m->nhdr; i++)
        if (same_header(m->hdr[i].name, name))
            return m->hdr[i].value;
    return NULL;
}

size_t spa_sip_header_count(const spa_sip_msg *m, const char *name)
{
    size_t c = 0;
    for (size_t i = 0; i < m->nhdr; i++)
        c += same_header(m->hdr[i].name, name);
    return c;
}

/* ---- parser -------------------------------------------------------------------------- */

typedef struct parse_ctx {
    spa_sip_msg *m;
    char *w;              /* next free byte in m->store */
    spa_sip_error *err;
} parse_ctx;

static int fail(spa_sip_error *err, int status, const char *reason)
{
    if (!err->reason) {
        err->status = status;
        err->reason = reason;
    }
    return -1;
}

/* Copy s[n] into the store as a NUL-terminated string. */
static char *store(parse_ctx *c, const char *s, size_t n)
{
    char *p = c->w;
    memcpy(p, s, n);
    p[n] = '\0';
    c->w += n + 1;
    return p;
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((*s)[*n - 1]))
        (*n)--;
}

/* No NUL, CR or other control characters (HT allowed) in a line. */
static bool clean_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

static int parse_request_line(parse_ctx *c, const char *s, size_t n)
{
    const char *tok[4];
    size_t len[4], k = 0, i = 0;
    if (n >= 4 && strncmp(s, "SIP/", 4) == 0)
        return fail(c->err, 0, "a response, not a request");
    if (!clean_line(s, n))
        return fail(c->err, 400, "Bad Request - control character in request line");
    while (i < n && k < 4) {
        while (i < n && is_ws(s[i]))
            i++;
        if (i == n)
            break;
        tok[k] = s + i;
        while (i < n && !is_ws(s[i]))
            i++;
        len[k] = (size_t)(s + i - tok[k]);
        k++;
    }
    if (k != 3)
        return fail(c->err, 400, "Bad Request - malformed request line");
    if (!is_token(tok[0], len[0]))
        return fail(c->err, 400, "Bad Request - malformed method");
    c->m->method = store(c, tok[0], len[0]);
    if (!memchr(tok[1], ':', len[1]))
        return fail(c->err, 400, "Bad Request - malformed Request-URI");
    c->m->uri = store(c, tok[1], len[1]);
    if (len[2] != 7 || strncasecmp(tok[2], "SIP/2.0", 7) != 0)
        return fail(c->err, len[2] > 4 && strncasecmp(tok[2], "SIP/", 4) == 0 ? 505 : 400,
                    len[2] > 4 && strncasecmp(tok[2], "SIP/", 4) == 0
                        ? "Version Not Supported" : "Bad Request - malformed SIP version");
    return 0;
}

/* One logical header (continuation lines already joined into line[n] by
 * the caller: s points into the store's scratch copy). */
static int add_header(parse_ctx *c, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return fail(c->err, 400, "Bad Request - header line without ':'");
    const char *name = s, *value = colon + 1;
    size_t nlen = (size_t)(colon - s), vlen = n - nlen - 1;
    trim(&name, &nlen);
    trim(&value, &vlen);
    if (!is_token(name, nlen))
        return fail(c->err, 400, "Bad Request - malformed header name");
    if (c->m->nhdr == SPA_SIP_MAX_HEADERS)
        return fail(c->err, 400, "Bad Request - too many headers");
    spa_sip_header *h = &c->m->hdr[c->m->nhdr++];
    const char *canon = canonical_name(name, nlen);
    h->name = canon ? canon : store(c, name, nlen);
    h->value = store(c, value, vlen);
    return 0;
}

/* Split the header section hs[n] into lines, join folded lines (a line
 * starting with SP/HT continues the previous one, RFC 3261 §7.3.1) and add
 * each header. The first line is the request line. Parsing goes on after an
 * error (the first one is kept) so that an answer can still copy Via etc.;
 * only a response as first line stops it. */
static int parse_lines(parse_ctx *c, const char *hs, size_t n, char *scratch)
{
    size_t i = 0, slen = 0;
    bool first = true, have = false;
    int rc = 0;
    while (i < n) {
        const char *nl = memchr(hs + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - hs) : n, ll = end - i;
        const char *line = hs + i;
        if (ll && line[ll - 1] == '\r')
            ll--;
        i = nl ? end + 1 : n;
        if (first) {
            first = false;
            if (parse_request_line(c, line, ll) < 0) {
                if (c->err->status == 0)
                    return -1;
                rc = -1;
            }
            continue;
        }
        if (!clean_line(line, ll)) {
            rc = fail(c->err, 400, "Bad Request - control character in a header");
            continue;
        }
        if (ll && is_ws(line[0])) {
            if (!have) {
                rc = fail(c->err, 400, "Bad Request - continuation line without a header");
                continue;
            }
            const char *t = line;
            size_t tl = ll;
            trim(&t, &tl);
            scratch[slen++] = ' ';
            memcpy(scratch + slen, t, tl);
            slen += tl;
            continue;
        }
        if (have && add_header(c, scratch, slen) < 0)
            rc = -1;
        memcpy(scratch, line, ll);
        slen = ll;
        have = ll > 0;
    }
    if (have && add_header(c, scratch, slen) < 0)
        rc = -1;
    return rc;
}

static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int check_cseq(spa_sip_msg *m, spa_sip_error *err)
{
    const char *v = spa_sip_header_get(m, "CSeq");
    size_t num = strspn(v, "0123456789");
    uint64_t n;
    if (parse_uint(v, num, 0x7fffffffu, &n) < 0 || !is_ws(v[num]))
        return fail(err, 400, "Bad Request - malformed CSeq");
    const char *meth = v + num;
    while (is_ws(*meth))
        meth++;
    if (strcmp(meth, m->method) != 0)
        return fail(err, 400, "Bad Request - CSeq method does not match the request");
    m->cseq = (uint32_t)n;
    return 0;
}

/* Mandatory headers (RFC 3261 §8.1.1), single-valued ones not repeated,
 * CSeq and Content-Length well formed; sets the body. */
static int check_headers(spa_sip_msg *m, const char *body, size_t avail, spa_sip_error *err)
{
    static const char *const need[] = { "From", "To", "Call-ID", "CSeq" };
    static const char *const missing[] = { "Bad Request - missing From",
        "Bad Request - missing To", "Bad Request - missing Call-ID",
        "Bad Request - missing CSeq" };
    static const char *const repeated[] = { "Bad Request - repeated From",
        "Bad Request - repeated To", "Bad Request - repeated Call-ID",
        "Bad Request - repeated CSeq" };
    for (size_t i = 0; i < 4; i++) {
        size_t k = spa_sip_header_count(m, need[i]);
        if (k != 1)
            return fail(err, 400, k ? repeated[i] : missing[i]);
    }
    if (check_cseq(m, err) < 0)
        return -1;
    size_t kl = spa_sip_header_count(m, "Content-Length");
    m->body = body;
    m->body_len = avail;
    if (kl > 1)
        return fail(err, 400, "Bad Request - repeated Content-Length");
    if (kl == 1) {
        const char *v = spa_sip_header_get(m, "Content-Length");
        uint64_t cl;
        if (parse_uint(v, strlen(v), SPA_SIP_MAX_MESSAGE, &cl) < 0)
            return fail(err, 400, "Bad Request - malformed Content-Length");
        if (cl > avail)
            return fail(err, 400, "Bad Request - body shorter than Content-Length");
        m->body_len = (size_t)cl;  /* extra bytes are discarded (RFC 3261 §18.3) */
    }
    return 0;
}

/* End of the header section: the first empty line (CRLF CRLF, or bare LF
 * as lenient peers send). *body_off is where the body starts. */
static bool find_headers_end(const char *s, size_t n, size_t *hlen, size_t *body_off)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n')
            continue;
        size_t j = i + 1;
        if (j < n && s[j] == '\r')
            j++;
        if (j < n && s[j] == '\n') {
            *hlen = i + 1;
            *body_off = j + 1;
            return true;
        }
    }
    return false;
}

int spa_sip_parse(const void *data, size_t len, spa_sip_msg *m, spa_sip_error *err)
{
    const char *s = data;
    size_t hlen = len, body_off = len;
    parse_ctx c;
    memset(m, 0, sizeof *m);
    err->status = 0;
    err->reason = NULL;
    if (len == 0 || len > SPA_SIP_MAX_MESSAGE)
        return fail(err, 0, len ? "datagram too large" : "empty datagram");
    bool ended = find_headers_end(s, len, &hlen, &body_off);
    /* the store holds the request line's tokens and name/value pairs (each
     * shorter than the lines they came from); the scratch a joined header */
    m->store = malloc(2 * hlen + 8);
    if (!m->store)
        return fail(err, 0, "out of memory");
    c.m = m;
    c.w = m->store;
    c.err = err;
    int rc = parse_lines(&c, s, hlen, m->store + hlen + 4);
    if (rc < 0 && err->status == 0)
        return -1;                       /* a response: never answered */
    if (spa_sip_header_count(m, "Via") == 0) {
        fail(err, 0, "no Via header");
        err->status = 0;                 /* nowhere to send an answer */
        return -1;
    }
    if (rc < 0)
        return -1;
    if (!ended)
        return fail(err, 400, "Bad Request - no empty line after the headers");
    return check_headers(m, s + body_off, len - body_off, err);
}

void spa_sip_msg_free(spa_sip_msg *m)
{
    free(m->store);
    memset(m, 0, sizeof *m);
}

int spa_sip_event_type(const char *value, char *out, size_t n)
{
    const char *s = value ? value : "";
    size_t len = strcspn(s, ";");
    trim(&s, &len);
    if (!is_token(s, len) || len >= n)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* ---- responses ------------------------------------------------------------------------ */

const char *spa_sip_reason(int status)
{
    switch (status) {
    case 100: return "Trying";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 481: return "Call/Transaction Does Not Exist";
    case 489: return "Bad Event";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    default: return "Unknown";
    }
}

/* True when a To/From value carries a tag parameter (after the URI). */
static bool has_tag(const char *v)
{
    const char *p = strchr(v, '>');
    for (p = p ? p : v; (p = strchr(p, ';')) != NULL; p++) {
        const char *q = p + 1;
        while (is_ws(*q))
            q++;
        if (strncasecmp(q, "tag", 3) == 0 && (q[3] == '=' || is_ws(q[3])))
            return true;
    }
    return false;
}

int spa_sip_response(const spa_sip_msg *req, int status, const char *reason,
                     const char *to_tag, const char *extra, spa_buf *out)
{
    int rc = spa_buf_printf(out, "SIP/2.0 %d %s\r\n", status, reason ? reason : spa_sip_reason(status));
    for (size_t i = 0; i < req->nhdr; i++)
        if (strcmp(req->hdr[i].name, "Via") == 0)
            rc |= spa_buf_printf(out, "Via: %s\r\n", req->hdr[i].value);
    const char *from = spa_sip_header_get(req, "From");
    const char *to = spa_sip_header_get(req, "To");
    const char *callid = spa_sip_header_get(req, "Call-ID");
    const char *cseq = spa_sip_header_get(req, "CSeq");
    if (from)
        rc |= spa_buf_printf(out, "From: %s\r\n", from);
    if (to) {
        bool add = status > 100 && to_tag && *to_tag && !has_tag(to);
        rc |= spa_buf_printf(out, "To: %s%s%s\r\n", to, add ? ";tag=" : "", add ? to_tag : "");
    }
    if (callid)
        rc |= spa_buf_printf(out, "Call-ID: %s\r\n", callid);
    if (cseq)
        rc |= spa_buf_printf(out, "CSeq: %s\r\n", cseq);
    if (extra)
        rc |= spa_buf_puts(out, extra);
    rc |= spa_buf_puts(out, "Content-Length: 0\r\n\r\n");
    return rc ? -1 : 0;
}

/* ---- digest ------------------------------------------------------------------------------- */

typedef struct digest_field {
    const char *name;
    size_t off;
} digest_field;

static const digest_field digest_fields[] = {
    { "username", offsetof(spa_sip_digest, username) },
    { "realm", offsetof(spa_sip_digest, realm) },
    { "nonce", offsetof(spa_sip_digest, nonce) },
    { "uri", offsetof(spa_sip_digest, uri) },
    { "response", offsetof(spa_sip_digest, response) },
    { "algorithm", offsetof(spa_sip_digest, algorithm) },
    { "cnonce", offsetof(spa_sip_digest, cnonce) },
    { "opaque", offsetof(spa_sip_digest, opaque) },
    { "qop", offsetof(spa_sip_digest, qop) },
    { "nc", offsetof(spa_sip_digest, nc) },
};
#define N_DIGEST_FIELDS (sizeof digest_fields / sizeof digest_fields[0])

/* One value: a quoted string (backslash escapes) or a token, into out
 * (NULL = skip; out has SPA_SIP_FIELD_MAX bytes). Returns the position
 * after it, or NULL when malformed or too long. */
static const char *digest_value(const char *p, char *out)
{
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (!*p)
                return NULL;
            if (*p == '\\' && !*++p)
                return NULL;
            if (out && n + 1 >= SPA_SIP_FIELD_MAX)
                return NULL;
            if (out)
                out[n++] = *p;
        }
        p++;
    } else {
        for (; *p && is_token_char(*p); p++) {
            if (out && n + 1 >= SPA_SIP_FIELD_MAX)
                return NULL;
            if (out)
                out[n++] = *p;
        }
        if (n == 0 && out)
            return NULL;
    }
    if (out)
        out[n] = '\0';
    return p;
}

static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int digest_required(const spa_sip_digest *dg, const char **why)
{
    if (!dg->username[0] || !dg->realm[0] || !dg->nonce[0] || !dg->uri[0] || !dg->response[0]) {
        *why = "digest without username, realm, nonce, uri or response";
        return -1;
    }
    if (!is_hex(dg->response, 32)) {
        *why = "digest response is not 32 hex digits";
        return -1;
    }
    if (dg->qop[0] && (!dg->cnonce[0] || !is_hex(dg->nc, 8))) {
        *why = "digest with qop but without cnonce or an 8-digit nc";
        return -1;
    }
    return 0;
}

int spa_sip_digest_parse(const char *value, spa_sip_digest *dg, const char **why)
{
    unsigned seen = 0;
    const char *dummy;
    const char *p = value;
    if (!why)
        why = &dummy;
    memset(dg, 0, sizeof *dg);
    while (is_ws(*p))
        p++;
    if (strncasecmp(p, "Digest", 6) != 0 || !is_ws(p[6])) {
        *why = "not a Digest authorization";
        return -1;
    }
    p += 6;
    for (;;) {
        while (is_ws(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *name = p;
        while (is_token_char(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        while (is_ws(*p))
            p++;
        if (nlen == 0 || *p != '=') {
            *why = "malformed digest parameter";
            return -1;
        }
        for (p++; is_ws(*p); p++)
            ;
        char *out = NULL;
        for (size_t i = 0; i < N_DIGEST_FIELDS; i++) {
            if (strlen(digest_fields[i].name) != nlen ||
                strncasecmp(digest_fields[i].name, name, nlen) != 0)
                continue;
            if (seen & (1u << i)) {
                *why = "repeated digest parameter";
                return -1;
            }
            seen |= 1u << i;
            out = (char *)dg + digest_fields[i].off;
        }
        if (!(p = digest_value(p, out))) {
            *why = "malformed or too long digest value";
            return -1;
        }
        while (is_ws(*p))
            p++;
        if (*p && *p != ',') {
            *why = "malformed digest parameter list";
            return -1;
        }
    }
    return digest_required(dg, why);
}

/* MD5 of the ':'-joined parts, as 32 lower-case hex digits. */
static int md5_join(const char *const *parts, size_t n, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    int ok = x && EVP_DigestInit_ex(x, EVP_md5(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++)
        ok = (i == 0 || EVP_DigestUpdate(x, ":", 1) == 1) &&
             EVP_DigestUpdate(x, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(x, md, &mdlen) == 1 && mdlen == 16;
    EVP_MD_CTX_free(x);
    if (!ok)
        return -1;
    spa_hex_encode(md, 16, out);
    return 0;
}

int spa_sip_digest_expected(const spa_sip_digest *dg, const char *method,
                            const char *password, char out[33])
{
    char ha1[33], ha2[33];
    const char *p1[] = { dg->username, dg->realm, password };
    const char *p2[] = { method, dg->uri };
    if (md5_join(p1, 3, ha1) < 0 || md5_join(p2, 2, ha2) < 0)
        return -1;
    if (dg->qop[0]) {
        const char *p3[] = { ha1, dg->nonce, dg->nc, dg->cnonce, dg->qop, ha2 };
        return md5_join(p3, 6, out);
    }
    const char *p3[] = { ha1, dg->nonce, ha2 };
    return md5_join(p3, 3, out);
}

bool spa_sip_digest_verify(const spa_sip_digest *dg, const char *method, const char *password)
{
    char want[33], got[33];
    if (dg->algorithm[0] && strcasecmp(dg->algorithm, "MD5") != 0)
        return false;
    if (dg->qop[0] && strcmp(dg->qop, "auth") != 0)
        return false;
    if (!is_hex(dg->response, 32) || spa_sip_digest_expected(dg, method, password, want) < 0)
        return false;
    for (size_t i = 0; i < 33; i++)
        got[i] = (char)tolower((unsigned char)dg->response[i]);
    bool ok = CRYPTO_memcmp(want, got, 32) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

/* ---- nonces ---------------------------------------------------------------------------------- */

int spa_sip_nonce_key_init(spa_sip_nonce_key *k, unsigned lifetime)
{
    k->lifetime = lifetime;
    return RAND_bytes(k->secret, (int)sizeof k->secret) == 1 ? 0 : -1;
}

/* The 32 hex digits of HMAC-SHA256(secret, time salt "|" peer), first 16 bytes. */
static int nonce_mac(const spa_sip_nonce_key *k, const char *ts, const char *peer, char out[33])
{
    unsigned char md[32];
    size_t mdlen = 0;
    char msg[24 + 1 + 128];
    int n = snprintf(msg, sizeof msg, "%s|%s", ts, peer ? peer : "");
    if (n < 0 || (size_t)n >= sizeof msg)
        return -1;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->secret, sizeof k->secret,
                   (const unsigned char *)msg, (size_t)n, md, sizeof md, &mdlen) || mdlen != 32)
        return -1;
    spa_hex_encode(md, 16, out);
    return 0;
}

void spa_sip_nonce_make(const spa_sip_nonce_key *k, uint64_t now, const char *peer,
                        char out[SPA_SIP_NONCE_LEN + 1])
{
    char ts[25], mac[33];
    unsigned char salt[4] = { 0, 0, 0, 0 };
    if (RAND_bytes(salt, sizeof salt) != 1)
        salt[0] = 1;  /* still a valid nonce; only less unique */
    snprintf(ts, sizeof ts, "%016llx%02x%02x%02x%02x", (unsigned long long)now, salt[0], salt[1],
             salt[2], salt[3]);
    if (nonce_mac(k, ts, peer, mac) < 0)
        memset(mac, '0', 32), mac[32] = '\0';  /* never validates: check recomputes */
    snprintf(out, SPA_SIP_NONCE_LEN + 1, "%s%s", ts, mac);
}

spa_sip_nonce_status spa_sip_nonce_check(const spa_sip_nonce_key *k, const char *nonce,
                                         uint64_t now, const char *peer)
{
    char ts[25], mac[33], got[33];
    if (!nonce || !is_hex(nonce, SPA_SIP_NONCE_LEN))
        return SPA_NONCE_INVALID;
    for (size_t i = 0; i < 24; i++)
        ts[i] = (char)tolower((unsigned char)nonce[i]);
    ts[24] = '\0';
    for (size_t i = 0; i < 33; i++)
        got[i] = (char)tolower((unsigned char)nonce[24 + i]);
    if (nonce_mac(k, ts, peer, mac) < 0 || CRYPTO_memcmp(mac, got, 32) != 0)
        return SPA_NONCE_INVALID;
    ts[16] = '\0';
    uint64_t t = strtoull(ts, NULL, 16);
    if (t > now)
        return SPA_NONCE_INVALID;
    return now - t > k->lifetime ? SPA_NONCE_STALE : SPA_NONCE_VALID;
}
