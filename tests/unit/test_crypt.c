/* test_crypt.c — openssl-enc compatibility (DESIGN decision 4 vector), gzip,
 * size caps, and the decode chain's wrong-key / corrupt classification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "spaprov/crypt.h"
#include "spaprov/cfg.h"

static const uint8_t salt0[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const char xml69[] =
    "<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>\n";

static void hex_to(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), n * 2);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hex(const uint8_t *got, const char *hex, size_t n)
{
    uint8_t want[128];
    hex_to(hex, want, n);
    assert_memory_equal(got, want, n);
}

/* `openssl enc -P -md md5 -S 0102030405060708 -k SecretPhrase1234 -aes-256-cbc` */
static void test_kdf_md5_vector(void **state)
{
    (void)state;
    uint8_t key[32], iv[16];
    assert_int_equal(spa_openssl_kdf(SPA_MD_MD5, salt0, "SecretPhrase1234", 16, key, iv), 0);
    assert_int_equal(key[0], 0x75);
    assert_int_equal(key[1], 0x61);
    assert_int_equal(key[2], 0x85);
    assert_hex(key, "75618538A4502FA7161D6DC303F2A1F1C0EE19362EE647E725505C3C52364C82", 32);
    assert_hex(iv, "04CA41F7B4E382DA569224B0C61B445A", 16);
}

static void test_kdf_sha256_vector(void **state)
{
    (void)state;
    uint8_t key[32], iv[16];
    assert_int_equal(spa_openssl_kdf(SPA_MD_SHA256, salt0, "SecretPhrase1234", 16, key, iv), 0);
    assert_hex(key, "EC2A2D45A836181F7FA96D7E6204D9C24CD45FF1E1062E3B2DAE7E7BAA7D63A8", 32);
    assert_hex(iv, "E10DD0D54AEFDDC59586871B1A7BD83C", 16);
}

/* Ciphertexts from `openssl enc -e -aes-256-cbc -md MD -S 0102030405060708
 * -k SecretPhrase1234` over xml69 (openssl 3 omits the header with -S). */
static void test_encrypt_matches_openssl(void **state)
{
    (void)state;
    static const char md5_ct[] =
        "da56333e9509cfead55fee8575a159ac0f66cf08d1da396d2bf4c094112433ee"
        "9a8f159825d491552bc2a2d4d6b51f1943fc485fc1bbac7b4af22d586847e122"
        "b7960fee66342f0cb01a674d75d94494";
    static const char sha_ct[] =
        "8dc81533e02285c489c8b8910e45616e1b100e83e05d4fac251178e9341c1adb"
        "2b831695ccacaa13a0b3a29fe415ca7654b4763843ebc9fa40234199c32f4a44"
        "1b9514b11c9e72f8ab2b168756421467";
    spa_buf b;
    spa_buf_init(&b);
    assert_int_equal(spa_openssl_encrypt(NULL, xml69, 69, "SecretPhrase1234", SPA_MD_MD5, salt0, &b), 0);
    assert_int_equal(b.len, 16 + 80);
    assert_memory_equal(b.data, "Salted__\x01\x02\x03\x04\x05\x06\x07\x08", 16);
    assert_hex((uint8_t *)b.data + 16, md5_ct, 80);
    spa_buf_reset(&b);
    assert_int_equal(spa_openssl_encrypt(NULL, xml69, 69, "SecretPhrase1234", SPA_MD_SHA256, salt0, &b), 0);
    assert_hex((uint8_t *)b.data + 16, sha_ct, 80);
    spa_buf_free(&b);
}

static void test_encrypt_decrypt_roundtrip(void **state)
{
    (void)state;
    spa_crypt_ctx *c = spa_crypt_ctx_new();
    spa_buf e, d;
    spa_buf_init(&e);
    spa_buf_init(&d);
    for (size_t len = 0; len <= 40; len++) {
        spa_buf_reset(&e);
        spa_buf_reset(&d);
        assert_int_equal(spa_openssl_encrypt(c, xml69, len, "k", SPA_MD_MD5, NULL, &e), 0);
        assert_int_equal(e.len, 16 + (len / 16 + 1) * 16);
        assert_int_equal(spa_openssl_decrypt(c, e.data, e.len, "k", SPA_MD_MD5, &d), SPA_DEC_OK);
        assert_int_equal(d.len, len);
        assert_memory_equal(d.data, xml69, len);
    }
    /* Two encryptions of the same text use different random salts. */
    spa_buf_reset(&d);
    assert_int_equal(spa_openssl_encrypt(c, xml69, 69, "k", SPA_MD_MD5, NULL, &d), 0);
    spa_buf_reset(&e);
    assert_int_equal(spa_openssl_encrypt(c, xml69, 69, "k", SPA_MD_MD5, NULL, &e), 0);
    assert_memory_not_equal(d.data + 8, e.data + 8, 8);
    spa_buf_free(&e);
    spa_buf_free(&d);
    spa_crypt_ctx_free(c);
}

