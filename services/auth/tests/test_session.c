/* Unit tests of session ids, their hash and the cookie lines (§2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cookie.h"
#include "session.h"

static void test_ids(void **state)
{
    char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1];
    assert_int_equal(session_new_id(a), 0);
    assert_int_equal(session_new_id(b), 0);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    assert_true(session_id_well_formed(a));
    assert_false(session_id_well_formed("ABCDEFGHIJABCDEFGHIJABCDEFGHIJAB"));
    assert_false(session_id_well_formed("abc"));
    assert_false(session_id_well_formed(NULL));
    assert_false(session_id_well_formed("abcdefghijabcdefghijabcdefghij1'"));
}

static void test_hash(void **state)
{
    char hex[SESSION_HASH_HEX + 1];
    assert_int_equal(session_hash("abc", hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_cookies(void **state)
{
    http_resp_t r = {0};
    cookie_set_session(&r, "s", true, 0);
    cookie_set_csrf(&r, "c", false, 0);
    cookie_expire_session(&r);
    assert_string_equal(r.headers[0], "Set-Cookie: sessionid=s; expires=Thu, 15 Jan 1970 00:00:00 GMT; "
                                      "HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure");
    assert_string_equal(r.headers[1], "Set-Cookie: csrftoken=c; expires=Thu, 31 Dec 1970 00:00:00 GMT; "
                                      "Max-Age=31449600; Path=/; SameSite=Lax");
    assert_string_equal(r.headers[2], "Set-Cookie: sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                                      "Max-Age=0; Path=/; SameSite=Lax");
    http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_cookies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
