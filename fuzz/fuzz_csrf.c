/* Fuzzes CSRF token handling: arbitrary cookie/token pairs never crash, and a
 * freshly masked token of any well-formed cookie always matches it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/csrf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) : size;
    char *cookie = strndup((const char *)data, n);
    char *token = nl ? strndup((const char *)nl + 1, size - n - 1) : strdup("");
    (void)csrf_check_token(cookie, token);
    char secret[CSRF_SECRET_LEN + 1], masked[CSRF_TOKEN_LEN + 1];
    if (csrf_cookie_secret(cookie, secret)) {
        if (csrf_mask(secret, masked) != 0 || csrf_check_token(cookie, masked) != NULL)
            abort();
    }
    free(cookie);
    free(token);
    return 0;
}
