/* Unit tests of CSRF token masking and checking (api.md §2.2, items 20-21). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/csrf.h"

static void test_masked_tokens_match_their_secret(void **state)
{
    char secret[33], t1[65], t2[65];
    assert_int_equal(csrf_new_secret(secret), 0);
    assert_true(csrf_well_formed(secret));
    assert_int_equal(csrf_mask(secret, t1), 0);
    assert_int_equal(csrf_mask(secret, t2), 0);
    assert_string_not_equal(t1, t2); /* new mask every call */
    assert_null(csrf_check_token(secret, t1));
    assert_null(csrf_check_token(secret, t2));
    assert_null(csrf_check_token(secret, secret)); /* a 32-char token is a secret */
    assert_null(csrf_check_token(t1, t2));         /* masked cookie */
}

static void test_known_vector(void **state)
{
    /* mask "b"*32 shifts every char by one: secret "a"*32 -> cipher "b"*32 */
    const char *secret = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const char *token = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    assert_null(csrf_check_token(secret, token));
    const char *wrap = "99999999999999999999999999999999"
                       "88888888888888888888888888888888"; /* (idx 60 - idx 61) mod 62 = 61 */
    assert_null(csrf_check_token("99999999999999999999999999999999", wrap));
}

static void test_failures(void **state)
{
    char secret[33], other[33], tok[65];
    csrf_new_secret(secret);
    csrf_new_secret(other);
    csrf_mask(other, tok);
    assert_string_equal(csrf_check_token(NULL, secret), "CSRF cookie not set.");
    assert_string_equal(csrf_check_token("short", secret), "CSRF cookie has incorrect length.");
    assert_string_equal(csrf_check_token(secret, NULL), "CSRF token missing.");
    assert_string_equal(csrf_check_token(secret, "abc"), "CSRF token has incorrect length.");
    char bad[33];
    memcpy(bad, secret, 33);
    bad[5] = '-';
    assert_string_equal(csrf_check_token(secret, bad), "CSRF token has invalid characters.");
    assert_string_equal(csrf_check_token(secret, tok), "CSRF token incorrect.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masked_tokens_match_their_secret),
        cmocka_unit_test(test_known_vector),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
