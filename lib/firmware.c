/* firmware.c — build and verify spaprov firmware images (firmware.h,
 * docs/firmware-format.md). Layout, all integers big-endian:
 *   0  8  magic "\x89SPAFW\r\n"
 *   8  1  format (1)
 *   9  1  model name length m (1..31)
 *  10  1  version text length v (1..31)
 *  11  1  reserved, 0
 *  12  4  payload length p
 *  16  m  model name, 16+m v version text, then p payload bytes
 *  end 32 SHA-256 of every byte before it
 * The digest is an integrity check, not a signature. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "spaprov/firmware.h"
#include "spaprov/version.h"

static int set_why(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return -1;
}

static int sha256(const void *data, size_t len, uint8_t out[SPA_FW_DIGEST_LEN])
{
    unsigned int olen = 0;
    if (!EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) || olen != SPA_FW_DIGEST_LEN)
        return -1;
    return 0;
}

/* Printable ASCII without spaces, 1..31 bytes. */
static int good_text(const char *s, size_t len)
{
    if (len == 0 || len > SPA_FW_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isgraph((unsigned char)s[i]))
            return 0;
    return 1;
}

int spa_fw_build(const char *model, const char *version, const void *payload, size_t len,
                 spa_buf *out, char *why, size_t n)
{
    size_t m = model ? strlen(model) : 0, v = version ? strlen(version) : 0;
    spa_fwver fv;
    uint8_t hdr[SPA_FW_HEADER_LEN], dig[SPA_FW_DIGEST_LEN];

    if (!good_text(model, m))
        return set_why(why, n, "model name must be 1..31 printable characters");
    if (!good_text(version, v) || spa_fwver_parse(version, v, &fv) < 0)
        return set_why(why, n, "version is not a firmware version (N.N.N[(x)])");
    if (len > SPA_FW_PAYLOAD_MAX || (len && !payload))
        return set_why(why, n, "payload too large");
    memcpy(hdr, SPA_FW_MAGIC, 8);
    hdr[8] = SPA_FW_FORMAT;
    hdr[9] = (uint8_t)m;
    hdr[10] = (uint8_t)v;
    hdr[11] = 0;
    hdr[12] = (uint8_t)(len >> 24);
    hdr[13] = (uint8_t)(len >> 16);
    hdr[14] = (uint8_t)(len >> 8);
    hdr[15] = (uint8_t)len;
    size_t start = out->len;
    if (spa_buf_append(out, hdr, sizeof hdr) < 0 || spa_buf_append(out, model, m) < 0 ||
        spa_buf_append(out, version, v) < 0 || (len && spa_buf_append(out, payload, len) < 0))
        return set_why(why, n, "out of memory");
    if (sha256(out->data + start, out->len - start, dig) < 0 ||
        spa_buf_append(out, dig, sizeof dig) < 0)
        return set_why(why, n, "digest failed");
    return 0;
}

static int fail(int status, char *why, size_t n, const char *msg)
{
    set_why(why, n, msg);
    return status;
}

int spa_fw_parse(const void *data, size_t len, spa_fw_info *info, char *why, size_t n)
{
    const uint8_t *p = data;
    uint8_t dig[SPA_FW_DIGEST_LEN];
    spa_fwver fv;

    if (!p || len < SPA_FW_HEADER_LEN + 2 + SPA_FW_DIGEST_LEN)
        return fail(SPA_FW_CORRUPT, why, n, "too short for a firmware image");
    if (memcmp(p, SPA_FW_MAGIC, 8) != 0)
        return fail(SPA_FW_CORRUPT, why, n, "not a firmware image (bad magic)");
    if (p[8] != SPA_FW_FORMAT)
        return fail(SPA_FW_CORRUPT, why, n, "unknown firmware image format");
    size_t m = p[9], v = p[10];
    size_t plen = (size_t)p[12] << 24 | (size_t)p[13] << 16 | (size_t)p[14] << 8 | p[15];
    if (p[11] != 0 || m == 0 || m > SPA_FW_NAME_MAX || v == 0 || v > SPA_FW_NAME_MAX)
        return fail(SPA_FW_CORRUPT, why, n, "bad firmware image header");
    size_t body = SPA_FW_HEADER_LEN + m + v;
    if (plen > SPA_FW_PAYLOAD_MAX || len != body + plen + SPA_FW_DIGEST_LEN)
        return fail(SPA_FW_CORRUPT, why, n, "firmware image length does not match its header");
    const char *model = (const char *)p + SPA_FW_HEADER_LEN, *ver = model + m;
    if (!good_text(model, m) || !good_text(ver, v) || spa_fwver_parse(ver, v, &fv) < 0)
        return fail(SPA_FW_CORRUPT, why, n, "bad model or version text in firmware image");
    if (sha256(p, body + plen, dig) < 0)
        return fail(SPA_FW_OOM, why, n, "digest failed");
    if (memcmp(dig, p + body + plen, SPA_FW_DIGEST_LEN) != 0)
        return fail(SPA_FW_DIGEST, why, n, "firmware image digest mismatch");
    if (info) {
        memcpy(info->model, model, m);
        info->model[m] = '\0';
        memcpy(info->version, ver, v);
        info->version[v] = '\0';
        info->payload = p + body;
        info->payload_len = plen;
    }
    return SPA_FW_OK;
}

const char *spa_fw_status_name(int status)
{
    switch (status) {
    case SPA_FW_OK: return "ok";
    case SPA_FW_CORRUPT: return "corrupt image";
    case SPA_FW_DIGEST: return "image digest mismatch";
    case SPA_FW_OOM: return "out of memory";
    default: return "unknown";
    }
}
