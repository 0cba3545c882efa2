/* alias.h — parameter name alias maps (--alias, guide §2.12, §3.13):
 * "/src/path/suffix = /flat-profile/Param ;" entries, at most 30, matched
 * against the element path of a fetched XML document by suffix. */
#ifndef SPAPROV_ALIAS_H
#define SPAPROV_ALIAS_H
#include <stddef.h>
#include "spaprov/diag.h"

#define SPA_ALIAS_MAX 30

typedef struct spa_alias_entry {
    char *source;   /* "/SIP-Credentials/name" (leading '/' kept) */
    char *param;    /* canonical parameter name, "User_ID_1_" */
} spa_alias_entry;

typedef struct spa_alias_map {
    spa_alias_entry v[SPA_ALIAS_MAX];
    size_t n;
} spa_alias_map;

/* Parse map text (e.g. the contents of a GPP). Returns 0, or -1 with a
 * diagnostic naming the column; m is left empty on error. */
int spa_alias_map_parse(spa_alias_map *m, const char *text, const char *file, spa_diags *d);
/* Free the map's strings. */
void spa_alias_map_free(spa_alias_map *m);
/* Parameter for an element path such as "/CPE/SIP-Credentials/name" (len
 * bytes): the first entry whose source is a whole-component suffix of path. */
const char *spa_alias_map_lookup(const spa_alias_map *m, const char *path, size_t len);

#endif
