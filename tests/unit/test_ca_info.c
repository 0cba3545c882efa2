/* test_ca_info.c — what `spaprov ca show/list` and spasim's $CCERT read
 * from certificate files (spa_cert_info_file, spa_cert_identity_file): the
 * kind of each certificate the CA issues, its identity, the root that
 * verifies it (and none for another CA's), and the batch's refusal to
 * replace a unit's existing files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "spaprov/ca.h"

typedef struct fx {
    char dir[256], ca[300], other[300];
    spa_diags d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    tu_tmpdir(f->dir, sizeof f->dir);
    snprintf(f->ca, sizeof f->ca, "%s/ca", f->dir);
    snprintf(f->other, sizeof f->other, "%s/other", f->dir);
    spa_diags_init(&f->d);
    assert_int_equal(spa_ca_init(f->ca, &(spa_ca_init_opts){ .org = "T" }, &f->d), 0);
    assert_int_equal(spa_ca_init(f->other, &(spa_ca_init_opts){ .org = "O" }, &f->d), 0);
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

/* Issue with the given root of dir and write the certificate to path. */
static void issue(fx *f, const char *dir, const spa_device_subject *s, const char *cn,
                  const char *path)
{
    spa_buf cert, key;
    spa_ca *ca = spa_ca_load(dir, s ? SPA_CA_CLIENT : SPA_CA_SERVER, NULL, &f->d);
    assert_non_null(ca);
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (s)
        assert_int_equal(spa_ca_issue_device(ca, s, NULL, &cert, &key, &f->d), 0);
    else
        assert_int_equal(spa_ca_issue_server(ca, cn, NULL, &cert, &key, &f->d), 0);
    assert_int_equal(spa_write_private_file(path, cert.data, cert.len, 0644, &f->d), 0);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    spa_ca_free(ca);
}

static void test_kinds_and_roots(void **state)
{
    fx *f = *state;
    char p[400];
    spa_cert_info ci;
    spa_cert_id id;
    spa_device_subject unit = { .product = "SPA2102", .mac = "00:0E:08:AA:BB:CC", .serial = "S1" };
    spa_device_subject gen = { .product = "SPA2102", .generic = true };

    snprintf(p, sizeof p, "%s/%s", f->ca, SPA_CA_SERVER_CERT);
    assert_int_equal(spa_cert_info_file(p, f->ca, &ci, &f->d), 0);
    assert_int_equal(ci.kind, SPA_CERT_ROOT);
    assert_string_equal(ci.verified_by, "server root");
    assert_string_equal(ci.key_type, "ec-p256");
    assert_string_equal(ci.subject, "CN=T Provisioning Server Root CA,O=T");
    assert_int_equal(strlen(ci.sha256), 95);

    snprintf(p, sizeof p, "%s/srv.crt", f->dir);
    issue(f, f->ca, NULL, "prov.example.net/info", p);
    assert_int_equal(spa_cert_info_file(p, f->ca, &ci, &f->d), 0);
    assert_int_equal(ci.kind, SPA_CERT_SERVER);
    assert_string_equal(ci.verified_by, "server root");
    assert_string_equal(spa_cert_kind_name(ci.kind), "server");

    snprintf(p, sizeof p, "%s/unit.crt", f->dir);
    issue(f, f->ca, &unit, NULL, p);
    assert_int_equal(spa_cert_info_file(p, f->ca, &ci, &f->d), 0);
    assert_int_equal(ci.kind, SPA_CERT_DEVICE);
    assert_string_equal(ci.id.mac, "000e08aabbcc");
    assert_string_equal(ci.id.serial, "S1");
    assert_string_equal(ci.verified_by, "client root");
    assert_int_equal(spa_cert_info_file(p, f->other, &ci, &f->d), 0);
    assert_string_equal(ci.verified_by, "");      /* another CA's roots */
    assert_int_equal(spa_cert_info_file(p, NULL, &ci, &f->d), 0);
    assert_string_equal(ci.verified_by, "");
    assert_int_equal(spa_cert_identity_file(p, &id, &f->d), 0);
    assert_false(id.generic);

    snprintf(p, sizeof p, "%s/gen.crt", f->dir);
    issue(f, f->ca, &gen, NULL, p);
    assert_int_equal(spa_cert_info_file(p, f->ca, &ci, &f->d), 0);
    assert_int_equal(ci.kind, SPA_CERT_GENERIC);
    assert_string_equal(ci.id.product, "SPA-2102");
    assert_int_equal(spa_cert_identity_file(p, &id, &f->d), 0);
    assert_true(id.generic);

    snprintf(p, sizeof p, "%s/none.crt", f->dir);
    assert_int_equal(spa_cert_info_file(p, f->ca, &ci, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "none.crt: not a PEM certificate"));
    assert_int_equal(spa_cert_identity_file(p, &id, NULL), -1);
}

static void test_batch_never_replaces(void **state)
{
    fx *f = *state;
    const char *csv = "SPA2102,000e08000001,A\nSPA2102,000e08000002,B\n";
    char out[400], p[500];
    struct stat sb;
    spa_ca *ca = spa_ca_load(f->ca, SPA_CA_CLIENT, NULL, &f->d);
    assert_non_null(ca);
    snprintf(out, sizeof out, "%s/fleet", f->dir);
    assert_int_equal(mkdir(out, 0700), 0);
    tu_write(out, "000e08000002.key", "precious\n", p, sizeof p);
    assert_int_equal(spa_ca_issue_batch(ca, csv, strlen(csv), "f.csv", out, NULL, &f->d), -1);
    assert_true(tu_diags_contain(&f->d, "f.csv:2: error: mac:"));
    assert_true(tu_diags_contain(&f->d, "000e08000002.key already exists"));
    snprintf(p, sizeof p, "%s/000e08000001.crt", out);
    assert_int_equal(stat(p, &sb), -1);       /* nothing written */
    snprintf(p, sizeof p, "%s/000e08000002.key", out);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 9);          /* and the existing file untouched */
    spa_ca_free(ca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kinds_and_roots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_never_replaces, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
