/* test_render.c — server-side templates ({{...}}, distinct from device
 * $MACROS), the scope merge order, the XML → gzip → AES chain decoded back
 * with the device's key (and the previous key after a rotation), and the
 * render cache's invalidation: a global change re-renders every device, a
 * device change only that device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/crypt.h"
#include "spaprov/model.h"
#include "spaprov/render.h"
#include "spaprov/store.h"

typedef struct fx {
    char dir[256];
    spa_store *st;
    spa_diags d;
} fx;

#define A "000e08000001"
#define B "000e08000002"
#define C "000e08000003"

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char db[300];
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(db, sizeof db, "%s/r.db", f->dir);
    spa_diags_init(&f->d);
    assert_non_null(f->st = spa_store_open(db, NULL, &f->d));
    assert_int_equal(spa_store_account_add(f->st, "1001", "Alice", "5551001", &f->d), 0);
    assert_int_equal(spa_store_account_set(f->st, "1001", "password", "pw1001", &f->d), 0);
    assert_int_equal(spa_store_group_add(f->st, "east", NULL, &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, A, "SPA2102", "SNA", "1001", "east", &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, B, "SPA2102", "SNB", NULL, "east", &f->d), 0);
    assert_int_equal(spa_store_device_add(f->st, C, "PAP2T", "SNC", NULL, NULL, &f->d), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    spa_store_close(f->st);
    spa_diags_free(&f->d);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void set(fx *f, spa_scope sc, const char *target, const char *name, const char *value,
                spa_access a)
{
    if (spa_store_param_set(f->st, sc, target, name, value, a, &f->d) != 0) {
        spa_diags_print(&f->d, stderr);
        fail();
    }
}

static void test_template_syntax(void **state)
{
    (void)state;
    char why[128];
    unsigned col = 0;
    assert_int_equal(spa_template_check("http://x/spa$MA.cfg", why, sizeof why, &col), 0);
    assert_int_equal(spa_template_check("{{device.mac}}", why, sizeof why, &col), 1);
    assert_int_equal(spa_template_check("a{{ account.number }}b", why, sizeof why, &col), 1);
    assert_int_equal(spa_template_check("lit {{{{x}}", why, sizeof why, &col), 0);
    assert_int_equal(spa_template_check("ab{{device.macc}}", why, sizeof why, &col), -1);
    assert_int_equal(col, 3);
    assert_string_equal(why, "unknown template variable '{{device.macc}}'");
    assert_int_equal(spa_template_check("x{{device.mac", why, sizeof why, &col), -1);
    assert_int_equal(col, 2);
    assert_true(strstr(why, "not closed") != NULL);
    assert_true(spa_template_secret("device.key", 10));
    assert_false(spa_template_secret("device.mac", 10));

    spa_device dv = { .mac = "000e08aabbcc", .serial = "SN1", .model = "SPA2102", .path = "p" };
    spa_template_vars v = { .device = &dv, .server_url = "https://prov" };
    spa_buf b;
    unsigned missing = 0;
    spa_buf_init(&b);
    assert_int_equal(spa_template_expand("{{server.url}}/{{device.mac_upper}}/{{{{x}} $MA "
                                         "{{device.mac_colon}} {{account.number}}.",
                                         &v, &b, &missing), 0);
    assert_string_equal(b.data, "https://prov/000E08AABBCC/{{x}} $MA 00:0e:08:aa:bb:cc .");
    assert_int_equal(missing, 1);
    spa_buf_free(&b);
}

static void test_merge_order(void **state)
{
    fx *f = *state;
    spa_profile p;
    set(f, SPA_SCOPE_GLOBAL, "", "Display_Name_1_", "global", SPA_ACCESS_RW);
    set(f, SPA_SCOPE_MODEL, "SPA2102", "Display_Name_1_", "model", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_GROUP, "east", "Display_Name_1_", "group", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_ACCOUNT, "1001", "Display_Name_1_", "account", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_DEVICE, A, "Display_Name_1_", "device", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_DEVICE, A, "Display_Name_2_", NULL, SPA_ACCESS_RO);  /* access only */
    set(f, SPA_SCOPE_GLOBAL, "", "Display_Name_2_", "two", SPA_ACCESS_NA);

    struct { const char *mac, *want; } cases[] = {
        { A, "device" }, { B, "group" }, { C, "global" } };
    for (size_t i = 0; i < 3; i++) {
        spa_profile_init(&p);
        assert_int_equal(spa_render_merge(f->st, cases[i].mac, NULL, &p, &f->d), 0);
        assert_string_equal(tu_value(&p, "Display_Name_1_"), cases[i].want);
        assert_int_equal(spa_profile_get(&p, "Display_Name_1_")->access, SPA_ACCESS_RW);
        spa_profile_free(&p);
    }
    spa_profile_init(&p);
    assert_int_equal(spa_render_merge(f->st, A, NULL, &p, &f->d), 0);
    assert_string_equal(tu_value(&p, "Display_Name_2_"), "two");           /* value from global */
    assert_int_equal(spa_profile_get(&p, "Display_Name_2_")->access, SPA_ACCESS_RO); /* access from device */
    spa_profile_free(&p);

    /* PAP2T has 2 lines, so Display_Name_2_ applies too; unset the device
     * row and the account's value shows through */
    assert_int_equal(spa_store_param_unset(f->st, SPA_SCOPE_DEVICE, A, "Display_Name_1_", &f->d), 0);
    spa_profile_init(&p);
    assert_int_equal(spa_render_merge(f->st, A, NULL, &p, &f->d), 0);
    assert_string_equal(tu_value(&p, "Display_Name_1_"), "account");
    spa_profile_free(&p);

    spa_profile_init(&p);
    assert_int_equal(spa_render_merge(f->st, "000e08999999", NULL, &p, &f->d), 1);
    spa_profile_free(&p);
}

