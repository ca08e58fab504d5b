/* Request bodies of the auth endpoints (api.md §0): urlencoded and multipart
 * forms are read as fields, anything else as JSON. Values are classified the
 * way the reference's truthiness tests see them. */
#ifndef AUTH_BODY_H
#define AUTH_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "echo/http_route.h"
#include "echo/multipart.h"

typedef enum {
    BODY_OK = 0,
    BODY_EMPTY,           /* missing, empty, invalid JSON, null, {} or an empty form */
    BODY_NOT_OBJECT,      /* JSON that is not an object (D3) */
    BODY_MALFORMED,       /* invalid UTF-8, NUL escapes or a broken multipart body */
    BODY_FIELDS_TOO_LARGE,/* non-file data over DJANGO_UPLOAD_MAX_MB (400) */
    BODY_FILE_TOO_LARGE,  /* a file over DJANGO_UPLOAD_MAX_MB (413) */
} body_status_t;

typedef enum {
    FIELD_ABSENT = 0,
    FIELD_FALSY,    /* null, false, 0, "", [] or {} */
    FIELD_STRING,   /* non-empty string (form values are always strings) */
    FIELD_BAD_TYPE, /* a truthy value that is not a string */
} field_kind_t;

typedef struct {
    body_status_t status;
    cJSON *json;          /* JSON bodies */
    multipart_t mp;       /* multipart bodies */
    const char *form;     /* urlencoded bodies (points into the request) */
    size_t form_len;
    bool is_multipart;
} body_t;

/* Parses req's body; max_bytes caps non-file data and each file. */
void body_parse(const http_req_t *req, size_t max_bytes, body_t *out);
void body_free(body_t *b);

/* Field value: on FIELD_STRING (and FIELD_FALSY for an empty string) *value
 * is a heap copy of exactly *len bytes (NUL-terminated, may contain NUL for
 * form data, which the caller rejects). */
field_kind_t body_field(const body_t *b, const char *name, char **value, size_t *len);
/* The uploaded file of a multipart body, or NULL. */
const multipart_part_t *body_file(const body_t *b, const char *name);

#endif
