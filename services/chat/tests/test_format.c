/* Avatar URLs (api.md §5.1) and history paging (4.13, P8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat.h"

static void expect_str(char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_history_avatar(void **state)
{
    expect_str(chat_history_avatar_url("http://h:8000", "profile_pics/a.jpg"),
               "http://h:8000/media/profile_pics/a.jpg");
    expect_str(chat_history_avatar_url("http://h", NULL), "http://h/media/default.jpg");
    expect_str(chat_history_avatar_url("http://h", ""), "http://h/media/default.jpg");
    expect_str(chat_history_avatar_url("https://h", "profile_pics/a b%.png"),
               "https://h/media/profile_pics/a%20b%25.png");
    expect_str(chat_history_avatar_url("https://h", "p/\xc3\xa9~!*()'.png"),
               "https://h/media/p/%C3%A9~!*()'.png");
    expect_str(chat_history_avatar_url("http://h", "https://cdn.example.com/a.jpg"),
               "https://cdn.example.com/a.jpg");
}

static void test_frame_avatar(void **state)
{
    /* behaviours 6–8: the gateway resolved the host; here only the join. */
    expect_str(chat_frame_avatar_url("http://80.253.249.107", "profile_pics/a.jpg"),
               "http://80.253.249.107/media/profile_pics/a.jpg");
    expect_str(chat_frame_avatar_url("http://172.18.0.4:8000", "profile_pics/a.jpg"),
               "http://172.18.0.4:8000/media/profile_pics/a.jpg");
    expect_str(chat_frame_avatar_url("http://h", "https://cdn.example.com/a.jpg"),
               "https://cdn.example.com/a.jpg");
    expect_str(chat_frame_avatar_url("http://h", "profile_pics/a b.png"),
               "http://h/media/profile_pics/a b.png");
    expect_str(chat_frame_avatar_url("", "default.jpg"), "/media/default.jpg");
    expect_str(chat_frame_avatar_url("http://h", NULL), NULL);
}

static void test_parse_int(void **state)
{
    int64_t v;
    assert_true(chat_parse_int("42", &v));
    assert_int_equal(v, 42);
    assert_true(chat_parse_int("  -5 ", &v));
    assert_int_equal(v, -5);
    assert_true(chat_parse_int("+7", &v));
    assert_int_equal(v, 7);
    assert_true(chat_parse_int("1_000", &v));
    assert_int_equal(v, 1000);
    assert_true(chat_parse_int("99999999999999999999999", &v));
    assert_int_equal(v, INT64_MAX);
    assert_false(chat_parse_int("", &v));
    assert_false(chat_parse_int("abc", &v));
    assert_false(chat_parse_int("1.5", &v));
    assert_false(chat_parse_int("1__0", &v));
    assert_false(chat_parse_int("_1", &v));
    assert_false(chat_parse_int("1_", &v));
    assert_false(chat_parse_int("1 2", &v));
    assert_false(chat_parse_int("- 1", &v));
    assert_false(chat_parse_int("0x10", &v));
}

static chat_page_t page(const char *q)
{
    chat_page_t p;
    chat_page_parse(q, &p);
    return p;
}

static void test_page(void **state)
{
    assert_int_equal(page("").limit, 50);
    assert_int_equal(page("limit=").limit, 50);
    assert_int_equal(page("limit=abc").limit, 50);
    assert_int_equal(page("limit=1.5").limit, 50);
    assert_int_equal(page("limit=0").limit, 1);
    assert_int_equal(page("limit=-5").limit, 1);
    assert_int_equal(page("limit=500").limit, 200);
    assert_int_equal(page("limit=1000000000").limit, 200);
    assert_int_equal(page("limit=%2B4").limit, 4);
    assert_int_equal(page("limit=+4").limit, 4); /* '+' decodes to a space */
    assert_int_equal(page("limit=4&limit=9").limit, 4);
    assert_false(page("before=abc").has_before);
    assert_false(page("before=").has_before);
    chat_page_t p = page("before=0&limit=10");
    assert_true(p.has_before);
    assert_int_equal(p.before, 0);
    assert_int_equal(p.limit, 10);
    p = page("after=17&before=30");
    assert_true(p.has_after);
    assert_int_equal(p.after, 17);
    assert_false(p.has_before);
}

/* M1: q is a literal substring; LIKE's wildcards and escape are escaped. */
static void test_like_pattern(void **state)
{
    expect_str(chat_like_pattern("abc"), "%abc%");
    expect_str(chat_like_pattern(""), "%%");
    expect_str(chat_like_pattern("100%"), "%100\\%%");
    expect_str(chat_like_pattern("a_b"), "%a\\_b%");
    expect_str(chat_like_pattern("c:\\x"), "%c:\\\\x%");
    expect_str(chat_like_pattern("\xd0\x9f%"), "%\xd0\x9f\\%%");
}

/* Admin labels cut at code points, never inside a UTF-8 sequence. */
static void test_label(void **state)
{
    expect_str(chat_label("short", 50), "short");
    expect_str(chat_label("abcdef", 3), "abc...");
    expect_str(chat_label("abc", 3), "abc");
    expect_str(chat_label("\xd0\x9f\xd1\x80\xd0\xb8", 2), "\xd0\x9f\xd1\x80...");
    expect_str(chat_label("\xf0\x9f\x98\x80x", 1), "\xf0\x9f\x98\x80...");
    expect_str(chat_label("", 5), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_avatar), cmocka_unit_test(test_frame_avatar),
        cmocka_unit_test(test_parse_int),      cmocka_unit_test(test_page),
        cmocka_unit_test(test_like_pattern),   cmocka_unit_test(test_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
