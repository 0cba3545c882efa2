/* crypt.c — gzip and openssl-enc compatible AES-256-CBC for the open format,
 * and the device's content-sniffing decode chain (DESIGN decisions 4 and 6).
 *
 * Files must interoperate with `gzip` and `openssl enc -aes-256-cbc -md md5`
 * byte for byte, so the layouts are theirs; what is ours is the care taken
 * when reading: every layer is size-capped, every failure is classified as
 * "wrong key" or "corrupt file", and nothing that is not clean ASCII profile
 * text ever comes out of an encrypted or compressed layer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <zlib.h>

#include "spaprov/crypt.h"
#include "spaprov/cfg.h"
#include "spaprov/profile.h"
#include "crypt_int.h"

static const char salted_magic[8] = { 'S', 'a', 'l', 't', 'e', 'd', '_', '_' };

const char *spa_dec_status_name(int status)
{
    switch (status) {
    case SPA_DEC_OK: return "ok";
    case SPA_DEC_CORRUPT: return "corrupt file";
    case SPA_DEC_WRONG_KEY: return "wrong key";
    case SPA_DEC_NEED_KEY: return "wrong key";
    case SPA_DEC_TOO_LARGE: return "corrupt file";
    case SPA_DEC_OOM: return "out of memory";
    case SPA_DEC_SYNTAX: return "syntax error";
    default: return "error";
    }
}

int spa_md_parse(const char *s, spa_md *md)
{
    if (!s)
        return -1;
    if (strcasecmp(s, "md5") == 0)
        *md = SPA_MD_MD5;
    else if (strcasecmp(s, "sha256") == 0 || strcasecmp(s, "sha-256") == 0)
        *md = SPA_MD_SHA256;
    else
        return -1;
    return 0;
}

const char *spa_md_name(spa_md md)
{
    return md == SPA_MD_SHA256 ? "sha256" : "md5";
}

/* ---- context ---- */

spa_crypt_ctx *spa_crypt_ctx_new(void)
{
    spa_crypt_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cc = EVP_CIPHER_CTX_new();
    if (!c->cc) {
        free(c);
        return NULL;
    }
    return c;
}

void spa_crypt_ctx_free(spa_crypt_ctx *c)
{
    if (!c)
        return;
    EVP_CIPHER_CTX_free(c->cc);
    libdeflate_free_compressor(c->def);
    if (c->inf_ready)
        inflateEnd(&c->inf);
    spa_cfg_legacy_free(&c->legacy);
    free(c);
}

/* Run fn with c, or with a temporary context when the caller passed NULL. */
#define WITH_CTX(c, tmp)                                  \
    spa_crypt_ctx *tmp = NULL;                            \
    if (!(c)) {                                           \
        (c) = tmp = spa_crypt_ctx_new();                  \
        if (!(c))                                         \
            return -1;                                    \
    }

/* ---- openssl enc ---- */

int spa_openssl_kdf(spa_md md, const uint8_t salt[SPA_SALT_LEN], const char *pass,
                    size_t passlen, uint8_t key[32], uint8_t iv[16])
{
    const EVP_MD *d = md == SPA_MD_SHA256 ? EVP_sha256() : EVP_md5();
    if (passlen > INT32_MAX)
        return -1;
    if (EVP_BytesToKey(EVP_aes_256_cbc(), d, salt, (const unsigned char *)pass,
                       (int)passlen, 1, key, iv) != 32)
        return -1;
    return 0;
}

bool spa_is_openssl_salted(const void *data, size_t len)
{
    return len >= 16 && memcmp(data, salted_magic, 8) == 0;
}

/* Run the cipher over in (chunked so lengths fit an int); 0 or -1. */
static int cipher_update(EVP_CIPHER_CTX *cc, const uint8_t *in, size_t len, uint8_t *out,
                         size_t *outlen)
{
    size_t done = 0, o = 0;
    while (done < len) {
        size_t chunk = len - done > (1u << 30) ? (1u << 30) : len - done;
        int n = 0;
        if (EVP_CipherUpdate(cc, out + o, &n, in + done, (int)chunk) != 1)
            return -1;
        o += (size_t)n;
        done += chunk;
    }
    *outlen = o;
    return 0;
}

