/* crypt_int.h — private to lib/crypt.c and lib/cfg.c: the per-thread crypto
 * state both share, and the private OpenSSL library context that holds the
 * legacy provider (RC4) without touching the process-wide default context. */
#ifndef SPAPROV_CRYPT_INT_H
#define SPAPROV_CRYPT_INT_H
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <libdeflate.h>
#include <zlib.h>

typedef struct spa_cfg_legacy {
    bool tried;               /* loading was attempted (success or not) */
    OSSL_LIB_CTX *lib;        /* private context: default + legacy providers */
    OSSL_PROVIDER *deflt, *legacy;
    EVP_CIPHER *rc4;          /* NULL when the legacy provider is unavailable */
} spa_cfg_legacy;

struct spa_crypt_ctx {
    EVP_CIPHER_CTX *cc;
    struct libdeflate_compressor *def;  /* gzip writer (libdeflate: ~3x zlib's speed) */
    int def_level;            /* level def was set up with; 0 = not initialised */
    z_stream inf;
    bool inf_ready;
    spa_cfg_legacy legacy;
};

/* RC4 from the legacy provider, loaded on first use into a private library
 * context; NULL (and a reason in why) when OpenSSL lacks it. */
const EVP_CIPHER *spa_cfg_rc4(spa_cfg_legacy *l, char *why, size_t n);
/* Release the private library context. */
void spa_cfg_legacy_free(spa_cfg_legacy *l);

#endif
