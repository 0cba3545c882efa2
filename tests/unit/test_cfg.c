/* test_cfg.c — the binary CFG container: every SPC mode round-trips, a
 * targeted file opens only for its MAC, wrong keys are told apart from damage,
 * and every bit flip of a small encrypted/compressed/container file is an
 * error (or, for a gzip header field gzip itself ignores, the same bytes) —
 * never a different profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/crypt.h"
#include "spaprov/cfg.h"

static const char xml[] =
    "<flat-profile>\n"
    "  <Resync_Periodic ua=\"na\">3600</Resync_Periodic>\n"
    "  <Profile_Rule>http://prov.example.com/spa$MA.cfg</Profile_Rule>\n"
    "</flat-profile>\n";

static void pack_ok(const spa_cfg_opts *o, spa_buf *out)
{
    char why[160] = "";
    spa_buf_reset(out);
    int rc = spa_cfg_pack(NULL, xml, strlen(xml), o, out, why, sizeof why);
    if (rc != 0)
        fail_msg("pack failed: %s", why);
    assert_true(spa_cfg_is_container(out->data, out->len));
}

static int unpack(const spa_buf *f, const char *key, const char *mac, spa_buf *out)
{
    char why[160];
    spa_buf_reset(out);
    return spa_cfg_unpack(NULL, f->data, f->len, key, mac, 0, out, why, sizeof why);
}

static void assert_payload(const spa_buf *out)
{
    assert_int_equal(out->len, strlen(xml));
    assert_memory_equal(out->data, xml, out->len);
}

static bool rc4_available(void)
{
    spa_cfg_opts o = { .cipher = SPA_CFG_RC4, .ascii_key = "apple4sale" };
    spa_buf b;
    char why[160];
    spa_buf_init(&b);
    int rc = spa_cfg_pack(NULL, "x", 1, &o, &b, why, sizeof why);
    spa_buf_free(&b);
    return rc == 0;
}

typedef struct mode_case {
    spa_cfg_opts o;
    const char *key, *mac;   /* what opens it */
    const char *name;        /* spa_cfg_mode_name */
} mode_case;

static const mode_case modes[] = {
    { { .xml = true }, NULL, NULL, "plain" },
    { { .scramble = "SomeSecretPhrase" }, NULL, NULL, "scramble" },
    { { .target = "00:0E:08:AA:BB:CC" }, NULL, "000e08aabbcc", "target" },
    { { .cipher = SPA_CFG_AES, .ascii_key = "apple4sale" }, "apple4sale", NULL, "aes (ascii key)" },
    { { .cipher = SPA_CFG_AES, .hex_key = "00112233445566778899aabbccddeeff" },
      "00112233445566778899AABBCCDDEEFF", NULL, "aes (hex key)" },
    { { .cipher = SPA_CFG_RC4, .ascii_key = "apple4sale" }, "apple4sale", NULL, "rc4 (ascii key)" },
    { { .cipher = SPA_CFG_RC4, .hex_key = "0102030405" }, "0102030405", NULL, "rc4 (hex key)" },
    { { .cipher = SPA_CFG_AES, .target = "000e08aabbcc", .ascii_key = "k" }, "k", "000e08aabbcc",
      "target+aes (ascii key)" },
    { { .cipher = SPA_CFG_RC4, .target = "000e08aabbcc", .hex_key = "ff" }, "ff", "000e08-aabbcc",
      "target+rc4 (hex key)" },
};

static void test_every_mode_roundtrips(void **state)
{
    (void)state;
    bool rc4 = rc4_available();
    spa_buf f, out;
    spa_buf_init(&f);
    spa_buf_init(&out);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const mode_case *m = &modes[i];
        spa_cfg_info info;
        char name[64];
        if (m->o.cipher == SPA_CFG_RC4 && !rc4) {
            print_message("skipping %s: RC4 unavailable\n", m->name);
            continue;
        }
        pack_ok(&m->o, &f);
        assert_int_equal(spa_cfg_peek(f.data, f.len, &info), SPA_DEC_OK);
        assert_string_equal(spa_cfg_mode_name(&info, name, sizeof name), m->name);
        assert_int_equal(info.payload_len, strlen(xml));
        assert_int_equal(unpack(&f, m->key, m->mac, &out), SPA_DEC_OK);
        assert_payload(&out);
        /* Through the generic decode chain too. */
        spa_decode_opts o = { .key = m->key, .mac = m->mac };
        spa_decode_info di;
        spa_buf_reset(&out);
        assert_int_equal(spa_decode(NULL, f.data, f.len, &o, &out, &di), SPA_DEC_OK);
        assert_int_equal(di.layers, SPA_LAYER_CONTAINER | SPA_LAYER_XML);
        assert_payload(&out);
        /* Missing key / MAC. */
        if (m->key)
            assert_int_equal(unpack(&f, NULL, m->mac, &out), SPA_DEC_NEED_KEY);
        if (m->mac)
            assert_int_equal(unpack(&f, m->key, NULL, &out), SPA_DEC_NEED_KEY);
    }
    spa_buf_free(&f);
    spa_buf_free(&out);
}

