/* Fuzzes the values chat reads from query strings and admin bodies: history
 * paging (limit/before/after, api.md 4.13, P8), integer parsing, admin
 * filters (ILIKE pattern of q, ISO-8601 since/until/created_at), message
 * text checks (admin PATCH content), labels and the slug rule (D5).
 * Input: "QUERY\nVALUE". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "echo/isotime.h"
#include "echo/text.h"
#include "fuzz_lines.h"

static regex_t slug_re;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[128];
    if (!chat_slug_regex_compile(&slug_re, CHAT_DEFAULT_SLUG_REGEX, err, sizeof err))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *query = fuzz_take_line(&p, end);
    size_t vlen = (size_t)(end - p);
    char *value = strndup((const char *)p, vlen);
    if (!value)
        abort();
    vlen = strlen(value);

    chat_page_t page;
    chat_page_parse(query, &page);
    if (page.limit < 1 || page.limit > 200)
        abort();
    int64_t n;
    (void)chat_parse_int(value, &n);

    int64_t us;
    if (isotime_parse(value, &us)) {
        char buf[64];
        isotime_format(us, buf, sizeof buf);
        int64_t again;
        if (!isotime_parse(buf, &again) || again != us)
            abort(); /* what we print must read back */
    }
    char *like = chat_like_pattern(value);
    if (!like || like[0] != '%' || like[strlen(like) - 1] != '%')
        abort();
    free(like);

    char *content = NULL;
    if (chat_text_check(value, vlen, 500, &content) == CHAT_TEXT_OK) {
        if (!text_valid_utf8(content, strlen(content)))
            abort();
        free(content);
    }
    if (text_valid_utf8(value, vlen)) {
        char *label = chat_label(value, 50);
        if (!label || !text_valid_utf8(label, strlen(label)))
            abort();
        free(label);
    }
    if (chat_slug_matches(&slug_re, value, vlen)) {
        /* D5: a valid slug is 3–50 chars of [A-Za-z0-9_-], nothing else. */
        if (vlen < 3 || vlen > 50 || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != vlen)
            abort();
    }
    free(query);
    free(value);
    return 0;
}
