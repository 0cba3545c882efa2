/* firmware.h — spaprov's firmware image format (docs/firmware-format.md).
 * The guide never describes the vendor's .bin images, so the emulated devices
 * upgrade to images in this small documented format: a header naming the
 * model and the version the image installs, the payload, and a SHA-256 over
 * everything before it. A device refuses an image for another model, a
 * damaged image, or a version it cannot parse. */
#ifndef SPAPROV_FIRMWARE_H
#define SPAPROV_FIRMWARE_H
#include <stddef.h>
#include <stdint.h>
#include "spaprov/buf.h"

#define SPA_FW_MAGIC "\x89SPAFW\r\n"   /* 8 bytes */
#define SPA_FW_FORMAT 1                /* format version byte */
#define SPA_FW_HEADER_LEN 16           /* fixed part before the model name */
#define SPA_FW_DIGEST_LEN 32           /* SHA-256 trailer */
#define SPA_FW_NAME_MAX 31             /* longest model name / version text */
#define SPA_FW_PAYLOAD_MAX ((size_t)64 << 20)

/* Outcome of spa_fw_parse. */
typedef enum {
    SPA_FW_OK = 0,
    SPA_FW_CORRUPT = -1,  /* not an image: magic, format, lengths or texts wrong */
    SPA_FW_DIGEST = -2,   /* layout fine, SHA-256 does not match: damaged */
    SPA_FW_OOM = -3
} spa_fw_status;

/* A verified image; the pointers point into the caller's bytes. */
typedef struct spa_fw_info {
    char model[SPA_FW_NAME_MAX + 1];    /* "SPA2102" */
    char version[SPA_FW_NAME_MAX + 1];  /* "5.1.12" — a valid spa_fwver */
    const uint8_t *payload;
    size_t payload_len;
} spa_fw_info;

/* Append an image for model (its $PN) installing version (must parse as a
 * firmware version) with the given payload. 0, or -1 with a reason in why. */
int spa_fw_build(const char *model, const char *version, const void *payload, size_t len,
                 spa_buf *out, char *why, size_t n);
/* Check layout and digest of an image; fills info on SPA_FW_OK. why (may be
 * NULL) gets a one-line reason on failure. Returns a spa_fw_status. */
int spa_fw_parse(const void *data, size_t len, spa_fw_info *info, char *why, size_t n);
/* Short fixed text for a spa_fw_status: "ok", "corrupt image", ... */
const char *spa_fw_status_name(int status);

#endif
