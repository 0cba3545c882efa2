/* provd_config.c — spaprovd's configuration file. The syntax is the
 * project's plain-text profile syntax (`Name "value" ;`, # comments), so an
 * operator reads one language everywhere; the names are server settings,
 * not device parameters, hence a small parser of its own rather than
 * spa_profile_parse_text (which checks names against the models). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "spaprov/profile.h"
#include "spaprov/provd.h"

void spa_provd_config_defaults(spa_provd_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->data_dir, sizeof c->data_dir, "spaprov-data");
    snprintf(c->tftp_address, sizeof c->tftp_address, "127.0.0.1");
    snprintf(c->http_address, sizeof c->http_address, "127.0.0.1");
    snprintf(c->https_address, sizeof c->https_address, "127.0.0.1");
    snprintf(c->syslog_address, sizeof c->syslog_address, "127.0.0.1");
    c->tftp_port = 6969;
    c->http_port = 8080;
    c->https_port = 8443;
    c->syslog_port = 5514;
    c->unknown = SPA_UNKNOWN_404;
    snprintf(c->bootstrap_file, sizeof c->bootstrap_file, "bootstrap.cfg");
    snprintf(c->server_url, sizeof c->server_url, "http://127.0.0.1:8080");
    snprintf(c->server_name, sizeof c->server_name, "127.0.0.1");
    c->log_to = SPA_PROVD_LOG_STDERR;
    c->log_level = SPA_PROVD_LOG_INFO;
    c->report_max = 65536;
    snprintf(c->bind_path, sizeof c->bind_path, "bind");
    snprintf(c->bind_profile_rule, sizeof c->bind_profile_rule, "%s",
             "[--key $SA]{{server.url}}/{{device.path}}/spa$MA.cfg");
}

typedef enum {
    K_STR, K_PORT, K_BOOL, K_UINT, K_U64, K_UNKNOWN, K_TPL, K_TEMPLATE, K_LOG, K_LEVEL, K_MODE
} key_type;

typedef struct config_key {
    const char *name;
    key_type type;
    size_t off, size;
} config_key;

#define KS(n, f) { n, K_STR, offsetof(spa_provd_config, f), sizeof(((spa_provd_config *)0)->f) }
#define KT(n, t, f) { n, t, offsetof(spa_provd_config, f), sizeof(((spa_provd_config *)0)->f) }

static const config_key keys[] = {
    KS("Data_Dir", data_dir),           KS("Static_Root", static_root),
    KS("TFTP_Address", tftp_address),   KT("TFTP_Port", K_PORT, tftp_port),
    KS("HTTP_Address", http_address),   KT("HTTP_Port", K_PORT, http_port),
    KS("HTTPS_Address", https_address), KT("HTTPS_Port", K_PORT, https_port),
    KS("Syslog_Address", syslog_address), KT("Syslog_Port", K_PORT, syslog_port),
    KS("TLS_Cert", tls_cert),           KS("TLS_Key", tls_key),
    KS("Client_CA", client_ca),
    KT("Require_Client_Cert", K_BOOL, require_client_cert),
    KT("TLS_Legacy", K_BOOL, tls_legacy),
    KT("HTTPS_Plain", K_BOOL, https_plain),
    KT("Unknown_Device", K_UNKNOWN, unknown),
    KS("Bootstrap_File", bootstrap_file),
    KS("Server_URL", server_url),       KS("Server_Name", server_name),
    KT("Bootstrap_Rule", K_TPL, bootstrap_rule),
    KT("Secure_Provisioning", K_BOOL, secure_provisioning),
    KT("Secure_URL", K_TPL, secure_url),
    KT("Secure_Recovery_URL", K_TPL, secure_recovery_url),
    KT("TFTP_Blksize_Max", K_UINT, tftp_blksize_max),
    KT("TFTP_Rate", K_UINT, tftp_rate),
    KT("TFTP_Max_Transfers", K_UINT, tftp_max_transfers),
    KT("TFTP_Upload_Max", K_U64, wrq_max),
    KS("User", user),                   KS("Group", group),
    KT("Log", K_LOG, log_to),           KT("Log_Level", K_LEVEL, log_level),
    KS("Log_Socket", log_socket),
    KT("Report_Max", K_U64, report_max),
    KS("Bind_Path", bind_path),         KT("Bind_Profile_Rule", K_TEMPLATE, bind_profile_rule),
    KS("Firmware_URL", firmware_url),   KT("Mode", K_MODE, mode),
};

static const char *const level_names[] = { "err", "warning", "notice", "info", "debug" };

const char *spa_provd_log_level_name(int level)
{
    if (level < SPA_PROVD_LOG_ERR || level > SPA_PROVD_LOG_DEBUG)
        return "?";
    return level_names[level - SPA_PROVD_LOG_ERR];
}

/* A cursor over the text that knows its line and column. */
typedef struct cursor {
    const char *s;
    size_t n, i;
    unsigned line, col;
    const char *file;
    spa_diags *d;
} cursor;

