/* CSRF tokens (api.md §2.2): the reference framework's masking scheme over a
 * 62-character alphabet, compared in constant time. */
#include "echo/csrf.h"

#include <string.h>

#include "echo/text.h"

static const char ALPHABET[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static int idx(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return -1;
}

bool csrf_well_formed(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n != CSRF_SECRET_LEN && n != CSRF_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (idx(s[i]) < 0)
            return false;
    return true;
}

int csrf_new_secret(char *out)
{
    if (text_random(out, CSRF_SECRET_LEN, ALPHABET) != 0)
        return -1;
    out[CSRF_SECRET_LEN] = '\0';
    return 0;
}

int csrf_mask(const char *secret, char *out)
{
    if (text_random(out, CSRF_SECRET_LEN, ALPHABET) != 0)
        return -1;
    for (int i = 0; i < CSRF_SECRET_LEN; i++)
        out[CSRF_SECRET_LEN + i] = ALPHABET[(idx(secret[i]) + idx(out[i])) % 62];
    out[CSRF_TOKEN_LEN] = '\0';
    return 0;
}

static void unmask(const char *token, char *out)
{
    for (int i = 0; i < CSRF_SECRET_LEN; i++)
        out[i] = ALPHABET[(idx(token[CSRF_SECRET_LEN + i]) - idx(token[i]) + 62) % 62];
    out[CSRF_SECRET_LEN] = '\0';
}

bool csrf_cookie_secret(const char *cookie, char *out)
{
    if (!csrf_well_formed(cookie))
        return false;
    if (strlen(cookie) == CSRF_TOKEN_LEN)
        unmask(cookie, out);
    else
        memcpy(out, cookie, CSRF_SECRET_LEN + 1);
    return true;
}

const char *csrf_check_token(const char *cookie, const char *token)
{
    char cookie_secret[CSRF_SECRET_LEN + 1], token_secret[CSRF_SECRET_LEN + 1];
    if (!cookie || !*cookie)
        return "CSRF cookie not set.";
    if (!csrf_cookie_secret(cookie, cookie_secret))
        return "CSRF cookie has incorrect length.";
    if (!token || !*token)
        return "CSRF token missing.";
    if (!csrf_well_formed(token))
        return strlen(token) == CSRF_SECRET_LEN || strlen(token) == CSRF_TOKEN_LEN
                   ? "CSRF token has invalid characters."
                   : "CSRF token has incorrect length.";
    if (!csrf_cookie_secret(token, token_secret))
        return "CSRF token has incorrect length.";
    if (!text_equal_ct(cookie_secret, CSRF_SECRET_LEN, token_secret, CSRF_SECRET_LEN))
        return "CSRF token incorrect.";
    return NULL;
}
