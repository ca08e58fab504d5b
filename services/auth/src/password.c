/* Password hashing and rules. The common-password list is Django's, embedded
 * at build time (common_passwords.c, generated; see CMakeLists.txt) and
 * indexed once at start-up; afterwards everything here is read-only and safe
 * on any worker thread. */
#include "password.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include "echo/log.h"
#include "echo/text.h"
#include "username.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_SIMILARITY 0.7

extern const char common_passwords_data[];
extern const size_t common_passwords_data_len;

static char *g_common_buf;
static const char **g_common;
static size_t g_ncommon;
static char g_dummy[PASSWORD_ENCODED_MAX];

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int password_init(const auth_config_t *cfg)
{
    g_common_buf = malloc(common_passwords_data_len + 1);
    if (!g_common_buf)
        return -1;
    memcpy(g_common_buf, common_passwords_data, common_passwords_data_len + 1);
    size_t lines = 1;
    for (size_t i = 0; i < common_passwords_data_len; i++)
        lines += g_common_buf[i] == '\n';
    g_common = calloc(lines, sizeof *g_common);
    if (!g_common)
        return -1;
    for (char *save = NULL, *tok = strtok_r(g_common_buf, "\r\n", &save); tok;
         tok = strtok_r(NULL, "\r\n", &save)) {
        char *s = text_strip(tok, strlen(tok)); /* the reference strips each line */
        if (s && *s)
            g_common[g_ncommon++] = s;
        else
            free(s);
    }
    qsort(g_common, g_ncommon, sizeof *g_common, cmp_str);
    if (password_hash(cfg, "dummy-password-for-timing", 25, g_dummy) != 0)
        return -1;
    log_info("passwords: %zu common passwords indexed", g_ncommon);
    return 0;
}

int password_hash(const auth_config_t *cfg, const char *pw, size_t len, char *out)
{
    uint8_t salt[SALT_LEN];
    if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
        return -1;
    int rc = argon2id_hash_encoded(cfg->argon2_iterations, cfg->argon2_memory_kib,
                                   cfg->argon2_parallelism, pw, len, salt, sizeof salt, HASH_LEN, out,
                                   PASSWORD_ENCODED_MAX);
    if (rc != ARGON2_OK) {
        log_error("passwords: argon2 hashing failed: %s", argon2_error_message(rc));
        return -1;
    }
    return 0;
}

bool password_verify(const char *encoded, const char *pw, size_t len)
{
    if (!encoded) {
        argon2id_verify(g_dummy, pw, len);
        return false;
    }
    return argon2id_verify(encoded, pw, len) == ARGON2_OK;
}

/* Lower-cased code points of s; *n set. Heap array (may be empty). */
static uint32_t *lower_u32(const char *s, size_t len, size_t *n)
{
    size_t llen = 0;
    uint8_t *lower = u8_tolower((const uint8_t *)s, len, NULL, NULL, NULL, &llen);
    *n = 0;
    if (!lower)
        return calloc(1, sizeof(uint32_t));
    size_t ulen = 0;
    uint32_t *u = u8_to_u32(lower, llen, NULL, &ulen);
    free(lower);
    if (!u)
        return calloc(1, sizeof(uint32_t));
    *n = ulen;
    return u;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* quick_ratio on already lower-cased code point arrays (sorted in place). */
static double quick_ratio_u32(uint32_t *a, size_t na, uint32_t *b, size_t nb)
{
    if (na + nb == 0)
        return 1.0;
    qsort(a, na, sizeof *a, cmp_u32);
    qsort(b, nb, sizeof *b, cmp_u32);
    size_t i = 0, j = 0, matches = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            matches++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * (double)matches / (double)(na + nb);
}

double password_quick_ratio(const char *a, const char *b)
{
    size_t na, nb;
    uint32_t *ua = lower_u32(a, strlen(a), &na), *ub = lower_u32(b, strlen(b), &nb);
    double r = quick_ratio_u32(ua, na, ub, nb);
    free(ua);
    free(ub);
    return r;
}

/* One candidate part v[from..to) of an attribute value against pw. */
static bool part_similar(const uint32_t *pw, size_t npw, const uint32_t *v, size_t from, size_t to)
{
    size_t plen = to - from;
    /* exceeds_maximum_length_ratio(): a value much shorter than the password
     * cannot make it guessable. */
    if (npw >= 10 * plen && (double)plen < MAX_SIMILARITY / 2 * (double)npw)
        return false;
    uint32_t *a = malloc((npw + 1) * sizeof *a), *b = malloc((plen + 1) * sizeof *b);
    if (!a || !b)
        abort();
    memcpy(a, pw, npw * sizeof *a);
    memcpy(b, v + from, plen * sizeof *b);
    bool similar = quick_ratio_u32(a, npw, b, plen) >= MAX_SIMILARITY;
    free(a);
    free(b);
    return similar;
}

/* The reference's UserAttributeSimilarityValidator for one attribute value:
 * each \W+-separated part of the lower-cased value, then the whole value. */
static bool too_similar(const uint32_t *pw, size_t npw, const char *value)
{
    if (!value || !*value)
        return false;
    size_t nv;
    uint32_t *v = lower_u32(value, strlen(value), &nv);
    bool similar = false;
    size_t i = 0;
    while (!similar) {
        size_t from = i;
        while (i < nv && username_word_char(v[i]))
            i++;
        similar = part_similar(pw, npw, v, from, i);
        if (i >= nv)
            break;
        while (i < nv && !username_word_char(v[i]))
            i++;
    }
    if (!similar)
        similar = part_similar(pw, npw, v, 0, nv);
    free(v);
    return similar;
}

bool password_is_common(const char *pw, size_t len)
{
    size_t llen = 0;
    uint8_t *lower = u8_tolower((const uint8_t *)pw, len, NULL, NULL, NULL, &llen);
    if (!lower)
        return false;
    char *s = text_strip((const char *)lower, llen);
    free(lower);
    if (!s)
        return false;
    const char *key = s;
    bool found = bsearch(&key, g_common, g_ncommon, sizeof *g_common, cmp_str) != NULL;
    free(s);
    return found;
}

static bool all_digits(const char *pw, size_t len)
{
    const uint8_t *p = (const uint8_t *)pw, *end = p + len;
    if (p == end)
        return false;
    while (p < end) {
        ucs4_t c;
        p += u8_mbtouc(&c, p, (size_t)(end - p));
        if (uc_digit_value(c) < 0)
            return false;
    }
    return true;
}

bool password_acceptable(bool relax, const char *pw, size_t len, const char *username,
                         const char *email)
{
    if (!text_valid_utf8(pw, len))
        return false;
    size_t n = text_codepoints(pw, len);
    if (relax)
        return n >= 6;
    size_t npw;
    uint32_t *upw = lower_u32(pw, len, &npw);
    bool similar = too_similar(upw, npw, username) || too_similar(upw, npw, email);
    free(upw);
    return !similar && n >= 8 && !password_is_common(pw, len) && !all_digits(pw, len);
}

static const char *const RULES_RELAXED[] = {
    "Ваш пароль должен содержать как минимум 6 символов.",
    NULL,
};
static const char *const RULES_STRICT[] = {
    "Пароль не должен быть слишком похож на другую вашу личную информацию.",
    "Ваш пароль должен содержать как минимум 8 символов.",
    "Пароль не должен быть слишком простым и распространенным.",
    "Пароль не может состоять только из цифр.",
    NULL,
};

const char *const *password_rules(bool relax)
{
    return relax ? RULES_RELAXED : RULES_STRICT;
}
