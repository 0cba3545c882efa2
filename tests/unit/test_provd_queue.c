/* test_provd_queue.c — spaprovd's write-behind queue (lib/provd_queue.c)
 * over a real store on disk, read through a second connection (as
 * `spaprov events` reads it): queued events and contact times become
 * visible at the end of the loop turn (TFTP/syslog: of a 10 ms timer), at
 * SPA_PROVD_BATCH writes, on
 * spa_provd_flush, on a reload and on spa_provd_free; a batch the database
 * refuses stays queued and is written once it can be; a report (written at
 * once, with its blob) keeps its place after what was queued before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <sqlite3.h>
#include "testutil.h"
#include "spaprov/provd.h"

#define MAC "000e08000001"

typedef struct fixture {
    char dir[256];
    char db[512];
    spa_store *st;       /* the server's connection */
    spa_store *rd;       /* another one, as the admin CLI */
    spa_provd *p;
    spa_provd_config cfg;
    struct event_base *base;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    spa_store_open_opts o = { .busy_timeout_ms = 50 };
    spa_diags d;
    spa_diags_init(&d);
    f->st = tu_provd_data(f->dir, sizeof f->dir, &f->cfg, &o);
    spa_provd_db_path(f->dir, f->db, sizeof f->db);
    f->rd = spa_store_open(f->db, &o, &d);
    assert_non_null(f->rd);
    assert_int_equal(spa_store_device_add(f->st, MAC, "SPA2102", "SN1", NULL, NULL, &d), 0);
    f->p = spa_provd_new(f->st, &f->cfg);
    assert_non_null(f->p);
    f->base = event_base_new();
    assert_non_null(f->base);
    spa_diags_free(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    spa_provd_free(f->p);
    event_base_free(f->base);
    spa_store_close(f->rd);
    spa_store_close(f->st);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

typedef struct counted {
    int n;
    char first[64], last[64];
} counted;

static int count_cb(void *ctx, const spa_event *e)
{
    counted *c = ctx;
    if (c->n++ == 0)
        snprintf(c->first, sizeof c->first, "%s", e->text);
    snprintf(c->last, sizeof c->last, "%s", e->text);
    return 0;
}

/* Events stored (committed: read through the other connection). */
static int stored(fixture *f, counted *c)
{
    spa_event_query q = { .kind = -1, .limit = 100000 };
    counted none;
    spa_diags d;
    if (!c)
        c = &none;
    memset(c, 0, sizeof *c);
    spa_diags_init(&d);
    assert_int_equal(spa_store_event_query(f->rd, &q, count_cb, c, &d), 0);
    spa_diags_free(&d);
    return c->n;
}

static int64_t last_contact(fixture *f)
{
    spa_device dv;
    spa_diags d;
    int64_t t;
    spa_diags_init(&d);
    assert_int_equal(spa_store_device_get(f->rd, MAC, 0, &dv, &d), 0);
    t = dv.last_contact;
    spa_device_clear(&dv);
    spa_diags_free(&d);
    return t;
}

static void get_profile(fixture *f)
{
    spa_provd_input in = { .proto = SPA_PROTO_HTTP, .method = "GET", .path = "/spa" MAC ".cfg",
                           .user_agent = "Linksys/SPA-2102-5.1.10 (" MAC ")",
                           .peer = "127.0.0.1" };
    spa_provd_response r;
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    assert_true(r.etag[0] == '"');   /* kept with the cached render */
    spa_provd_response_free(&r);
}

static void syslog_line(fixture *f, int i)
{
    char line[64];
    int n = snprintf(line, sizeof line, "line %d", i);
    spa_provd_syslog(f->p, MAC, "127.0.0.1", line, (size_t)n);
}

/* Without write-behind (tests, tools): written at once, as before. */
static void test_write_through(void **state)
{
    fixture *f = *state;
    get_profile(f);
    assert_int_equal(stored(f, NULL), 2);
    assert_true(last_contact(f) > 0);
}

/* On a loop: nothing is written during the turn, all of it at its end, and
 * the cached answer carries the same ETag as the first. */
static void test_end_of_turn(void **state)
{
    fixture *f = *state;
    counted c;
    assert_int_equal(spa_provd_write_behind(f->p, f->base), 0);
    get_profile(f);
    get_profile(f);
    assert_int_equal(stored(f, NULL), 0);
    assert_int_equal(last_contact(f), 0);
    assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 1);   /* 1: nothing left */
    assert_int_equal(stored(f, &c), 4);
    assert_non_null(strstr(c.first, "http GET /spa" MAC ".cfg"));
    assert_non_null(strstr(c.last, "200 profile"));
    assert_non_null(strstr(c.last, "cached"));
    assert_true(last_contact(f) > 0);
    /* the next turn's writes wait for the next turn's end */
    get_profile(f);
    assert_int_equal(stored(f, NULL), 4);
    assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 1);
    assert_int_equal(stored(f, NULL), 6);
}

