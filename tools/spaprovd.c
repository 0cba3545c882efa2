/* spaprovd — the provisioning server: argument parsing and wiring of the
 * library's pieces (config, logger, listeners, privilege drop, store, provd
 * core) onto one libevent loop. Start-up order: bind every listener (as
 * root for ports below 1024), hand the data directory to User and drop
 * privileges, then open the database and serve. SIGTERM/SIGINT stop it
 * cleanly (exit 0) after writing the queued events; SIGHUP re-reads the
 * configuration, keeping the sockets of unchanged listeners. Events and
 * contact times are written behind, once per loop turn, and WAL
 * checkpoints run on a thread of their own (docs/spaprovd.md
 * "Performance"). Logs go to stderr or syslog (Log). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "spaprov/provd.h"
#include "spaprov/spaprov.h"

typedef struct daemon_state {
    struct event_base *base;
    const char *config_file;
    const char *data_override;
    const char *user_override;
    spa_provd *p;
    spa_provd_net *net;
    spa_provd_log *log;
    bool dropped;            /* privileges given up: no new port below 1024 */
    int failed;
} daemon_state;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spaprovd [--config FILE] [--data DIR] [--user USER]\n"
            "       spaprovd --help | --version\n"
            "Serve per-device SPA profiles over TFTP, HTTP and HTTPS and collect syslog.\n"
            "Defaults: data in ./spaprov-data, TFTP 127.0.0.1:6969, HTTP :8080,\n"
            "HTTPS :8443, syslog :5514. --user drops root privileges to USER after\n"
            "binding (overrides User). See spaprovd(8) and etc/spaprovd.conf.\n");
}

/* Print and free diagnostics (stderr is the log stream): those of a file
 * as file:line:col, the others (sockets, users, the database) as "error: …". */
static void flush_diags(spa_diags *d)
{
    char line[1024];
    for (size_t i = 0; i < d->n; i++) {
        const spa_diag *g = &d->v[i];
        if (g->file)
            fprintf(stderr, "%s\n", spa_diag_format(g, line, sizeof line));
        else
            fprintf(stderr, "%s: %s\n", spa_severity_name(g->severity), g->message);
    }
    fflush(stderr);
    spa_diags_free(d);
}

static int load_config(daemon_state *s, spa_provd_config *c)
{
    spa_diags d;
    int rc;
    spa_diags_init(&d);
    rc = spa_provd_config_load(c, s->config_file, &d);
    flush_diags(&d);
    if (rc == 0 && s->data_override)
        snprintf(c->data_dir, sizeof c->data_dir, "%s", s->data_override);
    if (rc == 0 && s->user_override)
        snprintf(c->user, sizeof c->user, "%s", s->user_override);
    return rc;
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    daemon_state *s = arg;
    (void)what;
    spa_provd_logf(s->log, SPA_PROVD_LOG_NOTICE, "signal %d, shutting down", (int)sig);
    event_base_loopbreak(s->base);
}

/* Settings a reload cannot change: keep the running ones, say so. */
static void keep_fixed(daemon_state *s, spa_provd_config *c)
{
    const spa_provd_config *old = spa_provd_get_config(s->p);
    if (strcmp(c->data_dir, old->data_dir) != 0)
        spa_provd_logf(s->log, SPA_PROVD_LOG_WARNING,
                       "reload: Data_Dir cannot change without a restart");
    if (strcmp(c->user, old->user) != 0 || strcmp(c->group, old->group) != 0)
        spa_provd_logf(s->log, SPA_PROVD_LOG_WARNING,
                       "reload: User and Group cannot change without a restart");
    memcpy(c->data_dir, old->data_dir, sizeof c->data_dir);
    memcpy(c->user, old->user, sizeof c->user);
    memcpy(c->group, old->group, sizeof c->group);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    daemon_state *s = arg;
    spa_provd_config c;
    spa_provd_net *nn;
    spa_diags d;
    (void)sig;
    (void)what;
    if (load_config(s, &c) < 0) {
        spa_provd_logf(s->log, SPA_PROVD_LOG_ERR,
                       "reload: configuration has errors, keeping the old one");
        return;
    }
    keep_fixed(s, &c);
    /* New sockets first (unchanged listeners keep theirs), then new servers,
     * and only then the old ones go: any failure leaves the old in force. */
    spa_diags_init(&d);
    nn = spa_provd_net_bind(&c, s->net, s->dropped, &d);
    if (nn && spa_provd_net_serve(nn, s->base, s->p, &c, s->log, &d) < 0) {
        spa_provd_net_stop(nn);
        nn = NULL;
    }
    flush_diags(&d);
    if (!nn) {
        spa_provd_logf(s->log, SPA_PROVD_LOG_ERR,
                       "reload: cannot listen with the new settings, keeping the old ones");
        return;
    }
    spa_provd_net_stop(s->net);
    s->net = nn;
    spa_provd_set_config(s->p, &c);
    spa_provd_log_configure(s->log, &c);
    spa_provd_logf(s->log, SPA_PROVD_LOG_NOTICE, "configuration reloaded");
}

static void log_serving(daemon_state *s, const spa_provd_config *c)
{
    spa_provd_logf(s->log, SPA_PROVD_LOG_NOTICE,
                   "serving (tftp %s:%u, http %s:%u, https %s:%u, syslog %s:%u) as uid %ld, "
                   "data %s",
                   c->tftp_address, c->tftp_port, c->http_address, c->http_port,
                   c->https_address, c->https_port, c->syslog_address, c->syslog_port,
                   (long)geteuid(), c->data_dir);
}

