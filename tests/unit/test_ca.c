/* test_ca.c — the two roots (files, modes, refusal to overwrite), the
 * guide's CN rule, server and device certificates verified against their
 * root with OpenSSL's own chain check, identities read back (unique and
 * generic), passphrase-protected keys, RSA keys, and batch issuing that
 * writes nothing when a row is bad. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "testutil.h"
#include "spaprov/ca.h"

typedef struct fx {
    char dir[256];
    char ca[300];
    spa_diags d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->ca, sizeof f->ca, "%s/ca", f->dir);
    spa_diags_init(&f->d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    spa_diags_free(&f->d);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static unsigned mode_of(const char *dir, const char *name)
{
    char p[600];
    struct stat sb;
    assert_true(snprintf(p, sizeof p, "%s/%s", dir, name) < (int)sizeof p);
    assert_int_equal(stat(p, &sb), 0);
    return (unsigned)(sb.st_mode & 0777);
}

static X509 *read_cert_file(const char *dir, const char *name)
{
    char p[600];
    assert_true(snprintf(p, sizeof p, "%s/%s", dir, name) < (int)sizeof p);
    FILE *fp = fopen(p, "r");
    assert_non_null(fp);
    X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(x);
    return x;
}

static X509 *pem_x509(const spa_buf *b)
{
    BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(x);
    return x;
}

/* OpenSSL's chain verification of leaf against root, for purpose. */
static int verify(X509 *root, X509 *leaf, int purpose)
{
    X509_STORE *s = X509_STORE_new();
    X509_STORE_CTX *c = X509_STORE_CTX_new();
    int ok;
    X509_STORE_add_cert(s, root);
    X509_STORE_CTX_init(c, s, leaf, NULL);
    X509_STORE_CTX_set_purpose(c, purpose);
    ok = X509_verify_cert(c);
    X509_STORE_CTX_free(c);
    X509_STORE_free(s);
    return ok;
}

static void subject(X509 *x, char *out, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    int k = BIO_read(b, out, (int)n - 1);
    out[k > 0 ? k : 0] = '\0';
    BIO_free(b);
}

static void test_cn_rule(void **state)
{
    (void)state;
    char fq[256], why[256];
    assert_int_equal(spa_cn_check("sprov.callme.com", fq, sizeof fq, why, sizeof why), 0);
    assert_string_equal(fq, "sprov.callme.com");
    assert_int_equal(spa_cn_check("pv.telco.net/mailto:admin@telco.net", fq, sizeof fq, why, sizeof why), 0);
    assert_string_equal(fq, "pv.telco.net");
    assert_int_equal(spa_cn_check("prof.voice.com/info@voice.com", fq, sizeof fq, why, sizeof why), 0);
    assert_string_equal(fq, "prof.voice.com");
    assert_int_equal(spa_cn_check("localhost", fq, sizeof fq, why, sizeof why), 0);
    assert_int_equal(spa_cn_check("192.168.1.10", fq, sizeof fq, why, sizeof why), -1);
    assert_non_null(strstr(why, "is an address"));
    assert_int_equal(spa_cn_check("prov", fq, sizeof fq, why, sizeof why), -1);
    assert_non_null(strstr(why, "not fully qualified"));
    assert_int_equal(spa_cn_check("bad_host.example.com", fq, sizeof fq, why, sizeof why), -1);
    assert_non_null(strstr(why, "'_' is not allowed"));
    assert_int_equal(spa_cn_check("-a.example.com", fq, sizeof fq, why, sizeof why), -1);
    assert_int_equal(spa_cn_check("a..example.com", fq, sizeof fq, why, sizeof why), -1);
    assert_int_equal(spa_cn_check("/info", fq, sizeof fq, why, sizeof why), -1);
    assert_int_equal(spa_cn_check("", fq, sizeof fq, why, sizeof why), -1);
}

static void test_init_files_and_modes(void **state)
{
    fx *f = *state;
    spa_ca_init_opts o = { .org = "Example Telco" };
    assert_int_equal(spa_ca_init(f->ca, &o, &f->d), 0);
    assert_int_equal(mode_of(f->ca, SPA_CA_SERVER_KEY), 0600);
    assert_int_equal(mode_of(f->ca, SPA_CA_CLIENT_KEY), 0600);
    assert_int_equal(mode_of(f->ca, SPA_CA_SERVER_CERT), 0644);
    assert_int_equal(mode_of(f->dir, "ca"), 0700);
    X509 *s = read_cert_file(f->ca, SPA_CA_SERVER_CERT);
    X509 *c = read_cert_file(f->ca, SPA_CA_CLIENT_CERT);
    char sub[256];
    subject(s, sub, sizeof sub);
    assert_string_equal(sub, "CN=Example Telco Provisioning Server Root CA,O=Example Telco");
    subject(c, sub, sizeof sub);
    assert_string_equal(sub, "CN=Example Telco Client Root CA,O=Example Telco");
    assert_int_equal(X509_check_ca(s), 1);
    assert_int_equal(verify(s, s, X509_PURPOSE_ANY), 1);
    /* the two roots are distinct: one does not vouch for the other */
    assert_int_equal(verify(s, c, X509_PURPOSE_ANY), 0);
    X509_free(s);
    X509_free(c);
    /* not overwritten by accident */
    assert_int_equal(spa_ca_init(f->ca, &o, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "a CA already exists here"));
    o.force = true;
    assert_int_equal(spa_ca_init(f->ca, &o, &f->d), 0);
}

