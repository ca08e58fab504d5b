/* Client IP (P12, W4): trust list parsing and the X-Forwarded-For walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "client_ip.h"

static client_ip_trust_t trust_of(char **list)
{
    client_ip_trust_t t;
    char err[128];
    assert_int_equal(client_ip_trust_parse(&t, list, err, sizeof err), 0);
    return t;
}

static void parse_rejects_garbage(void **state)
{
    char err[128];
    client_ip_trust_t t;
    char *bad1[] = {"10.0.0.0/33", NULL};
    char *bad2[] = {"nope", NULL};
    char *bad3[] = {"10.0.0.0/", NULL};
    char *bad4[] = {"::1/129", NULL};
    assert_int_equal(client_ip_trust_parse(&t, bad1, err, sizeof err), -1);
    assert_non_null(strstr(err, "10.0.0.0/33"));
    assert_int_equal(client_ip_trust_parse(&t, bad2, err, sizeof err), -1);
    assert_int_equal(client_ip_trust_parse(&t, bad3, err, sizeof err), -1);
    assert_int_equal(client_ip_trust_parse(&t, bad4, err, sizeof err), -1);
}

static void cidr_membership(void **state)
{
    char *list[] = {"10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12", NULL};
    client_ip_trust_t t = trust_of(list);
    assert_true(client_ip_is_trusted(&t, "10.255.1.2"));
    assert_false(client_ip_is_trusted(&t, "11.0.0.1"));
    assert_true(client_ip_is_trusted(&t, "192.168.1.7"));
    assert_false(client_ip_is_trusted(&t, "192.168.1.8"));
    assert_true(client_ip_is_trusted(&t, "fd12::1"));
    assert_false(client_ip_is_trusted(&t, "fe80::1"));
    assert_true(client_ip_is_trusted(&t, "172.31.255.255"));
    assert_false(client_ip_is_trusted(&t, "172.32.0.0"));
    /* IPv4-mapped IPv6 peers (dual-stack sockets) count as IPv4 */
    assert_true(client_ip_is_trusted(&t, "::ffff:10.1.2.3"));
    client_ip_trust_free(&t);
}

static void untrusted_peer_ignores_headers(void **state)
{
    char *list[] = {"127.0.0.1/32", NULL};
    client_ip_trust_t t = trust_of(list);
    char out[CLIENT_IP_MAX];
    assert_true(client_ip_resolve(&t, "203.0.113.9", "1.2.3.4", out, sizeof out));
    assert_string_equal(out, "203.0.113.9");
    client_ip_trust_free(&t);
}

static void trusted_peer_rightmost_untrusted(void **state)
{
    char *list[] = {"127.0.0.1/32", "10.0.0.0/8", NULL};
    client_ip_trust_t t = trust_of(list);
    char out[CLIENT_IP_MAX];
    /* the client forged "6.6.6.6"; the proxy appended the real address */
    assert_true(client_ip_resolve(&t, "127.0.0.1", "6.6.6.6, 198.51.100.7", out, sizeof out));
    assert_string_equal(out, "198.51.100.7");
    /* trusted hops on the right are skipped */
    assert_true(client_ip_resolve(&t, "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.3", out,
                                  sizeof out));
    assert_string_equal(out, "198.51.100.7");
    /* all trusted: the leftmost wins */
    assert_true(client_ip_resolve(&t, "127.0.0.1", "10.0.0.9,10.0.0.3", out, sizeof out));
    assert_string_equal(out, "10.0.0.9");
    /* garbage stops the walk at the last good hop */
    assert_true(client_ip_resolve(&t, "127.0.0.1", "1.1.1.1, junk, 10.0.0.3", out, sizeof out));
    assert_string_equal(out, "10.0.0.3");
    assert_true(client_ip_resolve(&t, "127.0.0.1", "junk", out, sizeof out));
    assert_string_equal(out, "127.0.0.1");
    /* no header: the peer */
    assert_true(client_ip_resolve(&t, "127.0.0.1", NULL, out, sizeof out));
    assert_string_equal(out, "127.0.0.1");
    /* ports, brackets and IPv6 canonical form */
    assert_true(client_ip_resolve(&t, "127.0.0.1", "198.51.100.7:5555", out, sizeof out));
    assert_string_equal(out, "198.51.100.7");
    assert_true(client_ip_resolve(&t, "127.0.0.1", "[2001:DB8::1]:443", out, sizeof out));
    assert_string_equal(out, "2001:db8::1");
    assert_true(client_ip_resolve(&t, "::ffff:127.0.0.1", "2001:db8:0:0::2", out, sizeof out));
    assert_string_equal(out, "2001:db8::2");
    client_ip_trust_free(&t);
}

static void bad_peer(void **state)
{
    char *list[] = {NULL};
    client_ip_trust_t t = trust_of(list);
    char out[CLIENT_IP_MAX];
    assert_false(client_ip_resolve(&t, "", NULL, out, sizeof out));
    assert_string_equal(out, "");
    assert_false(client_ip_resolve(&t, NULL, NULL, out, sizeof out));
    client_ip_trust_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_rejects_garbage),
        cmocka_unit_test(cidr_membership),
        cmocka_unit_test(untrusted_peer_ignores_headers),
        cmocka_unit_test(trusted_peer_rightmost_untrusted),
        cmocka_unit_test(bad_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
