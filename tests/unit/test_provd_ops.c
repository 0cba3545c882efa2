/* test_provd_ops.c — spaprovd's operational pieces: the User/Group/Log
 * settings, the user lookup of the privilege drop (the drop itself needs
 * root and is tested by tests/integration/spaprovd_privdrop.sh), and the
 * logger, sending to a Unix datagram socket of the test's own as it would
 * to /dev/log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"
#include "spaprov/provd.h"

static void test_settings(void **state)
{
    spa_provd_config c;
    spa_diags d;
    const char *text = "User \"nobody\"; Group \"nogroup\";\nLog \"SYSLOG\"; Log_Level \"debug\";\n"
                       "Log_Socket \"/tmp/x.sock\";\n";
    (void)state;
    spa_provd_config_defaults(&c);
    assert_int_equal(c.log_to, SPA_PROVD_LOG_STDERR);
    assert_int_equal(c.log_level, SPA_PROVD_LOG_INFO);
    assert_string_equal(c.user, "");
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, text, strlen(text), "t.conf", &d), 0);
    assert_string_equal(c.user, "nobody");
    assert_string_equal(c.group, "nogroup");
    assert_int_equal(c.log_to, SPA_PROVD_LOG_SYSLOG);
    assert_int_equal(c.log_level, SPA_PROVD_LOG_DEBUG);
    assert_string_equal(c.log_socket, "/tmp/x.sock");
    spa_diags_free(&d);
}

static void test_setting_errors(void **state)
{
    spa_provd_config c;
    spa_diags d;
    const char *text = "Log \"journal\";\nLog_Level \"loud\";\nUser \"nobody\";\n";
    (void)state;
    spa_provd_config_defaults(&c);
    spa_diags_init(&d);
    assert_int_equal(spa_provd_config_parse(&c, text, strlen(text), "t.conf", &d), -1);
    assert_true(tu_diags_contain(&d, "t.conf:1:5: error: Log: expected stderr or syslog"));
    assert_true(tu_diags_contain(
        &d, "t.conf:2:11: error: Log_Level: expected err, warning, notice, info or debug"));
    assert_string_equal(c.user, "");   /* nothing applied */
    assert_int_equal(c.log_to, SPA_PROVD_LOG_STDERR);
    spa_diags_free(&d);
    assert_string_equal(spa_provd_log_level_name(SPA_PROVD_LOG_WARNING), "warning");
    assert_string_equal(spa_provd_log_level_name(99), "?");
}

static void test_user_lookup(void **state)
{
    spa_provd_priv pv;
    spa_diags d;
    (void)state;
    spa_diags_init(&d);
    assert_int_equal(spa_provd_priv_lookup("", NULL, &pv, &d), 0);
    assert_false(pv.set);
    assert_int_equal(spa_provd_priv_lookup("root", NULL, &pv, &d), -1);
    assert_true(tu_diags_contain(&d, "User: 'root' is root"));
    assert_int_equal(spa_provd_priv_lookup("0", NULL, &pv, &d), -1);
    assert_int_equal(spa_provd_priv_lookup("no-such-user-zz", NULL, &pv, &d), -1);
    assert_true(tu_diags_contain(&d, "User: no such user 'no-such-user-zz'"));
    spa_diags_free(&d);
    spa_diags_init(&d);
    if (spa_provd_priv_lookup("nobody", NULL, &pv, &d) == 0) {
        unsigned uid = pv.uid;
        assert_true(pv.set);
        assert_string_equal(pv.name, "nobody");
        assert_int_not_equal(uid, 0);
        char num[16];
        snprintf(num, sizeof num, "%u", uid);
        assert_int_equal(spa_provd_priv_lookup(num, NULL, &pv, &d), 0);   /* by number */
        assert_int_equal(pv.uid, uid);
        assert_int_equal(spa_provd_priv_lookup("nobody", "no-such-group-zz", &pv, &d), -1);
        assert_true(tu_diags_contain(&d, "Group: no such group 'no-such-group-zz'"));
        assert_int_equal(spa_provd_priv_lookup("nobody", "root", &pv, &d), -1);
    }
    spa_diags_free(&d);
}

