/* render_bench.c — spaprovd's per-device profile cost: merge + XML + gzip +
 * AES-256-CBC for a 300-parameter profile, on a render-cache miss (full
 * render) and on a hit (generation check + copy), in a temporary database.
 *
 * usage: render_bench [DEVICES [ROUNDS]]     (defaults 1000 and 3)
 * prints one line per case: renders/s and µs per render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/render.h"
#include "spaprov/store.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int die(spa_diags *d, const char *what)
{
    fprintf(stderr, "render_bench: %s\n", what);
    spa_diags_print(d, stderr);
    return 1;
}

#define PROFILE_PARAMS 300

/* The per-device part: templates and speed dials, where the model has them. */
static void device_part(const spa_model *m, spa_profile *p)
{
    static const char *const tpl[][2] = {
        { "User_ID_1_", "{{account.number}}" }, { "Password_1_", "{{account.password}}" },
        { "Display_Name_1_", "{{account.name}}" }, { "Profile_Rule",
          "[--key {{device.key}}] http://prov.example.net/{{device.path}}/spa$PSN.cfg" },
        { "Station_Name", "{{device.mac}}" },
    };
    for (size_t k = 0; k < sizeof tpl / sizeof tpl[0]; k++)
        if (spa_model_find(m, tpl[k][0]) >= 0)
            spa_profile_set(p, tpl[k][0], tpl[k][1], SPA_ACCESS_UNSET, NULL, 0, 0);
    for (int k = 0; k < 16; k++) {
        char name[32], val[16];
        snprintf(name, sizeof name, "Speed_Dial_%d_%d_", 2 + k % 8, 1 + k / 8);
        snprintf(val, sizeof val, "555%04d", k);
        if (spa_model_find(m, name) >= 0)
            spa_profile_set(p, name, val, SPA_ACCESS_UNSET, NULL, 0, 0);
    }
}

/* PROFILE_PARAMS parameters per device: the per-device part, then shared
 * ones (seven in eight global, the rest on the group) with values their
 * types accept. */
static int populate(spa_store *st, long ndev, spa_diags *d)
{
    const spa_model *m = spa_store_model(st, "SPA2102", d);
    spa_profile glob, grp, dev;
    size_t used = 0, shared;
    spa_buf csv;
    if (!m || spa_store_group_add(st, "bench", NULL, d) < 0 ||
        spa_store_account_add(st, "1001", "Bench", "5551001", d) < 0)
        return -1;
    spa_profile_init(&glob);
    spa_profile_init(&grp);
    spa_profile_init(&dev);
    device_part(m, &dev);
    shared = PROFILE_PARAMS - dev.n;
    for (size_t i = 0; i < m->nparams && used < shared; i++) {
        const spa_param_def *pd = &m->params[i];
        char why[128];
        if (pd->flags & (SPA_PF_WRITE_ONLY | SPA_PF_SECRET) || spa_profile_get(&dev, pd->name) ||
            spa_type_check(&pd->type, pd->def_value, why, sizeof why) < 0)
            continue;
        spa_profile_set(used < shared * 7 / 8 ? &glob : &grp, pd->name, pd->def_value,
                        SPA_ACCESS_NA, NULL, 0, 0);
        used++;
    }
    if (spa_store_param_apply(st, SPA_SCOPE_GLOBAL, "", &glob, d) < 0 ||
        spa_store_param_apply(st, SPA_SCOPE_GROUP, "bench", &grp, d) < 0)
        return -1;
    spa_profile_free(&glob);
    spa_profile_free(&grp);

    spa_buf_init(&csv);
    spa_buf_puts(&csv, "mac,serial,model,group,account\n");
    for (long i = 0; i < ndev; i++)
        spa_buf_printf(&csv, "0200%08x,SN%08ld,SPA2102,bench,1001\n", (unsigned)(i & 0xffffffff), i);
    long n = spa_store_device_import(st, csv.data, csv.len, "bench.csv", NULL, d);
    spa_buf_free(&csv);
    if (n != ndev)
        return -1;
    for (long i = 0; i < ndev; i++) {
        char mac[13];
        snprintf(mac, sizeof mac, "0200%08x", (unsigned)(i & 0xffffffff));
        if (spa_store_param_apply(st, SPA_SCOPE_DEVICE, mac, &dev, d) < 0)
            return -1;
    }
    spa_profile_free(&dev);
    return 0;
}

