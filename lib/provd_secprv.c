/* provd_secprv.c — the provisioning flows spaprovd runs on top of plain
 * profile serving (docs/flows.md):
 *
 * - flow 1, in-house preprovisioning: a factory-default unit asks its
 *   DHCP-given TFTP server for /spa$PSN.cfg; spaprovd answers with a
 *   generated, non-secret profile whose Profile_Rule points the unit at its
 *   per-device URL on the permanent server (setting Bootstrap_Rule);
 * - flow 3, secure provisioning (guide §1, SEC-PRV-1 → SEC-PRV-2): the first
 *   profile, only over HTTPS to a unit proved by its own client certificate,
 *   is targeted to the MAC and sets GPP_A to the device's 256-bit key, GPP_B
 *   to its random directory and Profile_Rule to "[--key $A] URL/$B/spa$PSN.cfg";
 *   every later profile is the full one, encrypted with that key, at that
 *   path, and carries the same three values (so a rotated key and path are
 *   delivered under the old key: flow 4).
 *
 * The socket-free request logic that calls these is lib/provd.c. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include "spaprov/cfg.h"
#include "spaprov/profile.h"
#include "spaprov/provd.h"

/* "spa" + 1..16 letters/digits + ".cfg"/".xml", with no folder: the
 * factory Profile_Rule /spa$PSN.cfg. */
static bool is_factory_name(const char *path)
{
    size_t n = strlen(path), i;
    if (n < 8 || n > 23 || strncmp(path, "spa", 3) != 0)
        return false;
    if (strcmp(path + n - 4, ".cfg") != 0 && strcmp(path + n - 4, ".xml") != 0)
        return false;
    for (i = 3; i < n - 4; i++)
        if (!((path[i] >= '0' && path[i] <= '9') || (path[i] >= 'a' && path[i] <= 'z') ||
              (path[i] >= 'A' && path[i] <= 'Z')))
            return false;
    return true;
}

int spa_provd_bootstrap_profile(const spa_provd_config *c, const char *path, spa_buf *out)
{
    spa_template_vars tv = { .server_url = c->server_url, .server_name = c->server_name };
    spa_profile p;
    spa_buf rule;
    int rc = -1;
    if (!c->bootstrap_rule[0] || !path || !is_factory_name(path))
        return 1;
    spa_profile_init(&p);
    spa_buf_init(&rule);
    if (spa_template_expand(c->bootstrap_rule, &tv, &rule, NULL) == 0 &&
        spa_profile_set(&p, "Profile_Rule", rule.data ? rule.data : "", SPA_ACCESS_UNSET, NULL,
                        0, 0) == 0 &&
        spa_profile_write_xml(&p, out) == 0)
        rc = 0;
    spa_buf_free(&rule);
    spa_profile_free(&p);
    return rc;
}

/* Length of a base URL without its trailing slashes. */
static int base_len(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return (int)n;
}

int spa_provd_secprv_overlay(const spa_provd_config *c, spa_profile *ov)
{
    char rule[2 * SPA_PROVD_STR + 96];
    const char *base = c->secure_url[0] ? c->secure_url : c->server_url;
    const char *rec = c->secure_recovery_url;
    spa_profile_free(ov);
    spa_profile_init(ov);
    if (!c->secure_provisioning)
        return 0;
    if (rec[0])
        snprintf(rule, sizeof rule, "($PRVST eq 2)? %.*s/spa$MA.cfg | [--key $A] %.*s/$B/spa$PSN.cfg",
                 base_len(rec), rec, base_len(base), base);
    else
        snprintf(rule, sizeof rule, "[--key $A] %.*s/$B/spa$PSN.cfg", base_len(base), base);
    if (spa_profile_set(ov, "GPP_A", "{{device.key}}", SPA_ACCESS_UNSET, NULL, 0, 0) < 0 ||
        spa_profile_set(ov, "GPP_B", "{{device.path}}", SPA_ACCESS_UNSET, NULL, 0, 0) < 0 ||
        spa_profile_set(ov, "Profile_Rule", rule, SPA_ACCESS_UNSET, NULL, 0, 0) < 0)
        return -1;
    return 0;
}

int spa_provd_secprv_first(spa_store *st, const spa_provd_config *c, spa_crypt_ctx *cc,
                           const char *mac, spa_buf *out, spa_diags *d)
{
    spa_profile ov, p;
    spa_render_opts o;
    spa_cfg_opts co;
    spa_buf xml;
    char why[160];
    int rc;
    spa_profile_init(&ov);
    spa_profile_init(&p);
    spa_buf_init(&xml);
    spa_provd_config on = *c;
    on.secure_provisioning = true;
    memset(&o, 0, sizeof o);
    o.server_url = c->server_url;
    o.server_name = c->server_name;
    o.overlay = &ov;
    o.overlay_only = true;
    if (spa_provd_secprv_overlay(&on, &ov) < 0) {
        rc = spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    if ((rc = spa_render_merge(st, mac, &o, &p, d)) != 0)
        goto out;
    memset(&co, 0, sizeof co);
    co.target = mac;
    co.xml = true;
    if (spa_profile_write_xml(&p, &xml) < 0) {
        rc = spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    if (spa_cfg_pack(cc, xml.data, xml.len, &co, out, why, sizeof why) < 0)
        rc = spa_diag_error(d, "secprv", "device %s: SEC-PRV-1 container: %s", mac, why);
out:
    if (xml.data)
        OPENSSL_cleanse(xml.data, xml.cap);
    spa_buf_free(&xml);
    spa_render_profile_free(&p);
    spa_profile_free(&ov);
    return rc;
}

int spa_provd_path_device(spa_store *st, const char *path, char mac[13], bool *previous,
                          spa_diags *d)
{
    const char *slash = path ? strrchr(path, '/') : NULL, *start;
    char dir[40];
    mac[0] = '\0';
    *previous = false;
    if (!slash)
        return 1;
    for (start = slash; start > path && start[-1] != '/'; start--)
        ;
    if ((size_t)(slash - start) >= sizeof dir)
        return 1;
    memcpy(dir, start, (size_t)(slash - start));
    dir[slash - start] = '\0';
    return spa_store_device_by_path(st, dir, mac, previous, d);
}
