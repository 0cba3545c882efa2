/* render_upgrade.c — the Upgrade_Rule spaprovd generates from a firmware
 * target (issue 7, flow 5). A multi-stage upgrade (guide §2.12: "chain
 * conditions on $SWVER") becomes one alternative per required intermediate
 * version, oldest first, and a last one for the target:
 *
 *   ( $SWVER lt 5.1.11 )? http://h:p/fw/SPA2102/5.1.11.bin |
 *   ( $SWVER ne 5.1.12 )? http://h:p/fw/SPA2102/5.1.12.bin
 *
 * so a unit installs one image per reboot (Resync_After_Upgrade_Attempt
 * re-evaluates the rule after each) until it runs the target. No step below
 * the device's Downgrade_Rev_Limit is ever generated (the unit would refuse
 * it anyway, and retry it forever). A rule set explicitly at any scope
 * wins over the generated one. */
#include <stdio.h>
#include <string.h>
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/render.h"
#include "spaprov/version.h"

int spa_fwver_rule_text(const char *version, char *out, size_t n)
{
    spa_fwver v;
    int k;
    if (!version || spa_fwver_parse(version, strlen(version), &v) < 0)
        return -1;
    if (v.suffix[0] && !((v.suffix[0] >= 'a' && v.suffix[0] <= 'z') ||
                         (v.suffix[0] >= 'A' && v.suffix[0] <= 'Z')))
        return -1;
    k = snprintf(out, n, "%u.%u.%u%s", v.part[0], v.part[1], v.part[2], v.suffix);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Append " | " between alternatives and one "( $SWVER op V )? URL". */
static int add_step(spa_buf *out, bool first, const char *op, const char *model,
                    const char *version, const char *base)
{
    char ver[48], rel[160];
    size_t blen = strlen(base);
    if (spa_fwver_rule_text(version, ver, sizeof ver) < 0 ||
        spa_firmware_rel_path(model, version, rel, sizeof rel) < 0)
        return -1;
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    return spa_buf_printf(out, "%s( $SWVER %s %s )? %.*s/%s", first ? "" : " | ", op, ver,
                          (int)blen, base, rel);
}

/* True (with a warning) when version is below a valid limit. */
static bool below_limit(const char *version, const spa_fwver *lim, const char *limit_text,
                        const char *device, spa_diags *d)
{
    spa_fwver v;
    if (!lim || spa_fwver_parse(version, strlen(version), &v) < 0 || spa_fwver_cmp(&v, lim) >= 0)
        return false;
    spa_diag_add(d, SPA_DIAG_WARNING, NULL, 0, 0, "downgrade-limit",
                 "device %s: firmware %s is below Downgrade_Rev_Limit %s: step not generated",
                 device, version, limit_text);
    return true;
}

int spa_upgrade_rule_text(const char *model, const char *version, const char *via,
                          const char *limit, const char *base_url, const char *device,
                          spa_buf *out, spa_diags *d)
{
    spa_fwver lim;
    const spa_fwver *lp = NULL;
    char step[64];
    int n = 0;
    if (limit && *limit && spa_fwver_parse(limit, strlen(limit), &lim) == 0)
        lp = &lim;
    for (const char *p = via ? via : ""; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *start = p;
        p = e ? e + 1 : p + len;
        if (len == 0 || len >= sizeof step)
            continue;
        memcpy(step, start, len);
        step[len] = '\0';
        if (below_limit(step, lp, limit, device, d))
            continue;
        if (add_step(out, n == 0, "lt", model, step, base_url) < 0)
            return -1;
        n++;
    }
    if (!below_limit(version, lp, limit, device, d)) {
        if (add_step(out, n == 0, "ne", model, version, base_url) < 0)
            return -1;
        n++;
    }
    return n;
}

int spa_render_upgrade_rule(spa_store *st, const spa_device *dv, const spa_model *m,
                            const spa_render_opts *o, spa_profile *out, spa_diags *d)
{
    spa_fw_target t;
    const spa_profile_entry *e;
    const char *limit = NULL;
    spa_buf b;
    int rc;
    if (spa_model_find(m, "Upgrade_Rule") < 0)
        return 0;
    e = spa_profile_get(out, "Upgrade_Rule");
    if (e && e->value && e->value[0])
        return 0;   /* set explicitly at some scope: the operator's rule wins */
    if ((rc = spa_store_fw_target_for(st, dv->model, dv->group, &t, d)) != 0)
        return rc < 0 ? -1 : 0;
    if (!o->firmware_url || !o->firmware_url[0]) {
        spa_diag_add(d, SPA_DIAG_WARNING, NULL, 0, 0, "firmware-url",
                     "device %s: firmware target %s but no firmware URL (TFTP and HTTP off?)",
                     dv->mac, t.version);
        spa_fw_target_clear(&t);
        return 0;
    }
    const spa_profile_entry *le = spa_profile_get(out, "Downgrade_Rev_Limit");
    if (le && le->value)
        limit = le->value;
    spa_buf_init(&b);
    rc = spa_upgrade_rule_text(t.model, t.version, t.via, limit, o->firmware_url, dv->mac, &b, d);
    if (rc > 0 && spa_profile_set(out, "Upgrade_Rule", b.data, e ? e->access : SPA_ACCESS_UNSET,
                                  NULL, 0, 0) < 0)
        rc = -1;
    if (rc < 0)
        spa_diag_add(d, SPA_DIAG_ERROR, NULL, 0, 0, "oom",
                     "device %s: cannot write the Upgrade_Rule", dv->mac);
    spa_buf_free(&b);
    spa_fw_target_clear(&t);
    return rc < 0 ? -1 : 0;
}
