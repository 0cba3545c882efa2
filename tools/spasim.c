/* spasim.c — the device emulator: one virtual SPA (include/spaprov/device.h)
 * driven by the real provisioning engine over real TFTP/HTTP/HTTPS/syslog.
 * This file only parses arguments and wires a device to an event loop:
 * --once runs one power-up resync (and upgrade) and prints the outcome as
 * JSON; otherwise the device runs until SIGTERM/SIGINT with its admin web
 * server. docs/spasim.md, docs/spasim.1. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "spaprov/device.h"
#include "spaprov/spaprov.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct args {
    spa_device_opts dev;
    const char *http;         /* admin ADDR:PORT */
    const char *sip;          /* SIP NOTIFY listener ADDR:PORT or NULL */
    unsigned once_timeout;    /* seconds */
    int once;
} args;

typedef struct run {
    struct event_base *base;
    spa_device *dev;
    int settled;
} run;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: spasim --model MODEL --mac MAC --serial SN --state DIR [options]\n"
        "  --dhcp-tftp HOST[:PORT]  DHCP option 66 server (URLs without a server)\n"
        "  --hosts FILE             names -> addresses (several per name)\n"
        "  --ca FILE                HTTPS trust anchors (PEM)\n"
        "  --cert FILE --key FILE   client certificate and key\n"
        "  --syslog HOST:PORT       send log lines here instead of Syslog_/Debug_Server\n"
        "  --http ADDR:PORT         admin web server (default 127.0.0.1:0)\n"
        "  --sip ADDR:PORT          SIP NOTIFY listener, UDP (docs/sip.md)\n"
        "  --rc URL                 remote-customized unit: get the customization there first\n"
        "  --once                   one power-up resync (+ upgrade), JSON outcome, exit 0/1\n"
        "  --timeout SECONDS        --once: give up after this long (default 300)\n"
        "  --seed N                 random seed (deterministic jitter)\n"
        "  --tftp-timeout MS        first TFTP retransmission (default 1000, doubles)\n"
        "  --tftp-retries N         TFTP timeouts before giving up (default 5)\n"
        "  --http-timeout MS        whole HTTP request (default 30000)\n"
        "  -v, --verbose            engine log lines also to stderr\n"
        "       spasim ctl DIR dial DIGITS | offhook [LINE] | onhook [LINE] |\n"
        "                      unregistered [LINE] | registered [LINE] | status | report\n"
        "       spasim --help | --version\n");
}

