/* UTF-8 text rules: validation and counting (libunistring), Unicode
 * whitespace stripping like Python's str.strip(), NFKC, constant-time
 * comparison and CSPRNG strings. */
#include "echo/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

bool text_valid_utf8(const char *s, size_t len)
{
    if (memchr(s, '\0', len))
        return false;
    /* u8_check rejects overlongs, surrogates and code points above U+10FFFF. */
    return u8_check((const uint8_t *)s, len) == NULL;
}

size_t text_codepoints(const char *s, size_t len)
{
    return u8_mbsnlen((const uint8_t *)s, len);
}

/* Python's str.isspace(): White_Space property plus the separators it adds. */
static bool is_py_space(ucs4_t c)
{
    return uc_is_property_white_space(c) || (c >= 0x1C && c <= 0x1F);
}

char *text_strip(const char *s, size_t len)
{
    if (u8_check((const uint8_t *)s, len) != NULL)
        return NULL;
    const uint8_t *start = (const uint8_t *)s, *end = start + len;
    while (start < end) {
        ucs4_t c;
        int n = u8_mbtouc(&c, start, (size_t)(end - start));
        if (!is_py_space(c))
            break;
        start += n;
    }
    while (end > start) {
        const uint8_t *prev = u8_prev(&(ucs4_t){0}, end, start);
        ucs4_t c;
        u8_mbtouc(&c, prev, (size_t)(end - prev));
        if (!is_py_space(c))
            break;
        end = prev;
    }
    size_t n = (size_t)(end - start);
    char *out = malloc(n + 1);
    if (!out)
        abort();
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

char *text_nfkc(const char *s)
{
    size_t outlen = 0;
    uint8_t *out = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, strlen(s), NULL, &outlen);
    if (!out)
        return NULL;
    char *res = malloc(outlen + 1);
    if (!res)
        abort();
    memcpy(res, out, outlen);
    res[outlen] = '\0';
    free(out);
    return res;
}

bool text_equal_ct(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Compare against a's length so timing depends only on the public input. */
    volatile unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ (i < blen ? b[i] : 0));
    return diff == 0;
}

int text_random(char *buf, size_t n, const char *alphabet)
{
    size_t alen = strlen(alphabet);
    /* Rejection sampling keeps the distribution uniform. */
    unsigned limit = 256 - (256 % (unsigned)alen);
    size_t filled = 0;
    unsigned char rnd[64];
    while (filled < n) {
        ssize_t got = getrandom(rnd, sizeof rnd, 0);
        if (got <= 0)
            return -1;
        for (ssize_t i = 0; i < got && filled < n; i++) {
            if (rnd[i] < limit)
                buf[filled++] = alphabet[rnd[i] % alen];
        }
    }
    return 0;
}
