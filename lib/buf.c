/* buf.c — growable byte buffer. Every writer in the library (profile writers,
 * macro expansion, containers) appends into one of these, so output code
 * never juggles fixed-size arrays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/buf.h"

void spa_buf_init(spa_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void spa_buf_free(spa_buf *b)
{
    free(b->data);
    spa_buf_init(b);
}

void spa_buf_reset(spa_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int spa_buf_reserve(spa_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return 0;
    if (n > ((size_t)-1) / 2 - b->len)
        return -1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->data[b->len] = '\0';
    b->cap = cap;
    return 0;
}

int spa_buf_append(spa_buf *b, const void *p, size_t n)
{
    if (spa_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int spa_buf_puts(spa_buf *b, const char *s)
{
    return spa_buf_append(b, s, strlen(s));
}

int spa_buf_putc(spa_buf *b, char c)
{
    if (b->len + 2 > b->cap && spa_buf_reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

int spa_buf_printf(spa_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || spa_buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *spa_buf_steal(spa_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    spa_buf_init(b);
    return p;
}
