/* batch.h — per-device profile compilation at scale (`spc --batch`): one
 * template, one CSV row per device, one gzip'd and encrypted profile per
 * device, compiled in parallel; and the atomic file writer every spc output
 * goes through. */
#ifndef SPAPROV_BATCH_H
#define SPAPROV_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "spaprov/crypt.h"
#include "spaprov/diag.h"

struct spa_model;
struct spa_profile;

/* Write data to path atomically: a temporary file in the same folder,
 * created with mode (subject to the umask), then renamed over path. On
 * failure nothing is left behind. 0, or -1 with a reason in why. */
int spa_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          char *why, size_t n);

typedef struct spa_batch_opts {
    const struct spa_profile *tmpl;  /* the parsed template */
    const struct spa_model *model;   /* tells parameter columns from $NAME columns */
    const char *csv_path;            /* devices: header row, then one row per device */
    const char *out_dir;             /* files are OUT_DIR/spa<mac>.cfg */
    const char *key;                 /* passphrase for every device; NULL = see key_column */
    const char *key_column;          /* column holding each device's passphrase */
    spa_md md;                       /* openssl key derivation digest (MD5 default) */
    bool no_gzip;                    /* skip compression */
    int level;                       /* gzip level (0 = 6) */
    unsigned jobs;                   /* worker threads (0 = number of CPUs) */
    bool progress;                   /* draw a progress bar on err */
    FILE *err;                       /* progress and nothing else; may be NULL */
} spa_batch_opts;

typedef struct spa_batch_result {
    size_t rows;          /* device rows read */
    size_t ok, failed;
    size_t bytes_xml;     /* XML bytes compiled */
    size_t bytes_out;     /* bytes written */
    double seconds;       /* wall time of the compile phase */
} spa_batch_result;

/* Compile every row. A bad row gets one error diagnostic naming the CSV
 * file and line (secrets never shown) and does not stop the others. Returns
 * 0 when the batch ran (check r->failed), -1 when it could not start
 * (unreadable CSV, no MAC column, bad options) with a diagnostic. */
int spa_batch_run(const spa_batch_opts *o, spa_batch_result *r, spa_diags *d);

#endif
