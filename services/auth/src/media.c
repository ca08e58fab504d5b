/* Media storage in PostgreSQL (decision P13: no shared filesystem between
 * daemons). Names are content-addressed, so a stored file never changes and
 * its ETag is fixed. Runs on bus worker threads and at start-up. */
#include "media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "avatar.h"
#include "echo/db.h"
#include "echo/log.h"

media_status_t media_get(const char *name, media_file_t *out)
{
    memset(out, 0, sizeof *out);
    const char *params[] = {name};
    PGresult *r = db_query("SELECT content_type, etag, data FROM auth.media WHERE name = $1", 1, params);
    if (!r)
        return MEDIA_ERROR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return MEDIA_MISSING;
    }
    out->content_type = strdup(PQgetvalue(r, 0, 0));
    out->etag = strdup(PQgetvalue(r, 0, 1));
    out->data = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 2), &out->len);
    PQclear(r);
    if (!out->content_type || !out->etag || !out->data) {
        media_file_free(out);
        return MEDIA_ERROR;
    }
    return MEDIA_FOUND;
}

void media_file_free(media_file_t *f)
{
    free(f->content_type);
    free(f->etag);
    if (f->data)
        PQfreemem(f->data);
    memset(f, 0, sizeof *f);
}

int media_put(const char *name, const char *content_type, const void *data, size_t len)
{
    /* bytea hex input: "\x" then two hex digits per byte. */
    char *hex = malloc(2 * len + 3);
    if (!hex)
        abort();
    static const char digits[] = "0123456789abcdef";
    hex[0] = '\\';
    hex[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        hex[2 + 2 * i] = digits[((const unsigned char *)data)[i] >> 4];
        hex[3 + 2 * i] = digits[((const unsigned char *)data)[i] & 15];
    }
    hex[2 + 2 * len] = '\0';
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char etag[2 + 2 * 16 + 1] = "\"";
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(etag + 1 + 2 * i, 3, "%02x", md[i]);
    strcat(etag, "\"");
    const char *params[] = {name, content_type, etag, hex};
    PGresult *r = db_query("INSERT INTO auth.media (name, content_type, etag, data)"
                           " VALUES ($1, $2, $3, $4::bytea) ON CONFLICT (name) DO NOTHING",
                           4, params);
    free(hex);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int media_ensure_default(void)
{
    const char *params[] = {AUTH_DEFAULT_AVATAR};
    PGresult *r = db_query("SELECT 1 FROM auth.media WHERE name = $1", 1, params);
    if (!r)
        return -1;
    int have = PQntuples(r);
    PQclear(r);
    if (have)
        return 0;
    avatar_image_t img;
    if (avatar_make_default(&img) != 0) {
        log_error("media: could not generate %s", AUTH_DEFAULT_AVATAR);
        return -1;
    }
    int rc = media_put(AUTH_DEFAULT_AVATAR, img.content_type, img.data, img.len);
    if (rc == 0)
        log_info("media: generated %s (%zu bytes)", AUTH_DEFAULT_AVATAR, img.len);
    avatar_image_free(&img);
    return rc;
}
