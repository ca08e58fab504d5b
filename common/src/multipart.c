/* multipart/form-data parsing in place (RFC 7578 / RFC 2046 framing). Every
 * scan is bounded by the buffer length; all limits are checked before any
 * allocation that depends on them. */
#define _GNU_SOURCE
#include "echo/multipart.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_HEADER 8192

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 2046 bchars: digits, letters and '()+_,-./:=? and space (not last). */
static bool boundary_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

/* Reads one parameter value at *p (quoted-string or token) up to end into a
 * heap string; advances *p. NULL when malformed or containing NUL. */
static char *read_param_value(const char **p, const char *end)
{
    const char *s = *p;
    char *out = malloc((size_t)(end - s) + 1);
    if (!out)
        abort();
    size_t o = 0;
    if (s < end && *s == '"') {
        s++;
        while (s < end && *s != '"') {
            if (*s == '\\' && s + 1 < end)
                s++;
            if (*s == '\0')
                goto bad;
            out[o++] = *s++;
        }
        if (s >= end)
            goto bad; /* unterminated quote */
        s++;
    } else {
        while (s < end && *s != ';' && *s != ' ' && *s != '\t') {
            if (*s == '\0')
                goto bad;
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    *p = s;
    return out;
bad:
    free(out);
    return NULL;
}

/* RFC 5987 ext-value: charset'lang'pct-encoded; only UTF-8 is accepted. */
static char *decode_ext_value(const char *v)
{
    const char *q1 = strchr(v, '\'');
    if (!q1 || (size_t)(q1 - v) != 5 || strncasecmp(v, "utf-8", 5) != 0)
        return NULL;
    const char *q2 = strchr(q1 + 1, '\'');
    if (!q2)
        return NULL;
    const char *s = q2 + 1;
    char *out = malloc(strlen(s) + 1);
    if (!out)
        abort();
    size_t o = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == '%') {
            if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
                goto bad;
            c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
            if (c == '\0')
                goto bad;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* Parses `form-data; name="x"; filename="y"` into part; false if malformed. */
static bool parse_disposition(const char *v, const char *end, multipart_part_t *part)
{
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    if ((size_t)(end - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
        return false;
    v += 9;
    char *ext_filename = NULL;
    bool ok = true;
    while (ok && v < end) {
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        if (v >= end)
            break;
        if (*v != ';') {
            ok = false;
            break;
        }
        v++;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        const char *key = v;
        while (v < end && *v != '=' && *v != ';')
            v++;
        size_t klen = (size_t)(v - key);
        while (klen && (key[klen - 1] == ' ' || key[klen - 1] == '\t'))
            klen--;
        if (v >= end || *v != '=') {
            ok = klen > 0; /* a bare flag parameter is ignored */
            continue;
        }
        v++;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        char *val = read_param_value(&v, end);
        if (!val) {
            ok = false;
            break;
        }
        char **slot = NULL;
        if (klen == 4 && strncasecmp(key, "name", 4) == 0)
            slot = &part->name;
        else if (klen == 8 && strncasecmp(key, "filename", 8) == 0)
            slot = &part->filename;
        if (slot && !*slot) {
            *slot = val;
        } else if (klen == 9 && strncasecmp(key, "filename*", 9) == 0 && !ext_filename) {
            ext_filename = decode_ext_value(val);
            free(val);
            ok = ext_filename != NULL;
        } else {
            free(val); /* duplicates and unknown parameters are ignored */
        }
    }
    if (ext_filename) {
        free(part->filename);
        part->filename = ext_filename;
    }
    return ok && part->name != NULL;
}

/* Parses the header block [h, end) of one part (lines separated by CRLF). */
static bool parse_headers(const char *h, const char *end, multipart_part_t *part)
{
    bool have_disposition = false;
    while (h < end) {
        const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
        const char *line_end = eol ? eol : end;
        const char *colon = memchr(h, ':', (size_t)(line_end - h));
        if (!colon)
            return false;
        size_t nlen = (size_t)(colon - h);
        const char *v = colon + 1;
        if (nlen == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
            if (have_disposition || !parse_disposition(v, line_end, part))
                return false;
            have_disposition = true;
        } else if (nlen == 12 && strncasecmp(h, "Content-Type", 12) == 0 && !part->content_type) {
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            if (memchr(v, '\0', (size_t)(line_end - v)))
                return false;
            part->content_type = strndup(v, (size_t)(line_end - v));
            if (!part->content_type)
                abort();
        }
        h = eol ? eol + 2 : end;
    }
    return have_disposition;
}

bool multipart_boundary(const char *content_type, char *out)
{
    if (!content_type)
        return false;
    const char *p = content_type;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "multipart/form-data", 19) != 0)
        return false;
    p += 19;
    while (*p) {
        const char *semi = strchr(p, ';');
        if (!semi)
            return false;
        p = semi + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        const char *end = p + strlen(p);
        char *val = read_param_value(&p, end);
        if (!val)
            return false;
        size_t n = strlen(val);
        bool ok = n >= 1 && n <= MULTIPART_BOUNDARY_MAX && val[n - 1] != ' ';
        for (size_t i = 0; ok && i < n; i++)
            ok = boundary_char(val[i]);
        if (ok)
            memcpy(out, val, n + 1);
        free(val);
        return ok;
    }
    return false;
}

static void part_free(multipart_part_t *part)
{
    free(part->name);
    free(part->filename);
    free(part->content_type);
}

void multipart_free(multipart_t *mp)
{
    for (size_t i = 0; i < mp->nparts; i++)
        part_free(&mp->parts[i]);
    free(mp->parts);
    mp->parts = NULL;
    mp->nparts = 0;
}

multipart_status_t multipart_parse(const char *body, size_t len, const char *boundary,
                                   const multipart_limits_t *limits, multipart_t *out)
{
    multipart_status_t st = MULTIPART_MALFORMED;
    size_t blen = strlen(boundary);
    size_t max_header = limits->max_header_bytes ? limits->max_header_bytes : DEFAULT_MAX_HEADER;
    size_t field_bytes = 0, files = 0, cap = 0;
    char delim[MULTIPART_BOUNDARY_MAX + 5];
    out->parts = NULL;
    out->nparts = 0;
    if (blen == 0 || blen > MULTIPART_BOUNDARY_MAX)
        return MULTIPART_MALFORMED;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;

    /* The first delimiter may open the body without the leading CRLF. */
    const char *end = body + len, *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;
    } else {
        const char *d = memmem(body, len, delim, dlen);
        if (!d)
            goto fail;
        p = d + dlen;
    }

    for (;;) {
        /* p is just past a delimiter. */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            st = MULTIPART_OK;
            break; /* close delimiter; the epilogue is ignored */
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            goto fail;
        p += 2;

        multipart_part_t part = {0};
        const char *hend;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p; /* no headers at all: rejected below (no name) */
        } else {
            size_t window = (size_t)(end - p) < max_header + 4 ? (size_t)(end - p) : max_header + 4;
            hend = memmem(p, window, "\r\n\r\n", 4);
            if (!hend) {
                goto fail;
            }
            hend += 2; /* keep the last header's CRLF out of the block */
        }
        if (!parse_headers(p, hend, &part)) {
            part_free(&part);
            goto fail;
        }
        const char *data = hend + 2;
        const char *next = memmem(data, (size_t)(end - data), delim, dlen);
        if (!next) {
            part_free(&part);
            goto fail;
        }
        part.data = data;
        part.len = (size_t)(next - data);

        if (limits->max_parts && out->nparts >= limits->max_parts) {
            part_free(&part);
            st = MULTIPART_TOO_MANY;
            goto fail;
        }
        if (part.filename) {
            files++;
            if (limits->max_files && files > limits->max_files) {
                part_free(&part);
                st = MULTIPART_TOO_MANY;
                goto fail;
            }
            if (limits->max_file_bytes && part.len > limits->max_file_bytes) {
                part_free(&part);
                st = MULTIPART_FILE_TOO_BIG;
                goto fail;
            }
        } else {
            field_bytes += part.len;
            if (limits->max_field_bytes && field_bytes > limits->max_field_bytes) {
                part_free(&part);
                st = MULTIPART_FIELDS_TOO_BIG;
                goto fail;
            }
        }
        if (out->nparts == cap) {
            cap = cap ? cap * 2 : 4;
            multipart_part_t *grown = realloc(out->parts, cap * sizeof *grown);
            if (!grown)
                abort();
            out->parts = grown;
        }
        out->parts[out->nparts++] = part;
        p = next + dlen;
    }
    return st;
fail:
    multipart_free(out);
    return st;
}

const multipart_part_t *multipart_get(const multipart_t *mp, const char *name)
{
    for (size_t i = 0; i < mp->nparts; i++)
        if (strcmp(mp->parts[i].name, name) == 0)
            return &mp->parts[i];
    return NULL;
}
