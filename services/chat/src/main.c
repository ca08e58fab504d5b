/* echochat-chat: entry point. Reads configuration (C4: an invalid
 * CHAT_ROOM_SLUG_REGEX stops start-up), starts the shared runtime (ops
 * endpoint, NATS, PostgreSQL schema "chat"), serves the chat subjects, runs
 * the housekeeping thread and shuts down cleanly on SIGTERM. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "chat.h"
#include "echo/daemon.h"
#include "echo/db.h"
#include "echo/log.h"

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
} housekeeping_t;

/* Housekeeping thread: once a minute drops expired idempotency keys and rate
 * windows (several instances doing it at once is harmless). */
static void *housekeeping_main(void *arg)
{
    housekeeping_t *hk = arg;
    pthread_mutex_lock(&hk->lock);
    while (!hk->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 60;
        pthread_cond_timedwait(&hk->wake, &hk->lock, &until);
        if (hk->stop)
            break;
        pthread_mutex_unlock(&hk->lock);
        chat_post_housekeeping();
        pthread_mutex_lock(&hk->lock);
    }
    pthread_mutex_unlock(&hk->lock);
    db_thread_done();
    return NULL;
}

static atomic_bool g_serving;

/* Ops thread: ready only once every chat subject has its responders. */
static bool chat_ready(char *reason, size_t reason_len, void *ctx)
{
    if (atomic_load(&g_serving))
        return true;
    snprintf(reason, reason_len, "chat: subjects not subscribed yet");
    return false;
}

int main(int argc, char **argv)
{
    daemon_t d;
    chat_config_t cfg;
    housekeeping_t hk = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    pthread_t hk_thread;
    bool hk_started = false;
    int rc = 1;

    daemon_init(&d, argc, argv, "chat", 9102, true);
    chat_config_load(&d.cfgr, &cfg);
    daemon_config_done(&d);
    chat_post_init(&cfg);
    history_cache_init();
    d.extra_ready = chat_ready;
    if (daemon_start(&d, "chat") != 0)
        goto done;
    if (chat_http_start(d.bus, &cfg) != 0 || chat_rooms_start(d.bus, &cfg) != 0 ||
        chat_post_start(d.bus) != 0 || chat_authors_start(d.bus) != 0 ||
        history_cache_start(d.bus) != 0) {
        log_error("chat: cannot subscribe to the chat subjects");
        goto done;
    }
    atomic_store(&g_serving, true);
    hk_started = pthread_create(&hk_thread, NULL, housekeeping_main, &hk) == 0;
    if (!hk_started)
        log_warn("chat: no housekeeping thread; expired client ids stay until restart");
    log_info("chat: serving (slug regex %s, max length %ld, rate %ld per %ld s)",
             cfg.slug_regex_src, cfg.max_length, cfg.rate_limit, cfg.rate_window);
    daemon_wait(&d);
    rc = 0;
done:
    if (hk_started) {
        pthread_mutex_lock(&hk.lock);
        hk.stop = true;
        pthread_cond_signal(&hk.wake);
        pthread_mutex_unlock(&hk.lock);
        pthread_join(hk_thread, NULL);
    }
    daemon_shutdown(&d);
    chat_config_free(&cfg);
    return rc;
}