static int encrypt_with(spa_crypt_ctx *c, const void *in, size_t len, const char *pass,
                        spa_md md, const uint8_t *salt, spa_buf *out)
{
    uint8_t s[SPA_SALT_LEN], key[32], iv[16];
    size_t start = out->len, n1 = 0;
    int n2 = 0, rc = -1;

    if (salt)
        memcpy(s, salt, sizeof s);
    else if (RAND_bytes(s, sizeof s) != 1)
        return -1;
    if (spa_openssl_kdf(md, s, pass, strlen(pass), key, iv) < 0)
        goto out;
    if (spa_buf_reserve(out, 16 + len + 16) < 0)
        goto out;
    memcpy(out->data + out->len, salted_magic, 8);
    memcpy(out->data + out->len + 8, s, 8);
    out->len += 16;
    if (EVP_CipherInit_ex(c->cc, EVP_aes_256_cbc(), NULL, key, iv, 1) != 1 ||
        EVP_CIPHER_CTX_set_padding(c->cc, 1) != 1)
        goto out;
    if (cipher_update(c->cc, in, len, (uint8_t *)out->data + out->len, &n1) < 0)
        goto out;
    if (EVP_CipherFinal_ex(c->cc, (uint8_t *)out->data + out->len + n1, &n2) != 1)
        goto out;
    out->len += n1 + (size_t)n2;
    out->data[out->len] = '\0';
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(iv, sizeof iv);
    if (rc < 0 && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

int spa_openssl_encrypt(spa_crypt_ctx *c, const void *in, size_t len, const char *pass,
                        spa_md md, const uint8_t *salt, spa_buf *out)
{
    WITH_CTX(c, tmp);
    int rc = pass ? encrypt_with(c, in, len, pass, md, salt, out) : -1;
    spa_crypt_ctx_free(tmp);
    return rc;
}

/* Decrypt without removing the padding: appends len-16 bytes to out and says
 * whether the PKCS#7 padding is valid. SPA_DEC_OK, CORRUPT (layout) or OOM. */
static int decrypt_raw(spa_crypt_ctx *c, const uint8_t *in, size_t len, const char *pass,
                       spa_md md, spa_buf *out, size_t *padlen)
{
    uint8_t key[32], iv[16];
    size_t body = len - 16, n = 0;
    int rc = SPA_DEC_OOM;

    *padlen = 0;
    if (len < 32 || body % 16 != 0)
        return SPA_DEC_CORRUPT;
    if (spa_openssl_kdf(md, in + 8, pass, strlen(pass), key, iv) < 0)
        goto out;
    if (spa_buf_reserve(out, body + 16) < 0)
        goto out;
    if (EVP_CipherInit_ex(c->cc, EVP_aes_256_cbc(), NULL, key, iv, 0) != 1 ||
        EVP_CIPHER_CTX_set_padding(c->cc, 0) != 1 ||
        cipher_update(c->cc, in + 16, body, (uint8_t *)out->data + out->len, &n) < 0 ||
        n != body)
        goto out;
    {
        const uint8_t *p = (const uint8_t *)out->data + out->len;
        uint8_t pad = p[body - 1];
        bool ok = pad >= 1 && pad <= 16;
        for (size_t i = 0; ok && i < pad; i++)
            ok = p[body - 1 - i] == pad;
        *padlen = ok ? pad : 0;
    }
    out->len += body;
    out->data[out->len] = '\0';
    rc = SPA_DEC_OK;
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(iv, sizeof iv);
    return rc;
}

int spa_openssl_decrypt(spa_crypt_ctx *c, const void *in, size_t len, const char *pass,
                        spa_md md, spa_buf *out)
{
    size_t start, pad = 0;
    int rc;
    spa_crypt_ctx *tmp = NULL;
    if (!c && !(c = tmp = spa_crypt_ctx_new()))
        return SPA_DEC_OOM;
    start = out->len;
    if (!pass || !spa_is_openssl_salted(in, len))
        rc = SPA_DEC_CORRUPT;
    else
        rc = decrypt_raw(c, in, len, pass, md, out, &pad);
    if (rc == SPA_DEC_OK && pad == 0)
        rc = SPA_DEC_WRONG_KEY;
    if (rc == SPA_DEC_OK)
        out->len -= pad;
    else
        out->len = start;
    if (out->data)
        out->data[out->len] = '\0';
    spa_crypt_ctx_free(tmp);
    return rc;
}

/* ---- gzip ---- */

bool spa_is_gzip(const void *data, size_t len)
{
    const uint8_t *p = data;
    return len >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08;
}

/* The compressor for level, kept in the context between calls. */
static int deflate_ready(spa_crypt_ctx *c, int level)
{
    if (c->def && c->def_level == level)
        return 0;
    libdeflate_free_compressor(c->def);
    c->def = libdeflate_alloc_compressor(level);
    c->def_level = c->def ? level : 0;
    return c->def ? 0 : -1;
}

/* A gzip member as `gzip -n` writes it (mtime 0), via libdeflate. */
static int gzip_with(spa_crypt_ctx *c, const void *in, size_t len, int level, spa_buf *out)
{
    if (level <= 0 || level > 9)
        level = 6;
    if (len > UINT32_MAX || deflate_ready(c, level) < 0)
        return -1;
    size_t bound = libdeflate_gzip_compress_bound(c->def, len);
    if (spa_buf_reserve(out, bound + 1) < 0)
        return -1;
    size_t n = libdeflate_gzip_compress(c->def, in, len, out->data + out->len, bound);
    if (n == 0)
        return -1;
    out->data[out->len + 9] = 3;   /* OS = unix, as gzip writes it (libdeflate says "unknown") */
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}

int spa_gzip(spa_crypt_ctx *c, const void *in, size_t len, int level, spa_buf *out)
{
    WITH_CTX(c, tmp);
    int rc = gzip_with(c, in, len, level, out);
    spa_crypt_ctx_free(tmp);
    return rc;
}

static int inflate_ready(spa_crypt_ctx *c)
{
    if (c->inf_ready)
        return inflateReset(&c->inf) == Z_OK ? 0 : -1;
    memset(&c->inf, 0, sizeof c->inf);
    if (inflateInit2(&c->inf, 15 + 16) != Z_OK) /* gzip only, no zlib/raw */
        return -1;
    c->inf_ready = true;
    return 0;
}

static int gunzip_with(spa_crypt_ctx *c, const void *in, size_t len, size_t max_out,
                       spa_buf *out)
{
    size_t start = out->len;
    int zr = Z_OK;

    if (!spa_is_gzip(in, len))
        return SPA_DEC_CORRUPT;
    if (len > UINT32_MAX)
        return SPA_DEC_TOO_LARGE;
    if (inflate_ready(c) < 0)
        return SPA_DEC_OOM;
    c->inf.next_in = (Bytef *)(uintptr_t)in;
    c->inf.avail_in = (uInt)len;
    while (zr != Z_STREAM_END) {
        size_t room, produced = out->len - start;
        if (produced >= max_out) {
            zr = Z_MEM_ERROR + 100; /* marker: too large */
            break;
        }
        room = max_out - produced + 1; /* one extra byte detects overflow */
        if (room > (size_t)1 << 20)
            room = (size_t)1 << 20;
        if (room < 4096 && produced + room <= max_out)
            room = 4096;
        if (spa_buf_reserve(out, room + 1) < 0) {
            out->len = start;
            return SPA_DEC_OOM;
        }
        c->inf.next_out = (Bytef *)out->data + out->len;
        c->inf.avail_out = (uInt)room;
        zr = inflate(&c->inf, Z_NO_FLUSH);
        out->len += room - c->inf.avail_out;
        if (zr == Z_BUF_ERROR && c->inf.avail_in == 0)
            break; /* truncated */
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            break;
    }
    if (zr == Z_STREAM_END && out->len - start > max_out)
        zr = Z_MEM_ERROR + 100;
    if (zr == Z_STREAM_END && c->inf.avail_in != 0)
        zr = Z_DATA_ERROR; /* trailing bytes after the member */
    if (zr != Z_STREAM_END) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        if (zr == Z_MEM_ERROR + 100)
            return SPA_DEC_TOO_LARGE;
        return zr == Z_MEM_ERROR ? SPA_DEC_OOM : SPA_DEC_CORRUPT;
    }
    out->data[out->len] = '\0';
    return SPA_DEC_OK;
}

int spa_gunzip(spa_crypt_ctx *c, const void *in, size_t len, size_t max_out, spa_buf *out)
{
    int rc;
    spa_crypt_ctx *tmp = NULL;
    if (!c && !(c = tmp = spa_crypt_ctx_new()))
        return SPA_DEC_OOM;
    rc = gunzip_with(c, in, len, max_out ? max_out : SPA_GUNZIP_MAX_DEFAULT, out);
    spa_crypt_ctx_free(tmp);
    return rc;
}

/* ---- the decode chain ---- */

static void why(spa_decode_info *info, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void why(spa_decode_info *info, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->why, sizeof info->why, fmt, ap);
    va_end(ap);
}

/* Offset of the first byte that is not printable ASCII, tab, CR or LF (a
 * leading UTF-8 BOM is allowed), or len when the text is clean. */
static size_t first_non_text(const uint8_t *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    for (; i < len; i++)
        if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] >= 0x7f)
            return i;
    return len;
}

