/* render.c — per-device profiles for spaprovd: server-side templates, the
 * scope merge, and the XML/text → gzip → AES chain. The cache is in
 * render_cache.c.
 *
 * Templates are written {{scope.name}} so they can never be mistaken for a
 * device-side macro ($MA, $(SN), ...): those pass through byte for byte and
 * the device expands them itself. "{{{{" stands for a literal "{{". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/render.h"

/* ---- templates ---- */

typedef enum {
    TV_DEV_MAC, TV_DEV_MAC_UPPER, TV_DEV_MAC_COLON, TV_DEV_SERIAL, TV_DEV_MODEL, TV_DEV_KEY,
    TV_DEV_PATH, TV_DEV_KEY_GEN, TV_DEV_GROUP, TV_DEV_ACCOUNT,
    TV_ACCT_ID, TV_ACCT_NAME, TV_ACCT_NUMBER, TV_ACCT_PASSWORD,
    TV_SRV_URL, TV_SRV_NAME, TV_COUNT
} tvar;

static const struct {
    const char *name;
    bool secret;
} tvars[TV_COUNT] = {
    { "device.mac", false },     { "device.mac_upper", false }, { "device.mac_colon", false },
    { "device.serial", false },  { "device.model", false },     { "device.key", true },
    { "device.path", false },    { "device.key_gen", false },   { "device.group", false },
    { "device.account", false }, { "account.id", false },       { "account.name", false },
    { "account.number", false }, { "account.password", true },  { "server.url", false },
    { "server.name", false },
};

static int tvar_find(const char *name, size_t len)
{
    for (int i = 0; i < TV_COUNT; i++)
        if (strlen(tvars[i].name) == len && memcmp(tvars[i].name, name, len) == 0)
            return i;
    return -1;
}

bool spa_template_known(const char *name, size_t len)
{
    return tvar_find(name, len) >= 0;
}

bool spa_template_secret(const char *name, size_t len)
{
    int i = tvar_find(name, len);
    return i >= 0 && tvars[i].secret;
}

/* One scan step: at s (which starts with "{{"), find the variable name.
 * Returns the length consumed, with *name and *nlen set; 0 and why on error. */
