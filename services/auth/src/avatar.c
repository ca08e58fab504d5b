/* Avatar processing with libvips. Safe on any worker thread: each call
 * builds its own pipeline; the operation cache is off so uploads are never
 * retained. */
#include "avatar.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <vips/vips.h>

#include "echo/log.h"

typedef struct {
    const char *loader;
    const char *ext;
    const char *content_type;
} format_t;

static const format_t FORMATS[] = {
    {"VipsForeignLoadJpegBuffer", "jpg", "image/jpeg"},
    {"VipsForeignLoadPngBuffer", "png", "image/png"},
    {"VipsForeignLoadNsgifBuffer", "gif", "image/gif"},
    {"VipsForeignLoadGifBuffer", "gif", "image/gif"},
    {"VipsForeignLoadWebpBuffer", "webp", "image/webp"},
};

int avatar_init(const char *argv0)
{
    if (VIPS_INIT(argv0) != 0) {
        log_error("avatar: libvips failed to start: %s", vips_error_buffer());
        return -1;
    }
    /* Formats parsed by large third-party libraries (ImageMagick, PDF, SVG)
     * are never offered to uploads. */
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    return 0;
}

int avatar_ext_allowed(const char *ext)
{
    static const char *const allowed[] = {"gif", "jpeg", "jpg", "png", "webp"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcasecmp(ext, allowed[i]) == 0)
            return 1;
    return 0;
}

static void name_for(avatar_image_t *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33];
    EVP_Digest(out->data, out->len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(out->name, sizeof out->name, "profile_pics/%s.%s", hex, out->ext);
}

static int save(VipsImage *img, const char *ext, void **data, size_t *len)
{
    if (strcmp(ext, "jpg") == 0)
        return vips_jpegsave_buffer(img, data, len, "Q", 88, "strip", TRUE, NULL);
    if (strcmp(ext, "png") == 0)
        return vips_pngsave_buffer(img, data, len, "strip", TRUE, NULL);
    if (strcmp(ext, "gif") == 0)
        return vips_gifsave_buffer(img, data, len, "strip", TRUE, NULL);
    return vips_webpsave_buffer(img, data, len, "Q", 88, "strip", TRUE, NULL);
}

avatar_status_t avatar_process(const void *buf, size_t len, long max_pixels, avatar_image_t *out)
{
    memset(out, 0, sizeof *out);
    avatar_status_t st = AVATAR_INVALID;
    VipsImage *header = NULL, *thumb = NULL;
    const char *loader = vips_foreign_find_load_buffer(buf, len);
    if (!loader) {
        vips_error_clear();
        return AVATAR_INVALID;
    }
    const format_t *fmt = NULL;
    for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0] && !fmt; i++)
        if (strcmp(loader, FORMATS[i].loader) == 0)
            fmt = &FORMATS[i];
    if (!fmt)
        return AVATAR_UNSUPPORTED;

    /* Opening is lazy: only the header is read here. */
    header = vips_image_new_from_buffer(buf, len, "", NULL);
    if (!header)
        goto done;
    long w = vips_image_get_width(header), h = vips_image_get_height(header);
    if (w <= 0 || h <= 0)
        goto done;
    if (w > max_pixels / h) {
        st = AVATAR_TOO_BIG;
        goto done;
    }
    /* Shrink-on-load where the format allows; never upscales. "fail_on"
     * makes truncated or corrupt data an error instead of grey pixels. */
    if (vips_thumbnail_buffer((void *)buf, len, &thumb, AVATAR_MAX_SIDE, "height", AVATAR_MAX_SIDE,
                              "size", VIPS_SIZE_DOWN, "option_string", "fail_on=error", NULL) != 0)
        goto done;
    if (save(thumb, fmt->ext, &out->data, &out->len) != 0)
        goto done;
    out->ext = fmt->ext;
    out->content_type = fmt->content_type;
    out->width = vips_image_get_width(thumb);
    out->height = vips_image_get_height(thumb);
    name_for(out);
    st = AVATAR_OK;
done:
    if (st != AVATAR_OK) {
        char *err = vips_error_buffer_copy();
        if (err && *err)
            log_info("avatar: rejected upload: %.200s", err);
        g_free(err);
        g_free(out->data);
        memset(out, 0, sizeof *out);
    }
    if (header)
        g_object_unref(header);
    if (thumb)
        g_object_unref(thumb);
    return st;
}

/* A neutral silhouette: light background, grey head and shoulders. */
int avatar_make_default(avatar_image_t *out)
{
    enum { S = AVATAR_MAX_SIDE };
    memset(out, 0, sizeof *out);
    unsigned char *px = malloc((size_t)S * S * 3);
    if (!px)
        return -1;
    for (int y = 0; y < S; y++) {
        for (int x = 0; x < S; x++) {
            double dx = x - S / 2.0, hy = y - S * 0.38, by = y - S * 0.95;
            bool head = dx * dx + hy * hy < (S * 0.18) * (S * 0.18);
            bool body = (dx * dx) / ((S * 0.34) * (S * 0.34)) + (by * by) / ((S * 0.36) * (S * 0.36)) < 1;
            unsigned char v = head || body ? 0xa8 : 0xe4;
            unsigned char *p = px + ((size_t)y * S + (size_t)x) * 3;
            p[0] = v;
            p[1] = v;
            p[2] = (unsigned char)(v + 6 > 255 ? 255 : v + 6);
        }
    }
    VipsImage *img = vips_image_new_from_memory(px, (size_t)S * S * 3, S, S, 3, VIPS_FORMAT_UCHAR);
    int rc = -1;
    if (img && vips_jpegsave_buffer(img, &out->data, &out->len, "Q", 90, "strip", TRUE, NULL) == 0) {
        out->ext = "jpg";
        out->content_type = "image/jpeg";
        out->width = S;
        out->height = S;
        snprintf(out->name, sizeof out->name, "default.jpg");
        rc = 0;
    }
    if (img)
        g_object_unref(img);
    free(px);
    return rc;
}

void avatar_image_free(avatar_image_t *img)
{
    g_free(img->data);
    memset(img, 0, sizeof *img);
}
