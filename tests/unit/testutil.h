/* testutil.h — small helpers shared by the cmocka unit tests. */
#ifndef SPA_TESTUTIL_H
#define SPA_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "spaprov/spaprov.h"

/* A fresh temporary directory (removed by tu_rmtree); path in a static-free buffer. */
void tu_tmpdir(char *out, size_t n);
/* Write text to dir/name; returns the full path in out. */
void tu_write(const char *dir, const char *name, const char *text, char *out, size_t n);
/* Remove a directory tree (rm -rf). */
void tu_rmtree(const char *dir);
/* Path of ../shared (SPA_SHARED), or NULL when absent. */
const char *tu_shared(void);
/* Parse XML text into p, asserting success. */
void tu_parse_xml(spa_profile *p, const char *xml);
/* Parse plain text into p (no imports), asserting success. */
void tu_parse_text(spa_profile *p, const char *text);
/* Value of name in p ("<unchanged>" for NULL, "<absent>" when missing). */
const char *tu_value(const spa_profile *p, const char *name);
/* A name → value table for macro lookups, ended by {NULL, NULL}. */
typedef struct tu_kv { const char *k, *v; } tu_kv;
/* spa_macro_lookup_fn over a tu_kv table passed as ctx. */
const char *tu_kv_lookup(void *ctx, const char *name, size_t len, char *scratch, size_t n);
/* True if some diagnostic, formatted, contains needle. */
int tu_diags_contain(const spa_diags *d, const char *needle);
/* A provisioning server's fresh data directory: dir[n] made, cfg at its
 * defaults with data_dir = dir, the folders prepared and the database
 * opened (o may be NULL). Returns the store; asserts on any failure. */
spa_store *tu_provd_data(char *dir, size_t n, spa_provd_config *cfg,
                         const spa_store_open_opts *o);
/* A non-blocking TCP socket listening on 127.0.0.1 that never answers;
 * its port in *port. */
int tu_silent_listener(unsigned *port);
struct event_base;
/* Run base (non-blocking turns, at most 5 s) until a client's first bytes
 * (a request, a TLS ClientHello) reach the listener lfd; returns the
 * accepted socket (close it). */
int tu_wait_first_bytes(struct event_base *base, int lfd);

#endif
