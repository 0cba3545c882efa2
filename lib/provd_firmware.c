/* provd_firmware.c — spaprovd's side of firmware upgrades (issue 7, flow
 * 5): staging an image under the static root (`spaprov firmware add`,
 * fw/MODEL/VERSION.bin, served over TFTP and HTTP), the base URL that
 * generated Upgrade_Rules point at, and reading a unit's upgrade results
 * back from its syslog lines (the default Log_Upgrade_Success_Msg
 * "$PN $MAC -- Successful upgrade URL -- $ERR", where $ERR is the new
 * version, and Log_Upgrade_Failure_Msg "$PN $MAC -- Upgrade failed: $ERR"). */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spaprov/device.h"
#include "spaprov/firmware.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/provd.h"
#include "spaprov/version.h"

void spa_provd_static_root(const spa_provd_config *c, char *out, size_t n)
{
    if (c->static_root[0])
        snprintf(out, n, "%s", c->static_root);
    else
        snprintf(out, n, "%s/files", c->data_dir);
}

void spa_provd_firmware_url(const spa_provd_config *c, char *out, size_t n)
{
    if (c->firmware_url[0])
        snprintf(out, n, "%s", c->firmware_url);
    else if (c->http_port)
        snprintf(out, n, "http://%s:%u", c->http_address, c->http_port);
    else if (c->tftp_port)
        snprintf(out, n, "tftp://%s:%u", c->tftp_address, c->tftp_port);
    else if (n)
        out[0] = '\0';
}

