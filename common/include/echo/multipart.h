/* multipart/form-data bodies (RFC 7578) parsed in place: the parts point into
 * the caller's buffer, nothing is copied but the header parameters. Written
 * for hostile input: every length is checked, limits are explicit, and a
 * malformed body is an error, never a crash. */
#ifndef ECHO_MULTIPART_H
#define ECHO_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 §5.1.1 */

typedef enum {
    MULTIPART_OK = 0,
    MULTIPART_MALFORMED = -1,    /* bad framing, headers or boundary */
    MULTIPART_TOO_MANY = -2,     /* more parts (or files) than allowed */
    MULTIPART_FIELDS_TOO_BIG = -3, /* non-file data above the limit */
    MULTIPART_FILE_TOO_BIG = -4, /* one file above the limit */
} multipart_status_t;

typedef struct {
    size_t max_parts;       /* parts of any kind */
    size_t max_files;       /* parts that carry a filename */
    size_t max_field_bytes; /* sum of all non-file part bodies */
    size_t max_file_bytes;  /* each file body */
    size_t max_header_bytes;/* headers of one part */
} multipart_limits_t;

typedef struct {
    char *name;         /* form field name (heap, NUL-free) */
    char *filename;     /* heap, NULL for plain fields; "" when sent empty */
    char *content_type; /* heap, NULL when the part has none */
    const char *data;   /* points into the parsed body */
    size_t len;
} multipart_part_t;

typedef struct {
    multipart_part_t *parts;
    size_t nparts;
} multipart_t;

/* Copies the boundary parameter of a multipart/form-data Content-Type into
 * out[MULTIPART_BOUNDARY_MAX + 1]. False when the type is not
 * multipart/form-data or the boundary is missing or invalid. */
bool multipart_boundary(const char *content_type, char *out);

/* Parses body with boundary. On success fills out (free with multipart_free);
 * on failure out is empty. Limits of 0 mean "no limit" except max_header_bytes
 * (0 = 8 KiB). */
multipart_status_t multipart_parse(const char *body, size_t len, const char *boundary,
                                   const multipart_limits_t *limits, multipart_t *out);

/* First part named name, or NULL. */
const multipart_part_t *multipart_get(const multipart_t *mp, const char *name);

void multipart_free(multipart_t *mp);

#endif
