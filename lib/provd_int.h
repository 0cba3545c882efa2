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
/* Record a contact of mac (firmware version seen, NULL = keep): queued with
 * the events when writing behind. */
void provd_contact(spa_provd *p, const char *mac, const char *fw_seen);
/* Write what is queued now (before an event written directly, with a blob). */
void provd_flush(spa_provd *p);
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

/* ---- write-behind queue (provd_queue.c) ---- */

struct event_base;
typedef struct provd_queue provd_queue;
/* An empty queue over st, writing at once until enabled. NULL on OOM. */
provd_queue *provd_queue_new(spa_store *st);
/* Write what is queued (logged when it fails) and free the queue. */
void provd_queue_free(provd_queue *q);
/* Queue from now on, flushing at the end of each turn of base's loop (base
 * NULL: only at SPA_PROVD_BATCH and on flush). 0 or -1. */
int provd_queue_enable(provd_queue *q, struct event_base *base);
/* Store an event without a blob (queued, or written at once). */
void provd_queue_event(provd_queue *q, const char *mac, spa_event_kind k, const char *text);
/* Writes queued from now on may wait up to 10 ms instead of the end of the
 * turn (TFTP, syslog: nothing is waiting for them to be stored). */
void provd_queue_lazy(provd_queue *q, bool lazy);
/* Record a contact (queued, or written at once). */
void provd_queue_contact(provd_queue *q, const char *mac, const char *fw_seen);
/* Write everything queued in one transaction. 0, or -1 (kept for a retry). */
int provd_queue_flush(provd_queue *q);

#endif
