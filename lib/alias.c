/* alias.c — parameter name alias maps for --alias (guide §2.12, §3.13).
 * A map is up to 30 `source-path = /flat-profile/Param ;` entries; a fetched
 * XML element whose path ends with a source path (compared by whole path
 * components) sets that parameter. */
#include <stdlib.h>
#include <string.h>
#include "spaprov/alias.h"
#include "spaprov/params.h"

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

static size_t path_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '=' && s[n] != ';' && s[n] != ' ' && s[n] != '\t' &&
           s[n] != '\r' && s[n] != '\n')
        n++;
    return n;
}

static int bad(spa_alias_map *m, spa_diags *d, const char *file, const char *text,
               const char *at, const char *msg)
{
    spa_diag_add(d, SPA_DIAG_ERROR, file, 1, (unsigned)(at - text) + 1, "alias", "%s", msg);
    spa_alias_map_free(m);
    return -1;
}

/* One entry at *ps; advances past its ';'. */
static int parse_entry(spa_alias_map *m, const char *text, const char **ps, const char *file,
                       spa_diags *d)
{
    const char *s = *ps;
    size_t sl = path_len(s);
    if (sl == 0 || s[0] != '/')
        return bad(m, d, file, text, s, "alias source must be an element path starting with '/'");
    const char *src = s;
    s = skip_ws(s + sl);
    if (*s != '=')
        return bad(m, d, file, text, s, "expected '=' in alias entry");
    s = skip_ws(s + 1);
    static const char prefix[] = "/flat-profile/";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        return bad(m, d, file, text, s, "alias target must be /flat-profile/PARAMETER");
    const char *param = s + sizeof prefix - 1;
    size_t pl = path_len(param);
    char canon[SPA_NAME_MAX];
    if (pl == 0 || spa_name_canonical(param, pl, canon, sizeof canon) < 0)
        return bad(m, d, file, text, param, "invalid parameter name in alias target");
    s = skip_ws(param + pl);
    if (*s != ';')
        return bad(m, d, file, text, s, "expected ';' after alias entry");
    if (m->n >= SPA_ALIAS_MAX)
        return bad(m, d, file, text, src, "more than 30 alias entries");
    spa_alias_entry *e = &m->v[m->n];
    e->source = strndup(src, sl);
    e->param = strdup(canon);
    if (!e->source || !e->param) {
        free(e->source);
        free(e->param);
        return bad(m, d, file, text, src, "out of memory");
    }
    m->n++;
    *ps = s + 1;
    return 0;
}

int spa_alias_map_parse(spa_alias_map *m, const char *text, const char *file, spa_diags *d)
{
    memset(m, 0, sizeof *m);
    const char *s = skip_ws(text);
    while (*s) {
        if (parse_entry(m, text, &s, file, d) < 0)
            return -1;
        s = skip_ws(s);
    }
    return 0;
}

void spa_alias_map_free(spa_alias_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].source);
        free(m->v[i].param);
    }
    m->n = 0;
}

const char *spa_alias_map_lookup(const spa_alias_map *m, const char *path, size_t len)
{
    for (size_t i = 0; i < m->n; i++) {
        size_t sl = strlen(m->v[i].source);
        if (sl > len || memcmp(path + len - sl, m->v[i].source, sl) != 0)
            continue;
        /* the source starts with '/', so the match begins at a component */
        return m->v[i].param;
    }
    return NULL;
}