static size_t scan_ref(const char *s, const char **name, size_t *nlen, char *why, size_t n)
{
    const char *p = s + 2, *e;
    while (*p == ' ')
        p++;
    *name = p;
    while ((*p >= 'a' && *p <= 'z') || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9'))
        p++;
    e = p;
    while (*p == ' ')
        p++;
    if (p[0] != '}' || p[1] != '}') {
        snprintf(why, n, "template not closed by '}}' (write '{{{{' for a literal '{{')");
        return 0;
    }
    *nlen = (size_t)(e - *name);
    if (!spa_template_known(*name, *nlen)) {
        snprintf(why, n, "unknown template variable '{{%.*s}}'", (int)(*nlen > 40 ? 40 : *nlen),
                 *name);
        return 0;
    }
    return (size_t)(p + 2 - s);
}

int spa_template_check(const char *value, char *why, size_t n, unsigned *col)
{
    const char *s = value;
    int found = 0;
    const char *name;
    size_t nlen, used;
    if (n)
        why[0] = '\0';
    while ((s = strstr(s, "{{")) != NULL) {
        if (strncmp(s, "{{{{", 4) == 0) {
            s += 4;
            continue;
        }
        if ((used = scan_ref(s, &name, &nlen, why, n)) == 0) {
            if (col)
                *col = (unsigned)(s - value) + 1;
            return -1;
        }
        found = 1;
        s += used;
    }
    return found;
}

/* The value of a variable, or NULL when its source is absent/empty. */
static const char *tvar_value(int k, const spa_template_vars *v, char *scratch, size_t n)
{
    const spa_device *dv = v->device;
    const spa_account *a = v->account;
    switch (k) {
    case TV_DEV_MAC:
        return dv ? dv->mac : NULL;
    case TV_DEV_MAC_UPPER:
    case TV_DEV_MAC_COLON:
        if (!dv || strlen(dv->mac) != 12)
            return NULL;
        for (size_t i = 0, o = 0; i < 12 && o + 3 < n; i++) {
            char ch = dv->mac[i];
            if (k == TV_DEV_MAC_UPPER && ch >= 'a' && ch <= 'f')
                ch = (char)(ch - 'a' + 'A');
            scratch[o++] = ch;
            if (k == TV_DEV_MAC_COLON && (i & 1) && i < 11)
                scratch[o++] = ':';
            scratch[o] = '\0';
        }
        return scratch;
    case TV_DEV_SERIAL:
        return dv ? dv->serial : NULL;
    case TV_DEV_MODEL:
        return dv ? dv->model : NULL;
    case TV_DEV_KEY:
        return dv ? dv->key : NULL;
    case TV_DEV_PATH:
        return dv ? dv->path : NULL;
    case TV_DEV_KEY_GEN:
        if (!dv)
            return NULL;
        snprintf(scratch, n, "%u", dv->key_gen);
        return scratch;
    case TV_DEV_GROUP:
        return dv ? dv->group : NULL;
    case TV_DEV_ACCOUNT:
        return dv ? dv->account : NULL;
    case TV_ACCT_ID:
        return a ? a->id : NULL;
    case TV_ACCT_NAME:
        return a ? a->name : NULL;
    case TV_ACCT_NUMBER:
        return a ? a->number : NULL;
    case TV_ACCT_PASSWORD:
        return a ? a->password : NULL;
    case TV_SRV_URL:
        return v->server_url;
    case TV_SRV_NAME:
        return v->server_name;
    default:
        return NULL;
    }
}

int spa_template_expand(const char *value, const spa_template_vars *v, spa_buf *out,
                        unsigned *missing)
{
    const char *s = value, *at;
    char why[128], scratch[32];
    const char *name;
    size_t nlen, used;
    int rc = 0;
    while ((at = strstr(s, "{{")) != NULL) {
        rc |= spa_buf_append(out, s, (size_t)(at - s));
        if (strncmp(at, "{{{{", 4) == 0) {
            rc |= spa_buf_puts(out, "{{");
            s = at + 4;
            continue;
        }
        if ((used = scan_ref(at, &name, &nlen, why, sizeof why)) == 0)
            return -1;
        const char *val = tvar_value(tvar_find(name, nlen), v, scratch, sizeof scratch);
        if (!val || !*val) {
            if (missing)
                (*missing)++;
        } else {
            rc |= spa_buf_puts(out, val);
        }
        s = at + used;
    }
    rc |= spa_buf_puts(out, s);
    OPENSSL_cleanse(scratch, sizeof scratch);
    return rc ? -1 : 0;
}

/* ---- merge ---- */

typedef struct merge_ctx {
    spa_profile *out;
    const spa_model *m;
    int failed;
} merge_ctx;

/* Apply one scope row: a later scope replaces the value and/or the access
 * it sets and keeps what it leaves unset. Parameters the device's model
 * lacks (set at a broad scope for other models) are skipped. */
static int merge_row(void *ctx, const spa_param_row *r)
{
    merge_ctx *mc = ctx;
    const spa_profile_entry *e;
    const char *value = r->value;
    spa_access acc = r->access;
    if (spa_model_find(mc->m, r->name) < 0)
        return 0;
    if ((e = spa_profile_get(mc->out, r->name)) != NULL) {
        if (!value)
            value = e->value;
        if (acc == SPA_ACCESS_UNSET)
            acc = e->access;
    }
    if (spa_profile_set(mc->out, r->name, value, acc, NULL, 0, 0) < 0) {
        mc->failed = 1;
        return 1;
    }
    return 0;
}

/* The server's own values (docs/flows.md, SEC-PRV) win over every scope. */
static int apply_overlay(merge_ctx *mc, const spa_profile *ov)
{
    for (size_t i = 0; ov && i < ov->n && !mc->failed; i++) {
        spa_param_row r = { .scope = SPA_SCOPE_DEVICE, .target = "", .name = ov->v[i].name,
                            .value = ov->v[i].value, .access = ov->v[i].access };
        merge_row(mc, &r);
    }
    return mc->failed ? -1 : 0;
}

static int model_defaults(const spa_model *m, spa_profile *out)
{
    for (size_t i = 0; i < m->nparams; i++) {
        const spa_param_def *pd = &m->params[i];
        if (pd->flags & SPA_PF_WRITE_ONLY)
            continue;
        if (spa_profile_set(out, pd->name, pd->def_value, pd->def_access, NULL, 0, 0) < 0)
            return -1;
    }
    return 0;
}

/* True when a value may hold a secret once expanded: a secret parameter,
 * or a template naming a secret variable. Such values are never quoted. */
static bool secret_value(const spa_param_def *pd, const char *tpl)
{
    return (pd->flags & (SPA_PF_SECRET | SPA_PF_WRITE_ONLY)) || strstr(tpl, "device.key") ||
           strstr(tpl, "account.password");
}

/* Expand every value holding a template; check the result's type. */
static int expand_all(spa_profile *p, const spa_model *m, const spa_template_vars *tv,
                      const char *mac, spa_diags *d)
{
    spa_buf b;
    char why[160];
    int rc = 0;
    spa_buf_init(&b);
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        spa_profile_entry *e = &p->v[i];
        unsigned missing = 0;
        if (!e->value || !strstr(e->value, "{{"))
            continue;
        spa_buf_reset(&b);
        if (spa_template_expand(e->value, tv, &b, &missing) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "template",
                         "device %s: %s: bad template", mac, e->name);
            rc = -1;
            break;
        }
        if (missing)
            spa_diag_add(d, SPA_DIAG_WARNING, NULL, 0, 0, "template-empty",
                         "device %s: %s: %u template variable%s had no value", mac, e->name,
                         missing, missing == 1 ? "" : "s");
        const spa_param_def *pd = spa_model_param(m, e->name);
        if (pd && spa_type_check(&pd->type, b.data, why, sizeof why) < 0)
            spa_diag_add(d, SPA_DIAG_WARNING, NULL, 0, 0, "type",
                         "device %s: %s: expanded value does not fit its type%s%s", mac,
                         e->name, secret_value(pd, e->value) ? "" : ": ",
                         secret_value(pd, e->value) ? "" : why);
        if (!spa_value_is_ascii(b.data, b.len) ||
            spa_profile_set(p, e->name, b.data, e->access, NULL, 0, 0) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "template",
                         "device %s: %s: expanded value is not printable ASCII", mac, e->name);
            rc = -1;
        }
    }
    if (b.data)
        OPENSSL_cleanse(b.data, b.cap);
    spa_buf_free(&b);
    return rc;
}

