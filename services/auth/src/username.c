/* Username validation, in the reference's order: required, NUL, length,
 * charset (the uniqueness check is the caller's, against the database). */
#include "username.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unistr.h>

#include "echo/text.h"

bool username_word_char(unsigned int c)
{
    return c == '_' || uc_is_general_category((ucs4_t)c, UC_CATEGORY_L) ||
           uc_is_general_category((ucs4_t)c, UC_CATEGORY_N);
}

static bool allowed_char(ucs4_t c)
{
    return username_word_char(c) || c == '.' || c == '@' || c == '+' || c == '-';
}

username_status_t username_clean(const char *raw, size_t len, char **out, size_t *count)
{
    *out = NULL;
    if (memchr(raw, '\0', len))
        return USERNAME_NUL;
    if (!text_valid_utf8(raw, len))
        return USERNAME_INVALID_CHARS;
    char *stripped = text_strip(raw, len);
    if (!stripped)
        return USERNAME_INVALID_CHARS;
    char *norm = text_nfkc(stripped);
    free(stripped);
    if (!norm)
        return USERNAME_INVALID_CHARS;
    size_t n = strlen(norm);
    username_status_t st = USERNAME_OK;
    if (n == 0) {
        st = USERNAME_REQUIRED;
    } else if ((*count = text_codepoints(norm, n)) > USERNAME_MAX) {
        st = USERNAME_TOO_LONG;
    } else {
        const uint8_t *p = (const uint8_t *)norm, *end = p + n;
        while (p < end && st == USERNAME_OK) {
            ucs4_t c;
            p += u8_mbtouc(&c, p, (size_t)(end - p));
            if (!allowed_char(c))
                st = USERNAME_INVALID_CHARS;
        }
    }
    if (st == USERNAME_OK)
        *out = norm;
    else
        free(norm);
    return st;
}

void username_message(username_status_t st, size_t count, char *buf, size_t buflen)
{
    switch (st) {
    case USERNAME_REQUIRED:
        snprintf(buf, buflen, "Обязательное поле.");
        break;
    case USERNAME_NUL:
        snprintf(buf, buflen, "Данные содержат запрещённый символ: ноль-байт");
        break;
    case USERNAME_TOO_LONG:
        snprintf(buf, buflen, "Убедитесь, что это значение содержит не более %d символов (сейчас %zu).",
                 USERNAME_MAX, count);
        break;
    case USERNAME_INVALID_CHARS:
        snprintf(buf, buflen, "Введите правильное имя пользователя. Оно может содержать только буквы, "
                              "цифры и знаки @/./+/-/_.");
        break;
    case USERNAME_OK:
        buf[0] = '\0';
        break;
    }
}
