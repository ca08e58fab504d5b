/* Fuzzes the UTF-8 rules: validation, stripping, counting and NFKC never
 * crash, and stripping valid text yields valid text no longer than before. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    bool valid = text_valid_utf8(s, size);
    char *stripped = text_strip(s, size);
    if (valid) {
        if (!stripped || strlen(stripped) > size || !text_valid_utf8(stripped, strlen(stripped)))
            abort();
        (void)text_codepoints(s, size);
        char *z = strndup(s, size);
        free(text_nfkc(z));
        free(z);
    }
    free(stripped);
    return 0;
}
