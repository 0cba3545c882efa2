/* ca.h — the two certificate authorities the vendor ran for SPA units
 * (guide §1, HTTPS): a provisioning-server root that signs server
 * certificates whose CN is "FQDN[/info]", and a client root that signs each
 * unit's client certificate (OU=product, L=serial, ST=MAC; the guide writes
 * S=MAC) or the pre-2.0 "generic" certificate shared by many units.
 * OpenSSL 3; keys are written 0600 and may be passphrase-protected.
 * Files and subjects are described in docs/ca.md. */
#ifndef SPAPROV_CA_H
#define SPAPROV_CA_H
#include <stdbool.h>
#include <stddef.h>
#include "spaprov/buf.h"
#include "spaprov/diag.h"

struct x509_st;   /* OpenSSL's X509 */

typedef enum {
    SPA_KEY_EC_P256 = 0,  /* default: fast to make and sign with */
    SPA_KEY_RSA2048       /* what SPA-era units could use */
} spa_key_type;

/* "ec" / "p256" / "rsa" / "rsa2048" → type; 0 or -1. */
int spa_key_type_parse(const char *s, spa_key_type *out);
/* "ec-p256" or "rsa2048". */
const char *spa_key_type_name(spa_key_type t);

typedef enum { SPA_CA_SERVER = 0, SPA_CA_CLIENT = 1 } spa_ca_role;

/* File names inside a CA directory. */
#define SPA_CA_SERVER_CERT "server-ca.crt"
#define SPA_CA_SERVER_KEY  "server-ca.key"
#define SPA_CA_CLIENT_CERT "client-ca.crt"
#define SPA_CA_CLIENT_KEY  "client-ca.key"

typedef struct spa_ca_init_opts {
    spa_key_type key_type;
    const char *passphrase;   /* protect both root keys (AES-256); NULL = not encrypted */
    const char *org;          /* O= of both roots (NULL = "spaprov") */
    unsigned days;            /* validity (0 = 7300, twenty years) */
    bool force;               /* replace an existing CA */
} spa_ca_init_opts;

/* `ca init`: create dir (0700) with both roots. Refuses to overwrite an
 * existing CA unless o->force. 0 or -1 with a diagnostic. */
int spa_ca_init(const char *dir, const spa_ca_init_opts *o, spa_diags *d);

typedef struct spa_ca spa_ca;

/* Load one root (certificate and key) from dir. A passphrase-protected key
 * needs the passphrase (never prompts). NULL with a diagnostic. */
spa_ca *spa_ca_load(const char *dir, spa_ca_role role, const char *passphrase, spa_diags *d);
/* The same from a certificate and a key file (PEM), e.g. a client root kept
 * elsewhere. NULL with a diagnostic. */
spa_ca *spa_ca_load_files(const char *cert_file, const char *key_file, const char *passphrase,
                          spa_diags *d);
/* Free a loaded CA (NULL is fine). */
void spa_ca_free(spa_ca *ca);

typedef struct spa_issue_opts {
    spa_key_type key_type;
    unsigned days;            /* 0 = 825 for servers, 7300 for devices */
    const char *passphrase;   /* protect the issued key; NULL = not encrypted */
} spa_issue_opts;

/* Check a server CN against the guide's rule "FQDN[/info]": the part before
 * the first '/' must be a host name (not an IP address; a single label only
 * if "localhost"). Copies the FQDN to fqdn. 0, or -1 with why. */
int spa_cn_check(const char *cn, char *fqdn, size_t n, char *why, size_t wn);

/* Issue a server certificate (CN as given, subjectAltName DNS:FQDN,
 * serverAuth) signed by the server root. PEM appended to cert and key.
 * 0 or -1 with a diagnostic. */
int spa_ca_issue_server(spa_ca *ca, const char *cn, const spa_issue_opts *o, spa_buf *cert,
                        spa_buf *key, spa_diags *d);

typedef struct spa_device_subject {
    const char *product;      /* OU: "SPA-2102" (a model name such as "SPA2102" is mapped) */
    const char *serial;       /* L (unique certificates) */
    const char *mac;          /* ST, any spelling (unique certificates) */
    bool generic;             /* pre-2.0 generic certificate: OU only */
} spa_device_subject;

/* Issue a device client certificate (clientAuth) signed by the client root:
 * unique → CN=<mac>, OU, L, ST; generic → CN="<product> generic", OU only.
 * 0 or -1 with a diagnostic naming the bad field. */
int spa_ca_issue_device(spa_ca *ca, const spa_device_subject *s, const spa_issue_opts *o,
                        spa_buf *cert, spa_buf *key, spa_diags *d);

/* Issue one unique certificate per CSV row (model,mac,serial; a header row
 * naming the columns is allowed) into outdir as <mac>.crt and <mac>.key
 * (0600; mac as 12 lower-case hex digits). Every row is checked first, and
 * no existing file is replaced; a bad file writes nothing. Returns the
 * number issued, or -1. */
long spa_ca_issue_batch(spa_ca *ca, const char *csv, size_t len, const char *file,
                        const char *outdir, const spa_issue_opts *o, spa_diags *d);

/* What a client certificate says about the unit. */
typedef struct spa_cert_id {
    char product[64];   /* OU */
    char serial[64];    /* L ("" for generic) */
    char mac[13];       /* ST as 12 lower-case hex ("" for generic) */
    char cn[128];
    bool generic;       /* no L and no ST: a shared pre-2.0 certificate */
} spa_cert_id;

/* Read the identity from a certificate (e.g. a TLS peer's). 0, or -1 when it
 * is not a device certificate (no OU, or ST not a MAC). */
int spa_cert_identity(const struct x509_st *x, spa_cert_id *out, spa_diags *d);
/* The same from a PEM file. */
int spa_cert_identity_file(const char *path, spa_cert_id *out, spa_diags *d);
/* The same from PEM text. */
int spa_cert_identity_pem(const char *pem, size_t len, spa_cert_id *out, spa_diags *d);

/* What `spaprov ca show/list` tells about a certificate file. */
typedef enum {
    SPA_CERT_OTHER = 0,   /* none of the kinds below */
    SPA_CERT_ROOT,        /* a CA certificate (basicConstraints CA:TRUE) */
    SPA_CERT_SERVER,      /* serverAuth: a provisioning server */
    SPA_CERT_DEVICE,      /* a unit's unique client certificate */
    SPA_CERT_GENERIC      /* the pre-2.0 generic client certificate */
} spa_cert_kind;

/* "other", "root", "server", "device", "generic". */
const char *spa_cert_kind_name(spa_cert_kind k);

typedef struct spa_cert_info {
    spa_cert_kind kind;
    char subject[256];       /* RFC 2253 */
    char issuer[256];
    char not_before[24];     /* YYYY-MM-DDTHH:MM:SSZ */
    char not_after[24];
    char key_type[24];       /* "ec-p256", "rsa2048", or the algorithm's name */
    char sha256[96];         /* fingerprint, colon-separated hex */
    spa_cert_id id;          /* device and generic kinds */
    char verified_by[16];    /* "server root", "client root" or "" (neither / no CA) */
} spa_cert_info;

/* Describe the PEM certificate at path; with ca_dir, also which of its two
 * roots verifies it. 0, or -1 with a diagnostic. */
int spa_cert_info_file(const char *path, const char *ca_dir, spa_cert_info *out, spa_diags *d);

/* Write data to path with mode (0600 for keys), replacing the file. 0 or -1. */
int spa_write_private_file(const char *path, const void *data, size_t len, unsigned mode,
                           spa_diags *d);

#endif
