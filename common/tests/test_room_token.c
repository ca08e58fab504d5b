/* Room tokens: plain names pass through, everything else is ~hex (W1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/room_token.h"

static void expect_token(const char *room, size_t len, const char *want)
{
    char *t = room_token(room, len);
    assert_string_equal(t, want);
    free(t);
}

static void test_plain_names(void **state)
{
    expect_token("public", 6, "public");
    expect_token("ABC_abc-09", 10, "ABC_abc-09");
}

static void test_other_names_are_hex(void **state)
{
    expect_token("a.b", 3, "~612e62");
    expect_token("my room", 7, "~6d7920726f6f6d");
    expect_token("\xd0\xba", 2, "~d0ba");  /* Cyrillic к */
    expect_token("a*", 2, "~612a");        /* NATS wildcard never reaches a subject */
    expect_token(">", 1, "~3e");
    expect_token("", 0, "~");
}

static void test_no_collisions_between_kinds(void **state)
{
    /* A plain token can never start with '~', so "~61" (hex of "a") is not
     * the token of any plain name; and the literal room "~61" is hex too. */
    expect_token("~61", 3, "~7e3631");
}

static void test_subject(void **state)
{
    char *s = room_event_subject("public", 6);
    assert_string_equal(s, "echochat.chat.room_event.public");
    free(s);
    s = room_event_subject("a b", 3);
    assert_string_equal(s, "echochat.chat.room_event.~612062");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_names),
        cmocka_unit_test(test_other_names_are_hex),
        cmocka_unit_test(test_no_collisions_between_kinds),
        cmocka_unit_test(test_subject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
