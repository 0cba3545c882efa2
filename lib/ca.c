/* ca.c — `spaprov ca`: the provisioning-server root and the client root
 * (the two roles the vendor played for SPA units), server certificates with
 * the guide's CN rule, unique and generic device certificates, batch issuing
 * for a fleet, and reading a unit's identity back from its certificate.
 *
 * Everything goes through OpenSSL 3's EVP/X509 APIs. Keys are written 0600
 * (optionally as AES-256 encrypted PKCS#8) and a protected key is never
 * loaded by prompting: without the passphrase the load fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "spaprov/ca.h"
#include "spaprov/macro.h"
#include "spaprov/model.h"
#include "store_int.h"

struct spa_ca {
    X509 *cert;
    EVP_PKEY *key;
    EVP_PKEY_CTX *gen[2];     /* reusable key generation contexts, per key type */
    char org[128];
};


/* An OpenSSL failure: the first queued reason, then the queue cleared. */
static int ossl_fail(spa_diags *d, const char *what)
{
    char err[256] = "unknown error";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, err, sizeof err);
    ERR_clear_error();
    return spa_diag_error(d, "openssl", "%s: %s", what, err);
}

int spa_key_type_parse(const char *s, spa_key_type *out)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "ec") || !strcasecmp(s, "p256") || !strcasecmp(s, "p-256") ||
        !strcasecmp(s, "prime256v1")) {
        *out = SPA_KEY_EC_P256;
        return 0;
    }
    if (!strcasecmp(s, "rsa") || !strcasecmp(s, "rsa2048")) {
        *out = SPA_KEY_RSA2048;
        return 0;
    }
    return -1;
}

const char *spa_key_type_name(spa_key_type t)
{
    return t == SPA_KEY_RSA2048 ? "rsa2048" : "ec-p256";
}

/* ---- files ---- */

int spa_write_private_file(const char *path, const void *data, size_t len, unsigned mode,
                           spa_diags *d)
{
    const char *p = data;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return spa_diag_error(d, "file", "%s: cannot create: %s", path, strerror(errno));
    /* An existing file keeps its old mode through O_CREAT: set it. */
    if (fchmod(fd, (mode_t)mode) < 0)
        goto bad;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto bad;
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) < 0) {
        fd = -1;
        goto bad;
    }
    return 0;
bad:
    spa_diag_error(d, "file", "%s: cannot write: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(path);
    return -1;
}

static int join(char *out, size_t n, const char *dir, const char *name)
{
    int k = snprintf(out, n, "%s/%s", dir, name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* The passphrase callback: never prompts, fails without one. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pass = u;
    size_t n;
    (void)rwflag;
    if (!pass || size <= 0)
        return 0;
    n = strlen(pass);
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pass, n);
    return (int)n;
}

static int pem_cert(X509 *x, spa_buf *out, spa_diags *d)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int rc = -1;
    if (b && PEM_write_bio_X509(b, x) && (n = BIO_get_mem_data(b, &p)) > 0)
        rc = spa_buf_append(out, p, (size_t)n);
    BIO_free(b);
    return rc < 0 ? ossl_fail(d, "writing a certificate") : 0;
}

static int pem_key(EVP_PKEY *k, const char *pass, spa_buf *out, spa_diags *d)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int rc = -1, ok;
    if (!b)
        return ossl_fail(d, "writing a key");
    if (pass && *pass)
        ok = PEM_write_bio_PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, pass_cb, (void *)pass);
    else
        ok = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    if (ok && (n = BIO_get_mem_data(b, &p)) > 0) {
        rc = spa_buf_append(out, p, (size_t)n);
        OPENSSL_cleanse(p, (size_t)n);
    }
    BIO_free(b);
    return rc < 0 ? ossl_fail(d, "writing a key") : 0;
}

/* ---- keys and certificates ---- */

static EVP_PKEY_CTX *gen_ctx(spa_key_type t)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, t == SPA_KEY_RSA2048 ? "RSA" : "EC", NULL);
    if (!c || EVP_PKEY_keygen_init(c) <= 0)
        goto bad;
    if (t == SPA_KEY_RSA2048 ? EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) <= 0
                             : EVP_PKEY_CTX_set_group_name(c, "P-256") <= 0)
        goto bad;
    return c;