static void test_server_certificate(void **state)
{
    fx *f = *state;
    spa_buf cert, key;
    assert_int_equal(spa_ca_init(f->ca, NULL, &f->d), 0);
    spa_ca *ca = spa_ca_load(f->ca, SPA_CA_SERVER, NULL, &f->d);
    assert_non_null(ca);
    spa_buf_init(&cert);
    spa_buf_init(&key);
    assert_int_equal(spa_ca_issue_server(ca, "pv.telco.net/mailto:admin@telco.net", NULL, &cert, &key, &f->d), 0);
    X509 *x = pem_x509(&cert);
    X509 *root = read_cert_file(f->ca, SPA_CA_SERVER_CERT);
    X509 *croot = read_cert_file(f->ca, SPA_CA_CLIENT_CERT);
    char sub[256];
    subject(x, sub, sizeof sub);
    assert_string_equal(sub, "CN=pv.telco.net/mailto:admin@telco.net,O=spaprov");
    assert_int_equal(verify(root, x, X509_PURPOSE_SSL_SERVER), 1);
    assert_int_equal(verify(croot, x, X509_PURPOSE_SSL_SERVER), 0);
    assert_int_equal(X509_check_host(x, "pv.telco.net", 0, 0, NULL), 1);   /* from the SAN */
    assert_int_equal(X509_check_host(x, "other.telco.net", 0, 0, NULL), 0);
    assert_non_null(strstr(key.data, "-----BEGIN PRIVATE KEY-----"));
    X509_free(x);
    assert_int_equal(spa_ca_issue_server(ca, "10.0.0.1", NULL, &cert, &key, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "cn: '10.0.0.1' is an address"));
    X509_free(root);
    X509_free(croot);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    spa_ca_free(ca);
}

static void test_device_certificates(void **state)
{
    fx *f = *state;
    spa_buf cert, key;
    spa_cert_id id;
    char sub[256];
    assert_int_equal(spa_ca_init(f->ca, NULL, &f->d), 0);
    spa_ca *ca = spa_ca_load(f->ca, SPA_CA_CLIENT, NULL, &f->d);
    assert_non_null(ca);
    X509 *root = read_cert_file(f->ca, SPA_CA_CLIENT_CERT);
    spa_buf_init(&cert);
    spa_buf_init(&key);

    spa_device_subject s = { .product = "spa2102", .serial = "88012BA01234", .mac = "00:0E:08:AA:BB:CC" };
    assert_int_equal(spa_ca_issue_device(ca, &s, NULL, &cert, &key, &f->d), 0);
    X509 *x = pem_x509(&cert);
    subject(x, sub, sizeof sub);
    assert_string_equal(sub, "CN=000e08aabbcc,ST=000e08aabbcc,L=88012BA01234,OU=SPA-2102,O=spaprov");
    assert_int_equal(verify(root, x, X509_PURPOSE_SSL_CLIENT), 1);
    assert_int_equal(spa_cert_identity(x, &id, &f->d), 0);
    assert_string_equal(id.product, "SPA-2102");
    assert_string_equal(id.serial, "88012BA01234");
    assert_string_equal(id.mac, "000e08aabbcc");
    assert_false(id.generic);
    X509_free(x);

    /* the pre-2.0 generic certificate: OU only */
    spa_buf_reset(&cert);
    spa_buf_reset(&key);
    spa_device_subject g = { .product = "SPA-2102", .generic = true };
    assert_int_equal(spa_ca_issue_device(ca, &g, NULL, &cert, &key, &f->d), 0);
    assert_int_equal(spa_cert_identity_pem(cert.data, cert.len, &id, &f->d), 0);
    assert_true(id.generic);
    assert_string_equal(id.product, "SPA-2102");
    assert_string_equal(id.mac, "");
    assert_string_equal(id.cn, "SPA-2102 generic");

    /* bad fields are named */
    spa_device_subject bad = { .product = "SPA2102", .serial = "1", .mac = "00:0E" };
    assert_int_equal(spa_ca_issue_device(ca, &bad, NULL, &cert, &key, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "mac: '00:0E' is not a MAC address"));
    spa_device_subject bad2 = { .product = "SPA7777", .serial = "1", .mac = "000e08aabbcc" };
    assert_int_equal(spa_ca_issue_device(ca, &bad2, NULL, &cert, &key, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "product: 'SPA7777'"));

    /* a server certificate is not a device certificate */
    spa_ca *sca = spa_ca_load(f->ca, SPA_CA_SERVER, NULL, &f->d);
    spa_buf_reset(&cert);
    assert_int_equal(spa_ca_issue_server(sca, "prov.example.net", NULL, &cert, &key, &f->d), 0);
    assert_int_equal(spa_cert_identity_pem(cert.data, cert.len, &id, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "not a device certificate"));
    spa_ca_free(sca);

    X509_free(root);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    spa_ca_free(ca);
}

