/* Fuzzes daemon-side HTTP routing: path decoding, pattern matching with
 * parameters, the slash-redirect rule, CSRF verdict and method checks, and
 * urlencoded field lookup. Input: "METHOD\nPATH\nQUERY\nVERDICT\nBODY". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/http_route.h"

static void handler(http_req_t *req, http_resp_t *resp, void *ctx)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < req->nparams; i++)
        cJSON_AddItemToObject(o, "p", cJSON_CreateString(req->params[i]));
    http_resp_json(resp, 200, o);
}

static const http_route_t routes[] = {
    {"/api/auth/session/", "GET", handler},
    {"/api/auth/users/<>/", "GET", handler},
    {"/api/chat/rooms/<>/messages/", "GET", handler},
    {"/api/admin/users/<>/password/", "POST", handler},
    {"/media/profile_pics/<>", "GET", handler},
    {NULL, NULL, NULL},
};

static char *take_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = strndup((const char *)*p, n);
    *p += n + (nl ? 1 : 0);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *method = take_line(&p, end);
    char *raw = take_line(&p, end);
    char *query = take_line(&p, end);
    char *verdict = take_line(&p, end);
    size_t body_len = (size_t)(end - p);

    char *path = http_unescape(raw, strlen(raw), false);
    if (path) {
        http_req_t req = {.method = method, .raw_path = raw, .path = path, .query = query};
        http_resp_t resp = {0};
        http_dispatch(routes, &req, *verdict ? verdict : NULL, &resp, NULL);
        for (int i = 0; i < req.nparams; i++)
            free(req.params[i]);
        http_resp_free(&resp);
        free(path);
    }
    free(http_form_get((const char *)p, body_len, "csrfmiddlewaretoken"));
    free(http_form_get(query, strlen(query), "limit"));
    free(method);
    free(raw);
    free(query);
    free(verdict);
    return 0;
}