bad:
    EVP_PKEY_CTX_free(c);
    return NULL;
}

static EVP_PKEY *new_key(EVP_PKEY_CTX **slot, spa_key_type t, spa_diags *d)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *own = NULL, *c = slot ? *slot : NULL;
    if (!c) {
        if (!(c = gen_ctx(t))) {
            ossl_fail(d, "key generation");
            return NULL;
        }
        if (slot)
            *slot = c;
        else
            own = c;
    }
    if (EVP_PKEY_generate(c, &k) <= 0) {
        ossl_fail(d, "key generation");
        k = NULL;
    }
    EVP_PKEY_CTX_free(own);
    return k;
}

static int add_entry(X509_NAME *n, const char *field, const char *v)
{
    return X509_NAME_add_entry_by_txt(n, field, MBSTRING_ASC, (const unsigned char *)v, -1, -1, 0);
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    int ok;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    if (!(e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)))
        return 0;
    ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate with a random 128-bit serial, subject name, validity and
 * public key; the caller adds extensions and signs. */
static X509 *new_cert(X509_NAME *subject, EVP_PKEY *pub, unsigned days)
{
    unsigned char rnd[16];
    BIGNUM *bn = NULL;
    X509 *x = X509_new();
    if (!x || RAND_bytes(rnd, sizeof rnd) != 1)
        goto bad;
    rnd[0] &= 0x7f;          /* positive */
    rnd[0] |= 0x40;          /* and full length */
    if (!(bn = BN_bin2bn(rnd, sizeof rnd, NULL)) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || !X509_set_version(x, 2) ||
        !X509_set_subject_name(x, subject) || !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) || !X509_set_pubkey(x, pub))
        goto bad;
    BN_free(bn);
    return x;
bad:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static int sign(X509 *x, EVP_PKEY *key)
{
    return X509_sign(x, key, EVP_sha256()) > 0;
}

static X509 *make_root(const char *cn, const char *org, EVP_PKEY *key, unsigned days)
{
    X509_NAME *n = X509_NAME_new();
    X509 *x = NULL;
    if (!n || !add_entry(n, "O", org) || !add_entry(n, "CN", cn) ||
        !(x = new_cert(n, key, days)) || !X509_set_issuer_name(x, n) ||
        !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(x, x, NID_subject_key_identifier, "hash") || !sign(x, key)) {
        X509_free(x);
        x = NULL;
    }
    X509_NAME_free(n);
    return x;
}

static int write_pair(const char *dir, const char *cname, const char *kname, X509 *x,
                      EVP_PKEY *k, const char *pass, spa_diags *d)
{
    char path[4096];
    spa_buf b;
    int rc = -1;
    spa_buf_init(&b);
    if (pem_key(k, pass, &b, d) < 0 || join(path, sizeof path, dir, kname) < 0 ||
        spa_write_private_file(path, b.data, b.len, 0600, d) < 0)
        goto out;
    spa_buf_reset(&b);
    if (pem_cert(x, &b, d) < 0 || join(path, sizeof path, dir, cname) < 0 ||
        spa_write_private_file(path, b.data, b.len, 0644, d) < 0)
        goto out;
    rc = 0;
out:
    if (b.data)
        OPENSSL_cleanse(b.data, b.cap);
    spa_buf_free(&b);
    return rc;
}