/* TFTP requests and syslog lines (nobody waits for their events) may wait
 * for a short timer, so that a TFTP load makes large batches. */
static void test_lazy_timer(void **state)
{
    fixture *f = *state;
    spa_provd_input in = { .proto = SPA_PROTO_TFTP, .path = "spa" MAC ".cfg",
                           .peer = "127.0.0.1" };
    spa_provd_response r;
    assert_int_equal(spa_provd_write_behind(f->p, f->base), 0);
    spa_provd_handle(f->p, &in, &r);
    assert_int_equal(r.status, 200);
    spa_provd_response_free(&r);
    syslog_line(f, 1);
    assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);   /* the timer waits */
    assert_int_equal(stored(f, NULL), 0);
    assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE), 0);       /* ~10 ms */
    assert_int_equal(stored(f, NULL), 3);
    assert_true(last_contact(f) > 0);
    /* an HTTP request meanwhile takes everything queued at its turn's end */
    syslog_line(f, 2);
    get_profile(f);
    assert_int_equal(stored(f, NULL), 3);
    assert_true(event_base_loop(f->base, EVLOOP_NONBLOCK) >= 0);
    assert_int_equal(stored(f, NULL), 6);
}

/* A full batch is written at once, without waiting for the turn. */
static void test_batch_size(void **state)
{
    fixture *f = *state;
    assert_int_equal(spa_provd_write_behind(f->p, NULL), 0);
    for (int i = 0; i < SPA_PROVD_BATCH - 1; i++)
        syslog_line(f, i);
    assert_int_equal(stored(f, NULL), 0);
    syslog_line(f, SPA_PROVD_BATCH - 1);
    assert_int_equal(stored(f, NULL), SPA_PROVD_BATCH);
    syslog_line(f, SPA_PROVD_BATCH);
    assert_int_equal(spa_provd_flush(f->p), 0);
    assert_int_equal(stored(f, NULL), SPA_PROVD_BATCH + 1);
}

/* Freeing the core (shutdown) and a reload write what is queued. */
static void test_flush_on_free_and_reload(void **state)
{
    fixture *f = *state;
    counted c;
    assert_int_equal(spa_provd_write_behind(f->p, f->base), 0);
    get_profile(f);
    spa_provd_set_config(f->p, &f->cfg);
    assert_int_equal(stored(f, NULL), 2);
    get_profile(f);
    syslog_line(f, 7);
    assert_int_equal(stored(f, NULL), 2);
    spa_provd_free(f->p);
    f->p = NULL;
    assert_int_equal(stored(f, &c), 5);
    assert_string_equal(c.last, "from 127.0.0.1: line 7");
    assert_true(last_contact(f) > 0);
    f->p = spa_provd_new(f->st, &f->cfg);   /* for teardown */
    assert_non_null(f->p);
}

/* A batch the database refuses (another writer holds the lock) stays
 * queued, whole, and is written on the next attempt. */
static void test_refused_batch_kept(void **state)
{
    fixture *f = *state;
    sqlite3 *lk = NULL;
    assert_int_equal(sqlite3_open(f->db, &lk), SQLITE_OK);
    assert_int_equal(spa_provd_write_behind(f->p, NULL), 0);
    syslog_line(f, 1);
    syslog_line(f, 2);
    assert_int_equal(sqlite3_exec(lk, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(spa_provd_flush(f->p), -1);   /* busy: logged, kept */
    assert_int_equal(sqlite3_exec(lk, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(lk);
    assert_int_equal(stored(f, NULL), 0);
    assert_int_equal(spa_provd_flush(f->p), 0);
    assert_int_equal(stored(f, NULL), 2);
}

/* A report (written at once, with its blob) comes after what was queued. */
static void test_report_keeps_order(void **state)
{
    fixture *f = *state;
    counted c;
    assert_int_equal(spa_provd_write_behind(f->p, f->base), 0);
    syslog_line(f, 1);
    spa_provd_report(f->p, "spa" MAC "-report.xml", "127.0.0.1", "<status/>", 9);
    assert_int_equal(stored(f, &c), 2);
    assert_string_equal(c.first, "from 127.0.0.1: line 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_of_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_on_free_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_batch_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_keeps_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
