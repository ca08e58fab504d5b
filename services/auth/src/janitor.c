/* A single background thread that deletes expired sessions and idle
 * rate-limit rows every few minutes, so neither table grows without bound.
 * Deletes are idempotent, so several instances sweeping at once is fine. */
#include "janitor.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "auth.h"
#include "echo/db.h"
#include "echo/log.h"
#include "rate_limit.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define JANITOR_PERIOD 300

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static bool g_stop, g_running;

static void sweep(void)
{
    PGresult *r = db_query("DELETE FROM auth.sessions WHERE created_at <= now() - interval '" STR(
                               AUTH_SESSION_LIFETIME) " seconds'",
                           0, NULL);
    if (r)
        PQclear(r);
    rate_limit_sweep();
}

/* Janitor thread. */
static void *janitor_main(void *arg)
{
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += JANITOR_PERIOD;
        while (!g_stop && pthread_cond_timedwait(&g_cv, &g_mu, &until) == 0) {
        }
        if (g_stop)
            break;
        pthread_mutex_unlock(&g_mu);
        sweep();
        pthread_mutex_lock(&g_mu);
    }
    pthread_mutex_unlock(&g_mu);
    db_thread_done();
    return NULL;
}

int janitor_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&g_thread, NULL, janitor_main, NULL) != 0) {
        log_error("janitor: could not start its thread");
        return -1;
    }
    g_running = true;
    return 0;
}

void janitor_stop(void)
{
    if (!g_running)
        return;
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = false;
}
