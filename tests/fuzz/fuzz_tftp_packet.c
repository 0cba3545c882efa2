/* fuzz_tftp_packet.c — libFuzzer target for the TFTP codec and transfer
 * machines. Arbitrary bytes are decoded as one packet (and, when valid,
 * re-encoded and decoded again to the same fields), checked as a server
 * path, and split into a packet sequence fed to each kind of transfer with
 * a moving fake clock. Invariants: nothing crashes, every packet a machine
 * emits decodes cleanly, and an accepted path has no ".." component. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/tftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const uint8_t *data, size_t size)
{
    static uint8_t out[SPA_TFTP_PACKET_MAX];
    spa_tftp_packet a, b;
    spa_tftp_err e;
    size_t n = 0;

    if (spa_tftp_decode(data, size, &a, &e) < 0) {
        if (e.code != SPA_TFTP_EBADOP && e.code != SPA_TFTP_EOPTNEG)
            abort();
        return;
    }
    switch (a.opcode) {
    case SPA_TFTP_RRQ:
    case SPA_TFTP_WRQ:
        n = spa_tftp_encode_request(out, sizeof out, a.opcode, a.filename, a.mode, &a.opts);
        break;
    case SPA_TFTP_DATA: n = spa_tftp_encode_data(out, sizeof out, a.block, a.data, a.datalen); break;
    case SPA_TFTP_ACK: n = spa_tftp_encode_ack(out, sizeof out, a.block); break;
    case SPA_TFTP_ERROR: n = spa_tftp_encode_error(out, sizeof out, a.errcode, a.errmsg); break;
    case SPA_TFTP_OACK:
        if (!a.opts.present)
            return; /* only unknown options: nothing to re-encode */
        n = spa_tftp_encode_oack(out, sizeof out, &a.opts);
        break;
    }
    if (n == 0) {
        /* Only a request too long for our 512-octet-free encoder may fail. */
        if (a.opcode == SPA_TFTP_DATA || a.opcode == SPA_TFTP_ACK)
            abort();
        return;
    }
    if (spa_tftp_decode(out, n, &b, &e) < 0 || b.opcode != a.opcode ||
        b.opts.present != a.opts.present || b.block != a.block || b.datalen != a.datalen)
        abort();
    if ((a.opts.present & SPA_TFTP_OPT_BLKSIZE) && a.opts.blksize != b.opts.blksize)
        abort();
    if ((a.opts.present & SPA_TFTP_OPT_TSIZE) && a.opts.tsize != b.opts.tsize)
        abort();
}

static void path(const uint8_t *data, size_t size)
{
    char out[SPA_TFTP_PATH_MAX + 1];
    spa_tftp_err e;

    if (spa_tftp_check_path((const char *)data, size, out, sizeof out, &e) < 0) {
        if (e.code != SPA_TFTP_EACCESS)
            abort();
        return;
    }
    if (out[0] == '/' || strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 ||
        strstr(out, "/../") || (strlen(out) >= 3 && strcmp(out + strlen(out) - 3, "/..") == 0) ||
        strchr(out, '\\'))
        abort();
}

/* Every packet a machine hands out must decode. */
static void drain(spa_tftp_xfer *x)
{
    static uint8_t out[SPA_TFTP_PACKET_MAX];
    spa_tftp_packet pk;
    spa_tftp_err e;
    size_t n;
    int guard = 0;

    while ((n = spa_tftp_xfer_pull(x, out, sizeof out)) > 0 && guard++ < 100000)
        if (spa_tftp_decode(out, n, &pk, &e) < 0)
            abort();
}

static void machines(const uint8_t *data, size_t size)
{
    static const uint8_t file[3000] = { 1, 2, 3 };
    spa_tftp_opts req = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_TSIZE | SPA_TFTP_OPT_WINDOWSIZE,
                          512, 0, 4, 0 };
    spa_tftp_opts ack = { SPA_TFTP_OPT_BLKSIZE | SPA_TFTP_OPT_WINDOWSIZE, 100, 0, 3, 0 };
    spa_tftp_timing t = { 100, 400, 3 };

    for (int kind = 0; kind < 4; kind++) {
        spa_tftp_xfer x;
        uint64_t now = 0;
        int r = kind == 0 ? spa_tftp_xfer_get(&x, "f", SPA_TFTP_OCTET, &req, &t, 2000, now)
              : kind == 1 ? spa_tftp_xfer_put(&x, "f", SPA_TFTP_OCTET, &req, file, sizeof file, &t, now)
              : kind == 2 ? spa_tftp_xfer_serve(&x, &ack, file, sizeof file, &t, now)
                          : spa_tftp_xfer_accept(&x, &ack, 1000, &t, now);
        if (r < 0)
            abort();
        drain(&x);
        /* packets: a length byte, then that many bytes; a zero length ticks */
        for (size_t i = 0; i < size;) {
            size_t len = data[i++];
            now += 37;
            if (len == 0) {
                spa_tftp_xfer_tick(&x, now + 1000);
            } else {
                if (len > size - i)
                    len = size - i;
                spa_tftp_xfer_input(&x, data + i, len, now);
                i += len;
            }
            drain(&x);
        }
        if (x.dst.len > 2000)
            abort();
        spa_tftp_xfer_free(&x);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roundtrip(data, size);
    path(data, size);
    machines(data, size);
    return 0;
}