static void test_target_other_mac_and_wrong_key(void **state)
{
    (void)state;
    spa_buf f, out;
    spa_buf_init(&f);
    spa_buf_init(&out);
    spa_cfg_opts t = { .target = "000e08aabbcc" };
    pack_ok(&t, &f);
    assert_int_equal(unpack(&f, NULL, "000e08aabbcd", &out), SPA_DEC_WRONG_KEY);
    assert_int_equal(out.len, 0);
    assert_int_equal(unpack(&f, NULL, "not-a-mac", &out), SPA_DEC_WRONG_KEY);

    spa_cfg_opts k = { .cipher = SPA_CFG_AES, .ascii_key = "right" };
    pack_ok(&k, &f);
    assert_int_equal(unpack(&f, "wrong", NULL, &out), SPA_DEC_WRONG_KEY);
    assert_int_equal(unpack(&f, "right", NULL, &out), SPA_DEC_OK);

    spa_cfg_opts h = { .cipher = SPA_CFG_AES, .hex_key = "abcd" };
    pack_ok(&h, &f);
    assert_int_equal(unpack(&f, "abce", NULL, &out), SPA_DEC_WRONG_KEY);
    assert_int_equal(unpack(&f, "xyz", NULL, &out), SPA_DEC_WRONG_KEY);
    assert_int_equal(unpack(&f, "0xABCD", NULL, &out), SPA_DEC_OK);

    spa_cfg_opts tk = { .cipher = SPA_CFG_AES, .target = "000e08aabbcc", .ascii_key = "k" };
    pack_ok(&tk, &f);
    assert_int_equal(unpack(&f, "k", "000e08aabbcd", &out), SPA_DEC_WRONG_KEY);
    assert_int_equal(unpack(&f, "j", "000e08aabbcc", &out), SPA_DEC_WRONG_KEY);
    spa_buf_free(&f);
    spa_buf_free(&out);
}

static void test_bad_options(void **state)
{
    (void)state;
    spa_buf f;
    char why[160];
    spa_buf_init(&f);
    spa_cfg_opts a = { .scramble = "x", .ascii_key = "y" };
    assert_int_equal(spa_cfg_pack(NULL, "x", 1, &a, &f, why, sizeof why), -1);
    assert_non_null(strstr(why, "--scramble"));
    spa_cfg_opts b = { .cipher = SPA_CFG_AES };
    assert_int_equal(spa_cfg_pack(NULL, "x", 1, &b, &f, why, sizeof why), -1);
    spa_cfg_opts c = { .cipher = SPA_CFG_AES, .hex_key = "abc" };
    assert_int_equal(spa_cfg_pack(NULL, "x", 1, &c, &f, why, sizeof why), -1);
    spa_cfg_opts d = { .target = "00112233445" };
    assert_int_equal(spa_cfg_pack(NULL, "x", 1, &d, &f, why, sizeof why), -1);
    assert_int_equal(f.len, 0);
    spa_buf_free(&f);
}

/* Flip every bit of f; the decode must fail (or, when same_ok, give back
 * exactly want). Counts outcomes for a sanity check. */
