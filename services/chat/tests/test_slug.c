/* Room slug rule: POSIX ERE, full match (D5), `public` always allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "chat.h"

static chat_config_t cfg;

static int setup(void **state)
{
    char err[128];
    cfg.slug_regex_src = CHAT_DEFAULT_SLUG_REGEX;
    return chat_slug_regex_compile(&cfg.slug_regex, CHAT_DEFAULT_SLUG_REGEX, err, sizeof err) ? 0
                                                                                              : -1;
}

static int teardown(void **state)
{
    regfree(&cfg.slug_regex);
    return 0;
}

static bool allowed(const char *s)
{
    return chat_room_name_allowed(&cfg, s, strlen(s));
}

static void test_default_rule(void **state)
{
    assert_true(allowed("abc"));
    assert_true(allowed("ABC_abc-123"));
    assert_true(allowed("private123"));
    assert_true(allowed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 50 */
    assert_false(allowed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 51 */
    assert_false(allowed("ab"));
    assert_false(allowed(""));
    assert_false(allowed("my room"));
    assert_false(allowed("\xd0\xba\xd0\xbe\xd0\xbc\xd0\xbd\xd0\xb0\xd1\x82\xd0\xb0")); /* комната */
}

static void test_public_bypasses_rule(void **state)
{
    assert_true(allowed("public"));
    assert_true(allowed("Public")); /* an ordinary slug that happens to match */
    char err[128];
    chat_config_t strict = {0};
    assert_true(chat_slug_regex_compile(&strict.slug_regex, "^[0-9]{4}$", err, sizeof err));
    assert_true(chat_room_name_allowed(&strict, "public", 6));
    assert_false(chat_room_name_allowed(&strict, "Public", 6));
    regfree(&strict.slug_regex);
}

static void test_trailing_newline_rejected(void **state)
{
    /* D5: the reference accepted "abc\n" because Python's $ matches before a final newline. */
    assert_false(allowed("abc\n"));
    assert_false(allowed("\nabc"));
    assert_false(allowed("ab\nc"));
    assert_false(chat_room_name_allowed(&cfg, "abc\0def", 7));
}

static void test_unanchored_pattern_needs_full_match(void **state)
{
    char err[128];
    regex_t re;
    assert_true(chat_slug_regex_compile(&re, "[a-z]+", err, sizeof err));
    assert_true(chat_slug_matches(&re, "abc", 3));
    assert_false(chat_slug_matches(&re, "abc1", 4));
    assert_false(chat_slug_matches(&re, "1abc", 4));
    regfree(&re);
    /* Alternation: leftmost-longest must still find the full match. */
    assert_true(chat_slug_regex_compile(&re, "a|ab", err, sizeof err));
    assert_true(chat_slug_matches(&re, "ab", 2));
    regfree(&re);
}

static void test_invalid_regex_reported(void **state)
{
    char err[128] = "";
    regex_t re;
    assert_false(chat_slug_regex_compile(&re, "^[a-z", err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_false(chat_slug_regex_compile(&re, "(", err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rule),
        cmocka_unit_test(test_public_bypasses_rule),
        cmocka_unit_test(test_trailing_newline_rejected),
        cmocka_unit_test(test_unanchored_pattern_needs_full_match),
        cmocka_unit_test(test_invalid_regex_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
