/* Room token: plain names pass through, everything else is hex-encoded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "echo/room_token.h"

static void plain_names_unchanged(void **state)
{
    char out[64];
    assert_int_equal(room_token("public", 6, out, sizeof out), 6);
    assert_string_equal(out, "public");
    assert_int_equal(room_token("My_Room-1", 9, out, sizeof out), 9);
    assert_string_equal(out, "My_Room-1");
}

static void case_is_kept_apart(void **state)
{
    char a[64], b[64];
    room_token("ABC", 3, a, sizeof a);
    room_token("abc", 3, b, sizeof b);
    assert_string_not_equal(a, b);
}

static void other_names_hex(void **state)
{
    char out[64];
    assert_int_equal(room_token("a.b", 3, out, sizeof out), 7);
    assert_string_equal(out, "~612e62");
    /* "é" = c3 a9: lowercase hex of the UTF-8 bytes */
    assert_int_equal(room_token("\xc3\xa9", 2, out, sizeof out), 5);
    assert_string_equal(out, "~c3a9");
    assert_int_equal(room_token("my room", 7, out, sizeof out), 15);
    assert_string_equal(out, "~6d7920726f6f6d");
    /* subject wildcards never reach NATS raw */
    room_token("*", 1, out, sizeof out);
    assert_string_equal(out, "~2a");
    room_token(">", 1, out, sizeof out);
    assert_string_equal(out, "~3e");
}

static void bounds(void **state)
{
    char out[8];
    assert_int_equal(room_token("", 0, out, sizeof out), -1);
    assert_int_equal(room_token("abcdefgh", 8, out, sizeof out), -1);
    assert_int_equal(room_token("abcdefg", 7, out, sizeof out), 7);
    assert_int_equal(room_token("a b", 3, out, sizeof out), 7);
    assert_int_equal(room_token("a bc", 4, out, sizeof out), -1);
    assert_int_equal((int)room_token_size(4), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_names_unchanged),
        cmocka_unit_test(case_is_kept_apart),
        cmocka_unit_test(other_names_hex),
        cmocka_unit_test(bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
