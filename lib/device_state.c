/* device_state.c — a virtual device's "flash": the parameter overrides
 * (config.xml) and the firmware version and counters (device.state) in a
 * state directory, each written atomically (temp file + fsync + rename) so a
 * killed spasim restarts like a unit after power loss (the fleet's saves skip
 * the fsync: still atomic against a kill, see spa_device_save_nosync). Also the small text
 * helpers the device needs (URL decoding, JSON strings, host:port). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spaprov/device.h"
#include "spaprov/hex.h"
#include "spaprov/profile.h"

/* ---- state file ------------------------------------------------------------- */

typedef enum { F_STR, F_U32, F_X64 } field_kind;

typedef struct state_field {
    const char *key;
    field_kind kind;
    size_t off;
} state_field;

#define SF_STR(k, m) { k, F_STR, offsetof(spa_device_state, m) }
#define SF_U32(k, m) { k, F_U32, offsetof(spa_device_state, m) }
#define SF_X64(k, m) { k, F_X64, offsetof(spa_device_state, m) }

static const state_field fields[] = {
    SF_STR("swver", swver),       SF_STR("last_err", last_err),
    SF_U32("boots", boots),       SF_U32("resyncs", resyncs),
    SF_U32("resync_ok", resync_ok), SF_U32("resync_fail", resync_fail),
    SF_U32("upgrades", upgrades), SF_U32("upgrade_ok", upgrade_ok),
    SF_U32("upgrade_fail", upgrade_fail), SF_U32("reboots", reboots),
    SF_X64("upg_ident", upg_ident), SF_STR("upg_ver", upg_ver),
    SF_STR("customization", customization),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const state_field *field_find(const char *k, size_t n)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strlen(fields[i].key) == n && memcmp(fields[i].key, k, n) == 0)
            return &fields[i];
    return NULL;
}

static int parse_u32(const char *v, size_t n, uint32_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > UINT32_MAX)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

/* Exactly 16 hex digits. */
static int parse_x64(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n != 16)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        unsigned h = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (h > 15)
            return -1;
        x = x << 4 | h;
    }
    *out = x;
    return 0;
}

/* One "key=value" line (without its newline). */
static int parse_line(const char *s, size_t n, const char *file, unsigned lineno,
                      spa_device_state *st, spa_diags *d)
{
    const char *eq = memchr(s, '=', n);
    if (!eq) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, lineno, 1, "state-syntax", "expected key=value");
        return -1;
    }
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    const char *v = eq + 1;
    unsigned vcol = (unsigned)kn + 2;
    const state_field *f = field_find(s, kn);
    if (!f) {
        spa_diag_add(d, SPA_DIAG_WARNING, file, lineno, 1, "state-key", "unknown key '%.*s'",
                     (int)(kn > 40 ? 40 : kn), s);
        return 0;
    }
    if (f->kind == F_U32) {
        if (parse_u32(v, vn, (uint32_t *)(void *)((char *)st + f->off)) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, lineno, vcol, "state-number",
                         "%s: expected a number 0..4294967295", f->key);
            return -1;
        }
        return 0;
    }
    if (f->kind == F_X64) {
        if (parse_x64(v, vn, (uint64_t *)(void *)((char *)st + f->off)) < 0) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, lineno, vcol, "state-number",
                         "%s: expected 16 hex digits", f->key);
            return -1;
        }
        return 0;
    }
    if (vn >= SPA_DEVICE_VALUE_MAX || !spa_value_is_ascii(v, vn)) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, lineno, vcol, "state-value",
                     "%s: value too long or not printable ASCII", f->key);
        return -1;
    }
    char *dst = (char *)st + f->off;
    memcpy(dst, v, vn);
    dst[vn] = '\0';
    return 0;
}

int spa_device_state_parse(const char *text, size_t len, const char *file,
                           spa_device_state *st, spa_diags *d)
{
    spa_device_state tmp = *st;
    unsigned lineno = 0;
    int rc = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        const char *s = text + i;
        lineno++;
        i += n + (nl ? 1 : 0);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        if (parse_line(s, n, file, lineno, &tmp, d) < 0)
            rc = -1;
    }
    if (rc == 0)
        *st = tmp;
    return rc;
}

