/* Unit tests of password hashing and the relaxed/strict rules (§4.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "password.h"

static auth_config_t cfg = {.argon2_memory_kib = 64, .argon2_iterations = 1, .argon2_parallelism = 1};

static int setup(void **state)
{
    return password_init(&cfg);
}

static void test_hash_and_verify(void **state)
{
    char enc[PASSWORD_ENCODED_MAX], enc2[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&cfg, "secret", 6, enc), 0);
    assert_true(strncmp(enc, "$argon2id$", 10) == 0);
    assert_true(password_verify(enc, "secret", 6));
    assert_false(password_verify(enc, "Secret", 6));
    assert_false(password_verify(NULL, "secret", 6)); /* unknown user: dummy verify */
    assert_int_equal(password_hash(&cfg, "secret", 6, enc2), 0);
    assert_string_not_equal(enc, enc2); /* salted */
}

static void test_relaxed(void **state)
{
    assert_false(password_acceptable(true, "12345", 5, "bob", NULL));
    assert_true(password_acceptable(true, "123456", 6, "bob", NULL));
    assert_true(password_acceptable(true, "ёёёёёё", strlen("ёёёёёё"), NULL, NULL)); /* code points */
}

static void test_strict(void **state)
{
#define OK(pw, user) password_acceptable(false, pw, strlen(pw), user, NULL)
    assert_false(OK("12345678", "bob"));       /* common and numeric */
    assert_false(OK("password", "bob"));       /* common */
    assert_false(OK("PassWord", "bob"));       /* common, case-insensitive */
    assert_false(OK("98765432109", "bob"));    /* all digits */
    assert_false(OK("short7x", "bob"));        /* < 8 */
    assert_false(OK("alexander1", "alexander")); /* similar to the username */
    assert_false(OK("smith.john", "john.smith")); /* similar to a part */
    assert_true(OK("correct horse battery staple", "alexander"));
    assert_true(password_is_common("  Qwerty  ", 10));
    assert_false(password_is_common("zx81-spectrum-cpc", 17));
#undef OK
}

static void test_quick_ratio(void **state)
{
    /* SequenceMatcher(None, "abcd", "bcde").quick_ratio() == 0.75 */
    assert_true(password_quick_ratio("abcd", "bcde") > 0.749 && password_quick_ratio("abcd", "bcde") < 0.751);
    assert_true(password_quick_ratio("ABC", "abc") > 0.999);
    assert_true(password_quick_ratio("abc", "xyz") < 0.001);
}

static void test_rule_texts(void **state)
{
    const char *const *r = password_rules(true);
    assert_string_equal(r[0], "Ваш пароль должен содержать как минимум 6 символов.");
    assert_null(r[1]);
    r = password_rules(false);
    assert_string_equal(r[3], "Пароль не может состоять только из цифр.");
    assert_null(r[4]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify), cmocka_unit_test(test_relaxed),
        cmocka_unit_test(test_strict),          cmocka_unit_test(test_quick_ratio),
        cmocka_unit_test(test_rule_texts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
