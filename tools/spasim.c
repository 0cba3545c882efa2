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
#include <sys/resource.h>
#include <unistd.h>
#include <event2/event.h>
#include "spaprov/device.h"
#include "spaprov/fleet.h"
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
        "  --http ADDR:PORT         admin web server (default 127.0.0.1:0; IPv6: [::1]:PORT)\n"
        "  --sip ADDR:PORT          SIP NOTIFY listener, UDP (docs/sip.md)\n"
        "  --rc URL                 remote-customized unit: get the customization there first\n"
        "  --once                   one power-up resync (+ upgrade), JSON outcome, exit 0/1\n"
        "  --timeout SECONDS        --once: give up after this long (default 300)\n"
        "  --seed N                 random seed (deterministic jitter)\n"
        "  --tftp-timeout MS        first TFTP retransmission (default 1000, doubles)\n"
        "  --tftp-retries N         TFTP timeouts before giving up (default 5)\n"
        "  --tftp-options LIST      ask for RFC 2347 options: blksize=N,tsize,timeout=S,windowsize=W\n"
        "  --http-timeout MS        whole HTTP request (default 30000)\n"
        "  -v, --verbose            engine log lines also to stderr\n"
        "       spasim --fleet N --mac-base MAC [--model M] [fleet options] (spasim --fleet 1 --help)\n"
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
    { "tftp-options", required_argument, NULL, 'O' },
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
        case 'O': {
            spa_tftp_err e;
            if (spa_tftp_opts_parse(optarg, &a->dev.tftp_req, &e) < 0) {
                fprintf(stderr, "spasim: --tftp-options: %s\n", e.msg);
                return EXIT_USAGE;
            }
            break;
        }
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

/* "IPv4:PORT" or "[IPv6]:PORT" (port 0 = ephemeral) into host[n] (without
 * brackets) and *port; 0 or -1. */