static void flip_all(const spa_buf *f, const spa_decode_opts *o, bool same_ok,
                     size_t *wrong_key, size_t *corrupt)
{
    spa_crypt_ctx *c = spa_crypt_ctx_new();
    spa_buf copy, out;
    spa_buf_init(&copy);
    spa_buf_init(&out);
    spa_buf_append(&copy, f->data, f->len);
    for (size_t i = 0; i < f->len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            spa_decode_info info;
            copy.data[i] ^= (char)(1u << bit);
            spa_buf_reset(&out);
            int rc = spa_decode(c, copy.data, copy.len, o, &out, &info);
            copy.data[i] ^= (char)(1u << bit);
            if (rc == SPA_DEC_OK) {
                if (!same_ok)
                    fail_msg("flip of bit %d at offset %zu/%zu decoded", bit, i, f->len);
                if (out.len != strlen(xml) || memcmp(out.data, xml, out.len) != 0)
                    fail_msg("flip at %zu decoded into a different profile", i);
                continue;
            }
            assert_int_equal(out.len, 0);
            if (rc == SPA_DEC_WRONG_KEY || rc == SPA_DEC_NEED_KEY)
                (*wrong_key)++;
            else if (rc == SPA_DEC_CORRUPT || rc == SPA_DEC_TOO_LARGE)
                (*corrupt)++;
            else
                fail_msg("flip at %zu: unexpected status %d", i, rc);
        }
    }
    spa_buf_free(&copy);
    spa_buf_free(&out);
    spa_crypt_ctx_free(c);
}

static void test_bit_flips_containers(void **state)
{
    (void)state;
    bool rc4 = rc4_available();
    spa_buf f;
    spa_buf_init(&f);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        size_t wk = 0, co = 0;
        if (modes[i].o.cipher == SPA_CFG_RC4 && !rc4)
            continue;
        pack_ok(&modes[i].o, &f);
        spa_decode_opts o = { .key = modes[i].key, .mac = modes[i].mac };
        flip_all(&f, &o, false, &wk, &co);
        assert_int_equal(wk + co, f.len * 8);
        assert_true(co > wk); /* most damage is recognised as damage */
    }
    spa_buf_free(&f);
}

static void test_bit_flips_openssl_and_gzip(void **state)
{
    (void)state;
    spa_buf z, e;
    size_t wk = 0, co = 0;
    spa_buf_init(&z);
    spa_buf_init(&e);
    spa_decode_opts o = { .key = "SecretPhrase1234" };
    assert_int_equal(spa_gzip(NULL, xml, strlen(xml), 0, &z), 0);
    /* gzip alone: the header's mtime/xfl/os bytes are not covered by its
     * CRC, so a flip there may give back the same profile; never another. */
    flip_all(&z, NULL, true, &wk, &co);
    assert_true(co > 0);
    for (int md = 0; md < 2; md++) {
        /* gzip + AES */
        spa_buf_reset(&e);
        assert_int_equal(spa_openssl_encrypt(NULL, z.data, z.len, o.key, (spa_md)md, NULL, &e), 0);
        wk = co = 0;
        flip_all(&e, &o, false, &wk, &co);
        assert_int_equal(wk + co, e.len * 8);
        /* XML + AES without gzip */
        spa_buf_reset(&e);
        assert_int_equal(spa_openssl_encrypt(NULL, xml, strlen(xml), o.key, (spa_md)md, NULL, &e), 0);
        wk = co = 0;
        flip_all(&e, &o, false, &wk, &co);
        assert_int_equal(wk + co, e.len * 8);
    }
    spa_buf_free(&z);
    spa_buf_free(&e);
}

static void test_truncation(void **state)
{
    (void)state;
    spa_buf f, out;
    spa_buf_init(&f);
    spa_buf_init(&out);
    spa_cfg_opts k = { .cipher = SPA_CFG_AES, .ascii_key = "k" };
    pack_ok(&k, &f);
    for (size_t n = 1; n < f.len; n++) {
        spa_decode_opts o = { .key = "k" };
        spa_buf_reset(&out);
        int rc = spa_decode(NULL, f.data, n, &o, &out, NULL);
        assert_true(rc == SPA_DEC_CORRUPT);
    }
    spa_buf_free(&f);
    spa_buf_free(&out);
}

static void test_size_cap(void **state)
{
    (void)state;
    spa_buf f, out;
    char why[160];
    spa_buf_init(&f);
    spa_buf_init(&out);
    spa_cfg_opts p = { .xml = true };
    pack_ok(&p, &f);
    assert_int_equal(spa_cfg_unpack(NULL, f.data, f.len, NULL, NULL, 10, &out, why, sizeof why),
                     SPA_DEC_TOO_LARGE);
    spa_buf_free(&f);
    spa_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_mode_roundtrips),
        cmocka_unit_test(test_target_other_mac_and_wrong_key),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_bit_flips_containers),
        cmocka_unit_test(test_bit_flips_openssl_and_gzip),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_size_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
