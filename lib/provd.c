/* provd.c — spaprovd's request logic, independent of sockets: route a
 * request path (refusing traversal), identify the device (client
 * certificate → User-Agent → MAC in the path/query/file name), then answer
 * with its rendered profile or a static file, storing a request event and a
 * result (or security) event for each. Policy for secrets: over plain HTTP
 * and TFTP a profile is always encrypted with the device's key; over HTTPS
 * it is sent unencrypted only when HTTPS_Plain is on and a unit-specific
 * client certificate proved the device. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spaprov/hex.h"
#include "spaprov/http.h"
#include "spaprov/http_ident.h"
#include "spaprov/profile.h"
#include "spaprov/provd.h"
#include "spaprov/tftp.h"
#include "provd_int.h"

#define STATIC_MAX ((off_t)256 << 20)  /* largest static file served (256 MiB) */

struct spa_provd {
    spa_store *st;
    spa_provd_config cfg;
    spa_render_cache *cache;
    spa_crypt_ctx *cc;
    spa_profile overlay;      /* SEC-PRV values every profile carries (provd_secprv.c) */
    provd_queue *q;           /* events and contacts, written behind (provd_queue.c) */
};

const char *spa_id_source_name(spa_id_source s)
{
    switch (s) {
    case SPA_ID_CERT: return "certificate";
    case SPA_ID_UA: return "user-agent";
    case SPA_ID_PATH: return "path";
    case SPA_ID_QUERY: return "query";
    case SPA_ID_FILENAME: return "file name";
    case SPA_ID_NONE: break;
    }
    return "none";
}

/* ---- routing --------------------------------------------------------- */