static void adv(cursor *c)
{
    if (c->s[c->i] == '\n') {
        c->line++;
        c->col = 1;
    } else {
        c->col++;
    }
    c->i++;
}

static void skip_blank(cursor *c)
{
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch == '#') {
            while (c->i < c->n && c->s[c->i] != '\n')
                adv(c);
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            adv(c);
        } else {
            break;
        }
    }
}

static int err_at(cursor *c, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int err_at(cursor *c, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spa_diag_vadd(c->d, SPA_DIAG_ERROR, c->file, line, col, "config", fmt, ap);
    va_end(ap);
    return -1;
}

static int isalnum_ascii(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static const config_key *find_key(const char *name)
{
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strcasecmp(keys[k].name, name) == 0)
            return &keys[k];
    return NULL;
}

static int parse_uint(const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long x;
    if (v[0] < '0' || v[0] > '9')
        return -1;
    errno = 0;
    x = strtoull(v, &end, 10);
    if (errno || *end || x > max)
        return -1;
    *out = x;
    return 0;
}

/* A setting that is expanded without a device: valid templates, and only
 * the server's own variables. 0, or -1 with why. */
static int server_templates_only(const char *v, char *why, size_t n)
{
    spa_template_vars tv = { .server_url = "x", .server_name = "x" };
    unsigned missing = 0;
    spa_buf b;
    int rc;
    if (spa_template_check(v, why, n, NULL) < 0)
        return -1;
    spa_buf_init(&b);
    rc = spa_template_expand(v, &tv, &b, &missing);
    spa_buf_free(&b);
    if (rc < 0 || missing) {
        snprintf(why, n, "only {{server.url}} and {{server.name}} can be used here");
        return -1;
    }
    return 0;
}

/* Store value into the field of key k in cfg; -1 with a diagnostic. */
/* The template rule of a K_TPL (server templates only) or K_TEMPLATE value. */
static int template_check(key_type t, const char *v, char *why, size_t n, unsigned *tcol)
{
    if (t == K_TPL)
        return server_templates_only(v, why, n);
    return spa_template_check(v, why, n, tcol);
}

static int set_value(cursor *c, spa_provd_config *cfg, const config_key *k, const char *v,
                     unsigned line, unsigned col)
{
    char *field = (char *)cfg + k->off;
    uint64_t x;
    char why[160];
    unsigned tcol = 0;
    switch (k->type) {
    case K_TPL:        /* a string that may use {{server.url}} and {{server.name}} */
    case K_TEMPLATE:   /* a string with server-side templates (docs/render.md) */
        if (template_check(k->type, v, why, sizeof why, &tcol) < 0)
            return err_at(c, line, col + tcol, "%s: %s", k->name, why);
        /* fall through */
    case K_STR:
        if (strlen(v) >= k->size)
            return err_at(c, line, col, "%s: value is too long", k->name);
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case K_PORT:
        if (parse_uint(v, 65535, &x) < 0)
            return err_at(c, line, col, "%s: expected a port number 0..65535", k->name);
        *(uint16_t *)(void *)field = (uint16_t)x;
        return 0;
    case K_UINT:
        if (parse_uint(v, 1000000, &x) < 0)
            return err_at(c, line, col, "%s: expected a number 0..1000000", k->name);
        *(unsigned *)(void *)field = (unsigned)x;
        return 0;
    case K_U64:
        if (parse_uint(v, (uint64_t)1 << 40, &x) < 0)
            return err_at(c, line, col, "%s: expected a size in bytes", k->name);
        *(uint64_t *)(void *)field = x;
        return 0;
    case K_BOOL:
        if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
            *(bool *)(void *)field = true;
        else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
            *(bool *)(void *)field = false;
        else
            return err_at(c, line, col, "%s: expected yes or no", k->name);
        return 0;
    case K_UNKNOWN:
        if (!strcasecmp(v, "404"))
            cfg->unknown = SPA_UNKNOWN_404;
        else if (!strcasecmp(v, "bootstrap"))
            cfg->unknown = SPA_UNKNOWN_BOOTSTRAP;
        else if (!strcasecmp(v, "register"))
            cfg->unknown = SPA_UNKNOWN_REGISTER;
        else
            return err_at(c, line, col, "%s: expected 404, bootstrap or register", k->name);
        return 0;
    case K_LOG:
        if (!strcasecmp(v, "stderr"))
            cfg->log_to = SPA_PROVD_LOG_STDERR;
        else if (!strcasecmp(v, "syslog"))
            cfg->log_to = SPA_PROVD_LOG_SYSLOG;
        else
            return err_at(c, line, col, "%s: expected stderr or syslog", k->name);
        return 0;
    case K_LEVEL:
        for (int l = SPA_PROVD_LOG_ERR; l <= SPA_PROVD_LOG_DEBUG; l++)
            if (!strcasecmp(v, spa_provd_log_level_name(l))) {
                cfg->log_level = l;
                return 0;
            }
        return err_at(c, line, col, "%s: expected err, warning, notice, info or debug", k->name);
    case K_MODE:
        if (!strcasecmp(v, "provider"))
            cfg->mode = SPA_MODE_PROVIDER;
        else if (!strcasecmp(v, "rc-vendor"))
            cfg->mode = SPA_MODE_RC_VENDOR;
        else
            return err_at(c, line, col, "%s: expected provider or rc-vendor", k->name);
        return 0;
    }
    return -1;
}

/* Read a quoted value (after the opening quote) into out; -1 on error. */
static int read_quoted(cursor *c, spa_buf *out, unsigned line, unsigned col)
{
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch == '"') {
            adv(c);
            return 0;
        }
        if (ch == '\n' || ch == '\0' || ((unsigned char)ch < 0x20 && ch != '\t'))
            return err_at(c, c->line, c->col, "%s", "unterminated or invalid character in value");
        if (ch == '\\') {
            adv(c);
            if (c->i >= c->n)
                break;
            ch = c->s[c->i];
            if (ch != '"' && ch != '\\')
                return err_at(c, c->line, c->col, "%s", "only \\\" and \\\\ escapes are allowed");
        }
        if (spa_buf_putc(out, ch) < 0)
            return err_at(c, line, col, "%s", "out of memory");
        adv(c);
    }
    return err_at(c, line, col, "%s", "value has no closing quote");
}

