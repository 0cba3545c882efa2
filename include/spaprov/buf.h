/* buf.h — growable byte buffer used for every generated text or binary output. */
#ifndef SPAPROV_BUF_H
#define SPAPROV_BUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct spa_buf {
    char *data;   /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} spa_buf;

/* Initialise an empty buffer (no allocation). */
void spa_buf_init(spa_buf *b);
/* Release the buffer's memory and make it empty again. */
void spa_buf_free(spa_buf *b);
/* Truncate to zero length, keeping the allocation. */
void spa_buf_reset(spa_buf *b);
/* Make room for at least n more bytes; 0 on success, -1 on allocation failure. */
int spa_buf_reserve(spa_buf *b, size_t n);
/* Append n bytes; 0 or -1. */
int spa_buf_append(spa_buf *b, const void *p, size_t n);
/* Append a C string; 0 or -1. */
int spa_buf_puts(spa_buf *b, const char *s);
/* Append one byte; 0 or -1. */
int spa_buf_putc(spa_buf *b, char c);
/* Append printf-formatted text; 0 or -1. */
int spa_buf_printf(spa_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the (NUL-terminated, possibly empty) contents to the caller and reset b. */
char *spa_buf_steal(spa_buf *b);

#endif
