/* store_rc.c — remote customization (RC, issue 7 flow 7) in the device
 * database of a vendor-mode spaprovd: the companies units are customized
 * for (their restricted domains, DNS servers and provisioning URL) and
 * which unit (MAC) belongs to which company, optionally with the company's
 * profile key for that unit (a secret: returned only with
 * SPA_STORE_SECRETS, wiped when freed). lib/provd_rc.c serves the
 * customization profile from these rows. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "spaprov/params.h"
#include "spaprov/rule.h"
#include "spaprov/store.h"
#include "store_db.h"
#include "store_int.h"

void spa_secret_free(char *s)
{
    if (s)
        OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void spa_rc_company_clear(spa_rc_company *c)
{
    free(c->name);
    free(c->domains);
    free(c->dns);
    free(c->url);
    memset(c, 0, sizeof *c);
}

static int check_name(const char *v, spa_diags *d)
{
    if (!v || !*v)
        return spa_diag_error(d, "company", "company: missing");
    if (strlen(v) > 63 || !spa_value_is_ascii(v, strlen(v)))
        return spa_diag_error(d, "company",
                              "company: '%.80s' must be 1..63 printable ASCII characters", v);
    return 0;
}

static bool domain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == '*';
}

/* Up to five names separated by commas, semicolons or blanks. */
static int check_domains(const char *v, spa_diags *d)
{
    unsigned n = 0;
    bool in = false;
    if (strlen(v) > 255)
        return spa_diag_error(d, "domains", "domains: longer than 255 characters");
    for (const char *p = v; *p; p++) {
        if (*p == ',' || *p == ';' || *p == ' ') {
            in = false;
            continue;
        }
        if (!domain_char(*p))
            return spa_diag_error(d, "domains", "domains: '%c' is not allowed in a domain name",
                                  *p >= 0x20 && *p < 0x7f ? *p : '?');
        if (!in && ++n > 5)
            return spa_diag_error(d, "domains",
                                  "domains: at most five (Restricted_Access_Domains)");
        in = true;
    }
    return 0;
}

/* One or two IPv4 addresses separated by a comma. */
static int check_dns(const char *v, spa_diags *d)
{
    char a[64];
    unsigned n = 0;
    struct in_addr ia;
    for (const char *p = v; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= sizeof a || ++n > 2)
            return spa_diag_error(d, "dns", "dns: expected PRIMARY[,SECONDARY] IPv4 addresses");
        memcpy(a, p, len);
        a[len] = '\0';
        if (inet_pton(AF_INET, a, &ia) != 1)
            return spa_diag_error(d, "dns", "dns: '%s' is not an IPv4 address", a);
        p = e ? e + 1 : p + len;
    }
    return 0;
}

static int check_url(const char *v, spa_diags *d)
{
    spa_url u;
    const char *msg = NULL;
    size_t at = 0;
    if (!v || !*v)
        return spa_diag_error(d, "url", "url: missing");
    if (strlen(v) > 1000 || !spa_value_is_ascii(v, strlen(v)) || strchr(v, ' '))
        return spa_diag_error(d, "url", "url: must be printable ASCII without blanks");
    if (strchr(v, '$'))
        return 0;   /* device macros ($MA, $PSN): checked by the unit after expansion */
    int rc = spa_url_parse(v, strlen(v), &u, &at, &msg);
    if (rc == 0)
        spa_url_free(&u);
    if (rc == -2)
        return spa_diag_error(d, "oom", "out of memory");
    if (rc < 0)
        return spa_diag_error(d, "url", "url: column %zu: %s", at + 1, msg ? msg : "invalid");
    return 0;
}

/* A profile key: what fits in [--key KEY] (no blank, no ']'). */
static int check_key(const char *v, spa_diags *d)
{
    if (!v)
        return 0;
    size_t n = strlen(v);
    if (n == 0 || n > 128 || !spa_value_is_ascii(v, n) || strpbrk(v, " ]["))
        return spa_diag_error(d, "key", "key: 1..128 printable characters, no blank or brackets");
    return 0;
}