int spa_ca_init(const char *dir, const spa_ca_init_opts *o, spa_diags *d)
{
    static const struct {
        const char *cn, *cert, *key;
    } roots[2] = {
        { "Provisioning Server Root CA", SPA_CA_SERVER_CERT, SPA_CA_SERVER_KEY },
        { "Client Root CA", SPA_CA_CLIENT_CERT, SPA_CA_CLIENT_KEY },
    };
    spa_ca_init_opts def = { 0 };
    char path[4096], cn[256];
    struct stat sb;
    if (!o)
        o = &def;
    if (!dir || !*dir)
        return spa_diag_error(d, "dir", "dir: missing");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return spa_diag_error(d, "dir", "%s: cannot create: %s", dir, strerror(errno));
    for (int i = 0; i < 2; i++) {
        if (join(path, sizeof path, dir, roots[i].key) < 0)
            return spa_diag_error(d, "dir", "%s: path too long", dir);
        if (!o->force && stat(path, &sb) == 0)
            return spa_diag_error(d, "exists", "%s: a CA already exists here (use force to replace it)",
                        path);
    }
    for (int i = 0; i < 2; i++) {
        const char *org = o->org && *o->org ? o->org : "spaprov";
        EVP_PKEY *k = new_key(NULL, o->key_type, d);
        X509 *x;
        int rc;
        if (!k)
            return -1;
        snprintf(cn, sizeof cn, "%s %s", org, roots[i].cn);
        if (!(x = make_root(cn, org, k, o->days ? o->days : 7300))) {
            EVP_PKEY_free(k);
            return ossl_fail(d, "making a root certificate");
        }
        rc = write_pair(dir, roots[i].cert, roots[i].key, x, k, o->passphrase, d);
        X509_free(x);
        EVP_PKEY_free(k);
        if (rc < 0)
            return -1;
    }
    return 0;
}

spa_ca *spa_ca_load(const char *dir, spa_ca_role role, const char *passphrase, spa_diags *d)
{
    char cpath[4096], kpath[4096];
    if (join(cpath, sizeof cpath, dir,
             role == SPA_CA_SERVER ? SPA_CA_SERVER_CERT : SPA_CA_CLIENT_CERT) < 0 ||
        join(kpath, sizeof kpath, dir,
             role == SPA_CA_SERVER ? SPA_CA_SERVER_KEY : SPA_CA_CLIENT_KEY) < 0) {
        spa_diag_error(d, "ca", "%s: path too long", dir);
        return NULL;
    }
    return spa_ca_load_files(cpath, kpath, passphrase, d);
}

spa_ca *spa_ca_load_files(const char *cert_file, const char *key_file, const char *passphrase,
                          spa_diags *d)
{
    const char *path = cert_file;
    spa_ca *ca = calloc(1, sizeof *ca);
    FILE *f = NULL;
    X509_NAME *n;
    if (!ca) {
        spa_diag_error(d, "oom", "out of memory");
        return NULL;
    }
    if (!(f = fopen(path, "r")) || !(ca->cert = PEM_read_X509(f, NULL, NULL, NULL))) {
        spa_diag_error(d, "ca", "%s: cannot read the CA certificate", path);
        goto bad;
    }
    fclose(f);
    path = key_file;
    if (!(f = fopen(path, "r"))) {
        spa_diag_error(d, "ca", "%s: cannot open the CA key", path);
        f = NULL;
        goto bad;
    }
    ca->key = PEM_read_PrivateKey(f, NULL, pass_cb, (void *)passphrase);
    fclose(f);
    f = NULL;
    if (!ca->key) {
        ERR_clear_error();
        spa_diag_error(d, "passphrase", "%s: cannot load the CA key (%s)", path,
             passphrase ? "wrong passphrase or damaged file"
                        : "it is protected: a passphrase is needed");
        goto bad;
    }
    if (X509_check_private_key(ca->cert, ca->key) != 1) {
        ERR_clear_error();
        spa_diag_error(d, "ca", "%s: the key does not match the CA certificate", path);
        goto bad;
    }
    n = X509_get_subject_name(ca->cert);
    if (X509_NAME_get_text_by_NID(n, NID_organizationName, ca->org, sizeof ca->org) < 0)
        snprintf(ca->org, sizeof ca->org, "spaprov");
    return ca;
bad:
    if (f)
        fclose(f);
    spa_ca_free(ca);
    return NULL;
}

void spa_ca_free(spa_ca *ca)
{
    if (!ca)
        return;
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    EVP_PKEY_CTX_free(ca->gen[0]);
    EVP_PKEY_CTX_free(ca->gen[1]);
    free(ca);
}

/* ---- server certificates ---- */

static bool all_digits_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            return false;
    return true;
}

