/* store_csv.c — a small RFC 4180-style CSV reader for device lists (device
 * import, batch certificate issuing). Records are read one at a time into a
 * scratch buffer, so a file of any length costs one line of memory beyond
 * the input itself, and every field remembers its column for diagnostics. */
#include <stdlib.h>
#include <string.h>
#include "store_int.h"

void spa_csv_init(spa_csv *c, const char *data, size_t len)
{
    memset(c, 0, sizeof *c);
    c->p = data;
    c->end = data + len;
}

void spa_csv_free(spa_csv *c)
{
    free(c->scratch);
    c->scratch = NULL;
    c->scratch_cap = 0;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trim trailing blanks of a field written into scratch between start and w. */
static char *finish_field(char *start, char *w)
{
    while (w > start && is_blank(w[-1]))
        w--;
    *w = '\0';
    return start;
}

/* Parse one physical record starting at c->p. Returns 1, 0 at end, -1 bad. */
static int parse_record(spa_csv *c)
{
    const char *p = c->p, *line_start = p;
    size_t need = (size_t)(c->end - p) + 1;
    char *w;

    /* A record cannot be longer than what is left of the input. */
    const char *nl = memchr(p, '\n', (size_t)(c->end - p));
    if (nl && !memchr(p, '"', (size_t)(nl - p)))
        need = (size_t)(nl - p) + 1;
    if (need > c->scratch_cap) {
        char *s = realloc(c->scratch, need);
        if (!s)
            return -1;
        c->scratch = s;
        c->scratch_cap = need;
    }
    w = c->scratch;
    c->nf = 0;
    for (;;) {
        char *start;
        while (p < c->end && is_blank(*p))
            p++;
        if (c->nf == SPA_CSV_MAX_FIELDS)
            return -1;
        c->col[c->nf] = (unsigned)(p - line_start) + 1;
        start = w;
        if (p < c->end && *p == '"') {
            p++;
            for (;;) {
                if (p == c->end)
                    return -1;               /* unterminated quote */
                if (*p == '"') {
                    if (p + 1 < c->end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    c->line++;
                *w++ = *p++;
            }
            while (p < c->end && (is_blank(*p) || *p == '\r'))
                p++;
            if (p < c->end && *p != ',' && *p != '\n')
                return -1;                   /* text after a closing quote */
        } else {
            while (p < c->end && *p != ',' && *p != '\n')
                *w++ = *p++;
            if (w > start && w[-1] == '\r')
                w--;
        }
        c->f[c->nf++] = finish_field(start, w);
        w++;
        if (p < c->end && *p == ',') {
            p++;
            continue;
        }
        if (p < c->end)
            p++;                             /* the newline */
        break;
    }
    c->p = p;
    return 1;
}

int spa_csv_next(spa_csv *c)
{
    while (c->p < c->end) {
        const char *q = c->p;
        c->line++;
        while (q < c->end && (is_blank(*q) || *q == '\r'))
            q++;
        if (q == c->end) {
            c->p = q;
            return 0;
        }
        if (*q == '\n' || *q == '#') {
            const char *nl = memchr(q, '\n', (size_t)(c->end - q));
            c->p = nl ? nl + 1 : c->end;
            continue;
        }
        return parse_record(c);
    }
    return 0;
}
