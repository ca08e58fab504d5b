/* GET /media/default.jpg and /media/profile_pics/<name> (decision P13):
 * files from auth.media with long-lived cache headers. Avatar names are
 * content-addressed, so they never change and are served as immutable. */
#include <string.h>

#include "auth.h"
#include "echo/http_route.h"
#include "http.h"
#include "media.h"

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
    http_resp_bytes(resp, 200, f.content_type, f.data, f.len);
    http_resp_header(resp, "ETag", f.etag);
    http_resp_header(resp, "Cache-Control", strcmp(name, AUTH_DEFAULT_AVATAR) == 0
                                                ? "public, max-age=86400"
                                                : "public, max-age=31536000, immutable");
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    media_file_free(&f);
}
