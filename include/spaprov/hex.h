/* hex.h — hexadecimal digits, read and written the one way the library does. */
#ifndef SPAPROV_HEX_H
#define SPAPROV_HEX_H
#include <stddef.h>

/* The value (0..15) of the hex digit c, either letter case; -1 when c is not one. */
int spa_hex_value(int c);
/* Write the n bytes of b as 2n lower-case hex digits and a NUL to out (2n+1 bytes). */
void spa_hex_encode(const unsigned char *b, size_t n, char *out);

#endif
