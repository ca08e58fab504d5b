/* Chat settings (config.md §2, C4) and the room-name rule built on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"

bool chat_slug_regex_compile(regex_t *re, const char *src, char *err, size_t errlen)
{
    int rc = regcomp(re, src, REG_EXTENDED);
    if (rc != 0) {
        regerror(rc, re, err, errlen);
        regfree(re);
        return false;
    }
    return true;
}

bool chat_slug_matches(const regex_t *re, const char *slug, size_t len)
{
    /* regexec works on C strings: an embedded NUL would hide the rest. */
    if (memchr(slug, '\0', len))
        return false;
    regmatch_t m;
    /* POSIX matching is leftmost-longest, so if any match spans the whole
     * string, the match found at offset 0 is that one. */
    if (regexec(re, slug, 1, &m, 0) != 0)
        return false;
    return m.rm_so == 0 && (size_t)m.rm_eo == len;
}

bool chat_room_name_allowed(const chat_config_t *cfg, const char *room, size_t len)
{
    if (len == strlen(CHAT_PUBLIC_SLUG) && memcmp(room, CHAT_PUBLIC_SLUG, len) == 0)
        return true;
    return chat_slug_matches(&cfg->slug_regex, room, len);
}

void chat_config_load(cfg_t *c, chat_config_t *out)
{
    memset(out, 0, sizeof *out);
    out->max_length = cfg_int(c, "CHAT_MESSAGE_MAX_LENGTH", 1000, 1, 1000000);
    out->rate_limit = cfg_int(c, "CHAT_MESSAGE_RATE_LIMIT", 20, 1, 1000000);
    out->rate_window = cfg_int(c, "CHAT_MESSAGE_RATE_WINDOW", 10, 1, 86400);
    out->http_workers = cfg_int(c, "CHAT_HTTP_WORKERS", 4, 1, 64);
    out->post_workers = cfg_int(c, "CHAT_POST_WORKERS", 4, 1, 64);
    out->slug_regex_src = cfg_str(c, "CHAT_ROOM_SLUG_REGEX", CHAT_DEFAULT_SLUG_REGEX);
    char err[256];
    if (!chat_slug_regex_compile(&out->slug_regex, out->slug_regex_src, err, sizeof err))
        cfg_fail(c, "CHAT_ROOM_SLUG_REGEX", "not a valid POSIX extended regular expression (%s)", err);
    else
        out->slug_regex_ok = true;
}

void chat_config_free(chat_config_t *cfg)
{
    if (cfg->slug_regex_ok)
        regfree(&cfg->slug_regex);
    free(cfg->slug_regex_src);
    memset(cfg, 0, sizeof *cfg);
}