static void test_passphrase_and_rsa(void **state)
{
    fx *f = *state;
    spa_ca_init_opts o = { .passphrase = "correct horse", .key_type = SPA_KEY_RSA2048 };
    char p[600];
    spa_buf b;
    assert_int_equal(spa_ca_init(f->ca, &o, &f->d), 0);
    snprintf(p, sizeof p, "%s/%s", f->ca, SPA_CA_CLIENT_KEY);
    spa_buf_init(&b);
    assert_int_equal(spa_read_file(p, &b, &f->d), 0);
    assert_non_null(strstr(b.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    spa_buf_free(&b);
    assert_null(spa_ca_load(f->ca, SPA_CA_CLIENT, NULL, &f->d));
    assert_true(tu_diags_contain(&f->d, "a passphrase is needed"));
    assert_null(spa_ca_load(f->ca, SPA_CA_CLIENT, "wrong", &f->d));
    assert_true(tu_diags_contain(&f->d, "wrong passphrase"));
    spa_ca *ca = spa_ca_load(f->ca, SPA_CA_CLIENT, "correct horse", &f->d);
    assert_non_null(ca);

    spa_buf cert, key;
    spa_buf_init(&cert);
    spa_buf_init(&key);
    spa_issue_opts io = { .key_type = SPA_KEY_RSA2048 };
    spa_device_subject s = { .product = "PAP2T", .serial = "SN1", .mac = "000e08000001" };
    assert_int_equal(spa_ca_issue_device(ca, &s, &io, &cert, &key, &f->d), 0);
    X509 *x = pem_x509(&cert);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_RSA);
    assert_int_equal(EVP_PKEY_get_bits(pk), 2048);
    X509 *root = read_cert_file(f->ca, SPA_CA_CLIENT_CERT);
    assert_int_equal(verify(root, x, X509_PURPOSE_SSL_CLIENT), 1);
    X509_free(root);
    X509_free(x);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    spa_ca_free(ca);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_batch(void **state)
{
    fx *f = *state;
    char out[600];
    spa_buf csv;
    spa_cert_id id;
    assert_int_equal(spa_ca_init(f->ca, NULL, &f->d), 0);
    spa_ca *ca = spa_ca_load(f->ca, SPA_CA_CLIENT, NULL, &f->d);
    snprintf(out, sizeof out, "%s/certs", f->dir);

    static const char bad[] = "model,mac,serial\nSPA2102,000e08000001,SN1\nSPA2102,nope,SN2\n";
    assert_int_equal(spa_ca_issue_batch(ca, bad, strlen(bad), "b.csv", out, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "b.csv:3:9: error: mac: 'nope' is not a MAC address"));
    assert_int_equal(count_files(out), 0);

    static const char dup[] = "SPA2102,000e08000001,SN1\nPAP2T,00:0e:08:00:00:01,SN2\n";
    assert_int_equal(spa_ca_issue_batch(ca, dup, strlen(dup), "dup.csv", out, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "dup.csv:2: error: mac: 000e08000001 is listed twice (first on line 1)"));
    assert_int_equal(count_files(out), 0);

    spa_buf_init(&csv);
    spa_buf_puts(&csv, "model,mac,serial\n");
    for (int i = 0; i < 200; i++)
        spa_buf_printf(&csv, "%s,00:0e:08:00:%02x:%02x,SN%04d\n", i % 2 ? "SPA2102" : "SPA941",
                       i / 256, i % 256, i);
    assert_int_equal(spa_ca_issue_batch(ca, csv.data, csv.len, "fleet.csv", out, NULL, &f->d), 200);
    assert_int_equal(count_files(out), 400);
    assert_int_equal(mode_of(out, "000e080000c7.key"), 0600);
    X509 *x = read_cert_file(out, "000e080000c7.crt");
    X509 *root = read_cert_file(f->ca, SPA_CA_CLIENT_CERT);
    assert_int_equal(verify(root, x, X509_PURPOSE_SSL_CLIENT), 1);
    assert_int_equal(spa_cert_identity(x, &id, &f->d), 0);
    assert_string_equal(id.product, "SPA-2102");
    assert_string_equal(id.serial, "SN0199");
    assert_string_equal(id.mac, "000e080000c7");
    X509_free(x);
    X509_free(root);
    spa_buf_free(&csv);
    spa_ca_free(ca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cn_rule),
        cmocka_unit_test_setup_teardown(test_init_files_and_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_certificates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_and_rsa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
