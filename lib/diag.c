/* diag.c — collected compiler-style diagnostics. Parsers record every problem
 * they find (up to a limit) instead of stopping at the first or printing, so
 * tools decide how to show them (text or JSON) and libraries stay silent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/diag.h"

void spa_diags_init(spa_diags *d)
{
    memset(d, 0, sizeof *d);
}

void spa_diags_free(spa_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].code);
        free(d->v[i].message);
    }
    free(d->v);
    spa_diags_init(d);
}

const char *spa_severity_name(spa_severity s)
{
    switch (s) {
    case SPA_DIAG_NOTE: return "note";
    case SPA_DIAG_WARNING: return "warning";
    default: return "error";
    }
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void spa_diag_vadd(spa_diags *d, spa_severity sev, const char *file, unsigned line,
                   unsigned col, const char *code, const char *fmt, va_list ap)
{
    if (!d)
        return;
    if (sev == SPA_DIAG_ERROR)
        d->errors++;
    else if (sev == SPA_DIAG_WARNING)
        d->warnings++;
    size_t limit = d->limit ? d->limit : 1000;
    if (d->n >= limit)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        spa_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return;
        d->v = v;
        d->cap = cap;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    spa_diag *g = &d->v[d->n];
    g->severity = sev;
    g->file = dup_or_null(file);
    g->line = line;
    g->col = col;
    g->code = dup_or_null(code);
    g->message = strdup(msg);
    if (!g->message) {
        free(g->file);
        free(g->code);
        return;
    }
    d->n++;
}

void spa_diag_add(spa_diags *d, spa_severity sev, const char *file, unsigned line,
                  unsigned col, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spa_diag_vadd(d, sev, file, line, col, code, fmt, ap);
    va_end(ap);
}

int spa_diag_error(spa_diags *d, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spa_diag_vadd(d, SPA_DIAG_ERROR, NULL, 0, 0, code, fmt, ap);
    va_end(ap);
    return -1;
}

char *spa_diag_format(const spa_diag *g, char *buf, size_t n)
{
    const char *file = g->file ? g->file : "<input>";
    if (g->line && g->col)
        snprintf(buf, n, "%s:%u:%u: %s: %s", file, g->line, g->col,
                 spa_severity_name(g->severity), g->message);
    else if (g->line)
        snprintf(buf, n, "%s:%u: %s: %s", file, g->line, spa_severity_name(g->severity),
                 g->message);
    else
        snprintf(buf, n, "%s: %s: %s", file, spa_severity_name(g->severity), g->message);
    return buf;
}

void spa_diags_print(const spa_diags *d, FILE *out)
{
    char line[1400];
    for (size_t i = 0; i < d->n; i++)
        fprintf(out, "%s\n", spa_diag_format(&d->v[i], line, sizeof line));
    size_t total = d->errors + d->warnings;
    if (total > d->n)
        fprintf(out, "(%zu more diagnostics not shown)\n", total - d->n);
}