int spa_cn_check(const char *cn, char *fqdn, size_t n, char *why, size_t wn)
{
    const char *slash, *p, *label;
    size_t len, dots = 0;
    if (!cn || !*cn) {
        snprintf(why, wn, "the CN is empty");
        return -1;
    }
    slash = strchr(cn, '/');
    len = slash ? (size_t)(slash - cn) : strlen(cn);
    if (len == 0 || len > 253) {
        snprintf(why, wn, "the FQDN before '/' must be 1 to 253 characters");
        return -1;
    }
    if (all_digits_dots(cn, len) || memchr(cn, ':', len)) {
        snprintf(why, wn, "'%.*s' is an address, not a host name: the device checks the "
                 "server's address against a DNS lookup of the name", (int)len, cn);
        return -1;
    }
    for (p = label = cn; p <= cn + len; p++) {
        if (p == cn + len || *p == '.') {
            size_t ll = (size_t)(p - label);
            if (ll == 0 || ll > 63 || label[0] == '-' || label[ll - 1] == '-') {
                snprintf(why, wn, "'%.*s': each dot-separated label must be 1 to 63 letters, "
                         "digits or inner hyphens", (int)len, cn);
                return -1;
            }
            if (p < cn + len)
                dots++;
            label = p + 1;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-')) {
            snprintf(why, wn, "'%.*s': '%c' is not allowed in a host name", (int)len, cn, *p);
            return -1;
        }
    }
    if (dots == 0 && !(len == 9 && strncasecmp(cn, "localhost", 9) == 0)) {
        snprintf(why, wn, "'%.*s' is not fully qualified (expected e.g. sprov.callme.com)",
                 (int)len, cn);
        return -1;
    }
    if (slash && !spa_value_is_ascii(slash, strlen(slash))) {
        snprintf(why, wn, "the information after '/' must be printable ASCII");
        return -1;
    }
    if (len + 1 > n) {
        snprintf(why, wn, "the FQDN is too long");
        return -1;
    }
    memcpy(fqdn, cn, len);
    fqdn[len] = '\0';
    return 0;
}

/* Sign a leaf for subject n with a fresh key; PEM into cert and key. */
static int issue_leaf(spa_ca *ca, X509_NAME *n, const char *eku, const char *san,
                      const spa_issue_opts *o, unsigned def_days, spa_buf *cert, spa_buf *key,
                      spa_diags *d)
{
    EVP_PKEY *k = new_key(&ca->gen[o->key_type == SPA_KEY_RSA2048], o->key_type, d);
    X509 *x = NULL;
    int rc = -1;
    if (!k)
        return -1;
    if (!(x = new_cert(n, k, o->days ? o->days : def_days)) ||
        !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
        !add_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, ca->cert, NID_key_usage,
                 o->key_type == SPA_KEY_RSA2048 ? "critical,digitalSignature,keyEncipherment"
                                                : "critical,digitalSignature,keyAgreement") ||
        !add_ext(x, ca->cert, NID_ext_key_usage, eku) ||
        !add_ext(x, ca->cert, NID_authority_key_identifier, "keyid") ||
        (san && !add_ext(x, ca->cert, NID_subject_alt_name, san)) || !sign(x, ca->key)) {
        ossl_fail(d, "issuing a certificate");
        goto out;
    }
    if (pem_cert(x, cert, d) < 0 || pem_key(k, o->passphrase, key, d) < 0)
        goto out;
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}

int spa_ca_issue_server(spa_ca *ca, const char *cn, const spa_issue_opts *o, spa_buf *cert,
                        spa_buf *key, spa_diags *d)
{
    spa_issue_opts def = { 0 };
    char fqdn[256], why[256], san[300];
    X509_NAME *n;
    int rc;
    if (!o)
        o = &def;
    if (spa_cn_check(cn, fqdn, sizeof fqdn, why, sizeof why) < 0)
        return spa_diag_error(d, "cn", "cn: %s", why);
    if (!(n = X509_NAME_new()) || !add_entry(n, "O", ca->org) || !add_entry(n, "CN", cn)) {
        X509_NAME_free(n);
        return ossl_fail(d, "cn");
    }
    snprintf(san, sizeof san, "DNS:%s", fqdn);
    rc = issue_leaf(ca, n, "serverAuth", san, o, 825, cert, key, d);
    X509_NAME_free(n);
    return rc;
}

