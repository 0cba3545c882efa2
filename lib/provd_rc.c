/* provd_rc.c — the vendor's remote-customization (RC) answer (issue 7, flow
 * 7). A vendor-mode spaprovd (Mode "rc-vendor") answers an RC unit's first
 * request with its company's customization: a plain <flat-profile> naming
 * the company (<Customization>, which the unit shows instead of "Pending"),
 * the company's Restricted_Access_Domains, DNS servers and Profile_Rule.
 * It is served over HTTPS only (lib/provd.c refuses it elsewhere): it may
 * carry the company's profile key for the unit. */
#include <stdio.h>
#include <string.h>
#include "spaprov/profile.h"
#include "spaprov/provd.h"

/* Primary (and secondary) DNS from "A[,B]". */
static int set_dns(spa_profile *p, const char *dns)
{
    char a[64];
    const char *comma = strchr(dns, ',');
    size_t len = comma ? (size_t)(comma - dns) : strlen(dns);
    if (!*dns)
        return 0;
    snprintf(a, sizeof a, "%.*s", (int)len, dns);
    if (spa_profile_set(p, "Primary_DNS", a, SPA_ACCESS_UNSET, NULL, 0, 0) < 0)
        return -1;
    if (comma && spa_profile_set(p, "Secondary_DNS", comma + 1, SPA_ACCESS_UNSET, NULL, 0, 0) < 0)
        return -1;
    return 0;
}

int spa_rc_profile(spa_store *st, const char *mac, spa_buf *out, spa_diags *d)
{
    spa_rc_company c;
    spa_profile p;
    spa_buf rule;
    char *key = NULL;
    int rc = spa_store_rc_unit(st, mac, SPA_STORE_SECRETS, &c, &key, d);
    if (rc != 0)
        return rc;
    spa_profile_init(&p);
    spa_buf_init(&rule);
    rc = -1;
    if (key)
        spa_buf_printf(&rule, "[--key %s] ", key);
    spa_buf_puts(&rule, c.url);
    if (!rule.data)
        goto out;
    if (spa_profile_set(&p, "Customization", c.name, SPA_ACCESS_UNSET, NULL, 0, 0) < 0 ||
        spa_profile_set(&p, "Restricted_Access_Domains", c.domains, SPA_ACCESS_UNSET, NULL, 0,
                        0) < 0 ||
        set_dns(&p, c.dns) < 0 ||
        spa_profile_set(&p, "Profile_Rule", rule.data, SPA_ACCESS_UNSET, NULL, 0, 0) < 0 ||
        spa_profile_write_xml(&p, out) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        spa_diag_error(d, "oom", "out of memory");
    if (rule.data)
        memset(rule.data, 0, rule.len);
    spa_buf_free(&rule);
    for (size_t i = 0; i < p.n; i++)
        if (p.v[i].value)
            memset(p.v[i].value, 0, strlen(p.v[i].value));
    spa_profile_free(&p);
    spa_secret_free(key);
    spa_rc_company_clear(&c);
    return rc;
}
