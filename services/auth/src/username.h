/* Username rules of api.md §4.6: strip, NFKC, 1–150 code points of Unicode
 * letters/digits and _@.+-, with the reference framework's messages. */
#ifndef AUTH_USERNAME_H
#define AUTH_USERNAME_H

#include <stdbool.h>
#include <stddef.h>

#define USERNAME_MAX 150

typedef enum {
    USERNAME_OK = 0,
    USERNAME_REQUIRED,      /* blank after stripping */
    USERNAME_NUL,           /* contains a NUL character */
    USERNAME_TOO_LONG,      /* more than 150 code points */
    USERNAME_INVALID_CHARS, /* outside [\w.@+-] (or not UTF-8) */
} username_status_t;

/* Cleans raw[0..len): on USERNAME_OK *out is the heap normalised name. For
 * USERNAME_TOO_LONG *count is the code point count for the message. */
username_status_t username_clean(const char *raw, size_t len, char **out, size_t *count);

/* The Russian message for a status (count used by USERNAME_TOO_LONG). */
void username_message(username_status_t st, size_t count, char *buf, size_t buflen);

#define USERNAME_MSG_TAKEN "Пользователь с таким именем уже существует."

/* Python's \w for one code point (Unicode letters and numbers, underscore). */
bool username_word_char(unsigned int c);

#endif