/* A bound Unix datagram socket at dir/log.sock; its fd. */
static int listen_unix(const char *dir, char *path, size_t n)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    snprintf(path, n, "%s/log.sock", dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Next datagram into buf (NUL-terminated), or "" when none is waiting. */
static void next_line(int fd, char *buf, size_t n)
{
    ssize_t r = recv(fd, buf, n - 1, MSG_DONTWAIT);
    buf[r > 0 ? r : 0] = '\0';
}

static void test_logger_syslog(void **state)
{
    char dir[256], path[300], line[4096], want[64];
    spa_provd_config c;
    spa_provd_log *lg;
    FILE *f;
    int fd;
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    fd = listen_unix(dir, path, sizeof path);
    spa_provd_config_defaults(&c);
    c.log_to = SPA_PROVD_LOG_SYSLOG;
    c.log_level = SPA_PROVD_LOG_NOTICE;
    snprintf(c.log_socket, sizeof c.log_socket, "%s", path);
    lg = spa_provd_log_new(&c);
    assert_non_null(lg);

    spa_provd_logf(lg, SPA_PROVD_LOG_NOTICE, "serving %d\x01\n", 7);
    next_line(fd, line, sizeof line);
    /* <29> = daemon (3) * 8 + notice (5); "Mmm dd hh:mm:ss spaprovd[PID]: " */
    assert_int_equal(strncmp(line, "<29>", 4), 0);
    snprintf(want, sizeof want, " spaprovd[%ld]: serving 7??", (long)getpid());
    assert_non_null(strstr(line, want));
    assert_int_equal(line[strlen(line) - 1], '?');   /* control bytes made printable */

    spa_provd_logf(lg, SPA_PROVD_LOG_INFO, "dropped by the level");
    next_line(fd, line, sizeof line);
    assert_string_equal(line, "");

    /* The stream: one datagram per line, level from the diagnostic. */
    f = spa_provd_log_stream(lg, SPA_PROVD_LOG_ERR);
    assert_non_null(f);
    fprintf(f, "spaprovd: first line\nt.conf:1:1: warning: second");
    fflush(f);
    next_line(fd, line, sizeof line);
    assert_int_equal(strncmp(line, "<27>", 4), 0);   /* daemon.err */
    assert_non_null(strstr(line, "]: first line"));
    next_line(fd, line, sizeof line);
    assert_string_equal(line, "");                   /* no newline yet */
    fclose(f);                                       /* flushes the partial line */
    next_line(fd, line, sizeof line);
    assert_int_equal(strncmp(line, "<28>", 4), 0);   /* daemon.warning */
    assert_non_null(strstr(line, "]: t.conf:1:1: warning: second"));

    /* Reconfigured to stderr: nothing more on the socket. */
    c.log_to = SPA_PROVD_LOG_STDERR;
    spa_provd_log_configure(lg, &c);
    spa_provd_logf(lg, SPA_PROVD_LOG_ERR, "to stderr now");
    next_line(fd, line, sizeof line);
    assert_string_equal(line, "");
    spa_provd_log_free(lg);
    close(fd);
    tu_rmtree(dir);
}

static void test_logger_fallback(void **state)
{
    char dir[256], errpath[300], buf[2048];
    spa_provd_config c;
    spa_provd_log *lg;
    FILE *saved = stderr, *capture;
    size_t n;
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(errpath, sizeof errpath, "%s/err", dir);
    capture = fopen(errpath, "w+");
    assert_non_null(capture);
    stderr = capture;   /* the logger keeps the stderr it was created with */
    spa_provd_config_defaults(&c);
    c.log_to = SPA_PROVD_LOG_SYSLOG;
    snprintf(c.log_socket, sizeof c.log_socket, "%s/none.sock", dir);
    lg = spa_provd_log_new(&c);
    stderr = saved;
    assert_non_null(lg);
    spa_provd_logf(lg, SPA_PROVD_LOG_ERR, "one");
    spa_provd_logf(lg, SPA_PROVD_LOG_ERR, "two");
    spa_provd_log_free(lg);
    rewind(capture);
    n = fread(buf, 1, sizeof buf - 1, capture);
    buf[n] = '\0';
    fclose(capture);
    assert_non_null(strstr(buf, "spaprovd: cannot log to syslog socket"));
    assert_null(strstr(strstr(buf, "cannot log") + 1, "cannot log"));   /* said once */
    assert_non_null(strstr(buf, "spaprovd: one\n"));
    assert_non_null(strstr(buf, "spaprovd: two\n"));
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_setting_errors),
        cmocka_unit_test(test_user_lookup),
        cmocka_unit_test(test_logger_syslog),
        cmocka_unit_test(test_logger_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
