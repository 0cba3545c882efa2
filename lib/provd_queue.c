/* provd_queue.c — spaprovd's write-behind queue. Storing every request and
 * result event and every contact time in a transaction of its own cost three
 * SQLite commits per profile request (most of the server's CPU, see
 * docs/benchmarks.md). Once spa_provd_write_behind is called, events (those
 * without a blob) and contacts are queued in memory instead and written in
 * ONE transaction:
 *  - HTTP(S): at the end of the event-loop turn that queued them (an
 *    event_active callback runs after every callback of the turn, before the
 *    next epoll_wait, so before any response queued in that turn reaches its
 *    socket: a client never sees an answer whose events are not stored);
 *  - TFTP and syslog (answered synchronously, or not at all): within
 *    SPA_PROVD_LAZY_MS, so that a TFTP load makes batches of many transfers;
 *  - at once when SPA_PROVD_BATCH writes are queued, and on spa_provd_flush
 *    (reload, shutdown, a report with a blob, free).
 * A kill -9 loses at most the writes of the current turn and of the last
 * SPA_PROVD_LAZY_MS of TFTP/syslog traffic; a batch is one transaction, so
 * it is stored whole or not at all. A failed batch stays queued and is
 * retried after 100 ms (up to SPA_PROVD_QUEUE_MAX writes, then dropped with
 * a log line). Only one contact per device is kept per batch (the latest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "spaprov/macro.h"
#include "provd_int.h"

#define SPA_PROVD_QUEUE_MAX 65536   /* writes kept while the database refuses them */
#define SPA_PROVD_LAZY_MS 10        /* longest wait of a TFTP/syslog write */

struct provd_queue {
    spa_store *st;
    bool on;                   /* write-behind: queue (else write at once) */
    struct event *ev;          /* end-of-turn flush / timer (NULL: no loop) */
    bool armed;                /* ev is active or its timer pending */
    bool turn;                 /* ... and active: it runs at the end of this turn */
    bool lazy;                 /* writes queued now may wait SPA_PROVD_LAZY_MS */
    spa_event_rec *evs;
    size_t nev, cap_ev;
    spa_contact_rec *cts;
    size_t nct, cap_ct;
};

static void log_diag(const char *what, const spa_diags *d)
{
    char line[512];
    fprintf(stderr, "spaprovd: %s: %s\n", what,
            d->n ? spa_diag_format(&d->v[0], line, sizeof line) : "error");
}

static void drop_all(provd_queue *q)
{
    for (size_t i = 0; i < q->nev; i++)
        free(q->evs[i].text);
    q->nev = q->nct = 0;
}

int provd_queue_flush(provd_queue *q)
{
    spa_diags d;
    int rc;
    if (!q || (q->nev == 0 && q->nct == 0))
        return 0;
    spa_diags_init(&d);
    rc = spa_store_write_batch(q->st, q->evs, q->nev, q->cts, q->nct, &d);
    if (rc == 0) {
        drop_all(q);
    } else if (q->nev + q->nct >= SPA_PROVD_QUEUE_MAX) {
        fprintf(stderr, "spaprovd: %zu events and %zu contacts lost (database unwritable)\n",
                q->nev, q->nct);
        log_diag("last error", &d);
        drop_all(q);
    } else {
        log_diag("events not stored yet (kept, retried in 100 ms)", &d);
        if (q->ev && !q->armed) {
            struct timeval tv = { 0, 100000 };
            q->armed = event_add(q->ev, &tv) == 0;
        }
    }
    spa_diags_free(&d);
    return rc;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    provd_queue *q = arg;
    (void)fd;
    (void)what;
    q->armed = q->turn = false;
    (void)provd_queue_flush(q);
}

provd_queue *provd_queue_new(spa_store *st)
{
    provd_queue *q = calloc(1, sizeof *q);
    if (q)
        q->st = st;
    return q;
}

void provd_queue_free(provd_queue *q)
{
    if (!q)
        return;
    if (provd_queue_flush(q) < 0)
        fprintf(stderr, "spaprovd: %zu events and %zu contacts lost at shutdown\n", q->nev,
                q->nct);
    drop_all(q);
    if (q->ev)
        event_free(q->ev);
    free(q->evs);
    free(q->cts);
    free(q);
}

