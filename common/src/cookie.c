/* Cookie formatting (api.md §2.1): the Set-Cookie values of csrftoken and
 * sessionid, shared by auth and the gateway so both write byte-identical
 * headers. */
#include "echo/cookie.h"

#include <stdio.h>

static void http_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void format(char *out, size_t n, const char *name, const char *value, long max_age,
                   bool http_only, bool secure, time_t now)
{
    char date[64];
    http_date(now + max_age, date, sizeof date);
    snprintf(out, n, "%s=%s; expires=%s;%s Max-Age=%ld; Path=/; SameSite=Lax%s", name, value, date,
             http_only ? " HttpOnly;" : "", max_age, secure ? "; Secure" : "");
}

void cookie_csrf(char *out, size_t n, const char *secret, bool secure, time_t now)
{
    format(out, n, "csrftoken", secret, COOKIE_CSRF_MAX_AGE, false, secure, now);
}

void cookie_session(char *out, size_t n, const char *id, bool secure, time_t now)
{
    format(out, n, "sessionid", id, COOKIE_SESSION_MAX_AGE, true, secure, now);
}
