/* store_db.h — private to the store module (store*.c): the connection
 * object and the helpers every part of the store shares. Needs sqlite3.h. */
#ifndef SPAPROV_STORE_DB_H
#define SPAPROV_STORE_DB_H
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include "spaprov/store.h"


#define SPA_STORE_MAX_STMTS 128   /* distinct SQL texts in store*.c, with room to grow */
#define SPA_STORE_MAX_MODELS 32

struct spa_store {
    sqlite3 *db;
    int version;
    bool read_only;
    bool all_models;         /* every built-in model is in models[] */
    int snapshot;            /* nesting depth of read snapshots */
    int64_t tx_gen;          /* generation of the open write transaction (0 = none yet) */
    struct { const char *sql; sqlite3_stmt *s; } stmts[SPA_STORE_MAX_STMTS];
    size_t nstmts;
    struct spa_model *models[SPA_STORE_MAX_MODELS];
    size_t nmodels;
};

/* A device row to write (import, add). */
typedef struct spa_store_devrow {
    char mac[13];
    const char *serial, *model, *account, *group;
    spa_dev_state state;
    unsigned line;           /* CSV line, for diagnostics */
} spa_store_devrow;

/* Record the connection's last SQLite error; returns -1. */
int spa_store_dberr(spa_store *st, spa_diags *d, const char *what);
/* The cached prepared statement for sql (a string constant: compared by
 * address), reset and with no bindings; NULL with a diagnostic. */
sqlite3_stmt *spa_store_stmt(spa_store *st, const char *sql, spa_diags *d);
/* Step a statement to completion, then reset it. 0 or -1. */
int spa_store_run(spa_store *st, sqlite3_stmt *s, spa_diags *d, const char *what);

/* A listing in progress: the caller's callback and context, and what the
 * row function needs to build the callback's argument. */
typedef struct spa_store_visit {
    spa_store *st;
    unsigned flags;
    void *ctx;
    union {
        spa_device_cb device;
        spa_account_cb account;
        spa_group_cb group;
        spa_param_cb param;
        spa_firmware_cb firmware;
        spa_fw_target_cb target;
        spa_rc_company_cb company;
        spa_rc_unit_cb unit;
        spa_event_cb event;
    } cb;
} spa_store_visit;
/* Turns the current row of s into the callback's argument and calls it. */
typedef int (*spa_store_row_fn)(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d);
/* Step s, calling row for each row until it returns non-zero, then reset s.
 * Returns row's last result (0 when every row was taken), or -1 after a
 * database error, recorded as "WHAT". */
int spa_store_each(sqlite3_stmt *s, spa_store_row_fn row, const spa_store_visit *v, spa_diags *d,
                   const char *what);
/* Bind a string, or NULL. */
void spa_store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Column i as a fresh string (NULL for SQL NULL). */
char *spa_store_col_dup(sqlite3_stmt *s, int i);
/* Column i as text ("" for SQL NULL), valid until the next step. */
const char *spa_store_col_str(sqlite3_stmt *s, int i);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int spa_store_tx_begin(spa_store *st, spa_diags *d);
int spa_store_tx_commit(spa_store *st, spa_diags *d);
void spa_store_tx_rollback(spa_store *st);
/* End a write transaction after its last statement: when that changed no row,
 * roll back and return 1 ("nothing there"); otherwise bump the generation of
 * (scope, key) when key is not NULL, and commit (0, or -1 after rolling back). */
int spa_store_tx_finish(spa_store *st, spa_scope scope, const char *key, spa_diags *d);
/* Inside a transaction: mark scope/target as changed (render invalidation). */
int spa_store_bump(spa_store *st, spa_scope scope, const char *target, spa_diags *d);
/* Load every built-in model into st->models. 0 or -1. */
int spa_store_all_models(spa_store *st, spa_diags *d);
/* nbytes random bytes as lower-case hex into out (2*nbytes+1). 0 or -1. */
int spa_store_random_hex(char *out, size_t nbytes);
/* 1 if the one-parameter query sql returns a row for key, 0 if not, -1. */
int spa_store_exists(spa_store *st, const char *sql, const char *key, spa_diags *d);
/* Parse a MAC, recording "mac: ..." on failure. 0 or -1. */
int spa_store_mac(const char *in, char mac[13], spa_diags *d);
/* Inside a transaction: record a contact of mac (canonical); fw_seen NULL
 * or not ASCII = keep, when 0 = now. 0 (also when no such device) or -1. */
int spa_store_contact_write(spa_store *st, const char *mac, const char *fw_seen, int64_t when,
                            spa_diags *d);
/* Write one device row inside a transaction (fresh key and path). */
int spa_store_device_write(spa_store *st, const spa_store_devrow *r, bool replace, spa_diags *d);

#endif
