/* Unit tests of the UTF-8 text rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/text.h"

static void test_validation(void **state)
{
    assert_true(text_valid_utf8("héllo", strlen("héllo")));
    assert_false(text_valid_utf8("a\0b", 3));
    assert_false(text_valid_utf8("\xC3\x28", 2));         /* bad continuation */
    assert_false(text_valid_utf8("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(text_valid_utf8("\xC0\xAF", 2));         /* overlong */
    assert_false(text_valid_utf8("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
}

static void test_codepoints(void **state)
{
    const char *emoji = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"; /* two code points */
    assert_int_equal(text_codepoints(emoji, strlen(emoji)), 2);
    assert_int_equal(text_codepoints("абв", strlen("абв")), 3);
}

static void test_strip_unicode_whitespace(void **state)
{
    const char *s = "\xE3\x80\x80 \t hi there\n\xC2\xA0"; /* ideographic space, NBSP */
    char *t = text_strip(s, strlen(s));
    assert_string_equal(t, "hi there");
    free(t);
    t = text_strip("   ", 3);
    assert_string_equal(t, "");
    free(t);
    assert_null(text_strip("\xFF", 1));
}

static void test_nfkc(void **state)
{
    char *t = text_nfkc("\xEF\xBD\x82\xEF\xBD\x8F\xEF\xBD\x82"); /* fullwidth bob */
    assert_string_equal(t, "bob");
    free(t);
}

static void test_equal_ct(void **state)
{
    assert_true(text_equal_ct("abc", 3, "abc", 3));
    assert_false(text_equal_ct("abc", 3, "abd", 3));
    assert_false(text_equal_ct("abc", 3, "abcd", 4));
    assert_false(text_equal_ct("abcd", 4, "abc", 3));
}

static void test_random(void **state)
{
    char a[33] = {0}, b[33] = {0};
    assert_int_equal(text_random(a, 32, "ab"), 0);
    assert_int_equal(text_random(b, 32, "abcdefghijklmnopqrstuvwxyz0123456789"), 0);
    for (int i = 0; i < 32; i++) {
        assert_true(a[i] == 'a' || a[i] == 'b');
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789", b[i]));
    }
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),    cmocka_unit_test(test_codepoints),
        cmocka_unit_test(test_strip_unicode_whitespace), cmocka_unit_test(test_nfkc),
        cmocka_unit_test(test_equal_ct),      cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
