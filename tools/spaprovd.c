/* spaprovd — the provisioning server: argument parsing and wiring of the
 * library's pieces (config, store, provd core, listeners) onto one libevent
 * loop. SIGTERM/SIGINT stop it cleanly (exit 0); SIGHUP re-reads the
 * configuration and reopens the listeners. Logs go to stderr. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "spaprov/provd.h"
#include "spaprov/spaprov.h"

typedef struct daemon_state {
    struct event_base *base;
    const char *config_file;
    const char *data_override;
    spa_provd *p;
    spa_provd_net *net;
    int failed;
} daemon_state;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spaprovd [--config FILE] [--data DIR]\n"
            "       spaprovd --help | --version\n"
            "Serve per-device SPA profiles over TFTP, HTTP and HTTPS and collect syslog.\n"
            "Defaults: data in ./spaprov-data, TFTP 127.0.0.1:6969, HTTP :8080,\n"
            "HTTPS :8443, syslog :5514. See spaprovd(8) and etc/spaprovd.conf.\n");
}

static int load_config(daemon_state *s, spa_provd_config *c)
{
    spa_diags d;
    int rc;
    spa_diags_init(&d);
    rc = spa_provd_config_load(c, s->config_file, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (rc == 0 && s->data_override)
        snprintf(c->data_dir, sizeof c->data_dir, "%s", s->data_override);
    return rc;
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    daemon_state *s = arg;
    (void)what;
    fprintf(stderr, "spaprovd: signal %d, shutting down\n", (int)sig);
    event_base_loopbreak(s->base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    daemon_state *s = arg;
    spa_provd_config c, old;
    spa_diags d;
    (void)sig;
    (void)what;
    if (load_config(s, &c) < 0) {
        fprintf(stderr, "spaprovd: reload: configuration has errors, keeping the old one\n");
        return;
    }
    if (strcmp(c.data_dir, spa_provd_get_config(s->p)->data_dir) != 0) {
        fprintf(stderr, "spaprovd: reload: Data_Dir cannot change without a restart\n");
        snprintf(c.data_dir, sizeof c.data_dir, "%s", spa_provd_get_config(s->p)->data_dir);
    }
    old = *spa_provd_get_config(s->p);
    spa_provd_net_stop(s->net);
    spa_provd_set_config(s->p, &c);
    spa_diags_init(&d);
    s->net = spa_provd_net_start(s->base, s->p, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (s->net) {
        fprintf(stderr, "spaprovd: configuration reloaded\n");
        return;
    }
    /* The new settings cannot listen: go back to the old ones. */
    fprintf(stderr, "spaprovd: reload: cannot listen with the new settings, keeping the old\n");
    spa_provd_set_config(s->p, &old);
    spa_diags_init(&d);
    s->net = spa_provd_net_start(s->base, s->p, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (!s->net) {
        fprintf(stderr, "spaprovd: reload: cannot listen any more, stopping\n");
        s->failed = 1;
        event_base_loopbreak(s->base);
    }
}

static int run(daemon_state *s, spa_store *st, const spa_provd_config *c)
{
    struct event *ev_term, *ev_int, *ev_hup;
    spa_diags d;

    s->p = spa_provd_new(st, c);
    if (!s->p)
        return 1;
    spa_diags_init(&d);
    s->net = spa_provd_net_start(s->base, s->p, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (!s->net)
        return 1;
    ev_term = evsignal_new(s->base, SIGTERM, on_stop, s);
    ev_int = evsignal_new(s->base, SIGINT, on_stop, s);
    ev_hup = evsignal_new(s->base, SIGHUP, on_hup, s);
    if (!ev_term || !ev_int || !ev_hup || evsignal_add(ev_term, NULL) < 0 ||
        evsignal_add(ev_int, NULL) < 0 || evsignal_add(ev_hup, NULL) < 0) {
        fprintf(stderr, "spaprovd: cannot install signal handlers\n");
        s->failed = 1;
    } else {
        fprintf(stderr, "spaprovd: serving (tftp %s:%u, http %s:%u, https %s:%u, syslog %s:%u)\n",
                c->tftp_address, c->tftp_port, c->http_address, c->http_port, c->https_address,
                c->https_port, c->syslog_address, c->syslog_port);
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "data", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    daemon_state s;
    spa_provd_config c;
    spa_diags d;
    spa_store *st;
    char dbpath[SPA_PROVD_STR + 16];
    int opt, rc;

    memset(&s, 0, sizeof s);
    while ((opt = getopt_long(argc, argv, "c:d:hV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': s.config_file = optarg; break;
        case 'd': s.data_override = optarg; break;
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
    signal(SIGPIPE, SIG_IGN);
    if (load_config(&s, &c) < 0)
        return 1;
    spa_diags_init(&d);
    if (spa_provd_prepare_dir(c.data_dir, &d) < 0) {
        spa_diags_print(&d, stderr);
        spa_diags_free(&d);
        return 1;
    }
    spa_provd_db_path(c.data_dir, dbpath, sizeof dbpath);
    st = spa_store_open(dbpath, NULL, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (!st)
        return 1;
    s.base = event_base_new();
    if (!s.base) {
        spa_store_close(st);
        return 1;
    }
    rc = run(&s, st, &c);
    spa_provd_net_stop(s.net);
    spa_provd_free(s.p);
    event_base_free(s.base);
    spa_store_close(st);
    if (rc == 0)
        fprintf(stderr, "spaprovd: stopped\n");
    return rc;
}
