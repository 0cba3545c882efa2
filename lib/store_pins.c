/* store_pins.c — retail binding PINs (issue 7, flow 2): an account gets a
 * single-use PIN, optionally expiring; a device presenting it (spaprovd's
 * bind route, after its client certificate proved the MAC) is registered if
 * unknown and tied to the account, in one transaction. Only the PIN's
 * SHA-256 is stored, so a copy of the database (a backup, `sqlite3` by
 * hand) does not hand out working PINs; generated PINs carry ~49 bits, so
 * the hash is not worth brute-forcing, and a used PIN is worthless anyway.
 * See docs/flows-retail-reports.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "spaprov/model.h"
#include "spaprov/params.h"
#include "spaprov/store.h"
#include "store_db.h"

/* No 0/o, 1/l/i look-alikes: a PIN may be typed from a letter. */
static const char pin_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

const char *spa_bind_result_name(spa_bind_result r)
{
    switch (r) {
    case SPA_BIND_OK: return "bound";
    case SPA_BIND_WRONG: return "wrong PIN";
    case SPA_BIND_USED: return "PIN already used";
    case SPA_BIND_EXPIRED: return "PIN expired";
    case SPA_BIND_AGAIN: return "already bound";
    }
    return "?";
}

const char *spa_account_pin_state(const spa_account *a, int64_t now)
{
    if (!a->has_pin)
        return "none";
    if (a->pin_used)
        return "used";
    return a->pin_expires && now > a->pin_expires ? "expired" : "unused";
}

void spa_store_pin_hash(const char *pin, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned mdlen = 0;
    char tmp[72];
    memcpy(tmp, "sha256:", 7);
    if (EVP_Digest(pin, strlen(pin), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        memset(md, 0, sizeof md);   /* never matches a stored hash of a real PIN */
    for (size_t i = 0; i < 32; i++) {
        tmp[7 + 2 * i] = hex[md[i] >> 4];
        tmp[8 + 2 * i] = hex[md[i] & 15];
    }
    tmp[71] = '\0';
    snprintf(out, n, "%s", tmp);
}

/* 4..64 URL-unreserved characters. */
static bool pin_valid(const char *pin)
{
    size_t n = strlen(pin);
    if (n < SPA_PIN_MIN || n > SPA_PIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = pin[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '~' || c == '-'))
            return false;
    }
    return true;
}

/* A uniform random PIN of SPA_PIN_GEN_LEN characters into out. 0 or -1. */
static int pin_generate(char *out)
{
    const size_t na = sizeof pin_alphabet - 1;
    const unsigned limit = (unsigned)(256 / na * na);   /* rejection keeps it uniform */
    unsigned char r[64];
    size_t o = 0;
    while (o < SPA_PIN_GEN_LEN) {
        if (RAND_bytes(r, (int)sizeof r) != 1)
            return -1;
        for (size_t i = 0; i < sizeof r && o < SPA_PIN_GEN_LEN; i++)
            if (r[i] < limit)
                out[o++] = pin_alphabet[r[i] % na];
    }
    out[o] = '\0';
    OPENSSL_cleanse(r, sizeof r);
    return 0;
}

int spa_store_account_pin(spa_store *st, const char *id, const char *pin, int64_t expires,
                          char *out, size_t n, spa_diags *d)
{
    static const char sql[] =
        "UPDATE accounts SET pin = ?2, pin_used = 0, pin_expires = ?3, pin_mac = NULL, "
        "pin_used_at = 0 WHERE id = ?1";
    char clear[SPA_PIN_MAX + 1], hash[72];
    sqlite3_stmt *s;
    int rc;

    if (out && n)
        out[0] = '\0';
    if (!id || !*id)
        return spa_diag_error(d, "id", "id: missing");
    if (expires < 0)
        return spa_diag_error(d, "expires", "expires: before 1970");
    if (pin) {
        /* never quote the PIN: it is a secret, even a malformed one */
        if (!pin_valid(pin))
            return spa_diag_error(d, "pin", "pin: expected %d..%d of A-Z a-z 0-9 . _ ~ -",
                                  SPA_PIN_MIN, SPA_PIN_MAX);
        snprintf(clear, sizeof clear, "%s", pin);
    } else if (pin_generate(clear) < 0) {
        return spa_diag_error(d, "random", "random number generator failed");
    }
    spa_store_pin_hash(clear, hash, sizeof hash);
    rc = -1;
    if (spa_store_tx_begin(st, d) < 0)
        goto out;
    if (!(s = spa_store_stmt(st, sql, d))) {
        spa_store_tx_rollback(st);
        goto out;
    }
    spa_store_bind_text(s, 1, id);
    spa_store_bind_text(s, 2, hash);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)expires);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        spa_store_tx_rollback(st);
        rc = spa_diag_error(d, "pin", "pin: already given to another account");
        goto out;
    }
    if (rc != SQLITE_DONE) {
        spa_store_dberr(st, d, "setting a PIN");
        spa_store_tx_rollback(st);
        rc = -1;
        goto out;
    }
    /* The PIN does not change the profile: no generation bump. */
    rc = spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
    if (rc == 0 && out && n)
        snprintf(out, n, "%s", clear);
