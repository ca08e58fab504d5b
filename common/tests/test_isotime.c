/* Unit tests of ISO-8601 parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "echo/isotime.h"

static int64_t parse(const char *s)
{
    int64_t us = -1;
    assert_true(isotime_parse(s, &us));
    return us;
}

static void test_accepted_forms(void **state)
{
    assert_int_equal(parse("1970-01-01"), 0);
    assert_int_equal(parse("2026-11-25"), 1795564800LL * 1000000);
    assert_int_equal(parse("2026-11-25T10:13"), (1795564800LL + 36780) * 1000000);
    assert_int_equal(parse("2026-11-25T10:13:57Z"), (1795564800LL + 36837) * 1000000);
    assert_int_equal(parse("2026-11-25T10:13:57.5+00:00"), (1795564800LL + 36837) * 1000000 + 500000);
    assert_int_equal(parse("2026-11-25T13:13:57.000123+03:00"), (1795564800LL + 36837) * 1000000 + 123);
    assert_int_equal(parse("2026-11-25T05:13:57-0500"), (1795564800LL + 36837) * 1000000);
    /* an unescaped "+" in a query string arrives as a space */
    assert_int_equal(parse("2026-11-25 13:13:57 03:00"), (1795564800LL + 36837) * 1000000);
    assert_int_equal(parse("2024-02-29"), 1709164800LL * 1000000);
    assert_true(parse("1969-12-31T23:59:59.999999Z") == -1);
}

static void test_refused_forms(void **state)
{
    static const char *bad[] = {
        "", "2026", "2026-11", "2026-1-05", "2026-13-01", "2026-00-10", "2026-11-31", "2025-02-29",
        "2026-11-25T24:00", "2026-11-25T10:60", "2026-11-25T10:10:60", "2026-11-25T10",
        "2026-11-25T10:13:57.", "2026-11-25T10:13:57.1234567", "2026-11-25T10:13:57+3",
        "2026-11-25T10:13:57+24:00", "2026-11-25T10:13:57Zjunk", "2026-11-25x", "now", "0000-01-01",
        "２０２６-11-25", "2026-11-25T10:13:57+03:0",
        /* fuzz_chat_params: offsets that leave the four-digit years */
        "9999-12-31T23:59:59.1-23:00", "0001-01-01T00:00:00+01:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t us = 42;
        if (isotime_parse(bad[i], &us))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    int64_t us;
    assert_false(isotime_parse(NULL, &us));
}

static void expect_format(int64_t us, const char *want)
{
    char buf[ISOTIME_LEN];
    isotime_format(us, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* api.md §0: the createdAt of history, frames and the admin lists (chat had
 * its own printer with these cases; the wire format must not move). */
static void test_format_wire(void **state)
{
    expect_format(1700000000000000LL, "2023-11-14T22:13:20+00:00");
    expect_format(1700000000123456LL, "2023-11-14T22:13:20.123456+00:00");
    expect_format(1700000000000001LL, "2023-11-14T22:13:20.000001+00:00");
    expect_format(1700000000100000LL, "2023-11-14T22:13:20.100000+00:00");
    expect_format(-1000000, "1969-12-31T23:59:59+00:00");
    expect_format(-62135596800LL * 1000000, "0001-01-01T00:00:00+00:00");
    expect_format(253402300799LL * 1000000 + 999999, "9999-12-31T23:59:59.999999+00:00");
}

static void test_format_round_trips(void **state)
{
    char buf[48];
    isotime_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00+00:00");
    isotime_format((1795564800LL + 36837) * 1000000 + 123, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-25T10:13:57.000123+00:00");
    isotime_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999+00:00");
    const int64_t samples[] = {951782400LL * 1000000 + 1, 253402300799LL * 1000000 + 999999, 86399999999};
    for (size_t i = 0; i < 3; i++) {
        isotime_format(samples[i], buf, sizeof buf);
        assert_int_equal(parse(buf), samples[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_format_wire),
        cmocka_unit_test(test_format_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
