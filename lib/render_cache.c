/* render_cache.c — rendered profiles per device, so a resync storm costs
 * one small query per request instead of a merge + gzip + AES each.
 *
 * An entry is valid while (a) the generations of the five scope rows the
 * device's profile depends on (global, its model, group, account, itself;
 * spa_store_device_deps) and (b) a digest of the render options are the
 * same as when it was rendered. The store bumps a row's generation in the
 * same transaction as any change to it, so the check is exact: change a
 * global parameter and every device re-renders; change device A's and only
 * A does. Entries are kept in a hash table plus an LRU list bounded by a
 * byte budget. One mutex guards the table; rendering happens outside it.
 * An entry keeps its bytes' ETag, so a hit costs no digest. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/http.h"
#include "spaprov/macro.h"
#include "spaprov/profile.h"
#include "spaprov/render.h"

typedef struct centry {
    char mac[13];
    spa_device_deps deps;
    uint64_t opts;
    char *data;
    size_t len;
    char etag[40];                     /* of data, computed when stored */
    struct centry *hnext;              /* hash chain */
    struct centry *prev, *next;        /* LRU list, most recent first */
} centry;

struct spa_render_cache {
    pthread_mutex_t mu;
    centry **buckets;
    size_t nbuckets;
    centry *head, *tail;
    size_t max_bytes;
    spa_render_cache_stats stats;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t opts_digest(const spa_render_opts *o)
{
    uint64_t h = 1469598103934665603ull;
    int v[6] = { (int)o->format, o->full, o->gzip, o->gzip_level, (int)o->key, (int)o->md };
    h = fnv(h, v, sizeof v);
    h = fnv(h, o->server_url ? o->server_url : "\1", o->server_url ? strlen(o->server_url) + 1 : 1);
    h = fnv(h, o->server_name ? o->server_name : "\1",
            o->server_name ? strlen(o->server_name) + 1 : 1);
    h = fnv(h, &o->overlay_only, sizeof o->overlay_only);
    for (size_t i = 0; o->overlay && i < o->overlay->n; i++) {
        const spa_profile_entry *e = &o->overlay->v[i];
        h = fnv(h, e->name, strlen(e->name) + 1);
        h = fnv(h, e->value ? e->value : "\1", e->value ? strlen(e->value) + 1 : 1);
        h = fnv(h, &e->access, sizeof e->access);
    }
    h = fnv(h, o->firmware_url ? o->firmware_url : "\1",
            o->firmware_url ? strlen(o->firmware_url) + 1 : 1);
    return h;
}

static size_t bucket_of(const spa_render_cache *c, const char *mac)
{
    return (size_t)(fnv(1469598103934665603ull, mac, 12) % c->nbuckets);
}

spa_render_cache *spa_render_cache_new(size_t max_bytes)
{
    spa_render_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nbuckets = 4096;
    if (!(c->buckets = calloc(c->nbuckets, sizeof *c->buckets)) ||
        pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes ? max_bytes : (size_t)64 << 20;
    return c;
}

static void lru_unlink(spa_render_cache *c, centry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(spa_render_cache *c, centry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void entry_drop(spa_render_cache *c, centry *e)
{
    centry **pp = &c->buckets[bucket_of(c, e->mac)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(c, e);
    c->stats.entries--;
    c->stats.bytes -= e->len;
    free(e->data);
    free(e);
}

static centry *lookup(spa_render_cache *c, const char *mac)
{
    for (centry *e = c->buckets[bucket_of(c, mac)]; e; e = e->hnext)
        if (memcmp(e->mac, mac, 12) == 0)
            return e;
    return NULL;
}

/* Rehash into twice the buckets when chains get long (best effort). */
static void maybe_grow(spa_render_cache *c)
{
    size_t nb = c->nbuckets * 2;
    centry **b;
    if (c->stats.entries < 2 * c->nbuckets || !(b = calloc(nb, sizeof *b)))
        return;
    for (size_t i = 0; i < c->nbuckets; i++)
        for (centry *e = c->buckets[i], *nx; e; e = nx) {
            nx = e->hnext;
            size_t k = (size_t)(fnv(1469598103934665603ull, e->mac, 12) % nb);
            e->hnext = b[k];
            b[k] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

void spa_render_cache_clear(spa_render_cache *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->head)
        entry_drop(c, c->head);
    pthread_mutex_unlock(&c->mu);
}

void spa_render_cache_free(spa_render_cache *c)
{
    if (!c)
        return;
    spa_render_cache_clear(c);
    pthread_mutex_destroy(&c->mu);
    free(c->buckets);
    free(c);
}

void spa_render_cache_stats_get(spa_render_cache *c, spa_render_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

/* Copy a hit (and its ETag) into out; 1 hit, 0 miss (a stale entry is dropped). */
static int try_hit(spa_render_cache *c, const char *mac, const spa_device_deps *deps,
                   uint64_t opts, spa_buf *out, char etag[40], int *oom)
{
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    centry *e = lookup(c, mac);
    if (e && e->opts == opts && memcmp(e->deps.gen, deps->gen, sizeof deps->gen) == 0) {
        if (spa_buf_append(out, e->data, e->len) < 0)
            *oom = 1;
        else {
            hit = 1;
            memcpy(etag, e->etag, sizeof e->etag);
            c->stats.hits++;
            lru_unlink(c, e);
            lru_push(c, e);
        }
    } else {
        if (e)
            entry_drop(c, e);
        c->stats.misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void forget(spa_render_cache *c, const char *mac)
{
    pthread_mutex_lock(&c->mu);
    centry *e = lookup(c, mac);
    if (e)
        entry_drop(c, e);
    pthread_mutex_unlock(&c->mu);
}

/* Store a fresh render (best effort: no memory means no caching). */
static void store(spa_render_cache *c, const char *mac, const spa_device_deps *deps,
                  uint64_t opts, const char *data, size_t len, const char etag[40])
{
    centry *e;
    if (len > c->max_bytes / 2 || !(e = calloc(1, sizeof *e)))
        return;
    if (!(e->data = malloc(len ? len : 1))) {
        free(e);
        return;
    }
    memcpy(e->mac, mac, 12);
    e->deps = *deps;
    e->opts = opts;
    memcpy(e->data, data, len);
    e->len = len;
    memcpy(e->etag, etag, sizeof e->etag);
    pthread_mutex_lock(&c->mu);
    centry *old = lookup(c, mac);
    if (old)
        entry_drop(c, old);
    while (c->tail && c->stats.bytes + len > c->max_bytes) {
        entry_drop(c, c->tail);
        c->stats.evictions++;
    }
    size_t k = bucket_of(c, e->mac);
    e->hnext = c->buckets[k];
    c->buckets[k] = e;
    lru_push(c, e);
    c->stats.entries++;
    c->stats.bytes += len;
    maybe_grow(c);
    pthread_mutex_unlock(&c->mu);
}

int spa_render_cached_info(spa_render_cache *c, spa_store *st, const char *mac,
                           const spa_render_opts *o, spa_crypt_ctx *cc, spa_buf *out,
                           spa_render_info *info, spa_diags *d)
{
    spa_render_opts def = { 0 };
    spa_device_deps *deps = &info->deps;
    char m[13];
    size_t start = out->len;
    uint64_t od;
    int rc, oom = 0;

    memset(info, 0, sizeof *info);
    if (!o)
        o = &def;
    if (spa_mac_parse(mac, m) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "mac", "mac: '%s' is not a MAC address",
                     mac ? mac : "");
        return -1;
    }
    od = opts_digest(o);
    /* The generations and the render must come from one snapshot, or a
     * change committed in between could be cached under the old generations. */
    if (spa_store_snapshot_begin(st, d) < 0)
        return -1;
    rc = spa_store_device_deps(st, m, deps, d);
    info->found = rc == 0;
    if (rc == 1)
        forget(c, m);                  /* the device is gone: so is its entry */
    if (rc == 0 && try_hit(c, m, deps, od, out, info->etag, &oom)) {
        spa_store_snapshot_end(st);
        info->hit = true;
        return 0;
    }
    if (rc == 0 && !oom)
        rc = spa_render_device(st, m, o, cc, out, d);
    spa_store_snapshot_end(st);
    if (oom) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "oom", "out of memory");
        return -1;
    }
    if (rc == 0) {
        spa_http_etag(out->data + start, out->len - start, info->etag, sizeof info->etag);
        store(c, m, deps, od, out->data + start, out->len - start, info->etag);
    }
    return rc;
}

int spa_render_cached(spa_render_cache *c, spa_store *st, const char *mac,
                      const spa_render_opts *o, spa_crypt_ctx *cc, spa_buf *out, bool *hit,
                      spa_diags *d)
{
    spa_render_info info;
    int rc = spa_render_cached_info(c, st, mac, o, cc, out, &info, d);
    if (hit)
        *hit = info.hit;
    return rc;
}
