/* WebSocket handshake policy: paths (W2), Origin (websocket.md §1, items
 * 93–95, 98), base and avatar URLs (api.md §5.1, items 6–8, W5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ws_policy.h"

static void paths(void **state)
{
    char *room = NULL;
    size_t len = 0;
    assert_int_equal(ws_path_parse("/ws/presence/", false, &room, &len), WS_PATH_PRESENCE);
    assert_int_equal(ws_path_parse("/ws/presence/?auth=1", false, &room, &len), WS_PATH_PRESENCE);
    assert_int_equal(ws_path_parse("/ws/presence", false, &room, &len), WS_PATH_NONE); /* 98 */
    assert_int_equal(ws_path_parse("/ws/presence/x", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/public", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/a/b/", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/public/?x=1", false, &room, &len), WS_PATH_CHAT);
    assert_string_equal(room, "public");
    assert_int_equal(len, 6);
    free(room);
    assert_int_equal(ws_path_parse("/ws/chat/my%20room/", false, &room, &len), WS_PATH_CHAT);
    assert_string_equal(room, "my room");
    free(room);
    assert_int_equal(ws_path_parse("/ws/chat/a%2Fb/", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/a%00b/", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/a%2/", false, &room, &len), WS_PATH_NONE);
    assert_int_equal(ws_path_parse("/ws/chat/%zz/", false, &room, &len), WS_PATH_NONE);
    /* an already-decoded path is not decoded twice */
    assert_int_equal(ws_path_parse("/ws/chat/100%25/", true, &room, &len), WS_PATH_CHAT);
    assert_string_equal(room, "100%25");
    free(room);
}

static void origin_rules(void **state)
{
    char *def[] = {"localhost", "127.0.0.1", NULL};
    char *star[] = {"*", NULL};
    char *dom[] = {".example.com", NULL};
    char *schemed[] = {"https://chat.example:8443", NULL};
    assert_false(ws_origin_allowed(def, NULL));                   /* 93 */
    assert_false(ws_origin_allowed(def, "http://evil.example"));  /* 93 */
    assert_true(ws_origin_allowed(def, "http://localhost:5173")); /* 94 */
    assert_true(ws_origin_allowed(def, "https://LOCALHOST"));
    assert_true(ws_origin_allowed(def, "http://127.0.0.1:8000"));
    assert_false(ws_origin_allowed(def, "null"));
    assert_false(ws_origin_allowed(def, "http://localhost.evil.com"));
    assert_true(ws_origin_allowed(star, NULL));
    assert_true(ws_origin_allowed(star, "null"));
    assert_true(ws_origin_allowed(dom, "https://example.com"));
    assert_true(ws_origin_allowed(dom, "https://a.b.example.com:444"));
    assert_false(ws_origin_allowed(dom, "https://badexample.com"));
    assert_true(ws_origin_allowed(schemed, "https://chat.example:8443"));
    assert_false(ws_origin_allowed(schemed, "http://chat.example:8443"));
    assert_false(ws_origin_allowed(schemed, "https://chat.example"));
    assert_false(ws_origin_allowed(def, "garbage"));
}

static void base_urls(void **state)
{
    char *u;
    /* item 6: the gateway's own forwarded headers (trusted proxy) */
    u = ws_base_url(NULL, true, "80.253.249.107", "http", NULL, "172.18.0.4:8000");
    assert_string_equal(u, "http://80.253.249.107");
    free(u);
    /* item 7: no forwarded headers */
    u = ws_base_url(NULL, false, NULL, NULL, NULL, "172.18.0.4:8000");
    assert_string_equal(u, "http://172.18.0.4:8000");
    free(u);
    /* W5 / item 111: forwarded headers from an untrusted peer are ignored */
    u = ws_base_url(NULL, false, "evil.example", "https", "http://localhost:5173",
                    "localhost:8001");
    assert_string_equal(u, "http://localhost:5173");
    free(u);
    /* Origin before Host; first value of a list; bad host characters refused */
    u = ws_base_url(NULL, true, "a.example, b.example", "https, http", NULL, "h");
    assert_string_equal(u, "https://a.example");
    free(u);
    u = ws_base_url(NULL, true, "evil\"><x", NULL, NULL, "good.example");
    assert_string_equal(u, "http://good.example");
    free(u);
    /* PUBLIC_BASE_URL overrides everything */
    u = ws_base_url("https://chat.example/", true, "evil.example", "http", "http://o", "h");
    assert_string_equal(u, "https://chat.example");
    free(u);
    u = ws_base_url(NULL, false, NULL, NULL, "null", NULL);
    assert_string_equal(u, "");
    free(u);
}

static void avatar_urls(void **state)
{
    char *u = ws_avatar_url("http://80.253.249.107", "profile_pics/a.jpg");
    assert_string_equal(u, "http://80.253.249.107/media/profile_pics/a.jpg"); /* item 6 */
    free(u);
    u = ws_avatar_url("http://x", "https://cdn.example.com/a.jpg"); /* item 8 */
    assert_string_equal(u, "https://cdn.example.com/a.jpg");
    free(u);
    u = ws_avatar_url("", "default.jpg");
    assert_string_equal(u, "/media/default.jpg");
    free(u);
    assert_null(ws_avatar_url("http://x", NULL));
    assert_null(ws_avatar_url("http://x", ""));
}

static void chat_frame_client_id(void **state)
{
    const char *text, *cid;
    /* 64 characters of Cyrillic are 128 bytes and still a valid id (P7). */
    char frame[512];
    char id64[129] = "", id65[131] = "";
    for (int i = 0; i < 64; i++)
        strcat(id64, "\xd0\xb6");
    strcpy(id65, id64);
    strcat(id65, "\xd0\xb6");
    snprintf(frame, sizeof frame, "{\"message\": \"hi\", \"client_id\": \"%s\"}", id64);
    cJSON *in = ws_chat_frame_parse(frame, strlen(frame), &text, &cid);
    assert_string_equal(text, "hi");
    assert_string_equal(cid, id64);
    cJSON_Delete(in);
    snprintf(frame, sizeof frame, "{\"message\": \"hi\", \"client_id\": \"%s\"}", id65);
    in = ws_chat_frame_parse(frame, strlen(frame), &text, &cid);
    assert_null(cid);
    cJSON_Delete(in);
    in = ws_chat_frame_parse("[1]", 3, &text, &cid);
    assert_null(text);
    cJSON_Delete(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paths),
        cmocka_unit_test(origin_rules),
        cmocka_unit_test(base_urls),
        cmocka_unit_test(avatar_urls),
        cmocka_unit_test(chat_frame_client_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
