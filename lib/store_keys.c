/* store_keys.c — finding a device by its random profile directory. In
 * secure provisioning (SEC-PRV-2, docs/flows.md) a unit fetches
 * `<base>/<path>/spa$PSN.cfg` over plain HTTP or TFTP: no MAC on the wire,
 * so the 128-bit directory is what names the device, and whether it is the
 * current directory or the one before the last rotation decides which key
 * the profile is encrypted with. */
#include <stdio.h>
#include <string.h>
#include "spaprov/store.h"
#include "store_db.h"

/* 32 lower-case hex digits: the form spa_store_random_hex(…, 16) writes. */
static bool is_path_token(const char *s, size_t n)
{
    if (n != 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int spa_store_device_by_path(spa_store *st, const char *path, char mac[13], bool *previous,
                             spa_diags *d)
{
    static const char sql[] =
        "SELECT mac, path = ?1 FROM devices WHERE path = ?1 OR prev_path = ?1 LIMIT 1";
    sqlite3_stmt *s;
    int rc;
    mac[0] = '\0';
    *previous = false;
    if (!path || !is_path_token(path, strlen(path)))
        return 1;
    if (!(s = spa_store_stmt(st, sql, d)))
        return -1;
    sqlite3_bind_text(s, 1, path, 32, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(mac, 13, "%s", spa_store_col_str(s, 0));
        *previous = sqlite3_column_int(s, 1) == 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return 1;
    return rc == SQLITE_ROW ? 0 : spa_store_dberr(st, d, "looking up a profile directory");
}
