/* device_ctl.c — the keypad/IVR and line stand-in for a running spasim: a
 * Unix stream socket in the state directory takes one command line per
 * connection ("dial ****RESET#1#", "offhook 1", "onhook 1", "unregistered
 * 1", "registered 1", "status") and answers one line. `spasim ctl DIR ...`
 * is the client. Lets tests drive the manufacturing reset, busy lines
 * (Forced_Resync_Delay) and lost registration ($REGTMR) from outside. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include "spaprov/device.h"
#include "spaprov/model.h"

#define CTL_LINE_MAX 256

/* ---- parsing ------------------------------------------------------------------------------- */

/* Keypad letter → digit (ITU E.161). */
static char keypad(char c)
{
    static const char *const keys[] = { "abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz" };
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    for (int k = 0; k < 8; k++)
        if (strchr(keys[k], c))
            return (char)('2' + k);
    return 0;
}

static int parse_digits(const char *s, size_t n, char *out, size_t cap, char *why, size_t wn)
{
    size_t k = 0;
    if (n == 0) {
        snprintf(why, wn, "dial: no digits");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '*' || c == '#'))
            c = c >= 0 && c != ' ' ? keypad(c) : 0;
        if (!c) {
            snprintf(why, wn, "dial: not a keypad key at column %zu", i + 1);
            return -1;
        }
        if (k + 1 >= cap) {
            snprintf(why, wn, "dial: too many digits");
            return -1;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

static int parse_line_no(const char *s, size_t n, unsigned *line, char *why, size_t wn)
{
    if (n == 0) {
        *line = 1;
        return 0;
    }
    if (n == 1 && s[0] >= '1' && s[0] <= '8') {
        *line = (unsigned)(s[0] - '0');
        return 0;
    }
    snprintf(why, wn, "expected a line number 1..8");
    return -1;
}

int spa_device_ctl_parse(const char *text, size_t len, spa_device_ctl_cmd *c, char *why,
                         size_t n)
{
    static const struct { const char *name; spa_device_ctl_kind kind; } cmds[] = {
        { "dial", SPA_CTL_DIAL }, { "offhook", SPA_CTL_OFFHOOK }, { "onhook", SPA_CTL_ONHOOK },
        { "unregistered", SPA_CTL_UNREGISTERED }, { "registered", SPA_CTL_REGISTERED },
        { "status", SPA_CTL_STATUS }, { "report", SPA_CTL_REPORT },
    };
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    const char *sp = memchr(text, ' ', len);
    size_t wl = sp ? (size_t)(sp - text) : len;
    const char *arg = sp ? sp + 1 : text + len;
    size_t al = sp ? len - wl - 1 : 0;
    memset(c, 0, sizeof *c);
    c->line = 1;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strlen(cmds[i].name) != wl || memcmp(cmds[i].name, text, wl) != 0)
            continue;
        c->kind = cmds[i].kind;
        if (c->kind == SPA_CTL_DIAL)
            return parse_digits(arg, al, c->digits, sizeof c->digits, why, n);
        if (c->kind == SPA_CTL_STATUS || c->kind == SPA_CTL_REPORT) {
            if (al == 0)
                return 0;
            snprintf(why, n, "%s takes no argument", cmds[i].name);
            return -1;
        }
        return parse_line_no(arg, al, &c->line, why, n);
    }
    snprintf(why, n, "unknown command (dial, offhook, onhook, unregistered, registered, status, "
                     "report)");
    return -1;
}

bool spa_device_is_factory_reset(const char *digits)
{
    return strcmp(digits, "****73738#1") == 0 || strcmp(digits, "****73738#1#") == 0;
}

/* ---- execution ------------------------------------------------------------------------------ */

/* The IVR reset is refused when provisioning set Protect_IVR_FactoryReset
 * (on models that have it). */
static bool reset_protected(spa_device *dev)
{
    const char *v = spa_params_get(spa_engine_params(spa_device_engine(dev)),
                                   "Protect_IVR_FactoryReset");
    return v && spa_bool_value(v) == 1;
}

int spa_device_ctl_exec(spa_device *dev, const spa_device_ctl_cmd *c, spa_buf *reply)
{
    switch (c->kind) {
    case SPA_CTL_DIAL:
        if (!spa_device_is_factory_reset(c->digits)) {
            spa_buf_printf(reply, "ok dialed %s\n", c->digits);
            return 0;
        }
        if (reset_protected(dev)) {
            spa_buf_puts(reply, "error factory reset disabled by provisioning\n");
            return -1;
        }
        spa_device_factory_reset(dev);
        spa_buf_puts(reply, "ok factory reset\n");
        return 0;
    case SPA_CTL_OFFHOOK:
    case SPA_CTL_ONHOOK:
        spa_device_line_busy(dev, c->line, c->kind == SPA_CTL_OFFHOOK);
        spa_buf_printf(reply, "ok line %u %s\n", c->line,
                       c->kind == SPA_CTL_OFFHOOK ? "offhook" : "onhook");
        return 0;
    case SPA_CTL_UNREGISTERED:
    case SPA_CTL_REGISTERED:
        spa_device_line_registered(dev, c->line, c->kind == SPA_CTL_REGISTERED);
        spa_buf_printf(reply, "ok line %u %s\n", c->line,
                       c->kind == SPA_CTL_REGISTERED ? "registered" : "unregistered");
        return 0;
    case SPA_CTL_REPORT:
        if (spa_device_request_report(dev) < 0) {
            spa_buf_puts(reply, "error no report sent (Report_Rule empty or bad, or one pending)\n");
            return -1;
        }
        spa_buf_puts(reply, "ok report requested\n");
        return 0;
    case SPA_CTL_STATUS:
        spa_buf_puts(reply, "ok ");
        spa_device_status_json(dev, reply);
        spa_buf_putc(reply, '\n');
        return 0;
    }
    spa_buf_puts(reply, "error unknown command\n");
    return -1;
}

