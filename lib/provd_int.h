/* provd_int.h — private to spaprovd's core (lib/provd*.c): the pieces of
 * lib/provd.c that the retail binding route (provd_bind.c) and the report
 * intake (provd_report.c) share with it. */
#ifndef SPAPROV_PROVD_INT_H
#define SPAPROV_PROVD_INT_H
#include "spaprov/provd.h"

/* The store and crypt context of a core. */
spa_store *provd_store(spa_provd *p);
spa_crypt_ctx *provd_crypt(spa_provd *p);
/* Store an event (text printf-style, never a secret); mac NULL/"" = none. */
void provd_event(spa_provd *p, const char *mac, spa_event_kind k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Printable-ASCII copy of untrusted text, at most n-1 bytes. */
void provd_clean_text(char *dst, size_t n, const char *src, size_t len);
/* Fill r with a status and a short reason (a text body unless 200). */
void provd_respond(spa_provd_response *r, int status, const char *why);
/* Answer id->want_mac's profile (render, encrypt per policy, record contact). */
void provd_serve_profile(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                         spa_provd_response *r);
/* "tftp", "http" or "https". */
const char *provd_proto_name(spa_provd_proto pr);

/* ---- retail binding (provd_bind.c) ---- */

/* Mask every "?pin=" / "&pin=" value in text beyond its first two
 * characters, in place (a unit's syslog line may quote its bind URL). */
void provd_mask_pins(char *text);
/* True when path (normalised) is the configured binding route. */
bool provd_is_bind(const spa_provd *p, const char *path);
/* Answer a binding request: HTTPS, unit-specific certificate, ?pin=…; bind,
 * register the device if unknown, answer its profile with a permanent
 * Profile_Rule. Stores result/security events itself. */
void provd_bind(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                spa_provd_response *r);

/* ---- reports (provd_report.c) ---- */

/* Store an HTTP POST body as a report event of the identified device
 * (decrypted with its key when encrypted). what: "report" (Report_Rule) or
 * "post" (a --post body on a profile request). -1 when the body is over
 * Report_Max (r filled with 413), else 0. */
int provd_report_post(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                      const char *path, const char *what, spa_provd_response *r);

#endif
