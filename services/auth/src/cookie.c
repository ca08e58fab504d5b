/* Cookie formatting (api.md §2.1). */
#include "cookie.h"

#include <stdio.h>

#include "auth.h"

static void http_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void set_cookie(http_resp_t *resp, const char *name, const char *value, long max_age,
                       bool http_only, bool secure, time_t now)
{
    char date[64], line[512];
    http_date(now + max_age, date, sizeof date);
    snprintf(line, sizeof line, "%s=%s; expires=%s;%s Max-Age=%ld; Path=/; SameSite=Lax%s", name, value,
             date, http_only ? " HttpOnly;" : "", max_age, secure ? "; Secure" : "");
    http_resp_header(resp, "Set-Cookie", line);
}

void cookie_set_csrf(http_resp_t *resp, const char *secret, bool secure, time_t now)
{
    set_cookie(resp, "csrftoken", secret, AUTH_CSRF_COOKIE_AGE, false, secure, now);
}

void cookie_set_session(http_resp_t *resp, const char *id, bool secure, time_t now)
{
    set_cookie(resp, "sessionid", id, AUTH_SESSION_LIFETIME, true, secure, now);
}

void cookie_expire_session(http_resp_t *resp)
{
    http_resp_header(resp, "Set-Cookie",
                     "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; "
                     "SameSite=Lax");
}
