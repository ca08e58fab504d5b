/* Media files (avatars, default.jpg) in auth.media, served under /media/. */
#ifndef AUTH_MEDIA_H
#define AUTH_MEDIA_H

#include <stddef.h>

typedef struct {
    char *content_type;
    char *etag;
    unsigned char *data; /* PQfreemem'd by media_file_free */
    size_t len;
} media_file_t;

typedef enum { MEDIA_FOUND = 0, MEDIA_MISSING = 1, MEDIA_ERROR = -1 } media_status_t;

media_status_t media_get(const char *name, media_file_t *out);
void media_file_free(media_file_t *f);
/* Stores a file under name unless it exists (names are content-addressed). */
int media_put(const char *name, const char *content_type, const void *data, size_t len);
/* Generates and stores default.jpg when missing (first start). */
int media_ensure_default(void);

#endif
