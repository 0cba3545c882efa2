/* tls.c — OpenSSL contexts, certificate making and the guide's certificate
 * rules (see tls.h). Kept apart from the HTTP code so that the CN and IP rules
 * and subject extraction are pure functions that unit tests can table-drive. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "spaprov/tls.h"

const char *spa_tls_last_error(char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (n == 0)
        return buf;
    if (e == 0)
        snprintf(buf, n, "no OpenSSL error");
    else
        ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

static void tls_diag(spa_diags *d, const char *file, const char *what)
{
    char e[256];
    spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "tls", "%s: %s", what,
                 spa_tls_last_error(e, sizeof e));
}

/* ---- contexts ------------------------------------------------------------ */

static int tls_set_protocols(SSL_CTX *ctx, int legacy, spa_diags *d)
{
    if (legacy) {
        /* OpenSSL 3 refuses TLS < 1.2 and SHA-1 suites above security level 0. */
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        if (!SSL_CTX_set_cipher_list(ctx, SPA_TLS_MODERN_CIPHERS ":" SPA_TLS_LEGACY_CIPHERS)) {
            tls_diag(d, NULL, "legacy cipher list");
            return -1;
        }
        SSL_CTX_set_dh_auto(ctx, 1);
    } else {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (!SSL_CTX_set_cipher_list(ctx, SPA_TLS_MODERN_CIPHERS)) {
            tls_diag(d, NULL, "cipher list");
            return -1;
        }
        SSL_CTX_set_dh_auto(ctx, 1);
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    return 0;
}

static int tls_load_pair(SSL_CTX *ctx, const char *cert, const char *key, spa_diags *d)
{
    if (!key)
        key = cert;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        tls_diag(d, cert, "cannot load certificate chain");
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        tls_diag(d, key, "cannot load private key");
        return -1;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        tls_diag(d, key, "private key does not match the certificate");
        return -1;
    }
    return 0;
}

SSL_CTX *spa_tls_server_ctx(const spa_tls_server_opts *o, spa_diags *d)
{
    SSL_CTX *ctx;

    if (!o || !o->cert_file || !o->key_file) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "tls", "server needs a certificate and a key");
        return NULL;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        tls_diag(d, NULL, "SSL_CTX_new");
        return NULL;
    }
    if (tls_set_protocols(ctx, o->legacy, d) < 0 ||
        tls_load_pair(ctx, o->cert_file, o->key_file, d) < 0)
        goto fail;
    if (o->client_ca_file) {
        STACK_OF(X509_NAME) *names;
        int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;

        if (SSL_CTX_load_verify_locations(ctx, o->client_ca_file, NULL) != 1) {
            tls_diag(d, o->client_ca_file, "cannot load client CA");
            goto fail;
        }
        names = SSL_load_client_CA_file(o->client_ca_file);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
        if (o->require_client_cert)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(ctx, mode, NULL);
        SSL_CTX_set_verify_depth(ctx, 8);
        /* A session id context is needed when client certificates are verified. */
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"spaprov", 7);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *spa_tls_client_ctx(const spa_tls_client_opts *o, spa_diags *d)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) {
        tls_diag(d, NULL, "SSL_CTX_new");
        return NULL;
    }
    if (tls_set_protocols(ctx, o && o->legacy, d) < 0)
        goto fail;
    if (o && o->ca_file && SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
        tls_diag(d, o->ca_file, "cannot load trust anchors");
        goto fail;
    }
    if (o && o->cert_file && tls_load_pair(ctx, o->cert_file, o->key_file, d) < 0)
        goto fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_verify_depth(ctx, 8);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* ---- certificate making ---------------------------------------------------- */

static EVP_PKEY *tls_genkey(spa_tls_keytype kt)
{
    if (kt == SPA_TLS_KEY_RSA2048)
        return EVP_RSA_gen(2048);
    return EVP_EC_gen("P-256");
}

