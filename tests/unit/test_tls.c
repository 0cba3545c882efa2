/* test_tls.c — the guide's certificate rules and the TLS helpers: the CN rule
 * "FQDN[/anything]" as an accept/reject table, the peer-IP rule, certificates
 * made with spa_tls_make_cert (CA, server, device client certificates) read
 * back with exact subjects, device identification from the subject, file
 * modes, and context construction with good and bad files. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/pem.h>
#include "testutil.h"
#include "spaprov/tls.h"

typedef struct { const char *cn, *host; int want; } cn_case;

static void test_cn_rule(void **st)
{
    static const cn_case t[] = {
        {"sprov.callme.com", "sprov.callme.com", 1},
        {"pv.telco.net/mailto:admin@telco.net", "pv.telco.net", 1},
        {"prof.voice.com/info@voice.com", "prof.voice.com", 1},
        {"prof.voice.com/info", "prof.voice.com", 1},
        {"prof.voice.com/", "prof.voice.com", 1},
        {"SPROV.CallMe.COM", "sprov.callme.com", 1},
        {"sprov.callme.com", "SProv.CALLME.com", 1},
        {"sprov.callme.com.", "sprov.callme.com", 1},
        {"sprov.callme.com", "sprov.callme.com.", 1},
        {"sprov.callme.com", "callme.com", 0},
        {"callme.com", "sprov.callme.com", 0},
        {"sprov.callme.com.evil.net", "sprov.callme.com", 0},
        {"sprov.callme.co", "sprov.callme.com", 0},
        {"sprov.callme.comx/info", "sprov.callme.com", 0},
        {" sprov.callme.com", "sprov.callme.com", 0},
        {"sprov.callme.com info", "sprov.callme.com", 0},
        {"*.callme.com", "sprov.callme.com", 0},
        {"*.callme.com", "*.callme.com", 0},
        {"*", "sprov.callme.com", 0},
        {"", "sprov.callme.com", 0},
        {"/sprov.callme.com", "sprov.callme.com", 0},
        {"sprov.callme.com", "", 0},
        {"127.0.0.1", "127.0.0.1", 1},
        {"127.0.0.1/info", "127.0.0.1", 1},
        {"127.0.0.2", "127.0.0.1", 0},
        {"127.0.0.01", "127.0.0.1", 0},
        {"localhost", "127.0.0.1", 0},
        {"127.0.0.1", "localhost", 0},
        {"::1", "::1", 1},
        {"0:0:0:0:0:0:0:1", "::1", 1},
        {"[::1]", "::1", 1},
        {"::1", "127.0.0.1", 0},
        {"localhost", "localhost", 1},
    };
    size_t i;
    (void)st;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = spa_tls_cn_matches(t[i].cn, t[i].host);
        if (got != t[i].want)
            fail_msg("CN '%s' host '%s': got %d want %d", t[i].cn, t[i].host, got, t[i].want);
    }
    assert_int_equal(spa_tls_cn_matches(NULL, "a"), 0);
    assert_int_equal(spa_tls_cn_matches("a", NULL), 0);
}

static void sin4(struct sockaddr_storage *ss, const char *ip, unsigned port)
{
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    memset(ss, 0, sizeof *ss);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
}

static void sin6(struct sockaddr_storage *ss, const char *ip, unsigned port)
{
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
}

static void test_peer_ip(void **st)
{
    struct sockaddr_storage list[3], peer;
    (void)st;

    sin4(&list[0], "127.0.0.2", 80);
    sin4(&list[1], "127.0.0.3", 80);
    sin6(&list[2], "::1", 80);
    sin4(&peer, "127.0.0.3", 5555); /* port does not matter */
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 3), 1);
    sin4(&peer, "127.0.0.4", 80);
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 3), 0);
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 0), 0);
    sin6(&peer, "::ffff:127.0.0.2", 1); /* mapped equals plain IPv4 */
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 3), 1);
    sin6(&peer, "::1", 1);
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 3), 1);
    assert_int_equal(spa_tls_check_peer_ip((struct sockaddr *)&peer, list, 2), 0);
    assert_int_equal(spa_tls_check_peer_ip(NULL, list, 3), 0);
}

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;
    assert_non_null(f);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void test_make_and_subject(void **st)
{
    char dir[256], ca[300], cakey[300], crt[300], key[300], gen[300], genkey[300];
    static const char *const ca_subj[] = {"CN", "Test SPA Client CA", "O", "spaprov tests", NULL};
    static const char *const dev_subj[] = {"C", "US", "ST", "000E08AABBCC", "L", "88012BA01234",
                                           "O", "Linksys", "OU", "SPA2102",
                                           "CN", "SPA2102-88012BA01234", NULL};
    static const char *const gen_subj[] = {"OU", "SPA2102", "CN", "generic SPA client", NULL};
    static const char *const srv_subj[] = {"CN", "pv.telco.net/mailto:admin@telco.net", NULL};
    spa_tls_certspec spec = {ca_subj, NULL, 1, 0, 30, SPA_TLS_KEY_EC_P256};
    spa_cert_subject s;
    spa_diags d;
    struct stat sb;
    char why[200];
    X509 *x;
    (void)st;

    spa_diags_init(&d);
    tu_tmpdir(dir, sizeof dir);
    path_in(ca, sizeof ca, dir, "ca.pem");
    path_in(cakey, sizeof cakey, dir, "ca.key");
    path_in(crt, sizeof crt, dir, "dev.pem");
    path_in(key, sizeof key, dir, "dev.key");
    path_in(gen, sizeof gen, dir, "gen.pem");
    path_in(genkey, sizeof genkey, dir, "gen.key");
    assert_int_equal(spa_tls_make_cert(&spec, NULL, NULL, ca, cakey, &d), 0);
    assert_int_equal(stat(cakey, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(ca, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);

    spec.subject = dev_subj;
    spec.is_ca = 0;
    spec.client = 1;
    spec.key = SPA_TLS_KEY_RSA2048;
    assert_int_equal(spa_tls_make_cert(&spec, ca, cakey, crt, key, &d), 0);
    x = load_cert(crt);
    assert_int_equal(spa_tls_subject(x, &s), 0);
    assert_string_equal(s.ou, "SPA2102");
    assert_string_equal(s.l, "88012BA01234");
    assert_string_equal(s.st, "000E08AABBCC");
    assert_string_equal(s.mac, "000e08aabbcc");
    assert_string_equal(s.cn, "SPA2102-88012BA01234");
    assert_string_equal(s.o, "Linksys");
    assert_string_equal(s.issuer_cn, "Test SPA Client CA");
    assert_int_equal(s.generic, 0);
    X509_free(x);

    spec.subject = gen_subj;
    assert_int_equal(spa_tls_make_cert(&spec, ca, cakey, gen, genkey, &d), 0);
    x = load_cert(gen);
    assert_int_equal(spa_tls_subject(x, &s), 0);
    assert_string_equal(s.ou, "SPA2102");
    assert_string_equal(s.l, "");
    assert_string_equal(s.mac, "");
    assert_int_equal(s.generic, 1);
    X509_free(x);

    /* the CN rule read from a real certificate */
    spec.subject = srv_subj;
    spec.client = 0;
    spec.san = "DNS:pv.telco.net";
    assert_int_equal(spa_tls_make_cert(&spec, ca, cakey, crt, key, &d), 0);
    x = load_cert(crt);
    assert_int_equal(spa_tls_check_cn(x, "pv.telco.net", why, sizeof why), 1);
    assert_int_equal(spa_tls_check_cn(x, "PV.TELCO.NET", why, sizeof why), 1);
    assert_int_equal(spa_tls_check_cn(x, "telco.net", why, sizeof why), 0);
    assert_string_equal(why, "CN=pv.telco.net/mailto:admin@telco.net");
    X509_free(x);
    assert_int_equal(d.errors, 0);

    /* bad input: odd subject list, CA without key, unreadable CA */
    {
        static const char *const odd[] = {"CN", NULL};
        static const char *const badname[] = {"NOSUCHFIELD", "x", NULL};
        spec.subject = odd;
        assert_int_equal(spa_tls_make_cert(&spec, NULL, NULL, crt, key, &d), -1);
        spec.subject = badname;
        assert_int_equal(spa_tls_make_cert(&spec, NULL, NULL, crt, key, &d), -1);
        spec.subject = dev_subj;
        assert_int_equal(spa_tls_make_cert(&spec, ca, NULL, crt, key, &d), -1);
        assert_int_equal(spa_tls_make_cert(&spec, "/nonexistent/ca.pem", cakey, crt, key, &d), -1);
        assert_true(tu_diags_contain(&d, "/nonexistent/ca.pem"));
        /* a mismatched CA key is refused */
        assert_int_equal(spa_tls_make_cert(&spec, ca, key, gen, genkey, &d), -1);
        assert_true(tu_diags_contain(&d, "does not match"));
    }
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void test_mac_forms_in_st(void **st)
{
    static const struct { const char *st; const char *mac; } t[] = {
        {"000e08aabbcc", "000e08aabbcc"}, {"00:0E:08:AA:BB:CC", "000e08aabbcc"},
        {"00-0e-08-aa-bb-cc", "000e08aabbcc"}, {"00:0e:08-aa:bb:cc", ""},
        {"000e08aabbc", ""}, {"000e08aabbccd", ""}, {"California", ""}, {"", ""},
    };
    char dir[256], crt[300], key[300];
    size_t i;
    spa_diags d;
    (void)st;

    spa_diags_init(&d);
    tu_tmpdir(dir, sizeof dir);
    path_in(crt, sizeof crt, dir, "c.pem");
    path_in(key, sizeof key, dir, "c.key");
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *subj[] = {"CN", "dev", t[i].st[0] ? "ST" : NULL, t[i].st, NULL};
        spa_tls_certspec spec = {subj, NULL, 0, 1, 1, SPA_TLS_KEY_EC_P256};
        spa_cert_subject s;
        X509 *x;
        assert_int_equal(spa_tls_make_cert(&spec, NULL, NULL, crt, key, &d), 0);
        x = load_cert(crt);
        assert_int_equal(spa_tls_subject(x, &s), 0);
        assert_string_equal(s.mac, t[i].mac);
        assert_int_equal(s.generic, t[i].mac[0] == '\0');
        X509_free(x);
    }
    spa_diags_free(&d);
    tu_rmtree(dir);
}

static void test_contexts(void **st)
{
    char dir[256], crt[300], key[300], other[300], otherkey[300];
    spa_diags d;
    SSL_CTX *ctx;
    (void)st;

    spa_diags_init(&d);
    tu_tmpdir(dir, sizeof dir);
    path_in(crt, sizeof crt, dir, "s.pem");
    path_in(key, sizeof key, dir, "s.key");
    path_in(other, sizeof other, dir, "o.pem");
    path_in(otherkey, sizeof otherkey, dir, "o.key");
    assert_int_equal(spa_tls_make_selfsigned(crt, key, SPA_TLS_KEY_EC_P256, &d), 0);
    assert_int_equal(spa_tls_make_selfsigned(other, otherkey, SPA_TLS_KEY_RSA2048, &d), 0);
    {
        spa_tls_server_opts so = {crt, key, NULL, 0, 0};
        ctx = spa_tls_server_ctx(&so, &d);
        assert_non_null(ctx);
        assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
        SSL_CTX_free(ctx);
        so.legacy = 1;
        so.client_ca_file = other;
        so.require_client_cert = 1;
        ctx = spa_tls_server_ctx(&so, &d);
        assert_non_null(ctx);
        assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_VERSION);
        assert_int_equal(SSL_CTX_get_verify_mode(ctx),
                         SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
        SSL_CTX_free(ctx);
        assert_int_equal(d.errors, 0);
        /* key of another certificate */
        so.key_file = otherkey;
        assert_null(spa_tls_server_ctx(&so, &d));
        assert_true(tu_diags_contain(&d, "does not match"));
        so.key_file = "/nonexistent.key";
        assert_null(spa_tls_server_ctx(&so, &d));
        assert_true(tu_diags_contain(&d, "/nonexistent.key"));
        so.cert_file = NULL;
        assert_null(spa_tls_server_ctx(&so, &d));
    }
    {
        spa_tls_client_opts co = {crt, NULL, NULL, 0};
        ctx = spa_tls_client_ctx(&co, &d);
        assert_non_null(ctx);
        assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
        SSL_CTX_free(ctx);
        co.cert_file = other;
        co.key_file = otherkey;
        ctx = spa_tls_client_ctx(&co, &d);
        assert_non_null(ctx);
        SSL_CTX_free(ctx);
        co.ca_file = "/nonexistent-ca.pem";
        assert_null(spa_tls_client_ctx(&co, &d));
        assert_true(tu_diags_contain(&d, "/nonexistent-ca.pem"));
    }
    assert_string_equal(spa_tls_verify_name(SPA_TLS_VERIFY_CN), "cn-mismatch");
    assert_string_equal(spa_tls_verify_name(SPA_TLS_VERIFY_IP), "ip-mismatch");
    assert_string_equal(spa_tls_verify_name(SPA_TLS_VERIFY_CHAIN), "chain");
    spa_diags_free(&d);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cn_rule),
        cmocka_unit_test(test_peer_ip),
        cmocka_unit_test(test_make_and_subject),
        cmocka_unit_test(test_mac_forms_in_st),
        cmocka_unit_test(test_contexts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
