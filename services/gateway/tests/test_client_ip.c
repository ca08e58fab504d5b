/* Unit tests of client IP derivation (P12, D1, W4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client_ip.h"

static client_ip_net_t *nets(const char *a, const char *b)
{
    char *list[] = {(char *)a, (char *)b, NULL};
    const char *bad = NULL;
    client_ip_net_t *n = client_ip_nets_parse(list, &bad);
    assert_non_null(n);
    return n;
}

static void test_cidr_matching(void **state)
{
    client_ip_net_t *n = nets("10.0.0.0/8", "::1");
    assert_true(client_ip_trusted(n, "10.1.2.3"));
    assert_false(client_ip_trusted(n, "11.0.0.1"));
    assert_true(client_ip_trusted(n, "::1"));
    assert_true(client_ip_trusted(n, "::ffff:10.9.9.9")); /* mapped IPv4 */
    assert_false(client_ip_trusted(n, "::2"));
    assert_false(client_ip_trusted(n, "garbage"));
    client_ip_nets_free(n);
    n = nets("192.168.1.128/25", NULL);
    assert_true(client_ip_trusted(n, "192.168.1.200"));
    assert_false(client_ip_trusted(n, "192.168.1.100"));
    client_ip_nets_free(n);
}

static void test_bad_cidrs_rejected(void **state)
{
    const char *bad = NULL;
    char *l1[] = {"127.0.0.1/33", NULL};
    assert_null(client_ip_nets_parse(l1, &bad));
    assert_string_equal(bad, "127.0.0.1/33");
    char *l2[] = {"127.0.0.1/", NULL};
    assert_null(client_ip_nets_parse(l2, &bad));
    char *l3[] = {"localhost", NULL};
    assert_null(client_ip_nets_parse(l3, &bad));
}

static void test_untrusted_peer_ignores_headers(void **state)
{
    client_ip_net_t *n = nets("127.0.0.1/32", NULL);
    char out[64];
    client_ip_resolve(n, "203.0.113.5", "1.1.1.1", out, sizeof out);
    assert_string_equal(out, "203.0.113.5");
    client_ip_nets_free(n);
}

static void test_trusted_peer_takes_rightmost_untrusted(void **state)
{
    client_ip_net_t *n = nets("127.0.0.1/32", "10.0.0.0/8");
    char out[64];
    /* The client wrote "6.6.6.6"; our proxies appended the real hops. */
    client_ip_resolve(n, "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", out, sizeof out);
    assert_string_equal(out, "198.51.100.7");
    client_ip_resolve(n, "127.0.0.1", " 198.51.100.9 ", out, sizeof out);
    assert_string_equal(out, "198.51.100.9");
    client_ip_resolve(n, "127.0.0.1", NULL, out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    client_ip_resolve(n, "127.0.0.1", "not-an-ip", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    client_ip_resolve(n, "127.0.0.1", "10.0.0.3", out, sizeof out); /* all trusted */
    assert_string_equal(out, "10.0.0.3");
    client_ip_nets_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_matching),
        cmocka_unit_test(test_bad_cidrs_rejected),
        cmocka_unit_test(test_untrusted_peer_ignores_headers),
        cmocka_unit_test(test_trusted_peer_takes_rightmost_untrusted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
