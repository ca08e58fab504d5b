/* User JSON views (api.md §3, §5.1): shared by auth and the gateway so the
 * two can never format a User differently. */
#include "echo/user_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/isotime.h"

char *user_view_media_url(const char *base_url, const char *name)
{
    size_t blen = strlen(base_url), nlen = strlen(name);
    char *out = malloc(blen + 7 + 3 * nlen + 1);
    if (!out)
        abort();
    memcpy(out, base_url, blen);
    memcpy(out + blen, "/media/", 7);
    size_t o = blen + 7;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("_.-~/", c)) {
            out[o++] = (char)c;
        } else {
            o += (size_t)sprintf(out + o, "%%%02X", c);
        }
    }
    out[o] = '\0';
    return out;
}

static cJSON *view(const user_view_t *u, const char *base_url, bool own)
{
    char joined[ISOTIME_LEN];
    isotime_format(u->date_joined_us, joined, sizeof joined);
    char *url = user_view_media_url(base_url ? base_url : "", u->avatar ? u->avatar : "");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "username", u->username ? u->username : "");
    cJSON_AddStringToObject(o, "email", own && u->email ? u->email : "");
    cJSON_AddStringToObject(o, "profileImage", url);
    cJSON_AddStringToObject(o, "bio", u->bio ? u->bio : "");
    cJSON_AddStringToObject(o, "registeredAt", joined);
    if (own) {
        cJSON_AddBoolToObject(o, "is_staff", u->is_staff);
        cJSON_AddBoolToObject(o, "is_superuser", u->is_superuser);
    } else {
        /* Presence owns "last seen" (filled in by the caller); the key is
         * always present so clients can rely on it. */
        cJSON_AddNullToObject(o, "lastSeen");
    }
    free(url);
    return o;
}

cJSON *user_view_own(const user_view_t *u, const char *base_url)
{
    return view(u, base_url, true);
}

cJSON *user_view_public(const user_view_t *u, const char *base_url)
{
    return view(u, base_url, false);
}
