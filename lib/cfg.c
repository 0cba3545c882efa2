/* cfg.c — the spaprov binary CFG container (cfg.h, docs/cfg-format.md).
 *
 * The vendor's binary CFG is undocumented; rather than guess at it, spc
 * writes its own container with the same modes. Every file carries a
 * header digest (damaged headers are corrupt, not "wrong key"), a key check
 * value (a wrong key or MAC is told apart from damage) and an HMAC-SHA256 over
 * everything (a damaged body is never decrypted into different parameters).
 * Keys come from HKDF-SHA256 over the mode's key material and a per-file salt.
 * RC4 lives in OpenSSL 3's legacy provider; it is loaded into a private
 * library context so the process-wide default context is left alone. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "spaprov/cfg.h"
#include "crypt_int.h"

#define SALT_LEN 16
#define EMBED_LEN 32
#define OKM_LEN (32 + 16 + 32 + 8)  /* enc key, IV, MAC key, key check value */

typedef struct keys {
    uint8_t enc[32], iv[16], mac[32], kcv[8];
} keys;

static void say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    if (!why || !n)
        return;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- legacy provider (RC4) ---- */

const EVP_CIPHER *spa_cfg_rc4(spa_cfg_legacy *l, char *why, size_t n)
{
    if (!l->tried) {
        l->tried = true;
        l->lib = OSSL_LIB_CTX_new();
        if (l->lib) {
            l->legacy = OSSL_PROVIDER_load(l->lib, "legacy");
            l->deflt = OSSL_PROVIDER_load(l->lib, "default");
        }
        if (l->legacy && l->deflt)
            l->rc4 = EVP_CIPHER_fetch(l->lib, "RC4", NULL);
    }
    if (!l->rc4)
        say(why, n, "RC4 is unavailable: OpenSSL's legacy provider could not be loaded");
    return l->rc4;
}

void spa_cfg_legacy_free(spa_cfg_legacy *l)
{
    EVP_CIPHER_free(l->rc4);
    if (l->legacy)
        OSSL_PROVIDER_unload(l->legacy);
    if (l->deflt)
        OSSL_PROVIDER_unload(l->deflt);
    OSSL_LIB_CTX_free(l->lib);
    memset(l, 0, sizeof *l);
}

/* ---- key material ---- */

int spa_cfg_mac(const char *s, char out[13])
{
    size_t k = 0;
    if (!s)
        return -1;
    for (; *s; s++) {
        if (*s == ':' || *s == '-' || *s == '.')
            continue;
        if (!isxdigit((unsigned char)*s) || k == 12)
            return -1;
        out[k++] = (char)tolower((unsigned char)*s);
    }
    out[k] = '\0';
    return k == 12 ? 0 : -1;
}

/* SHA-256 over tag || a || b, truncated to outlen; 0 or -1. */
static int tagged_hash(const char *tag, const void *a, size_t alen, const void *b,
                       size_t blen, uint8_t *out, size_t outlen)
{
    uint8_t md[32];
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int ok = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(m, tag, strlen(tag)) == 1 &&
             (alen == 0 || EVP_DigestUpdate(m, a, alen) == 1) &&
             (blen == 0 || EVP_DigestUpdate(m, b, blen) == 1) &&
             EVP_DigestFinal_ex(m, md, NULL) == 1;
    EVP_MD_CTX_free(m);
    if (ok)
        memcpy(out, md, outlen);
    OPENSSL_cleanse(md, sizeof md);
    return ok ? 0 : -1;
}

/* Hex digits (optional 0x, spaces ignored) to 1..32 bytes; length or -1. */
static int parse_hex_key(const char *s, uint8_t out[32])
{
    size_t nd = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (; *s; s++) {
        int v;
        if (*s == ' ' || *s == ':')
            continue;
        if (!isxdigit((unsigned char)*s) || nd == 64)
            return -1;
        v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
        if (nd % 2 == 0)
            out[nd / 2] = (uint8_t)(v << 4);
        else
            out[nd / 2] |= (uint8_t)v;
        nd++;
    }
    if (nd == 0 || nd % 2)
        return -1;
    return (int)(nd / 2);
}

