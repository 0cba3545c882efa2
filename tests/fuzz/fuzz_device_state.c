/* fuzz_device_state.c — libFuzzer target for the parsers spasim adds
 * (lib/device_state.c, lib/device_web.c): the state file loader, the /admin
 * query decoder, host:port / [IPv6]:port splitting and web form bodies.
 * Whatever the state parser accepts must format and re-parse to the same
 * state; a failed parse leaves the state untouched; a decoded query never
 * contains NUL; a split host is never empty and has ':' only when it came
 * in brackets; a parsed form holds printable ASCII only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/device.h"
#include "spaprov/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Clear the bytes behind each string's NUL so states compare with memcmp. */
static void normalise(spa_device_state *st)
{
    size_t n = strlen(st->swver);
    memset(st->swver + n, 0, sizeof st->swver - n);
    n = strlen(st->last_err);
    memset(st->last_err + n, 0, sizeof st->last_err - n);
    n = strlen(st->upg_ver);
    memset(st->upg_ver + n, 0, sizeof st->upg_ver - n);
    n = strlen(st->customization);
    memset(st->customization + n, 0, sizeof st->customization - n);
}

static void check_state(const char *text, size_t size)
{
    spa_device_state st, again, before;
    spa_diags d;
    memset(&st, 0x5a, sizeof st);
    st.swver[0] = st.last_err[0] = st.upg_ver[0] = st.customization[0] = '\0';
    before = st;
    spa_diags_init(&d);
    if (spa_device_state_parse(text, size, "fuzz", &st, &d) == 0) {
        spa_buf b;
        spa_buf_init(&b);
        again = before;
        if (d.errors || spa_device_state_format(&st, &b) != 0 ||
            spa_device_state_parse(b.data, b.len, "re", &again, NULL) != 0)
            abort();
        normalise(&st);
        normalise(&again);
        if (memcmp(&st, &again, sizeof st) != 0)
            abort();
        spa_buf_free(&b);
    } else if (memcmp(&st, &before, sizeof st) != 0 || d.errors == 0) {
        abort();
    }
    spa_diags_free(&d);
}

static void check_query(const char *text, size_t size)
{
    spa_buf b;
    spa_buf_init(&b);
    if (spa_device_url_decode(text, size, &b) == 0 && b.data && strlen(b.data) != b.len)
        abort();
    spa_buf_free(&b);
}

static void check_hostport(const char *text, size_t size)
{
    char s[300], host[256];
    uint16_t port = 7;
    if (size >= sizeof s || memchr(text, '\0', size))
        return;
    memcpy(s, text, size);
    s[size] = '\0';
    if (spa_device_split_hostport(s, host, sizeof host, &port) == 0 &&
        (host[0] == '\0' || strchr(host, '[') || strchr(host, ']') ||
         (strchr(host, ':') && s[0] != '[')))
        abort();
}

/* A parsed web form holds only printable ASCII values; a failure says why. */
static void check_form(const char *text, size_t size)
{
    spa_profile f;
    char why[128] = "";
    spa_profile_init(&f);
    if (spa_device_form_parse(text, size, &f, why, sizeof why) == 0) {
        for (size_t i = 0; i < f.n; i++)
            if (!f.v[i].value || !spa_value_is_ascii(f.v[i].value, strlen(f.v[i].value)))
                abort();
    } else if (!why[0]) {
        abort();
    }
    spa_profile_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_state(text, size);
    check_query(text, size);
    check_hostport(text, size);
    check_form(text, size);
    return 0;
}
