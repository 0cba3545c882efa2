/* diag.h — compiler-style diagnostics (file:line:col: error: message) collected
 * by every parser, so a tool can print them all and a library never aborts. */
#ifndef SPAPROV_DIAG_H
#define SPAPROV_DIAG_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { SPA_DIAG_NOTE, SPA_DIAG_WARNING, SPA_DIAG_ERROR } spa_severity;

typedef struct spa_diag {
    spa_severity severity;
    char *file;      /* may be NULL: "<input>" is printed */
    unsigned line;   /* 1-based; 0 = not tied to a line */
    unsigned col;    /* 1-based; 0 = whole line */
    char *code;      /* short stable identifier, e.g. "unknown-param"; may be NULL */
    char *message;
} spa_diag;

typedef struct spa_diags {
    spa_diag *v;
    size_t n, cap;
    size_t errors, warnings;
    size_t limit;    /* stop recording after this many (0 = 1000) */
} spa_diags;

/* Initialise an empty list. */
void spa_diags_init(spa_diags *d);
/* Free every diagnostic. */
void spa_diags_free(spa_diags *d);
/* Record one diagnostic (d may be NULL: then nothing is recorded). */
void spa_diag_add(spa_diags *d, spa_severity sev, const char *file, unsigned line,
                  unsigned col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* spa_diag_add with a va_list. */
void spa_diag_vadd(spa_diags *d, spa_severity sev, const char *file, unsigned line,
                   unsigned col, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
/* Record an error not tied to a position; always returns -1 (for `return`). */
int spa_diag_error(spa_diags *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Print all diagnostics as "file:line:col: severity: message" lines. */
void spa_diags_print(const spa_diags *d, FILE *out);
/* Format one diagnostic into buf (always NUL-terminated); returns buf. */
char *spa_diag_format(const spa_diag *g, char *buf, size_t n);
/* Name of a severity: "note", "warning", "error". */
const char *spa_severity_name(spa_severity s);

#endif