/* %XX-decode s into out[n]; -1 on a bad escape, %00 or overflow. */
static int pct_decode(const char *s, char *out, size_t n, char *why, size_t whyn)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        char ch = s[i];
        if (ch == '%') {
            int h = s[i + 1] ? spa_hex_value((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 && s[i + 2] ? spa_hex_value((unsigned char)s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                snprintf(why, whyn, "bad %%-escape at offset %zu", i);
                return -1;
            }
            ch = (char)(h * 16 + l);
            if (ch == '\0') {
                snprintf(why, whyn, "%%00 in path");
                return -1;
            }
            i += 2;
        }
        if (o + 1 >= n) {
            snprintf(why, whyn, "path too long");
            return -1;
        }
        out[o++] = ch;
    }
    out[o] = '\0';
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

spa_route_kind spa_provd_route(spa_provd_proto proto, const char *raw, char *out, size_t n,
                               char *why, size_t whyn)
{
    char dec[1024];
    spa_tftp_err err;
    const char *p = raw ? raw : "";

    if (n)
        out[0] = '\0';
    if (whyn)
        why[0] = '\0';
    if (proto != SPA_PROTO_TFTP) {
        if (pct_decode(p, dec, sizeof dec, why, whyn) < 0)
            return SPA_ROUTE_REFUSE;
        p = dec;
    }
    if (strcmp(p, "/") == 0 || p[0] == '\0')
        return SPA_ROUTE_STATIC;    /* the root itself: nothing to serve, 404 */
    if (spa_tftp_check_path(p, strlen(p), out, n, &err) < 0) {
        snprintf(why, whyn, "%s", err.msg);
        if (n)
            out[0] = '\0';
        return SPA_ROUTE_REFUSE;
    }
    if (ends_with(out, ".cfg") || ends_with(out, ".xml"))
        return SPA_ROUTE_PROFILE;
    return SPA_ROUTE_STATIC;
}

/* ---- identification --------------------------------------------------- */

static void copy_field(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

/* "SPA-2102" → "SPA2102". */
static void norm_model(char *dst, size_t n, const char *src)
{
    size_t o = 0;
    for (size_t i = 0; src[i] && o + 1 < n; i++) {
        char c = src[i];
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        dst[o++] = c;
    }
    dst[o] = '\0';
}

void spa_provd_identify(const spa_provd_input *in, const char *path, spa_provd_ident *out)
{
    spa_user_agent ua;
    const char *bn = base_name(path ? path : "");
    char mac[13];

    memset(out, 0, sizeof *out);
    if (in->cert) {
        if (!in->cert->generic && in->cert->mac[0]) {
            copy_field(out->mac, sizeof out->mac, in->cert->mac);
            out->mac_from = SPA_ID_CERT;
            out->cert_bound = true;
        }
        if (in->cert->ou[0]) {
            norm_model(out->model, sizeof out->model, in->cert->ou);
            out->model_from = SPA_ID_CERT;
        }
        if (in->cert->l[0]) {
            copy_field(out->serial, sizeof out->serial, in->cert->l);
            out->serial_from = SPA_ID_CERT;
        }
    }
    if (in->user_agent && spa_ua_parse(in->user_agent, strlen(in->user_agent), &ua, NULL, 0) == 0) {
        if (!out->model[0] && ua.model[0]) {
            copy_field(out->model, sizeof out->model, ua.model);
            out->model_from = SPA_ID_UA;
        }
        if (!out->serial[0] && ua.serial[0]) {
            copy_field(out->serial, sizeof out->serial, ua.serial);
            out->serial_from = SPA_ID_UA;
        }
        if (!out->mac[0] && ua.mac[0]) {
            copy_field(out->mac, sizeof out->mac, ua.mac);
            out->mac_from = SPA_ID_UA;
        }
        copy_field(out->fw_version, sizeof out->fw_version, ua.version);
    }
    if (spa_mac_find(bn, strlen(bn), mac) != SPA_MAC_NONE) {
        copy_field(out->want_mac, sizeof out->want_mac, mac);
        out->want_from = in->proto == SPA_PROTO_TFTP ? SPA_ID_FILENAME : SPA_ID_PATH;
    } else if (in->query && spa_mac_find(in->query, strlen(in->query), mac) != SPA_MAC_NONE) {
        copy_field(out->want_mac, sizeof out->want_mac, mac);
        out->want_from = SPA_ID_QUERY;
    }
    if (!out->mac[0] && out->want_mac[0]) {
        copy_field(out->mac, sizeof out->mac, out->want_mac);
        out->mac_from = out->want_from;
    }
    if (!out->want_mac[0] && out->mac[0]) {
        copy_field(out->want_mac, sizeof out->want_mac, out->mac);
        out->want_from = out->mac_from;
    }
    out->mismatch = out->cert_bound && strcmp(out->want_mac, out->mac) != 0;
}

/* ---- the core ---------------------------------------------------------- */

spa_provd *spa_provd_new(spa_store *st, const spa_provd_config *cfg)
{
    spa_provd *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->st = st;
    p->cfg = *cfg;
    p->cache = spa_render_cache_new(0);
    p->cc = spa_crypt_ctx_new();
    p->q = provd_queue_new(st);
    spa_profile_init(&p->overlay);
    if (!p->cache || !p->cc || !p->q || spa_provd_secprv_overlay(cfg, &p->overlay) < 0) {
        spa_provd_free(p);
        return NULL;
    }
    return p;
}

void spa_provd_free(spa_provd *p)
{
    if (!p)
        return;
    provd_queue_free(p->q);   /* nothing queued is lost at shutdown */
    spa_render_cache_free(p->cache);
    spa_crypt_ctx_free(p->cc);
    spa_profile_free(&p->overlay);
    free(p);
}

int spa_provd_write_behind(spa_provd *p, struct event_base *base)
{
    return provd_queue_enable(p->q, base);
}

int spa_provd_flush(spa_provd *p)
{
    return provd_queue_flush(p->q);
}

void spa_provd_set_config(spa_provd *p, const spa_provd_config *cfg)
{
    (void)provd_queue_flush(p->q);   /* what the old settings saw is stored first */
    p->cfg = *cfg;
    if (spa_provd_secprv_overlay(cfg, &p->overlay) < 0)
        fprintf(stderr, "spaprovd: out of memory building the SEC-PRV values\n");
    spa_render_cache_clear(p->cache);
}

const spa_provd_config *spa_provd_get_config(const spa_provd *p)
{
    return &p->cfg;
}

void spa_provd_response_free(spa_provd_response *r)
{
    spa_buf_free(&r->body);
}

/* Printable-ASCII copy of untrusted text for an event, at most n-1 bytes. */
static void clean_text(char *dst, size_t n, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

static void event(spa_provd *p, const char *mac, spa_event_kind k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void event(spa_provd *p, const char *mac, spa_event_kind k, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    provd_queue_event(p->q, mac && mac[0] ? mac : NULL, k, text);
}

static const char *proto_name(spa_provd_proto pr)
{
    return pr == SPA_PROTO_TFTP ? "tftp" : pr == SPA_PROTO_HTTP ? "http" : "https";
}

static void respond(spa_provd_response *r, int status, const char *why)
{
    r->status = status;
    r->content_type = "text/plain";
    spa_buf_reset(&r->body);
    /* reasons are short fixed texts; a longer one is cut, which is fine */
    size_t n = strnlen(why, sizeof r->reason - 1);
    memcpy(r->reason, why, n);
    r->reason[n] = '\0';
    if (status != 200)
        spa_buf_printf(&r->body, "%d %s\n", status, why);
}

/* Print a failed operation's diagnostics to stderr, prefixed by the MAC. */
static void log_diags(const char *mac, const spa_diags *d)
{
    char line[512];
    for (size_t i = 0; i < d->n && i < 5; i++)
        fprintf(stderr, "spaprovd: %s: %s\n", mac, spa_diag_format(&d->v[i], line, sizeof line));
}

/* Read static_root/rel into r->body; 0, or -1 with r filled (404/500). */
static int read_static(spa_provd *p, const char *rel, spa_provd_response *r)
{
    char full[SPA_PROVD_STR * 2 + 16];
    struct stat sb;
    int fd;
    ssize_t got;
    size_t off = 0, len;

    if (p->cfg.static_root[0])
        snprintf(full, sizeof full, "%s/%s", p->cfg.static_root, rel);
    else
        snprintf(full, sizeof full, "%s/files/%s", p->cfg.data_dir, rel);
    if (!rel[0] || stat(full, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > STATIC_MAX) {
        respond(r, 404, "no such file");
        return -1;
    }
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        respond(r, 404, "no such file");
        return -1;
    }
    len = (size_t)sb.st_size;
    spa_buf_reset(&r->body);
    if (spa_buf_reserve(&r->body, len + 1) < 0) {
        close(fd);
        respond(r, 500, "out of memory");
        return -1;
    }
    while (off < len) {
        got = read(fd, r->body.data + off, len - off);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            break;
        }
        off += (size_t)got;
    }
    close(fd);
    r->body.len = off;
    r->body.data[off] = '\0';
    r->status = 200;
    r->content_type = "application/octet-stream";
    r->is_static = true;
    snprintf(r->reason, sizeof r->reason, "file %s, %zu bytes", rel, off);
    return 0;
}

/* Add an unknown device under the register policy; 0 added, -1 not. */
static int auto_register(spa_provd *p, const spa_provd_ident *id, spa_provd_response *r)
{
    spa_diags d;
    int rc;
    if (!id->model[0]) {
        respond(r, 404, "unknown device, no model to register it with");
        return -1;
    }
    spa_diags_init(&d);
    rc = spa_store_device_add(p->st, id->want_mac, id->model, id->serial, NULL, NULL, &d);
    if (rc < 0) {
        char line[200];
        snprintf(line, sizeof line, "unknown device, registration refused: %s",
                 d.n ? d.v[0].message : "error");
        respond(r, 404, line);
    }
    spa_diags_free(&d);
    if (rc == 0)
        event(p, id->want_mac, SPA_EV_RESULT, "registered as %s (from %s)", id->model,
              spa_id_source_name(id->model_from));
    return rc;
}

/* How a request reached a device's profile through its random directory. */
typedef struct dir_hit {
    bool via;        /* the parent folder was the device's directory */
    bool previous;   /* ... the one before the last rotation */
    bool look;       /* a HEAD request: answer, but change no key or state */
} dir_hit;

/* SEC-PRV-1 (provd_secprv.c): a unit that proved itself with its own
 * certificate over HTTPS asks by name. A unit seen before (reset, or
 * recovering) is re-keyed first; the old pair stays until it is replaced. */
static void serve_first(spa_provd *p, const spa_provd_ident *id, const spa_device *dv,
                        bool look, spa_provd_response *r)
{
    spa_diags d;
    int rc = 0;
    spa_diags_init(&d);
    if (!look && dv->state != SPA_DEV_NEW &&
        (rc = spa_store_device_rotate_key(p->st, id->want_mac, &d)) == 0)
        event(p, id->want_mac, SPA_EV_RESULT, "SEC-PRV-1 again: re-keyed (key generation %u)",
              dv->key_gen + 1);
    spa_buf_reset(&r->body);
    if (rc == 0)
        rc = spa_provd_secprv_first(p->st, &p->cfg, p->cc, id->want_mac, &r->body, &d);
    if (rc == 0 && !look)
        rc = spa_store_device_update(p->st, id->want_mac, "state", "bootstrap", &d);
    if (rc != 0) {
        log_diags(id->want_mac, &d);
        spa_diags_free(&d);
        respond(r, 500, "SEC-PRV-1 failed");
        return;
    }
    spa_diags_free(&d);
    r->status = 200;
    r->content_type = "application/octet-stream";
    snprintf(r->reason, sizeof r->reason, "SEC-PRV-1 profile, %zu bytes, targeted", r->body.len);
}

/* After a profile went out through the device's directory: the previous
 * directory delivers a rotation, the current one confirms it (the old key
 * and path then stop working) and marks the device provisioned. */
static void after_dir(spa_provd *p, const char *mac, const spa_device_deps *dv, dir_hit dir)
{
    spa_diags d;
    spa_diags_init(&d);
    if (dir.previous) {
        event(p, mac, SPA_EV_RESULT, "key rotation delivered under the previous key "
              "(key generation %u)", dv->key_gen);
    } else {
        if (dv->rotation_pending && spa_store_device_forget_prev(p->st, mac, &d) == 0)
            event(p, mac, SPA_EV_RESULT, "key rotation confirmed (key generation %u): "
                  "previous key and path retired", dv->key_gen);
        if (dv->state != SPA_DEV_PROVISIONED)
            (void)spa_store_device_update(p->st, mac, "state", "provisioned", &d);
    }
    log_diags(mac, &d);
    spa_diags_free(&d);
}

/* want_mac is not in the database: answer under the Unknown policy (r
 * filled, 1), or register it (0: look it up again). */
static int unknown_device(spa_provd *p, const spa_provd_ident *id, spa_provd_response *r)
{
    if (p->cfg.unknown == SPA_UNKNOWN_BOOTSTRAP) {
        if (read_static(p, p->cfg.bootstrap_file, r) == 0)
            snprintf(r->reason, sizeof r->reason, "unknown device: bootstrap profile");
        else
            respond(r, 404, "unknown device, no bootstrap file");
        return 1;
    }
    if (p->cfg.unknown != SPA_UNKNOWN_REGISTER) {
        respond(r, 404, "unknown device");
        return 1;
    }
    return auto_register(p, id, r) < 0 ? 1 : 0;
}

/* SEC-PRV-1: look the device up, then serve_first. */
static void serve_first_lookup(spa_provd *p, const spa_provd_ident *id, bool look,
                               spa_provd_response *r)
{
    spa_device dv;
    spa_diags d;
    int rc;
    spa_diags_init(&d);
    rc = spa_store_device_get(p->st, id->want_mac, 0, &dv, &d);
    if (rc == 1) {
        if (unknown_device(p, id, r) != 0) {
            spa_diags_free(&d);
            return;                  /* r answers under the Unknown policy */
        }
        rc = spa_store_device_get(p->st, id->want_mac, 0, &dv, &d);
    }
    if (rc == 1) {
        respond(r, 404, "unknown device");
    } else if (rc != 0) {
        log_diags(id->want_mac, &d);
        respond(r, 500, "database error");
    } else if (dv.state == SPA_DEV_DISABLED) {
        respond(r, 403, "device disabled");
    } else {
        serve_first(p, id, &dv, look, r);
    }
    spa_device_clear(&dv);
    spa_diags_free(&d);
}

/* Render want_mac's profile into r. The render cache's snapshot also reads
 * the device's state, so this is one query on a cache hit. */
static void serve_profile(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                          dir_hit dir, spa_provd_response *r)
{
    spa_render_info info;
    spa_diags d;
    spa_render_opts o;
    bool plain = in->proto == SPA_PROTO_HTTPS && p->cfg.https_plain && id->cert_bound;
    char fwurl[SPA_PROVD_STR];
    int rc;

    if (p->cfg.secure_provisioning && !dir.via && in->proto == SPA_PROTO_HTTPS &&
        id->cert_bound) {
        serve_first_lookup(p, id, dir.look, r);
        return;
    }
    memset(&o, 0, sizeof o);
    o.format = SPA_RENDER_XML;
    o.gzip = !plain;
    o.key = plain ? SPA_RENDER_KEY_NONE
                  : dir.previous ? SPA_RENDER_KEY_PREVIOUS : SPA_RENDER_KEY_DEVICE;
    o.overlay = p->overlay.n ? &p->overlay : NULL;
    o.md = SPA_MD_MD5;
    o.server_url = p->cfg.server_url;
    o.server_name = p->cfg.server_name;
    spa_provd_firmware_url(&p->cfg, fwurl, sizeof fwurl);
    o.firmware_url = fwurl;
    spa_diags_init(&d);
    spa_buf_reset(&r->body);
    rc = spa_render_cached_info(p->cache, p->st, id->want_mac, &o, p->cc, &r->body, &info, &d);
    if (rc == 1) {
        if (unknown_device(p, id, r) != 0) {
            spa_diags_free(&d);
            return;                  /* r answers under the Unknown policy */
        }
        spa_buf_reset(&r->body);
        rc = spa_render_cached_info(p->cache, p->st, id->want_mac, &o, p->cc, &r->body, &info,
                                    &d);
    }
    if (info.found && info.deps.state == SPA_DEV_DISABLED) {
        spa_diags_free(&d);
        respond(r, 403, "device disabled");
        return;
    }
    if (rc < 0)
        log_diags(id->want_mac, &d);   /* render diagnostics never quote secrets */
    spa_diags_free(&d);
    if (rc != 0) {
        respond(r, rc == 1 ? 404 : 500, rc == 1 ? "unknown device" : "render failed");
        return;
    }
    if (dir.via && !dir.look)
        after_dir(p, id->want_mac, &info.deps, dir);
    r->status = 200;
    r->content_type = plain ? "text/xml" : "application/octet-stream";
    memcpy(r->etag, info.etag, sizeof r->etag);
    snprintf(r->reason, sizeof r->reason, "profile, %zu bytes, %s%s", r->body.len,
             plain ? "plain" : dir.previous ? "encrypted with the previous key" : "encrypted",
             info.hit ? ", cached" : "");
    provd_queue_contact(p->q, id->want_mac, id->fw_version[0] ? id->fw_version : NULL);
}

/* A profile asked for inside a device's random directory names that
 * device (no MAC is on the wire in SEC-PRV-2), unless the file name names
 * another one. */
static void dir_identify(spa_provd *p, const char *path, spa_provd_ident *id, dir_hit *dir)
{
    char mac[13];
    spa_diags d;
    spa_diags_init(&d);
    if (spa_provd_path_device(p->st, path, mac, &dir->previous, &d) == 0 &&
        (!id->want_mac[0] || id->want_from == SPA_ID_CERT || id->want_from == SPA_ID_UA ||
         strcmp(id->want_mac, mac) == 0)) {
        dir->via = true;
        snprintf(id->want_mac, sizeof id->want_mac, "%s", mac);
        id->want_from = SPA_ID_PATH;
        if (!id->mac[0]) {
            snprintf(id->mac, sizeof id->mac, "%s", mac);
            id->mac_from = SPA_ID_PATH;
        }
        id->mismatch = id->cert_bound && strcmp(id->want_mac, id->mac) != 0;
    } else {
        dir->previous = false;
    }
    log_diags("-", &d);
    spa_diags_free(&d);
}

/* Rc-vendor mode: a unit's customization profile, over HTTPS only. */
static void serve_customization(spa_provd *p, const spa_provd_input *in,
                                const spa_provd_ident *id, spa_provd_response *r)
{
    spa_diags d;
    int rc;
    if (in->proto != SPA_PROTO_HTTPS) {
        respond(r, 403, "customization is served over https only");
        return;
    }
    spa_diags_init(&d);
    spa_buf_reset(&r->body);
    rc = spa_rc_profile(p->st, id->want_mac, &r->body, &d);
    if (rc < 0)
        log_diags(id->want_mac, &d);
    spa_diags_free(&d);
    if (rc != 0) {
        respond(r, rc == 1 ? 404 : 500, rc == 1 ? "unit not assigned to a company"
                                                : "customization failed");
        return;
    }
    r->status = 200;
    r->content_type = "text/xml";
    snprintf(r->reason, sizeof r->reason, "customization, %zu bytes", r->body.len);
}

void spa_provd_handle(spa_provd *p, const spa_provd_input *in, spa_provd_response *r)
{
    char path[SPA_TFTP_PATH_MAX + 1], why[160], ua[200], raw[300];
    spa_route_kind kind;
    spa_provd_ident id;
    dir_hit dir = { false, false, false };
    const char *evmac;

    memset(r, 0, sizeof *r);
    spa_buf_init(&r->body);
    provd_queue_lazy(p->q, in->proto == SPA_PROTO_TFTP);
    clean_text(raw, sizeof raw, in->path ? in->path : "", in->path ? strlen(in->path) : 0);
    clean_text(ua, sizeof ua, in->user_agent ? in->user_agent : "-",
               in->user_agent ? strlen(in->user_agent) : 1);
    kind = spa_provd_route(in->proto, in->path, path, sizeof path, why, sizeof why);
    spa_provd_identify(in, path, &id);
    if (kind == SPA_ROUTE_PROFILE)
        dir_identify(p, path, &id, &dir);
    dir.look = in->method && strcmp(in->method, "HEAD") == 0;
    evmac = id.mac[0] ? id.mac : id.want_mac;
    event(p, evmac, SPA_EV_REQUEST, "%s %s %s from %s ua=\"%s\"%s%s", proto_name(in->proto),
          in->method ? in->method : "RRQ", raw, in->peer ? in->peer : "-", ua,
          id.cert_bound ? " cert=" : "", id.cert_bound ? id.mac : "");
    if (kind == SPA_ROUTE_REFUSE) {
        respond(r, 403, "path refused");
        event(p, evmac, SPA_EV_SECURITY, "%s path refused from %s: %s (%s)",
              proto_name(in->proto), in->peer ? in->peer : "-", raw, why);
        return;
    }
    bool post = in->method && strcmp(in->method, "POST") == 0;
    if (in->method && !post && strcmp(in->method, "GET") != 0 && strcmp(in->method, "HEAD") != 0) {
        respond(r, 405, "method not allowed");
    } else if (provd_is_bind(p, path)) {
        provd_bind(p, in, &id, r);   /* before the MAC checks: a PIN may look like a MAC */
        return;
    } else if (id.mismatch) {
        respond(r, 403, "certificate is for another device");
        event(p, id.mac, SPA_EV_SECURITY,
              "%s client certificate of %s asked for the profile of %s from %s",
              proto_name(in->proto), id.mac, id.want_mac, in->peer ? in->peer : "-");
        return;
    } else if (kind == SPA_ROUTE_STATIC && in->proto == SPA_PROTO_HTTPS &&
               strncmp(path, "fw/", 3) == 0) {
        respond(r, 403, "firmware is served over http and tftp only (the ATAs cannot "
                        "upgrade over https)");
    } else if (post && kind == SPA_ROUTE_STATIC) {
        if (provd_report_post(p, in, &id, path, "report", r) == 0)
            respond(r, 200, "report stored");   /* Report_Rule upload */
    } else if (kind == SPA_ROUTE_STATIC) {
        (void)read_static(p, path, r);
    } else if (p->cfg.mode == SPA_MODE_RC_VENDOR && id.want_mac[0]) {
        serve_customization(p, in, &id, r);
    } else if (post && provd_report_post(p, in, &id, path, "post", r) < 0) {
        /* over Report_Max: r says 413 */
    } else if (!id.want_mac[0]) {
        /* A profile name that identifies no device: the generated bootstrap
         * profile (flow 1), else maybe a file. */
        int b = spa_provd_bootstrap_profile(&p->cfg, path, &r->body);
        if (b == 0) {
            r->status = 200;
            r->content_type = "text/xml";
            snprintf(r->reason, sizeof r->reason, "bootstrap profile, %zu bytes", r->body.len);
        } else if (b < 0) {
            respond(r, 500, "out of memory");
        } else if (read_static(p, path, r) < 0) {
            respond(r, 404, "no device identified");
        }
    } else {
        serve_profile(p, in, &id, dir, r);
    }
    event(p, evmac, SPA_EV_RESULT, "%d %s", r->status, r->reason);
}

void spa_provd_syslog(spa_provd *p, const char *mac, const char *peer, const char *line,
                      size_t len)
{
    char text[900];
    provd_queue_lazy(p->q, true);
    clean_text(text, sizeof text, line, len);
    provd_mask_pins(text);   /* a unit may log its bind URL */
    event(p, mac, SPA_EV_SYSLOG, "from %s: %s", peer ? peer : "-", text);
    spa_upgrade_line u;
    if (mac && mac[0] && spa_upgrade_line_parse(line, len, &u) == 1) {
        if (u.success)
            event(p, mac, SPA_EV_UPGRADE, "success %s from %s", u.version, u.url);
        else
            event(p, mac, SPA_EV_UPGRADE, "failure: %s", u.err);
        if (u.success)
            provd_queue_contact(p->q, mac, u.version);
    }
}

void spa_provd_security(spa_provd *p, const char *proto, const char *peer, const char *msg)
{
    char text[600];
    provd_queue_lazy(p->q, strcmp(proto, "tftp") == 0);
    clean_text(text, sizeof text, msg, strlen(msg));
    event(p, NULL, SPA_EV_SECURITY, "%s refused from %s: %s", proto, peer ? peer : "-", text);
}

/* ---- shared with provd_bind.c and provd_report.c (provd_int.h) ---- */

spa_store *provd_store(spa_provd *p)
{
    return p->st;
}

spa_crypt_ctx *provd_crypt(spa_provd *p)
{
    return p->cc;
}

void provd_event(spa_provd *p, const char *mac, spa_event_kind k, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    event(p, mac, k, "%s", text);
}

void provd_contact(spa_provd *p, const char *mac, const char *fw_seen)
{
    provd_queue_contact(p->q, mac, fw_seen);
}

void provd_flush(spa_provd *p)
{
    (void)provd_queue_flush(p->q);
}

void provd_clean_text(char *dst, size_t n, const char *src, size_t len)
{
    clean_text(dst, n, src, len);
}

void provd_respond(spa_provd_response *r, int status, const char *why)
{
    respond(r, status, why);
}

void provd_serve_profile(spa_provd *p, const spa_provd_input *in, const spa_provd_ident *id,
                         spa_provd_response *r)
{
    dir_hit none = { false, false, false };   /* named by MAC, not by its directory */
    serve_profile(p, in, id, none, r);
}

const char *provd_proto_name(spa_provd_proto pr)
{
    return proto_name(pr);
}