static void test_full_profile_has_defaults(void **state)
{
    fx *f = *state;
    spa_profile p;
    spa_render_opts o = { .full = true };
    const spa_model *m = spa_store_model(f->st, "PAP2T", &f->d);
    size_t want = 0;
    for (size_t i = 0; i < m->nparams; i++)
        if (!(m->params[i].flags & SPA_PF_WRITE_ONLY))
            want++;
    set(f, SPA_SCOPE_DEVICE, C, "Resync_Periodic", "60", SPA_ACCESS_UNSET);
    spa_profile_init(&p);
    assert_int_equal(spa_render_merge(f->st, C, &o, &p, &f->d), 0);
    assert_int_equal(p.n, want);
    assert_string_equal(tu_value(&p, "Resync_Periodic"), "60");
    assert_string_equal(tu_value(&p, "Profile_Rule"), "/spa$PSN.cfg");
    assert_string_equal(tu_value(&p, "License_Keys"), "<absent>");
    spa_profile_free(&p);
}

/* Decode what a device would receive with key, back into a profile. */
static int decode(const spa_buf *b, const char *key, spa_profile *p, unsigned *layers)
{
    spa_decode_opts o = { .key = key };
    spa_decode_info info;
    spa_diags d;
    spa_diags_init(&d);
    int rc = spa_decode_profile(NULL, b->data, b->len, "render", &o, p, &info, &d);
    spa_diags_free(&d);
    *layers = info.layers;
    return rc;
}

