/* tls.h — TLS for the device emulator and the provisioning server: OpenSSL
 * contexts (server with optional client-certificate verification and an
 * opt-in legacy cipher list for old SPA firmware; client with trust anchors
 * and an optional client certificate), a certificate maker for zero-config
 * servers and tests, the guide's device-side server checks (the CN rule
 * "FQDN[/anything]" and the peer IP against a lookup of that name), and the
 * extraction of a device's identity from its client certificate subject. */
#ifndef SPAPROV_TLS_H
#define SPAPROV_TLS_H
#include <stddef.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "spaprov/diag.h"

/* Modern default: TLS 1.2+ (TLS 1.3 suites are OpenSSL's defaults). */
#define SPA_TLS_MODERN_CIPHERS \
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!DSS"
/* The guide's Table 1-2 suites that OpenSSL 3 still implements (0x0039,
 * 0x0035, 0x0033, 0x002f); RC4 and EXPORT suites no longer exist. */
#define SPA_TLS_LEGACY_CIPHERS \
    "DHE-RSA-AES256-SHA:AES256-SHA:DHE-RSA-AES128-SHA:AES128-SHA"

typedef enum { SPA_TLS_KEY_EC_P256 = 0, SPA_TLS_KEY_RSA2048 = 1 } spa_tls_keytype;

/* Server context options. */
typedef struct spa_tls_server_opts {
    const char *cert_file;      /* PEM chain, leaf first */
    const char *key_file;       /* PEM private key */
    const char *client_ca_file; /* NULL: no client certificate requested */
    int require_client_cert;    /* with client_ca_file: refuse handshakes without one */
    int legacy;                 /* also offer SPA_TLS_LEGACY_CIPHERS, TLS 1.0+ */
} spa_tls_server_opts;

/* Client context options. */
typedef struct spa_tls_client_opts {
    const char *ca_file;   /* trust anchors (PEM); NULL: nothing is trusted */
    const char *cert_file; /* optional client certificate chain */
    const char *key_file;  /* its key (NULL: taken from cert_file) */
    int legacy;            /* allow TLS 1.0+ and the legacy suites */
} spa_tls_client_opts;

/* Build a server SSL_CTX; NULL with a diagnostic naming the bad file. */
SSL_CTX *spa_tls_server_ctx(const spa_tls_server_opts *o, spa_diags *d);
/* Build a client SSL_CTX that verifies the server chain; NULL with a diagnostic. */
SSL_CTX *spa_tls_client_ctx(const spa_tls_client_opts *o, spa_diags *d);

/* What to put in a certificate. subject is a NULL-terminated list of
 * short-name/value pairs, e.g. {"CN","sprov.callme.com","OU","SPA2102",NULL}. */
typedef struct spa_tls_certspec {
    const char *const *subject;
    const char *san;      /* "IP:127.0.0.1,DNS:localhost"; NULL: none */
    int is_ca;            /* basicConstraints CA:TRUE, keyCertSign */
    int client;           /* extendedKeyUsage clientAuth (else serverAuth) */
    unsigned days;        /* validity; 0 = 825 */
    spa_tls_keytype key;
} spa_tls_certspec;

/* Make a key pair and a certificate signed by ca_cert/ca_key (both NULL:
 * self-signed); write cert_out (0644) and key_out (0600) as PEM, each via a
 * temporary file and rename. 0, or -1 with a diagnostic. */
int spa_tls_make_cert(const spa_tls_certspec *spec, const char *ca_cert_file,
                      const char *ca_key_file, const char *cert_out, const char *key_out,
                      spa_diags *d);
/* Zero-config server certificate: self-signed, CN=localhost, SAN
 * 127.0.0.1/::1/localhost. 0 or -1 with a diagnostic. */
int spa_tls_make_selfsigned(const char *cert_out, const char *key_out, spa_tls_keytype kt,
                            spa_diags *d);

/* ---- device-side server verification (guide ch.1) ------------------------ */

/* Why a server was refused. */
typedef enum {
    SPA_TLS_VERIFY_OK = 0,
    SPA_TLS_VERIFY_CHAIN,     /* chain does not lead to a trust anchor (or expired, ...) */
    SPA_TLS_VERIFY_CN,        /* subject CN is not "host" or "host/anything" */
    SPA_TLS_VERIFY_IP,        /* peer address is not among the name's addresses */
    SPA_TLS_VERIFY_HANDSHAKE  /* handshake failed for another reason */
} spa_tls_verify;

/* Name of a verify result: "ok", "chain", "cn-mismatch", "ip-mismatch", "handshake". */
const char *spa_tls_verify_name(spa_tls_verify v);

/* The CN rule on strings: cn equals host (DNS names compared without case,
 * one trailing dot ignored; IP literals compared as addresses), optionally
 * followed by '/' and anything. Wildcards are never accepted. 1 or 0. */
int spa_tls_cn_matches(const char *cn, const char *host);
/* The CN rule on a certificate (every CN entry of the subject is tried).
 * 1 or 0; why[n] gets the CN seen when it fails. */
int spa_tls_check_cn(X509 *cert, const char *host, char *why, size_t n);
/* The host name in a server certificate's first CN ("FQDN[/info]" gives
 * FQDN) into name[n], for an IP-literal URL whose server is checked by
 * resolving that name. 0, or -1 when there is none or it is not a name. */
int spa_tls_cn_name(X509 *cert, char *name, size_t n);
/* The IP rule: 1 if peer's address (port ignored; IPv4-mapped IPv6 equals
 * IPv4) is one of addrs[0..n), else 0. */
int spa_tls_check_peer_ip(const struct sockaddr *peer, const struct sockaddr_storage *addrs,
                          size_t n);

/* ---- server-side device identification ------------------------------------ */

#define SPA_CERT_FIELD_MAX 128

/* A client certificate subject, as the guide's devices carry it. */
typedef struct spa_cert_subject {
    char cn[SPA_CERT_FIELD_MAX];
    char ou[SPA_CERT_FIELD_MAX];     /* product, e.g. "SPA2102" */
    char l[SPA_CERT_FIELD_MAX];      /* serial number */
    char st[SPA_CERT_FIELD_MAX];     /* MAC as written */
    char o[SPA_CERT_FIELD_MAX];
    char issuer_cn[SPA_CERT_FIELD_MAX];
    char mac[13];                    /* ST normalised to 12 lower-case hex; "" if not a MAC */
    int generic;                     /* 1: not unique to one unit (no MAC in ST, or CN says generic) */
} spa_cert_subject;

/* Fill s from cert's subject (missing fields are ""); fields longer than
 * SPA_CERT_FIELD_MAX-1 or with control bytes are refused. 0 or -1. */
int spa_tls_subject(X509 *cert, spa_cert_subject *s);

/* Text of the last OpenSSL error on this thread (for diagnostics), into buf. */
const char *spa_tls_last_error(char *buf, size_t n);

#endif
