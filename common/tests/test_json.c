/* Unit tests of the JSON helpers: strict parsing, typed access and the
 * reference output format (api.md §0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/json.h"

static void test_parse_rejects_trailing_garbage(void **state)
{
    cJSON *ok = json_parse("{\"a\": 1}  \n", 11);
    assert_non_null(ok);
    cJSON_Delete(ok);
    assert_null(json_parse("{\"a\": 1} x", 10));
    assert_null(json_parse("{\"a\": ", 6));
    assert_null(json_parse("", 0));
    /* Length-bounded: bytes after len are not read. */
    assert_non_null(ok = json_parse("[1]garbage", 3));
    cJSON_Delete(ok);
}

static void test_typed_access(void **state)
{
    cJSON *o = json_parse("{\"s\":\"x\",\"n\":5,\"f\":1.5,\"b\":true,\"z\":null}", 41);
    int64_t n = 0;
    bool b = false;
    assert_string_equal(json_str(o, "s"), "x");
    assert_null(json_str(o, "n"));
    assert_null(json_str(o, "missing"));
    assert_true(json_int(o, "n", &n));
    assert_int_equal(n, 5);
    assert_false(json_int(o, "f", &n));
    assert_false(json_int(o, "s", &n));
    assert_true(json_bool(o, "b", &b));
    assert_true(b);
    assert_false(json_bool(o, "z", &b));
    cJSON_Delete(o);
}

static void test_compat_format(void **state)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", "Требуется авторизация");
    cJSON_AddNumberToObject(o, "n", 42);
    cJSON_AddBoolToObject(o, "ok", true);
    cJSON_AddNullToObject(o, "user");
    cJSON *arr = cJSON_AddArrayToObject(o, "a");
    cJSON_AddItemToArray(arr, cJSON_CreateString("\xF0\x9F\x98\x80\"\\\n"));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(2));
    size_t len = 0;
    char *s = json_print_compat(o, &len);
    assert_string_equal(s, "{\"error\": \"\\u0422\\u0440\\u0435\\u0431\\u0443\\u0435\\u0442\\u0441\\u044f "
                           "\\u0430\\u0432\\u0442\\u043e\\u0440\\u0438\\u0437\\u0430\\u0446\\u0438\\u044f\", "
                           "\"n\": 42, \"ok\": true, \"user\": null, \"a\": [\"\\ud83d\\ude00\\\"\\\\\\n\", 2]}");
    assert_int_equal(len, strlen(s));
    free(s);
    cJSON_Delete(o);
}

static void test_compat_empty_containers(void **state)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddArrayToObject(o, "messages");
    char *s = json_print_compat(o, NULL);
    assert_string_equal(s, "{\"messages\": []}");
    free(s);
    cJSON_Delete(o);
}

/* Found by fuzz/fuzz_json.c: bytes past U+10FFFF, encoded surrogates and
 * overlong forms printed as unpaired \u escapes the printer's own parser
 * refused. Each bad byte is now one U+FFFD and the output parses back. */
static void test_compat_invalid_utf8_prints_parseable_json(void **state)
{
    cJSON *o = cJSON_CreateArray();
    cJSON_AddItemToArray(o, cJSON_CreateString("\xF4\x90\x80\x80"));
    cJSON_AddItemToArray(o, cJSON_CreateString("\xED\xA0\x80"));
    cJSON_AddItemToArray(o, cJSON_CreateString("\xC0\xAF"));
    cJSON_AddItemToArray(o, cJSON_CreateString("\xF4\x8F\xBF\xBF"));
    size_t len = 0;
    char *s = json_print_compat(o, &len);
    assert_string_equal(s, "[\"\\ufffd\\ufffd\\ufffd\\ufffd\", \"\\ufffd\\ufffd\\ufffd\", "
                           "\"\\ufffd\\ufffd\", \"\\udbff\\udfff\"]");
    cJSON *again = json_parse(s, len);
    assert_non_null(again);
    cJSON_Delete(again);
    free(s);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rejects_trailing_garbage),
        cmocka_unit_test(test_typed_access),
        cmocka_unit_test(test_compat_format),
        cmocka_unit_test(test_compat_empty_containers),
        cmocka_unit_test(test_compat_invalid_utf8_prints_parseable_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
