/* Environment configuration: parsing rules of config.md §1, the DJANGO_ alias
 * rule of P4, and the settings all daemons share (P5: fail fast, one line). */
#include "echo/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *cfg_lookup(const char *name)
{
    if (strncmp(name, "DJANGO_", 7) == 0) {
        const char *plain = getenv(name + 7);
        if (plain)
            return plain;
    }
    return getenv(name);
}

void cfg_fail(cfg_t *c, const char *name, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    int n = snprintf(c->error, sizeof c->error, "%s: ", name);
    if (n < 0 || (size_t)n >= sizeof c->error)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error + n, sizeof c->error - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Heap copy of s[0..len) with surrounding ASCII whitespace removed. */
static char *dup_trimmed(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    char *out = malloc(len + 1);
    if (!out)
        abort();
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

bool cfg_bool(cfg_t *c, const char *name, bool def)
{
    (void)c;
    const char *v = cfg_lookup(name);
    if (!v)
        return def;
    char *t = dup_trimmed(v, strlen(v));
    bool res = strcasecmp(t, "1") == 0 || strcasecmp(t, "true") == 0 ||
               strcasecmp(t, "yes") == 0 || strcasecmp(t, "on") == 0;
    free(t);
    return res;
}

long cfg_int(cfg_t *c, const char *name, long def, long min, long max)
{
    const char *v = cfg_lookup(name);
    if (!v)
        return def;
    char *t = dup_trimmed(v, strlen(v));
    char *end = NULL;
    errno = 0;
    long val = strtol(t, &end, 10);
    bool ok = t[0] != '\0' && end && *end == '\0' && errno == 0;
    free(t);
    if (!ok) {
        cfg_fail(c, name, "must be an integer, got \"%s\"", v);
        return def;
    }
    if (val < min || val > max) {
        cfg_fail(c, name, "must be between %ld and %ld, got %ld", min, max, val);
        return def;
    }
    return val;
}

char *cfg_str(cfg_t *c, const char *name, const char *def)
{
    (void)c;
    const char *v = cfg_lookup(name);
    if (!v)
        v = def;
    if (!v)
        return NULL;
    char *out = strdup(v);
    if (!out)
        abort();
    return out;
}

static char **split_list(const char *s)
{
    size_t cap = 4, n = 0;
    char **list = calloc(cap, sizeof *list);
    if (!list)
        abort();
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *item = dup_trimmed(p, len);
        if (item[0]) {
            if (n + 2 > cap) {
                cap *= 2;
                list = realloc(list, cap * sizeof *list);
                if (!list)
                    abort();
            }
            list[n++] = item;
        } else {
            free(item);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    list[n] = NULL;
    return list;
}

char **cfg_list(cfg_t *c, const char *name, const char *def)
{
    (void)c;
    const char *v = cfg_lookup(name);
    if (v) {
        char **list = split_list(v);
        if (list[0])
            return list;
        cfg_list_free(list);
    }
    return split_list(def ? def : "");
}

void cfg_list_free(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

size_t cfg_list_len(char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

/* libpq accepts postgres:// and postgresql:// URLs as conninfo directly. */
static char *database_conninfo(cfg_t *c)
{
    const char *url = getenv("DATABASE_URL");
    if (url && *url) {
        if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
            cfg_fail(c, "DATABASE_URL", "must start with postgres:// or postgresql://");
            return NULL;
        }
        return strdup(url);
    }
    const char *engine = cfg_lookup("DJANGO_DB_ENGINE");
    if (engine && *engine) {
        if (!strstr(engine, "postgresql")) {
            cfg_fail(c, "DJANGO_DB_ENGINE", "only PostgreSQL is supported, got \"%s\"", engine);
            return NULL;
        }
        static const struct {
            const char *var, *key;
        } parts[] = {{"DJANGO_DB_NAME", "dbname"},
                     {"DJANGO_DB_USER", "user"},
                     {"DJANGO_DB_PASSWORD", "password"},
                     {"DJANGO_DB_HOST", "host"},
                     {"DJANGO_DB_PORT", "port"}};
        char buf[2048] = "";
        size_t pos = 0;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            const char *v = cfg_lookup(parts[i].var);
            if (!v || !*v)
                continue;
            /* conninfo quoting: single quotes, backslash-escape ' and \ */
            pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "%s%s='", pos ? " " : "",
                                    parts[i].key);
            for (const char *p = v; *p && pos + 4 < sizeof buf; p++) {
                if (*p == '\'' || *p == '\\')
                    buf[pos++] = '\\';
                buf[pos++] = *p;
            }
            if (pos + 2 >= sizeof buf) {
                cfg_fail(c, parts[i].var, "too long");
                return NULL;
            }
            buf[pos++] = '\'';
            buf[pos] = '\0';
        }
        return strdup(buf);
    }
    if (cfg_lookup("DJANGO_SQLITE_PATH") || cfg_lookup("DJANGO_ALLOW_SQLITE"))
        cfg_fail(c, "DATABASE_URL", "required: SQLite is not supported, use PostgreSQL");
    else
        cfg_fail(c, "DATABASE_URL", "required (or DJANGO_DB_ENGINE with DJANGO_DB_*)");
    return NULL;
}

void common_config_load(cfg_t *c, common_config_t *out, const char *service, int default_ops_port,
                        bool needs_db)
{
    memset(out, 0, sizeof *out);
    out->service = strdup(service);
    out->debug = cfg_bool(c, "DJANGO_DEBUG", false);

    out->log_level = out->debug ? LOG_DEBUG : LOG_INFO;
    const char *lvl = cfg_lookup("LOG_LEVEL");
    if (lvl && log_level_parse(lvl, &out->log_level) != 0)
        cfg_fail(c, "LOG_LEVEL", "must be debug, info, warn or error, got \"%s\"", lvl);

    out->nats_url = cfg_str(c, "NATS_URL", "nats://127.0.0.1:4222");
    if (strncmp(out->nats_url, "nats://", 7) != 0 && strncmp(out->nats_url, "tls://", 6) != 0)
        cfg_fail(c, "NATS_URL", "must start with nats:// or tls://");

    out->ops_host = cfg_str(c, "OPS_HOST", "0.0.0.0");
    out->ops_port = (int)cfg_int(c, "OPS_PORT", default_ops_port, 1, 65535);

    if (needs_db)
        out->db_conninfo = database_conninfo(c);
}

void common_config_free(common_config_t *cfg)
{
    free(cfg->service);
    free(cfg->nats_url);
    free(cfg->db_conninfo);
    free(cfg->ops_host);
    memset(cfg, 0, sizeof *cfg);
}
