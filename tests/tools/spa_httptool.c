/* spa_httptool.c — test-only command-line front end to the HTTP/HTTPS and
 * TLS modules, so that tests/integration/http_peers.sh can put them against
 * real peers (curl, openssl s_client, nginx). Every server mode stops by
 * itself after a time limit; everything listens on 127.0.0.1.
 *
 *   spa_httptool serve SECONDS PORTFILE [--tls CERT KEY] [--client-ca CA]
 *                [--require-cert] [--legacy] [--file PATH]
 *       GET/HEAD /fw.bin serves PATH (ETag, Range); any other request is
 *       answered 200 with one line describing it; every request is logged to
 *       stdout as "REQ method path ua=... dev=model/version/serial
 *       mac=... cert=OU/L/MAC/generic|unique body=...".
 *   spa_httptool fetch [-X METHOD] [-d BODY] [-T TYPE] [-H 'Name: v']...
 *                [--ca F] [--cert F --key F] [--hosts F] [--timeout MS]
 *                [--max N] [--no-checks] [-o OUT] URL
 *       Prints "status=N error=KIND verify=WHY attempts=N detail=..." to
 *       stderr and the body to stdout (or OUT); exit 0 when a response came.
 *   spa_httptool selfsigned CERT KEY
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "spaprov/http.h"
#include "spaprov/http_ident.h"

typedef struct {
    spa_buf file;
} serve_ctx;

static void describe(spa_http_req *r, char *out, size_t n)
{
    const spa_cert_subject *cs = spa_http_req_client_cert(r);
    const char *ua = spa_http_req_header(r, "User-Agent");
    const char *q = spa_http_req_query(r);
    spa_user_agent dev;
    char mac[13], target[2100];
    size_t blen;
    const char *body = spa_http_req_body(r, &blen);
    int have_dev = ua && spa_ua_parse(ua, strlen(ua), &dev, NULL, 0) == 0;

    snprintf(target, sizeof target, "%s%s%s", spa_http_req_path(r), q ? "?" : "", q ? q : "");
    spa_mac_find(target, strlen(target), mac);
    snprintf(out, n, "REQ %s %s ua=%s dev=%s/%s/%s mac=%s peer=%s cert=%s/%s/%s/%s body=%.*s",
             spa_http_req_method(r), target, ua ? ua : "-", have_dev ? dev.model : "-",
             have_dev ? dev.version : "-", have_dev && dev.serial[0] ? dev.serial : "-",
             mac[0] ? mac : "-", spa_http_req_peer_text(r), cs ? cs->ou : "-", cs ? cs->l : "-",
             cs && cs->mac[0] ? cs->mac : "-", cs ? (cs->generic ? "generic" : "unique") : "-",
             (int)(blen > 512 ? 512 : blen), body);
}

static void serve_handler(spa_http_req *r, void *arg)
{
    serve_ctx *sc = arg;
    char line[4096];

    describe(r, line, sizeof line);
    printf("%s\n", line);
    fflush(stdout);
    if (strcmp(spa_http_req_path(r), "/fw.bin") == 0) {
        spa_http_reply_resource(r, "application/octet-stream", sc->file.data ? sc->file.data : "",
                                sc->file.len, NULL);
        return;
    }
    strcat(line, "\n");
    spa_http_reply(r, 200, "text/plain", line, strlen(line));
}

static int read_file(const char *path, spa_buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;

    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (spa_buf_append(b, chunk, n) < 0)
            break;
    fclose(f);
    return 0;
}

static void stop_cb(evutil_socket_t fd, short w, void *arg)
{
    (void)fd;
    (void)w;
    event_base_loopbreak(arg);
}

static int cmd_serve(int argc, char **argv)
{
    spa_tls_server_opts to;
    spa_http_server_opts so;
    serve_ctx sc;
    spa_diags d;
    struct event_base *base;
    struct event *stop, *term;
    struct timeval tv;
    spa_http_server *s;
    SSL_CTX *ctx = NULL;
    FILE *pf;
    int i;

    if (argc < 4)
        return 2;
    memset(&to, 0, sizeof to);
    memset(&so, 0, sizeof so);
    spa_buf_init(&sc.file);
    spa_diags_init(&d);
    for (i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--tls") && i + 2 < argc) {
            to.cert_file = argv[++i];
            to.key_file = argv[++i];
        } else if (!strcmp(argv[i], "--client-ca") && i + 1 < argc) {
            to.client_ca_file = argv[++i];
        } else if (!strcmp(argv[i], "--require-cert")) {
            to.require_client_cert = 1;
        } else if (!strcmp(argv[i], "--legacy")) {
            to.legacy = 1;
        } else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
            if (read_file(argv[++i], &sc.file) < 0) {
                fprintf(stderr, "cannot read %s\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "bad option %s\n", argv[i]);
            return 2;
        }
    }
    if (to.cert_file && !(ctx = spa_tls_server_ctx(&to, &d))) {
        spa_diags_print(&d, stderr);
        return 2;
    }
    base = event_base_new();
    so.tls = ctx;
    s = spa_http_server_new(base, &so, serve_handler, &sc, &d);
    if (!s) {
        spa_diags_print(&d, stderr);
        return 2;
    }
    pf = fopen(argv[3], "w");
    if (!pf)
        return 2;
    fprintf(pf, "%u\n", (unsigned)spa_http_server_port(s));
    fclose(pf);
    tv.tv_sec = atol(argv[2]);
    tv.tv_usec = 0;
    stop = evtimer_new(base, stop_cb, base);
    evtimer_add(stop, &tv);
    term = evsignal_new(base, SIGTERM, stop_cb, base);
    event_add(term, NULL);
    event_base_dispatch(base);
    event_free(stop);
    event_free(term);
    spa_http_server_free(s);
    SSL_CTX_free(ctx);
    event_base_free(base);
    spa_buf_free(&sc.file);
    spa_diags_free(&d);
    return 0;
}

typedef struct {
    const char *out;
    int rc;
} fetch_ctx;

static void fetch_done(const spa_http_result *r, void *arg)
{
    fetch_ctx *fc = arg;
    FILE *f = fc->out ? fopen(fc->out, "wb") : stdout;

    fprintf(stderr, "status=%d error=%s verify=%s attempts=%u detail=%s\n", r->status,
            spa_http_error_name(r->error), spa_tls_verify_name(r->tls_verify), r->attempts,
            r->detail);
    if (f) {
        if (r->body.len)
            fwrite(r->body.data, 1, r->body.len, f);
        if (f != stdout)
            fclose(f);
    }
    fc->rc = r->error == SPA_HTTP_OK ? 0 : 10 + (int)r->error;
}

static int cmd_fetch(int argc, char **argv)
{
    spa_http_request rq;
    spa_tls_client_opts co;
    const char *hdrs[32];
    size_t nh = 0;
    fetch_ctx fc = {NULL, 1};
    spa_hosts *hosts = NULL;
    spa_diags d;
    struct event_base *base;
    char why[256];
    int i;

    memset(&rq, 0, sizeof rq);
    memset(&co, 0, sizeof co);
    spa_diags_init(&d);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-X") && more) rq.method = argv[++i];
        else if (!strcmp(a, "-d") && more) { rq.body = argv[++i]; rq.body_len = strlen(argv[i]); }
        else if (!strcmp(a, "-T") && more) rq.content_type = argv[++i];
        else if (!strcmp(a, "-H") && more && nh < 31) hdrs[nh++] = argv[++i];
        else if (!strcmp(a, "--ca") && more) co.ca_file = argv[++i];
        else if (!strcmp(a, "--cert") && more) co.cert_file = argv[++i];
        else if (!strcmp(a, "--key") && more) co.key_file = argv[++i];
        else if (!strcmp(a, "--hosts") && more) {
            if (!(hosts = spa_hosts_load(argv[++i], &d))) {
                spa_diags_print(&d, stderr);
                return 2;
            }
        }
        else if (!strcmp(a, "--timeout") && more) rq.timeout_ms = (unsigned)atol(argv[++i]);
        else if (!strcmp(a, "--max") && more) rq.max_body = (size_t)atol(argv[++i]);
        else if (!strcmp(a, "--no-checks")) rq.no_server_checks = 1;
        else if (!strcmp(a, "-o") && more) fc.out = argv[++i];
        else if (a[0] != '-' && !rq.url) rq.url = a;
        else {
            fprintf(stderr, "bad option %s\n", a);
            return 2;
        }
    }
    hdrs[nh] = NULL;
    rq.headers = hdrs;
    rq.hosts = hosts;
    if (rq.url && !strncmp(rq.url, "https:", 6) && !(rq.tls = spa_tls_client_ctx(&co, &d))) {
        spa_diags_print(&d, stderr);
        return 2;
    }
    base = event_base_new();
    if (!spa_http_start(base, &rq, fetch_done, &fc, why, sizeof why)) {
        fprintf(stderr, "start: %s\n", why);
        return 2;
    }
    event_base_dispatch(base);
    event_base_free(base);
    SSL_CTX_free(rq.tls);
    spa_hosts_free(hosts);
    spa_diags_free(&d);
    return fc.rc;
}

int main(int argc, char **argv)
{
    spa_diags d;

    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return cmd_serve(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "fetch"))
        return cmd_fetch(argc, argv);
    if (argc == 4 && !strcmp(argv[1], "selfsigned")) {
        spa_diags_init(&d);
        if (spa_tls_make_selfsigned(argv[2], argv[3], SPA_TLS_KEY_EC_P256, &d) < 0) {
            spa_diags_print(&d, stderr);
            return 2;
        }
        return 0;
    }
    fprintf(stderr, "usage: spa_httptool serve|fetch|selfsigned ... (see the source)\n");
    return 2;
}
