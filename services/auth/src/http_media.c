/* GET /media/default.jpg and /media/profile_pics/<name> (decision P13):
 * files from auth.media with long-lived cache headers. Avatar names are
 * content-addressed, so they never change and are served as immutable. */
#include <stdbool.h>
#include <string.h>

#include "auth.h"
#include "echo/http_route.h"
#include "http.h"
#include "media.h"

/* If-None-Match (forwarded by the gateway as Http-If-None-Match): a list of
 * entity tags or "*"; weak tags compare equal for GET. */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t elen = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == elen && memcmp(p, etag, n) == 0)
            return true;
        if (!end)
            break;
        p = end;
    }
    return false;
}

void h_media(http_req_t *req, http_resp_t *resp, void *ctx)
{
    const char *name = req->path + strlen("/media/");
    media_file_t f;
    media_status_t st = media_get(name, &f);
    if (st == MEDIA_ERROR) {
        http_resp_error(resp, 503, "unavailable", "Сервис временно недоступен, попробуйте позже");
        return;
    }
    if (st == MEDIA_MISSING) {
        http_resp_error(resp, 404, "not_found", "Not found");
        return;
    }
    const char *inm = req->msg ? bus_header(req->msg, "Http-If-None-Match") : NULL;
    if (etag_matches(inm, f.etag))
        resp->status = 304;
    else
        http_resp_bytes(resp, 200, f.content_type, f.data, f.len);
    http_resp_header(resp, "ETag", f.etag);
    http_resp_header(resp, "Cache-Control", strcmp(name, AUTH_DEFAULT_AVATAR) == 0
                                                ? "public, max-age=86400"
                                                : "public, max-age=31536000, immutable");
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    media_file_free(&f);
}