/* One statement `Name "value" ;`. 1 done, 0 more, -1 error (cursor skips
 * to the next ';' or line so later errors are reported too). */
static int statement(cursor *c, spa_provd_config *cfg)
{
    char name[64];
    size_t nl = 0;
    unsigned line = c->line, col = c->col, vline, vcol;
    const config_key *k;
    spa_buf v;
    int rc;

    while (c->i < c->n && (isalnum_ascii(c->s[c->i]) || c->s[c->i] == '_')) {
        if (nl + 1 >= sizeof name)
            return err_at(c, line, col, "%s", "setting name is too long");
        name[nl++] = c->s[c->i];
        adv(c);
    }
    name[nl] = '\0';
    if (nl == 0)
        return err_at(c, line, col, "%s", "expected a setting name");
    k = find_key(name);
    if (!k)
        return err_at(c, line, col, "unknown setting '%s'", name);
    skip_blank(c);
    vline = c->line;
    vcol = c->col;
    if (c->i >= c->n || c->s[c->i] != '"')
        return err_at(c, vline, vcol, "%s: expected a quoted value", k->name);
    adv(c);
    spa_buf_init(&v);
    rc = read_quoted(c, &v, vline, vcol);
    if (rc == 0) {
        skip_blank(c);
        if (c->i >= c->n || c->s[c->i] != ';')
            rc = err_at(c, c->line, c->col, "%s: expected ';' after the value", k->name);
        else
            adv(c);
    }
    if (rc == 0)
        rc = set_value(c, cfg, k, v.data ? v.data : "", vline, vcol);
    spa_buf_free(&v);
    return rc;
}

int spa_provd_config_parse(spa_provd_config *out, const char *text, size_t len, const char *file,
                           spa_diags *d)
{
    spa_provd_config tmp = *out;
    cursor c = { text, len, 0, 1, 1, file, d };
    int errors = 0;

    for (;;) {
        skip_blank(&c);
        if (c.i >= c.n)
            break;
        if (statement(&c, &tmp) < 0) {
            errors++;
            if (errors >= 20)
                break;
            while (c.i < c.n && c.s[c.i] != '\n' && c.s[c.i] != ';')
                adv(&c);
            if (c.i < c.n)
                adv(&c);
        }
    }
    if (errors)
        return -1;
    *out = tmp;
    return 0;
}

int spa_provd_config_load(spa_provd_config *c, const char *path, spa_diags *d)
{
    spa_buf b;
    int rc;
    spa_provd_config_defaults(c);
    if (!path)
        return 0;
    spa_buf_init(&b);
    if (spa_read_file(path, &b, d) < 0) {
        spa_buf_free(&b);
        return -1;
    }
    rc = spa_provd_config_parse(c, b.data ? b.data : "", b.len, path, d);
    spa_buf_free(&b);
    return rc;
}

void spa_provd_db_path(const char *data_dir, char *out, size_t n)
{
    snprintf(out, n, "%s/spaprov.db", data_dir);
}

static int mkdir_one(const char *p, spa_diags *d)
{
    if (mkdir(p, 0750) == 0 || errno == EEXIST)
        return 0;
    return spa_diag_error(d, "data-dir", "%s: cannot create: %s", p, strerror(errno));
}

int spa_provd_prepare_dir(const char *data_dir, spa_diags *d)
{
    char p[SPA_PROVD_STR + 16];
    if (mkdir_one(data_dir, d) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/files", data_dir);
    if (mkdir_one(p, d) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/tls", data_dir);
    if (mkdir_one(p, d) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/reports", data_dir);
    return mkdir_one(p, d);
}
