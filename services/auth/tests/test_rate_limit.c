/* Unit tests of the rate-limit arithmetic: §6 fixed window and the
 * per-account login throttle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rate_limit.h"

static void test_fixed_window(void **state)
{
    rate_state_t st = {0};
    for (int i = 0; i < 10; i++)
        assert_true(rate_window_hit(&st, 100.0 + i, 60, 10));
    assert_int_equal(st.count, 10);
    assert_false(rate_window_hit(&st, 120.0, 60, 10));
    assert_int_equal(st.count, 10); /* refused requests are not counted */
    assert_false(rate_window_hit(&st, 159.9, 60, 10));
    assert_true(rate_window_hit(&st, 160.0, 60, 10)); /* window opened at 100 ends at 160 */
    assert_int_equal(st.count, 1);
    assert_true(st.window_start == 160.0);
}

static void test_failure_lock(void **state)
{
    rate_state_t st = {0};
    for (int i = 0; i < THROTTLE_PAIR_MAX - 1; i++)
        rate_failure_record(&st, 1000.0 + i, THROTTLE_WINDOW, THROTTLE_PAIR_MAX, THROTTLE_PAIR_LOCK);
    assert_true(st.locked_until == 0);
    rate_failure_record(&st, 1010.0, THROTTLE_WINDOW, THROTTLE_PAIR_MAX, THROTTLE_PAIR_LOCK);
    assert_true(st.locked_until == 1010.0 + THROTTLE_PAIR_LOCK);
    /* failures spread beyond the window never lock */
    rate_state_t slow = {0};
    for (int i = 0; i < 3 * THROTTLE_PAIR_MAX; i++)
        rate_failure_record(&slow, i * (double)THROTTLE_WINDOW, THROTTLE_WINDOW, THROTTLE_PAIR_MAX,
                            THROTTLE_PAIR_LOCK);
    assert_true(slow.locked_until == 0);
}

static void test_login_decision(void **state)
{
    rate_state_t clean = {0}, failed = {.window_start = 100, .count = 1};
    rate_state_t user_locked = {.locked_until = 500};
    rate_state_t pair_locked = {.locked_until = 500};
    assert_false(rate_login_blocked(&clean, &clean, 200));
    assert_true(rate_login_blocked(&pair_locked, &clean, 200));
    assert_false(rate_login_blocked(&pair_locked, &clean, 600));
    /* account lock: only addresses that failed for it */
    assert_false(rate_login_blocked(&clean, &user_locked, 200));
    assert_true(rate_login_blocked(&failed, &user_locked, 200));
    assert_false(rate_login_blocked(&failed, &user_locked, 600));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_window),
        cmocka_unit_test(test_failure_lock),
        cmocka_unit_test(test_login_decision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
