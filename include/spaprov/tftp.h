/* tftp.h — TFTP (RFC 1350, 2347, 2348, 2349, 7440) for the device emulator's
 * client and the provisioning server: a packet codec with strict decoding,
 * option negotiation, a path check for servers, socket-free transfer state
 * machines (sender and receiver, driven by packets and a caller's clock), and
 * a small libevent driver (client get/put, server core). */
#ifndef SPAPROV_TFTP_H
#define SPAPROV_TFTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "spaprov/buf.h"

/* ---- packet codec (lib/tftp.c) ------------------------------------------ */

enum {
    SPA_TFTP_RRQ = 1, SPA_TFTP_WRQ = 2, SPA_TFTP_DATA = 3,
    SPA_TFTP_ACK = 4, SPA_TFTP_ERROR = 5, SPA_TFTP_OACK = 6
};

/* Error codes carried by ERROR packets (RFC 1350 + 2347). */
enum {
    SPA_TFTP_ENOTDEFINED = 0, /* not defined, see message */
    SPA_TFTP_ENOTFOUND = 1,   /* file not found */
    SPA_TFTP_EACCESS = 2,     /* access violation */
    SPA_TFTP_ENOSPACE = 3,    /* disk full or allocation exceeded */
    SPA_TFTP_EBADOP = 4,      /* illegal TFTP operation */
    SPA_TFTP_EBADID = 5,      /* unknown transfer ID */
    SPA_TFTP_EEXISTS = 6,     /* file already exists */
    SPA_TFTP_ENOUSER = 7,     /* no such user */
    SPA_TFTP_EOPTNEG = 8      /* option negotiation refused */
};

typedef enum { SPA_TFTP_OCTET = 0, SPA_TFTP_NETASCII = 1 } spa_tftp_mode;

#define SPA_TFTP_BLKSIZE_DEFAULT 512u
#define SPA_TFTP_BLKSIZE_MIN 8u
#define SPA_TFTP_BLKSIZE_MAX 65464u
#define SPA_TFTP_BLKSIZE_MTU 1468u /* 1500 - 20 (IPv4) - 8 (UDP) - 4 (TFTP) */
#define SPA_TFTP_TIMEOUT_MIN 1u
#define SPA_TFTP_TIMEOUT_MAX 255u
#define SPA_TFTP_WINDOW_MIN 1u
#define SPA_TFTP_WINDOW_MAX 65535u
#define SPA_TFTP_PACKET_MAX (SPA_TFTP_BLKSIZE_MAX + 4u)
#define SPA_TFTP_REQUEST_MAX 512u  /* RFC 2347: a request fits in 512 octets */
#define SPA_TFTP_PATH_MAX 255u     /* longest file name a server accepts */
#define SPA_TFTP_ERRMSG_MAX 128u

/* Bits of spa_tftp_opts.present. */
enum {
    SPA_TFTP_OPT_BLKSIZE = 1, SPA_TFTP_OPT_TSIZE = 2,
    SPA_TFTP_OPT_TIMEOUT = 4, SPA_TFTP_OPT_WINDOWSIZE = 8
};

/* The options a request asks for or an OACK grants; a value counts only when
 * its bit is set in present. */
typedef struct spa_tftp_opts {
    unsigned present;
    unsigned blksize;    /* 8..65464 */
    unsigned timeout;    /* seconds, 1..255 */
    unsigned windowsize; /* 1..65535 */
    uint64_t tsize;      /* octets; 0 in an RRQ means "tell me" */
} spa_tftp_opts;

/* An error to send or that was received: TFTP code and human-readable text. */
typedef struct spa_tftp_err {
    int code;
    char msg[SPA_TFTP_ERRMSG_MAX];
} spa_tftp_err;