static const struct option longopts[] = {
    { "model", required_argument, NULL, 'm' },
    { "mac", required_argument, NULL, 'a' },
    { "serial", required_argument, NULL, 's' },
    { "state", required_argument, NULL, 'S' },
    { "dhcp-tftp", required_argument, NULL, 'D' },
    { "hosts", required_argument, NULL, 'H' },
    { "ca", required_argument, NULL, 'C' },
    { "cert", required_argument, NULL, 'c' },
    { "key", required_argument, NULL, 'k' },
    { "syslog", required_argument, NULL, 'L' },
    { "http", required_argument, NULL, 'h' },
    { "sip", required_argument, NULL, 'P' },
    { "rc", required_argument, NULL, 'U' },
    { "once", no_argument, NULL, '1' },
    { "timeout", required_argument, NULL, 't' },
    { "seed", required_argument, NULL, 'r' },
    { "verbose", no_argument, NULL, 'v' },
    { "tftp-timeout", required_argument, NULL, 'T' },
    { "tftp-retries", required_argument, NULL, 'R' },
    { "http-timeout", required_argument, NULL, 'W' },
    { "help", no_argument, NULL, '?' + 256 },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* -1: stop with exit code 0 (help/version); >0: usage error; 0: go on. */
static int parse_args(int argc, char **argv, args *a)
{
    int c;
    unsigned long long v;
    memset(a, 0, sizeof *a);
    a->once_timeout = 300;
    while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': a->dev.model = optarg; break;
        case 'a': a->dev.mac = optarg; break;
        case 's': a->dev.serial = optarg; break;
        case 'S': a->dev.state_dir = optarg; break;
        case 'D': a->dev.dhcp_server = optarg; break;
        case 'H': a->dev.hosts_file = optarg; break;
        case 'C': a->dev.ca_file = optarg; break;
        case 'c': a->dev.cert_file = optarg; break;
        case 'k': a->dev.key_file = optarg; break;
        case 'L': a->dev.syslog = optarg; break;
        case 'h': a->http = optarg; break;
        case 'P': a->sip = optarg; break;
        case 'U': a->dev.rc_url = optarg; break;
        case '1': a->once = 1; break;
        case 'v': a->dev.verbose = true; break;
        case 't':
            if (parse_num(optarg, 86400, &v) < 0 || v == 0) {
                fprintf(stderr, "spasim: --timeout: expected 1..86400 seconds\n");
                return EXIT_USAGE;
            }
            a->once_timeout = (unsigned)v;
            break;
        case 'r':
            if (parse_num(optarg, UINT64_MAX, &v) < 0) {
                fprintf(stderr, "spasim: --seed: expected a number\n");
                return EXIT_USAGE;
            }
            a->dev.seed = v;
            break;
        case 'T':
        case 'R':
        case 'W':
            if (parse_num(optarg, c == 'R' ? 100 : 600000, &v) < 0 || v == 0) {
                fprintf(stderr, "spasim: --%s: expected a positive number%s\n",
                        c == 'T' ? "tftp-timeout" : c == 'R' ? "tftp-retries" : "http-timeout",
                        c == 'R' ? " up to 100" : " of milliseconds up to 600000");
                return EXIT_USAGE;
            }
            if (c == 'T')
                a->dev.tftp_timeout_ms = (unsigned)v;
            else if (c == 'R')
                a->dev.tftp_retries = (unsigned)v;
            else
                a->dev.timeout_ms = (unsigned)v;
            break;
        case '?' + 256: usage(stdout); return -1;
        case 'V': printf("spasim (spaprov) %s\n", spa_version()); return -1;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "spasim: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!a->dev.mac || !a->dev.state_dir) {
        fprintf(stderr, "spasim: --mac and --state are required\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!a->dev.model)
        a->dev.model = "SPA2102";
    if ((a->dev.key_file != NULL) != (a->dev.cert_file != NULL)) {
        fprintf(stderr, "spasim: --cert and --key go together\n");
        return EXIT_USAGE;
    }
    a->dev.no_start_delay = a->once != 0;
    return 0;
}

static void print_json(spa_device *dev, const char *result)
{
    spa_buf b;
    spa_buf_init(&b);
    if (spa_device_status_json(dev, &b) == 0) {
        if (result && b.len > 1) {
            /* override "result" for a timeout: append as the last field */
            b.len--;
            b.data[b.len] = '\0';
            spa_buf_printf(&b, ",\"outcome\":\"%s\"}", result);
        }
        printf("%s\n", b.data);
    }
    fflush(stdout);
    spa_buf_free(&b);
}

static void on_settled(spa_device *dev, void *arg)
{
    run *r = arg;
    (void)dev;
    r->settled = 1;
    /* may run before the loop starts (nothing to fetch): loopexit, unlike
     * loopbreak, is not forgotten by event_base_dispatch */
    event_base_loopexit(r->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    run *r = arg;
    (void)sig;
    (void)what;
    event_base_loopbreak(r->base);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    run *r = arg;
    (void)fd;
    (void)what;
    event_base_loopbreak(r->base);
}

/* ADDR:PORT (port 0 = ephemeral) into host[n] and *port; 0 or -1. */
static int parse_listen(const char *spec, char *host, size_t n, uint16_t *port)
{
    unsigned long long v;
    const char *c = strrchr(spec, ':');
    if (!c || c == spec || (size_t)(c - spec) >= n || parse_num(c + 1, 65535, &v) < 0)
        return -1;
    memcpy(host, spec, (size_t)(c - spec));
    host[c - spec] = '\0';
    *port = (uint16_t)v;
    return 0;
}

static int start_admin(spa_device *dev, const char *spec)
{
    char host[256];
    uint16_t port = 0;
    spa_diags d;
    if (parse_listen(spec ? spec : "127.0.0.1:0", host, sizeof host, &port) < 0) {
        fprintf(stderr, "spasim: --http: expected ADDR:PORT\n");
        return -1;
    }
    spa_diags_init(&d);
    int rc = spa_device_admin_listen(dev, host, port, &d);
    if (rc < 0)
        spa_diags_print(&d, stderr);
    else {
        printf("port %u\n", (unsigned)spa_device_admin_port(dev));
        fflush(stdout);
    }
    spa_diags_free(&d);
    return rc;
}

static int start_sip(spa_device *dev, const char *spec)
{
    char host[256];
    uint16_t port = 0;
    spa_diags d;
    if (parse_listen(spec, host, sizeof host, &port) < 0) {
        fprintf(stderr, "spasim: --sip: expected ADDR:PORT\n");
        return -1;
    }
    spa_diags_init(&d);
    int rc = spa_device_sip_listen(dev, host, port, &d);
    if (rc < 0)
        spa_diags_print(&d, stderr);
    else {
        printf("sip port %u\n", (unsigned)spa_device_sip_port(dev));
        fflush(stdout);
    }
    spa_diags_free(&d);
    return rc;
}

/* spasim ctl DIR WORDS...: one command to the device running on DIR. */
static int ctl_main(int argc, char **argv)
{
    spa_buf line, reply;
    spa_diags d;
    int rc = EXIT_FAIL;
    if (argc < 4) {
        usage(stderr);
        return EXIT_USAGE;
    }
    spa_buf_init(&line);
    spa_buf_init(&reply);
    spa_diags_init(&d);
    for (int i = 3; i < argc; i++)
        if (spa_buf_printf(&line, "%s%s", i > 3 ? " " : "", argv[i]) < 0)
            goto out;
    if (spa_device_ctl_send(argv[2], line.data, &reply, &d) < 0) {
        spa_diags_print(&d, stderr);
        goto out;
    }
    fputs(reply.data ? reply.data : "", stdout);
    rc = reply.data && strncmp(reply.data, "ok", 2) == 0 ? EXIT_OK : EXIT_FAIL;
out:
    spa_buf_free(&line);
    spa_buf_free(&reply);
    spa_diags_free(&d);
    return rc;
}

static int run_device(const args *a, run *r)
{
    spa_device_ctl *ctl = NULL;
    struct event *sigterm = evsignal_new(r->base, SIGTERM, on_signal, r);
    struct event *sigint = evsignal_new(r->base, SIGINT, on_signal, r);
    struct event *limit = evtimer_new(r->base, on_timeout, r);
    int rc = EXIT_FAIL;
    if (!sigterm || !sigint || !limit || event_add(sigterm, NULL) < 0 ||
        event_add(sigint, NULL) < 0) {
        fprintf(stderr, "spasim: cannot set up the event loop\n");
        goto out;
    }
    if ((!a->once || a->http) && start_admin(r->dev, a->http) < 0)
        goto out;
    if (a->sip && start_sip(r->dev, a->sip) < 0)
        goto out;
    if (!a->once) {
        spa_diags d;
        spa_diags_init(&d);
        ctl = spa_device_ctl_new(r->base, a->dev.state_dir, r->dev, &d);
        spa_diags_print(&d, stderr);
        spa_diags_free(&d);
        if (!ctl)
            goto out;
    }
    if (a->once) {
        struct timeval tv = { (time_t)a->once_timeout, 0 };
        spa_device_on_settled(r->dev, on_settled, r);
        evtimer_add(limit, &tv);
    }
    spa_device_power_up(r->dev);
    event_base_dispatch(r->base);
    if (a->once) {
        print_json(r->dev, r->settled ? NULL : "timeout");
        rc = r->settled && spa_device_succeeded(r->dev) ? EXIT_OK : EXIT_FAIL;
    } else {
        rc = EXIT_OK;
    }
out:
    /* save and free the device while SIGTERM/SIGINT are still caught: a
     * second signal (timeout(1) sends two) must not cut the last save */
    spa_device_ctl_free(ctl);
    spa_device_free(r->dev);
    r->dev = NULL;
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (limit)
        event_free(limit);
    return rc;
}

int main(int argc, char **argv)
{
    args a;
    run r;
    spa_diags d;
    if (argc > 1 && strcmp(argv[1], "ctl") == 0)
        return ctl_main(argc, argv);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    signal(SIGPIPE, SIG_IGN);   /* the http module requires it */
    memset(&r, 0, sizeof r);
    if (!(r.base = event_base_new())) {
        fprintf(stderr, "spasim: cannot create the event loop\n");
        return EXIT_FAIL;
    }
    spa_diags_init(&d);
    r.dev = spa_device_new(r.base, &a.dev, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (!r.dev) {
        event_base_free(r.base);
        return EXIT_FAIL;
    }
    rc = run_device(&a, &r);
    spa_device_free(r.dev);
    event_base_free(r.base);
    return rc;
}
