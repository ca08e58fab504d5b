/* Unit tests of the CSRF verdict (api.md §2.2; behaviours 18-24). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csrf_guard.h"
#include "echo/csrf.h"

static char *trusted[] = {"http://localhost:5173", "https://*.example.com", NULL};
static char secret[33], token[65];

static int setup(void **state)
{
    csrf_new_secret(secret);
    csrf_mask(secret, token);
    return 0;
}

static csrf_request_t base(void)
{
    csrf_request_t r = {.secure = false, .host = "localhost:8000", .cookie = secret, .token = token};
    return r;
}

static void test_plain_http_without_origin_passes(void **state)
{
    csrf_request_t r = base();
    assert_null(csrf_guard_check(trusted, &r));
}

static void test_origin_rules(void **state)
{
    csrf_request_t r = base();
    r.origin = "http://localhost:8000"; /* own origin */
    assert_null(csrf_guard_check(trusted, &r));
    r.origin = "http://localhost:5173"; /* item 23 */
    assert_null(csrf_guard_check(trusted, &r));
    r.origin = "https://chat.example.com"; /* wildcard */
    assert_null(csrf_guard_check(trusted, &r));
    r.origin = "http://chat.example.com"; /* wildcard keeps the scheme */
    assert_non_null(csrf_guard_check(trusted, &r));
    r.origin = "http://evil.test"; /* item 22 */
    const char *why = csrf_guard_check(trusted, &r);
    assert_non_null(why);
    assert_non_null(strstr(why, "Origin checking failed"));
    r.origin = "https://localhost:8000"; /* wrong scheme for a plain request */
    assert_non_null(csrf_guard_check(trusted, &r));
}

static void test_secure_requires_referer(void **state)
{
    csrf_request_t r = base();
    r.secure = true; /* item 24 */
    assert_string_equal(csrf_guard_check(trusted, &r), "Referer checking failed - no Referer.");
    r.referer = "http://localhost:8000/x";
    assert_non_null(strstr(csrf_guard_check(trusted, &r), "insecure"));
    r.referer = "https://localhost:8000/page";
    assert_null(csrf_guard_check(trusted, &r));
    r.referer = "https://a.example.com/";
    assert_null(csrf_guard_check(trusted, &r));
    r.referer = "https://evil.test/";
    assert_non_null(csrf_guard_check(trusted, &r));
}

static void test_token_checks(void **state)
{
    csrf_request_t r = base();
    r.cookie = NULL; /* item 18 */
    assert_string_equal(csrf_guard_check(trusted, &r), "CSRF cookie not set.");
    r = base();
    r.token = NULL; /* item 19 */
    assert_string_equal(csrf_guard_check(trusted, &r), "CSRF token missing.");
    r = base();
    r.token = secret; /* raw secret accepted (item 2) */
    assert_null(csrf_guard_check(trusted, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_plain_http_without_origin_passes, setup),
        cmocka_unit_test_setup(test_origin_rules, setup),
        cmocka_unit_test_setup(test_secure_requires_referer, setup),
        cmocka_unit_test_setup(test_token_checks, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
