/* ISO-8601 timestamps as the admin API's filters and cursors take them
 * (docs/admin-api.md): a date, or a date-time with an optional offset. */
#ifndef ECHO_ISOTIME_H
#define ECHO_ISOTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses "YYYY-MM-DD" (its start, UTC) or "YYYY-MM-DDTHH:MM[:SS[.ffffff]]"
 * followed by "Z", "±HH:MM", "±HHMM" or nothing (UTC). A space may stand
 * for the "T", and for the "+" of the offset (a query string's unescaped
 * "+" arrives as a space). Fractions beyond microseconds are refused rather
 * than rounded, so a cursor round-trips exactly. On success *us_out is unix
 * microseconds. Years 1…9999. */
bool isotime_parse(const char *s, int64_t *us_out);

/* Room for what isotime_format writes (32 bytes and the NUL for years 1…9999). */
#define ISOTIME_LEN 40

/* "2026-11-25T10:13:57.123456+00:00"; the fraction is left out when zero.
 * This is the one wire format of api.md §0: every daemon prints with it. */
void isotime_format(int64_t us, char *out, size_t n);

#endif
