/* Set-Cookie values for csrftoken and sessionid exactly as api.md §2.1 (the
 * reference framework's attribute order: expires, HttpOnly, Max-Age, Path,
 * SameSite, Secure). One implementation for the two daemons that write
 * them: auth (login, logout, csrf/) and the gateway (session/, stale
 * sessionid cookies). */
#ifndef ECHO_COOKIE_H
#define ECHO_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define COOKIE_CSRF_MAX_AGE 31449600  /* one year (api.md §2.1) */
#define COOKIE_SESSION_MAX_AGE 1209600 /* 14 days from login, absolute */
/* Room for any value these functions write (a cookie value ≤ 64 chars). */
#define COOKIE_VALUE_MAX 256

/* What every answer sends when the request's sessionid named no session. */
#define COOKIE_SESSION_EXPIRED                                                                     \
    "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"

/* The value of a Set-Cookie header for csrftoken = secret, issued at now. */
void cookie_csrf(char *out, size_t n, const char *secret, bool secure, time_t now);
/* The value of a Set-Cookie header for sessionid = id, issued at now. */
void cookie_session(char *out, size_t n, const char *id, bool secure, time_t now);

#endif
