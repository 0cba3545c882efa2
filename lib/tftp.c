/* tftp.c — TFTP packet codec, option negotiation and the server's path check.
 * Everything here works on byte arrays: no sockets, no clocks. Decoding is
 * strict so that a malformed packet gets a precise ERROR instead of a guess;
 * the only leniency is trailing NUL padding after a request's options, which
 * some boot ROMs send. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "spaprov/tftp.h"

void spa_tftp_err_set(spa_tftp_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

const char *spa_tftp_error_text(int code)
{
    static const char *const text[] = {
        "not defined", "file not found", "access violation",
        "disk full or allocation exceeded", "illegal TFTP operation",
        "unknown transfer ID", "file already exists", "no such user",
        "option negotiation refused",
    };
    if (code < 0 || code > 8)
        return "unknown error";
    return text[code];
}

const char *spa_tftp_opcode_name(int opcode)
{
    static const char *const names[] = { "?", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK" };
    if (opcode < 1 || opcode > 6)
        return "unknown";
    return names[opcode];
}

/* ---- decoding ----------------------------------------------------------- */

/* Find the NUL ending the string at p[off..n); its index or -1. */
static long find_nul(const uint8_t *p, size_t off, size_t n)
{
    const void *z = off < n ? memchr(p + off, 0, n - off) : NULL;
    return z ? (long)((const uint8_t *)z - p) : -1;
}

/* Parse a decimal option value with no sign, space or leading '+'. */
static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* Record one option (name=value) into o; unknown names are counted. */
static int take_option(const char *name, const char *val, spa_tftp_opts *o, unsigned *unknown,
                       spa_tftp_err *err)
{
    static const struct { const char *name; unsigned bit; uint64_t lo, hi; } known[] = {
        { "blksize", SPA_TFTP_OPT_BLKSIZE, SPA_TFTP_BLKSIZE_MIN, SPA_TFTP_BLKSIZE_MAX },
        { "tsize", SPA_TFTP_OPT_TSIZE, 0, (uint64_t)INT64_MAX },
        { "timeout", SPA_TFTP_OPT_TIMEOUT, SPA_TFTP_TIMEOUT_MIN, SPA_TFTP_TIMEOUT_MAX },
        { "windowsize", SPA_TFTP_OPT_WINDOWSIZE, SPA_TFTP_WINDOW_MIN, SPA_TFTP_WINDOW_MAX },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcasecmp(name, known[i].name) != 0)
            continue;
        uint64_t v;
        if (o->present & known[i].bit) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "duplicate option '%s'", known[i].name);
            return -1;
        }
        if (parse_uint(val, UINT64_MAX, &v) < 0) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "option '%s': value '%.40s' is not a number",
                             known[i].name, val);
            return -1;
        }
        if (v < known[i].lo || v > known[i].hi) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG,
                             "option '%s': %llu out of range %llu..%llu", known[i].name,
                             (unsigned long long)v, (unsigned long long)known[i].lo,
                             (unsigned long long)known[i].hi);
            return -1;
        }
        o->present |= known[i].bit;
        switch (known[i].bit) {
        case SPA_TFTP_OPT_BLKSIZE: o->blksize = (unsigned)v; break;
        case SPA_TFTP_OPT_TSIZE: o->tsize = v; break;
        case SPA_TFTP_OPT_TIMEOUT: o->timeout = (unsigned)v; break;
        default: o->windowsize = (unsigned)v; break;
        }
        return 0;
    }
    (*unknown)++;
    return 0;
}