/* ---- device certificates ---- */

/* "SPA-2102" stays; a model name ("spa2102") becomes its product name. */
static int product_of(const char *in, char *out, size_t n, spa_diags *d)
{
    spa_model *m;
    if (!in || !*in)
        return spa_diag_error(d, "product", "product: missing");
    if (strlen(in) >= n || !spa_value_is_ascii(in, strlen(in)) || strchr(in, ','))
        return spa_diag_error(d, "product", "product: '%s' is not a product name", in);
    if (strchr(in, '-')) {
        snprintf(out, n, "%s", in);
        return 0;
    }
    spa_diags tmp;
    spa_diags_init(&tmp);
    m = spa_model_load_builtin(in, &tmp);
    spa_diags_free(&tmp);
    if (!m)
        return spa_diag_error(d, "product", "product: '%s' is neither a product name (SPA-2102) nor a "
                    "known model", in);
    snprintf(out, n, "%s", m->product);
    spa_model_free(m);
    return 0;
}

static int device_name(const spa_device_subject *s, const char *org, const char *product,
                       X509_NAME **out, spa_diags *d)
{
    char mac[13], cn[128];
    X509_NAME *n;
    if (!s->generic) {
        if (!s->mac || spa_mac_parse(s->mac, mac) < 0)
            return spa_diag_error(d, "mac", "mac: '%s' is not a MAC address", s->mac ? s->mac : "");
        if (!s->serial || !*s->serial || strlen(s->serial) > 63 ||
            !spa_value_is_ascii(s->serial, strlen(s->serial)))
            return spa_diag_error(d, "serial", "serial: '%s' must be 1 to 63 printable characters",
                        s->serial ? s->serial : "");
    }
    if (!(n = X509_NAME_new()))
        return ossl_fail(d, "subject");
    snprintf(cn, sizeof cn, "%s generic", product);
    if (!add_entry(n, "O", org) || !add_entry(n, "OU", product) ||
        (!s->generic && (!add_entry(n, "L", s->serial) || !add_entry(n, "ST", mac))) ||
        !add_entry(n, "CN", s->generic ? cn : mac)) {
        X509_NAME_free(n);
        return ossl_fail(d, "subject");
    }
    *out = n;
    return 0;
}

int spa_ca_issue_device(spa_ca *ca, const spa_device_subject *s, const spa_issue_opts *o,
                        spa_buf *cert, spa_buf *key, spa_diags *d)
{
    spa_issue_opts def = { 0 };
    char product[64];
    X509_NAME *n = NULL;
    int rc;
    if (!o)
        o = &def;
    if (product_of(s->product, product, sizeof product, d) < 0 ||
        device_name(s, ca->org, product, &n, d) < 0)
        return -1;
    rc = issue_leaf(ca, n, "clientAuth", NULL, o, 7300, cert, key, d);
    X509_NAME_free(n);
    return rc;
}

/* ---- batch ---- */

typedef struct brow {
    char product[64];
    char mac[13];
    char *serial;
    unsigned line;
} brow;

/* Product names of the models seen so far in a batch (loading a schema per
 * row would dominate the run). */
typedef struct pcache {
    char model[16][32];
    char product[16][64];
    int n;
} pcache;

static int batch_product(pcache *pc, const char *model, char *out, size_t n, spa_diags *d)
{
    for (int i = 0; i < pc->n; i++)
        if (strcasecmp(pc->model[i], model) == 0) {
            snprintf(out, n, "%s", pc->product[i]);
            return 0;
        }
    if (product_of(model, out, n, d) < 0)
        return -1;
    if (pc->n < 16 && strlen(model) < 32) {
        snprintf(pc->model[pc->n], 32, "%s", model);
        snprintf(pc->product[pc->n], 64, "%s", out);
        pc->n++;
    }
    return 0;
}

