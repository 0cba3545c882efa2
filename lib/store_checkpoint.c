/* store_checkpoint.c — WAL checkpoints on a thread of their own. With
 * SQLite's default, the commit that grows the WAL past 1000 pages copies it
 * back into the database and fsyncs, on the committing thread: in spaprovd
 * that is the event loop, and every connection stalls while the disk works.
 * Here the server's connection never checkpoints (wal_autocheckpoint = 0);
 * a thread with its own connection runs a PASSIVE checkpoint on a timer,
 * which copies what no reader still needs and never blocks a writer. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include "spaprov/store.h"
#include "store_db.h"

struct spa_store_checkpointer {
    spa_store *st;              /* the connection whose checkpoints we took over */
    sqlite3 *db;                /* ours */
    unsigned interval_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void checkpoint(sqlite3 *db)
{
    (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static void *run(void *arg)
{
    spa_store_checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += c->interval_ms / 1000;
        ts.tv_nsec += (long)(c->interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &ts) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&c->mu);
        checkpoint(c->db);      /* also once more when asked to stop */
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static int set_autocheckpoint(sqlite3 *db, int pages)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %d", pages);
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

spa_store_checkpointer *spa_store_checkpointer_start(spa_store *st, unsigned interval_ms,
                                                     spa_diags *d)
{
    const char *path = sqlite3_db_filename(st->db, "main");
    spa_store_checkpointer *c;
    pthread_condattr_t ca;

    if (st->read_only || !path || !*path) {
        spa_diag_error(d, "checkpoint", "database: no checkpoints on a read-only or "
                       "temporary database");
        return NULL;
    }
    if (!(c = calloc(1, sizeof *c))) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    c->st = st;
    c->interval_ms = interval_ms ? interval_ms : 1000;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        spa_diag_error(d, "open", "%s: checkpoint connection: %s", path,
                       c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 5000);
    /* a connection learns that the database is in WAL mode when it first
     * reads it; until then a checkpoint is a no-op */
    if (sqlite3_exec(c->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) !=
        SQLITE_OK) {
        spa_diag_error(d, "open", "%s: checkpoint connection: %s", path, sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (set_autocheckpoint(st->db, 0) < 0 || pthread_create(&c->thread, NULL, run, c) != 0) {
        spa_diag_error(d, "checkpoint", "database: cannot start the checkpoint thread");
        (void)set_autocheckpoint(st->db, 1000);
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

void spa_store_checkpointer_stop(spa_store_checkpointer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    (void)set_autocheckpoint(c->st->db, 1000);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sqlite3_close(c->db);
    free(c);
}
