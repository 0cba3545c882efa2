/* version_info.c — the library's own version string. */
#include "spaprov/spaprov.h"

const char *spa_version(void)
{
    return SPAPROV_VERSION;
}
