/* spa_catool — command-line access to lib/ca.c for tests/integration/ca_openssl.sh
 * (until the spaprov admin CLI wraps it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/ca.h"
#include "spaprov/profile.h"

static int done(spa_diags *d, int rc)
{
    spa_diags_print(d, stderr);
    spa_diags_free(d);
    return rc;
}

static int save(const char *prefix, spa_buf *cert, spa_buf *key, spa_diags *d)
{
    char p[4096];
    snprintf(p, sizeof p, "%s.crt", prefix);
    if (spa_write_private_file(p, cert->data, cert->len, 0644, d) < 0)
        return -1;
    snprintf(p, sizeof p, "%s.key", prefix);
    return spa_write_private_file(p, key->data, key->len, 0600, d);
}

int main(int argc, char **argv)
{
    spa_diags d;
    spa_buf cert, key;
    const char *pass = getenv("CA_PASS");
    spa_diags_init(&d);
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (argc >= 3 && !strcmp(argv[1], "init")) {
        spa_ca_init_opts o = { .passphrase = pass, .org = "Example Telco" };
        if (argc > 3 && spa_key_type_parse(argv[3], &o.key_type) < 0)
            return 2;
        return done(&d, spa_ca_init(argv[2], &o, &d) ? 1 : 0);
    }
    if (argc < 3)
        return 2;
    int server = !strcmp(argv[1], "server");
    spa_ca *ca = spa_ca_load(argv[2], server ? SPA_CA_SERVER : SPA_CA_CLIENT, pass, &d);
    if (!ca)
        return done(&d, 1);
    int rc = 1;
    if (server && argc == 5) {
        rc = spa_ca_issue_server(ca, argv[3], NULL, &cert, &key, &d) || save(argv[4], &cert, &key, &d);
    } else if (!strcmp(argv[1], "device") && argc == 7) {
        spa_device_subject s = { .product = argv[3], .mac = argv[4], .serial = argv[5] };
        rc = spa_ca_issue_device(ca, &s, NULL, &cert, &key, &d) || save(argv[6], &cert, &key, &d);
    } else if (!strcmp(argv[1], "generic") && argc == 5) {
        spa_device_subject s = { .product = argv[3], .generic = true };
        rc = spa_ca_issue_device(ca, &s, NULL, &cert, &key, &d) || save(argv[4], &cert, &key, &d);
    } else if (!strcmp(argv[1], "batch") && argc == 5) {
        spa_buf csv;
        spa_buf_init(&csv);
        if (spa_read_file(argv[3], &csv, &d) == 0) {
            long n = spa_ca_issue_batch(ca, csv.data, csv.len, argv[3], argv[4], NULL, &d);
            printf("%ld\n", n);
            rc = n < 0;
        }
        spa_buf_free(&csv);
    } else if (!strcmp(argv[1], "id") && argc == 4) {
        spa_buf pem;
        spa_cert_id id;
        spa_buf_init(&pem);
        if (spa_read_file(argv[3], &pem, &d) == 0 && spa_cert_identity_pem(pem.data, pem.len, &id, &d) == 0) {
            printf("product=%s serial=%s mac=%s generic=%d\n", id.product, id.serial, id.mac, id.generic);
            rc = 0;
        }
        spa_buf_free(&pem);
    }
    spa_ca_free(ca);
    spa_buf_free(&cert);
    spa_buf_free(&key);
    return done(&d, rc);
}