/* Classify clean profile text in out[start..]; SPA_DEC_OK or CORRUPT. */
static int check_text(const spa_buf *out, size_t start, spa_decode_info *info)
{
    size_t n = out->len - start;
    const uint8_t *p = (const uint8_t *)out->data + start;
    size_t bad = first_non_text(p, n);
    if (bad != n) {
        why(info, "byte 0x%02x at offset %zu of the decoded profile is not text", p[bad], bad);
        return SPA_DEC_CORRUPT;
    }
    info->layers |= spa_profile_looks_xml((const char *)p, n) ? SPA_LAYER_XML : SPA_LAYER_TEXT;
    return SPA_DEC_OK;
}

/* gzip or text, the payload of an openssl layer (or the bare file). */
static int decode_inner(spa_crypt_ctx *c, const uint8_t *in, size_t len, size_t max,
                        spa_buf *out, spa_decode_info *info)
{
    size_t start = out->len;
    int rc;
    if (spa_is_gzip(in, len)) {
        rc = gunzip_with(c, in, len, max, out);
        if (rc == SPA_DEC_TOO_LARGE)
            why(info, "gzip data expands beyond %zu bytes", max);
        else if (rc != SPA_DEC_OK)
            why(info, "gzip data is damaged or truncated");
        if (rc != SPA_DEC_OK)
            return rc;
        info->layers |= SPA_LAYER_GZIP;
    } else {
        if (len > max) {
            why(info, "profile larger than %zu bytes", max);
            return SPA_DEC_TOO_LARGE;
        }
        if (spa_buf_append(out, in, len) < 0)
            return SPA_DEC_OOM;
    }
    rc = check_text(out, start, info);
    if (rc != SPA_DEC_OK)
        out->len = start;
    return rc;
}

