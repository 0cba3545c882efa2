/* store_int.h — private to the store module: the schema migrations and the
 * small CSV reader shared by device import and batch certificate issuing. */
#ifndef SPAPROV_STORE_INT_H
#define SPAPROV_STORE_INT_H
#include <stddef.h>

typedef struct spa_migration {
    int version;
    const char *name;
    const char *sql;
} spa_migration;

/* The migrations, in version order (1, 2, ...). */
const spa_migration *spa_store_migrations(size_t *n);

/* One CSV record: fields point into a scratch copy owned by the reader. */
#define SPA_CSV_MAX_FIELDS 16
typedef struct spa_csv {
    const char *p, *end;   /* remaining input */
    unsigned line;         /* line of the record just read (1-based) */
    char *scratch;
    size_t scratch_cap;
    size_t nf;
    char *f[SPA_CSV_MAX_FIELDS];
    unsigned col[SPA_CSV_MAX_FIELDS];   /* 1-based column where each field starts */
} spa_csv;

/* Start reading len bytes of CSV. */
void spa_csv_init(spa_csv *c, const char *data, size_t len);
/* Next non-empty record (comment lines starting with '#' skipped). Fields are
 * trimmed; double quotes with "" escapes are understood. 1 record, 0 end of
 * input, -1 malformed (unterminated quote, too many fields) or OOM. */
int spa_csv_next(spa_csv *c);
/* Release the scratch buffer. */
void spa_csv_free(spa_csv *c);

#endif
