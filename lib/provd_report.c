/* provd_report.c — spaprovd's intake of what units send (issue 7, flow 6):
 * Report_Rule uploads (HTTP POST, TFTP PUT) and `--post` bodies of profile
 * requests. Each becomes a `report` event of the device it came from (MAC
 * proved by a client certificate, else named by the User-Agent, the file
 * name, a MAC-named folder or the query). A unit encrypts a report with its
 * rule's --key, i.e. `openssl enc -aes-256-cbc -md md5 -k KEY` (engine.md);
 * spaprovd provisions --key as the device's key, so the body is decrypted
 * with it (or the key before the last rotation) and the event's blob is the
 * plaintext; the event text says how it travelled. A body that cannot be
 * opened is kept as received. See docs/flows-retail-reports.md. */
#include <stdio.h>
#include <string.h>

#include "spaprov/crypt.h"
#include "spaprov/http_ident.h"
#include "provd_int.h"

#define REPORT_DECODED_MAX ((size_t)16 << 20)   /* cap on a decrypted/gunzipped report */

/* A MAC named by a whole folder component ("spa/000e08aabbcc/rep.xml"): a
 * component of at most 17 characters, so a 32-digit device path never is. */
static void mac_in_folders(const char *path, char mac[13])
{
    const char *s = path, *slash;
    mac[0] = '\0';
    while ((slash = strchr(s, '/')) != NULL) {
        size_t n = (size_t)(slash - s);
        if (n >= 12 && n <= 17 && spa_mac_find(s, n, mac) != SPA_MAC_NONE)
            return;
        mac[0] = '\0';
        s = slash + 1;
    }
}

/* Decrypt (and gunzip) body with the device's key, else its previous key.
 * Fills out and a short note. 0 opened or plain, -1 kept as received. */
static int open_body(spa_provd *p, const char *mac, const void *body, size_t len,
                     spa_buf *out, char *note, size_t n)
{
    spa_device dv;
    spa_diags d;
    spa_decode_info info;
    int rc = -1;

    if (!spa_is_openssl_salted(body, len) && !spa_is_gzip(body, len)) {
        snprintf(note, n, "plain");
        return spa_buf_append(out, body, len) < 0 ? -1 : 0;
    }
    if (!mac[0]) {
        snprintf(note, n, "encrypted, no device to take the key from: kept as received");
        return -1;
    }
    spa_diags_init(&d);
    if (spa_store_device_get(provd_store(p), mac, SPA_STORE_SECRETS, &dv, &d) != 0) {
        spa_diags_free(&d);
        snprintf(note, n, "encrypted, unknown device: kept as received");
        return -1;
    }
    spa_diags_free(&d);
    const char *keys[2] = { dv.key, dv.prev_key };
    for (size_t i = 0; i < 2 && rc != SPA_DEC_OK; i++) {
        spa_decode_opts o = { .key = keys[i], .mac = mac, .max_size = REPORT_DECODED_MAX };
        if (!keys[i])
            continue;
        memset(&info, 0, sizeof info);
        spa_buf_reset(out);
        rc = spa_decode(provd_crypt(p), body, len, &o, out, &info);
        if (rc == SPA_DEC_OK)
            snprintf(note, n, "%s, decrypted with the device's %skey, %zu bytes",
                     (info.layers & SPA_LAYER_SALTED) ? "encrypted" : "gzip",
                     i ? "previous " : "", out->len);
    }
    spa_device_clear(&dv);
    if (rc != SPA_DEC_OK) {
        spa_buf_reset(out);
        snprintf(note, n, "encrypted, not opened with the device's key (%s): kept as received",
                 spa_dec_status_name(rc));
        return -1;
    }
    return 0;
}

/* Store one report event: text + the opened body (or the raw bytes). */
static void store_report(spa_provd *p, const char *mac, const char *head, const void *body,
                         size_t len)
{
    spa_buf plain;
    char note[160];
    spa_diags d;
    const void *blob = body;
    size_t blen = len;
    char text[900];

    spa_buf_init(&plain);
    if (open_body(p, mac, body, len, &plain, note, sizeof note) == 0) {
        blob = plain.data;
        blen = plain.len;
    }
    snprintf(text, sizeof text, "%s, %zu bytes, %s", head, len, note);
    provd_flush(p);   /* keep the order of events: what is queued goes first */
    spa_diags_init(&d);
    if (spa_store_event_add(provd_store(p), 0, mac[0] ? mac : NULL, SPA_EV_REPORT, text, blob,
                            blen, &d) < 0 && d.n) {
        char line[512];
        fprintf(stderr, "spaprovd: report not stored: %s\n",
                spa_diag_format(&d.v[0], line, sizeof line));
    }
    spa_diags_free(&d);
    spa_buf_free(&plain);
}

int provd_report_post(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                      const char *path, const char *what, spa_provd_response *r)
{
    const spa_provd_config *c = spa_provd_get_config(p);
    char mac[13], clean[300], head[500];

    if (c->report_max && in->body_len > c->report_max) {
        provd_respond(r, 413, "report body over Report_Max");
        return -1;
    }
    snprintf(mac, sizeof mac, "%s", id->mac);
    if (!mac[0])
        mac_in_folders(path, mac);
    provd_clean_text(clean, sizeof clean, path, strlen(path));
    snprintf(head, sizeof head, "%s via %s POST /%s from %s", what, provd_proto_name(in->proto),
             clean, in->peer ? in->peer : "-");
    store_report(p, mac, head, in->body ? in->body : "", in->body ? in->body_len : 0);
    return 0;
}

void spa_provd_report(spa_provd *p, const char *name, const char *peer, const void *data,
                      size_t len)
{
    char clean[300], head[400], mac[13];
    const char *bn = strrchr(name, '/');
    bn = bn ? bn + 1 : name;
    provd_clean_text(clean, sizeof clean, name, strlen(name));
    snprintf(head, sizeof head, "upload %s from %s", clean, peer ? peer : "-");
    if (spa_mac_find(bn, strlen(bn), mac) == SPA_MAC_NONE)
        mac_in_folders(name, mac);
    store_report(p, mac, head, data, len);
}
