/* Unit tests of the audit log parts that need no database: the
 * field: [before, after] shape of an entry's changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/audit_log.h"
#include "echo/json.h"

static void test_change_pairs(void **state)
{
    cJSON *changes = cJSON_CreateObject();
    audit_log_change(changes, "name", cJSON_CreateString("old"), cJSON_CreateString("new"));
    audit_log_change(changes, "owner", cJSON_CreateNull(), cJSON_CreateNull());
    audit_log_change(changes, "message_count", cJSON_CreateNumber(3), cJSON_CreateNumber(0));
    size_t len;
    char *text = json_print_compact(changes, &len);
    assert_string_equal(text, "{\"name\":[\"old\",\"new\"],\"owner\":[null,null],\"message_count\":[3,0]}");
    free(text);
    cJSON_Delete(changes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
