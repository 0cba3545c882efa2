/* device_web.c — the virtual SPA's configuration pages and their two
 * accounts. The guide gives every parameter a user access (`ua`: na, ro,
 * rw) that governs only the User account's web access; this module is where
 * that takes effect: the User's page at "/" shows ro and rw parameters and
 * changes only rw ones, the Admin's page at "/admin/" (also
 * "/admin/advanced") shows and changes everything the web UI has. Logins are
 * HTTP Basic ("admin" / Admin_Passwd, "user" / User_Password; an empty
 * password means no login, as on a unit out of the box). Enable_Web_Server
 * "No" closes the User's pages (403). Secrets (passwords, GPP_SA–SD,
 * License_Keys) are never written into a page. A change is checked whole
 * (types, access) before anything is applied, then saved to flash and told
 * to the engine (docs/spasim.md "Web pages"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "spaprov/device.h"
#include "spaprov/http.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"

#define WEB_ADMIN_USER "admin"
#define WEB_USER_USER "user"
#define WEB_CRED_MAX 256

typedef enum { WEB_AS_USER, WEB_AS_ADMIN } web_role;

static void reply_text(spa_http_req *rq, int status, const char *text)
{
    spa_http_reply(rq, status, "text/plain", text, strlen(text));
}

/* ---- form bodies ------------------------------------------------------------------- */

/* One application/x-www-form-urlencoded component: '+' is a space, then
 * percent-decoding (spa_device_url_decode keeps '+', as SPA URLs need). */
static int form_decode(const char *s, size_t len, spa_buf *out)
{
    char *tmp = malloc(len + 1);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < len; i++)
        tmp[i] = s[i] == '+' ? ' ' : s[i];
    tmp[len] = '\0';
    int rc = spa_device_url_decode(tmp, len, out);
    if (rc == 0)
        rc = spa_buf_reserve(out, 1);   /* data non-NULL even when empty */
    free(tmp);
    return rc;
}

int spa_device_form_parse(const char *body, size_t len, spa_profile *out, char *why, size_t n)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        if (end > i) {
            spa_buf name, value;
            spa_buf_init(&name);
            spa_buf_init(&value);
            int rc = form_decode(body + i, eq - i, &name);
            if (rc == 0)
                rc = form_decode(body + (eq < end ? eq + 1 : end), eq < end ? end - eq - 1 : 0,
                                 &value);
            if (rc == 0 && !spa_value_is_ascii(value.data, value.len))
                rc = -1;
            if (rc == 0)
                rc = spa_profile_set(out, name.data, value.data, SPA_ACCESS_UNSET, NULL, 0, 0);
            if (rc < 0)
                snprintf(why, n, "%.*s: %s", (int)(eq - i > 80 ? 80 : eq - i), body + i,
                         rc == -2 ? "out of memory" : "malformed field");
            spa_buf_free(&name);
            spa_buf_free(&value);
            if (rc < 0)
                return -1;
        }
        i = end + 1;
    }
    return 0;
}

/* ---- accounts ------------------------------------------------------------------------- */

/* Decode "Basic base64(user:password)" into user[WEB_CRED_MAX]/pass; 0 or -1. */
static int basic_credentials(const char *h, char *user, char *pass)
{
    unsigned char dec[2 * WEB_CRED_MAX + 4];
    if (!h || strncasecmp(h, "Basic ", 6) != 0)
        return -1;
    h += 6;
    while (*h == ' ')
        h++;
    size_t len = strlen(h);
    while (len && (h[len - 1] == ' ' || h[len - 1] == '\r'))
        len--;
    if (len == 0 || len % 4 || len / 4 * 3 >= sizeof dec)
        return -1;
    int k = EVP_DecodeBlock(dec, (const unsigned char *)h, (int)len);
    if (k < 0)
        return -1;
    for (size_t p = len; p > 0 && h[p - 1] == '='; p--)
        k--;   /* EVP_DecodeBlock counts padding as zero bytes */
    if (k < 0)
        return -1;
    dec[k] = '\0';
    if (memchr(dec, '\0', (size_t)k))
        return -1;
    char *colon = strchr((char *)dec, ':');
    if (!colon || (size_t)(colon - (char *)dec) >= WEB_CRED_MAX ||
        strlen(colon + 1) >= WEB_CRED_MAX)
        return -1;
    *colon = '\0';
    memcpy(user, dec, (size_t)(colon - (char *)dec) + 1);
    memcpy(pass, colon + 1, strlen(colon + 1) + 1);
    OPENSSL_cleanse(dec, sizeof dec);
    return 0;
}

/* Constant-time for equal lengths; the length itself is not secret enough
 * to matter for an emulator, but the bytes are compared in full. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

/* Does the request carry the account's password? An empty password needs no login. */
static bool account_ok(const spa_params *p, spa_http_req *rq, const char *account,
                       const char *param)
{
    const char *want = spa_params_get(p, param);
    char user[WEB_CRED_MAX], pass[WEB_CRED_MAX];
    if (!want || !*want)
        return true;
    if (basic_credentials(spa_http_req_header(rq, "Authorization"), user, pass) < 0)
        return false;
    bool ok = strcmp(user, account) == 0 && same_secret(pass, want);
    OPENSSL_cleanse(pass, sizeof pass);
    return ok;
}

