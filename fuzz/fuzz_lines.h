/* Shared by the fuzz harnesses: splits the input into newline-separated
 * fields, the convention every multi-field target documents at its top. */
#ifndef FUZZ_LINES_H
#define FUZZ_LINES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The next line of [*p, end) as a heap string (without the newline). */
static inline char *fuzz_take_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = strndup((const char *)*p, n);
    if (!s)
        abort();
    *p += n + (nl ? 1 : 0);
    return s;
}

#endif
