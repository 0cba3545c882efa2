/* device_rc.c — a remote-customized (RC) unit's first step (issue 7, flow
 * 7): before its normal provisioning, an RC unit fetches its customization
 * from the vendor's server (spasim --rc URL). The answer is a plain
 * <flat-profile>: a <Customization> element with the company name the unit
 * then shows (instead of "Pending"; $ISCUST becomes 1) and the company's
 * parameters (Restricted_Access_Domains, DNS servers, Profile_Rule), applied
 * atomically. lib/device.c runs the transfer; this file holds the parts that
 * need no event loop. */
#include <stdio.h>
#include <string.h>
#include "spaprov/device.h"
#include "spaprov/profile.h"

int spa_rc_apply(spa_params *p, const void *body, size_t len, char *company, size_t n,
                 char *why, size_t whyn)
{
    spa_profile prof;
    spa_diags d;
    const spa_profile_entry *e;
    int rc = -1;
    spa_profile_init(&prof);
    spa_diags_init(&d);
    if (!body || !spa_profile_looks_xml(body, len) ||
        spa_profile_parse_xml(&prof, body, len, "customization", NULL, &d) < 0) {
        snprintf(why, whyn, "corrupt file");   /* never quote the text: it may hold a key */
        goto out;
    }
    e = spa_profile_get(&prof, "Customization");
    if (!e || !e->value || !e->value[0] || strlen(e->value) >= n ||
        !spa_value_is_ascii(e->value, strlen(e->value))) {
        snprintf(why, whyn, "no company name in the customization");
        goto out;
    }
    snprintf(company, n, "%s", e->value);
    spa_profile_remove(&prof, "Customization");
    if (spa_params_apply(p, &prof, 0, NULL) < 0) {
        snprintf(why, whyn, "out of memory");
        goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < prof.n; i++)
        if (prof.v[i].value)
            memset(prof.v[i].value, 0, strlen(prof.v[i].value));
    spa_profile_free(&prof);
    spa_diags_free(&d);
    return rc;
}

const char *spa_rc_xfer_error(const spa_xfer_result *r)
{
    switch (r->status) {
    case SPA_XFER_OK: return "";
    case SPA_XFER_NOT_FOUND: return "file not found";
    case SPA_XFER_TIMEOUT: return "timeout";
    case SPA_XFER_HTTP_ERROR: return "http_get failed";
    case SPA_XFER_TFTP_ERROR: return "tftp_get failed";
    case SPA_XFER_CONNECT_FAILED: return "connect failed";
    case SPA_XFER_DNS_FAILED: return "dns lookup failed";
    case SPA_XFER_TLS_FAILED: return "ssl handshake failed";
    case SPA_XFER_TOO_LARGE: return "file too large";
    }
    return "transfer failed";
}