/* HKDF-SHA256(salt, ikm, info = "spaprov-cfg-v1" || header[8..12)) → keys. */
static int derive(const uint8_t *hdr, const uint8_t *ikm, size_t ikmlen, keys *k)
{
    uint8_t info[14 + 4], okm[OKM_LEN];
    OSSL_PARAM p[5];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int rc = -1;

    memcpy(info, "spaprov-cfg-v1", 14);
    memcpy(info + 14, hdr + 8, 4);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikmlen);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)(hdr + 12),
                                             SALT_LEN);
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info);
    p[4] = OSSL_PARAM_construct_end();
    if (kc && EVP_KDF_derive(kc, okm, sizeof okm, p) == 1) {
        memcpy(k->enc, okm, 32);
        memcpy(k->iv, okm + 32, 16);
        memcpy(k->mac, okm + 48, 32);
        memcpy(k->kcv, okm + 80, 8);
        rc = 0;
    }
    OPENSSL_cleanse(okm, sizeof okm);
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return rc;
}

/* Build the IKM of a header: "spaprov-cfg" || [scramble] || [target] || [key].
 * Returns its length, or a negative spa_dec_status. */
static int build_ikm(const uint8_t *hdr, const uint8_t *embedded, const char *key,
                     const char *mac, uint8_t ikm[11 + 32 + 16 + 32], char *why, size_t n)
{
    unsigned ks = hdr[10], fl = hdr[11];
    size_t len = 11;

    memcpy(ikm, "spaprov-cfg", 11);
    if (ks & SPA_CFG_KS_SCRAMBLE) {
        memcpy(ikm + len, embedded, EMBED_LEN);
        len += EMBED_LEN;
    }
    if (ks & SPA_CFG_KS_TARGET) {
        char m[13];
        if (!mac || !*mac) {
            say(why, n, "the file is targeted to one unit; give its MAC");
            return SPA_DEC_NEED_KEY;
        }
        if (spa_cfg_mac(mac, m) < 0) {
            say(why, n, "the MAC given is not 12 hex digits");
            return SPA_DEC_WRONG_KEY;
        }
        if (tagged_hash("spaprov-target:", m, 12, NULL, 0, ikm + len, 16) < 0)
            return SPA_DEC_OOM;
        len += 16;
    }
    if (ks & SPA_CFG_KS_KEY) {
        if (!key || !*key) {
            say(why, n, "the file is encrypted with a key; give it");
            return SPA_DEC_NEED_KEY;
        }
        if (fl & SPA_CFG_F_HEXKEY) {
            int kl = parse_hex_key(key, ikm + len);
            if (kl < 0) {
                say(why, n, "the file expects a hex key and the key given is not hex");
                return SPA_DEC_WRONG_KEY;
            }
            len += (size_t)kl;
        } else {
            if (tagged_hash("spaprov-ascii-key:", key, strlen(key), NULL, 0, ikm + len, 16) < 0)
                return SPA_DEC_OOM;
            len += 16;
        }
    }
    return (int)len;
}

/* ---- header ---- */

bool spa_cfg_is_container(const void *data, size_t len)
{
    return len >= 8 && memcmp(data, SPA_CFG_MAGIC, 8) == 0;
}

static int header_digest(const uint8_t *hdr, uint8_t out[4])
{
    return tagged_hash("", hdr, 44, NULL, 0, out, 4);
}

static bool mode_valid(unsigned cipher, unsigned ks, unsigned fl)
{
    if (cipher > SPA_CFG_RC4 || ks > 7 || fl > 7)
        return false;
    if (cipher == SPA_CFG_NONE)
        return ks == 0 && !(fl & SPA_CFG_F_HEXKEY);
    if (ks == 0)
        return false;
    if ((ks & SPA_CFG_KS_SCRAMBLE) && ks != SPA_CFG_KS_SCRAMBLE)
        return false;
    if (!(ks & SPA_CFG_KS_KEY) && (cipher != SPA_CFG_AES || (fl & SPA_CFG_F_HEXKEY)))
        return false;
    return true;
}

int spa_cfg_peek(const void *data, size_t len, spa_cfg_info *info)
{
    const uint8_t *h = data;
    uint8_t dg[4];
    size_t need;

    if (len < SPA_CFG_HEADER_LEN + SPA_CFG_TAG_LEN || !spa_cfg_is_container(data, len))
        return SPA_DEC_CORRUPT;
    if (header_digest(h, dg) < 0 || CRYPTO_memcmp(dg, h + 44, 4) != 0)
        return SPA_DEC_CORRUPT;
    info->version = h[8];
    info->cipher = h[9];
    info->keysrc = h[10];
    info->flags = h[11];
    info->body_len = get32(h + 28);
    info->payload_len = get32(h + 32);
    if (info->version != SPA_CFG_VERSION || !mode_valid(h[9], h[10], h[11]))
        return SPA_DEC_CORRUPT;
    need = (size_t)SPA_CFG_HEADER_LEN + ((h[10] & SPA_CFG_KS_SCRAMBLE) ? EMBED_LEN : 0) +
           info->body_len + SPA_CFG_TAG_LEN;
    if (len != need)
        return SPA_DEC_CORRUPT;
    if (h[9] == SPA_CFG_AES && (info->body_len == 0 || info->body_len % 16 != 0))
        return SPA_DEC_CORRUPT;
    return SPA_DEC_OK;
}

