/* provd_bind.c — retail binding (issue 7, flow 2). A unit bought in a shop
 * knows nothing of its customer; the customer's browser opens the unit's
 * `/admin/resync?https://PROV/bind?pin=PIN`, the unit fetches that URL with
 * its unit-specific client certificate, and spaprovd ties the unit (its MAC,
 * model and serial proved by the certificate; registered when unknown) to
 * the account holding that single-use PIN. The answer is the unit's profile
 * — unencrypted XML, as the unit holds no key yet; TLS protects it and the
 * certificate proved the unit, the same conditions HTTPS_Plain requires —
 * plus a permanent Profile_Rule (Bind_Profile_Rule) and the device key in
 * GPP_SA, so every later resync fetches the encrypted per-device profile.
 * A wrong, used or expired PIN binds nothing and is a security event; the
 * PIN is never logged beyond its first two characters. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "spaprov/device.h"
#include "spaprov/profile.h"
#include "provd_int.h"

/* "12******": enough for support to recognise a mistyped PIN, never more. */
static void pin_masked(const char *pin, char *out, size_t n)
{
    size_t len = strlen(pin), o = 0;
    for (size_t i = 0; i < len && o + 1 < n && i < SPA_PIN_MAX; i++)
        out[o++] = i < 2 ? pin[i] : '*';
    out[o] = '\0';
}

void provd_mask_pins(char *text)
{
    for (char *s = text; (s = strstr(s, "pin=")) != NULL; s += 4) {
        if (s != text && s[-1] != '?' && s[-1] != '&')
            continue;
        char *v = s + 4;
        size_t n = strcspn(v, "& \"'");
        for (size_t i = 2; i < n; i++)
            v[i] = '*';
    }
}

bool provd_is_bind(const spa_provd *p, const char *path)
{
    const char *b = spa_provd_get_config(p)->bind_path;
    while (*b == '/')
        b++;
    return *b && strcmp(path, b) == 0;
}

/* The value of pin= in a raw query, percent-decoded, into out[n]. 0 or -1. */
static int query_pin(const char *q, char *out, size_t n)
{
    const char *s = q;
    out[0] = '\0';
    while (s && *s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        if (len > 4 && strncmp(s, "pin=", 4) == 0) {
            spa_buf v;
            int rc = -1;
            spa_buf_init(&v);
            if (spa_device_url_decode(s + 4, len - 4, &v) == 0 && v.data && v.len < n) {
                memcpy(out, v.data, v.len + 1);
                rc = 0;
            }
            if (v.data)
                OPENSSL_cleanse(v.data, v.len);
            spa_buf_free(&v);
            return rc;
        }
        s = amp ? amp + 1 : NULL;
    }
    return -1;
}

/* The device's merged profile plus the permanent rule (and GPP_SA = its key
 * when the rule says $SA and no scope sets GPP_SA), as XML into out. */
static int bind_profile(spa_provd *p, const char *mac, spa_buf *out, spa_diags *d)
{
    const spa_provd_config *c = spa_provd_get_config(p);
    spa_store *st = provd_store(p);
    spa_render_opts o;
    spa_profile prof;
    spa_device dv;
    spa_account acct;
    spa_buf rule;
    int rc;

    memset(&o, 0, sizeof o);
    o.format = SPA_RENDER_XML;
    o.key = SPA_RENDER_KEY_NONE;
    o.server_url = c->server_url;
    o.server_name = c->server_name;
    memset(&acct, 0, sizeof acct);
    memset(&dv, 0, sizeof dv);
    spa_profile_init(&prof);
    spa_buf_init(&rule);
    rc = spa_render_merge(st, mac, &o, &prof, d);
    if (rc == 0)
        rc = spa_store_device_get(st, mac, SPA_STORE_SECRETS, &dv, d) == 0 ? 0 : -1;
    if (rc == 0 && dv.account && spa_store_account_get(st, dv.account, SPA_STORE_SECRETS, &acct,
                                                       d) < 0)
        rc = -1;
    if (rc == 0 && !spa_profile_get(&prof, "Profile_Rule") && c->bind_profile_rule[0]) {
        spa_template_vars tv = { &dv, acct.id ? &acct : NULL, c->server_url, c->server_name };
        if (spa_template_expand(c->bind_profile_rule, &tv, &rule, NULL) < 0 || !rule.data ||
            spa_profile_set(&prof, "Profile_Rule", rule.data, SPA_ACCESS_NA, NULL, 0, 0) < 0)
            rc = -1;
        else if (strstr(c->bind_profile_rule, "$SA") && !spa_profile_get(&prof, "GPP_SA") &&
                 spa_profile_set(&prof, "GPP_SA", dv.key, SPA_ACCESS_NA, NULL, 0, 0) < 0)
            rc = -1;
    }
    if (rc == 0)
        rc = spa_profile_write_xml(&prof, out) < 0 ? -1 : 0;
    if (rule.data)
        OPENSSL_cleanse(rule.data, rule.len);   /* the rule may carry {{device.key}} */
    spa_buf_free(&rule);
    spa_profile_free(&prof);
    spa_account_clear(&acct);
    spa_device_clear(&dv);
    return rc;
}