static int parse_listen(const char *spec, char *host, size_t n, uint16_t *port)
{
    unsigned long long v;
    const char *c = strrchr(spec, ':');
    size_t skip = 0, hn = c ? (size_t)(c - spec) : 0;
    if (!c || c == spec || parse_num(c + 1, 65535, &v) < 0)
        return -1;
    if (spec[0] == '[') {
        if (hn < 3 || spec[hn - 1] != ']')
            return -1;
        skip = 1;
        hn -= 2;
    } else if (memchr(spec, ':', hn)) {
        return -1;   /* a bare IPv6 address with a port is ambiguous */
    }
    if (hn >= n)
        return -1;
    memcpy(host, spec + skip, hn);
    host[hn] = '\0';
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

/* ---- fleet mode: N units in one loop (include/spaprov/fleet.h) ---------------------- */

typedef struct fleet_args {
    spa_fleet_opts o;
    double duration;          /* device seconds; 0 = until a signal */
    const char *report;
} fleet_args;

typedef struct fleet_run {
    struct event_base *base;
    spa_fleet *fleet;
    struct event *progress;
    int tty;
} fleet_run;

static void fleet_usage(FILE *f)
{
    fprintf(f,
        "usage: spasim --fleet N --mac-base MAC [options]\n"
        "  --model MODEL            built-in model (default SPA2102)\n"
        "  --serial-base SN         serial of unit 0; its trailing number counts up (default %s)\n"
        "  --time-scale X           device clock runs X times faster (default 1)\n"
        "  --duration S             stop after S seconds of device time (default: at SIGINT/SIGTERM)\n"
        "  --until-resyncs K        stop once every unit has had K successful resyncs\n"
        "  --ramp R                 power up R units per real second (default: all at once)\n"
        "  --max-xfers N            transfers at once, the rest wait (default from the fd limit)\n"
        "  --report FILE            also write the JSON statistics there\n"
        "  --state DIR              each unit's flash in DIR/<mac>/ (default: in memory)\n"
        "  --profile FILE           staging profile (XML or text) for every fresh unit\n"
        "  --fleet-certs DIR        client certificates DIR/<mac>.crt + DIR/<mac>.key\n"
        "  --fleet-ca CERT --fleet-ca-key KEY   issue client certificates in memory\n"
        "  --dhcp-tftp HOST[:PORT], --hosts FILE, --ca FILE, --syslog HOST:PORT, --seed N,\n"
        "  --tftp-timeout MS, --tftp-retries N, --tftp-options LIST, --http-timeout MS, -v\n"
        "                           as for one unit\n"
        "JSON statistics on stdout; exit 0 when no resync or upgrade failed, 1 otherwise.\n",
        SPA_FLEET_SERIAL_BASE);
}

static const struct option fleet_longopts[] = {
    { "fleet", required_argument, NULL, 'n' },
    { "model", required_argument, NULL, 'm' },
    { "mac-base", required_argument, NULL, 'a' },
    { "serial-base", required_argument, NULL, 's' },
    { "time-scale", required_argument, NULL, 'x' },
    { "duration", required_argument, NULL, 'd' },
    { "until-resyncs", required_argument, NULL, 'u' },
    { "ramp", required_argument, NULL, 'p' },
    { "max-xfers", required_argument, NULL, 'X' },
    { "report", required_argument, NULL, 'o' },
    { "state", required_argument, NULL, 'S' },
    { "profile", required_argument, NULL, 'P' },
    { "fleet-certs", required_argument, NULL, 'c' },
    { "fleet-ca", required_argument, NULL, 'A' },
    { "fleet-ca-key", required_argument, NULL, 'K' },
    { "dhcp-tftp", required_argument, NULL, 'D' },
    { "hosts", required_argument, NULL, 'H' },
    { "ca", required_argument, NULL, 'C' },
    { "syslog", required_argument, NULL, 'L' },
    { "seed", required_argument, NULL, 'r' },
    { "tftp-timeout", required_argument, NULL, 'T' },
    { "tftp-retries", required_argument, NULL, 'R' },
    { "tftp-options", required_argument, NULL, 'O' },
    { "http-timeout", required_argument, NULL, 'W' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static int parse_real(const char *s, double min, double max, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    double v = strtod(s, &end);
    if (*end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

/* One numeric fleet option into a; 0 or EXIT_USAGE with the reason. */
static int fleet_number(int c, const char *arg, fleet_args *a)
{
    unsigned long long v = 0;
    double r = 0;
    int bad;
    switch (c) {
    case 'n': bad = parse_num(arg, 10000000, &v) < 0 || v == 0; a->o.devices = (uint32_t)v; break;
    case 'x': bad = parse_real(arg, 0.001, 1e7, &r) < 0; a->o.time_scale = r; break;
    case 'd': bad = parse_real(arg, 0.001, 1e10, &r) < 0; a->duration = r; break;
    case 'p': bad = parse_real(arg, 0.001, 1e9, &r) < 0; a->o.ramp = r; break;
    case 'X': bad = parse_num(arg, 1000000, &v) < 0 || v == 0; a->o.max_xfers = (unsigned)v; break;
    case 'u': bad = parse_num(arg, 1000000, &v) < 0 || v == 0; a->o.until_resyncs = (uint32_t)v; break;
    case 'r': bad = parse_num(arg, UINT64_MAX, &v) < 0; a->o.seed = v; break;
    case 'T': bad = parse_num(arg, 600000, &v) < 0 || v == 0; a->o.tftp_timeout_ms = (unsigned)v; break;
    case 'R': bad = parse_num(arg, 100, &v) < 0 || v == 0; a->o.tftp_retries = (unsigned)v; break;
    case 'O': {
        spa_tftp_err e;
        if (spa_tftp_opts_parse(arg, &a->o.tftp_req, &e) < 0) {
            fprintf(stderr, "spasim: --tftp-options: %s\n", e.msg);
            return EXIT_USAGE;
        }
        return 0;
    }
    default: bad = parse_num(arg, 600000, &v) < 0 || v == 0; a->o.timeout_ms = (unsigned)v; break;
    }
    if (!bad)
        return 0;
    for (const struct option *o = fleet_longopts; o->name; o++)
        if (o->val == c)
            fprintf(stderr, "spasim: --%s: '%s' is not a valid value\n", o->name, arg);
    return EXIT_USAGE;
}

static int fleet_parse(int argc, char **argv, fleet_args *a)
{
    int c;
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fleet_usage(stdout);
            return -1;
        }
    optind = 1;
    while ((c = getopt_long(argc, argv, "v", fleet_longopts, NULL)) != -1) {
        switch (c) {
        case 'm': a->o.model = optarg; break;
        case 'a': a->o.mac_base = optarg; break;
        case 's': a->o.serial_base = optarg; break;
        case 'o': a->report = optarg; break;
        case 'S': a->o.state_dir = optarg; break;
        case 'P': a->o.profile_file = optarg; break;
        case 'c': a->o.certs_dir = optarg; break;
        case 'A': a->o.client_ca = optarg; break;
        case 'K': a->o.client_ca_key = optarg; break;
        case 'D': a->o.dhcp_server = optarg; break;
        case 'H': a->o.hosts_file = optarg; break;
        case 'C': a->o.ca_file = optarg; break;
        case 'L': a->o.syslog = optarg; break;
        case 'v': a->o.verbose = true; break;
        case 'h': fleet_usage(stdout); return -1;
        case '?': fleet_usage(stderr); return EXIT_USAGE;
        default:
            if (fleet_number(c, optarg, a))
                return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "spasim: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!a->o.devices || !a->o.mac_base) {
        fprintf(stderr, "spasim: --fleet N and --mac-base are required\n");
        return EXIT_USAGE;
    }
    if ((a->o.client_ca != NULL) != (a->o.client_ca_key != NULL)) {
        fprintf(stderr, "spasim: --fleet-ca and --fleet-ca-key go together\n");
        return EXIT_USAGE;
    }
    return 0;
}

static void fleet_stop_cb(evutil_socket_t fd, short what, void *arg)
{
    fleet_run *r = arg;
    (void)fd;
    (void)what;
    event_base_loopbreak(r->base);
}

static void fleet_progress_cb(evutil_socket_t fd, short what, void *arg)
{
    fleet_run *r = arg;
    spa_buf b;
    (void)fd;
    (void)what;
    spa_buf_init(&b);
    if (spa_fleet_progress(r->fleet, &b) == 0)
        fprintf(stderr, "\r\033[K%s", b.data);
    spa_buf_free(&b);
}

/* The statistics to stdout and --report; 0 or -1 when the report failed. */
static int fleet_report(const fleet_args *a, const spa_fleet_stats *s)
{
    spa_buf b;
    spa_diags d;
    int rc = 0;
    spa_buf_init(&b);
    spa_diags_init(&d);
    if (spa_fleet_stats_json(s, &b) < 0 || spa_buf_putc(&b, '\n') < 0) {
        fprintf(stderr, "spasim: out of memory\n");
        rc = -1;
    } else {
        fputs(b.data, stdout);
        fflush(stdout);
        if (a->report && spa_device_write_atomic(a->report, b.data, b.len, 0644, &d) < 0) {
            spa_diags_print(&d, stderr);
            rc = -1;
        }
    }
    spa_diags_free(&d);
    spa_buf_free(&b);
    return rc;
}

/* Room for many sockets: the soft descriptor limit up to the hard one. */
static void fleet_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int fleet_loop(const fleet_args *a, fleet_run *r)
{
    struct event *ev[3] = { evsignal_new(r->base, SIGTERM, fleet_stop_cb, r),
                            evsignal_new(r->base, SIGINT, fleet_stop_cb, r),
                            evtimer_new(r->base, fleet_stop_cb, r) };
    int rc = -1;
    if (!ev[0] || !ev[1] || !ev[2] || event_add(ev[0], NULL) < 0 || event_add(ev[1], NULL) < 0)
        goto out;
    if (a->duration > 0) {
        double real = a->duration / (a->o.time_scale > 0 ? a->o.time_scale : 1);
        struct timeval tv = { (time_t)real, (suseconds_t)((real - (double)(time_t)real) * 1e6) };
        if (event_add(ev[2], &tv) < 0)
            goto out;
    }
    if (r->tty) {
        struct timeval one = { 1, 0 };
        r->progress = event_new(r->base, -1, EV_PERSIST, fleet_progress_cb, r);
        if (!r->progress || event_add(r->progress, &one) < 0)
            goto out;
    }
    spa_fleet_start(r->fleet);
    event_base_dispatch(r->base);
    spa_fleet_stop(r->fleet);
    if (r->tty)
        fputs("\r\033[K", stderr);
    rc = 0;
out:
    if (rc < 0)
        fprintf(stderr, "spasim: cannot set up the event loop\n");
    for (int i = 0; i < 3; i++)
        if (ev[i])
            event_free(ev[i]);
    if (r->progress)
        event_free(r->progress);
    return rc;
}

static int fleet_main(int argc, char **argv)
{
    fleet_args a;
    fleet_run r;
    spa_diags d;
    spa_fleet_stats *s = NULL;
    int rc = fleet_parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    signal(SIGPIPE, SIG_IGN);   /* the http module requires it */
    fleet_raise_fd_limit();
    memset(&r, 0, sizeof r);
    r.tty = isatty(STDERR_FILENO);
    if (!(r.base = event_base_new())) {
        fprintf(stderr, "spasim: cannot create the event loop\n");
        return EXIT_FAIL;
    }
    spa_diags_init(&d);
    r.fleet = spa_fleet_new(r.base, &a.o, &d);
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    rc = EXIT_FAIL;
    if (r.fleet && fleet_loop(&a, &r) == 0 && (s = malloc(sizeof *s))) {
        spa_fleet_get_stats(r.fleet, s);
        if (fleet_report(&a, s) == 0 && !spa_fleet_stats_failed(s))
            rc = EXIT_OK;
    }
    free(s);
    spa_fleet_free(r.fleet);
    event_base_free(r.base);
    return rc;
}

static int wants_fleet(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--fleet") == 0 || strncmp(argv[i], "--fleet=", 8) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    args a;
    run r;
    spa_diags d;
    if (argc > 1 && strcmp(argv[1], "ctl") == 0)
        return ctl_main(argc, argv);
    if (wants_fleet(argc, argv))
        return fleet_main(argc, argv);
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