static int brow_cmp(const void *a, const void *b)
{
    const brow *x = *(const brow *const *)a, *y = *(const brow *const *)b;
    int c = strcmp(x->mac, y->mac);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* One unit, one certificate: a MAC listed twice would overwrite its files. */
static size_t batch_duplicates(brow *rows, size_t n, const char *file, spa_diags *d)
{
    const brow **v = malloc((n ? n : 1) * sizeof *v);
    size_t errors = 0;
    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++)
        v[i] = &rows[i];
    qsort(v, n, sizeof *v, brow_cmp);
    for (size_t i = 1; i < n; i++)
        if (v[i]->mac[0] && strcmp(v[i]->mac, v[i - 1]->mac) == 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, v[i]->line, 0, "mac",
                         "mac: %s is listed twice (first on line %u)", v[i]->mac, v[i - 1]->line);
            errors++;
        }
    free(v);
    return errors;
}

static int batch_rows(const char *csv, size_t len, const char *file, brow **rows, size_t *nrows,
                      spa_diags *d)
{
    spa_csv c;
    pcache pc = { .n = 0 };
    int r, first = 1, fm = 0, fa = 1, fs = 2;
    size_t errors = 0, cap = 0;
    *rows = NULL;
    *nrows = 0;
    spa_csv_init(&c, csv, len);
    while ((r = spa_csv_next(&c)) == 1) {
        char mac[13];
        if (first) {
            first = 0;
            if (c.nf >= 2 && spa_mac_parse(c.f[1], mac) < 0 && spa_mac_parse(c.f[0], mac) < 0) {
                fm = fa = fs = -1;
                for (size_t i = 0; i < c.nf; i++) {
                    if (!strcasecmp(c.f[i], "model") || !strcasecmp(c.f[i], "product"))
                        fm = (int)i;
                    else if (!strcasecmp(c.f[i], "mac"))
                        fa = (int)i;
                    else if (!strcasecmp(c.f[i], "serial"))
                        fs = (int)i;
                }
                if (fm < 0 || fa < 0 || fs < 0) {
                    spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, 1, "csv-header",
                                 "the header must name the columns model, mac and serial");
                    errors++;
                    break;
                }
                continue;
            }
        }
        if (c.nf <= (size_t)fm || c.nf <= (size_t)fa || c.nf <= (size_t)fs) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, 0, "csv",
                         "expected the columns model, mac, serial");
            errors++;
            continue;
        }
        if (*nrows == cap) {
            size_t nc = cap ? cap * 2 : 256;
            brow *v = realloc(*rows, nc * sizeof *v);
            if (!v) {
                errors++;
                break;
            }
            *rows = v;
            cap = nc;
        }
        brow *b = &(*rows)[*nrows];
        memset(b, 0, sizeof *b);
        b->line = c.line;
        if (batch_product(&pc, c.f[fm], b->product, sizeof b->product, NULL) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, c.col[fm], "model",
                         "model: '%s' is not a known model or product name", c.f[fm]);
            errors++;
        }
        if (spa_mac_parse(c.f[fa], b->mac) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, c.col[fa], "mac",
                         "mac: '%s' is not a MAC address", c.f[fa]);
            errors++;
        }
        if (!*c.f[fs] || strlen(c.f[fs]) > 63 || !spa_value_is_ascii(c.f[fs], strlen(c.f[fs]))) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, c.col[fs], "serial",
                         "serial: '%s' must be 1 to 63 printable characters", c.f[fs]);
            errors++;
        }
        if (!(b->serial = strdup(c.f[fs])))
            errors++;
        (*nrows)++;
    }
    if (r < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, 0, "csv", "malformed CSV record");
        errors++;
    }
    spa_csv_free(&c);
    errors += batch_duplicates(*rows, *nrows, file, d);
    return errors ? -1 : 0;
}

/* A batch never replaces a unit's certificate or key: any file already
 * there is an error at the row that would write it. */
static size_t batch_existing(const brow *rows, size_t n, const char *file, const char *outdir,
                             spa_diags *d)
{
    static const char *const ext[2] = { "crt", "key" };
    char path[4096], name[32];
    struct stat sb;
    size_t errors = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "%s.%s", rows[i].mac, ext[k]);
            if (join(path, sizeof path, outdir, name) == 0 && lstat(path, &sb) == 0) {
                spa_diag_add(d, SPA_DIAG_ERROR, file, rows[i].line, 0, "mac",
                             "mac: %s already exists (remove it to issue again)", path);
                errors++;
            }
        }
    return errors;
}