static int run(spa_store *st, spa_render_cache *c, long ndev, int rounds, bool clear,
               const spa_render_opts *o, const char *label, spa_diags *d)
{
    spa_crypt_ctx *cc = spa_crypt_ctx_new();
    spa_buf out;
    size_t bytes = 0, params = 0;
    spa_buf_init(&out);
    double t0 = now();
    for (int r = 0; r < rounds; r++)
        for (long i = 0; i < ndev; i++) {
            char mac[13];
            bool hit;
            snprintf(mac, sizeof mac, "0200%08x", (unsigned)(i & 0xffffffff));
            if (clear)
                spa_render_cache_clear(c);
            spa_buf_reset(&out);
            if (spa_render_cached(c, st, mac, o, cc, &out, &hit, d) != 0 || hit == clear)
                return -1;
            bytes += out.len;
        }
    double dt = now() - t0;
    spa_profile p;
    spa_profile_init(&p);
    if (spa_render_merge(st, "020000000000", o, &p, d) == 0)
        params = p.n;
    spa_profile_free(&p);
    double n = (double)ndev * rounds;
    printf("%-34s %8.0f renders/s  %7.1f us each  (%zu parameters, %zu bytes)\n", label, n / dt,
           dt * 1e6 / n, params, (size_t)(bytes / (size_t)n));
    spa_buf_free(&out);
    spa_crypt_ctx_free(cc);
    return 0;
}

int main(int argc, char **argv)
{
    long ndev = argc > 1 ? atol(argv[1]) : 1000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    char dir[] = "/tmp/render_bench.XXXXXX", db[64];
    spa_diags d;
    spa_diags_init(&d);
    if (ndev < 1 || rounds < 1 || !mkdtemp(dir))
        return die(&d, "bad arguments or no temporary directory");
    snprintf(db, sizeof db, "%s/bench.db", dir);
    spa_store *st = spa_store_open(db, NULL, &d);
    spa_render_cache *c = spa_render_cache_new(0);
    int rc = 1;
    if (!st || !c || populate(st, ndev, &d) < 0) {
        die(&d, "setting up the database failed");
        goto out;
    }
    if (spa_store_account_set(st, "1001", "password", "benchpw", &d) < 0)
        goto out;
    spa_render_opts enc = { .gzip = true, .server_url = "http://prov.example.net" };
    spa_render_opts plain = { .key = SPA_RENDER_KEY_NONE };
    if (run(st, c, ndev, rounds, true, &enc, "miss: xml+gzip+aes (full render)", &d) < 0 ||
        run(st, c, ndev, rounds, true, &plain, "miss: xml only", &d) < 0)
        goto out;
    spa_render_cache_clear(c);   /* fill the cache, then measure hits only */
    for (long i = 0; i < ndev; i++) {
        char mac[13];
        spa_buf b;
        spa_buf_init(&b);
        snprintf(mac, sizeof mac, "0200%08x", (unsigned)(i & 0xffffffff));
        spa_render_cached(c, st, mac, &enc, NULL, &b, NULL, &d);
        spa_buf_free(&b);
    }
    if (run(st, c, ndev, rounds, false, &enc, "hit: xml+gzip+aes (cached)", &d) < 0)
        goto out;
    rc = 0;
out:
    if (rc)
        die(&d, "a render failed");
    spa_render_cache_free(c);
    spa_store_close(st);
    unlink(db);
    snprintf(db, sizeof db, "%s/bench.db-wal", dir);
    unlink(db);
    snprintf(db, sizeof db, "%s/bench.db-shm", dir);
    unlink(db);
    rmdir(dir);
    spa_diags_free(&d);
    return rc;
}