/* A decrypted first block that could begin a profile: gzip magic or text. */
static bool plausible_start(const uint8_t *p, size_t n)
{
    if (n > 16)
        n = 16;
    return spa_is_gzip(p, n) || first_non_text(p, n) == n;
}

/* One digest's attempt at a "Salted__" file. *plausible says whether the
 * first block decrypted to something that looks like a profile. */
static int try_salted(spa_crypt_ctx *c, const uint8_t *in, size_t len, const char *key,
                      spa_md md, size_t max, spa_buf *out, spa_decode_info *info,
                      bool *plausible)
{
    spa_buf plain;
    size_t pad = 0;
    int rc;

    *plausible = false;
    spa_buf_init(&plain);
    rc = decrypt_raw(c, in, len, key, md, &plain, &pad);
    if (rc == SPA_DEC_OK) {
        *plausible = plausible_start((const uint8_t *)plain.data, plain.len);
        if (pad == 0) {
            why(info, "AES padding invalid");
            rc = SPA_DEC_WRONG_KEY;
        } else {
            rc = decode_inner(c, (const uint8_t *)plain.data, plain.len - pad, max, out, info);
        }
    } else if (rc == SPA_DEC_CORRUPT) {
        why(info, "encrypted data length %zu is not a whole number of AES blocks", len - 16);
    }
    OPENSSL_cleanse(plain.data, plain.cap);
    spa_buf_free(&plain);
    return rc;
}

static int decode_salted(spa_crypt_ctx *c, const uint8_t *in, size_t len,
                         const spa_decode_opts *o, size_t max, spa_buf *out,
                         spa_decode_info *info)
{
    static const spa_md order[2] = { SPA_MD_MD5, SPA_MD_SHA256 };
    bool plausible = false;
    int first = SPA_DEC_WRONG_KEY;
    char first_why[sizeof info->why] = "";

    info->layers |= SPA_LAYER_SALTED;
    if (!o->key || !*o->key) {
        why(info, "the file is encrypted (openssl \"Salted__\"); give the key");
        return SPA_DEC_NEED_KEY;
    }
    if (len < 32 || (len - 16) % 16 != 0) {
        why(info, "encrypted data length %zu is not a whole number of AES blocks", len - 16);
        return SPA_DEC_CORRUPT;
    }
    for (int i = 0; i < 2; i++) {
        bool pl = false;
        unsigned keep = info->layers;
        int rc = try_salted(c, in, len, o->key, order[i], max, out, info, &pl);
        if (rc == SPA_DEC_OK) {
            info->md = order[i];
            return rc;
        }
        info->layers = keep;
        if (rc == SPA_DEC_OOM)
            return rc;
        /* The digest whose first block looked like a profile explains best. */
        if (pl && !plausible) {
            plausible = true;
            first = rc;
            memcpy(first_why, info->why, sizeof first_why);
        } else if (i == 0) {
            first = rc;
            memcpy(first_why, info->why, sizeof first_why);
        }
    }
    if (!plausible) {
        why(info, "the key does not decrypt this file to a profile (tried md5 and sha256 key derivation)");
        return SPA_DEC_WRONG_KEY;
    }
    memcpy(info->why, first_why, sizeof first_why);
    return first == SPA_DEC_WRONG_KEY ? SPA_DEC_CORRUPT : first;
}

