/* Unit tests of the admin list page that need no database: the envelope,
 * and the refusal of more filters than a page query can bind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/admin_list.h"
#include "echo/json.h"

static void test_envelope(void **state)
{
    http_resp_t resp = {0};
    admin_page_t p = {.page = 2, .page_size = 1};
    cJSON *results = cJSON_CreateArray();
    cJSON_AddItemToArray(results, cJSON_CreateNumber(5));
    admin_page_reply(&resp, results, 7, &p);
    assert_int_equal(resp.status, 200);
    /* key order is part of the wire format the system tests compare */
    assert_string_equal(resp.body, "{\"results\": [5], \"count\": 7, \"page\": 2, \"page_size\": 1}");
    http_resp_free(&resp);
}

static cJSON *never_called(PGresult *rows, void *ctx)
{
    fail_msg("rows turned into JSON after a refused query");
    return NULL;
}

static void test_too_many_filters(void **state)
{
    const char *filter[ADMIN_LIST_FILTERS_MAX + 1] = {0};
    admin_page_t p = {.page = 1, .page_size = 50};
    http_resp_t resp = {0};
    admin_list_answer(&resp, "SELECT 1", "SELECT 1", filter, ADMIN_LIST_FILTERS_MAX + 1, &p,
                      never_called, NULL);
    assert_int_equal(resp.status, 503);
    cJSON *o = json_parse(resp.body, resp.body_len);
    assert_string_equal(cJSON_GetObjectItem(o, "code")->valuestring, "unavailable");
    cJSON_Delete(o);
    http_resp_free(&resp);
    admin_list_answer(&resp, "SELECT 1", "SELECT 1", filter, -1, &p, never_called, NULL);
    assert_int_equal(resp.status, 503);
    http_resp_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_too_many_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
