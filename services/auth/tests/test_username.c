/* Unit tests of username validation (api.md §4.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "username.h"

static username_status_t clean(const char *s, char **out, size_t *count)
{
    return username_clean(s, strlen(s), out, count);
}

static void test_valid_and_normalised(void **state)
{
    char *out;
    size_t n = 0;
    assert_int_equal(clean("  bob.smith+1@x-y_z ", &out, &n), USERNAME_OK);
    assert_string_equal(out, "bob.smith+1@x-y_z");
    free(out);
    assert_int_equal(clean("\xef\xbd\x82\xef\xbd\x8f\xef\xbd\x82", &out, &n), USERNAME_OK); /* ｂｏｂ */
    assert_string_equal(out, "bob");
    free(out);
    assert_int_equal(clean("Пётр_1", &out, &n), USERNAME_OK);
    free(out);
}

static void test_rejections(void **state)
{
    char *out;
    size_t n = 0;
    assert_int_equal(clean("a b", &out, &n), USERNAME_INVALID_CHARS);
    assert_null(out);
    assert_int_equal(clean("a/b", &out, &n), USERNAME_INVALID_CHARS);
    assert_int_equal(clean("   ", &out, &n), USERNAME_REQUIRED);
    assert_int_equal(clean("\xff\xfe", &out, &n), USERNAME_INVALID_CHARS);
    assert_int_equal(username_clean("a\0b", 3, &out, &n), USERNAME_NUL);
    char longname[200];
    memset(longname, 'x', 151);
    longname[151] = '\0';
    assert_int_equal(clean(longname, &out, &n), USERNAME_TOO_LONG);
    assert_int_equal(n, 151);
    longname[150] = '\0';
    assert_int_equal(clean(longname, &out, &n), USERNAME_OK);
    free(out);
}

static void test_messages(void **state)
{
    char buf[512];
    username_message(USERNAME_TOO_LONG, 151, buf, sizeof buf);
    assert_string_equal(buf, "Убедитесь, что это значение содержит не более 150 символов (сейчас 151).");
    username_message(USERNAME_REQUIRED, 0, buf, sizeof buf);
    assert_string_equal(buf, "Обязательное поле.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_normalised),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
