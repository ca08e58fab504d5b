/* Unit tests of session ids, their hash and the cookie lines (§2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
