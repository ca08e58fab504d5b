/* Unit tests of the admin API's query parameters: defaults when absent,
 * and the 400 invalid_filter answer for every kind of bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/admin_query.h"
#include "echo/json.h"

static http_req_t req_of(const char *query)
{
    http_req_t req = {0};
    req.query = query;
    return req;
}

/* The response is 400 invalid_filter naming param, with a reason. */
static void assert_invalid(http_resp_t *resp, const char *param)
{
    assert_int_equal(resp->status, 400);
    cJSON *o = json_parse(resp->body, resp->body_len);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "code")->valuestring, "invalid_filter");
    assert_string_equal(cJSON_GetObjectItem(o, "param")->valuestring, param);
    const cJSON *why = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "errors"), param);
    assert_true(cJSON_IsArray(why) && cJSON_GetArraySize(why) == 1);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(o, "error")));
    cJSON_Delete(o);
    http_resp_free(resp);
}

static void test_empty_counts_as_absent(void **state)
{
    http_req_t req = req_of("q=&page=2&x=a+b");
    char *v = admin_query_get(&req, "q");
    assert_null(v);
    assert_null(admin_query_get(&req, "missing"));
    v = admin_query_get(&req, "x");
    assert_string_equal(v, "a b");
    free(v);
}

static void test_int_bounds(void **state)
{
    static const char *bad[] = {"n=0", "n=11", "n=-1", "n=+1", "n=%201", "n=1.0", "n=x",
                                "n=1x", "n=99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_req_t req = req_of(bad[i]);
        http_resp_t resp = {0};
        int64_t n = 42;
        if (admin_query_int(&req, &resp, "n", 5, 1, 10, &n))
            fail_msg("accepted %s", bad[i]);
        assert_invalid(&resp, "n");
    }
    /* a value that decodes to a NUL is no value (http_form_get), as is "" */
    http_req_t req = req_of("n=010&m=&z=%00");
    http_resp_t resp = {0};
    int64_t n;
    assert_true(admin_query_int(&req, &resp, "n", 5, 1, 10, &n));
    assert_int_equal(n, 10);
    assert_true(admin_query_int(&req, &resp, "m", 5, 1, 10, &n));
    assert_int_equal(n, 5);
    assert_true(admin_query_int(&req, &resp, "z", 6, 1, 10, &n));
    assert_int_equal(n, 6);
    req = req_of("id=9223372036854775807");
    assert_true(admin_query_int(&req, &resp, "id", 0, 1, INT64_MAX, &n));
    assert_int_equal(n, INT64_MAX);
    assert_int_equal(resp.status, 0);
}

static void test_bool(void **state)
{
    http_req_t req = req_of("a=true&b=false&c=1&d=True");
    http_resp_t resp = {0};
    const char *v;
    assert_true(admin_query_bool(&req, &resp, "a", &v));
    assert_string_equal(v, "t");
    assert_true(admin_query_bool(&req, &resp, "b", &v));
    assert_string_equal(v, "f");
    assert_true(admin_query_bool(&req, &resp, "z", &v));
    assert_null(v);
    assert_false(admin_query_bool(&req, &resp, "c", &v));
    assert_invalid(&resp, "c");
    assert_false(admin_query_bool(&req, &resp, "d", &v));
    assert_invalid(&resp, "d");
}

static void test_time(void **state)
{
    http_req_t req = req_of("a=1970-01-02&b=yesterday&c=2026-02-30");
    http_resp_t resp = {0};
    bool has = true;
    int64_t us = 0;
    assert_true(admin_query_time(&req, &resp, "a", &has, &us));
    assert_true(has);
    assert_int_equal(us, 86400LL * 1000000);
    assert_true(admin_query_time(&req, &resp, "z", &has, &us));
    assert_false(has);
    assert_false(admin_query_time(&req, &resp, "b", &has, &us));
    assert_invalid(&resp, "b");
    assert_false(admin_query_time(&req, &resp, "c", &has, &us));
    assert_invalid(&resp, "c");
}

static void test_text_and_enum(void **state)
{
    static const char *const SORTS[] = {"name", "-name", NULL};
    http_req_t req = req_of("q=%C3%A9&bad=%C3%28&sort=-name&s2=id");
    http_resp_t resp = {0};
    char *q = NULL;
    assert_true(admin_query_text(&req, &resp, "q", &q));
    assert_string_equal(q, "\xc3\xa9");
    free(q);
    assert_false(admin_query_text(&req, &resp, "bad", &q));
    assert_null(q);
    assert_invalid(&resp, "bad");
    const char *sort = NULL;
    assert_true(admin_query_enum(&req, &resp, "sort", SORTS, &sort));
    assert_ptr_equal(sort, SORTS[1]);
    assert_true(admin_query_enum(&req, &resp, "none", SORTS, &sort));
    assert_null(sort);
    assert_false(admin_query_enum(&req, &resp, "s2", SORTS, &sort));
    assert_invalid(&resp, "s2");
}

static void test_page(void **state)
{
    http_req_t req = req_of("");
    http_resp_t resp = {0};
    admin_page_t p;
    assert_true(admin_query_page(&req, &resp, 100, &p));
    assert_int_equal(p.page, 1);
    assert_int_equal(p.page_size, ADMIN_PAGE_SIZE_DEFAULT);
    req = req_of("page=100&page_size=200");
    assert_true(admin_query_page(&req, &resp, 100, &p));
    assert_int_equal(p.page, 100);
    assert_int_equal(p.page_size, 200);
    static const char *bad[][2] = {{"page=0", "page"},          {"page=101", "page"},
                                   {"page_size=0", "page_size"}, {"page_size=201", "page_size"},
                                   {"page=x", "page"},          {"page_size=-1", "page_size"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req = req_of(bad[i][0]);
        assert_false(admin_query_page(&req, &resp, 100, &p));
        assert_invalid(&resp, bad[i][1]);
    }
}

/* One spelling per admin path id; everything else is a path naming nothing. */
static void test_path_id(void **state)
{
    (void)state;
    int64_t id = -1;
    assert_true(admin_id_parse("1", &id) && id == 1);
    assert_true(admin_id_parse("9223372036854775807", &id) && id == INT64_MAX);
    const char *bad[] = {"", "0", "01", "007", "-1", "+1", " 1", "1 ", "1a", "0x1", "1.0",
                         "9223372036854775808", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        id = -1;
        assert_false(admin_id_parse(bad[i], &id));
        assert_int_equal(id, -1); /* untouched */
    }
}

/* Bad audit filters are answered before the database is asked. */
static void test_audit_filters(void **state)
{
    static const char *bad[][2] = {
        {"object_type=group", "object_type"}, {"action=view", "action"},
        {"object_id=abc", "object_id"},        {"object_id=-1", "object_id"},
        {"since=x", "since"},                  {"until=2026-13-01", "until"},
        {"before=x", "before"},                {"limit=0", "limit"},
        {"limit=1000", "limit"},               {"actor=%FF", "actor"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_req_t req = req_of(bad[i][0]);
        http_resp_t resp = {0};
        admin_query_audit("chat", &req, &resp);
        assert_invalid(&resp, bad[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_counts_as_absent),
        cmocka_unit_test(test_int_bounds),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_text_and_enum),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_path_id),
        cmocka_unit_test(test_audit_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