static void ask_login(spa_http_req *rq, const spa_params *p)
{
    char realm[96];
    snprintf(realm, sizeof realm, "Basic realm=\"%s\"", spa_params_model(p)->name);
    spa_http_reply_header(rq, "WWW-Authenticate", realm);
    reply_text(rq, 401, "login required\n");
}

/* ---- pages ------------------------------------------------------------------------------ */

static int html_escape(spa_buf *b, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        switch (*s) {
        case '<': rc = spa_buf_puts(b, "&lt;"); break;
        case '>': rc = spa_buf_puts(b, "&gt;"); break;
        case '&': rc = spa_buf_puts(b, "&amp;"); break;
        case '"': rc = spa_buf_puts(b, "&quot;"); break;
        case '\'': rc = spa_buf_puts(b, "&#39;"); break;
        default: rc = spa_buf_putc(b, *s);
        }
    }
    return rc;
}

static bool is_secret(const spa_param_def *pd)
{
    return (pd->flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY | SPA_PF_PROFILE_ONLY)) != 0;
}

/* What a role sees of parameter i: 0 hidden, 1 read-only, 2 writable. */
static int visibility(const spa_params *p, size_t i, web_role role)
{
    const spa_param_def *pd = &spa_params_model(p)->params[i];
    if (pd->flags & SPA_PF_PROFILE_ONLY)
        return 0;   /* GPP_SA–SD: set only by profile */
    if (role == WEB_AS_ADMIN)
        return 2;
    spa_access a = spa_params_access_at(p, i);
    return a == SPA_ACCESS_RW ? 2 : a == SPA_ACCESS_RO ? 1 : 0;
}

/* One table row: web name, then the value as text (ro) or an input (rw);
 * a secret is an empty password input (left empty = unchanged). */
static int page_row(spa_buf *b, const spa_params *p, size_t i, int vis)
{
    const spa_param_def *pd = &spa_params_model(p)->params[i];
    bool secret = is_secret(pd);
    int rc = spa_buf_puts(b, "<tr><td>");
    rc |= html_escape(b, pd->web_name ? pd->web_name : pd->name);
    rc |= spa_buf_printf(b, "</td><td data-ua=\"%s\">",
                         spa_access_name(spa_params_access_at(p, i)));
    if (vis == 2) {
        rc |= spa_buf_printf(b, "<input type=\"%s\" name=\"", secret ? "password" : "text");
        rc |= html_escape(b, pd->name);
        rc |= spa_buf_puts(b, "\" value=\"");
        rc |= html_escape(b, secret ? "" : spa_params_get_at(p, i));
        rc |= spa_buf_puts(b, "\">");
    } else {
        rc |= spa_buf_puts(b, "<span id=\"");
        rc |= html_escape(b, pd->name);
        rc |= spa_buf_puts(b, "\">");
        rc |= html_escape(b, secret ? "" : spa_params_get_at(p, i));
        rc |= spa_buf_puts(b, "</span>");
    }
    return rc | spa_buf_puts(b, "</td></tr>\n");
}

static int page(spa_buf *b, const spa_params *p, web_role role, const char *action,
                const char *note)
{
    const spa_model *m = spa_params_model(p);
    const char *group = NULL;
    int rc = spa_buf_printf(b, "<!DOCTYPE html>\n<html><head><title>%s %s</title></head><body>\n"
                               "<h1>%s %s</h1>\n",
                            m->name, role == WEB_AS_ADMIN ? "Admin" : "User", m->name,
                            role == WEB_AS_ADMIN ? "Admin Login" : "User Login");
    if (note) {
        rc |= spa_buf_puts(b, "<p class=\"note\">");
        rc |= html_escape(b, note);
        rc |= spa_buf_puts(b, "</p>\n");
    }
    rc |= spa_buf_printf(b, "<form method=\"post\" action=\"%s\">\n<table>\n", action);
    for (size_t i = 0; i < m->nparams && rc == 0; i++) {
        int vis = visibility(p, i, role);
        if (!vis)
            continue;
        const char *g = m->params[i].group ? m->params[i].group : "";
        if (!group || strcmp(group, g) != 0) {
            rc |= spa_buf_puts(b, "<tr><th colspan=\"2\">");
            rc |= html_escape(b, g);
            rc |= spa_buf_puts(b, "</th></tr>\n");
            group = g;
        }
        rc |= page_row(b, p, i, vis);
    }
    return rc | spa_buf_puts(b, "</table>\n<input type=\"submit\" value=\"Submit All Changes\">\n"
                                "</form>\n</body></html>\n");
}

