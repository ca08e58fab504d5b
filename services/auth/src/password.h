/* Passwords: argon2id hashing (decision P10) and the password rules of
 * api.md §4.7 (relaxed: length ≥ 6; strict: similarity, length ≥ 8, common
 * list, not all digits). */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

#define PASSWORD_ENCODED_MAX 256

/* Builds the common-password index and the dummy hash used to make unknown
 * usernames cost as much as wrong passwords. Call once at start-up. */
int password_init(const auth_config_t *cfg);

/* Encoded argon2id hash of pw into out[PASSWORD_ENCODED_MAX]. */
int password_hash(const auth_config_t *cfg, const char *pw, size_t len, char *out);
/* True iff pw matches encoded. A NULL encoded runs a verification against
 * the dummy hash and returns false (same cost as a real miss). */
bool password_verify(const char *encoded, const char *pw, size_t len);

/* True when pw passes every active rule. username/email feed the strict
 * similarity rule (either may be NULL or ""). */
bool password_acceptable(bool relax, const char *pw, size_t len, const char *username,
                         const char *email);
/* NULL-terminated help texts of the active rules, in order. */
const char *const *password_rules(bool relax);

/* Exposed for tests: Python's SequenceMatcher.quick_ratio() on lower-cased
 * code points, and the common-list lookup (lower-cased, stripped). */
double password_quick_ratio(const char *a, const char *b);
bool password_is_common(const char *pw, size_t len);

#endif
