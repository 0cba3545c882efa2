/* nameindex.c — open-addressing hash index (linear probing, load <= 1/2)
 * mapping names to array positions; see nameindex.h. */
#include <stdlib.h>
#include <string.h>
#include "nameindex.h"

uint32_t spa_name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int key_equals(const char *k, const char *name, size_t n)
{
    return strncmp(k, name, n) == 0 && k[n] == '\0';
}

long spa_index_find(const spa_nameindex *ix, const char *name, size_t n,
                    spa_index_key_fn key, const void *base)
{
    if (!ix->cap)
        return -1;
    size_t mask = ix->cap - 1;
    for (size_t s = spa_name_hash(name, n) & mask;; s = (s + 1) & mask) {
        uint32_t v = ix->slots[s];
        if (!v)
            return -1;
        if (key_equals(key(base, v - 1), name, n))
            return (long)(v - 1);
    }
}

static void place(uint32_t *slots, size_t cap, uint32_t i, spa_index_key_fn key,
                  const void *base)
{
    const char *k = key(base, i);
    size_t mask = cap - 1;
    size_t s = spa_name_hash(k, strlen(k)) & mask;
    while (slots[s])
        s = (s + 1) & mask;
    slots[s] = i + 1;
}

int spa_index_rebuild(spa_nameindex *ix, size_t count, spa_index_key_fn key, const void *base)
{
    size_t cap = 16;
    while (cap < count * 2)
        cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < count; i++)
        place(slots, cap, (uint32_t)i, key, base);
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

int spa_index_insert(spa_nameindex *ix, uint32_t i, size_t count, spa_index_key_fn key,
                     const void *base)
{
    if (count * 2 > ix->cap)
        return spa_index_rebuild(ix, count, key, base);
    place(ix->slots, ix->cap, i, key, base);
    return 0;
}

void spa_index_free(spa_nameindex *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}