int spa_render_merge(spa_store *st, const char *mac, const spa_render_opts *o, spa_profile *out,
                     spa_diags *d)
{
    spa_render_opts def = { 0 };
    spa_device dv;
    spa_account acct;
    spa_template_vars tv = { 0 };
    merge_ctx mc = { .out = out };
    int rc, have_acct = 0;

    if (!o)
        o = &def;
    memset(&acct, 0, sizeof acct);
    if (spa_store_snapshot_begin(st, d) < 0)
        return -1;
    if ((rc = spa_store_device_get(st, mac, SPA_STORE_SECRETS, &dv, d)) != 0) {
        spa_store_snapshot_end(st);
        return rc;
    }
    rc = -1;
    if (!(mc.m = spa_store_model(st, dv.model, d)))
        goto out;
    if (dv.account && (have_acct = spa_store_account_get(st, dv.account, SPA_STORE_SECRETS,
                                                         &acct, d)) < 0)
        goto out;
    if (o->full && model_defaults(mc.m, out) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "oom", "out of memory");
        goto out;
    }
    if ((!o->overlay_only && spa_store_params_for_device(st, dv.mac, merge_row, &mc, d) != 0) ||
        mc.failed || apply_overlay(&mc, o->overlay) < 0) {
        if (mc.failed)
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "oom", "out of memory");
        goto out;
    }
    tv.device = &dv;
    tv.account = have_acct == 0 && dv.account ? &acct : NULL;
    tv.server_url = o->server_url;
    tv.server_name = o->server_name;
    rc = expand_all(out, mc.m, &tv, dv.mac, d);
    if (rc == 0)
        rc = spa_render_upgrade_rule(st, &dv, mc.m, o, out, d);