/* A decoded packet. Strings and data point into the decoded bytes. */
typedef struct spa_tftp_packet {
    int opcode;
    const char *filename;     /* RRQ/WRQ */
    spa_tftp_mode mode;       /* RRQ/WRQ */
    spa_tftp_opts opts;       /* RRQ/WRQ/OACK: recognised options */
    unsigned unknown_opts;    /* RRQ/WRQ/OACK: options ignored as unknown */
    unsigned block;           /* DATA/ACK */
    const uint8_t *data;      /* DATA */
    size_t datalen;           /* DATA */
    int errcode;              /* ERROR */
    const char *errmsg;       /* ERROR */
} spa_tftp_packet;

/* Decode n bytes strictly. 0 on success; -1 with err set to the ERROR a
 * peer should get (code 4 or 8) and a precise reason. */
int spa_tftp_decode(const uint8_t *p, size_t n, spa_tftp_packet *pk, spa_tftp_err *err);

/* Encoders: write one packet into out[cap]; return its length, or 0 if it
 * does not fit or an argument is invalid. */
size_t spa_tftp_encode_request(uint8_t *out, size_t cap, int opcode, const char *filename,
                               spa_tftp_mode mode, const spa_tftp_opts *opts);
size_t spa_tftp_encode_data(uint8_t *out, size_t cap, unsigned block, const void *data,
                            size_t len);
size_t spa_tftp_encode_ack(uint8_t *out, size_t cap, unsigned block);
size_t spa_tftp_encode_error(uint8_t *out, size_t cap, int code, const char *msg);
size_t spa_tftp_encode_oack(uint8_t *out, size_t cap, const spa_tftp_opts *opts);