int spa_store_rc_company_add(spa_store *st, const char *name, const char *domains,
                             const char *dns, const char *url, bool replace, spa_diags *d)
{
    static const char sql_ins[] =
        "INSERT INTO rc_companies(name, domains, dns, url, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    static const char sql_rep[] =
        "INSERT INTO rc_companies(name, domains, dns, url, created) VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(name) DO UPDATE SET domains = ?2, dns = ?3, url = ?4";
    sqlite3_stmt *s;
    int rc;
    domains = domains ? domains : "";
    dns = dns ? dns : "";
    if (check_name(name, d) < 0 || check_domains(domains, d) < 0 || check_dns(dns, d) < 0 ||
        check_url(url, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, replace ? sql_rep : sql_ins, d)))
        goto fail;
    spa_store_bind_text(s, 1, name);
    spa_store_bind_text(s, 2, domains);
    spa_store_bind_text(s, 3, dns);
    spa_store_bind_text(s, 4, url);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT) {
        spa_diag_error(d, "company", "company: '%s' exists (use --replace to change it)", name);
        goto fail;
    }
    if (rc != SQLITE_DONE) {
        spa_store_dberr(st, d, "adding a company");
        goto fail;
    }
    return spa_store_tx_commit(st, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_rc_company_remove(spa_store *st, const char *name, spa_diags *d)
{
    static const char sql[] = "DELETE FROM rc_companies WHERE name = ?1";
    sqlite3_stmt *s;
    int used = spa_store_exists(st, "SELECT 1 FROM rc_units WHERE company = ?1", name, d);
    if (used < 0)
        return -1;
    if (used)
        return spa_diag_error(d, "company", "company: units are still assigned to '%s'", name);
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, name);
    if (spa_store_run(st, s, d, "removing a company") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

static int company_from_row(sqlite3_stmt *s, int col, spa_rc_company *c, spa_diags *d)
{
    c->name = spa_store_col_dup(s, col);
    c->domains = spa_store_col_dup(s, col + 1);
    c->dns = spa_store_col_dup(s, col + 2);
    c->url = spa_store_col_dup(s, col + 3);
    c->created = sqlite3_column_int64(s, col + 4);
    if (!c->name || !c->domains || !c->dns || !c->url) {
        spa_rc_company_clear(c);
        return spa_diag_error(d, "oom", "out of memory");
    }
    return 0;
}

int spa_store_rc_company_get(spa_store *st, const char *name, spa_rc_company *out, spa_diags *d)
{
    static const char sql[] =
        "SELECT name, domains, dns, url, created FROM rc_companies WHERE name = ?1";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    int rc, ret;
    memset(out, 0, sizeof *out);
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        ret = company_from_row(s, 0, out, d);
    else
        ret = rc == SQLITE_DONE ? 1 : spa_store_dberr(st, d, "reading a company");
    sqlite3_reset(s);
    return ret;
}

static int company_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    spa_rc_company c = { 0 };
    int ret = company_from_row(s, 0, &c, d);
    if (ret == 0)
        ret = v->cb.company(v->ctx, &c);
    spa_rc_company_clear(&c);
    return ret;
}

int spa_store_rc_company_list(spa_store *st, spa_rc_company_cb cb, void *ctx, spa_diags *d)
{
    static const char sql[] =
        "SELECT name, domains, dns, url, created FROM rc_companies ORDER BY name";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    spa_store_visit v = { st, 0, ctx, { .company = cb } };
    return s ? spa_store_each(s, company_row, &v, d, "listing companies") : -1;
}

static const char sql_assign[] =
    "INSERT INTO rc_units(mac, company, key, assigned) VALUES(?1, ?2, ?3, ?4) "
    "ON CONFLICT(mac) DO UPDATE SET company = ?2, key = ?3, assigned = ?4";

/* Inside a transaction: write one assignment. */
static int assign_row(spa_store *st, const char *mac, const char *company, const char *key,
                      spa_diags *d)
{
    sqlite3_stmt *s = spa_store_stmt(st, sql_assign, d);
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, mac);
    spa_store_bind_text(s, 2, company);
    spa_store_bind_text(s, 3, key);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
    return spa_store_run(st, s, d, "assigning a unit");
}

static int company_exists(spa_store *st, const char *company, spa_diags *d)
{
    int rc = spa_store_exists(st, "SELECT 1 FROM rc_companies WHERE name = ?1", company, d);
    if (rc == 0)
        return spa_diag_error(d, "company", "company: no company '%.80s' (spaprov rc company add)",
                              company ? company : "");
    return rc < 0 ? -1 : 0;
}

int spa_store_rc_assign(spa_store *st, const char *mac, const char *company, const char *key,
                        spa_diags *d)
{
    char m[13];
    if (spa_store_mac(mac, m, d) < 0 || check_key(key, d) < 0 || company_exists(st, company, d) < 0)
        return -1;
    if (spa_store_tx_begin(st, d) < 0)
        return -1;
    if (assign_row(st, m, company, key, d) < 0) {
        spa_store_tx_rollback(st);
        return -1;
    }
    return spa_store_tx_commit(st, d);
}

typedef struct rc_row {
    char mac[13];
    char *company, *key;
} rc_row;

static void rows_free(rc_row *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].company);
        spa_secret_free(v[i].key);
    }
    free(v);
}

/* Check one CSV record into r; 0, or -1 with a file:line:col diagnostic. */
static int csv_row(spa_store *st, const spa_csv *c, const char *file, rc_row *r, spa_diags *d)
{
    spa_diags tmp;
    int rc = 0;
    spa_diags_init(&tmp);
    if (c->nf < 2 || c->nf > 3) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, c->line, 1, "csv",
                     "expected mac,company[,key] (%zu fields)", c->nf);
        return -1;
    }
    for (size_t f = 0; f < c->nf && rc == 0; f++) {
        if (f == 0)
            rc = spa_store_mac(c->f[0], r->mac, &tmp);
        else if (f == 1)
            rc = company_exists(st, c->f[1], &tmp);
        else
            rc = c->f[2][0] ? check_key(c->f[2], &tmp) : 0;
        if (rc < 0)
            spa_diag_add(d, SPA_DIAG_ERROR, file, c->line, c->col[f], "csv", "%s",
                         tmp.n ? tmp.v[0].message : "invalid");
    }
    spa_diags_free(&tmp);
    if (rc < 0)
        return -1;
    r->company = strdup(c->f[1]);
    r->key = c->nf == 3 && c->f[2][0] ? strdup(c->f[2]) : NULL;
    if (!r->company || (c->nf == 3 && c->f[2][0] && !r->key))
        return spa_diag_error(d, "oom", "out of memory");
    return 0;
}

