/* crypt.h — the open format's compression and encryption (guide §2.3, §2.4,
 * DESIGN decisions 4 and 6): gzip as the `gzip` utility writes it, AES-256-CBC
 * byte-compatible with `openssl enc -aes-256-cbc -md md5|sha256 -k KEY`, and
 * the device's content-sniffing decode chain
 *     container magic → "Salted__" → gzip magic → XML → plain text.
 * Every decoder reports "wrong key" apart from "corrupt file", and never
 * hands back bytes it could not verify as a profile. */
#ifndef SPAPROV_CRYPT_H
#define SPAPROV_CRYPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"

struct spa_profile;

/* Digest of the openssl key derivation (EVP_BytesToKey, one iteration). */
typedef enum { SPA_MD_MD5 = 0, SPA_MD_SHA256 = 1 } spa_md;

/* Outcome of a decode step. Negative values are failures. */
typedef enum {
    SPA_DEC_OK = 0,
    SPA_DEC_CORRUPT = -1,    /* damaged, truncated or not a profile */
    SPA_DEC_WRONG_KEY = -2,  /* encrypted, and the key (or MAC) given does not open it */
    SPA_DEC_NEED_KEY = -3,   /* encrypted, and no key (or MAC) was given */
    SPA_DEC_TOO_LARGE = -4,  /* expands beyond the size cap (zip bomb guard) */
    SPA_DEC_OOM = -5,
    SPA_DEC_SYNTAX = -6      /* an unlayered profile with syntax errors */
} spa_dec_status;

/* Short fixed text for a status: "corrupt file", "wrong key", ... */
const char *spa_dec_status_name(int status);

#define SPA_SALT_LEN 8
#define SPA_GUNZIP_MAX_DEFAULT ((size_t)64 << 20)  /* 64 MiB */

/* "md5" / "sha256" → md; 0 or -1. */
int spa_md_parse(const char *s, spa_md *md);
/* "md5" or "sha256". */
const char *spa_md_name(spa_md md);

/* openssl's EVP_BytesToKey(digest, salt, pass, count=1) for AES-256-CBC:
 * 32-byte key then 16-byte IV. 0 or -1. */
int spa_openssl_kdf(spa_md md, const uint8_t salt[SPA_SALT_LEN], const char *pass,
                    size_t passlen, uint8_t key[32], uint8_t iv[16]);

/* Reusable per-thread cipher and deflate state, so a batch does not allocate
 * per file. Create with spa_crypt_ctx_new, free with spa_crypt_ctx_free. */
typedef struct spa_crypt_ctx spa_crypt_ctx;
spa_crypt_ctx *spa_crypt_ctx_new(void);
void spa_crypt_ctx_free(spa_crypt_ctx *c);

/* Append the `openssl enc -e -aes-256-cbc -md MD -k pass` encryption of in:
 * "Salted__", the salt (salt NULL = 8 random bytes), ciphertext. c may be NULL.
 * 0, or -1 (OOM / RNG / cipher failure). */
int spa_openssl_encrypt(spa_crypt_ctx *c, const void *in, size_t len, const char *pass,
                        spa_md md, const uint8_t *salt, spa_buf *out);
/* True when data starts with "Salted__" and is long enough to be a file. */
bool spa_is_openssl_salted(const void *data, size_t len);
/* Decrypt a "Salted__" file with one digest; appends the plaintext.
 * SPA_DEC_OK, SPA_DEC_WRONG_KEY (bad padding: key or digest wrong, or a
 * damaged last block), SPA_DEC_CORRUPT (not a valid layout) or SPA_DEC_OOM. */
int spa_openssl_decrypt(spa_crypt_ctx *c, const void *in, size_t len, const char *pass,
                        spa_md md, spa_buf *out);

/* Append a gzip member as `gzip` writes it (magic 1f 8b, deflate, CRC32,
 * ISIZE; mtime 0, OS unix). level 1..9 (0 = default 6). c may be NULL. 0 or -1. */
int spa_gzip(spa_crypt_ctx *c, const void *in, size_t len, int level, spa_buf *out);
/* True when data starts with the gzip magic 1f 8b 08. */
bool spa_is_gzip(const void *data, size_t len);
/* Inflate one gzip member (CRC and length checked; trailing garbage is
 * corrupt). Output beyond max_out (0 = SPA_GUNZIP_MAX_DEFAULT) is refused
 * with SPA_DEC_TOO_LARGE. Returns a spa_dec_status. */
int spa_gunzip(spa_crypt_ctx *c, const void *in, size_t len, size_t max_out, spa_buf *out);

/* ---- the decode chain (DESIGN decision 6) ---- */

/* Layers found while decoding, outermost first, as a bit set. */
#define SPA_LAYER_CONTAINER 0x01u  /* spaprov binary CFG container (cfg.h) */
#define SPA_LAYER_SALTED    0x02u  /* openssl "Salted__" AES-256-CBC */
#define SPA_LAYER_GZIP      0x04u
#define SPA_LAYER_XML       0x08u  /* innermost payload is XML */
#define SPA_LAYER_TEXT      0x10u  /* innermost payload is plain-text SPC source */

typedef struct spa_decode_opts {
    const char *key;      /* --key: passphrase or container key; NULL = none */
    const char *mac;      /* unit MAC for targeted containers (any spelling); NULL = none */
    size_t max_size;      /* cap on every expanded layer (0 = SPA_GUNZIP_MAX_DEFAULT) */
} spa_decode_opts;

typedef struct spa_decode_info {
    unsigned layers;      /* SPA_LAYER_* */
    spa_md md;            /* digest that opened a "Salted__" layer */
    char why[160];        /* one-line reason on failure (never contains the key) */
} spa_decode_info;

/* Peel every layer of in down to the profile bytes (XML or plain text),
 * appended to out. Returns a spa_dec_status; on failure out is unchanged in
 * length and info->why explains. An inner payload that is not printable
 * ASCII text is corrupt. info may be NULL. */
int spa_decode(spa_crypt_ctx *c, const void *in, size_t len, const spa_decode_opts *o,
               spa_buf *out, spa_decode_info *info);
/* spa_decode, then parse the payload into p. A payload reached through any
 * layer that fails to parse is SPA_DEC_CORRUPT; a bare file that fails to
 * parse is SPA_DEC_SYNTAX with diagnostics in d. file names the input. */
int spa_decode_profile(spa_crypt_ctx *c, const void *in, size_t len, const char *file,
                       const spa_decode_opts *o, struct spa_profile *p,
                       spa_decode_info *info, spa_diags *d);

#endif