static void test_chain_and_macros_verbatim(void **state)
{
    fx *f = *state;
    spa_buf b;
    spa_profile p;
    spa_device dv;
    unsigned layers = 0;
    spa_render_opts o = { .gzip = true, .server_url = "https://prov.example.net" };

    set(f, SPA_SCOPE_GLOBAL, "", "Profile_Rule", "http://x/spa$MA.cfg", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_GLOBAL, "", "Profile_Rule_B",
        "[--key {{device.key}}] {{server.url}}/{{device.path}}/spa$PSN.cfg", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_GROUP, "east", "User_ID_1_", "{{account.number}}", SPA_ACCESS_UNSET);
    set(f, SPA_SCOPE_GROUP, "east", "Password_1_", "{{account.password}}", SPA_ACCESS_UNSET);
    assert_int_equal(spa_store_device_get(f->st, A, SPA_STORE_SECRETS, &dv, &f->d), 0);

    spa_buf_init(&b);
    assert_int_equal(spa_render_device(f->st, A, &o, NULL, &b, &f->d), 0);
    assert_true(spa_is_openssl_salted(b.data, b.len));
    assert_null(memmem(b.data, b.len, "5551001", 7));
    spa_profile_init(&p);
    assert_int_equal(decode(&b, dv.key, &p, &layers), SPA_DEC_OK);
    assert_int_equal(layers, SPA_LAYER_SALTED | SPA_LAYER_GZIP | SPA_LAYER_XML);
    assert_string_equal(tu_value(&p, "Profile_Rule"), "http://x/spa$MA.cfg");
    char want[256];
    snprintf(want, sizeof want, "[--key %s] https://prov.example.net/%s/spa$PSN.cfg", dv.key, dv.path);
    assert_string_equal(tu_value(&p, "Profile_Rule_B"), want);
    assert_string_equal(tu_value(&p, "User_ID_1_"), "5551001");
    assert_string_equal(tu_value(&p, "Password_1_"), "pw1001");
    spa_profile_free(&p);
    /* the wrong key does not open it */
    spa_profile_init(&p);
    assert_int_equal(decode(&b, "0000", &p, &layers), SPA_DEC_WRONG_KEY);
    spa_profile_free(&p);

    /* B has no account: the template expands empty, with a warning */
    spa_buf_reset(&b);
    spa_render_opts plain = { .key = SPA_RENDER_KEY_NONE, .format = SPA_RENDER_TEXT };
    assert_int_equal(spa_render_device(f->st, B, &plain, NULL, &b, &f->d), 0);
    assert_non_null(strstr(b.data, "Profile_Rule \"http://x/spa$MA.cfg\" ;"));
    assert_non_null(strstr(b.data, "User_ID[1] \"\" ;"));
    assert_true(tu_diags_contain(&f->d, "device 000e08000002: User_ID_1_: 1 template variable had no value"));

    /* after a rotation, PREVIOUS encrypts under the old key and carries the new one */
    assert_int_equal(spa_store_device_rotate_key(f->st, A, &f->d), 0);
    spa_device nd;
    assert_int_equal(spa_store_device_get(f->st, A, SPA_STORE_SECRETS, &nd, &f->d), 0);
    spa_buf_reset(&b);
    o.key = SPA_RENDER_KEY_PREVIOUS;
    assert_int_equal(spa_render_device(f->st, A, &o, NULL, &b, &f->d), 0);
    spa_profile_init(&p);
    assert_int_equal(decode(&b, dv.key, &p, &layers), SPA_DEC_OK);
    snprintf(want, sizeof want, "[--key %s] https://prov.example.net/%s/spa$PSN.cfg", nd.key, nd.path);
    assert_string_equal(tu_value(&p, "Profile_Rule_B"), want);
    spa_profile_free(&p);
    spa_buf_reset(&b);
    assert_int_equal(spa_render_device(f->st, C, &o, NULL, &b, &f->d), -1);   /* C never rotated */
    assert_true(tu_diags_contain(&f->d, "device 000e08000003: has no previous key"));
    spa_device_clear(&nd);
    spa_device_clear(&dv);
    spa_buf_free(&b);
}

/* Render A, B, C through the cache; returns a bit per device that hit. */
static unsigned render3(fx *f, spa_render_cache *c, const spa_render_opts *o, spa_buf out[3])
{
    const char *macs[3] = { A, B, C };
    unsigned hits = 0;
    for (int i = 0; i < 3; i++) {
        bool hit;
        spa_buf_reset(&out[i]);
        assert_int_equal(spa_render_cached(c, f->st, macs[i], o, NULL, &out[i], &hit, &f->d), 0);
        if (hit)
            hits |= 1u << i;
    }
    return hits;
}

