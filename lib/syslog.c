/* syslog.c — RFC 3164 and RFC 5424 syslog lines: formatting for the device
 * emulator's Log_* messages, strict and lenient parsing for the provisioning
 * server's collector, MAC extraction for attributing a line to a device, and
 * the UDP transport (a non-blocking sender, a libevent receiver).
 *
 * Real devices send all sorts of "BSD syslog": with or without timestamp and
 * hostname, sometimes without <PRI>. The strict parser states exactly what
 * is wrong; the lenient one accepts everything and records what it assumed. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>
#include "spaprov/hex.h"
#include "spaprov/syslog.h"

static const char *const month_names[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

void spa_syslog_msg_init(spa_syslog_msg *m)
{
    memset(m, 0, sizeof *m);
    m->pri = SPA_SYSLOG_PRI(SPA_SYSLOG_USER, SPA_SYSLOG_NOTICE);
    m->time.usec = -1;
}

void spa_syslog_msg_free(spa_syslog_msg *m)
{
    free(m->sd);
    free(m->msg);
    spa_syslog_msg_init(m);
}

int spa_syslog_msg_set_text(spa_syslog_msg *m, const char *text)
{
    char *t = strdup(text ? text : "");
    if (!t)
        return -1;
    free(m->msg);
    m->msg = t;
    return 0;
}

void spa_syslog_time_from(time_t when, int usec, int utc, spa_syslog_time *t)
{
    struct tm tm;

    if (utc)
        gmtime_r(&when, &tm);
    else
        localtime_r(&when, &tm);
    memset(t, 0, sizeof *t);
    t->year = tm.tm_year + 1900;
    t->mon = tm.tm_mon + 1;
    t->mday = tm.tm_mday;
    t->hour = tm.tm_hour;
    t->min = tm.tm_min;
    t->sec = tm.tm_sec;
    t->usec = usec;
    t->tz_known = 1;
    t->tz_min = utc ? 0 : (int)(tm.tm_gmtoff / 60);
}

/* ---- formatting --------------------------------------------------------- */

/* Header fields: printable ASCII, no space. */
static int field_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

static int check_fields(const spa_syslog_msg *m, spa_diags *d)
{
    const struct { const char *name, *v; } f[] = {
        { "hostname", m->host }, { "app-name", m->app }, { "procid", m->procid },
        { "msgid", m->msgid },
    };
    if (m->pri < 0 || m->pri > 191) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-pri", "PRI %d out of range 0..191", m->pri);
        return -1;
    }
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!field_ok(f[i].v)) {
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-field",
                         "%s contains a space or a non-printable byte", f[i].name);
            return -1;
        }
    if (m->has_time && (m->time.mon < 1 || m->time.mon > 12 || m->time.mday < 1 ||
                        m->time.mday > 31 || m->time.hour < 0 || m->time.hour > 23 ||
                        m->time.min < 0 || m->time.min > 59 || m->time.sec < 0 ||
                        m->time.sec > 60)) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-time", "timestamp out of range");
        return -1;
    }
    return 0;
}

static int format_3164(spa_buf *out, const spa_syslog_msg *m)
{
    int r = spa_buf_printf(out, "<%d>", m->pri);
    if (m->has_time)
        r |= spa_buf_printf(out, "%s %2d %02d:%02d:%02d ", month_names[m->time.mon - 1],
                            m->time.mday, m->time.hour, m->time.min, m->time.sec);
    if (m->host[0])
        r |= spa_buf_printf(out, "%s ", m->host);
    if (m->app[0]) {
        r |= spa_buf_puts(out, m->app);
        if (m->procid[0])
            r |= spa_buf_printf(out, "[%s]", m->procid);
        r |= spa_buf_puts(out, ": ");
    }
    r |= spa_buf_puts(out, m->msg ? m->msg : "");
    return r ? -1 : 0;
}

