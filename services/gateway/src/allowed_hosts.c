/* DJANGO_ALLOWED_HOSTS matching, shared by the Host check of the HTTP front
 * and the Origin check of WebSocket handshakes. */
#include "allowed_hosts.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool allowed_hosts_match(char *const *allowed, const char *host_header)
{
    if (!host_header || !*host_header)
        return false;
    char host[256];
    snprintf(host, sizeof host, "%s", host_header);
    char *colon = host[0] == '[' ? strchr(host, ']') : strrchr(host, ':');
    if (host[0] == '[') {
        if (!colon)
            return false;
        colon[1] = '\0';
    } else if (colon) {
        *colon = '\0';
    }
    size_t hl = strlen(host);
    if (hl && host[hl - 1] == '.')
        host[--hl] = '\0';
    for (char *const *a = allowed; a && *a; a++) {
        const char *pat = *a;
        if (strcmp(pat, "*") == 0 || strcasecmp(pat, host) == 0)
            return true;
        if (pat[0] == '.') {
            size_t pl = strlen(pat);
            if (strcasecmp(host, pat + 1) == 0 ||
                (hl > pl && strcasecmp(host + hl - pl, pat) == 0))
                return true;
        }
    }
    return false;
}

