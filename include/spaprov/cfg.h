/* cfg.h — spaprov's binary CFG container for the vendor SPC modes (guide
 * §2.5, DESIGN decision 5): plain, --scramble, --target MAC, --aes/--rc4 with
 * --hex-key or --ascii-key, and --target combined with a key. The vendor's
 * format is undocumented, so this one is ours and is documented byte by byte
 * in docs/cfg-format.md: a versioned header naming the mode, a random salt,
 * a key check value and an HMAC-SHA256 over the whole file, so that a wrong
 * key or a damaged file is detected and never applied. */
#ifndef SPAPROV_CFG_H
#define SPAPROV_CFG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"
#include "spaprov/crypt.h"

#define SPA_CFG_MAGIC "\x89SPC\r\n\x1a\n"   /* 8 bytes */
#define SPA_CFG_VERSION 1
#define SPA_CFG_HEADER_LEN 48
#define SPA_CFG_TAG_LEN 32

typedef enum { SPA_CFG_NONE = 0, SPA_CFG_AES = 1, SPA_CFG_RC4 = 2 } spa_cfg_cipher;

/* Key sources (header byte 10). */
#define SPA_CFG_KS_SCRAMBLE 0x01u  /* key material embedded in the file */
#define SPA_CFG_KS_TARGET   0x02u  /* key derived from the unit's MAC */
#define SPA_CFG_KS_KEY      0x04u  /* explicit key (--hex-key / --ascii-key) */
/* Flags (header byte 11). */
#define SPA_CFG_F_GZIP      0x01u  /* payload is gzip'd before encryption */
#define SPA_CFG_F_HEXKEY    0x02u  /* the explicit key is hex digits, not a phrase */
#define SPA_CFG_F_XML       0x04u  /* payload is XML (else plain-text source) */

/* What to build. Exactly one of: nothing (plain), scramble, or any of
 * target / key. cipher applies to explicit keys (default AES); targeted-only
 * files use AES. */
typedef struct spa_cfg_opts {
    spa_cfg_cipher cipher;
    const char *scramble;   /* --scramble PHRASE */
    const char *target;     /* --target MAC (any common spelling) */
    const char *hex_key;    /* --hex-key HEX: 1..32 bytes */
    const char *ascii_key;  /* --ascii-key PHRASE: hashed to 128 bits */
    bool xml;               /* payload is XML */
    int level;              /* gzip level (0 = 6) */
} spa_cfg_opts;

/* Parsed header. */
typedef struct spa_cfg_info {
    unsigned version, cipher, keysrc, flags;
    uint32_t body_len;      /* bytes of (encrypted) body */
    uint32_t payload_len;   /* bytes of the profile once decoded */
} spa_cfg_info;

/* Append a container holding payload (profile bytes) built as o says.
 * 0, or -1 with a reason in why (bad options, OOM, RC4 unavailable). */
int spa_cfg_pack(spa_crypt_ctx *c, const void *payload, size_t len, const spa_cfg_opts *o,
                 spa_buf *out, char *why, size_t n);
/* True when data starts with the container magic. */
bool spa_cfg_is_container(const void *data, size_t len);
/* Read and check the header (magic, header digest, version, known mode,
 * total length). SPA_DEC_OK or SPA_DEC_CORRUPT. */
int spa_cfg_peek(const void *data, size_t len, spa_cfg_info *info);
/* Human name of the mode: "plain", "scramble", "target+aes", "rc4", ... */
const char *spa_cfg_mode_name(const spa_cfg_info *info, char *out, size_t n);
/* Verify and decode a container, appending the profile bytes to out.
 * key: the --hex-key/--ascii-key argument (which one is recorded in the
 * file); mac: the unit's MAC for targeted files. Returns a spa_dec_status:
 * NEED_KEY when a key or MAC is required and missing, WRONG_KEY when the key
 * check fails, CORRUPT for any damage, TOO_LARGE beyond max (0 = default). */
int spa_cfg_unpack(spa_crypt_ctx *c, const void *in, size_t len, const char *key,
                   const char *mac, size_t max, spa_buf *out, char *why, size_t n);
/* Normalise a MAC in any common spelling to 12 lower-case hex digits; 0 or -1. */
int spa_cfg_mac(const char *s, char out[13]);

#endif