static void test_gzip_roundtrip_and_cap(void **state)
{
    (void)state;
    spa_buf z, u;
    char *big = malloc(1 << 20);
    assert_non_null(big);
    memset(big, 'A', 1 << 20);
    spa_buf_init(&z);
    spa_buf_init(&u);
    assert_int_equal(spa_gzip(NULL, xml69, 69, 0, &z), 0);
    assert_true(spa_is_gzip(z.data, z.len));
    assert_int_equal((uint8_t)z.data[9], 3); /* OS = unix */
    assert_int_equal(spa_gunzip(NULL, z.data, z.len, 0, &u), SPA_DEC_OK);
    assert_int_equal(u.len, 69);
    assert_memory_equal(u.data, xml69, 69);
    /* Truncated and trailing garbage are corrupt. */
    spa_buf_reset(&u);
    assert_int_equal(spa_gunzip(NULL, z.data, z.len - 1, 0, &u), SPA_DEC_CORRUPT);
    assert_int_equal(u.len, 0);
    spa_buf_putc(&z, 'x');
    assert_int_equal(spa_gunzip(NULL, z.data, z.len, 0, &u), SPA_DEC_CORRUPT);
    /* A 1 MiB bomb refused at a 64 KiB cap, accepted at exactly 1 MiB. */
    spa_buf_reset(&z);
    assert_int_equal(spa_gzip(NULL, big, 1 << 20, 9, &z), 0);
    assert_true(z.len < 4096);
    assert_int_equal(spa_gunzip(NULL, z.data, z.len, 65536, &u), SPA_DEC_TOO_LARGE);
    assert_int_equal(u.len, 0);
    assert_int_equal(spa_gunzip(NULL, z.data, z.len, 1 << 20, &u), SPA_DEC_OK);
    assert_int_equal(u.len, 1 << 20);
    assert_int_equal(spa_gunzip(NULL, z.data, z.len, (1 << 20) - 1, &u), SPA_DEC_TOO_LARGE);
    spa_buf_free(&z);
    spa_buf_free(&u);
    free(big);
}

/* XML → gzip → encrypt, decoded with either digest; wrong key; no key. */
static void test_decode_chain(void **state)
{
    (void)state;
    spa_buf z, e, out;
    spa_decode_info info;
    spa_decode_opts o = { .key = "SecretPhrase1234" };
    spa_buf_init(&z);
    spa_buf_init(&e);
    spa_buf_init(&out);
    assert_int_equal(spa_gzip(NULL, xml69, 69, 0, &z), 0);
    for (int md = 0; md < 2; md++) {
        spa_buf_reset(&e);
        spa_buf_reset(&out);
        assert_int_equal(spa_openssl_encrypt(NULL, z.data, z.len, o.key, (spa_md)md, NULL, &e), 0);
        assert_int_equal(spa_decode(NULL, e.data, e.len, &o, &out, &info), SPA_DEC_OK);
        assert_int_equal(info.layers, SPA_LAYER_SALTED | SPA_LAYER_GZIP | SPA_LAYER_XML);
        assert_int_equal(info.md, md);
        assert_int_equal(out.len, 69);
        assert_memory_equal(out.data, xml69, 69);
    }
    spa_decode_opts wrong = { .key = "SecretPhrase1235" };
    assert_int_equal(spa_decode(NULL, e.data, e.len, &wrong, &out, &info), SPA_DEC_WRONG_KEY);
    assert_string_equal(spa_dec_status_name(SPA_DEC_WRONG_KEY), "wrong key");
    assert_null(strstr(info.why, "SecretPhrase"));
    assert_int_equal(spa_decode(NULL, e.data, e.len, NULL, &out, &info), SPA_DEC_NEED_KEY);
    /* Plain gzip and bare text. */
    spa_buf_reset(&out);
    assert_int_equal(spa_decode(NULL, z.data, z.len, NULL, &out, &info), SPA_DEC_OK);
    assert_int_equal(info.layers, SPA_LAYER_GZIP | SPA_LAYER_XML);
    spa_buf_reset(&out);
    assert_int_equal(spa_decode(NULL, "A \"1\";\n", 7, NULL, &out, &info), SPA_DEC_OK);
    assert_int_equal(info.layers, SPA_LAYER_TEXT);
    assert_int_equal(spa_decode(NULL, "\x01\x02garbage", 9, NULL, &out, &info), SPA_DEC_CORRUPT);
    /* An encrypted payload that is not a profile cannot be told from a
     * wrong key: the first block is all the decoder can judge. */
    spa_buf_reset(&e);
    assert_int_equal(spa_openssl_encrypt(NULL, "\x01\x02\x03\x04 binary!", 12, "k", SPA_MD_MD5, NULL, &e), 0);
    spa_decode_opts k = { .key = "k" };
    spa_buf_reset(&out);
    assert_int_equal(spa_decode(NULL, e.data, e.len, &k, &out, &info), SPA_DEC_WRONG_KEY);
    assert_int_equal(out.len, 0);
    /* Truncated to a non-block length: corrupt. */
    assert_int_equal(spa_decode(NULL, e.data, e.len - 3, &k, &out, &info), SPA_DEC_CORRUPT);
    spa_buf_free(&z);
    spa_buf_free(&e);
    spa_buf_free(&out);
}