out:
    spa_store_snapshot_end(st);
    spa_device_clear(&dv);
    spa_account_clear(&acct);
    return rc;
}

/* Format → gzip → encrypt the merged profile into out. */
static int encode(spa_store *st, const char *mac, const spa_render_opts *o, spa_crypt_ctx *cc,
                  const spa_profile *p, spa_buf *out, spa_diags *d)
{
    spa_buf a, b;
    spa_device dv;
    const spa_model *m = NULL;
    int rc = -1;
    memset(&dv, 0, sizeof dv);
    spa_buf_init(&a);
    spa_buf_init(&b);
    if (spa_store_device_get(st, mac, o->key == SPA_RENDER_KEY_NONE ? 0 : SPA_STORE_SECRETS,
                             &dv, d) != 0)
        goto out;
    if (o->format == SPA_RENDER_TEXT && !(m = spa_store_model(st, dv.model, d)))
        goto out;
    if ((o->format == SPA_RENDER_TEXT ? spa_profile_write_text(p, m, &a)
                                      : spa_profile_write_xml(p, &a)) < 0)
        goto oom;
    if (o->gzip) {
        if (spa_gzip(cc, a.data, a.len, o->gzip_level, &b) < 0)
            goto oom;
        OPENSSL_cleanse(a.data, a.len);
        spa_buf_free(&a);
        a = b;
        spa_buf_init(&b);
    }
    if (o->key != SPA_RENDER_KEY_NONE) {
        const char *key = o->key == SPA_RENDER_KEY_PREVIOUS ? dv.prev_key : dv.key;
        if (!key || !*key) {
            spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "key", "device %s: has no %s key", dv.mac,
                         o->key == SPA_RENDER_KEY_PREVIOUS ? "previous" : "current");
            goto out;
        }
        if (spa_openssl_encrypt(cc, a.data, a.len, key, o->md, NULL, out) < 0)
            goto oom;
    } else if (spa_buf_append(out, a.data, a.len) < 0) {
        goto oom;
    }
    rc = 0;
    goto out;
oom:
    spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "oom", "device %s: out of memory while encoding",
                 dv.mac);
out:
    if (a.data)
        OPENSSL_cleanse(a.data, a.cap);
    spa_buf_free(&a);
    spa_buf_free(&b);
    spa_device_clear(&dv);
    return rc;
}

int spa_render_device(spa_store *st, const char *mac, const spa_render_opts *o,
                      spa_crypt_ctx *cc, spa_buf *out, spa_diags *d)
{
    spa_render_opts def = { 0 };
    spa_profile p;
    int rc;
    if (!o)
        o = &def;
    spa_profile_init(&p);
    if (spa_store_snapshot_begin(st, d) < 0)
        return -1;
    rc = spa_render_merge(st, mac, o, &p, d);
    if (rc == 0)
        rc = encode(st, mac, o, cc, &p, out, d);
    spa_store_snapshot_end(st);
    spa_render_profile_free(&p);
    return rc;
}

void spa_render_profile_free(spa_profile *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].value)
            OPENSSL_cleanse(p->v[i].value, strlen(p->v[i].value));
    spa_profile_free(p);
}