static int format_5424_time(spa_buf *out, const spa_syslog_time *t)
{
    int r = spa_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", t->year, t->mon, t->mday,
                           t->hour, t->min, t->sec);
    if (t->usec >= 0)
        r |= spa_buf_printf(out, ".%06d", t->usec % 1000000);
    if (!t->tz_known || t->tz_min == 0)
        r |= spa_buf_putc(out, 'Z');
    else {
        int a = t->tz_min < 0 ? -t->tz_min : t->tz_min;
        r |= spa_buf_printf(out, "%c%02d:%02d", t->tz_min < 0 ? '-' : '+', a / 60, a % 60);
    }
    return r;
}

static const char *nil(const char *s)
{
    return s && *s ? s : "-";
}

static int format_5424(spa_buf *out, const spa_syslog_msg *m)
{
    int r = spa_buf_printf(out, "<%d>1 ", m->pri);
    if (m->has_time && m->time.year > 0)
        r |= format_5424_time(out, &m->time);
    else
        r |= spa_buf_putc(out, '-');
    r |= spa_buf_printf(out, " %s %s %s %s %s", nil(m->host), nil(m->app), nil(m->procid),
                        nil(m->msgid), nil(m->sd));
    if (m->msg && *m->msg)
        r |= spa_buf_printf(out, " %s", m->msg);
    return r ? -1 : 0;
}

