/* Unit tests of the gateway's history page cache (history_cache.c): which
 * requests are candidates, and that a stored page is served only while its
 * room version, the global epoch and the TTL all say it is current. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "history_cache.h"

static history_cache_t *g_hc;

static const char KEY[] = "/api/chat/rooms/public/messages/\0limit=50\0http://a";
#define KEY_LEN (sizeof KEY - 1)

static void test_candidates(void **state)
{
    char tok[64];
    assert_true(history_cache_candidate("GET", "/api/chat/rooms/public/messages/", tok, sizeof tok));
    assert_string_equal(tok, "public");
    assert_true(history_cache_candidate("GET", "/api/chat/rooms/ab-c_9/messages/", tok, sizeof tok));
    assert_string_equal(tok, "ab-c_9");
    /* not GET, other endpoints, no trailing slash, encoded or odd segments */
    assert_false(history_cache_candidate("HEAD", "/api/chat/rooms/public/messages/", tok, sizeof tok));
    assert_false(history_cache_candidate("POST", "/api/chat/rooms/public/messages/", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/public/", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/public/messages", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms//messages/", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/p%75blic/messages/", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/a/b/messages/", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/public/messages/x", tok, sizeof tok));
    assert_false(history_cache_candidate("GET", "/api/admin/messages/", tok, sizeof tok));
    char small[4];
    assert_false(history_cache_candidate("GET", "/api/chat/rooms/public/messages/", small, sizeof small));
}

static history_page_t *put_and_get(const history_stamp_t *st, const char *body)
{
    const char *const hdrs[] = {"Vary: Cookie", NULL};
    history_cache_put(g_hc, st, KEY, KEY_LEN, "application/json", body, strlen(body), hdrs);
    history_stamp_t now;
    history_cache_stamp(g_hc, "public", &now);
    return history_cache_get(g_hc, &now, KEY, KEY_LEN);
}

static void test_hit_and_key(void **state)
{
    history_stamp_t st;
    history_cache_stamp(g_hc, "public", &st);
    history_page_t *p = put_and_get(&st, "{\"messages\": []}");
    assert_non_null(p);
    assert_string_equal(p->body, "{\"messages\": []}");
    assert_int_equal(p->body_len, 16);
    assert_string_equal(p->content_type, "application/json");
    assert_int_equal(p->nheaders, 1);
    assert_string_equal(p->headers[0], "Vary: Cookie");
    history_page_unref(p);
    /* another base URL (Host) is another page */
    static const char other[] = "/api/chat/rooms/public/messages/\0limit=50\0http://b";
    assert_null(history_cache_get(g_hc, &st, other, sizeof other - 1));
}

static void test_room_event_invalidates(void **state)
{
    history_stamp_t st;
    history_cache_stamp(g_hc, "public", &st);
    history_page_t *p = put_and_get(&st, "{\"v\": 1}");
    assert_non_null(p);
    /* a reference outlives invalidation (a response still being sent) */
    history_cache_touch(g_hc, "public");
    history_stamp_t now;
    history_cache_stamp(g_hc, "public", &now);
    assert_null(history_cache_get(g_hc, &now, KEY, KEY_LEN));
    assert_string_equal(p->body, "{\"v\": 1}");
    history_page_unref(p);
    /* by room name too */
    history_cache_stamp(g_hc, "public", &st);
    p = put_and_get(&st, "{\"v\": 2}");
    assert_non_null(p);
    history_page_unref(p);
    history_cache_touch_room(g_hc, "public");
    history_cache_stamp(g_hc, "public", &now);
    assert_null(history_cache_get(g_hc, &now, KEY, KEY_LEN));
}

static void test_answer_racing_an_event_is_not_served(void **state)
{
    history_stamp_t before;
    history_cache_stamp(g_hc, "public", &before); /* the request is sent */
    history_cache_touch(g_hc, "public");          /* a message lands meanwhile */
    assert_null(put_and_get(&before, "{\"old\": true}"));
    /* nor does an old stamp see a page stored under a newer one */
    history_stamp_t now;
    history_cache_stamp(g_hc, "public", &now);
    history_page_t *p = put_and_get(&now, "{\"new\": true}");
    assert_non_null(p);
    history_page_unref(p);
    assert_null(history_cache_get(g_hc, &before, KEY, KEY_LEN));
}

static void test_flush_and_ttl(void **state)
{
    history_stamp_t st;
    history_cache_stamp(g_hc, "public", &st);
    history_page_t *p = put_and_get(&st, "{}");
    assert_non_null(p);
    history_page_unref(p);
    history_cache_flush(g_hc);
    history_stamp_t now;
    history_cache_stamp(g_hc, "public", &now);
    assert_null(history_cache_get(g_hc, &now, KEY, KEY_LEN));

    p = put_and_get(&now, "{}");
    assert_non_null(p);
    history_page_unref(p);
    usleep(250 * 1000); /* the TTL of this test's cache is 200 ms */
    assert_null(history_cache_get(g_hc, &now, KEY, KEY_LEN));
}

static void test_too_large_is_not_stored(void **state)
{
    size_t n = 300 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    history_stamp_t st;
    history_cache_stamp(g_hc, "public", &st);
    assert_null(put_and_get(&st, big));
    free(big);
}

int main(void)
{
    g_hc = history_cache_new(NULL, 200);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_hit_and_key),
        cmocka_unit_test(test_room_event_invalidates),
        cmocka_unit_test(test_answer_racing_an_event_is_not_served),
        cmocka_unit_test(test_flush_and_ttl),
        cmocka_unit_test(test_too_large_is_not_stored),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    history_cache_free(g_hc);
    return rc;
}
