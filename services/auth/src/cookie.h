/* Set-Cookie lines for csrftoken and sessionid exactly as api.md §2.1 (the
 * reference framework's attribute order: expires, HttpOnly, Max-Age, Path,
 * SameSite, Secure). */
#ifndef AUTH_COOKIE_H
#define AUTH_COOKIE_H

#include <stdbool.h>
#include <time.h>

#include "echo/http_route.h"

void cookie_set_csrf(http_resp_t *resp, const char *secret, bool secure, time_t now);
void cookie_set_session(http_resp_t *resp, const char *id, bool secure, time_t now);
void cookie_expire_session(http_resp_t *resp);

#endif