int spa_syslog_format(spa_buf *out, const spa_syslog_msg *m, spa_diags *d)
{
    if (check_fields(m, d) < 0)
        return -1;
    if (m->format == SPA_SYSLOG_RFC5424)
        return format_5424(out, m);
    return format_3164(out, m);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct cur {
    const char *p;
    size_t n, i;
    spa_diags *d;
} cur;

static int fail(cur *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(cur *c, const char *code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    spa_diag_vadd(c->d, SPA_DIAG_ERROR, NULL, 1, (unsigned)c->i + 1, code, fmt, ap);
    va_end(ap);
    return -1;
}

static int digits(const cur *c, size_t at, size_t k, int *v)
{
    int x = 0;
    if (at + k > c->n)
        return -1;
    for (size_t j = 0; j < k; j++) {
        if (!isdigit((unsigned char)c->p[at + j]))
            return -1;
        x = x * 10 + (c->p[at + j] - '0');
    }
    *v = x;
    return 0;
}

static int at_char(const cur *c, size_t at, char ch)
{
    return at < c->n && c->p[at] == ch;
}

/* <PRI>: 1-3 digits, no leading zero, at most 191. */
static int parse_pri(cur *c, int *pri)
{
    size_t j = 1;
    int v = 0;

    if (!at_char(c, 0, '<'))
        return fail(c, "syslog-pri", "line does not start with '<PRI>'");
    while (j < c->n && j <= 4 && isdigit((unsigned char)c->p[j]))
        v = v * 10 + (c->p[j++] - '0');
    if (j == 1 || j > 4 || !at_char(c, j, '>')) {
        c->i = j;
        return fail(c, "syslog-pri", "malformed PRI: expected 1-3 digits and '>'");
    }
    if (c->p[1] == '0' && j > 2) {
        c->i = 1;
        return fail(c, "syslog-pri", "PRI with a leading zero");
    }
    if (v > 191) {
        c->i = 1;
        return fail(c, "syslog-pri", "PRI %d out of range 0..191", v);
    }
    *pri = v;
    c->i = j + 1;
    return 0;
}

static int month_of(const char *s)
{
    for (int k = 0; k < 12; k++)
        if (memcmp(s, month_names[k], 3) == 0)
            return k + 1;
    return 0;
}

static int valid_hms(int h, int mi, int s)
{
    return h <= 23 && mi <= 59 && s <= 60;
}

/* RFC 3164 "Mmm dd hh:mm:ss" (dd space-padded). Lenient also takes
 * "Mmm d hh:mm:ss". Returns the length consumed, 0 if none. */
static size_t parse_3164_time(const cur *c, int lenient, spa_syslog_time *t, unsigned *flags)
{
    size_t a = c->i, k;
    int mon, day, h, mi, s;

    if (a + 15 > c->n || !(mon = month_of(c->p + a)) || c->p[a + 3] != ' ')
        return 0;
    if (c->p[a + 4] == ' ' && digits(c, a + 5, 1, &day) == 0)
        k = a + 6;
    else if (digits(c, a + 4, 2, &day) == 0)
        k = a + 6;
    else if (lenient && digits(c, a + 4, 1, &day) == 0 && at_char(c, a + 5, ' ')) {
        k = a + 5;
        *flags |= SPA_SYSLOG_ODD_TIME;
    } else
        return 0;
    if (!at_char(c, k, ' ') || digits(c, k + 1, 2, &h) || !at_char(c, k + 3, ':') ||
        digits(c, k + 4, 2, &mi) || !at_char(c, k + 6, ':') || digits(c, k + 7, 2, &s) ||
        day < 1 || day > 31 || !valid_hms(h, mi, s))
        return 0;
    *t = (spa_syslog_time){ .mon = mon, .mday = day, .hour = h, .min = mi, .sec = s, .usec = -1 };
    return k + 9 - a;
}

/* RFC 3339 as RFC 5424 restricts it. Returns length, 0 if malformed. */
static size_t parse_5424_time(const cur *c, int lenient, spa_syslog_time *t, unsigned *flags)
{
    size_t a = c->i, k;
    int y, mo, d, h, mi, s, tzh, tzm;

    if (digits(c, a, 4, &y) || !at_char(c, a + 4, '-') || digits(c, a + 5, 2, &mo) ||
        !at_char(c, a + 7, '-') || digits(c, a + 8, 2, &d) ||
        !(at_char(c, a + 10, 'T') || (lenient && at_char(c, a + 10, 't'))) ||
        digits(c, a + 11, 2, &h) || !at_char(c, a + 13, ':') || digits(c, a + 14, 2, &mi) ||
        !at_char(c, a + 16, ':') || digits(c, a + 17, 2, &s))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || !valid_hms(h, mi, s))
        return 0;
    *t = (spa_syslog_time){ .year = y, .mon = mo, .mday = d, .hour = h, .min = mi, .sec = s,
                            .usec = -1 };
    k = a + 19;
    if (at_char(c, k, '.')) {
        size_t f = k + 1;
        int us = 0, nd = 0;
        while (f < c->n && isdigit((unsigned char)c->p[f])) {
            if (nd < 6)
                us = us * 10 + (c->p[f] - '0');
            nd++;
            f++;
        }
        if (nd == 0 || (nd > 6 && !lenient))
            return 0;
        if (nd > 6)
            *flags |= SPA_SYSLOG_ODD_TIME;
        for (int z = nd; z < 6; z++)
            us *= 10;
        t->usec = us;
        k = f;
    }
    if (at_char(c, k, 'Z') || (lenient && at_char(c, k, 'z'))) {
        t->tz_known = 1;
        return k + 1 - a;
    }
    if ((at_char(c, k, '+') || at_char(c, k, '-')) && digits(c, k + 1, 2, &tzh) == 0 &&
        at_char(c, k + 3, ':') && digits(c, k + 4, 2, &tzm) == 0 && tzh <= 23 && tzm <= 59) {
        t->tz_known = 1;
        t->tz_min = (tzh * 60 + tzm) * (c->p[k] == '-' ? -1 : 1);
        return k + 6 - a;
    }
    if (lenient) {
        *flags |= SPA_SYSLOG_ODD_TIME;
        return k - a;
    }
    return 0;
}

/* Optional "TAG[:|[pid]:] " at the start of 3164 content. */
static void parse_tag(cur *c, spa_syslog_msg *m)
{
    size_t a = c->i, j = a, pe = 0, ps = 0;

    while (j < c->n && j - a < sizeof m->app - 1 &&
           (isalnum((unsigned char)c->p[j]) || (c->p[j] && strchr("_-./", c->p[j]))))
        j++;
    if (j == a)
        return;
    size_t te = j;
    if (at_char(c, j, '[')) {
        ps = ++j;
        while (j < c->n && c->p[j] != ']' && (unsigned char)c->p[j] > 0x20 &&
               (unsigned char)c->p[j] < 0x7f &&
               j - ps < sizeof m->procid - 1)
            j++;
        if (!at_char(c, j, ']') || j == ps)
            return;
        pe = j;
        j++;
    }
    if (!at_char(c, j, ':'))
        return;
    memcpy(m->app, c->p + a, te - a);
    m->app[te - a] = '\0';
    if (pe) {
        memcpy(m->procid, c->p + ps, pe - ps);
        m->procid[pe - ps] = '\0';
    }
    j++;
    if (at_char(c, j, ' '))
        j++;
    c->i = j;
}

/* A token of printable ASCII up to a space into out[cap]; its length (0 = none). */
static size_t token(cur *c, char *out, size_t cap)
{
    size_t a = c->i, j = a;
    while (j < c->n && c->p[j] != ' ') {
        if ((unsigned char)c->p[j] < 0x21 || (unsigned char)c->p[j] > 0x7e)
            return 0;
        j++;
    }
    if (j == a || j - a >= cap)
        return 0;
    memcpy(out, c->p + a, j - a);
    out[j - a] = '\0';
    return j - a;
}

static int parse_3164(cur *c, int lenient, spa_syslog_msg *m)
{
    size_t k;

    m->format = SPA_SYSLOG_RFC3164;
    if ((k = parse_3164_time(c, lenient, &m->time, &m->lenient)) > 0) {
        m->has_time = 1;
    } else if (lenient && (k = parse_5424_time(c, 1, &m->time, &m->lenient)) > 0) {
        m->has_time = 1;
        m->lenient |= SPA_SYSLOG_ODD_TIME;
    } else if (!lenient) {
        return fail(c, "syslog-time", "expected an RFC 3164 timestamp 'Mmm dd hh:mm:ss'");
    } else {
        m->lenient |= SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST;
    }
    if (m->has_time) {
        c->i += k;
        if (!at_char(c, c->i, ' ')) {
            if (!lenient)
                return fail(c, "syslog-time", "expected a space after the timestamp");
        } else {
            c->i++;
        }
        /* Hostname, unless what follows is already the tag. */
        size_t save = c->i, tl = token(c, m->host, sizeof m->host);
        if (tl && c->p[save + tl - 1] != ':' && !memchr(c->p + save, '[', tl)) {
            c->i = save + tl;
            if (at_char(c, c->i, ' '))
                c->i++;
        } else if (!lenient) {
            return fail(c, "syslog-host", "expected a hostname after the timestamp");
        } else {
            m->host[0] = '\0';
            m->lenient |= SPA_SYSLOG_NO_HOST;
        }
    }
    parse_tag(c, m);
    m->msg = strndup(c->p + c->i, c->n - c->i);
    return m->msg ? 0 : fail(c, "syslog-memory", "out of memory");
}

/* One RFC 5424 header field: "-" (nil) or 1..cap-1 printable characters. */
static int field_5424(cur *c, char *out, size_t cap, const char *what)
{
    size_t a = c->i, j = a;
    while (j < c->n && c->p[j] != ' ') {
        if ((unsigned char)c->p[j] < 0x21 || (unsigned char)c->p[j] > 0x7e) {
            c->i = j;
            return fail(c, "syslog-field", "non-printable byte in %s", what);
        }
        j++;
    }
    if (j == a || j - a >= cap) {
        return fail(c, "syslog-field", j == a ? "empty %s" : "%s too long", what);
    }
    if (!(j - a == 1 && c->p[a] == '-')) {
        memcpy(out, c->p + a, j - a);
        out[j - a] = '\0';
    }
    c->i = j;
    if (!at_char(c, j, ' '))
        return fail(c, "syslog-field", "expected a space after %s", what);
    c->i++;
    return 0;
}

/* STRUCTURED-DATA: "-" or [id param="v" ...]...; returns end index or -1. */
static int sd_5424(cur *c, int lenient, spa_syslog_msg *m)
{
    size_t a = c->i, j = a;

    if (at_char(c, j, '-')) {
        c->i = j + 1;
        return 0;
    }
    if (!at_char(c, j, '['))
        return fail(c, "syslog-sd", "expected '-' or '[' for STRUCTURED-DATA");
    while (at_char(c, j, '[')) {
        size_t id = ++j;
        while (j < c->n && c->p[j] != ' ' && c->p[j] != ']' && c->p[j] != '=' && c->p[j] != '"' &&
               (unsigned char)c->p[j] > 0x20 && (unsigned char)c->p[j] < 0x7f)
            j++;
        if (j == id || j - id > 32) {
            c->i = id;
            return fail(c, "syslog-sd", "bad SD-ID");
        }
        while (at_char(c, j, ' ')) {
            size_t nm = ++j;
            while (j < c->n && c->p[j] != '=' && c->p[j] != ' ' && c->p[j] != ']' &&
                   c->p[j] != '"' && (unsigned char)c->p[j] > 0x20 && (unsigned char)c->p[j] < 0x7f)
                j++;
            if (j == nm || j - nm > 32 || !at_char(c, j, '=') || !at_char(c, j + 1, '"')) {
                c->i = j;
                return fail(c, "syslog-sd", "bad SD-PARAM: expected name=\"value\"");
            }
            j += 2;
            while (j < c->n && c->p[j] != '"') {
                if (c->p[j] == '\0' || (c->p[j] == '\\' && j + 1 < c->n && c->p[j + 1] == '\0')) {
                    c->i = c->p[j] ? j + 1 : j;
                    return fail(c, "syslog-sd", "NUL byte in SD-PARAM value");
                }
                if (c->p[j] == '\\' && j + 1 < c->n)
                    j++;
                else if (c->p[j] == ']' && !lenient) {
                    c->i = j;
                    return fail(c, "syslog-sd", "unescaped ']' in SD-PARAM value");
                }
                j++;
            }
            if (!at_char(c, j, '"')) {
                c->i = j;
                return fail(c, "syslog-sd", "unterminated SD-PARAM value");
            }
            j++;
        }
        if (!at_char(c, j, ']')) {
            c->i = j;
            return fail(c, "syslog-sd", "expected ']' to close SD-ELEMENT");
        }
        j++;
    }
    m->sd = strndup(c->p + a, j - a);
    c->i = j;
    return m->sd ? 0 : fail(c, "syslog-memory", "out of memory");
}

static int parse_5424(cur *c, int lenient, spa_syslog_msg *m)
{
    size_t k;

    m->format = SPA_SYSLOG_RFC5424;
    c->i += 2; /* "1 " */
    if (at_char(c, c->i, '-')) {
        c->i++;
        m->lenient |= SPA_SYSLOG_NO_TIME;
    } else if ((k = parse_5424_time(c, lenient, &m->time, &m->lenient)) > 0) {
        m->has_time = 1;
        c->i += k;
    } else {
        return fail(c, "syslog-time", "malformed RFC 5424 TIMESTAMP");
    }
    if (!at_char(c, c->i, ' '))
        return fail(c, "syslog-time", "expected a space after TIMESTAMP");
    c->i++;
    if (field_5424(c, m->host, sizeof m->host, "HOSTNAME") < 0 ||
        field_5424(c, m->app, sizeof m->app, "APP-NAME") < 0 ||
        field_5424(c, m->procid, sizeof m->procid, "PROCID") < 0 ||
        field_5424(c, m->msgid, sizeof m->msgid, "MSGID") < 0 || sd_5424(c, lenient, m) < 0)
        return -1;
    if (c->i < c->n) {
        if (c->p[c->i] != ' ')
            return fail(c, "syslog-sd", "expected a space after STRUCTURED-DATA");
        c->i++;
        if (c->n - c->i >= 3 && memcmp(c->p + c->i, "\xEF\xBB\xBF", 3) == 0)
            c->i += 3;
    }
    m->msg = strndup(c->p + c->i, c->n - c->i);
    return m->msg ? 0 : fail(c, "syslog-memory", "out of memory");
}

int spa_syslog_parse(const char *line, size_t n, int lenient, spa_syslog_msg *m, spa_diags *d)
{
    cur c = { line, n, 0, d };
    spa_diags quiet;
    int r;

    spa_syslog_msg_init(m);
    while (c.n > 0 && (line[c.n - 1] == '\n' || line[c.n - 1] == '\r' || line[c.n - 1] == '\0'))
        c.n--;
    if (lenient) {
        spa_diags_init(&quiet);
        c.d = &quiet;
    }
    r = parse_pri(&c, &m->pri);
    if (r < 0 && lenient) {
        m->lenient |= SPA_SYSLOG_NO_PRI;
        m->pri = SPA_SYSLOG_PRI(SPA_SYSLOG_USER, SPA_SYSLOG_NOTICE);
        c.i = 0;
        r = 0;
    }
    if (r == 0) {
        if (c.n - c.i >= 2 && c.p[c.i] == '1' && c.p[c.i + 1] == ' ')
            r = parse_5424(&c, lenient, m);
        else
            r = parse_3164(&c, lenient, m);
    }
    if (r < 0 && lenient) {
        /* Keep the whole text after <PRI> rather than lose the line. */
        unsigned keep = m->lenient | SPA_SYSLOG_BAD_FIELD;
        int pri = m->pri;
        const char *gt = (keep & SPA_SYSLOG_NO_PRI) ? NULL : memchr(line, '>', c.n);
        size_t from = gt ? (size_t)(gt - line) + 1 : 0;
        spa_syslog_msg_free(m);
        m->pri = pri;
        m->lenient = keep | SPA_SYSLOG_NO_TIME | SPA_SYSLOG_NO_HOST;
        m->msg = strndup(line + from, c.n - from);
        r = m->msg ? 0 : -1;
    }
    if (lenient)
        spa_diags_free(&quiet);
    if (r < 0) {
        free(m->sd);
        free(m->msg);
        m->sd = m->msg = NULL;
    }
    return r;
}

/* ---- MAC extraction ----------------------------------------------------- */

static int word_char(const char *t, size_t n, size_t i)
{
    return i < n && isalnum((unsigned char)t[i]);
}

/* Six pairs separated by one consistent ':' or '-' at i. */
static int mac_separated(const char *t, size_t n, size_t i, char out[13])
{
    char sep;

    if (i + 17 > n || (i > 0 && isalnum((unsigned char)t[i - 1])))
        return 0;
    sep = t[i + 2];
    if (sep != ':' && sep != '-')
        return 0;
    if (i > 1 && t[i - 1] == sep && spa_hex_value(t[i - 2]) >= 0)
        return 0; /* inside a longer separated run */
    for (int k = 0; k < 6; k++) {
        size_t p = i + (size_t)k * 3;
        if (spa_hex_value(t[p]) < 0 || spa_hex_value(t[p + 1]) < 0 || (k < 5 && t[p + 2] != sep))
            return 0;
        out[2 * k] = (char)tolower((unsigned char)t[p]);
        out[2 * k + 1] = (char)tolower((unsigned char)t[p + 1]);
    }
    if (word_char(t, n, i + 17) || (i + 17 < n && t[i + 17] == sep && i + 18 < n &&
                                     spa_hex_value(t[i + 18]) >= 0))
        return 0;
    out[12] = '\0';
    return 1;
}

static int mac_bare(const char *t, size_t n, size_t i, char out[13])
{
    if (i + 12 > n || (i > 0 && isalnum((unsigned char)t[i - 1])) || word_char(t, n, i + 12))
        return 0;
    for (size_t k = 0; k < 12; k++) {
        if (spa_hex_value(t[i + k]) < 0)
            return 0;
        out[k] = (char)tolower((unsigned char)t[i + k]);
    }
    out[12] = '\0';
    return 1;
}

int spa_syslog_find_mac(const char *text, size_t n, char out[13])
{
    if (!text)
        return 0;
    for (size_t i = 0; i + 17 <= n; i++)
        if (mac_separated(text, n, i, out))
            return 1;
    for (size_t i = 0; i + 12 <= n; i++)
        if (mac_bare(text, n, i, out))
            return 1;
    return 0;
}

int spa_syslog_msg_mac(const spa_syslog_msg *m, char out[13])
{
    return (m->msg && spa_syslog_find_mac(m->msg, strlen(m->msg), out)) ||
           spa_syslog_find_mac(m->app, strlen(m->app), out) ||
           spa_syslog_find_mac(m->host, strlen(m->host), out);
}

/* ---- UDP transport ------------------------------------------------------ */

struct spa_syslog_sender {
    int fd;
    spa_buf line;
};

spa_syslog_sender *spa_syslog_sender_new(const struct sockaddr *dst, socklen_t len)
{
    spa_syslog_sender *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    spa_buf_init(&s->line);
    s->fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || connect(s->fd, dst, len) < 0) {
        int e = errno;
        if (s->fd >= 0)
            close(s->fd);
        free(s);
        errno = e;
        return NULL;
    }
    return s;
}

