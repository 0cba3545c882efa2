/* provd_priv.c — spaprovd's privilege drop. The standard ports (TFTP 69,
 * HTTP 80, HTTPS 443, syslog 514) need root to bind, serving them does not:
 * spaprovd binds every listener first, hands its data directory to the
 * configured User/Group, then gives up root for good (supplementary groups,
 * gid, uid — real, effective and saved) and checks that root cannot be
 * regained before it opens the database or reads a request. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spaprov/provd.h"

/* Parse a decimal id; 0 or -1. */
static int numeric_id(const char *s, unsigned long *out)
{
    char *end;
    if (!s[0] || s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno || *end || *out > 0x7fffffffUL ? -1 : 0;
}

int spa_provd_priv_lookup(const char *user, const char *group, spa_provd_priv *out,
                          spa_diags *d)
{
    struct passwd *pw;
    struct group *gr;
    unsigned long id;

    memset(out, 0, sizeof *out);
    if (!user || !user[0])
        return 0;
    errno = 0;
    pw = getpwnam(user);
    if (!pw && numeric_id(user, &id) == 0)
        pw = getpwuid((uid_t)id);
    if (!pw)
        return spa_diag_error(d, "user", "User: no such user '%s'", user);
    if (pw->pw_uid == 0)
        return spa_diag_error(d, "user", "User: '%s' is root; name an unprivileged user", user);
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    snprintf(out->name, sizeof out->name, "%s", pw->pw_name);
    if (group && group[0]) {
        gr = getgrnam(group);
        if (!gr && numeric_id(group, &id) == 0)
            gr = getgrgid((gid_t)id);
        if (!gr)
            return spa_diag_error(d, "group", "Group: no such group '%s'", group);
        if (gr->gr_gid == 0)
            return spa_diag_error(d, "group", "Group: '%s' is root's group; name another", group);
        out->gid = gr->gr_gid;
    }
    out->set = true;
    return 0;
}

/* chown one path to the user if it exists; -1 with a diagnostic on failure. */
static int chown_one(const spa_provd_priv *pv, const char *path, spa_diags *d)
{
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return errno == ENOENT ? 0 : spa_diag_error(d, "data-dir", "%s: %s", path, strerror(errno));
    if (S_ISLNK(sb.st_mode))
        return spa_diag_error(d, "data-dir", "%s: is a symbolic link; not handed to %s", path,
                              pv->name);
    if (sb.st_uid == pv->uid && sb.st_gid == pv->gid)
        return 0;
    if (lchown(path, pv->uid, pv->gid) < 0)
        return spa_diag_error(d, "data-dir", "%s: cannot hand to %s: %s", path, pv->name,
                              strerror(errno));
    return 0;
}

int spa_provd_priv_chown_data(const spa_provd_priv *pv, const char *data_dir, spa_diags *d)
{
    static const char *const parts[] = {
        "", "/files", "/tls", "/reports", "/spaprov.db", "/spaprov.db-wal", "/spaprov.db-shm",
        "/tls/server.crt", "/tls/server.key",
    };
    char p[SPA_PROVD_STR + 32];
    int rc = 0;

    if (!pv->set || geteuid() != 0)
        return 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(p, sizeof p, "%s%s", data_dir, parts[i]);
        if (chown_one(pv, p, d) < 0)
            rc = -1;
    }
    return rc;
}

int spa_provd_priv_drop(const spa_provd_priv *pv, spa_diags *d)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (!pv->set)
        return 0;
    if (geteuid() != 0) {
        if (getuid() == pv->uid && getgid() == pv->gid)
            return 0;   /* already that user: nothing to drop */
        return spa_diag_error(d, "user", "User %s: cannot switch users without running as root",
                              pv->name);
    }
    if (setgroups(1, &pv->gid) < 0)
        return spa_diag_error(d, "user", "setgroups: %s", strerror(errno));
    if (setresgid(pv->gid, pv->gid, pv->gid) < 0)
        return spa_diag_error(d, "user", "setresgid(%lu): %s", (unsigned long)pv->gid,
                              strerror(errno));
    if (setresuid(pv->uid, pv->uid, pv->uid) < 0)
        return spa_diag_error(d, "user", "setresuid(%lu): %s", (unsigned long)pv->uid,
                              strerror(errno));
    /* Verify: every id is the user's and root cannot come back. */
    if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != pv->uid ||
        eu != pv->uid || su != pv->uid || rg != pv->gid || eg != pv->gid || sg != pv->gid)
        return spa_diag_error(d, "user", "privilege drop to %s did not take", pv->name);
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
        return spa_diag_error(d, "user", "privilege drop to %s is reversible; refusing to run",
                              pv->name);
    return 0;
}
