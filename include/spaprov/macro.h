/* macro.h — macro expansion ($NAME, $(NAME), $(NAME:p), $(NAME:p:q), $$) over
 * a variable source (guide §2.8, Table 4-4). Single pass, never recursive;
 * unknown names stay verbatim; $SA–$SD expand only in a --key argument. */
#ifndef SPAPROV_MACRO_H
#define SPAPROV_MACRO_H
#include <stdbool.h>
#include <stddef.h>
#include "spaprov/buf.h"

/* Look up a macro variable. name is not NUL-terminated (len bytes). Return its
 * value, or NULL when unknown (the reference is then left verbatim). scratch
 * (n bytes) may be used to build the value. */
typedef const char *(*spa_macro_lookup_fn)(void *ctx, const char *name, size_t len,
                                           char *scratch, size_t n);

#define SPA_MACRO_KEY_ARG 0x01u  /* expanding a --key argument: $SA–$SD allowed */

/* Expand in (len bytes) and append to out. Returns 0 or -1 on OOM. */
int spa_macro_expand(const char *in, size_t len, spa_macro_lookup_fn fn, void *ctx,
                     unsigned flags, spa_buf *out);
/* True if name (len bytes) is one of SA, SB, SC, SD. */
bool spa_macro_is_secret(const char *name, size_t len);
/* True if name is a variable of Table 4-4 (or A–P, SA–SD). */
bool spa_macro_is_known(const char *name, size_t len);

struct spa_params;

/* Who the unit is: the sources of MA/MAU/MAC/SN/CCERT/IP/EXTIP/SWVER/HWVER/ISCUST. */
typedef struct spa_identity {
    char mac[13];          /* 12 lower-case hex digits */
    const char *serial;    /* $SN */
    const char *swver;     /* $SWVER: current firmware (NULL = model's) */
    const char *hwver;     /* $HWVER (NULL = model's) */
    const char *ip;        /* $IP */
    const char *extip;     /* $EXTIP ("" when unknown) */
    bool ccert;            /* unique client certificate installed ($CCERT) */
    bool customized;       /* $ISCUST */
} spa_identity;

/* The provisioning engine's state: the sources of PRVST … ERR. */
typedef struct spa_macro_state {
    int prvst;             /* -1 explicit, 0 power-up, 1 periodic, 2 retry */
    int upgst;             /* 1 first attempt, 2 retry */
    const char *upgerr;    /* ERR of the previous upgrade attempt */
    const char *err;       /* ERR of the current attempt */
    long prvtmr, upgtmr;   /* seconds since last resync / upgrade attempt */
    long regtmr[2];        /* seconds since line 1/2 lost registration (0 = registered) */
    const char *scheme;    /* "tftp", "http", "https" */
    const char *serv;      /* host name from the URL */
    const char *servip;    /* resolved address */
    unsigned port;
    const char *path;
} spa_macro_state;

/* Everything a device's macros read. Any pointer may be NULL (those variables
 * are then unknown and stay verbatim, except UPGCOND). */
typedef struct spa_macro_env {
    const struct spa_params *params;   /* GPP_A–P, GPP_SA–SD, User_ID_1_/2_ */
    const spa_identity *id;
    const spa_macro_state *state;
} spa_macro_env;

/* spa_macro_lookup_fn over a spa_macro_env (ctx = spa_macro_env *). */
const char *spa_macro_env_lookup(void *ctx, const char *name, size_t len, char *scratch,
                                 size_t n);
/* Convenience: expand a NUL-terminated string against env into out. */
int spa_macro_expand_env(const char *in, const spa_macro_env *env, unsigned flags, spa_buf *out);
/* Parse a MAC in any common form (000e08aabbcc, 00:0E:08:..., 00-0e-...) into
 * 12 lower-case hex digits; 0 or -1. */
int spa_mac_parse(const char *s, char out[13]);

#endif