int spa_syslog_send_raw(spa_syslog_sender *s, const char *line, size_t n)
{
    return send(s->fd, line, n, 0) == (ssize_t)n ? 0 : -1;
}

int spa_syslog_send(spa_syslog_sender *s, const spa_syslog_msg *m)
{
    spa_buf_reset(&s->line);
    if (spa_syslog_format(&s->line, m, NULL) < 0)
        return -1;
    return spa_syslog_send_raw(s, s->line.data, s->line.len);
}

void spa_syslog_sender_free(spa_syslog_sender *s)
{
    if (!s)
        return;
    close(s->fd);
    spa_buf_free(&s->line);
    free(s);
}

struct spa_syslog_receiver {
    int fd;
    struct event *ev;
    int lenient;
    spa_syslog_cb cb;
    void *arg;
    spa_syslog_stats st;
    struct sockaddr_storage addr;
    socklen_t alen;
    char buf[65536];
};

static void receiver_read(evutil_socket_t fd, short what, void *arg)
{
    spa_syslog_receiver *r = arg;
    (void)what;

    for (int k = 0; k < 256; k++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        spa_syslog_msg m;
        ssize_t n = recvfrom(fd, r->buf, sizeof r->buf - 1, 0, (struct sockaddr *)&from, &flen);
        if (n < 0)
            return;
        r->buf[n] = '\0';
        r->st.received++;
        if (spa_syslog_parse(r->buf, (size_t)n, r->lenient, &m, NULL) < 0) {
            r->st.rejected++;
            continue;
        }
        r->st.delivered++;
        r->cb(r->arg, &m, (struct sockaddr *)&from, flen, r->buf, (size_t)n);
        spa_syslog_msg_free(&m);
    }
}