/* A known device an operator disabled may not bind either. */
static bool device_disabled(spa_provd *p, const char *mac)
{
    spa_device dv;
    spa_diags d;
    bool off = false;
    spa_diags_init(&d);
    if (spa_store_device_get(provd_store(p), mac, 0, &dv, &d) == 0) {
        off = dv.state == SPA_DEV_DISABLED;
        spa_device_clear(&dv);
    }
    spa_diags_free(&d);
    return off;
}

/* Refuse with status and a security event naming the reason. */
static void refuse(spa_provd *p, const spa_provd_input *in, const char *mac,
                   spa_provd_response *r, int status, const char *why)
{
    provd_respond(r, status, why);
    provd_event(p, mac, SPA_EV_SECURITY, "%s binding refused from %s: %s",
                provd_proto_name(in->proto), in->peer ? in->peer : "-", why);
    provd_event(p, mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
}

void provd_bind(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                spa_provd_response *r)
{
    char pin[SPA_PIN_MAX + 1], masked[SPA_PIN_MAX + 1], acct[80], why[200];
    spa_bind_request rq;
    spa_diags d;
    int rc;

    if (in->method && strcmp(in->method, "GET") != 0) {
        provd_respond(r, 405, "binding is a GET");
        provd_event(p, id->mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
        return;
    }
    if (in->proto != SPA_PROTO_HTTPS) {
        refuse(p, in, id->mac, r, 403,
               "binding only over https (a PIN sent in the clear: issue a new one)");
        return;
    }
    if (!id->cert_bound) {
        refuse(p, in, id->mac, r, 403, "binding needs a unit-specific client certificate");
        return;
    }
    if (!in->query || query_pin(in->query, pin, sizeof pin) < 0) {
        provd_respond(r, 400, "binding needs ?pin=");
        provd_event(p, id->mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
        return;
    }
    pin_masked(pin, masked, sizeof masked);
    if (device_disabled(p, id->mac)) {   /* before the PIN is spent */
        OPENSSL_cleanse(pin, sizeof pin);
        refuse(p, in, id->mac, r, 403, "device disabled");
        return;
    }
    memset(&rq, 0, sizeof rq);
    rq.mac = id->mac;
    rq.model = id->model[0] ? id->model : NULL;
    rq.serial = id->serial;
    rq.pin = pin;
    spa_diags_init(&d);
    rc = spa_store_pin_bind(provd_store(p), &rq, acct, sizeof acct, &d);
    OPENSSL_cleanse(pin, sizeof pin);
    if (rc < 0) {
        snprintf(why, sizeof why, "binding failed: %s", d.n ? d.v[0].message : "database error");
        provd_respond(r, 400, why);
        provd_event(p, id->mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
        spa_diags_free(&d);
        return;
    }
    if (rc != SPA_BIND_OK && rc != SPA_BIND_AGAIN) {
        snprintf(why, sizeof why, "%s (pin %s)", spa_bind_result_name((spa_bind_result)rc),
                 masked);
        spa_diags_free(&d);
        refuse(p, in, id->mac, r, rc == SPA_BIND_WRONG ? 403 : 410, why);
        return;
    }
    provd_event(p, id->mac, SPA_EV_RESULT, "%s to account %s (pin %s, %s %s)",
                spa_bind_result_name((spa_bind_result)rc), acct, masked,
                id->model[0] ? id->model : "-", id->serial[0] ? id->serial : "-");
    spa_buf_reset(&r->body);
    if (bind_profile(p, id->mac, &r->body, &d) < 0) {
        spa_diags_free(&d);
        provd_respond(r, 500, "render failed");
        provd_event(p, id->mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
        return;
    }
    spa_diags_free(&d);
    provd_contact(p, id->mac, id->fw_version[0] ? id->fw_version : NULL);
    r->status = 200;
    r->content_type = "text/xml";
    snprintf(r->reason, sizeof r->reason, "binding profile, %zu bytes, plain over https",
             r->body.len);
    provd_event(p, id->mac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
}
