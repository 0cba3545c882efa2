/* nameindex.h — internal: an open-addressing hash index from a name to a
 * position in some array owned by the caller (model parameters, profile
 * entries). The index stores positions only; names are read back through a
 * callback, so the array stays the single owner of its strings. */
#ifndef SPA_NAMEINDEX_H
#define SPA_NAMEINDEX_H
#include <stddef.h>
#include <stdint.h>

/* Returns the name stored at position i of base. */
typedef const char *(*spa_index_key_fn)(const void *base, uint32_t i);

typedef struct spa_nameindex {
    uint32_t *slots;   /* position + 1; 0 = empty */
    size_t cap;        /* power of two, or 0 */
} spa_nameindex;

/* FNV-1a hash of n bytes. */
uint32_t spa_name_hash(const char *s, size_t n);
/* Position of name (n bytes) or -1. */
long spa_index_find(const spa_nameindex *ix, const char *name, size_t n,
                    spa_index_key_fn key, const void *base);
/* Add position i (whose key must not be present yet); count = entries after
 * the insert. Grows as needed; 0 or -1 on OOM (index unchanged). */
int spa_index_insert(spa_nameindex *ix, uint32_t i, size_t count, spa_index_key_fn key,
                     const void *base);
/* Rebuild from positions 0..count-1; 0 or -1. */
int spa_index_rebuild(spa_nameindex *ix, size_t count, spa_index_key_fn key, const void *base);
/* Free the slots. */
void spa_index_free(spa_nameindex *ix);

#endif