int spa_decode(spa_crypt_ctx *c, const void *in, size_t len, const spa_decode_opts *o,
               spa_buf *out, spa_decode_info *info)
{
    static const spa_decode_opts none;
    spa_decode_info local;
    size_t max, start;
    int rc;
    spa_crypt_ctx *tmp = NULL;

    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (!o)
        o = &none;
    max = o->max_size ? o->max_size : SPA_GUNZIP_MAX_DEFAULT;
    if (!c && !(c = tmp = spa_crypt_ctx_new()))
        return SPA_DEC_OOM;
    start = out->len;
    if (spa_cfg_is_container(in, len)) {
        info->layers |= SPA_LAYER_CONTAINER;
        rc = spa_cfg_unpack(c, in, len, o->key, o->mac, max, out, info->why, sizeof info->why);
        if (rc == SPA_DEC_OK)
            rc = check_text(out, start, info);
    } else if (spa_is_openssl_salted(in, len)) {
        rc = decode_salted(c, in, len, o, max, out, info);
    } else if (spa_is_gzip(in, len)) {
        rc = decode_inner(c, in, len, max, out, info);
    } else {
        /* Bare text: bytes >= 0x80 are for the parser to judge, control
         * bytes mean this is no profile at all. */
        const uint8_t *p = in;
        rc = SPA_DEC_OK;
        if (len > 0 && p[0] >= 0x80 && !(len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)) {
            why(info, "unrecognized binary data (byte 0x%02x at offset 0)", p[0]);
            rc = SPA_DEC_CORRUPT;
        }
        for (size_t i = 0; rc == SPA_DEC_OK && i < len; i++)
            if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] == 0x7f) {
                why(info, "unrecognized binary data (byte 0x%02x at offset %zu)", p[i], i);
                rc = SPA_DEC_CORRUPT;
                break;
            }
        if (rc == SPA_DEC_OK && len > max) {
            why(info, "profile larger than %zu bytes", max);
            rc = SPA_DEC_TOO_LARGE;
        }
        if (rc == SPA_DEC_OK) {
            rc = spa_buf_append(out, in, len) < 0 ? SPA_DEC_OOM : SPA_DEC_OK;
            info->layers |= spa_profile_looks_xml(in, len) ? SPA_LAYER_XML : SPA_LAYER_TEXT;
        }
    }
    if (rc != SPA_DEC_OK) {
        if (out->data) {
            OPENSSL_cleanse(out->data + start, out->len - start);
            out->len = start;
            out->data[start] = '\0';
        }
        if (!info->why[0])
            why(info, "%s", spa_dec_status_name(rc));
    }
    spa_crypt_ctx_free(tmp);
    return rc;
}

int spa_decode_profile(spa_crypt_ctx *c, const void *in, size_t len, const char *file,
                       const spa_decode_opts *o, struct spa_profile *p,
                       spa_decode_info *info, spa_diags *d)
{
    spa_decode_info local;
    spa_buf plain;
    int rc;

    if (!info)
        info = &local;
    spa_buf_init(&plain);
    rc = spa_decode(c, in, len, o, &plain, info);
    if (rc == SPA_DEC_OK) {
        bool layered = (info->layers & (SPA_LAYER_CONTAINER | SPA_LAYER_SALTED |
                                        SPA_LAYER_GZIP)) != 0;
        spa_diags local_d;
        spa_diags *dd = d;
        if (!dd) {
            spa_diags_init(&local_d);
            dd = &local_d;
        }
        if (spa_profile_parse_any(p, plain.data ? plain.data : "", plain.len, file, dd) < 0) {
            rc = layered ? SPA_DEC_CORRUPT : SPA_DEC_SYNTAX;
            why(info, "%s", layered ? "the decoded payload is not a valid profile"
                                    : "the profile has syntax errors");
        }
        if (dd != d)
            spa_diags_free(&local_d);
    }
    if (plain.data)
        OPENSSL_cleanse(plain.data, plain.cap);
    spa_buf_free(&plain);
    return rc;
}
