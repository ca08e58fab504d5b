/* Fuzzes avatar processing (D8, P13) with libvips on hostile bytes: format
 * detection, the pixel cap read from the header, decoding, downsizing and
 * re-encoding. Inputs above 64 KiB are skipped and the pixel cap is lowered
 * so one run stays bounded; an accepted image must come out ≤ 300×300 in
 * one of the four allowed formats. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avatar.h"

#define FUZZ_AVATAR_MAX_LEN 65536
#define FUZZ_AVATAR_MAX_PIXELS 4000000L

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (avatar_init((*argv)[0]) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_AVATAR_MAX_LEN)
        return 0;
    avatar_image_t img;
    memset(&img, 0, sizeof img);
    avatar_status_t st = avatar_process(data, size, FUZZ_AVATAR_MAX_PIXELS, &img);
    if (st == AVATAR_OK) {
        if (!img.data || !img.len || img.width < 1 || img.height < 1 ||
            img.width > AVATAR_MAX_SIDE || img.height > AVATAR_MAX_SIDE ||
            !avatar_ext_allowed(img.ext) || strncmp(img.name, "profile_pics/", 13) != 0)
            abort();
        avatar_image_free(&img);
    }
    return 0;
}