const char *spa_cfg_mode_name(const spa_cfg_info *info, char *out, size_t n)
{
    const char *cipher = info->cipher == SPA_CFG_RC4 ? "rc4" : "aes";
    if (info->cipher == SPA_CFG_NONE)
        snprintf(out, n, "plain");
    else if (info->keysrc & SPA_CFG_KS_SCRAMBLE)
        snprintf(out, n, "scramble");
    else if (info->keysrc == SPA_CFG_KS_TARGET)
        snprintf(out, n, "target");
    else
        snprintf(out, n, "%s%s (%s key)", (info->keysrc & SPA_CFG_KS_TARGET) ? "target+" : "",
                 cipher, (info->flags & SPA_CFG_F_HEXKEY) ? "hex" : "ascii");
    return out;
}

/* ---- body cipher ---- */

/* Encrypt or decrypt body bytes into out (appending). 0, or -1 failure
 * (for decryption: bad padding). */
static int run_cipher(spa_crypt_ctx *c, unsigned cipher, const keys *k, int enc,
                      const uint8_t *in, size_t len, spa_buf *out, char *why, size_t n)
{
    const EVP_CIPHER *ci;
    int o1 = 0, o2 = 0;

    if (cipher == SPA_CFG_NONE)
        return spa_buf_append(out, in, len);
    if (len > INT32_MAX - 32)
        return -1;
    if (cipher == SPA_CFG_RC4) {
        ci = spa_cfg_rc4(&c->legacy, why, n);
        if (!ci)
            return -1;
    } else {
        ci = EVP_aes_256_cbc();
    }
    if (spa_buf_reserve(out, len + 32) < 0)
        return -1;
    if (EVP_CipherInit_ex(c->cc, ci, NULL, NULL, NULL, enc) != 1)
        return -1;
    if (cipher == SPA_CFG_RC4 && EVP_CIPHER_CTX_set_key_length(c->cc, 16) != 1)
        return -1;
    if (EVP_CipherInit_ex(c->cc, NULL, NULL, k->enc, cipher == SPA_CFG_AES ? k->iv : NULL,
                          enc) != 1)
        return -1;
    if (EVP_CipherUpdate(c->cc, (uint8_t *)out->data + out->len, &o1, in, (int)len) != 1 ||
        EVP_CipherFinal_ex(c->cc, (uint8_t *)out->data + out->len + o1, &o2) != 1)
        return -1;
    out->len += (size_t)o1 + (size_t)o2;
    out->data[out->len] = '\0';
    return 0;
}

static int hmac(const keys *k, const uint8_t *data, size_t len, uint8_t tag[32])
{
    size_t tl = 0;
    return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->mac, sizeof k->mac, data, len,
                     tag, 32, &tl) && tl == 32 ? 0 : -1;
}

/* ---- pack ---- */

static int check_opts(const spa_cfg_opts *o, unsigned *cipher, unsigned *ks, unsigned *fl,
                      char *why, size_t n)
{
    bool key = o->hex_key || o->ascii_key;
    *ks = 0;
    *fl = SPA_CFG_F_GZIP | (o->xml ? SPA_CFG_F_XML : 0);
    if (o->hex_key && o->ascii_key) {
        say(why, n, "give either a hex key or an ASCII key, not both");
        return -1;
    }
    if (o->scramble && (key || o->target)) {
        say(why, n, "--scramble cannot be combined with --target or a key");
        return -1;
    }
    if (o->cipher != SPA_CFG_NONE && !key) {
        say(why, n, "--aes/--rc4 need --hex-key or --ascii-key");
        return -1;
    }
    if (o->scramble) {
        if (!*o->scramble) {
            say(why, n, "--scramble needs a non-empty phrase");
            return -1;
        }
        *ks = SPA_CFG_KS_SCRAMBLE;
    }
    if (o->target)
        *ks |= SPA_CFG_KS_TARGET;
    if (key) {
        uint8_t tmp[32];
        if (o->hex_key && parse_hex_key(o->hex_key, tmp) < 0) {
            say(why, n, "--hex-key needs an even number of hex digits, at most 64");
            return -1;
        }
        OPENSSL_cleanse(tmp, sizeof tmp);
        if (o->ascii_key && !*o->ascii_key) {
            say(why, n, "--ascii-key needs a non-empty phrase");
            return -1;
        }
        *ks |= SPA_CFG_KS_KEY;
        if (o->hex_key)
            *fl |= SPA_CFG_F_HEXKEY;
    }
    *cipher = *ks == 0 ? SPA_CFG_NONE : (o->cipher == SPA_CFG_RC4 && key) ? SPA_CFG_RC4
                                                                          : SPA_CFG_AES;
    return 0;
}

