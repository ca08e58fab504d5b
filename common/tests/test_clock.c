/* clock.h: FNV-1a against its published test vectors (a different hash
 * would silently reshuffle nothing today, but lock keys and cache keys must
 * agree between instances), and the clocks' units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "echo/clock.h"

static void fnv1a_vectors(void **state)
{
    (void)state;
    assert_int_equal(hash_str(""), 0x811c9dc5u);
    assert_int_equal(hash_str("a"), 0xe40c292cu);
    assert_int_equal(hash_str("foobar"), 0xbf9cf968u);
    assert_true(hash_bytes("", 0) == 0xcbf29ce484222325ULL);
    assert_true(hash_bytes("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(hash_bytes("foobar", 6) == 0x85944171f73967e8ULL);
    /* bytes, not a C string: an embedded NUL counts */
    assert_true(hash_bytes("a\0b", 3) != hash_bytes("a", 1));
}

static void clock_units(void **state)
{
    (void)state;
    int64_t ms = clock_mono_ms(), ns = clock_mono_ns();
    assert_true(ns / 1000000 >= ms && ns / 1000000 - ms < 1000);
    assert_true(clock_wall_ms() > 1700000000000LL); /* after 2023: milliseconds, not seconds */
    int64_t a = clock_mono_ms();
    assert_true(clock_mono_ms() >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fnv1a_vectors),
        cmocka_unit_test(clock_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
