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

/* Library version, e.g. "0.1.0". */
const char *spa_version(void);

#endif