static int tls_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return -1;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int tls_set_subject(X509 *cert, const char *const *kv)
{
    X509_NAME *name = X509_get_subject_name(cert);
    size_t i;

    for (i = 0; kv && kv[i] && kv[i + 1]; i += 2) {
        if (!X509_NAME_add_entry_by_txt(name, kv[i], MBSTRING_UTF8,
                                        (const unsigned char *)kv[i + 1], -1, -1, 0))
            return -1;
    }
    if (kv && kv[i])
        return -1; /* odd number of strings */
    return 0;
}

/* Open a PEM file for reading; NULL with a diagnostic. */
static FILE *tls_open_pem(const char *path, spa_diags *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "tls", "cannot open: %s", strerror(errno));
    return f;
}

static X509 *tls_read_cert(const char *path, spa_diags *d)
{
    FILE *f = tls_open_pem(path, d);
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) {
        fclose(f);
        if (!x)
            tls_diag(d, path, "not a PEM certificate");
    }
    return x;
}

static EVP_PKEY *tls_read_key(const char *path, spa_diags *d)
{
    FILE *f = tls_open_pem(path, d);
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) {
        fclose(f);
        if (!k)
            tls_diag(d, path, "not a PEM private key");
    }
    return k;
}

/* Write via path.tmp + rename, with the given mode. */
static int tls_write_pem(const char *path, mode_t mode, X509 *cert, EVP_PKEY *key, spa_diags *d)
{
    char tmp[4096];
    FILE *f;
    int fd, ok;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= sizeof tmp) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "tls", "path too long");
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        spa_diag_add(d, SPA_DIAG_ERROR, tmp, 0, 0, "tls", "cannot create: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fchmod(fd, mode);
    ok = cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (fflush(f) != 0 || fsync(fd) != 0)
        ok = 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "tls", "cannot write: %s",
                     ok ? strerror(errno) : "PEM encoding failed");
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int tls_serial(X509 *cert)
{
    unsigned char r[16];
    BIGNUM *bn;
    int ok;

    if (RAND_bytes(r, sizeof r) != 1)
        return -1;
    r[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(r, sizeof r, NULL);
    if (!bn)
        return -1;
    ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

static int tls_build(const spa_tls_certspec *spec, X509 *cert, EVP_PKEY *key, X509 *issuer,
                     EVP_PKEY *ikey)
{
    long days = spec->days ? (long)spec->days : 825L;
    X509 *iss = issuer ? issuer : cert;

    if (!X509_set_version(cert, 2) || tls_serial(cert) < 0 ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400L) ||
        !X509_set_pubkey(cert, key) || tls_set_subject(cert, spec->subject) < 0)
        return -1;
    if (!X509_set_issuer_name(cert, X509_get_subject_name(iss)))
        return -1;
    if (tls_add_ext(cert, iss, NID_basic_constraints,
                    spec->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") < 0 ||
        tls_add_ext(cert, iss, NID_key_usage,
                    spec->is_ca ? "critical,keyCertSign,cRLSign"
                                : "critical,digitalSignature,keyEncipherment") < 0 ||
        tls_add_ext(cert, iss, NID_subject_key_identifier, "hash") < 0)
        return -1;
    if (issuer && tls_add_ext(cert, iss, NID_authority_key_identifier, "keyid:always") < 0)
        return -1;
    if (!spec->is_ca && tls_add_ext(cert, iss, NID_ext_key_usage,
                                    spec->client ? "clientAuth" : "serverAuth") < 0)
        return -1;
    if (spec->san && *spec->san && tls_add_ext(cert, iss, NID_subject_alt_name, spec->san) < 0)
        return -1;
    return X509_sign(cert, ikey ? ikey : key, EVP_sha256()) > 0 ? 0 : -1;
}

int spa_tls_make_cert(const spa_tls_certspec *spec, const char *ca_cert_file,
                      const char *ca_key_file, const char *cert_out, const char *key_out,
                      spa_diags *d)
{
    X509 *cert = NULL, *ca = NULL;
    EVP_PKEY *key = NULL, *cakey = NULL;
    int rc = -1;

    if (!spec || !cert_out || !key_out || (!ca_cert_file != !ca_key_file)) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "tls", "make_cert: bad arguments");
        return -1;
    }
    if (ca_cert_file && (!(ca = tls_read_cert(ca_cert_file, d)) ||
                         !(cakey = tls_read_key(ca_key_file, d))))
        goto out;
    if (ca && X509_check_private_key(ca, cakey) != 1) {
        tls_diag(d, ca_key_file, "CA key does not match the CA certificate");
        goto out;
    }
    key = tls_genkey(spec->key);
    cert = X509_new();
    if (!key || !cert) {
        tls_diag(d, NULL, "key generation");
        goto out;
    }
    if (tls_build(spec, cert, key, ca, cakey) < 0) {
        tls_diag(d, cert_out, "cannot build certificate (bad subject or SAN?)");
        goto out;
    }
    if (tls_write_pem(key_out, 0600, NULL, key, d) < 0 ||
        tls_write_pem(cert_out, 0644, cert, NULL, d) < 0)
        goto out;
    rc = 0;
out:
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
    return rc;
}

