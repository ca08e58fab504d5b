/* Fuzzes the request bodies of auth's endpoints (api.md §0, 4.3, 4.6, 4.9):
 * body_parse with each Content-Type the gateway may pass, then every field
 * the login, register and profile handlers read, the username rules and the
 * password rules on the values found; and the session.resolve request's
 * session_id handling. The first byte picks the mode:
 *   0 JSON, 1 urlencoded, 2 multipart (boundary "fuzzb"),
 *   3 "CONTENT-TYPE\nBODY", 4 echochat.auth.session.resolve request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "echo/json.h"
#include "fuzz_lines.h"
#include "password.h"
#include "session.h"
#include "username.h"

#define FUZZ_MAX_BODY 65536

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Cheapest argon2 parameters: init hashes one dummy password. */
    static const auth_config_t cfg = {
        .argon2_memory_kib = 8, .argon2_iterations = 1, .argon2_parallelism = 1};
    if (password_init(&cfg) != 0)
        abort();
    return 0;
}

static void check_username(const char *raw, size_t len)
{
    char *clean = NULL, msg[512];
    size_t count = 0;
    username_status_t st = username_clean(raw, len, &clean, &count);
    if (st == USERNAME_OK && (!clean || !*clean))
        abort();
    username_message(st, count, msg, sizeof msg);
    free(clean);
}

static void resolve_request(const char *data, size_t len)
{
    cJSON *req = json_parse(data, len);
    const char *sid = json_str(req, "session_id");
    if (sid && session_id_well_formed(sid)) {
        char hex[65];
        if (session_hash(sid, hex) != 0 || strlen(hex) != 64)
            abort();
    }
    cJSON_Delete(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_MAX_BODY)
        return 0;
    int mode = data[0] % 5;
    const uint8_t *p = data + 1, *end = data + size;
    char *ct = NULL;
    switch (mode) {
    case 0: ct = strdup("application/json"); break;
    case 1: ct = strdup("application/x-www-form-urlencoded"); break;
    case 2: ct = strdup("multipart/form-data; boundary=fuzzb"); break;
    case 3: ct = fuzz_take_line(&p, end); break;
    case 4: {
        char *copy = malloc((size_t)(end - p) + 1);
        memcpy(copy, p, (size_t)(end - p));
        resolve_request(copy, (size_t)(end - p));
        free(copy);
        return 0;
    }
    }
    size_t blen = (size_t)(end - p);
    char *body = malloc(blen ? blen : 1);
    if (!ct || !body)
        abort();
    memcpy(body, p, blen);
    http_req_t req = {.method = "POST", .path = "/api/auth/login/", .raw_path = "/api/auth/login/",
                      .query = "", .content_type = ct, .body = body, .body_len = blen};
    body_t b;
    body_parse(&req, 8192, &b);
    if (b.status == BODY_OK) {
        static const char *const fields[] = {"username", "password", "password1", "password2",
                                             "email", "bio", "csrfmiddlewaretoken"};
        char *val[7] = {0};
        size_t vlen[7] = {0};
        field_kind_t kind[7];
        for (size_t i = 0; i < 7; i++) {
            kind[i] = body_field(&b, fields[i], &val[i], &vlen[i]);
            if (kind[i] == FIELD_STRING && (!val[i] || strlen(val[i]) > vlen[i]))
                abort();
        }
        if (kind[0] == FIELD_STRING)
            check_username(val[0], vlen[0]);
        for (size_t i = 1; i <= 3; i++)
            if (kind[i] == FIELD_STRING && vlen[i] <= 4096) {
                (void)password_acceptable(true, val[i], vlen[i], val[0], val[4]);
                (void)password_acceptable(false, val[i], vlen[i], val[0], val[4]);
            }
        const multipart_part_t *img = body_file(&b, "image");
        if (img && (img->data < body || img->data + img->len > body + blen))
            abort();
        for (size_t i = 0; i < 7; i++)
            free(val[i]);
    }
    body_free(&b);
    free(body);
    free(ct);
    return 0;
}