int spa_device_state_format(const spa_device_state *st, spa_buf *out)
{
    int rc = spa_buf_puts(out, "# spasim device state (firmware, counters)\n");
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *p = (const char *)st + fields[i].off;
        if (fields[i].kind == F_U32)
            rc |= spa_buf_printf(out, "%s=%u\n", fields[i].key, *(const uint32_t *)(const void *)p);
        else if (fields[i].kind == F_X64)
            rc |= spa_buf_printf(out, "%s=%016llx\n", fields[i].key,
                                 (unsigned long long)*(const uint64_t *)(const void *)p);
        else
            rc |= spa_buf_printf(out, "%s=%.*s\n", fields[i].key, SPA_DEVICE_VALUE_MAX - 1, p);
    }
    return rc ? -1 : 0;
}

/* ---- atomic write ----------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Temporary file, fsync when durable, rename: atomic against a killed
 * process either way, against a host crash only when durable. */
static int write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                        bool durable, spa_diags *d)
{
    spa_buf tmp;
    spa_buf_init(&tmp);
    if (spa_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return spa_diag_error(d, "oom", "out of memory");
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "write", "cannot create %s: %s", tmp.data,
                     strerror(errno));
        spa_buf_free(&tmp);
        return -1;
    }
    int rc = write_all(fd, data, len);
    if (rc == 0 && durable)
        rc = fsync(fd);
    int err = errno;
    if (close(fd) < 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc == 0 && rename(tmp.data, path) < 0) {
        rc = -1;
        err = errno;
    }
    if (rc < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, path, 0, 0, "write", "cannot write: %s", strerror(err));
        unlink(tmp.data);
    }
    spa_buf_free(&tmp);
    return rc;
}

int spa_device_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                            spa_diags *d)
{
    return write_atomic(path, data, len, mode, true, d);
}

/* ---- save / load ------------------------------------------------------------ */

static int join(spa_buf *b, const char *dir, const char *name)
{
    spa_buf_reset(b);
    return spa_buf_printf(b, "%s/%s", dir, name);
}

