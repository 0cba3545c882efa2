/* test_hex.c — hex digits: every character's value (both letter cases, and
 * -1 for everything else, bytes above 127 and EOF included) and encoding. */
#include <string.h>
#include "testutil.h"
#include "spaprov/hex.h"

static void test_value(void **state)
{
    static const char digits[] = "0123456789abcdef";
    (void)state;
    for (int c = -1; c < 256; c++) {
        const char *p = c > 0 ? strchr(digits, c >= 'A' && c <= 'F' ? c + 32 : c) : NULL;
        int want = p ? (int)(p - digits) : -1;
        if (spa_hex_value(c) != want)
            fail_msg("spa_hex_value(%d) = %d, expected %d", c, spa_hex_value(c), want);
    }
    assert_int_equal(spa_hex_value((char)0xc3), -1);   /* a signed char byte */
}

static void test_encode(void **state)
{
    static const unsigned char b[] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb, 0xff };
    char out[2 * sizeof b + 1];
    (void)state;
    memset(out, 'x', sizeof out);
    spa_hex_encode(b, sizeof b, out);
    assert_string_equal(out, "000e08aabbff");
    spa_hex_encode(b, 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