out:
    OPENSSL_cleanse(clear, sizeof clear);
    return rc;
}

/* The account holding hash; fills the fields. 1 found, 0 none, -1 error. */
typedef struct pin_row {
    char id[65];
    bool used;
    int64_t expires;
    char mac[13];
} pin_row;

static int pin_lookup(spa_store *st, const char *hash, pin_row *pr, spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(
        st, "SELECT id, pin_used, pin_expires, coalesce(pin_mac, '') FROM accounts WHERE pin = ?1",
        d);
    int rc;
    memset(pr, 0, sizeof *pr);
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(pr->id, sizeof pr->id, "%s", spa_store_col_str(s, 0));
        pr->used = sqlite3_column_int(s, 1) != 0;
        pr->expires = sqlite3_column_int64(s, 2);
        snprintf(pr->mac, sizeof pr->mac, "%s", spa_store_col_str(s, 3));
        rc = 1;
    } else {
        rc = rc == SQLITE_DONE ? 0 : spa_store_dberr(st, d, "looking up a PIN");
    }
    sqlite3_reset(s);
    return rc;
}

/* Inside the transaction: register (when unknown) or re-account the device,
 * then spend the PIN. 0 or -1. */
static int bind_write(spa_store *st, const spa_store_devrow *row, bool known, int64_t now,
                      spa_diags *d)
{
    sqlite3_stmt *s;
    if (!known) {
        if (spa_store_device_write(st, row, false, d) < 0)
            return -1;
    } else {
        if (!(s = spa_store_stmt(st, "UPDATE devices SET account = ?2 WHERE mac = ?1", d)))
            return -1;
        sqlite3_bind_text(s, 1, row->mac, 12, SQLITE_TRANSIENT);
        spa_store_bind_text(s, 2, row->account);
        if (spa_store_run(st, s, d, "binding") < 0 ||
            spa_store_bump(st, SPA_SCOPE_DEVICE, row->mac, d) < 0)
            return -1;
    }
    if (!(s = spa_store_stmt(st, "UPDATE accounts SET pin_used = 1, pin_mac = ?2, "
                                 "pin_used_at = ?3 WHERE id = ?1", d)))
        return -1;
    spa_store_bind_text(s, 1, row->account);
    sqlite3_bind_text(s, 2, row->mac, 12, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
    return spa_store_run(st, s, d, "binding");
}

int spa_store_pin_bind(spa_store *st, const spa_bind_request *rq, char *acct, size_t n,
                       spa_diags *d)
{
    spa_store_devrow row = { .state = SPA_DEV_NEW };
    char hash[72];
    pin_row pr;
    int64_t now = rq->now ? rq->now : (int64_t)time(NULL);
    int known, rc;

    if (acct && n)
        acct[0] = '\0';
    if (spa_store_mac(rq->mac, row.mac, d) < 0)
        return -1;
    if (!rq->pin || !pin_valid(rq->pin))
        return SPA_BIND_WRONG;
    if (rq->model) {
        const spa_model *m = spa_store_model(st, rq->model, d);
        if (!m)
            return -1;
        row.model = m->name;
    }
    if (rq->serial && !spa_value_is_ascii(rq->serial, strlen(rq->serial)))
        return spa_diag_error(d, "serial", "serial: not printable ASCII");
    row.serial = rq->serial;
    spa_store_pin_hash(rq->pin, hash, sizeof hash);
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    rc = pin_lookup(st, hash, &pr, d);
    if (rc <= 0) {
        spa_store_tx_rollback(st);
        return rc < 0 ? -1 : SPA_BIND_WRONG;
    }
    if (pr.used || (pr.expires && now > pr.expires)) {
        spa_store_tx_rollback(st);
        if (pr.used && strcmp(pr.mac, row.mac) == 0) {
            if (acct && n)
                snprintf(acct, n, "%s", pr.id);
            return SPA_BIND_AGAIN;
        }
        return pr.used ? SPA_BIND_USED : SPA_BIND_EXPIRED;
    }
    known = spa_store_exists(st, "SELECT 1 FROM devices WHERE mac = ?1", row.mac, d);
    if (known == 0 && !row.model) {
        spa_diag_error(d, "mac", "mac: device %s is not known", row.mac);
        known = -1;
    }
    row.account = pr.id;
    if (known < 0 || bind_write(st, &row, known == 1, now, d) < 0 ||
        spa_store_tx_commit(st, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    if (acct && n)
        snprintf(acct, n, "%s", pr.id);
    return SPA_BIND_OK;
}

int spa_store_bind_pin(spa_store *st, const char *mac, const char *pin, char *acct, size_t n,
                       spa_diags *d)
{
    spa_bind_request rq = { .mac = mac, .pin = pin };
    int rc = spa_store_pin_bind(st, &rq, acct, n, d);
    if (rc > 0 && acct && n)
        acct[0] = '\0';
    return rc < 0 ? -1 : rc == SPA_BIND_OK ? 0 : 1;
}
