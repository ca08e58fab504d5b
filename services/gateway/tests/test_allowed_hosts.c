/* Unit tests of DJANGO_ALLOWED_HOSTS matching (behaviour 14). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "allowed_hosts.h"

static void test_matching(void **state)
{
    char *list[] = {"localhost", ".example.com", "[::1]", NULL};
    assert_true(allowed_hosts_match(list, "localhost"));
    assert_true(allowed_hosts_match(list, "LOCALHOST:8000"));
    assert_true(allowed_hosts_match(list, "example.com"));
    assert_true(allowed_hosts_match(list, "chat.example.com:443"));
    assert_true(allowed_hosts_match(list, "[::1]:8000"));
    assert_false(allowed_hosts_match(list, "evilexample.com"));
    assert_false(allowed_hosts_match(list, "127.0.0.1"));
    assert_false(allowed_hosts_match(list, ""));
    assert_false(allowed_hosts_match(list, NULL));
    char *any[] = {"*", NULL};
    assert_true(allowed_hosts_match(any, "whatever.test"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matching)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
