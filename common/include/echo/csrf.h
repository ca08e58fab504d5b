/* CSRF tokens of api.md §2.2: 32-char secrets, 64-char masked tokens and the
 * comparison the gateway runs on every unsafe request. */
#ifndef ECHO_CSRF_H
#define ECHO_CSRF_H

#include <stdbool.h>
#include <stddef.h>

#define CSRF_SECRET_LEN 32
#define CSRF_TOKEN_LEN 64

/* 32 or 64 characters of [A-Za-z0-9]. */
bool csrf_well_formed(const char *s);
/* Fills out[CSRF_SECRET_LEN + 1] with a new random secret. */
int csrf_new_secret(char *out);
/* Fills out[CSRF_TOKEN_LEN + 1] with mask ‖ cipher for secret (new random mask). */
int csrf_mask(const char *secret, char *out);
/* The secret a well-formed cookie value carries (a 64-char cookie is itself
 * masked); out[CSRF_SECRET_LEN + 1]. False when malformed. */
bool csrf_cookie_secret(const char *cookie, char *out);
/* Steps 3-5 of §2.2 for a submitted token against the cookie value: NULL when
 * they match, else the reason text (e.g. "CSRF cookie not set."). */
const char *csrf_check_token(const char *cookie, const char *token);

#endif
