/* Fuzzes multipart/form-data (avatar uploads, api.md §4.9): the boundary
 * parameter of a Content-Type and the body framing. Input: "CONTENT-TYPE\nBODY".
 * Checks that every part lies inside the body and that limits hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "echo/multipart.h"
#include "fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *ct = fuzz_take_line(&p, end);
    size_t len = (size_t)(end - p);
    /* A private copy so ASan sees reads past the body's end. */
    char *body = malloc(len ? len : 1);
    if (!body)
        abort();
    memcpy(body, p, len);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (!multipart_boundary(ct, boundary))
        strcpy(boundary, "X"); /* still exercise the body parser */
    static const multipart_limits_t limits = {
        .max_parts = 8, .max_files = 2, .max_field_bytes = 4096, .max_file_bytes = 16384};
    multipart_t mp;
    multipart_status_t st = multipart_parse(body, len, boundary, &limits, &mp);
    if (st == MULTIPART_OK) {
        size_t files = 0, fields = 0;
        if (mp.nparts > limits.max_parts)
            abort();
        for (size_t i = 0; i < mp.nparts; i++) {
            const multipart_part_t *part = &mp.parts[i];
            if (!part->name || part->data < body || part->data + part->len > body + len)
                abort();
            if (part->filename) {
                files++;
                if (part->len > limits.max_file_bytes)
                    abort();
            } else {
                fields += part->len;
            }
        }
        if (files > limits.max_files || fields > limits.max_field_bytes)
            abort();
        (void)multipart_get(&mp, "image");
        (void)multipart_get(&mp, "csrfmiddlewaretoken");
        multipart_free(&mp);
    } else if (mp.nparts != 0) {
        abort(); /* failure leaves out empty */
    }
    free(body);
    free(ct);
    return 0;
}
