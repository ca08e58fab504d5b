/* Rate-limit arithmetic (pure functions, unit-tested) and its storage in
 * auth.rate_windows. Each update locks its row inside a short transaction so
 * concurrent instances serialise on it; time comes from the database so
 * instances with skewed clocks agree. Runs on bus worker threads. */
#include "rate_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/db.h"
#include "echo/log.h"

bool rate_window_hit(rate_state_t *st, double now, long window, long limit)
{
    if (st->count == 0 || now >= st->window_start + (double)window) {
        st->window_start = now;
        st->count = 1;
        return true;
    }
    if (st->count >= limit)
        return false;
    st->count++;
    return true;
}

void rate_failure_record(rate_state_t *st, double now, long window, long max, long lock)
{
    if (st->count == 0 || now >= st->window_start + (double)window) {
        st->window_start = now;
        st->count = 0;
    }
    if (++st->count >= max) {
        st->locked_until = now + (double)lock;
        st->count = 0;
    }
}

static bool in_window(const rate_state_t *st, double now)
{
    return st->count > 0 && now < st->window_start + THROTTLE_WINDOW;
}

bool rate_login_blocked(const rate_state_t *pair, const rate_state_t *user, double now)
{
    if (pair->locked_until > now)
        return true;
    bool pair_failed = in_window(pair, now) ||
                       (pair->locked_until > 0 && now < pair->locked_until + THROTTLE_WINDOW);
    return user->locked_until > now && pair_failed;
}

typedef void (*step_fn)(rate_state_t *st, double now, void *arg);

/* Locks (creating if needed) the row (action, key), applies step and writes
 * the result back. *now_out gets the database time. */
static int rate_update(const char *action, const char *key, step_fn step, void *arg,
                       rate_state_t *st, double *now_out)
{
    const char *params[] = {action, key};
    if (!db_begin())
        return -1;
    /* The no-op DO UPDATE locks an existing row and returns it. */
    PGresult *r = db_query(
        "INSERT INTO auth.rate_windows AS w (action, key, window_start, count) VALUES ($1, $2, now(), 0)"
        " ON CONFLICT (action, key) DO UPDATE SET count = w.count"
        " RETURNING extract(epoch FROM w.window_start), w.count,"
        " coalesce(extract(epoch FROM w.locked_until), 0), extract(epoch FROM now())",
        2, params);
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        db_rollback();
        return -1;
    }
    st->window_start = strtod(PQgetvalue(r, 0, 0), NULL);
    st->count = strtol(PQgetvalue(r, 0, 1), NULL, 10);
    st->locked_until = strtod(PQgetvalue(r, 0, 2), NULL);
    double now = strtod(PQgetvalue(r, 0, 3), NULL);
    PQclear(r);
    step(st, now, arg);
    char ws[32], cnt[24], lu[32];
    snprintf(ws, sizeof ws, "%.6f", st->window_start);
    snprintf(cnt, sizeof cnt, "%ld", st->count);
    snprintf(lu, sizeof lu, "%.6f", st->locked_until);
    const char *up[] = {action, key, ws, cnt, st->locked_until > 0 ? lu : NULL};
    r = db_query("UPDATE auth.rate_windows SET window_start = to_timestamp($3::float8), count = $4,"
                 " locked_until = to_timestamp($5::float8) WHERE action = $1 AND key = $2",
                 5, up);
    if (!r) {
        db_rollback();
        return -1;
    }
    PQclear(r);
    if (!db_commit()) {
        db_rollback();
        return -1;
    }
    *now_out = now;
    return 0;
}

typedef struct {
    long window, limit;
    bool allowed;
} window_arg_t;

static void window_step(rate_state_t *st, double now, void *arg)
{
    window_arg_t *a = arg;
    a->allowed = rate_window_hit(st, now, a->window, a->limit);
}

rate_result_t rate_limit_hit(const char *action, const char *ip, long window, long limit,
                             long *retry_after)
{
    window_arg_t a = {window, limit, false};
    rate_state_t st;
    double now;
    if (rate_update(action, ip, window_step, &a, &st, &now) != 0)
        return RATE_ERROR;
    if (a.allowed)
        return RATE_ALLOWED;
    long left = (long)(st.window_start + (double)window - now + 0.999);
    *retry_after = left > 0 ? left : 1;
    return RATE_LIMITED;
}

/* Keys: the account counter is the username; the pair counter appends the
 * IP after a newline (usernames cannot contain one). */
static char *pair_key(const char *username, const char *ip)
{
    size_t n = strlen(username) + strlen(ip) + 2;
    char *k = malloc(n);
    if (!k)
        abort();
    snprintf(k, n, "%s\n%s", username, ip);
    return k;
}

rate_result_t rate_login_check(const char *username, const char *ip)
{
    char *pk = pair_key(username, ip);
    const char *params[] = {pk, username};
    PGresult *r = db_query("SELECT action, extract(epoch FROM window_start), count,"
                           " coalesce(extract(epoch FROM locked_until), 0), extract(epoch FROM now())"
                           " FROM auth.rate_windows WHERE (action = 'login_pair' AND key = $1)"
                           " OR (action = 'login_user' AND key = $2)",
                           2, params);
    free(pk);
    if (!r)
        return RATE_ERROR;
    rate_state_t pair = {0}, user = {0};
    double now = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        rate_state_t *st = strcmp(PQgetvalue(r, i, 0), "login_pair") == 0 ? &pair : &user;
        st->window_start = strtod(PQgetvalue(r, i, 1), NULL);
        st->count = strtol(PQgetvalue(r, i, 2), NULL, 10);
        st->locked_until = strtod(PQgetvalue(r, i, 3), NULL);
        now = strtod(PQgetvalue(r, i, 4), NULL);
    }
    PQclear(r);
    return rate_login_blocked(&pair, &user, now) ? RATE_LIMITED : RATE_ALLOWED;
}

typedef struct {
    long max, lock;
} failure_arg_t;

static void failure_step(rate_state_t *st, double now, void *arg)
{
    failure_arg_t *a = arg;
    if (st->locked_until > 0 && st->locked_until <= now)
        st->locked_until = 0; /* an expired lock no longer marks the counter */
    rate_failure_record(st, now, THROTTLE_WINDOW, a->max, a->lock);
}

void rate_login_failed(const char *username, const char *ip)
{
    char *pk = pair_key(username, ip);
    rate_state_t st;
    double now;
    failure_arg_t pair = {THROTTLE_PAIR_MAX, THROTTLE_PAIR_LOCK};
    failure_arg_t user = {THROTTLE_USER_MAX, THROTTLE_USER_LOCK};
    if (rate_update("login_pair", pk, failure_step, &pair, &st, &now) != 0 ||
        rate_update("login_user", username, failure_step, &user, &st, &now) != 0)
        log_warn("ratelimit: could not record a failed login");
    free(pk);
}

void rate_login_succeeded(const char *username, const char *ip)
{
    char *pk = pair_key(username, ip);
    const char *params[] = {pk};
    PGresult *r = db_query("DELETE FROM auth.rate_windows WHERE action = 'login_pair' AND key = $1", 1,
                           params);
    if (r)
        PQclear(r);
    free(pk);
}

void rate_limit_sweep(void)
{
    PGresult *r = db_query("DELETE FROM auth.rate_windows WHERE window_start < now() - interval '1 day'"
                           " AND (locked_until IS NULL OR locked_until < now())",
                           0, NULL);
    if (r)
        PQclear(r);
}