int spa_tls_make_selfsigned(const char *cert_out, const char *key_out, spa_tls_keytype kt,
                            spa_diags *d)
{
    static const char *const subj[] = {"CN", "localhost", "O", "spaprov self-signed", NULL};
    spa_tls_certspec spec = {subj, "IP:127.0.0.1,IP:::1,DNS:localhost", 0, 0, 825, kt};
    return spa_tls_make_cert(&spec, NULL, NULL, cert_out, key_out, d);
}

/* ---- device-side checks ---------------------------------------------------- */

const char *spa_tls_verify_name(spa_tls_verify v)
{
    switch (v) {
    case SPA_TLS_VERIFY_OK: return "ok";
    case SPA_TLS_VERIFY_CHAIN: return "chain";
    case SPA_TLS_VERIFY_CN: return "cn-mismatch";
    case SPA_TLS_VERIFY_IP: return "ip-mismatch";
    case SPA_TLS_VERIFY_HANDSHAKE: return "handshake";
    }
    return "unknown";
}

/* Parse an IP literal (optionally in [brackets]) of length n. */
static int tls_parse_ip(const char *s, size_t n, unsigned char out[16], int *family)
{
    char tmp[64];

    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, out) == 1) {
        *family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, tmp, out) == 1) {
        *family = AF_INET6;
        return 1;
    }
    return 0;
}

/* A DNS name usable in the rule: letters, digits, '-', '.', no wildcard. */
static int tls_dns_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 253)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '.' && c != '_')
            return 0;
    }
    return 1;
}

int spa_tls_cn_matches(const char *cn, const char *host)
{
    const char *slash;
    size_t cl, hl;
    unsigned char a[16], b[16];
    int fa, fb;

    if (!cn || !host)
        return 0;
    slash = strchr(cn, '/');
    cl = slash ? (size_t)(slash - cn) : strlen(cn);
    hl = strlen(host);
    if (tls_parse_ip(host, hl, b, &fb)) {
        if (!tls_parse_ip(cn, cl, a, &fa) || fa != fb)
            return 0;
        return memcmp(a, b, fa == AF_INET ? 4 : 16) == 0;
    }
    if (cl > 0 && cn[cl - 1] == '.')
        cl--;
    if (hl > 0 && host[hl - 1] == '.')
        hl--;
    if (!tls_dns_ok(host, hl) || !tls_dns_ok(cn, cl) || cl != hl)
        return 0;
    return strncasecmp(cn, host, cl) == 0;
}

int spa_tls_check_cn(X509 *cert, const char *host, char *why, size_t n)
{
    X509_NAME *name;
    int idx = -1, seen = 0;

    if (why && n)
        why[0] = '\0';
    if (!cert || !(name = X509_get_subject_name(cert)))
        return 0;
    while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0) {
        ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
        unsigned char *u = NULL;
        int len = ASN1_STRING_to_UTF8(&u, v);
        int ok = len > 0 && memchr(u, '\0', (size_t)len) == NULL &&
                 spa_tls_cn_matches((const char *)u, host);

        if (!ok && why && n && len > 0)
            snprintf(why, n, "CN=%.*s", len, (const char *)u);
        OPENSSL_free(u);
        if (ok)
            return 1;
        seen = 1;
    }
    if (!seen && why && n)
        snprintf(why, n, "certificate has no CN");
    return 0;
}