static int save_dir(const char *dir, const spa_params *p, const spa_device_state *st,
                    bool durable, spa_diags *d)
{
    spa_profile prof;
    spa_buf text, path;
    int rc = -1;
    spa_profile_init(&prof);
    spa_buf_init(&text);
    spa_buf_init(&path);
    if (spa_params_to_profile(p, false, &prof) != 0 || spa_profile_write_xml(&prof, &text) != 0 ||
        join(&path, dir, SPA_DEVICE_CONFIG_FILE) < 0) {
        spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    if (write_atomic(path.data, text.data ? text.data : "", text.len, 0600, durable, d) < 0)
        goto out;
    spa_buf_reset(&text);
    if (spa_device_state_format(st, &text) < 0 || join(&path, dir, SPA_DEVICE_STATE_FILE) < 0) {
        spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    rc = write_atomic(path.data, text.data, text.len, 0600, durable, d);
out:
    /* the profile text holds secrets: wipe it before freeing */
    if (text.data)
        memset(text.data, 0, text.cap);
    spa_buf_free(&text);
    spa_buf_free(&path);
    spa_profile_free(&prof);
    return rc;
}

int spa_device_save(const char *dir, const spa_params *p, const spa_device_state *st,
                    spa_diags *d)
{
    return save_dir(dir, p, st, true, d);
}

int spa_device_save_nosync(const char *dir, const spa_params *p, const spa_device_state *st,
                           spa_diags *d)
{
    return save_dir(dir, p, st, false, d);
}

/* Parse config.xml. The parser's messages may quote values (secrets), so
 * only the position and code of the first error are passed on. */
static int parse_config(spa_profile *prof, const spa_buf *text, const char *path, spa_diags *d)
{
    spa_diags local;
    int rc;
    spa_diags_init(&local);
    rc = spa_profile_parse_xml(prof, text->data, text->len, path, NULL, &local);
    if (rc < 0) {
        const spa_diag *first = NULL;
        for (size_t i = 0; i < local.n && !first; i++)
            if (local.v[i].severity == SPA_DIAG_ERROR)
                first = &local.v[i];
        spa_diag_add(d, SPA_DIAG_ERROR, path, first ? first->line : 0, first ? first->col : 0,
                     "state-config", "malformed configuration (%s)",
                     first && first->code ? first->code : "syntax");
    }
    spa_diags_free(&local);
    return rc;
}

static int load_config(const char *path, spa_params *p, spa_diags *d)
{
    spa_buf text;
    spa_profile prof;
    spa_apply_result res;
    int rc = -1;
    spa_buf_init(&text);
    spa_profile_init(&prof);
    if (spa_read_file(path, &text, d) < 0)
        goto out;
    if (parse_config(&prof, &text, path, d) < 0)
        goto out;
    if (spa_params_apply(p, &prof, 0, &res) < 0) {
        spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    if (res.unknown)
        spa_diag_add(d, SPA_DIAG_WARNING, path, 0, 0, "unknown-param",
                     "%zu parameters unknown to the model were ignored", res.unknown);
    rc = 0;
out:
    if (text.data)
        memset(text.data, 0, text.cap);
    spa_buf_free(&text);
    spa_profile_free(&prof);
    return rc;
}

static int load_state(const char *path, spa_device_state *st, spa_diags *d)
{
    spa_buf text;
    spa_buf_init(&text);
    int rc = spa_read_file(path, &text, d);
    if (rc == 0)
        rc = spa_device_state_parse(text.data, text.len, path, st, d);
    spa_buf_free(&text);
    return rc < 0 ? -1 : 0;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Remove temporary files a killed emulator left between write and rename
 * ("config.xml.tmp.PID", "device.state.tmp.PID"). */
static void remove_stale_temps(const char *dir)
{
    static const char *const prefixes[] = { SPA_DEVICE_CONFIG_FILE ".tmp.",
                                            SPA_DEVICE_STATE_FILE ".tmp." };
    DIR *dp = opendir(dir);
    struct dirent *de;
    spa_buf path;
    if (!dp)
        return;
    spa_buf_init(&path);
    while ((de = readdir(dp))) {
        for (size_t i = 0; i < 2; i++) {
            if (strncmp(de->d_name, prefixes[i], strlen(prefixes[i])) != 0)
                continue;
            if (join(&path, dir, de->d_name) == 0)
                unlink(path.data);
        }
    }
    spa_buf_free(&path);
    closedir(dp);
}

int spa_device_load(const char *dir, spa_params *p, spa_device_state *st, spa_diags *d)
{
    spa_buf cfg, stf;
    int rc = 1;
    spa_buf_init(&cfg);
    spa_buf_init(&stf);
    if (join(&cfg, dir, SPA_DEVICE_CONFIG_FILE) < 0 || join(&stf, dir, SPA_DEVICE_STATE_FILE) < 0) {
        rc = spa_diag_error(d, "oom", "out of memory");
        goto out;
    }
    remove_stale_temps(dir);
    if (exists(cfg.data)) {
        if (load_config(cfg.data, p, d) < 0) {
            rc = -1;
            goto out;
        }
        rc = 0;
    }
    if (exists(stf.data)) {
        if (load_state(stf.data, st, d) < 0) {
            rc = -1;
            goto out;
        }
        rc = 0;
    }
out:
    spa_buf_free(&cfg);
    spa_buf_free(&stf);
    return rc;
}

/* ---- text helpers ------------------------------------------------------------ */

int spa_device_url_decode(const char *in, size_t len, spa_buf *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < len ? spa_hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? spa_hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '\0') {
            return -1;
        }
        if (spa_buf_putc(out, c) < 0)
            return -1;
    }
    return 0;
}

int spa_device_json_string(spa_buf *out, const char *s)
{
    int rc = spa_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            rc |= spa_buf_printf(out, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            rc |= spa_buf_printf(out, "\\u%04x", *p);
        else
            rc |= spa_buf_putc(out, (char)*p);
    }
    rc |= spa_buf_putc(out, '"');
    return rc ? -1 : 0;
}

int spa_device_split_hostport(const char *s, char *host, size_t n, uint16_t *port)
{
    const char *c = strrchr(s, ':');
    size_t hn = c ? (size_t)(c - s) : strlen(s);
    *port = 0;
    if (s[0] == '[') {   /* "[V6]" or "[V6]:PORT": host without the brackets */
        const char *rb = strchr(s, ']');
        if (!rb || (rb[1] && rb[1] != ':'))
            return -1;
        c = rb[1] ? rb + 1 : NULL;
        hn = (size_t)(rb - s - 1);
        s++;
        if (memchr(s, '[', hn))
            return -1;
    } else if (memchr(s, ':', hn) || memchr(s, '[', hn) || memchr(s, ']', hn)) {
        return -1;       /* IPv6 needs its brackets, and only IPv6 has them */
    }
    if (hn == 0 || hn >= n)
        return -1;
    if (c) {
        uint32_t v;
        if (parse_u32(c + 1, strlen(c + 1), &v) < 0 || v == 0 || v > 65535)
            return -1;
        *port = (uint16_t)v;
    }
    memcpy(host, s, hn);
    host[hn] = '\0';
    return 0;
}
