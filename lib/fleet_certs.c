/* fleet_certs.c — per-unit client certificates for spasim's fleet mode.
 * Every unit of a fleet shares one transport, but each presents its own
 * certificate: for an HTTPS transfer the fleet asks here for a client
 * SSL_CTX sharing the fleet's trust store and holding the unit's
 * certificate, read from DIR/<mac>.crt + DIR/<mac>.key (the files
 * spa_ca_issue_batch writes) or issued in memory by a client CA
 * (spa_ca_issue_device) the first time and kept as PEM for the next.
 * Building a context per transfer keeps memory flat with many units. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include "spaprov/ca.h"
#include "spaprov/fleet.h"
#include "spaprov/profile.h"
#include "spaprov/tls.h"

struct spa_fleet_certs {
    SSL_CTX *trust;        /* holds the trust store every unit context shares */
    char *dir;
    spa_ca *ca;
    char product[64];
};

spa_fleet_certs *spa_fleet_certs_new(const spa_fleet_certs_opts *o, spa_diags *d)
{
    spa_fleet_certs *c = calloc(1, sizeof *c);
    spa_tls_client_opts t = { .ca_file = o->ca_file };
    if (!c) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    snprintf(c->product, sizeof c->product, "%s", o->product ? o->product : "");
    if (!(c->trust = spa_tls_client_ctx(&t, d)))
        goto fail;
    if (o->dir && !(c->dir = strdup(o->dir))) {
        spa_diag_error(d, "oom", "out of memory");
        goto fail;
    }
    if (o->ca_cert && !(c->ca = spa_ca_load_files(o->ca_cert, o->ca_key ? o->ca_key : o->ca_cert,
                                                  NULL, d)))
        goto fail;
    return c;
fail:
    spa_fleet_certs_free(c);
    return NULL;
}

void spa_fleet_certs_free(spa_fleet_certs *c)
{
    if (!c)
        return;
    if (c->trust)
        SSL_CTX_free(c->trust);
    spa_ca_free(c->ca);
    free(c->dir);
    free(c);
}

static int unit_file(const spa_fleet_certs *c, const char *mac, const char *ext, char *out,
                     size_t n)
{
    int k = snprintf(out, n, "%s/%s.%s", c->dir, mac, ext);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int spa_fleet_certs_check(const spa_fleet_certs *c, const char *mac, spa_diags *d)
{
    char path[4096];
    struct stat st;
    if (c->dir) {
        const char *ext[2] = { "crt", "key" };
        int missing = -1;
        for (int i = 0; i < 2 && missing < 0; i++)
            if (unit_file(c, mac, ext[i], path, sizeof path) < 0 || stat(path, &st) != 0)
                missing = i;
        if (missing < 0 || c->ca)
            return 0;
        return spa_diag_error(d, "fleet-certs", "%s: no client certificate for unit %s", path,
                              mac);
    }
    return c->ca ? 0 : spa_diag_error(d, "fleet-certs", "no certificate source");
}

/* Certificate then key, both PEM, into a new context sharing the trust store. */
static SSL_CTX *ctx_from_pem(spa_fleet_certs *c, const char *cert, size_t clen, const char *key,
                             size_t klen, const char *what, spa_diags *d)
{
    SSL_CTX *ctx = NULL;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    BIO *bc = BIO_new_mem_buf(cert, (int)clen), *bk = BIO_new_mem_buf(key, (int)klen);
    spa_tls_client_opts t = { 0 };
    if (!bc || !bk || !(x = PEM_read_bio_X509(bc, NULL, NULL, NULL)) ||
        !(k = PEM_read_bio_PrivateKey(bk, NULL, NULL, NULL))) {
        ERR_clear_error();
        spa_diag_error(d, "fleet-certs", "%s: cannot read the certificate or its key", what);
        goto out;
    }
    if (!(ctx = spa_tls_client_ctx(&t, d)))
        goto out;
    SSL_CTX_set1_cert_store(ctx, SSL_CTX_get_cert_store(c->trust));
    if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, k) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        spa_diag_error(d, "fleet-certs", "%s: the key does not match the certificate", what);
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
out:
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(bc);
    BIO_free(bk);
    return ctx;
}

static SSL_CTX *ctx_from_files(spa_fleet_certs *c, const char *mac, spa_diags *d)
{
    char cp[4096], kp[4096];
    spa_buf cert, key;
    SSL_CTX *ctx = NULL;
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (unit_file(c, mac, "crt", cp, sizeof cp) < 0 || unit_file(c, mac, "key", kp, sizeof kp) < 0)
        spa_diag_error(d, "fleet-certs", "%s: path too long", c->dir);
    else if (spa_read_file(cp, &cert, d) == 0 && spa_read_file(kp, &key, d) == 0)
        ctx = ctx_from_pem(c, cert.data, cert.len, key.data, key.len, cp, d);
    if (key.data)
        OPENSSL_cleanse(key.data, key.len);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    return ctx;
}

/* Issue mac's certificate once; *cache = certificate PEM, NUL, key PEM, NUL. */
static int issue(spa_fleet_certs *c, const char *mac, const char *serial, char **cache,
                 spa_diags *d)
{
    spa_buf cert, key;
    spa_device_subject s = { .product = c->product, .serial = serial, .mac = mac };
    int rc = -1;
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (spa_ca_issue_device(c->ca, &s, NULL, &cert, &key, d) == 0) {
        char *p = malloc(cert.len + key.len + 2);
        if (p) {
            memcpy(p, cert.data, cert.len + 1);
            memcpy(p + cert.len + 1, key.data, key.len + 1);
            *cache = p;
            rc = 0;
        } else {
            spa_diag_error(d, "oom", "out of memory");
        }
    }
    if (key.data)
        OPENSSL_cleanse(key.data, key.len);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    return rc;
}

SSL_CTX *spa_fleet_certs_ctx(spa_fleet_certs *c, const char *mac, const char *serial,
                             char **cache, spa_diags *d)
{
    char path[4096];
    struct stat st;
    if (c->dir && (!c->ca || (unit_file(c, mac, "crt", path, sizeof path) == 0 &&
                              stat(path, &st) == 0)))
        return ctx_from_files(c, mac, d);
    if (!c->ca) {
        spa_diag_error(d, "fleet-certs", "no certificate source");
        return NULL;
    }
    if (!*cache && issue(c, mac, serial, cache, d) < 0)
        return NULL;
    size_t clen = strlen(*cache);
    const char *key = *cache + clen + 1;
    return ctx_from_pem(c, *cache, clen, key, strlen(key), mac, d);
}

void spa_fleet_certs_forget(char **cache)
{
    if (!*cache)
        return;
    size_t clen = strlen(*cache);
    OPENSSL_cleanse(*cache, clen + 1 + strlen(*cache + clen + 1));
    free(*cache);
    *cache = NULL;
}