/* Damage in the last block of a valid file reads as corrupt, since the
 * first block still decrypts to a plausible profile start. */
static void test_damaged_tail_is_corrupt(void **state)
{
    (void)state;
    spa_buf e, out;
    spa_decode_info info;
    spa_decode_opts o = { .key = "K" };
    spa_buf_init(&e);
    spa_buf_init(&out);
    assert_int_equal(spa_openssl_encrypt(NULL, xml69, 69, "K", SPA_MD_MD5, NULL, &e), 0);
    e.data[e.len - 1] ^= 0x40;
    assert_int_equal(spa_decode(NULL, e.data, e.len, &o, &out, &info), SPA_DEC_CORRUPT);
    assert_int_equal(out.len, 0);
    spa_buf_free(&e);
    spa_buf_free(&out);
}

/* Any wrong key is "wrong key", even when the garbage happens to end in
 * valid padding (about 1 key in 128 over both digests). */
static void test_many_wrong_keys(void **state)
{
    (void)state;
    spa_crypt_ctx *c = spa_crypt_ctx_new();
    spa_buf z, e, out;
    spa_buf_init(&z);
    spa_buf_init(&e);
    spa_buf_init(&out);
    assert_int_equal(spa_gzip(c, xml69, 69, 0, &z), 0);
    assert_int_equal(spa_openssl_encrypt(c, z.data, z.len, "right", SPA_MD_MD5, NULL, &e), 0);
    for (int i = 0; i < 3000; i++) {
        char k[32];
        snprintf(k, sizeof k, "wrong-%d", i);
        spa_decode_opts o = { .key = k };
        assert_int_equal(spa_decode(c, e.data, e.len, &o, &out, NULL), SPA_DEC_WRONG_KEY);
        assert_int_equal(out.len, 0);
    }
    spa_buf_free(&z);
    spa_buf_free(&e);
    spa_buf_free(&out);
    spa_crypt_ctx_free(c);
}

static void test_md_names(void **state)
{
    (void)state;
    spa_md md;
    assert_int_equal(spa_md_parse("sha256", &md), 0);
    assert_int_equal(md, SPA_MD_SHA256);
    assert_int_equal(spa_md_parse("MD5", &md), 0);
    assert_int_equal(md, SPA_MD_MD5);
    assert_int_equal(spa_md_parse("sha1", &md), -1);
    assert_string_equal(spa_md_name(SPA_MD_SHA256), "sha256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_md5_vector),
        cmocka_unit_test(test_kdf_sha256_vector),
        cmocka_unit_test(test_encrypt_matches_openssl),
        cmocka_unit_test(test_encrypt_decrypt_roundtrip),
        cmocka_unit_test(test_gzip_roundtrip_and_cap),
        cmocka_unit_test(test_decode_chain),
        cmocka_unit_test(test_damaged_tail_is_corrupt),
        cmocka_unit_test(test_many_wrong_keys),
        cmocka_unit_test(test_md_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