static int pack_with(spa_crypt_ctx *c, const void *payload, size_t len, const spa_cfg_opts *o,
                     spa_buf *out, char *why, size_t n)
{
    uint8_t hdr[SPA_CFG_HEADER_LEN], embedded[EMBED_LEN], ikm[11 + 32 + 16 + 32];
    unsigned cipher, ks, fl;
    spa_buf gz;
    keys k;
    size_t start = out->len, body_at;
    int ikmlen, rc = -1;

    if (check_opts(o, &cipher, &ks, &fl, why, n) < 0)
        return -1;
    if (o->target) {
        char m[13];
        if (spa_cfg_mac(o->target, m) < 0) {
            say(why, n, "--target needs a MAC of 12 hex digits");
            return -1;
        }
    }
    if (len > UINT32_MAX / 2) {
        say(why, n, "profile too large");
        return -1;
    }
    spa_buf_init(&gz);
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, SPA_CFG_MAGIC, 8);
    hdr[8] = SPA_CFG_VERSION;
    hdr[9] = (uint8_t)cipher;
    hdr[10] = (uint8_t)ks;
    hdr[11] = (uint8_t)fl;
    if (RAND_bytes(hdr + 12, SALT_LEN) != 1)
        goto out;
    put32(hdr + 32, (uint32_t)len);
    if (ks & SPA_CFG_KS_SCRAMBLE &&
        tagged_hash("spaprov-scramble:", hdr + 12, SALT_LEN, o->scramble, strlen(o->scramble),
                    embedded, EMBED_LEN) < 0)
        goto out;
    ikmlen = build_ikm(hdr, embedded, o->hex_key ? o->hex_key : o->ascii_key, o->target, ikm,
                       why, n);
    if (ikmlen < 0 || derive(hdr, ikm, (size_t)ikmlen, &k) < 0)
        goto out;
    memcpy(hdr + 36, k.kcv, 8);
    if (spa_gzip(c, payload, len, o->level, &gz) < 0)
        goto out;
    if (spa_buf_append(out, hdr, sizeof hdr) < 0)
        goto out;
    if (ks & SPA_CFG_KS_SCRAMBLE && spa_buf_append(out, embedded, EMBED_LEN) < 0)
        goto out;
    body_at = out->len;
    if (run_cipher(c, cipher, &k, 1, (const uint8_t *)gz.data, gz.len, out, why, n) < 0)
        goto out;
    put32((uint8_t *)out->data + start + 28, (uint32_t)(out->len - body_at));
    if (header_digest((uint8_t *)out->data + start, (uint8_t *)out->data + start + 44) < 0)
        goto out;
    {
        uint8_t tag[32];
        if (hmac(&k, (uint8_t *)out->data + start, out->len - start, tag) < 0 ||
            spa_buf_append(out, tag, sizeof tag) < 0)
            goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(&k, sizeof k);
    OPENSSL_cleanse(ikm, sizeof ikm);
    if (gz.data)
        OPENSSL_cleanse(gz.data, gz.cap);
    spa_buf_free(&gz);
    if (rc < 0) {
        if (why && n && !*why)
            say(why, n, "could not build the container");
        if (out->data) {
            out->len = start;
            out->data[start] = '\0';
        }
    }
    return rc;
}

int spa_cfg_pack(spa_crypt_ctx *c, const void *payload, size_t len, const spa_cfg_opts *o,
                 spa_buf *out, char *why, size_t n)
{
    spa_crypt_ctx *tmp = NULL;
    int rc;
    if (why && n)
        *why = '\0';
    if (!c && !(c = tmp = spa_crypt_ctx_new()))
        return -1;
    rc = pack_with(c, payload, len, o, out, why, n);
    spa_crypt_ctx_free(tmp);
    return rc;
}