static void send_page(spa_http_req *rq, const spa_params *p, web_role role, const char *action,
                      const char *note)
{
    spa_buf b;
    spa_buf_init(&b);
    if (page(&b, p, role, action, note) < 0)
        reply_text(rq, 500, "out of memory\n");
    else
        spa_http_reply(rq, 200, "text/html; charset=us-ascii", b.data, b.len);
    spa_buf_free(&b);
}

/* ---- changes ------------------------------------------------------------------------------ */

/* Check every field of form for role; build the change to apply (current
 * access kept; empty secrets dropped = unchanged). 0, or the HTTP status to
 * answer with why[n] naming the field. */
static int plan_change(const spa_params *p, const spa_profile *form, web_role role,
                       spa_profile *change, char *why, size_t n)
{
    const spa_model *m = spa_params_model(p);
    for (size_t k = 0; k < form->n; k++) {
        const spa_profile_entry *e = &form->v[k];
        long idx = spa_model_find(m, e->name);
        int vis = idx < 0 ? 0 : visibility(p, (size_t)idx, role);
        if (vis == 0) {
            snprintf(why, n, "%s: no such parameter", e->name);
            return 400;
        }
        if (vis == 1) {
            snprintf(why, n, "%s: read-only", e->name);
            return 403;
        }
        const spa_param_def *pd = &m->params[idx];
        if (is_secret(pd) && !*e->value)
            continue;
        char tw[160];
        if (spa_type_check(&pd->type, e->value, tw, sizeof tw) < 0) {
            snprintf(why, n, "%s: %s", e->name, tw);
            return 400;
        }
        if (spa_profile_set(change, pd->name, e->value, spa_params_access_at(p, (size_t)idx),
                            NULL, 0, 0) < 0) {
            snprintf(why, n, "out of memory");
            return 500;
        }
    }
    return 0;
}

static void post_change(spa_device *dev, spa_http_req *rq, web_role role, const char *action)
{
    spa_params *p = spa_device_params(dev);
    spa_profile form, change;
    spa_apply_result res;
    char why[256] = "";
    size_t len = 0;
    const char *body = spa_http_req_body(rq, &len);
    const char *ct = spa_http_req_header(rq, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        reply_text(rq, 415, "expected application/x-www-form-urlencoded\n");
        return;
    }
    spa_profile_init(&form);
    spa_profile_init(&change);
    int status = spa_device_form_parse(body, len, &form, why, sizeof why) < 0 ? 400 : 0;
    if (!status)
        status = plan_change(p, &form, role, &change, why, sizeof why);
    if (!status && spa_params_apply(p, &change, role == WEB_AS_USER ? SPA_APPLY_AS_USER : 0,
                                    &res) < 0) {
        status = 500;
        snprintf(why, sizeof why, "out of memory");
    }
    spa_profile_free(&form);
    spa_profile_free(&change);
    if (status) {
        spa_buf msg;
        spa_buf_init(&msg);
        spa_buf_printf(&msg, "%s\n", why);
        reply_text(rq, status, msg.data ? msg.data : "error\n");
        spa_buf_free(&msg);
        return;
    }
    char note[96];
    snprintf(note, sizeof note, "%zu parameter(s) changed", res.values_changed);
    if (res.values_changed)
        spa_device_config_changed(dev);
    send_page(rq, p, role, action, note);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static void serve_page(spa_device *dev, spa_http_req *rq, web_role role, const char *action)
{
    const char *method = spa_http_req_method(rq);
    if (strcmp(method, "POST") == 0)
        post_change(dev, rq, role, action);
    else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        send_page(rq, spa_device_params(dev), role, action, NULL);
    else
        reply_text(rq, 405, "method not allowed\n");
}

int spa_device_web_page(spa_device *dev, spa_http_req *rq)
{
    const spa_params *p = spa_device_params(dev);
    const char *path = spa_http_req_path(rq);
    if (strncmp(path, "/admin", 6) == 0 && (path[6] == '\0' || path[6] == '/')) {
        if (!account_ok(p, rq, WEB_ADMIN_USER, "Admin_Passwd")) {
            ask_login(rq, p);
            return 1;
        }
        if (strcmp(path, "/admin") == 0 || strcmp(path, "/admin/") == 0 ||
            strcmp(path, "/admin/advanced") == 0) {
            serve_page(dev, rq, WEB_AS_ADMIN, "/admin/");
            return 1;
        }
        return 0;   /* the functional URLs (resync, upgrade, ...) */
    }
    if (strcmp(path, "/") != 0 && strcmp(path, "/user") != 0)
        return 0;
    if (spa_bool_value(spa_params_get(p, "Enable_Web_Server")) == 0) {
        reply_text(rq, 403, "web access disabled\n");
        return 1;
    }
    if (!account_ok(p, rq, WEB_USER_USER, "User_Password")) {
        ask_login(rq, p);
        return 1;
    }
    serve_page(dev, rq, WEB_AS_USER, "/");
    return 1;
}