/* Standard text of an error code ("file not found", ...). */
const char *spa_tftp_error_text(int code);
/* Name of an opcode ("RRQ", ...; "unknown" otherwise). */
const char *spa_tftp_opcode_name(int opcode);
/* Set err to code and a printf-formatted message (truncated to fit). */
void spa_tftp_err_set(spa_tftp_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What a server grants: caps on the options, and the WRQ size limit. */
typedef struct spa_tftp_limits {
    unsigned blksize_max;    /* 0 = SPA_TFTP_BLKSIZE_MTU */
    unsigned windowsize_max; /* 0 = 64 */
    uint64_t wrq_max;        /* largest upload accepted, in octets */
} spa_tftp_limits;

/* Server side of RFC 2347: from a request's options and (for an RRQ) the file
 * size (UINT64_MAX when unknown), choose the options to put in the OACK
 * (ack->present == 0: no OACK). -1 with err (code 3 for a WRQ over wrq_max). */
int spa_tftp_negotiate(const spa_tftp_limits *lim, int opcode, const spa_tftp_opts *req,
                       uint64_t filesize, spa_tftp_opts *ack, spa_tftp_err *err);

/* Parse a client's option list "blksize=1428,tsize,timeout=2,windowsize=4"
 * (tsize without a value asks the size; "" asks nothing) into o. 0, or -1
 * with the reason in err (unknown, duplicate, malformed or out of range). */
int spa_tftp_opts_parse(const char *list, spa_tftp_opts *o, spa_tftp_err *err);

/* Client side: check that an OACK grants only what was asked (blksize and
 * windowsize no larger, timeout equal). -1 with err (code 8) otherwise. */
int spa_tftp_check_oack(const spa_tftp_opts *req, const spa_tftp_opts *oack, spa_tftp_err *err);

/* Check a requested file name for a server and normalise it: leading '/'
 * means the server's root, "." and empty components vanish. Refused: empty,
 * longer than SPA_TFTP_PATH_MAX, NUL, bytes outside printable ASCII,
 * backslash, ".." components. 0 with the relative path in out[cap]; -1 with
 * err (code 2, access violation) naming the reason. */
int spa_tftp_check_path(const char *name, size_t len, char *out, size_t cap, spa_tftp_err *err);

/* netascii (RFC 764 as used by TFTP): LF -> CR LF, CR -> CR NUL and back.
 * Append to out; 0 or -1 (allocation). */
int spa_tftp_netascii_encode(const uint8_t *in, size_t n, spa_buf *out);
int spa_tftp_netascii_decode(const uint8_t *in, size_t n, spa_buf *out);

/* ---- transfer state machines (lib/tftp_transfer.c) ---------------------- */

typedef enum { SPA_TFTP_RUNNING = 0, SPA_TFTP_DONE = 1, SPA_TFTP_FAILED = 2 } spa_tftp_state;

/* Retransmission policy. Zero fields take the defaults shown. */
typedef struct spa_tftp_timing {
    unsigned timeout_ms;     /* first retransmission after (1000; or the timeout option) */
    unsigned max_timeout_ms; /* back-off doubles up to this (16000) */
    unsigned max_retries;    /* consecutive timeouts before giving up (5) */
} spa_tftp_timing;

#define SPA_TFTP_NO_DEADLINE UINT64_MAX

/* One transfer, seen from one end. A sender serves a byte buffer (server RRQ,
 * client WRQ); a receiver collects one (client RRQ, server WRQ). Feed it the
 * peer's packets with spa_tftp_xfer_input, call spa_tftp_xfer_tick when the
 * deadline passes, and send whatever spa_tftp_xfer_pull hands out. Times are
 * milliseconds from any monotonic origin the caller likes. Callers read state,
 * err, granted, dst and the counters; the other fields are the machine's own. */
typedef struct spa_tftp_xfer {
    int sender;              /* 1 = sends DATA, 0 = receives */
    int client;              /* 1 = we sent the request */
    int phase;               /* internal: handshake / transfer / end */
    spa_tftp_state state;
    spa_tftp_opts req;       /* client: options asked for */
    spa_tftp_opts granted;   /* options in force after negotiation */
    unsigned blksize, windowsize;
    spa_tftp_timing timing;
    unsigned rto_ms, retries;
    uint64_t deadline;
    uint64_t tsize;          /* size announced by the peer (receiver), or our size */
    int tsize_known;
    /* sender */
    const uint8_t *src;
    size_t srclen;
    uint64_t nblocks;        /* blocks to send, the last one short */
    uint64_t base;           /* first block not yet acknowledged (1-based) */
    uint64_t next;           /* next block to hand out by pull */
    uint64_t send_end;       /* pull hands out blocks [next, send_end) */
    uint64_t goback_base;    /* base for which a duplicate ACK already restarted */
    /* receiver */
    spa_buf dst;
    uint64_t cap;            /* largest accepted size */
    uint64_t got;            /* blocks received in order */
    uint64_t acked;          /* last block acknowledged */
    unsigned since_ack;      /* blocks received since the last ACK */
    int gap_acked;           /* already answered the current gap */
    /* pending control packet (request, OACK, ACK or ERROR) */
    uint8_t ctl[SPA_TFTP_REQUEST_MAX + 4];
    size_t ctllen;
    int ctl_pending;
    int hs_reply;            /* handshake packet awaiting a reply */
    uint8_t hs[SPA_TFTP_REQUEST_MAX + 4];
    size_t hslen;
    /* outcome */
    spa_tftp_err err;
    int err_from_peer;       /* the peer sent the ERROR */
    /* counters */
    uint64_t retransmits, timeouts, dup_acks, dup_data, bad_packets;
} spa_tftp_xfer;

/* Client download (RRQ): queues the request. max is the size cap. 0 or -1. */
int spa_tftp_xfer_get(spa_tftp_xfer *x, const char *filename, spa_tftp_mode mode,
                      const spa_tftp_opts *req, const spa_tftp_timing *t, uint64_t max,
                      uint64_t now);
/* Client upload (WRQ) of data[len] (kept by reference): queues the request. */
int spa_tftp_xfer_put(spa_tftp_xfer *x, const char *filename, spa_tftp_mode mode,
                      const spa_tftp_opts *req, const uint8_t *data, size_t len,
                      const spa_tftp_timing *t, uint64_t now);
/* Server side of an RRQ: serve data[len] (kept by reference) with the
 * negotiated options ack (OACK first when ack->present). */
int spa_tftp_xfer_serve(spa_tftp_xfer *x, const spa_tftp_opts *ack, const uint8_t *data,
                        size_t len, const spa_tftp_timing *t, uint64_t now);
/* Server side of a WRQ: receive at most max octets (OACK or ACK 0 first). */
int spa_tftp_xfer_accept(spa_tftp_xfer *x, const spa_tftp_opts *ack, uint64_t max,
                         const spa_tftp_timing *t, uint64_t now);
/* Process one packet from the peer. */
void spa_tftp_xfer_input(spa_tftp_xfer *x, const uint8_t *p, size_t n, uint64_t now);
/* Handle the clock: retransmit with back-off or give up when due. */
void spa_tftp_xfer_tick(spa_tftp_xfer *x, uint64_t now);
/* Next packet to send into out[cap] (cap >= blksize + 4); 0 when none. */
size_t spa_tftp_xfer_pull(spa_tftp_xfer *x, uint8_t *out, size_t cap);
/* When tick must next be called (SPA_TFTP_NO_DEADLINE when idle). */
uint64_t spa_tftp_xfer_deadline(const spa_tftp_xfer *x);
/* Abort locally: queue an ERROR for the peer and fail. */
void spa_tftp_xfer_abort(spa_tftp_xfer *x, int code, const char *msg);
/* Release what the transfer owns (the received data). */
void spa_tftp_xfer_free(spa_tftp_xfer *x);

/* ---- libevent driver (lib/tftp_udp.c) ----------------------------------- */

struct event_base;

/* Outcome of a client transfer, passed to the callback. */
typedef struct spa_tftp_result {
    spa_tftp_state state;    /* DONE or FAILED */
    spa_tftp_err err;        /* when FAILED; code -1 = local (timeout, socket) */
    int err_from_peer;
    spa_buf *body;           /* get: the file (callback may steal it) */
    spa_tftp_opts granted;   /* options the server granted */
    uint64_t retransmits;
} spa_tftp_result;

typedef void (*spa_tftp_done_cb)(const spa_tftp_result *r, void *arg);

/* Client settings. Zero fields take defaults. */
typedef struct spa_tftp_client_opts {
    spa_tftp_mode mode;
    spa_tftp_opts req;       /* options to ask for */
    spa_tftp_timing timing;
    uint64_t max_size;       /* get: size cap (0 = 64 MiB) */
    int no_option_fallback;  /* 1: do not retry without options after ERROR 8 */
} spa_tftp_client_opts;

typedef struct spa_tftp_op spa_tftp_op;

/* Download path from addr; cb runs exactly once (unless cancelled). NULL on
 * immediate failure (bad arguments, no socket). */
spa_tftp_op *spa_tftp_get(struct event_base *base, const struct sockaddr *addr, socklen_t alen,
                          const char *path, const spa_tftp_client_opts *o, spa_tftp_done_cb cb,
                          void *arg);
/* Upload data[len] (copied) to addr as path. */
spa_tftp_op *spa_tftp_put(struct event_base *base, const struct sockaddr *addr, socklen_t alen,
                          const char *path, const void *data, size_t len,
                          const spa_tftp_client_opts *o, spa_tftp_done_cb cb, void *arg);
/* Stop a transfer; its callback will not run. */
void spa_tftp_cancel(spa_tftp_op *op);

/* What the server knows about one request. */
typedef struct spa_tftp_request {
    const struct sockaddr *peer;
    socklen_t peerlen;
    int opcode;              /* RRQ or WRQ */
    const char *path;        /* normalised, relative to the root */
    const char *raw_path;    /* as sent */
    spa_tftp_mode mode;
    const spa_tftp_opts *opts;
    uint64_t id;             /* names the request in spa_tftp_server_answer */
} spa_tftp_request;

/* A file to serve. release (may be NULL) runs when the transfer no longer
 * needs data, so static files, mmaps and generated profiles all fit. */
typedef struct spa_tftp_file {
    const uint8_t *data;
    size_t len;
    void (*release)(void *ctx);
    void *ctx;
} spa_tftp_file;

/* Log levels for spa_tftp_server_config.log. */
enum { SPA_TFTP_LOG_INFO = 0, SPA_TFTP_LOG_WARN = 1, SPA_TFTP_LOG_SECURITY = 2 };

typedef struct spa_tftp_server_config {
    spa_tftp_limits limits;
    spa_tftp_timing timing;
    unsigned max_transfers;   /* concurrent transfers (0 = 512) */
    unsigned rate_per_sec;    /* requests per second per client address (0 = 50) */
    unsigned rate_burst;      /* bucket size (0 = 2 * rate) */
    int single_port;          /* 1: every transfer uses the listening socket */
    unsigned defer_timeout_ms; /* longest wait for a deferred answer (0 = 5000) */
    /* RRQ: fill f and return 0, or return -1 with err set, or return 1 to
     * answer later with spa_tftp_server_answer (e.g. from a worker's result). */
    int (*read)(void *arg, const spa_tftp_request *req, spa_tftp_file *f, spa_tftp_err *err);
    /* WRQ: return 0 to accept, -1 with err to refuse (NULL: refuse all WRQs). */
    int (*write_open)(void *arg, const spa_tftp_request *req, spa_tftp_err *err);
    /* WRQ complete: data[len] is the upload (decoded from netascii if so). */
    void (*write_done)(void *arg, const spa_tftp_request *req, const uint8_t *data, size_t len);
    /* One log line (level SPA_TFTP_LOG_*); NULL: silent. */
    void (*log)(void *arg, int level, const struct sockaddr *peer, const char *msg);
    void *arg;
} spa_tftp_server_config;

typedef struct spa_tftp_server spa_tftp_server;

/* Counters of a running server. */
typedef struct spa_tftp_server_stats {
    uint64_t rrq, wrq, done, failed, refused, rate_limited, busy, bad_packets;
    unsigned active;
} spa_tftp_server_stats;

/* Bind a UDP socket on addr and serve. NULL with err->msg set on failure. */
spa_tftp_server *spa_tftp_server_new(struct event_base *base, const struct sockaddr *addr,
                                     socklen_t alen, const spa_tftp_server_config *cfg,
                                     spa_tftp_err *err);
/* Serve on fd, a bound (non-blocking) UDP socket the server now owns: closed
 * on free, and on failure (e.g. spaprovd binds port 69 before dropping
 * privileges). NULL with err->msg set on failure. */
spa_tftp_server *spa_tftp_server_adopt(struct event_base *base, int fd,
                                       const spa_tftp_server_config *cfg, spa_tftp_err *err);
/* Answer an RRQ whose read callback returned 1: f (NULL to refuse with err).
 * Call it from the event loop's thread. 0 if the transfer starts or the
 * refusal is sent; -1 if the request is gone (timed out, server freed) —
 * then f is not taken and its owner releases it. */
int spa_tftp_server_answer(spa_tftp_server *s, uint64_t id, const spa_tftp_file *f,
                           const spa_tftp_err *err);
/* The bound address (useful after binding port 0). */
int spa_tftp_server_addr(const spa_tftp_server *s, struct sockaddr_storage *ss, socklen_t *len);
/* Counters. */
void spa_tftp_server_get_stats(const spa_tftp_server *s, spa_tftp_server_stats *st);
/* Stop serving, abort transfers, release everything. */
void spa_tftp_server_free(spa_tftp_server *s);

#endif
