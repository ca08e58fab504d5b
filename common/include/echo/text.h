/* UTF-8 text rules shared by the daemons: validation, code point counts,
 * Unicode whitespace trimming and NFKC (via libunistring). */
#ifndef ECHO_TEXT_H
#define ECHO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 without NUL bytes and without surrogate code points. */
bool text_valid_utf8(const char *s, size_t len);
/* Number of code points of valid UTF-8. */
size_t text_codepoints(const char *s, size_t len);
/* Heap copy of s with leading/trailing Unicode whitespace removed (as
 * Python's str.strip()). NULL on invalid UTF-8. */
char *text_strip(const char *s, size_t len);
/* Heap NFKC normalisation of valid UTF-8; NULL on failure. */
char *text_nfkc(const char *s);
/* Constant-time equality of two byte strings of possibly different lengths. */
bool text_equal_ct(const char *a, size_t alen, const char *b, size_t blen);
/* Fills buf with n random characters from alphabet using the kernel CSPRNG.
 * Returns 0, or -1 if no randomness is available. */
int text_random(char *buf, size_t n, const char *alphabet);

#endif