/* Parse the name/value pairs from p[off..n). */
static int decode_options(const uint8_t *p, size_t off, size_t n, spa_tftp_packet *pk,
                          spa_tftp_err *err)
{
    while (off < n) {
        if (p[off] == 0) {
            /* Padding: allowed only if everything left is NUL. */
            for (size_t i = off; i < n; i++)
                if (p[i] != 0) {
                    spa_tftp_err_set(err, SPA_TFTP_EBADOP, "empty option name at offset %zu", off);
                    return -1;
                }
            return 0;
        }
        long ne = find_nul(p, off, n);
        if (ne < 0) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "option name at offset %zu not NUL-terminated", off);
            return -1;
        }
        long ve = find_nul(p, (size_t)ne + 1, n);
        if (ve < 0) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "option '%.40s' has no NUL-terminated value",
                             (const char *)p + off);
            return -1;
        }
        if (take_option((const char *)p + off, (const char *)p + ne + 1, &pk->opts,
                        &pk->unknown_opts, err) < 0)
            return -1;
        off = (size_t)ve + 1;
    }
    return 0;
}

static int decode_request(const uint8_t *p, size_t n, spa_tftp_packet *pk, spa_tftp_err *err)
{
    long fe = find_nul(p, 2, n);
    if (fe < 0) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "%s: file name not NUL-terminated",
                         spa_tftp_opcode_name(pk->opcode));
        return -1;
    }
    if (fe == 2) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "%s: empty file name", spa_tftp_opcode_name(pk->opcode));
        return -1;
    }
    long me = find_nul(p, (size_t)fe + 1, n);
    if (me < 0) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "%s: mode missing or not NUL-terminated",
                         spa_tftp_opcode_name(pk->opcode));
        return -1;
    }
    const char *mode = (const char *)p + fe + 1;
    if (strcasecmp(mode, "octet") == 0) {
        pk->mode = SPA_TFTP_OCTET;
    } else if (strcasecmp(mode, "netascii") == 0) {
        pk->mode = SPA_TFTP_NETASCII;
    } else if (strcasecmp(mode, "mail") == 0) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "mode 'mail' is not supported");
        return -1;
    } else {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "unknown mode '%.32s'", mode);
        return -1;
    }
    pk->filename = (const char *)p + 2;
    return decode_options(p, (size_t)me + 1, n, pk, err);
}

int spa_tftp_decode(const uint8_t *p, size_t n, spa_tftp_packet *pk, spa_tftp_err *err)
{
    memset(pk, 0, sizeof *pk);
    if (n < 2) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "packet of %zu bytes is too short for an opcode", n);
        return -1;
    }
    if (n > SPA_TFTP_PACKET_MAX) {
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "packet of %zu bytes exceeds %u", n,
                         SPA_TFTP_PACKET_MAX);
        return -1;
    }
    pk->opcode = (int)(p[0] << 8 | p[1]);
    switch (pk->opcode) {
    case SPA_TFTP_RRQ:
    case SPA_TFTP_WRQ:
        return decode_request(p, n, pk, err);
    case SPA_TFTP_DATA:
        if (n < 4) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "DATA truncated: %zu bytes, need 4", n);
            return -1;
        }
        pk->block = (unsigned)(p[2] << 8 | p[3]);
        pk->data = p + 4;
        pk->datalen = n - 4;
        return 0;
    case SPA_TFTP_ACK:
        if (n != 4) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "ACK must be 4 bytes, got %zu", n);
            return -1;
        }
        pk->block = (unsigned)(p[2] << 8 | p[3]);
        return 0;
    case SPA_TFTP_ERROR: {
        if (n < 5) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "ERROR truncated: %zu bytes, need 5", n);
            return -1;
        }
        long me = find_nul(p, 4, n);
        if (me < 0) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "ERROR message not NUL-terminated");
            return -1;
        }
        if ((size_t)me != n - 1) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "%zu trailing bytes after ERROR message",
                             n - 1 - (size_t)me);
            return -1;
        }
        pk->errcode = (int)(p[2] << 8 | p[3]);
        pk->errmsg = (const char *)p + 4;
        return 0;
    }
    case SPA_TFTP_OACK:
        if (n == 2) {
            spa_tftp_err_set(err, SPA_TFTP_EBADOP, "OACK without options");
            return -1;
        }
        return decode_options(p, 2, n, pk, err);
    default:
        spa_tftp_err_set(err, SPA_TFTP_EBADOP, "unknown opcode %d", pk->opcode);
        return -1;
    }
}