long spa_ca_issue_batch(spa_ca *ca, const char *csv, size_t len, const char *file,
                        const char *outdir, const spa_issue_opts *o, spa_diags *d)
{
    spa_issue_opts def = { 0 };
    brow *rows;
    size_t n;
    long done = -1;
    spa_buf cert, key;
    char path[4096], name[32];
    if (!o)
        o = &def;
    if (!file)
        file = "<csv>";
    int bad = batch_rows(csv, len, file, &rows, &n, d);
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (bad < 0 || batch_existing(rows, n, file, outdir, d) > 0)
        goto out;
    if (mkdir(outdir, 0700) < 0 && errno != EEXIST) {
        spa_diag_error(d, "dir", "%s: cannot create: %s", outdir, strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        spa_device_subject s = { .product = rows[i].product, .serial = rows[i].serial,
                                 .mac = rows[i].mac };
        X509_NAME *nm = NULL;
        spa_buf_reset(&cert);
        spa_buf_reset(&key);
        if (device_name(&s, ca->org, rows[i].product, &nm, d) < 0)
            goto out;
        int rc = issue_leaf(ca, nm, "clientAuth", NULL, o, 7300, &cert, &key, d);
        X509_NAME_free(nm);
        if (rc < 0)
            goto out;
        snprintf(name, sizeof name, "%s.key", rows[i].mac);
        if (join(path, sizeof path, outdir, name) < 0 ||
            spa_write_private_file(path, key.data, key.len, 0600, d) < 0)
            goto out;
        snprintf(name, sizeof name, "%s.crt", rows[i].mac);
        if (join(path, sizeof path, outdir, name) < 0 ||
            spa_write_private_file(path, cert.data, cert.len, 0644, d) < 0)
            goto out;
    }
    done = (long)n;
out:
    if (key.data)
        OPENSSL_cleanse(key.data, key.cap);
    spa_buf_free(&key);
    spa_buf_free(&cert);
    for (size_t i = 0; i < n; i++)
        free(rows[i].serial);
    free(rows);
    return done;
}

/* ---- reading an identity back ---- */

static int name_text(X509_NAME *n, int nid, char *out, int size)
{
    out[0] = '\0';
    return X509_NAME_get_text_by_NID(n, nid, out, size) >= 0;
}

int spa_cert_identity(const struct x509_st *x, spa_cert_id *out, spa_diags *d)
{
    X509_NAME *n = X509_get_subject_name(x);
    char st[64];
    bool has_l, has_st;
    memset(out, 0, sizeof *out);
    if (!n || !name_text(n, NID_organizationalUnitName, out->product, sizeof out->product) ||
        !*out->product)
        return spa_diag_error(d, "certificate", "certificate: no OU (product): not a device certificate");
    name_text(n, NID_commonName, out->cn, sizeof out->cn);
    has_l = name_text(n, NID_localityName, out->serial, sizeof out->serial);
    has_st = name_text(n, NID_stateOrProvinceName, st, sizeof st);
    if (!has_l && !has_st) {
        out->generic = true;
        return 0;
    }
    if (!has_st || spa_mac_parse(st, out->mac) < 0) {
        memset(out, 0, sizeof *out);
        return spa_diag_error(d, "certificate", "certificate: ST (MAC) missing or not a MAC address");
    }
    if (!has_l || !*out->serial) {
        memset(out, 0, sizeof *out);
        return spa_diag_error(d, "certificate", "certificate: L (serial number) missing");
    }
    return 0;
}

int spa_cert_identity_pem(const char *pem, size_t len, spa_cert_id *out, spa_diags *d)
{
    BIO *b = BIO_new_mem_buf(pem, (int)(len > 1 << 20 ? 1 << 20 : len));
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int rc;
    BIO_free(b);
    if (!x) {
        memset(out, 0, sizeof *out);
        ERR_clear_error();
        return spa_diag_error(d, "certificate", "certificate: not a PEM certificate");
    }
    rc = spa_cert_identity(x, out, d);
    X509_free(x);
    return rc;
}

int spa_cert_identity_file(const char *path, spa_cert_id *out, spa_diags *d)
{
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    int rc;
    if (f)
        fclose(f);
    if (!x) {
        memset(out, 0, sizeof *out);
        ERR_clear_error();
        return spa_diag_error(d, "certificate", "%s: not a PEM certificate", path);
    }
    rc = spa_cert_identity(x, out, d);
    X509_free(x);
    return rc;
}

/* ---- describing a certificate (spaprov ca show / list) ---- */

const char *spa_cert_kind_name(spa_cert_kind k)
{
    static const char *const n[] = { "other", "root", "server", "device", "generic" };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "other";
}

static void name_rfc2253(X509_NAME *n, char *out, size_t size)
{
    BIO *b = BIO_new(BIO_s_mem());
    int len;
    out[0] = '\0';
    if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0 &&
        (len = BIO_read(b, out, (int)size - 1)) > 0)
        out[len] = '\0';
    BIO_free(b);
}

