/* Auth rate limits, shared by every auth instance through PostgreSQL.
 *
 * 1. api.md §6: a fixed window per (action, client IP) for login and
 *    register, counted before the body is read.
 *
 * 2. Per-account login throttle (OWASP "Blocking Brute Force Attacks"),
 *    designed so an attacker cannot lock the real user out:
 *    - failures are counted per (username, IP) pair; THROTTLE_PAIR_MAX
 *      failures within THROTTLE_WINDOW lock that pair for THROTTLE_PAIR_LOCK
 *      seconds. Only the attacking address is affected.
 *    - failures are also counted per username over all addresses;
 *      THROTTLE_USER_MAX failures within THROTTLE_WINDOW put the account
 *      under a THROTTLE_USER_LOCK lock that applies only to addresses which
 *      themselves failed for this account in the current window. A
 *      distributed attack therefore gets one guess per address per window,
 *      while the owner, logging in from an address that has not failed,
 *      still gets the password checked.
 *    - a successful login clears the pair's counter (not the account's).
 *    Locked attempts are answered 429 without checking the password.
 */
#ifndef AUTH_RATE_LIMIT_H
#define AUTH_RATE_LIMIT_H

#include <stdbool.h>

#define THROTTLE_WINDOW 900
#define THROTTLE_PAIR_MAX 10
#define THROTTLE_PAIR_LOCK 900
#define THROTTLE_USER_MAX 50
#define THROTTLE_USER_LOCK 60

/* One counter row; times are unix seconds (database clock). */
typedef struct {
    double window_start;
    long count;          /* 0 = no window open */
    double locked_until; /* 0 = not locked */
} rate_state_t;

/* §6 fixed window: the first request opens a window with count 1; further
 * requests in the window add 1 until count reaches limit, after which they
 * are refused and not counted; after the window a request opens a new one.
 * Returns true when the request is allowed; updates st. */
bool rate_window_hit(rate_state_t *st, double now, long window, long limit);

/* Records one failed login on a throttle counter: fixed window of `window`
 * seconds; reaching max locks for `lock` seconds and restarts the count. */
void rate_failure_record(rate_state_t *st, double now, long window, long max, long lock);

/* The throttle decision from the pair and account counters (see above). */
bool rate_login_blocked(const rate_state_t *pair, const rate_state_t *user, double now);

typedef enum { RATE_ALLOWED = 0, RATE_LIMITED = 1, RATE_ERROR = -1 } rate_result_t;

/* §6 check for (action, ip), atomic across instances; *retry_after set when
 * limited (seconds until the window ends). */
rate_result_t rate_limit_hit(const char *action, const char *ip, long window, long limit,
                             long *retry_after);
/* Throttle check before verifying a password. */
rate_result_t rate_login_check(const char *username, const char *ip);
/* After a wrong password / unknown user: counts the failure. */
void rate_login_failed(const char *username, const char *ip);
/* After a successful login: clears the pair counter. */
void rate_login_succeeded(const char *username, const char *ip);
/* Deletes counters idle for a day (called periodically). */
void rate_limit_sweep(void);

#endif