/* ---- encoding ----------------------------------------------------------- */

typedef struct wr { uint8_t *p; size_t cap, len; int bad; } wr;

static void wr_bytes(wr *w, const void *s, size_t n)
{
    if (w->bad || n > w->cap - w->len) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void wr_u16(wr *w, unsigned v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    wr_bytes(w, b, 2);
}

static void wr_str(wr *w, const char *s)
{
    wr_bytes(w, s, strlen(s) + 1);
}

static void wr_opt(wr *w, const char *name, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    wr_str(w, name);
    wr_str(w, num);
}

static void wr_opts(wr *w, const spa_tftp_opts *o)
{
    if (!o)
        return;
    if (o->present & SPA_TFTP_OPT_BLKSIZE)
        wr_opt(w, "blksize", o->blksize);
    if (o->present & SPA_TFTP_OPT_TSIZE)
        wr_opt(w, "tsize", o->tsize);
    if (o->present & SPA_TFTP_OPT_TIMEOUT)
        wr_opt(w, "timeout", o->timeout);
    if (o->present & SPA_TFTP_OPT_WINDOWSIZE)
        wr_opt(w, "windowsize", o->windowsize);
}

static int opts_valid(const spa_tftp_opts *o)
{
    if (!o)
        return 1;
    if ((o->present & SPA_TFTP_OPT_BLKSIZE) &&
        (o->blksize < SPA_TFTP_BLKSIZE_MIN || o->blksize > SPA_TFTP_BLKSIZE_MAX))
        return 0;
    if ((o->present & SPA_TFTP_OPT_TIMEOUT) &&
        (o->timeout < SPA_TFTP_TIMEOUT_MIN || o->timeout > SPA_TFTP_TIMEOUT_MAX))
        return 0;
    if ((o->present & SPA_TFTP_OPT_WINDOWSIZE) &&
        (o->windowsize < SPA_TFTP_WINDOW_MIN || o->windowsize > SPA_TFTP_WINDOW_MAX))
        return 0;
    return 1;
}

size_t spa_tftp_encode_request(uint8_t *out, size_t cap, int opcode, const char *filename,
                               spa_tftp_mode mode, const spa_tftp_opts *opts)
{
    wr w = { out, cap, 0, 0 };

    if ((opcode != SPA_TFTP_RRQ && opcode != SPA_TFTP_WRQ) || !filename || !*filename ||
        !opts_valid(opts))
        return 0;
    wr_u16(&w, (unsigned)opcode);
    wr_str(&w, filename);
    wr_str(&w, mode == SPA_TFTP_NETASCII ? "netascii" : "octet");
    wr_opts(&w, opts);
    return w.bad ? 0 : w.len;
}

size_t spa_tftp_encode_data(uint8_t *out, size_t cap, unsigned block, const void *data,
                            size_t len)
{
    wr w = { out, cap, 0, 0 };

    if (block > 0xffff || len > SPA_TFTP_BLKSIZE_MAX)
        return 0;
    wr_u16(&w, SPA_TFTP_DATA);
    wr_u16(&w, block);
    if (len)
        wr_bytes(&w, data, len);
    return w.bad ? 0 : w.len;
}

size_t spa_tftp_encode_ack(uint8_t *out, size_t cap, unsigned block)
{
    wr w = { out, cap, 0, 0 };

    if (block > 0xffff)
        return 0;
    wr_u16(&w, SPA_TFTP_ACK);
    wr_u16(&w, block);
    return w.bad ? 0 : w.len;
}

size_t spa_tftp_encode_error(uint8_t *out, size_t cap, int code, const char *msg)
{
    wr w = { out, cap, 0, 0 };

    if (code < 0 || code > 0xffff)
        return 0;
    wr_u16(&w, SPA_TFTP_ERROR);
    wr_u16(&w, (unsigned)code);
    wr_str(&w, msg ? msg : spa_tftp_error_text(code));
    return w.bad ? 0 : w.len;
}

int spa_tftp_opts_parse(const char *list, spa_tftp_opts *o, spa_tftp_err *err)
{
    spa_tftp_opts out;
    unsigned unknown = 0;
    const char *p = list;
    memset(&out, 0, sizeof out);
    while (p && *p) {
        char item[64], *eq;
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof item) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "malformed option list at '%.20s'", p);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        eq = strchr(item, '=');
        if (eq)
            *eq++ = '\0';
        if (!eq && strcasecmp(item, "tsize") != 0) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "option '%s' needs a value", item);
            return -1;
        }
        if (take_option(item, eq ? eq : "0", &out, &unknown, err) < 0)
            return -1;
        if (unknown) {
            spa_tftp_err_set(err, SPA_TFTP_EOPTNEG,
                             "unknown option '%s' (blksize, tsize, timeout, windowsize)", item);
            return -1;
        }
        p += n + (p[n] == ',');
    }
    *o = out;
    return 0;
}

