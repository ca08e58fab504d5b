/* CSRF verdict: the reference framework's origin and referer rules plus the
 * token comparison from common/csrf.c. */
#include "csrf_guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "echo/csrf.h"

/* "example.com" and "a.example.com" match ".example.com"; otherwise exact
 * (case-insensitive) equality. */
static bool same_domain(const char *host, const char *pattern)
{
    if (!*pattern)
        return false;
    if (pattern[0] == '.') {
        size_t hl = strlen(host), pl = strlen(pattern);
        if (strcasecmp(host, pattern + 1) == 0)
            return true;
        return hl > pl && strcasecmp(host + hl - pl, pattern) == 0;
    }
    return strcasecmp(host, pattern) == 0;
}

/* Splits "scheme://netloc[/...]" into its parts; false if not of that shape. */
static bool split_url(const char *url, char *scheme, size_t sl, char *netloc, size_t nl)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url || (size_t)(sep - url) >= sl)
        return false;
    memcpy(scheme, url, (size_t)(sep - url));
    scheme[sep - url] = '\0';
    const char *h = sep + 3;
    size_t n = strcspn(h, "/?#");
    if (n == 0 || n >= nl)
        return false;
    memcpy(netloc, h, n);
    netloc[n] = '\0';
    return true;
}

static const char *check_origin(char *const *trusted, const csrf_request_t *r)
{
    static _Thread_local char reason[300];
    char good[300];
    snprintf(good, sizeof good, "%s://%s", r->secure ? "https" : "http", r->host ? r->host : "");
    if (strcmp(r->origin, good) == 0)
        return NULL;
    for (char *const *t = trusted; t && *t; t++)
        if (strcmp(r->origin, *t) == 0)
            return NULL;
    char oscheme[16], onet[256];
    if (split_url(r->origin, oscheme, sizeof oscheme, onet, sizeof onet)) {
        for (char *const *t = trusted; t && *t; t++) {
            char tscheme[16], tnet[256];
            if (!strstr(*t, "://*.") || !split_url(*t, tscheme, sizeof tscheme, tnet, sizeof tnet))
                continue;
            if (strcmp(tscheme, oscheme) == 0 && same_domain(onet, tnet + 1))
                return NULL;
        }
    }
    snprintf(reason, sizeof reason, "Origin checking failed - %.200s does not match any trusted origins.",
             r->origin);
    return reason;
}

static const char *check_referer(char *const *trusted, const csrf_request_t *r)
{
    static _Thread_local char reason[300];
    if (!r->referer || !*r->referer)
        return "Referer checking failed - no Referer.";
    char scheme[16], netloc[256];
    if (!split_url(r->referer, scheme, sizeof scheme, netloc, sizeof netloc))
        return "Referer checking failed - Referer is malformed.";
    if (strcmp(scheme, "https") != 0)
        return "Referer checking failed - Referer is insecure while host is secure.";
    if (r->host && strcasecmp(netloc, r->host) == 0)
        return NULL;
    for (char *const *t = trusted; t && *t; t++) {
        char tscheme[16], tnet[256];
        if (!split_url(*t, tscheme, sizeof tscheme, tnet, sizeof tnet))
            continue;
        if (same_domain(netloc, tnet[0] == '*' ? tnet + 1 : tnet))
            return NULL;
    }
    snprintf(reason, sizeof reason,
             "Referer checking failed - %.200s does not match any trusted origins.", r->referer);
    return reason;
}

const char *csrf_guard_check(char *const *trusted_origins, const csrf_request_t *r)
{
    const char *why = NULL;
    if (r->origin)
        why = check_origin(trusted_origins, r);
    else if (r->secure)
        why = check_referer(trusted_origins, r);
    if (why)
        return why;
    return csrf_check_token(r->cookie, r->token);
}