spa_syslog_receiver *spa_syslog_receiver_new(struct event_base *base, const struct sockaddr *addr,
                                             socklen_t len, int lenient, spa_syslog_cb cb,
                                             void *arg, spa_diags *d)
{
    int fd;

    if (!base || !addr || !cb) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-args", "invalid arguments");
        return NULL;
    }
    fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, addr, len) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-bind", "cannot bind UDP socket: %s",
                     strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    return spa_syslog_receiver_adopt(base, fd, lenient, cb, arg, d);
}

spa_syslog_receiver *spa_syslog_receiver_adopt(struct event_base *base, int fd, int lenient,
                                               spa_syslog_cb cb, void *arg, spa_diags *d)
{
    spa_syslog_receiver *r;

    if (!base || fd < 0 || !cb) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-args", "invalid arguments");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-memory", "out of memory");
        close(fd);
        return NULL;
    }
    r->lenient = lenient;
    r->cb = cb;
    r->arg = arg;
    r->fd = fd;
    r->alen = sizeof r->addr;
    if (getsockname(r->fd, (struct sockaddr *)&r->addr, &r->alen) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-bind", "not a bound socket: %s",
                     strerror(errno));
        goto fail;
    }
    r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, receiver_read, r);
    if (!r->ev || event_add(r->ev, NULL) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "syslog-event", "cannot register event");
        goto fail;
    }
    return r;
fail:
    spa_syslog_receiver_free(r);
    return NULL;
}

int spa_syslog_receiver_addr(const spa_syslog_receiver *r, struct sockaddr_storage *ss,
                             socklen_t *len)
{
    *ss = r->addr;
    *len = r->alen;
    return 0;
}

void spa_syslog_receiver_stats(const spa_syslog_receiver *r, spa_syslog_stats *st)
{
    *st = r->st;
}

void spa_syslog_receiver_free(spa_syslog_receiver *r)
{
    if (!r)
        return;
    if (r->ev)
        event_free(r->ev);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}