static void test_cache_invalidation(void **state)
{
    fx *f = *state;
    spa_render_cache *c = spa_render_cache_new(0);
    spa_render_opts o = { .gzip = true };
    spa_buf out[3], first[3];
    for (int i = 0; i < 3; i++) {
        spa_buf_init(&out[i]);
        spa_buf_init(&first[i]);
    }
    set(f, SPA_SCOPE_GLOBAL, "", "Resync_Periodic", "600", SPA_ACCESS_UNSET);
    assert_int_equal(render3(f, c, &o, first), 0u);           /* cold: all miss */
    assert_int_equal(render3(f, c, &o, out), 7u);             /* warm: all hit */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out[i].len, first[i].len);
        assert_memory_equal(out[i].data, first[i].data, out[i].len);
    }
    set(f, SPA_SCOPE_GLOBAL, "", "Resync_Periodic", "601", SPA_ACCESS_UNSET);
    assert_int_equal(render3(f, c, &o, out), 0u);             /* global: everyone re-renders */
    assert_int_equal(render3(f, c, &o, out), 7u);
    set(f, SPA_SCOPE_DEVICE, A, "Resync_Periodic", "602", SPA_ACCESS_UNSET);
    assert_int_equal(render3(f, c, &o, out), 6u);             /* device A: only A */
    set(f, SPA_SCOPE_GROUP, "east", "Display_Name_1_", "east", SPA_ACCESS_UNSET);
    assert_int_equal(render3(f, c, &o, out), 4u);             /* group east: A and B */
    set(f, SPA_SCOPE_MODEL, "PAP2T", "Display_Name_1_", "pap", SPA_ACCESS_UNSET);
    assert_int_equal(render3(f, c, &o, out), 3u);             /* model PAP2T: only C */
    assert_int_equal(spa_store_account_set(f->st, "1001", "number", "5559999", &f->d), 0);
    assert_int_equal(render3(f, c, &o, out), 6u);             /* A's account */
    assert_int_equal(spa_store_device_rotate_key(f->st, B, &f->d), 0);
    assert_int_equal(render3(f, c, &o, out), 5u);             /* B's key */
    assert_int_equal(spa_store_device_touch(f->st, C, "5.1.10", 0, &f->d), 0);
    assert_int_equal(render3(f, c, &o, out), 7u);             /* a contact changes nothing */
    o.server_url = "https://other";
    assert_int_equal(render3(f, c, &o, out), 0u);             /* other options: miss */

    spa_render_cache_stats s;
    spa_render_cache_stats_get(c, &s);
    assert_int_equal(s.entries, 3);
    assert_int_equal(s.hits, 3 + 3 + 2 + 1 + 2 + 2 + 2 + 3);
    spa_render_cache_clear(c);
    assert_int_equal(render3(f, c, &o, out), 0u);
    /* a removed device has no profile, and its entry goes */
    assert_int_equal(spa_store_device_remove(f->st, C, &f->d), 0);
    spa_buf_reset(&out[2]);
    assert_int_equal(spa_render_cached(c, f->st, C, &o, NULL, &out[2], NULL, &f->d), 1);
    assert_int_equal(out[2].len, 0);
    spa_render_cache_stats_get(c, &s);
    assert_int_equal(s.entries, 2);
    for (int i = 0; i < 3; i++) {
        spa_buf_free(&out[i]);
        spa_buf_free(&first[i]);
    }
    spa_render_cache_free(c);
}

static void test_cache_eviction(void **state)
{
    fx *f = *state;
    spa_render_cache *c = spa_render_cache_new(1400);
    spa_render_opts o = { .key = SPA_RENDER_KEY_NONE };
    spa_buf out[3];
    char v[128];
    static const char *const names[] = { "Profile_Rule_B", "Profile_Rule_C", "Profile_Rule_D",
                                         "Report_Rule" };
    memset(v, 0, sizeof v);
    memcpy(v, "http://padding.example.net/", 27);
    memset(v + 27, 'a', 80);
    for (int i = 0; i < 4; i++)
        set(f, SPA_SCOPE_GLOBAL, "", names[i], v, SPA_ACCESS_UNSET);
    for (int i = 0; i < 3; i++)
        spa_buf_init(&out[i]);
    assert_int_equal(render3(f, c, &o, out), 0u);
    assert_true(out[0].len > 467 && out[0].len <= 700);   /* two fit in 1400, three do not */
    spa_render_cache_stats s;
    spa_render_cache_stats_get(c, &s);
    assert_true(s.bytes <= 1400);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.evictions, 1);
    /* the oldest (A) went; B and C still hit */
    assert_int_equal(render3(f, c, &o, out) & 6u, 0u);   /* A re-renders, evicting B, ... */
    for (int i = 0; i < 3; i++)
        spa_buf_free(&out[i]);
    spa_render_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_syntax),
        cmocka_unit_test_setup_teardown(test_merge_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_profile_has_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_and_macros_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_invalidation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_eviction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
