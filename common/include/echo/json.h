/* JSON helpers over cJSON: typed field access and the reference server's
 * output format (ASCII-only, ", " and ": " separators; api.md §0). */
#ifndef ECHO_JSON_H
#define ECHO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Parses exactly len bytes; NULL on malformed JSON or trailing garbage. */
cJSON *json_parse(const char *data, size_t len);

/* Field accessors: NULL / false when the key is missing or has another type. */
const char *json_str(const cJSON *obj, const char *key);
bool json_int(const cJSON *obj, const char *key, int64_t *out);
bool json_bool(const cJSON *obj, const char *key, bool *out);

/* Serialises in the reference format: non-ASCII as \uXXXX (surrogate pairs
 * above U+FFFF), separators ", " and ": ". Heap string; *len_out optional. */
char *json_print_compat(const cJSON *item, size_t *len_out);
/* Compact UTF-8 serialisation for internal NATS traffic. */
char *json_print_compact(const cJSON *item, size_t *len_out);

#endif