/* ---- unpack ---- */

static int unpack_with(spa_crypt_ctx *c, const uint8_t *in, size_t len, const char *key,
                       const char *mac, size_t max, spa_buf *out, char *why, size_t n)
{
    spa_cfg_info info;
    uint8_t ikm[11 + 32 + 16 + 32], tag[32];
    const uint8_t *body;
    spa_buf gz;
    keys k;
    size_t start = out->len;
    int ikmlen, rc;

    if (spa_cfg_peek(in, len, &info) != SPA_DEC_OK) {
        say(why, n, "container header damaged, truncated or of an unknown version");
        return SPA_DEC_CORRUPT;
    }
    if (info.payload_len > max) {
        say(why, n, "profile would be %u bytes, beyond the %zu byte limit", info.payload_len, max);
        return SPA_DEC_TOO_LARGE;
    }
    body = in + SPA_CFG_HEADER_LEN + ((info.keysrc & SPA_CFG_KS_SCRAMBLE) ? EMBED_LEN : 0);
    ikmlen = build_ikm(in, in + SPA_CFG_HEADER_LEN, key, mac, ikm, why, n);
    if (ikmlen < 0)
        return ikmlen;
    rc = derive(in, ikm, (size_t)ikmlen, &k) < 0 ? SPA_DEC_OOM : SPA_DEC_OK;
    OPENSSL_cleanse(ikm, sizeof ikm);
    if (rc != SPA_DEC_OK)
        return rc;
    spa_buf_init(&gz);
    if (CRYPTO_memcmp(k.kcv, in + 36, 8) != 0) {
        bool keyed = (info.keysrc & (SPA_CFG_KS_KEY | SPA_CFG_KS_TARGET)) != 0;
        if (keyed && (info.keysrc & SPA_CFG_KS_TARGET) && (info.keysrc & SPA_CFG_KS_KEY))
            say(why, n, "the key or MAC given does not open this file");
        else if (keyed && (info.keysrc & SPA_CFG_KS_TARGET))
            say(why, n, "the file is targeted to another unit (MAC mismatch)");
        else if (keyed)
            say(why, n, "the key given does not open this file");
        else
            say(why, n, "container key check failed");
        rc = keyed ? SPA_DEC_WRONG_KEY : SPA_DEC_CORRUPT;
        goto out;
    }
    if (hmac(&k, in, len - SPA_CFG_TAG_LEN, tag) < 0) {
        rc = SPA_DEC_OOM;
        goto out;
    }
    if (CRYPTO_memcmp(tag, in + len - SPA_CFG_TAG_LEN, 32) != 0) {
        say(why, n, "integrity check failed (HMAC-SHA256 mismatch)");
        rc = SPA_DEC_CORRUPT;
        goto out;
    }
    if (run_cipher(c, info.cipher, &k, 0, body, info.body_len, &gz, why, n) < 0) {
        if (!why || !*why)
            say(why, n, "body does not decrypt");
        rc = SPA_DEC_CORRUPT;
        goto out;
    }
    if (info.flags & SPA_CFG_F_GZIP)
        rc = spa_gunzip(c, gz.data, gz.len, max, out);
    else
        rc = spa_buf_append(out, gz.data, gz.len) < 0 ? SPA_DEC_OOM : SPA_DEC_OK;
    if (rc == SPA_DEC_OK && out->len - start != info.payload_len) {
        say(why, n, "decoded size differs from the header");
        rc = SPA_DEC_CORRUPT;
    } else if (rc != SPA_DEC_OK) {
        say(why, n, "payload does not decompress");
    }
out:
    OPENSSL_cleanse(&k, sizeof k);
    if (gz.data)
        OPENSSL_cleanse(gz.data, gz.cap);
    spa_buf_free(&gz);
    if (rc != SPA_DEC_OK && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

int spa_cfg_unpack(spa_crypt_ctx *c, const void *in, size_t len, const char *key,
                   const char *mac, size_t max, spa_buf *out, char *why, size_t n)
{
    spa_crypt_ctx *tmp = NULL;
    int rc;
    if (why && n)
        *why = '\0';
    if (!c && !(c = tmp = spa_crypt_ctx_new()))
        return SPA_DEC_OOM;
    rc = unpack_with(c, in, len, key, mac, max ? max : SPA_GUNZIP_MAX_DEFAULT, out, why, n);
    spa_crypt_ctx_free(tmp);
    return rc;
}