int spa_tls_cn_name(X509 *cert, char *name, size_t n)
{
    X509_NAME *subj = cert ? X509_get_subject_name(cert) : NULL;
    int idx = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
    unsigned char *u = NULL;
    int len, rc = -1;

    if (idx < 0 || !n)
        return -1;
    len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
    if (len > 0 && !memchr(u, '\0', (size_t)len)) {
        const char *slash = memchr(u, '/', (size_t)len);
        size_t cl = slash ? (size_t)(slash - (const char *)u) : (size_t)len;
        unsigned char ip[16];
        int fam;
        if (cl > 0 && cl < n && tls_dns_ok((const char *)u, cl) &&
            !tls_parse_ip((const char *)u, cl, ip, &fam)) {
            memcpy(name, u, cl);
            name[cl] = '\0';
            rc = 0;
        }
    }
    OPENSSL_free(u);
    return rc;
}

/* Reduce an address to 16 bytes + family; IPv4-mapped IPv6 becomes IPv4. */
static int tls_addr_key(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            memcpy(out, a6->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(out, a6->s6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

int spa_tls_check_peer_ip(const struct sockaddr *peer, const struct sockaddr_storage *addrs,
                          size_t n)
{
    unsigned char p[16], a[16];
    int fp, fa;
    size_t i;

    if (!peer || !(fp = tls_addr_key(peer, p)))
        return 0;
    for (i = 0; i < n; i++) {
        fa = tls_addr_key((const struct sockaddr *)&addrs[i], a);
        if (fa == fp && memcmp(a, p, fa == AF_INET ? 4 : 16) == 0)
            return 1;
    }
    return 0;
}

/* ---- server-side identification --------------------------------------------- */

/* Copy the first entry of nid into out; 0 (also when absent) or -1 when unusable. */
static int tls_field(X509_NAME *name, int nid, char *out)
{
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    unsigned char *u = NULL;
    int len, i;

    out[0] = '\0';
    if (idx < 0)
        return 0;
    len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (len < 0)
        return -1;
    if (len >= SPA_CERT_FIELD_MAX) {
        OPENSSL_free(u);
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            OPENSSL_free(u);
            return -1;
        }
    }
    memcpy(out, u, (size_t)len);
    out[len] = '\0';
    OPENSSL_free(u);
    return 0;
}

/* "000e08aabbcc", "000E08AABBCC", "00:0e:08:aa:bb:cc", "00-0E-..." -> 12 lower hex. */
static int tls_norm_mac(const char *s, char out[13])
{
    size_t i = 0, k = 0, n = strlen(s);
    char sep = 0;

    if (n != 12 && n != 17)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (n == 17 && i % 3 == 2) {
            if ((c != ':' && c != '-') || (sep && c != sep))
                return 0;
            sep = (char)c;
            continue;
        }
        if (!isxdigit(c))
            return 0;
        out[k++] = (char)tolower(c);
    }
    out[12] = '\0';
    return k == 12;
}

int spa_tls_subject(X509 *cert, spa_cert_subject *s)
{
    X509_NAME *name;

    memset(s, 0, sizeof *s);
    if (!cert || !(name = X509_get_subject_name(cert)))
        return -1;
    if (tls_field(name, NID_commonName, s->cn) < 0 ||
        tls_field(name, NID_organizationalUnitName, s->ou) < 0 ||
        tls_field(name, NID_localityName, s->l) < 0 ||
        tls_field(name, NID_stateOrProvinceName, s->st) < 0 ||
        tls_field(name, NID_organizationName, s->o) < 0)
        return -1;
    if (tls_field(X509_get_issuer_name(cert), NID_commonName, s->issuer_cn) < 0)
        s->issuer_cn[0] = '\0';
    if (!tls_norm_mac(s->st, s->mac))
        s->mac[0] = '\0';
    s->generic = s->mac[0] == '\0' || strcasestr(s->cn, "generic") != NULL;
    return 0;
}