int provd_queue_enable(provd_queue *q, struct event_base *base)
{
    struct event *ev = NULL;
    if (base && !(ev = event_new(base, -1, 0, flush_cb, q)))
        return -1;
    if (provd_queue_flush(q) < 0) {
        if (ev)
            event_free(ev);
        return -1;
    }
    if (q->ev)
        event_free(q->ev);
    q->ev = ev;
    q->armed = false;
    q->on = true;
    return 0;
}

/* Make room for one more element in *v (cap *cap). 0 or -1. */
static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
    void *nv;
    size_t nc;
    if (n < *cap)
        return 0;
    nc = *cap ? *cap * 2 : 64;
    if (!(nv = realloc(*v, nc * elem)))
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

void provd_queue_lazy(provd_queue *q, bool lazy)
{
    q->lazy = lazy;
}

/* After queuing: write now when the batch is full, else by the end of the
 * turn (or within SPA_PROVD_LAZY_MS for lazy writes). */
static void queued(provd_queue *q)
{
    if (q->nev + q->nct >= SPA_PROVD_BATCH) {
        (void)provd_queue_flush(q);
    } else if (q->ev && !q->lazy && !q->turn) {
        event_active(q->ev, EV_TIMEOUT, 0);
        q->armed = q->turn = true;
    } else if (q->ev && !q->armed) {
        struct timeval tv = { 0, SPA_PROVD_LAZY_MS * 1000 };
        q->armed = event_add(q->ev, &tv) == 0;
        if (!q->armed) {
            event_active(q->ev, EV_TIMEOUT, 0);
            q->armed = q->turn = true;
        }
    }
}

void provd_queue_event(provd_queue *q, const char *mac, spa_event_kind k, const char *text)
{
    spa_diags d;
    char m[13] = "";
    spa_diags_init(&d);
    if (!q->on) {
        if (spa_store_event_add(q->st, 0, mac, k, text, NULL, 0, &d) < 0)
            log_diag("event not stored", &d);
    } else if (mac && mac[0] && spa_mac_parse(mac, m) < 0) {
        fprintf(stderr, "spaprovd: event not stored: mac: '%s' is not a MAC address\n", mac);
    } else if ((unsigned)k >= SPA_EV_COUNT) {
        fprintf(stderr, "spaprovd: event not stored: unknown kind\n");
    } else if (grow((void **)&q->evs, &q->cap_ev, q->nev, sizeof *q->evs) < 0 ||
               !(q->evs[q->nev].text = strdup(text ? text : ""))) {
        fprintf(stderr, "spaprovd: event not stored: out of memory\n");
    } else {
        spa_event_rec *e = &q->evs[q->nev++];
        e->time = (int64_t)time(NULL);
        memcpy(e->mac, m, sizeof e->mac);
        e->kind = k;
        queued(q);
    }
    spa_diags_free(&d);
}

void provd_queue_contact(provd_queue *q, const char *mac, const char *fw_seen)
{
    spa_diags d;
    char m[13];
    spa_contact_rec *c = NULL;
    if (!q->on) {
        spa_diags_init(&d);
        (void)spa_store_device_touch(q->st, mac, fw_seen, 0, &d);
        spa_diags_free(&d);
        return;
    }
    if (spa_mac_parse(mac, m) < 0)
        return;
    for (size_t i = 0; i < q->nct && !c; i++)
        if (memcmp(q->cts[i].mac, m, 12) == 0)
            c = &q->cts[i];
    if (!c) {
        if (grow((void **)&q->cts, &q->cap_ct, q->nct, sizeof *q->cts) < 0) {
            fprintf(stderr, "spaprovd: contact not stored: out of memory\n");
            return;
        }
        c = &q->cts[q->nct++];
        memset(c, 0, sizeof *c);
        memcpy(c->mac, m, sizeof c->mac);
    }
    c->time = (int64_t)time(NULL);
    if (fw_seen && fw_seen[0])
        snprintf(c->fw_seen, sizeof c->fw_seen, "%s", fw_seen);
    queued(q);
}