size_t spa_tftp_encode_oack(uint8_t *out, size_t cap, const spa_tftp_opts *opts)
{
    wr w = { out, cap, 0, 0 };

    if (!opts || !opts->present || !opts_valid(opts))
        return 0;
    wr_u16(&w, SPA_TFTP_OACK);
    wr_opts(&w, opts);
    return w.bad ? 0 : w.len;
}

/* ---- negotiation -------------------------------------------------------- */

int spa_tftp_negotiate(const spa_tftp_limits *lim, int opcode, const spa_tftp_opts *req,
                       uint64_t filesize, spa_tftp_opts *ack, spa_tftp_err *err)
{
    unsigned bmax = lim && lim->blksize_max ? lim->blksize_max : SPA_TFTP_BLKSIZE_MTU;
    unsigned wmax = lim && lim->windowsize_max ? lim->windowsize_max : 64;
    uint64_t wrq_max = lim ? lim->wrq_max : 0;

    memset(ack, 0, sizeof *ack);
    if (bmax < SPA_TFTP_BLKSIZE_MIN)
        bmax = SPA_TFTP_BLKSIZE_MIN;
    if (bmax > SPA_TFTP_BLKSIZE_MAX)
        bmax = SPA_TFTP_BLKSIZE_MAX;
    if (opcode == SPA_TFTP_WRQ && (req->present & SPA_TFTP_OPT_TSIZE) && req->tsize > wrq_max) {
        spa_tftp_err_set(err, SPA_TFTP_ENOSPACE,
                         "disk full or allocation exceeded: %llu octets announced, limit %llu",
                         (unsigned long long)req->tsize, (unsigned long long)wrq_max);
        return -1;
    }
    if (req->present & SPA_TFTP_OPT_BLKSIZE) {
        ack->present |= SPA_TFTP_OPT_BLKSIZE;
        ack->blksize = req->blksize < bmax ? req->blksize : bmax;
    }
    if (req->present & SPA_TFTP_OPT_TIMEOUT) {
        ack->present |= SPA_TFTP_OPT_TIMEOUT;
        ack->timeout = req->timeout;
    }
    if (req->present & SPA_TFTP_OPT_WINDOWSIZE) {
        ack->present |= SPA_TFTP_OPT_WINDOWSIZE;
        ack->windowsize = req->windowsize < wmax ? req->windowsize : wmax;
    }
    if (req->present & SPA_TFTP_OPT_TSIZE) {
        if (opcode == SPA_TFTP_WRQ) {
            ack->present |= SPA_TFTP_OPT_TSIZE;
            ack->tsize = req->tsize;
        } else if (filesize != UINT64_MAX) {
            ack->present |= SPA_TFTP_OPT_TSIZE;
            ack->tsize = filesize;
        }
    }
    return 0;
}

