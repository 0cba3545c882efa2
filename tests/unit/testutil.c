/* testutil.c — helpers shared by the unit tests; see testutil.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/event.h>
#include "testutil.h"

void tu_tmpdir(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, n, "%s/spatest.XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

void tu_write(const char *dir, const char *name, const char *text, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

void tu_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

const char *tu_shared(void)
{
    const char *s = getenv("SPA_SHARED");
    struct stat st;
    if (!s || stat(s, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return s;
}

static void fail_with(const spa_diags *d)
{
    spa_diags_print(d, stderr);
    fail_msg("parse failed");
}

void tu_parse_xml(spa_profile *p, const char *xml)
{
    spa_diags d;
    spa_diags_init(&d);
    if (spa_profile_parse_xml(p, xml, strlen(xml), "t.xml", NULL, &d) != 0)
        fail_with(&d);
    spa_diags_free(&d);
}

void tu_parse_text(spa_profile *p, const char *text)
{
    spa_diags d;
    spa_diags_init(&d);
    if (spa_profile_parse_text(p, text, strlen(text), "t.txt", NULL, &d) != 0)
        fail_with(&d);
    spa_diags_free(&d);
}

const char *tu_value(const spa_profile *p, const char *name)
{
    const spa_profile_entry *e = spa_profile_get(p, name);
    if (!e)
        return "<absent>";
    return e->value ? e->value : "<unchanged>";
}

int tu_diags_contain(const spa_diags *d, const char *needle)
{
    char line[1400];
    for (size_t i = 0; i < d->n; i++)
        if (strstr(spa_diag_format(&d->v[i], line, sizeof line), needle))
            return 1;
    return 0;
}

const char *tu_kv_lookup(void *ctx, const char *name, size_t len, char *scratch, size_t n)
{
    (void)scratch;
    (void)n;
    for (const tu_kv *e = ctx; e && e->k; e++)
        if (strlen(e->k) == len && memcmp(e->k, name, len) == 0)
            return e->v;
    return NULL;
}

int tu_silent_listener(unsigned *port)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    assert_true(fd >= 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

int tu_wait_first_bytes(struct event_base *base, int lfd)
{
    int cfd = -1;

    for (int i = 0; i < 1000; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (cfd < 0)
            cfd = accept(lfd, NULL, NULL);
        if (cfd >= 0) {
            struct pollfd p = {cfd, POLLIN, 0};
            if (poll(&p, 1, 0) == 1)
                return cfd;
        }
        usleep(5000);
    }
    fail_msg("the client sent nothing within 5 s");
    return -1;
}

spa_store *tu_provd_data(char *dir, size_t n, spa_provd_config *cfg,
                         const spa_store_open_opts *o)
{
    char db[SPA_PROVD_STR + 32];
    spa_diags d;
    spa_store *st;
    tu_tmpdir(dir, n);
    spa_diags_init(&d);
    spa_provd_config_defaults(cfg);
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", dir);
    assert_int_equal(spa_provd_prepare_dir(dir, &d), 0);
    spa_provd_db_path(dir, db, sizeof db);
    st = spa_store_open(db, o, &d);
    assert_non_null(st);
    spa_diags_free(&d);
    return st;
}
