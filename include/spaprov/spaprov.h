/* spaprov.h — the whole public API of libspaprov in one include. */
#ifndef SPAPROV_SPAPROV_H
#define SPAPROV_SPAPROV_H
#include "spaprov/buf.h"
#include "spaprov/diag.h"
#include "spaprov/params.h"
#include "spaprov/model.h"
#include "spaprov/profile.h"
#include "spaprov/macro.h"
#include "spaprov/alias.h"
#include "spaprov/batch.h"
#include "spaprov/ca.h"
#include "spaprov/cfg.h"
#include "spaprov/crypt.h"
#include "spaprov/device.h"
#include "spaprov/engine.h"
#include "spaprov/fleet.h"
#include "spaprov/firmware.h"
#include "spaprov/hex.h"
#include "spaprov/http.h"
#include "spaprov/http_ident.h"
#include "spaprov/lint.h"
#include "spaprov/provd.h"
#include "spaprov/render.h"
#include "spaprov/rule.h"
#include "spaprov/schedule.h"
#include "spaprov/sip.h"
#include "spaprov/store.h"
#include "spaprov/syslog.h"
#include "spaprov/tftp.h"
#include "spaprov/tls.h"
#include "spaprov/version.h"

/* Library version, e.g. "0.1.0". */
const char *spa_version(void);

#endif