static int serve(daemon_state *s, spa_store *st, const spa_provd_config *c)
{
    struct event *ev_term, *ev_int, *ev_hup;
    spa_diags d;
    int rc;

    s->p = spa_provd_new(st, c);
    if (!s->p || spa_provd_write_behind(s->p, s->base) < 0)
        return 1;
    spa_diags_init(&d);
    rc = spa_provd_net_serve(s->net, s->base, s->p, c, s->log, &d);
    flush_diags(&d);
    if (rc < 0)
        return 1;
    ev_term = evsignal_new(s->base, SIGTERM, on_stop, s);
    ev_int = evsignal_new(s->base, SIGINT, on_stop, s);
    ev_hup = evsignal_new(s->base, SIGHUP, on_hup, s);
    if (!ev_term || !ev_int || !ev_hup || evsignal_add(ev_term, NULL) < 0 ||
        evsignal_add(ev_int, NULL) < 0 || evsignal_add(ev_hup, NULL) < 0) {
        spa_provd_logf(s->log, SPA_PROVD_LOG_ERR, "cannot install signal handlers");
        s->failed = 1;
    } else {
        log_serving(s, c);
        event_base_dispatch(s->base);
    }
    if (ev_term)
        event_free(ev_term);
    if (ev_int)
        event_free(ev_int);
    if (ev_hup)
        event_free(ev_hup);
    return s->failed;
}

/* Bind as whoever we are, then become User; 0 or -1 (logged). */
static int bind_and_drop(daemon_state *s, const spa_provd_config *c)
{
    spa_provd_priv pv;
    spa_diags d;
    int rc;

    spa_diags_init(&d);
    rc = spa_provd_priv_lookup(c->user, c->group, &pv, &d);
    if (rc == 0 && !pv.set && geteuid() == 0)
        spa_provd_logf(s->log, SPA_PROVD_LOG_WARNING,
                       "WARNING: running as root with no User configured: every request is "
                       "served with root privileges; set User (or --user) to drop them after "
                       "binding");
    if (rc == 0)
        rc = spa_provd_prepare_dir(c->data_dir, &d);
    if (rc == 0 && !(s->net = spa_provd_net_bind(c, NULL, false, &d)))
        rc = -1;
    if (rc == 0)
        rc = spa_provd_priv_chown_data(&pv, c->data_dir, &d);
    if (rc == 0 && pv.set && geteuid() == 0) {
        rc = spa_provd_priv_drop(&pv, &d);
        if (rc == 0) {
            s->dropped = true;
            spa_provd_logf(s->log, SPA_PROVD_LOG_NOTICE,
                           "listeners bound; running as user %s (uid %u, gid %u)", pv.name,
                           pv.uid, pv.gid);
        }
    } else if (rc == 0) {
        rc = spa_provd_priv_drop(&pv, &d);  /* not root: only checks we are that user */
    }
    flush_diags(&d);
    return rc;
}

/* Make sure descriptors 0-2 are open, so no socket lands on them. */
static void sane_stdio(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd)
                close(n);
        }
}

static int run(daemon_state *s, spa_provd_config *c)
{
    spa_diags d;
    spa_store *st;
    spa_store_checkpointer *ck;
    char dbpath[SPA_PROVD_STR + 16];
    int rc;

    if (bind_and_drop(s, c) < 0)
        return 1;
    spa_diags_init(&d);
    spa_provd_db_path(c->data_dir, dbpath, sizeof dbpath);
    st = spa_store_open(dbpath, NULL, &d);
    flush_diags(&d);
    if (!st)
        return 1;
    spa_diags_init(&d);
    if (!(ck = spa_store_checkpointer_start(st, 1000, &d)))   /* no fsync on the loop */
        spa_provd_logf(s->log, SPA_PROVD_LOG_WARNING,
                       "WAL checkpoints stay on the event loop: %s",
                       d.n ? d.v[0].message : "error");
    spa_diags_free(&d);
    s->base = event_base_new();
    rc = s->base ? serve(s, st, c) : 1;
    spa_provd_net_stop(s->net);
    s->net = NULL;
    spa_provd_free(s->p);   /* writes the events still queued */
    if (s->base)
        event_base_free(s->base);
    spa_store_checkpointer_stop(ck);
    spa_store_close(st);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "data", required_argument, NULL, 'd' },
        { "user", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    daemon_state s;
    spa_provd_config c;
    FILE *real_stderr = stderr, *logstream = NULL;
    int opt, rc;

    memset(&s, 0, sizeof s);
    while ((opt = getopt_long(argc, argv, "c:d:u:hV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': s.config_file = optarg; break;
        case 'd': s.data_override = optarg; break;
        case 'u': s.user_override = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("spaprovd %s\n", spa_version()); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "spaprovd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    sane_stdio();
    signal(SIGPIPE, SIG_IGN);
    if (load_config(&s, &c) < 0)
        return 1;
    s.log = spa_provd_log_new(&c);
    if (!s.log)
        return 1;
    /* Library messages written to stderr go through the logger too (so they
     * follow Log syslog, also after a reload switches to it). */
    if ((logstream = spa_provd_log_stream(s.log, SPA_PROVD_LOG_ERR)))
        stderr = logstream;
    rc = run(&s, &c);
    if (rc == 0)
        spa_provd_logf(s.log, SPA_PROVD_LOG_NOTICE, "stopped");
    if (logstream) {
        stderr = real_stderr;
        fclose(logstream);
    }
    spa_provd_log_free(s.log);
    return rc;
}
