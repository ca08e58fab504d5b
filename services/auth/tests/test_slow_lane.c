/* Unit tests of the slow lane: every pushed message is handled exactly once
 * on a lane thread (a copy, so the pusher may free its own), stop drains the
 * queue, and a stopped lane refuses pushes so the caller handles them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "slow_lane.h"

typedef struct {
    pthread_mutex_t lock;
    int handled;
    int seen[64];
    pthread_t main_thread;
    bool off_main;
} record_t;

static void on_msg(bus_t *bus, natsMsg *msg, void *ctx)
{
    (void)bus;
    record_t *r = ctx;
    int i = atoi(natsMsg_GetData(msg));
    const char *h = NULL;
    natsMsgHeader_Get(msg, "X-Test", &h);
    pthread_mutex_lock(&r->lock);
    r->handled++;
    if (i >= 0 && i < 64 && h && strcmp(h, "yes") == 0)
        r->seen[i]++;
    if (!pthread_equal(pthread_self(), r->main_thread))
        r->off_main = true;
    pthread_mutex_unlock(&r->lock);
}

static void test_every_message_once_then_stop(void **state)
{
    (void)state;
    record_t r = {.lock = PTHREAD_MUTEX_INITIALIZER, .main_thread = pthread_self()};
    slow_lane_t *lane = slow_lane_start(NULL, 2, 0, on_msg, &r);
    assert_non_null(lane);
    for (int i = 0; i < 64; i++) {
        char body[8];
        int n = snprintf(body, sizeof body, "%d", i);
        natsMsg *m = NULL;
        assert_int_equal(natsMsg_Create(&m, "echochat.auth.http", "_INBOX.r", body, n), NATS_OK);
        natsMsgHeader_Set(m, "X-Test", "yes");
        assert_true(slow_lane_push(lane, m));
        natsMsg_Destroy(m); /* the lane holds its own copy */
    }
    slow_lane_stop(lane); /* drains what is queued */
    assert_int_equal(r.handled, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(r.seen[i], 1);
    assert_true(r.off_main);
    /* stopped: the pusher keeps the message and answers it itself */
    natsMsg *m = NULL;
    assert_int_equal(natsMsg_Create(&m, "echochat.auth.http", "_INBOX.r", "0", 1), NATS_OK);
    assert_false(slow_lane_push(lane, m));
    natsMsg_Destroy(m);
    assert_int_equal(r.handled, 64);
    slow_lane_free(lane);
}

int main(void)
{
    nats_Open(-1); /* the daemon has it open by the time the lane runs */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_once_then_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
