/* Message text rules: trim, length in code points, W10, NUL escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat.h"

static chat_text_status_t check(const char *s, size_t len, long max, char **out)
{
    return chat_text_check(s, len, max, out);
}

static void test_trim(void **state)
{
    char *out;
    assert_int_equal(check("  hi  ", 6, 1000, &out), CHAT_TEXT_OK);
    assert_string_equal(out, "hi");
    free(out);
    /* U+3000 ideographic space and U+00A0 are Unicode whitespace too. */
    assert_int_equal(check("\xe3\x80\x80hi\xc2\xa0\n", 8, 1000, &out), CHAT_TEXT_OK);
    assert_string_equal(out, "hi");
    free(out);
    assert_int_equal(check("<b>x</b>", 8, 1000, &out), CHAT_TEXT_OK);
    assert_string_equal(out, "<b>x</b>"); /* verbatim, no escaping */
    free(out);
}

static void test_empty(void **state)
{
    char *out;
    assert_int_equal(check("", 0, 1000, &out), CHAT_TEXT_EMPTY);
    assert_int_equal(check("   \t\n", 5, 1000, &out), CHAT_TEXT_EMPTY);
    assert_null(out);
}

static void test_length_in_code_points(void **state)
{
    char *out;
    size_t n = 1000 * 4;
    char *emoji = malloc(n + 3);
    for (size_t i = 0; i < 1000; i++)
        memcpy(emoji + 4 * i, "\xf0\x9f\x98\x80", 4); /* U+1F600 */
    assert_int_equal(check(emoji, n, 1000, &out), CHAT_TEXT_OK);
    free(out);
    memcpy(emoji + n, "x", 1);
    assert_int_equal(check(emoji, n + 1, 1000, &out), CHAT_TEXT_TOO_LONG);
    /* Trimmed first: 1000 + surrounding spaces is fine. */
    memcpy(emoji + n, " ", 1);
    assert_int_equal(check(emoji, n + 1, 1000, &out), CHAT_TEXT_OK);
    free(out);
    free(emoji);
    assert_int_equal(check("abc", 3, 2, &out), CHAT_TEXT_TOO_LONG);
}

static void test_invalid(void **state)
{
    char *out;
    assert_int_equal(check("a\0b", 3, 1000, &out), CHAT_TEXT_INVALID);
    assert_int_equal(check("\xff", 1, 1000, &out), CHAT_TEXT_INVALID);
    assert_int_equal(check("\xed\xa0\x80", 3, 1000, &out), CHAT_TEXT_INVALID); /* U+D800 */
    assert_null(out);
}

static bool nul(const char *s)
{
    return chat_json_has_nul_escape(s, strlen(s));
}

static void test_nul_escape(void **state)
{
    assert_true(nul("{\"text\": \"a\\u0000b\"}"));
    assert_false(nul("{\"text\": \"a\\\\u0000b\"}")); /* an escaped backslash, then text */
    assert_true(nul("{\"text\": \"a\\\\\\u0000\"}"));
    assert_false(nul("{\"text\": \"a\\u0001b\"}"));
    assert_false(nul("{\"text\": \"\\\"u0000\"}"));
    assert_true(chat_json_has_nul_escape("{\"a\0\": 1}", 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim),    cmocka_unit_test(test_empty),
        cmocka_unit_test(test_length_in_code_points), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_nul_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