/* ---- server ---------------------------------------------------------------------------------- */

typedef struct ctl_conn ctl_conn;

struct spa_device_ctl {
    struct event_base *base;
    spa_device *dev;
    int fd;
    struct event *ev;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    ctl_conn *conns;
};

struct ctl_conn {
    ctl_conn *next;
    spa_device_ctl *ctl;
    int fd;
    struct event *ev;
    char buf[CTL_LINE_MAX];
    size_t len;
};

static void conn_close(ctl_conn *k)
{
    for (ctl_conn **pp = &k->ctl->conns; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    event_free(k->ev);
    close(k->fd);
    free(k);
}

static void conn_answer(ctl_conn *k)
{
    spa_device_ctl_cmd c;
    char why[128];
    spa_buf reply;
    spa_buf_init(&reply);
    if (spa_device_ctl_parse(k->buf, k->len, &c, why, sizeof why) < 0)
        spa_buf_printf(&reply, "error %s\n", why);
    else
        spa_device_ctl_exec(k->ctl->dev, &c, &reply);
    if (reply.data) {
        /* a short answer to a local socket: one write is enough; a client
         * that went away loses it (MSG_NOSIGNAL: no SIGPIPE) */
        ssize_t w = send(k->fd, reply.data, reply.len, MSG_NOSIGNAL);
        (void)w;
    }
    spa_buf_free(&reply);
    conn_close(k);
}

static void conn_read(evutil_socket_t fd, short what, void *arg)
{
    ctl_conn *k = arg;
    if (what & EV_TIMEOUT) {   /* a client that never finished its line */
        conn_close(k);
        return;
    }
    ssize_t r = recv(fd, k->buf + k->len, sizeof k->buf - 1 - k->len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0 && k->len == 0) {
        conn_close(k);
        return;
    }
    if (r > 0)
        k->len += (size_t)r;
    if (r > 0 && !memchr(k->buf, '\n', k->len) && k->len < sizeof k->buf - 1)
        return;
    char *nl = memchr(k->buf, '\n', k->len);
    if (nl)
        k->len = (size_t)(nl - k->buf);
    conn_answer(k);
}

static void ctl_accept(evutil_socket_t fd, short what, void *arg)
{
    spa_device_ctl *ctl = arg;
    (void)what;
    int cfd = accept(fd, NULL, NULL);
    if (cfd < 0)
        return;
    ctl_conn *k = calloc(1, sizeof *k);
    if (!k || evutil_make_socket_nonblocking(cfd) < 0 ||
        !(k->ev = event_new(ctl->base, cfd, EV_READ | EV_PERSIST, conn_read, k))) {
        free(k);
        close(cfd);
        return;
    }
    struct timeval tv = { 5, 0 };
    k->ctl = ctl;
    k->fd = cfd;
    k->next = ctl->conns;
    ctl->conns = k;
    event_add(k->ev, &tv);
}

static int ctl_addr(const char *dir, struct sockaddr_un *sa, spa_diags *d)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, SPA_DEVICE_CTL_SOCKET);
    if (n < 0 || (size_t)n >= sizeof sa->sun_path) {
        spa_diag_add(d, SPA_DIAG_ERROR, dir, 0, 0, "ctl-path",
                     "state directory path too long for a control socket");
        return -1;
    }
    return 0;
}

spa_device_ctl *spa_device_ctl_new(struct event_base *base, const char *dir, spa_device *dev,
                                   spa_diags *d)
{
    struct sockaddr_un sa;
    spa_device_ctl *ctl;
    if (ctl_addr(dir, &sa, d) < 0)
        return NULL;
    if (!(ctl = calloc(1, sizeof *ctl))) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    ctl->base = base;
    ctl->dev = dev;
    snprintf(ctl->path, sizeof ctl->path, "%s", sa.sun_path);
    unlink(sa.sun_path);   /* left over by a killed emulator */
    ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(ctl->fd, 8) < 0 || evutil_make_socket_nonblocking(ctl->fd) < 0 ||
        !(ctl->ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST, ctl_accept, ctl)) ||
        event_add(ctl->ev, NULL) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, ctl->path, 0, 0, "ctl-socket", "cannot listen: %s",
                     strerror(errno));
        spa_device_ctl_free(ctl);
        return NULL;
    }
    return ctl;
}

void spa_device_ctl_free(spa_device_ctl *ctl)
{
    if (!ctl)
        return;
    while (ctl->conns)
        conn_close(ctl->conns);
    if (ctl->ev)
        event_free(ctl->ev);
    if (ctl->fd >= 0) {
        close(ctl->fd);
        unlink(ctl->path);
    }
    free(ctl);
}

/* ---- client ------------------------------------------------------------------------------------ */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int spa_device_ctl_send(const char *dir, const char *line, spa_buf *reply, spa_diags *d)
{
    struct sockaddr_un sa;
    char buf[1024];
    if (ctl_addr(dir, &sa, d) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, sa.sun_path, 0, 0, "ctl-connect",
                     "no spasim running here: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = -1;
    size_t n = strlen(line);
    if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        spa_diag_add(d, SPA_DIAG_ERROR, sa.sun_path, 0, 0, "ctl-send", "send: %s", strerror(errno));
        goto out;
    }
    int64_t end = mono_ms() + 5000;
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = end - mono_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, sa.sun_path, 0, 0, "ctl-timeout", "no answer");
            goto out;
        }
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (spa_buf_append(reply, buf, (size_t)r) < 0)
            goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}