int spa_tftp_check_oack(const spa_tftp_opts *req, const spa_tftp_opts *oack, spa_tftp_err *err)
{
    unsigned extra = oack->present & ~req->present;

    if (extra) {
        spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "OACK grants option '%s' that was not requested",
                         extra & SPA_TFTP_OPT_BLKSIZE ? "blksize"
                         : extra & SPA_TFTP_OPT_TSIZE ? "tsize"
                         : extra & SPA_TFTP_OPT_TIMEOUT ? "timeout" : "windowsize");
        return -1;
    }
    if ((oack->present & SPA_TFTP_OPT_BLKSIZE) && oack->blksize > req->blksize) {
        spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "OACK blksize %u exceeds requested %u",
                         oack->blksize, req->blksize);
        return -1;
    }
    if ((oack->present & SPA_TFTP_OPT_WINDOWSIZE) && oack->windowsize > req->windowsize) {
        spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "OACK windowsize %u exceeds requested %u",
                         oack->windowsize, req->windowsize);
        return -1;
    }
    if ((oack->present & SPA_TFTP_OPT_TIMEOUT) && oack->timeout != req->timeout) {
        spa_tftp_err_set(err, SPA_TFTP_EOPTNEG, "OACK timeout %u differs from requested %u",
                         oack->timeout, req->timeout);
        return -1;
    }
    return 0;
}

/* ---- path check --------------------------------------------------------- */

int spa_tftp_check_path(const char *name, size_t len, char *out, size_t cap, spa_tftp_err *err)
{
    size_t o = 0, i = 0;

    if (len == 0) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: empty file name");
        return -1;
    }
    if (len > SPA_TFTP_PATH_MAX) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: file name of %zu bytes exceeds %u",
                         len, SPA_TFTP_PATH_MAX);
        return -1;
    }
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)name[k];
        if (c == 0) {
            spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: NUL byte in file name at %zu", k);
            return -1;
        }
        if (c == '\\') {
            spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: backslash in file name at %zu", k);
            return -1;
        }
        if (c < 0x20 || c > 0x7e) {
            spa_tftp_err_set(err, SPA_TFTP_EACCESS,
                             "access violation: non-printable byte 0x%02x in file name at %zu", c, k);
            return -1;
        }
    }
    while (i < len) {
        size_t j = i;
        while (j < len && name[j] != '/')
            j++;
        size_t clen = j - i;
        if (clen == 2 && name[i] == '.' && name[i + 1] == '.') {
            spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: '..' component in file name");
            return -1;
        }
        if (clen > 0 && !(clen == 1 && name[i] == '.')) {
            if (o + (o ? 1 : 0) + clen + 1 > cap) {
                spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: file name too long");
                return -1;
            }
            if (o)
                out[o++] = '/';
            memcpy(out + o, name + i, clen);
            o += clen;
        }
        i = j + 1;
    }
    if (o == 0) {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: file name names no file");
        return -1;
    }
    if (name[len - 1] == '/') {
        spa_tftp_err_set(err, SPA_TFTP_EACCESS, "access violation: file name ends with '/'");
        return -1;
    }
    out[o] = '\0';
    return 0;
}

/* ---- netascii ----------------------------------------------------------- */

int spa_tftp_netascii_encode(const uint8_t *in, size_t n, spa_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        int r;
        if (in[i] == '\n')
            r = spa_buf_append(out, "\r\n", 2);
        else if (in[i] == '\r')
            r = spa_buf_append(out, "\r\0", 2);
        else
            r = spa_buf_putc(out, (char)in[i]);
        if (r < 0)
            return -1;
    }
    return 0;
}

int spa_tftp_netascii_decode(const uint8_t *in, size_t n, spa_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)in[i];
        if (in[i] == '\r' && i + 1 < n && (in[i + 1] == '\n' || in[i + 1] == 0)) {
            c = in[i + 1] == '\n' ? '\n' : '\r';
            i++;
        }
        if (spa_buf_putc(out, c) < 0)
            return -1;
    }
    return 0;
}