long spa_store_rc_assign_csv(spa_store *st, const char *csv, size_t len, const char *file,
                             spa_diags *d)
{
    spa_csv c;
    rc_row *v = NULL;
    size_t n = 0, cap = 0, errors = 0;
    int r;
    bool first = true;
    spa_csv_init(&c, csv, len);
    while ((r = spa_csv_next(&c)) == 1) {
        char m[13];
        if (first && c.nf >= 2 && spa_mac_parse(c.f[0], m) < 0 && !strcmp(c.f[0], "mac")) {
            first = false;   /* header "mac,company[,key]" */
            continue;
        }
        first = false;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            rc_row *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                r = -1;
                break;
            }
            v = nv;
            cap = nc;
        }
        memset(&v[n], 0, sizeof v[n]);
        if (csv_row(st, &c, file, &v[n], d) < 0)
            errors++;
        n++;
    }
    if (r < 0)
        spa_diag_add(d, SPA_DIAG_ERROR, file, c.line, 1, "csv", "malformed CSV record");
    spa_csv_free(&c);
    for (size_t i = 0; i < n && !errors && r >= 0; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[i].mac, v[j].mac)) {
                spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "csv", "mac: %s appears twice",
                             v[i].mac);
                errors++;
                break;
            }
    if (errors || r < 0 || spa_store_tx_begin(st, d) < 0) {
        rows_free(v, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (assign_row(st, v[i].mac, v[i].company, v[i].key, d) < 0) {
            spa_store_tx_rollback(st);
            rows_free(v, n);
            return -1;
        }
    rows_free(v, n);
    return spa_store_tx_commit(st, d) < 0 ? -1 : (long)n;
}

int spa_store_rc_unassign(spa_store *st, const char *mac, spa_diags *d)
{
    static const char sql[] = "DELETE FROM rc_units WHERE mac = ?1";
    char m[13];
    sqlite3_stmt *s;
    if (spa_store_mac(mac, m, d) < 0 || spa_store_tx_begin(st, d) < 0)
        return -1;
    if (!(s = spa_store_stmt(st, sql, d)))
        goto fail;
    spa_store_bind_text(s, 1, m);
    if (spa_store_run(st, s, d, "unassigning a unit") < 0)
        goto fail;
    return spa_store_tx_finish(st, SPA_SCOPE_GLOBAL, NULL, d);
fail:
    spa_store_tx_rollback(st);
    return -1;
}

int spa_store_rc_unit(spa_store *st, const char *mac, unsigned flags, spa_rc_company *out,
                      char **key, spa_diags *d)
{
    static const char sql[] =
        "SELECT c.name, c.domains, c.dns, c.url, c.created, u.key FROM rc_units u "
        "JOIN rc_companies c ON c.name = u.company WHERE u.mac = ?1";
    char m[13];
    sqlite3_stmt *s;
    int rc, ret;
    memset(out, 0, sizeof *out);
    if (key)
        *key = NULL;
    if (spa_store_mac(mac, m, d) < 0 || !(s = spa_store_stmt(st, sql, d)))
        return -1;
    spa_store_bind_text(s, 1, m);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        ret = company_from_row(s, 0, out, d);
        if (ret == 0 && key && (flags & SPA_STORE_SECRETS) &&
            sqlite3_column_type(s, 5) != SQLITE_NULL && !(*key = spa_store_col_dup(s, 5))) {
            spa_rc_company_clear(out);
            ret = spa_diag_error(d, "oom", "out of memory");
        }
    } else {
        ret = rc == SQLITE_DONE ? 1 : spa_store_dberr(st, d, "reading a unit");
    }
    sqlite3_reset(s);
    return ret;
}

static int unit_row(const spa_store_visit *v, sqlite3_stmt *s, spa_diags *d)
{
    (void)d;
    return v->cb.unit(v->ctx, spa_store_col_str(s, 0), spa_store_col_str(s, 1),
                      sqlite3_column_int(s, 2) != 0);
}

int spa_store_rc_unit_list(spa_store *st, const char *company, spa_rc_unit_cb cb, void *ctx,
                           spa_diags *d)
{
    static const char sql[] = "SELECT mac, company, key IS NOT NULL FROM rc_units "
                              "WHERE ?1 IS NULL OR company = ?1 ORDER BY mac";
    sqlite3_stmt *s = spa_store_stmt(st, sql, d);
    spa_store_visit v = { st, 0, ctx, { .unit = cb } };
    if (!s)
        return -1;
    spa_store_bind_text(s, 1, company);
    return spa_store_each(s, unit_row, &v, d, "listing units");
}
