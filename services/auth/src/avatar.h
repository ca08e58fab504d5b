/* Avatar images (api.md §4.9, D8, decision P13): real format detection,
 * a pixel cap checked from the header before decoding, downsizing into
 * 300×300 and re-encoding (which drops metadata) with libvips. */
#ifndef AUTH_AVATAR_H
#define AUTH_AVATAR_H

#include <stddef.h>

#define AVATAR_MAX_SIDE 300
#define AVATAR_MAX_PIXELS 40000000L
#define AVATAR_NAME_MAX 64

typedef enum {
    AVATAR_OK = 0,
    AVATAR_INVALID,     /* not an image, or damaged */
    AVATAR_UNSUPPORTED, /* an image, but not JPEG/PNG/GIF/WebP */
    AVATAR_TOO_BIG,     /* more pixels than the cap */
    AVATAR_ERROR,       /* encoder failure */
} avatar_status_t;

typedef struct {
    void *data; /* g_free'd by avatar_image_free */
    size_t len;
    const char *ext;          /* "jpg", "png", "gif", "webp" */
    const char *content_type; /* image/... */
    char name[AVATAR_NAME_MAX]; /* profile_pics/<32 hex>.<ext> */
    int width, height;
} avatar_image_t;

/* Process-wide libvips set-up (untrusted loaders blocked, no cache). */
int avatar_init(const char *argv0);

avatar_status_t avatar_process(const void *buf, size_t len, long max_pixels, avatar_image_t *out);
/* The generated default avatar (JPEG). */
int avatar_make_default(avatar_image_t *out);
void avatar_image_free(avatar_image_t *img);

/* Extensions accepted in the uploaded name, for the message of api.md 4.9. */
#define AVATAR_ALLOWED_EXTS "gif, jpeg, jpg, png, webp"
/* True when ext (without dot, any case) is one of them. */
int avatar_ext_allowed(const char *ext);

#endif
