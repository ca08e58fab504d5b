/* A bounded FIFO of copied NATS messages and the threads that drain it.
 * Pushes come from bus worker threads; the lane's own threads pop. */
#include "slow_lane.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "echo/db.h"
#include "echo/log.h"

#define SLOW_LANE_CAP 1024

struct slow_lane {
    bus_t *bus;
    bus_handler_fn fn;
    void *ctx;
    int nice;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    natsMsg *queue[SLOW_LANE_CAP];
    size_t head, count;
    bool stopping;
    int nthreads;
    pthread_t *threads;
};

/* Lane thread. */
static void *lane_main(void *arg)
{
    slow_lane_t *l = arg;
    /* Linux applies a nice value per thread. */
    if (l->nice && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), l->nice) != 0)
        log_warn("slow lane: could not lower the thread priority");
    for (;;) {
        pthread_mutex_lock(&l->lock);
        while (l->count == 0 && !l->stopping)
            pthread_cond_wait(&l->ready, &l->lock);
        if (l->count == 0) {
            pthread_mutex_unlock(&l->lock);
            break;
        }
        natsMsg *msg = l->queue[l->head];
        l->head = (l->head + 1) % SLOW_LANE_CAP;
        l->count--;
        pthread_mutex_unlock(&l->lock);
        log_set_request_id(bus_header(msg, BUS_HDR_REQUEST_ID));
        l->fn(l->bus, msg, l->ctx);
        log_set_request_id(NULL);
        natsMsg_Destroy(msg);
    }
    db_thread_done();
    return NULL;
}

slow_lane_t *slow_lane_start(bus_t *bus, int threads, int nice, bus_handler_fn fn, void *ctx)
{
    slow_lane_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->bus = bus;
    l->fn = fn;
    l->ctx = ctx;
    l->nice = nice;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->ready, NULL);
    l->threads = calloc((size_t)threads, sizeof *l->threads);
    if (!l->threads) {
        slow_lane_free(l);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&l->threads[i], NULL, lane_main, l) != 0) {
            log_error("slow lane: cannot start thread %d", i);
            slow_lane_free(l);
            return NULL;
        }
        l->nthreads++;
    }
    return l;
}

bool slow_lane_push(slow_lane_t *l, natsMsg *msg)
{
    pthread_mutex_lock(&l->lock);
    bool room = !l->stopping && l->count < SLOW_LANE_CAP;
    pthread_mutex_unlock(&l->lock);
    if (!room)
        return false;
    natsMsg *copy = bus_msg_copy(msg, natsMsg_GetSubject(msg), natsMsg_GetReply(msg));
    if (!copy)
        return false;
    pthread_mutex_lock(&l->lock);
    room = !l->stopping && l->count < SLOW_LANE_CAP;
    if (room) {
        l->queue[(l->head + l->count) % SLOW_LANE_CAP] = copy;
        l->count++;
        pthread_cond_signal(&l->ready);
    }
    pthread_mutex_unlock(&l->lock);
    if (!room)
        natsMsg_Destroy(copy);
    return room;
}

void slow_lane_stop(slow_lane_t *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_cond_broadcast(&l->ready);
    pthread_mutex_unlock(&l->lock);
    for (int i = 0; i < l->nthreads; i++)
        pthread_join(l->threads[i], NULL);
    l->nthreads = 0;
}

void slow_lane_free(slow_lane_t *l)
{
    if (!l)
        return;
    slow_lane_stop(l);
    free(l->threads);
    pthread_cond_destroy(&l->ready);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
