/* provd_handle.c — where spaprovd's event loop spends its time per request,
 * to decide what (if anything) belongs on worker threads: spa_provd_handle
 * on a render-cache miss and on a hit, a 404 and a static file, and the
 * database writes it makes on its own (one event insert, one contact
 * update — each its own transaction). Thread CPU time and wall time per
 * call, over the devices of an existing data directory (make one with
 * `spaprov device import` and `spaprov param set`, see docs/spaprovd.md
 * "Worker threads"). Runs on a copy of nothing: it adds events to that
 * database, so use a scratch one.
 *
 * usage: provd_handle DATA_DIR [DEVICES]     (default: up to 2000 devices) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spaprov/provd.h"
#include "spaprov/store.h"

typedef struct macs {
    char (*v)[13];
    size_t n, cap;
} macs;

static int collect(void *ctx, const spa_device *dv)
{
    macs *m = ctx;
    if (m->n == m->cap)
        return 1;
    memcpy(m->v[m->n++], dv->mac, 13);
    return 0;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct timing {
    double cpu, wall;
} timing;

static timing start(void)
{
    timing t = { clock_s(CLOCK_THREAD_CPUTIME_ID), clock_s(CLOCK_MONOTONIC) };
    return t;
}

static void report(const char *label, timing t0, size_t n)
{
    double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0.cpu;
    double wall = clock_s(CLOCK_MONOTONIC) - t0.wall;
    printf("%-40s %7zu calls  %8.1f us cpu  %8.1f us wall  per call\n", label, n,
           cpu * 1e6 / (double)n, wall * 1e6 / (double)n);
}

/* n requests through spa_provd_handle, for each device's profile (fixed
 * NULL) or for the path fixed; -1 when one does not get want. */
static int handle_all(spa_provd *p, const macs *m, const char *fixed, int want, const char *label)
{
    timing t0 = start();
    for (size_t i = 0; i < m->n; i++) {
        char path[64];
        spa_provd_response r;
        spa_provd_input in = { .proto = SPA_PROTO_HTTP, .method = "GET", .path = path,
                               .peer = "127.0.0.1" };
        if (fixed)
            snprintf(path, sizeof path, "%s", fixed);
        else
            snprintf(path, sizeof path, "/spa%s.cfg", m->v[i]);
        spa_provd_handle(p, &in, &r);
        int st = r.status;
        spa_provd_response_free(&r);
        if (st != want) {
            fprintf(stderr, "provd_handle: %s: status %d, want %d\n", path, st, want);
            return -1;
        }
    }
    report(label, t0, m->n);
    return 0;
}

int main(int argc, char **argv)
{
    spa_provd_config cfg;
    spa_diags d;
    spa_store *st;
    spa_provd *p;
    char db[SPA_PROVD_STR + 16];
    macs m = { NULL, 0, 2000 };
    int rc = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: provd_handle DATA_DIR [DEVICES]\n");
        return 2;
    }
    if (argc > 2)
        m.cap = (size_t)strtoul(argv[2], NULL, 10);
    if (!m.cap || !(m.v = calloc(m.cap, sizeof *m.v)))
        return 2;
    spa_diags_init(&d);
    spa_provd_config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", argv[1]);
    spa_provd_db_path(argv[1], db, sizeof db);
    if (!(st = spa_store_open(db, NULL, &d)) ||
        spa_store_device_list(st, NULL, 0, collect, &m, &d) < 0 || !m.n) {
        spa_diags_print(&d, stderr);
        fprintf(stderr, "provd_handle: no devices in %s\n", db);
        goto out;
    }
    p = spa_provd_new(st, &cfg);
    if (!p)
        goto out;
    printf("%zu devices of %s\n", m.n, db);
    if (handle_all(p, &m, NULL, 200, "profile, render-cache miss") == 0 &&
        handle_all(p, &m, NULL, 200, "profile, render-cache hit") == 0 &&
        handle_all(p, &m, "/spa000e08ffffff.cfg", 404, "unknown device (404)") == 0 &&
        handle_all(p, &m, "/no-such-file.bin", 404, "static file, missing (404)") == 0) {
        timing t0 = start();
        for (size_t i = 0; i < m.n; i++)
            if (spa_store_event_add(st, 0, m.v[i], SPA_EV_RESULT, "200 bench", NULL, 0, &d) < 0)
                break;
        report("  one event insert (transaction)", t0, m.n);
        t0 = start();
        for (size_t i = 0; i < m.n; i++)
            if (spa_store_device_touch(st, m.v[i], "5.1.10", 0, &d) < 0)
                break;
        report("  one contact update (transaction)", t0, m.n);
        rc = 0;
    }
    spa_provd_free(p);
out:
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    spa_store_close(st);
    free(m.v);
    return rc;
}
