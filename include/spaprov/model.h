/* model.h — a device model's schema: identity data and every parameter it
 * knows (name, data type, factory default, factory user access). Schemas are
 * data files (data/models) and are also embedded in the library. One loaded
 * model is shared, read-only, by every device of that model. */
#ifndef SPAPROV_MODEL_H
#define SPAPROV_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spaprov/diag.h"
#include "spaprov/params.h"

/* The guide's data types (§2.14) plus the provisioning-script kinds. */
typedef enum {
    SPA_T_STR,        /* Str<n>: n = max length (0 = unlimited) */
    SPA_T_BOOL,       /* yes/no and the other spellings of §2.6 */
    SPA_T_UNS,        /* Uns<n>: n = bits */
    SPA_T_SIG,        /* Sig<n>: n = bits */
    SPA_T_FLOAT,      /* Float<n>: n = max decimals */
    SPA_T_TIME,       /* Time<n>: seconds, n decimals */
    SPA_T_PWRLEVEL,   /* dBm, one decimal */
    SPA_T_IP,         /* dotted quad (empty allowed) */
    SPA_T_PORT,       /* 0..65535, decimal or hex */
    SPA_T_USERID,     /* <= 63 chars */
    SPA_T_FQDN,       /* <= 63 chars, optional :port */
    SPA_T_PHONE,      /* <= 39 chars */
    SPA_T_ACTCODE,    /* <= 7 chars */
    SPA_T_PHTMPLT,    /* <= 39 chars */
    SPA_T_RSCTMPLT,   /* <= 39 chars */
    SPA_T_CADSCRIPT,  /* <= 127 chars */
    SPA_T_FREQSCRIPT, /* <= 127 chars */
    SPA_T_TONESCRIPT, /* <= 127 chars */
    SPA_T_DIALPLAN,   /* dial plan script */
    SPA_T_RULE,       /* Profile_Rule* / Upgrade_Rule / Report_Rule syntax */
    SPA_T_TRIGGER,    /* Resync_Trigger_*: a bare condition */
    SPA_T_MSG,        /* Log_* messages (macro expanded) */
    SPA_T_SCHEDULE,   /* "1800+300,3600" */
    SPA_T_VERSION,    /* "2.0.6(b)" or empty */
    SPA_T_ALIASMAP,   /* not used for parameters; GPPs are Str */
    SPA_T_CHOICE,     /* {a|b|c} */
    SPA_T_COUNT
} spa_type_kind;

typedef struct spa_type {
    spa_type_kind kind;
    unsigned arg;          /* bits, max length or decimals, per kind */
    char *choices;         /* SPA_T_CHOICE: '|'-separated list; else NULL */
} spa_type;

/* Parameter flags. */
#define SPA_PF_SECRET      0x01u  /* never logged: keys, passwords, GPP_SA–SD */
#define SPA_PF_WRITE_ONLY  0x02u  /* reads back empty (License_Keys) */
#define SPA_PF_PROFILE_ONLY 0x04u /* not shown on the web UI (GPP_SA–SD) */

typedef struct spa_param_def {
    char *name;         /* canonical XML spelling, e.g. "Dial_Plan_1_" */
    char *web_name;     /* web spelling, e.g. "Dial Plan[1]" */
    spa_type type;
    char *def_value;    /* factory default ("" for empty) */
    spa_access def_access;
    unsigned flags;     /* SPA_PF_* */
    char *group;        /* web page/section, e.g. "Provisioning"; may be "" */
} spa_param_def;

typedef struct spa_model {
    char *name;          /* "SPA2102" ($PN) */
    char *product;       /* product name used in the User-Agent, "SPA-2102" */
    char *psn;           /* product series number, "2102" ($PSN) */
    char *hwver;         /* factory hardware version ($HWVER) */
    char *swver;         /* factory software version ($SWVER) */
    char *description;
    unsigned lines, users, extensions;
    spa_param_def *params;
    size_t nparams;
    /* private: name index */
    uint32_t *index;
    size_t index_cap;
} spa_model;

/* Load a built-in (embedded) model by name, case-insensitive ("spa2102").
 * Returns NULL and records a diagnostic when unknown or malformed. */
spa_model *spa_model_load_builtin(const char *name, spa_diags *d);
/* Load a schema file from disk (includes resolve relative to its folder). */
spa_model *spa_model_load_file(const char *path, spa_diags *d);
/* Free a model (no device may still use it). */
void spa_model_free(spa_model *m);
/* Names of the built-in models, NULL-terminated, in a static table. */
const char *const *spa_model_builtin_names(void);
/* Index of a parameter by any spelling, or -1 when the model lacks it. */
long spa_model_find(const spa_model *m, const char *name);
/* Definition of a parameter by any spelling, or NULL. */
const spa_param_def *spa_model_param(const spa_model *m, const char *name);
/* The User-Agent a unit of this model sends: "Linksys/SPA-2102-5.1.10 (SN)". */
int spa_model_user_agent(const spa_model *m, const char *swver, const char *serial,
                         char *out, size_t n);

/* Text form of a type, e.g. "Uns16", "Str64", "{Yes|No}". */
int spa_type_format(const spa_type *t, char *out, size_t n);
/* Parse a type written as in the schema files; 0 or -1. */
int spa_type_parse(const char *s, spa_type *t);
/* Check a value against a type; 0 if valid, else -1 with a reason in why. */
int spa_type_check(const spa_type *t, const char *value, char *why, size_t n);
/* Interpret a Bool value: 1 asserted, 0 de-asserted, -1 not a Bool. */
int spa_bool_value(const char *v);

/* Added by the model module: */
/* spa_type.arg of a Float or Time written without a count ("Time"). */
#define SPA_TYPE_ARG_NONE 0xFFFFFFFFu
/* Free what spa_type_parse allocated (the choice list). */
void spa_type_free(spa_type *t);
/* Load a model from schema text in memory; name is used in diagnostics and
 * includes resolve against the built-in (embedded) files only. */
spa_model *spa_model_load_text(const char *text, size_t len, const char *name, spa_diags *d);

#endif
