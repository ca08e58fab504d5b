/* Unit tests of the Set-Cookie values of api.md §2.1 (moved from auth's
 * test_session.c with the formatting itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "echo/cookie.h"

static void test_session_cookie(void **state)
{
    char line[COOKIE_VALUE_MAX];
    cookie_session(line, sizeof line, "s", true, 0);
    assert_string_equal(line, "sessionid=s; expires=Thu, 15 Jan 1970 00:00:00 GMT; "
                              "HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure");
}

static void test_csrf_cookie(void **state)
{
    char line[COOKIE_VALUE_MAX];
    cookie_csrf(line, sizeof line, "c", false, 0);
    assert_string_equal(line, "csrftoken=c; expires=Thu, 31 Dec 1970 00:00:00 GMT; "
                              "Max-Age=31449600; Path=/; SameSite=Lax");
    cookie_csrf(line, sizeof line, "c", true, 0);
    assert_string_equal(line, "csrftoken=c; expires=Thu, 31 Dec 1970 00:00:00 GMT; "
                              "Max-Age=31449600; Path=/; SameSite=Lax; Secure");
}

static void test_expired_session(void **state)
{
    assert_string_equal(COOKIE_SESSION_EXPIRED, "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                                                "Max-Age=0; Path=/; SameSite=Lax");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_cookie),
        cmocka_unit_test(test_csrf_cookie),
        cmocka_unit_test(test_expired_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
