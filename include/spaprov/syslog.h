/* syslog.h — syslog messages (RFC 3164 "BSD" and RFC 5424) for the device
 * emulator, which sends the Log_* messages, and the provisioning server's
 * collector, which attributes received lines to devices by the MAC address in
 * the text. Formatting, strict and lenient parsing, MAC extraction, and a UDP
 * sender and libevent receiver. */
#ifndef SPAPROV_SYSLOG_H
#define SPAPROV_SYSLOG_H
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"

typedef enum { SPA_SYSLOG_RFC3164 = 0, SPA_SYSLOG_RFC5424 = 1 } spa_syslog_rfc;

/* Facilities and severities used by the project (RFC 5424 numbering). */
enum { SPA_SYSLOG_USER = 1, SPA_SYSLOG_DAEMON = 3, SPA_SYSLOG_LOCAL0 = 16 };
enum {
    SPA_SYSLOG_EMERG = 0, SPA_SYSLOG_ALERT, SPA_SYSLOG_CRIT, SPA_SYSLOG_ERR,
    SPA_SYSLOG_WARNING, SPA_SYSLOG_NOTICE, SPA_SYSLOG_INFO, SPA_SYSLOG_DEBUG
};
#define SPA_SYSLOG_PRI(fac, sev) ((fac) * 8 + (sev))

/* A timestamp as written in the message (no time-zone conversion). */
typedef struct spa_syslog_time {
    int year;          /* 0 = not given (RFC 3164 has no year) */
    int mon, mday;     /* 1..12, 1..31 */
    int hour, min, sec;
    int usec;          /* -1 = no fraction */
    int tz_known;      /* 1 = offset given (RFC 5424) */
    int tz_min;        /* offset east of UTC, minutes */
} spa_syslog_time;

/* What a lenient parse had to assume (bits of spa_syslog_msg.lenient). */
enum {
    SPA_SYSLOG_NO_PRI = 1,     /* no <PRI>: 13 (user.notice) assumed */
    SPA_SYSLOG_NO_TIME = 2,    /* no timestamp */
    SPA_SYSLOG_NO_HOST = 4,    /* no hostname */
    SPA_SYSLOG_ODD_TIME = 8,   /* timestamp in a non-standard form */
    SPA_SYSLOG_BAD_FIELD = 16  /* a 5424 field was malformed and kept as text */
};

/* One message. Header fields are "" when absent or nil ("-"). */
typedef struct spa_syslog_msg {
    spa_syslog_rfc format;
    int pri;                /* 0..191: facility = pri / 8, severity = pri % 8 */
    int has_time;
    spa_syslog_time time;
    char host[256];
    char app[49];           /* RFC 3164 TAG, RFC 5424 APP-NAME */
    char procid[129];       /* RFC 3164 "TAG[pid]" or RFC 5424 PROCID */
    char msgid[33];         /* RFC 5424 only */
    char *sd;               /* RFC 5424 STRUCTURED-DATA as written; NULL = nil */
    char *msg;              /* the text (never NULL after a successful parse) */
    unsigned lenient;       /* SPA_SYSLOG_NO_* bits */
} spa_syslog_msg;

/* Initialise an empty message (pri 13, RFC 3164, no time). */
void spa_syslog_msg_init(spa_syslog_msg *m);
/* Free sd and msg and re-initialise. */
void spa_syslog_msg_free(spa_syslog_msg *m);
/* Set the text (copied); 0 or -1. */
int spa_syslog_msg_set_text(spa_syslog_msg *m, const char *text);

/* Fill t from a time: UTC (utc = 1) or local time with its offset. */
void spa_syslog_time_from(time_t when, int usec, int utc, spa_syslog_time *t);

/* Append m as one line (no newline) in m->format. Header fields must be
 * printable ASCII without spaces. 0, or -1 with a reason in d. */
int spa_syslog_format(spa_buf *out, const spa_syslog_msg *m, spa_diags *d);

/* Parse one received line (a trailing newline, CR or NUL is ignored).
 * Strict: RFC 5424, or RFC 3164 with PRI, timestamp and hostname. Lenient:
 * anything, recording assumptions in m->lenient (real devices send 3164
 * lines without timestamp or hostname). 0, or -1 with a diagnostic
 * (line 1, column of the fault) in d. */
int spa_syslog_parse(const char *line, size_t n, int lenient, spa_syslog_msg *m, spa_diags *d);

/* Find the first MAC address in text: 12 hex digits (000e08aabbcc or
 * 000E08AABBCC) standing alone, or six pairs with ':' or '-'. Separated
 * forms win over bare ones. Writes it as 12 lower-case digits + NUL to out;
 * 1 if found, 0 if not. */
int spa_syslog_find_mac(const char *text, size_t n, char out[13]);
/* The device's MAC from a message: its text, then APP-NAME, then hostname. */
int spa_syslog_msg_mac(const spa_syslog_msg *m, char out[13]);

/* ---- UDP transport ------------------------------------------------------ */

struct event_base;

/* A non-blocking UDP sender: each message is one datagram. */
typedef struct spa_syslog_sender spa_syslog_sender;

/* Create a sender for dst; NULL on failure (errno set). */
spa_syslog_sender *spa_syslog_sender_new(const struct sockaddr *dst, socklen_t len);
/* Format and send m; 0 or -1. */
int spa_syslog_send(spa_syslog_sender *s, const spa_syslog_msg *m);
/* Send an already formatted line; 0 or -1. */
int spa_syslog_send_raw(spa_syslog_sender *s, const char *line, size_t n);
/* Close and free. */
void spa_syslog_sender_free(spa_syslog_sender *s);

/* Called for each message received (and parsed, when strict). raw is the
 * datagram as received. */
typedef void (*spa_syslog_cb)(void *arg, const spa_syslog_msg *m, const struct sockaddr *from,
                              socklen_t fromlen, const char *raw, size_t rawlen);

typedef struct spa_syslog_receiver spa_syslog_receiver;

/* Receiver statistics. */
typedef struct spa_syslog_stats {
    unsigned long long received, delivered, rejected;
} spa_syslog_stats;

/* Bind a UDP socket on addr and deliver messages to cb. NULL with a
 * diagnostic in d on failure. */
spa_syslog_receiver *spa_syslog_receiver_new(struct event_base *base, const struct sockaddr *addr,
                                             socklen_t len, int lenient, spa_syslog_cb cb,
                                             void *arg, spa_diags *d);
/* The same on fd, a bound (non-blocking) UDP socket the receiver now owns
 * (closed on free and on failure). */
spa_syslog_receiver *spa_syslog_receiver_adopt(struct event_base *base, int fd, int lenient,
                                               spa_syslog_cb cb, void *arg, spa_diags *d);
/* The bound address (useful after binding port 0). */
int spa_syslog_receiver_addr(const spa_syslog_receiver *r, struct sockaddr_storage *ss,
                             socklen_t *len);
/* Counters. */
void spa_syslog_receiver_stats(const spa_syslog_receiver *r, spa_syslog_stats *st);
/* Stop and free. */
void spa_syslog_receiver_free(spa_syslog_receiver *r);

#endif