/* mkdir -p of dir (relative components only below an existing root). */
static int make_dirs(const char *dir, spa_diags *d)
{
    char tmp[SPA_PROVD_STR * 2];
    size_t len = strlen(dir);
    if (len >= sizeof tmp)
        return spa_diag_error(d, "path", "path: %s: too long", dir);
    memcpy(tmp, dir, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return spa_diag_error(d, "path", "path: %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return spa_diag_error(d, "path", "path: %s: %s", tmp, strerror(errno));
    return 0;
}

/* Model and version of the image: from its header, checked against the
 * options, or from the options alone for a foreign image. */
static int image_identity(const spa_buf *img, const char *path, const char *model,
                          const char *version, char *m, char *v, size_t n, spa_diags *d)
{
    spa_fw_info fi;
    char why[160];
    spa_fwver fv;
    int st = spa_fw_parse(img->data, img->len, &fi, why, sizeof why);
    if (st == SPA_FW_OK) {
        if (model && strcasecmp(model, fi.model) != 0)
            return spa_diag_error(d, "model", "--model: %s, but %s is an image for %s", model,
                                  path, fi.model);
        if (version && strcmp(version, fi.version) != 0)
            return spa_diag_error(d, "version", "--version: %s, but %s installs %s", version,
                                  path, fi.version);
        snprintf(m, n, "%s", fi.model);
        snprintf(v, n, "%s", fi.version);
        return 0;
    }
    if (st == SPA_FW_DIGEST)
        return spa_diag_error(d, "image", "%s: damaged firmware image (%s)", path, why);
    if (!model || !version)
        return spa_diag_error(d, "image",
                              "%s: not an spc --firmware image (%s): give --model and --version",
                              path, why);
    if (spa_fwver_parse(version, strlen(version), &fv) < 0)
        return spa_diag_error(d, "version", "--version: '%.40s' is not a firmware version",
                              version);
    snprintf(m, n, "%s", model);
    snprintf(v, n, "%s", version);
    return 0;
}

int spa_provd_firmware_add(spa_store *st, const char *static_root, const char *path,
                           const char *model, const char *version, char *ver, size_t vn,
                           spa_diags *d)
{
    char m[64], v[64], rel[200], full[SPA_PROVD_STR * 2], dir[SPA_PROVD_STR * 2];
    const spa_model *mod;
    spa_buf img;
    int rc = -1;
    spa_buf_init(&img);
    if (spa_read_file(path, &img, d) < 0)
        goto out;
    if (image_identity(&img, path, model, version, m, v, sizeof m, d) < 0 ||
        !(mod = spa_store_model(st, m, d)))
        goto out;
    if (spa_firmware_rel_path(mod->name, v, rel, sizeof rel) < 0 ||
        (size_t)snprintf(full, sizeof full, "%s/%s", static_root, rel) >= sizeof full) {
        spa_diag_error(d, "path", "path: static root too long");
        goto out;
    }
    snprintf(dir, sizeof dir, "%s", full);
    *strrchr(dir, '/') = '\0';
    if (make_dirs(dir, d) < 0)
        goto out;
    /* record an absolute path: the CLI and the server may run from anywhere */
    char real[PATH_MAX];
    if (realpath(dir, real) && (size_t)snprintf(full, sizeof full, "%s/%s", real,
                                                strrchr(rel, '/') + 1) >= sizeof full) {
        spa_diag_error(d, "path", "path: static root too long");
        goto out;
    }
    if (access(full, F_OK) == 0) {
        spa_diag_error(d, "version", "version: %s exists already (firmware rm first)", full);
        goto out;
    }
    if (spa_device_write_atomic(full, img.data, img.len, 0644, d) < 0)
        goto out;
    if (spa_store_firmware_add(st, mod->name, v, full, 0, d) < 0) {
        unlink(full);
        goto out;
    }
    if (ver)
        snprintf(ver, vn, "%s", v);
    rc = 0;
out:
    spa_buf_free(&img);
    return rc;
}

int spa_provd_firmware_remove(spa_store *st, const char *static_root, const char *model,
                              const char *version, spa_diags *d)
{
    spa_firmware f;
    char full[SPA_PROVD_STR * 2], rel[200];
    int rc = spa_store_firmware_get(st, model, version, &f, d);
    if (rc != 0)
        return rc;
    rc = spa_store_firmware_remove(st, model, version, d);
    /* delete the staged copy only (an image recorded elsewhere stays) */
    size_t pl = strlen(f.path), rl;
    if (rc == 0 && spa_firmware_rel_path(f.model, f.version, rel, sizeof rel) == 0 &&
        (rl = strlen(rel)) < pl && f.path[pl - rl - 1] == '/' &&
        strcmp(f.path + pl - rl, rel) == 0 &&
        (size_t)snprintf(full, sizeof full, "%s/%s", static_root, rel) < sizeof full &&
        unlink(full) < 0 && errno != ENOENT)
        spa_diag_add(d, SPA_DIAG_WARNING, NULL, 0, 0, "path", "path: %s: %s", full,
                     strerror(errno));
    spa_firmware_clear(&f);
    return rc;
}

/* ---- upgrade results in syslog lines ------------------------------------ */

static const char *find_n(const char *s, size_t len, const char *needle)
{
    return memmem(s, len, needle, strlen(needle));
}

/* Copy [a, b) trimmed of blanks into out[n]. */
static void copy_trim(const char *a, const char *b, char *out, size_t n)
{
    while (a < b && (*a == ' ' || *a == '\t'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n' ||
                     b[-1] == '\0'))
        b--;
    size_t len = (size_t)(b - a);
    if (len >= n)
        len = n - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (a[i] >= 0x20 && a[i] < 0x7f) ? a[i] : '?';
    out[len] = '\0';
}

int spa_upgrade_line_parse(const char *line, size_t len, spa_upgrade_line *out)
{
    static const char ok[] = "-- Successful upgrade ", bad[] = "-- Upgrade failed: ";
    const char *end = line + len, *p, *q;
    spa_fwver fv;
    memset(out, 0, sizeof *out);
    if ((p = find_n(line, len, ok)) != NULL) {
        p += sizeof ok - 1;
        q = find_n(p, (size_t)(end - p), " -- ");
        if (!q)
            return 0;
        copy_trim(p, q, out->url, sizeof out->url);
        copy_trim(q + 4, end, out->version, sizeof out->version);
        if (spa_fwver_parse(out->version, strlen(out->version), &fv) < 0) {
            memset(out, 0, sizeof *out);   /* $ERR is the new version after a success */
            return 0;
        }
        out->success = true;
        return 1;
    }
    if ((p = find_n(line, len, bad)) != NULL) {
        copy_trim(p + sizeof bad - 1, end, out->err, sizeof out->err);
        return 1;
    }
    return 0;
}