static void time_text(const ASN1_TIME *t, char *out, size_t size)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, size, "?");
}

/* Which root of ca_dir verifies x (any purpose): "server root", "client root" or "". */
static void verified_by(X509 *x, const char *ca_dir, char *out, size_t size)
{
    static const struct { const char *file, *name; } roots[2] = {
        { SPA_CA_SERVER_CERT, "server root" }, { SPA_CA_CLIENT_CERT, "client root" } };
    out[0] = '\0';
    for (int i = 0; i < 2 && ca_dir && !out[0]; i++) {
        char path[4096];
        X509_STORE *st = X509_STORE_new();
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (st && ctx && join(path, sizeof path, ca_dir, roots[i].file) == 0 &&
            X509_STORE_load_file(st, path) == 1 && X509_STORE_CTX_init(ctx, st, x, NULL) == 1 &&
            X509_verify_cert(ctx) == 1)
            snprintf(out, size, "%s", roots[i].name);
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(st);
    }
    ERR_clear_error();
}

static void key_text(X509 *x, char *out, size_t size)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    char group[64];
    size_t gl = 0;
    if (!k)
        snprintf(out, size, "?");
    else if (EVP_PKEY_is_a(k, "RSA"))
        snprintf(out, size, "rsa%d", EVP_PKEY_get_bits(k));
    else if (EVP_PKEY_is_a(k, "EC") &&
             EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &gl) == 1)
        snprintf(out, size, "%.20s", strcmp(group, "prime256v1") == 0 ? "ec-p256" : group);
    else
        snprintf(out, size, "%.20s", EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "?");
}

int spa_cert_info_file(const char *path, const char *ca_dir, spa_cert_info *out, spa_diags *d)
{
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (f)
        fclose(f);
    memset(out, 0, sizeof *out);
    if (!x) {
        ERR_clear_error();
        return spa_diag_error(d, "certificate", "%s: not a PEM certificate", path);
    }
    name_rfc2253(X509_get_subject_name(x), out->subject, sizeof out->subject);
    name_rfc2253(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    time_text(X509_get0_notBefore(x), out->not_before, sizeof out->not_before);
    time_text(X509_get0_notAfter(x), out->not_after, sizeof out->not_after);
    key_text(x, out->key_type, sizeof out->key_type);
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
        for (unsigned i = 0; i < mdlen && 3 * i + 3 <= sizeof out->sha256; i++)
            snprintf(out->sha256 + 3 * i, 4, i + 1 < mdlen ? "%02X:" : "%02X", md[i]);
    if (X509_check_ca(x) > 0)
        out->kind = SPA_CERT_ROOT;
    else if (X509_get_extended_key_usage(x) & XKU_SSL_SERVER)
        out->kind = SPA_CERT_SERVER;
    else if (spa_cert_identity(x, &out->id, NULL) == 0)
        out->kind = out->id.generic ? SPA_CERT_GENERIC : SPA_CERT_DEVICE;
    verified_by(x, ca_dir, out->verified_by, sizeof out->verified_by);
    X509_free(x);
    ERR_clear_error();
    return 0;
}
