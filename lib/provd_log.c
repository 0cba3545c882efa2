/* provd_log.c — spaprovd's own log lines (start-up, requests, refusals,
 * errors), to stderr or, like syslog(3), as datagrams to the local syslog
 * socket (/dev/log, facility daemon, ident spaprovd). Written here rather
 * than with syslog(3) so the socket is a setting (Log_Socket; the tests point
 * it at an rsyslogd of their own) and so a reload can change it. Lines are
 * made printable (control bytes become '?'); callers never pass secrets. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "spaprov/provd.h"
#include "spaprov/syslog.h"

#define DEFAULT_SOCKET "/dev/log"
#define LINE_MAX_LEN 1900    /* longest message text sent (a datagram stays small) */

struct spa_provd_log {
    spa_provd_log_to to;
    int level;
    char socket_path[SPA_PROVD_STR];
    int fd;                  /* connected AF_UNIX datagram socket, or -1 */
    int warned;              /* the "cannot reach syslog" note was written */
    FILE *err;               /* the real stderr, kept when stderr is redirected */
};

spa_provd_log *spa_provd_log_new(const spa_provd_config *cfg)
{
    spa_provd_log *lg = calloc(1, sizeof *lg);
    if (!lg)
        return NULL;
    lg->fd = -1;
    lg->err = stderr;
    spa_provd_log_configure(lg, cfg);
    return lg;
}

static void disconnect(spa_provd_log *lg)
{
    if (lg->fd >= 0)
        close(lg->fd);
    lg->fd = -1;
}

/* Connect to the syslog socket; 0 or -1 (errno kept). */
static int connect_socket(spa_provd_log *lg)
{
    struct sockaddr_un sa;
    const char *path = lg->socket_path[0] ? lg->socket_path : DEFAULT_SOCKET;
    int e;

    if (lg->fd >= 0)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    lg->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lg->fd < 0)
        return -1;
    if (connect(lg->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        e = errno;
        disconnect(lg);
        errno = e;
        return -1;
    }
    return 0;
}

void spa_provd_log_configure(spa_provd_log *lg, const spa_provd_config *cfg)
{
    if (!lg)
        return;
    disconnect(lg);
    lg->to = cfg->log_to;
    lg->level = cfg->log_level ? cfg->log_level : SPA_PROVD_LOG_INFO;
    snprintf(lg->socket_path, sizeof lg->socket_path, "%s", cfg->log_socket);
    lg->warned = 0;
    if (lg->to == SPA_PROVD_LOG_SYSLOG)
        (void)connect_socket(lg);   /* now, while the socket may still need privileges */
}

void spa_provd_log_free(spa_provd_log *lg)
{
    if (!lg)
        return;
    disconnect(lg);
    free(lg);
}

/* Send text to the syslog socket as one RFC 3164 local message; 0 or -1. */
static int send_syslog(spa_provd_log *lg, int level, const char *text)
{
    spa_syslog_msg m;
    spa_buf b;
    char pid[24];
    int rc = -1;

    spa_syslog_msg_init(&m);
    m.format = SPA_SYSLOG_RFC3164;
    m.pri = SPA_SYSLOG_PRI(SPA_SYSLOG_DAEMON, level);
    m.has_time = 1;
    spa_syslog_time_from(time(NULL), -1, 0, &m.time);
    snprintf(m.app, sizeof m.app, "spaprovd");
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    snprintf(m.procid, sizeof m.procid, "%s", pid);
    spa_buf_init(&b);
    if (spa_syslog_msg_set_text(&m, text) == 0 && spa_syslog_format(&b, &m, NULL) == 0) {
        for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
            if (connect_socket(lg) < 0)
                break;
            if (send(lg->fd, b.data, b.len, MSG_NOSIGNAL) == (ssize_t)b.len)
                rc = 0;
            else if (errno == EAGAIN)
                break;          /* syslogd is behind: drop the line, never block */
            else
                disconnect(lg); /* syslogd restarted: reconnect once */
        }
    }
    spa_buf_free(&b);
    spa_syslog_msg_free(&m);
    return rc;
}

/* Copy src into dst[n] with control bytes and non-ASCII made '?'. */
static void printable(char *dst, size_t n, const char *src)
{
    size_t o = 0;
    for (size_t i = 0; src[i] && o + 1 < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

/* Write one already formatted line at level. */
static void log_line(spa_provd_log *lg, int level, const char *raw)
{
    char text[LINE_MAX_LEN + 1];
    FILE *err = lg ? lg->err : stderr;

    if (lg && level > lg->level)
        return;
    printable(text, sizeof text, raw);
    if (lg && lg->to == SPA_PROVD_LOG_SYSLOG) {
        if (send_syslog(lg, level, text) == 0)
            return;
        if (!lg->warned) {
            lg->warned = 1;
            fprintf(err, "spaprovd: cannot log to syslog socket %s (%s); logging to stderr\n",
                    lg->socket_path[0] ? lg->socket_path : DEFAULT_SOCKET, strerror(errno));
        }
    }
    fprintf(err, "spaprovd: %s\n", text);
    fflush(err);
}

void spa_provd_logf(spa_provd_log *lg, int level, const char *fmt, ...)
{
    char raw[LINE_MAX_LEN + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    log_line(lg, level, raw);
}

/* ---- a stdio stream into the log ---------------------------------------- */

typedef struct log_stream {
    spa_provd_log *lg;
    int level;
    char line[LINE_MAX_LEN + 1];
    size_t n;
} log_stream;

/* Level of one line written by library code: its diagnostics say
 * "warning:" or "note:"; anything else is an error. A leading "spaprovd: "
 * (the stderr convention) is dropped. */
static void stream_flush_line(log_stream *ls)
{
    const char *t = ls->line;
    int level = ls->level;
    ls->line[ls->n] = '\0';
    if (!strncmp(t, "spaprovd: ", 10))
        t += 10;
    if (strstr(t, "warning: "))
        level = SPA_PROVD_LOG_WARNING;
    else if (strstr(t, "note: "))
        level = SPA_PROVD_LOG_NOTICE;
    if (*t)
        log_line(ls->lg, level, t);
    ls->n = 0;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    log_stream *ls = cookie;
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == '\n' || ls->n == LINE_MAX_LEN) {
            stream_flush_line(ls);
            if (buf[i] == '\n')
                continue;
        }
        ls->line[ls->n++] = buf[i];
    }
    return (ssize_t)size;
}

static int stream_close(void *cookie)
{
    log_stream *ls = cookie;
    if (ls->n)
        stream_flush_line(ls);
    free(ls);
    return 0;
}

FILE *spa_provd_log_stream(spa_provd_log *lg, int level)
{
    cookie_io_functions_t io = { .read = NULL, .write = stream_write, .seek = NULL,
                                 .close = stream_close };
    log_stream *ls = calloc(1, sizeof *ls);
    FILE *f;
    if (!ls)
        return NULL;
    ls->lg = lg;
    ls->level = level;
    f = fopencookie(ls, "w", io);
    if (!f) {
        free(ls);
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}
