/* Fuzzes the body of PATCH /api/admin/users/<id>/ (docs/admin-api.md)
 * through auth's own parse/validate step, admin_read_patch: body_parse, the
 * editable-field allow-list, boolean flags, username/e-mail/bio rules. The
 * input is the raw body; the first byte picks the Content-Type (JSON, or
 * whatever the gateway may forward). Checks that a refusal is a 400 and an
 * accepted patch holds only validated values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/text.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    static const char *const types[] = {"application/json", "text/plain", NULL,
                                        "application/x-www-form-urlencoded"};
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    if (!body)
        abort();
    memcpy(body, data + 1, len);
    auth_t app = {.cfg = {.upload_max_bytes = 8192}};
    http_req_t req = {.method = "PATCH", .path = "/api/admin/users/1/",
                      .raw_path = "/api/admin/users/1/", .query = "",
                      .content_type = types[data[0] % 4], .body = body, .body_len = len};
    http_resp_t resp = {0};
    call_t c = {.app = &app, .req = &req, .resp = &resp};
    admin_patch_t p;
    if (admin_read_patch(&c, &p)) {
        if (resp.status != 0)
            abort(); /* accepted, yet something was answered */
        if ((p.username && (!*p.username || !text_valid_utf8(p.username, strlen(p.username)))) ||
            (p.bio && !text_valid_utf8(p.bio, strlen(p.bio))) || p.is_active < -1 ||
            p.is_active > 1 || p.is_staff < -1 || p.is_staff > 1 || p.is_superuser < -1 ||
            p.is_superuser > 1)
            abort();
    } else if (resp.status != 400) {
        abort();
    }
    admin_patch_free(&p);
    http_resp_free(&resp);
    free(body);
    return 0;
}
