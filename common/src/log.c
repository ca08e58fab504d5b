/* Structured logging: formats each record as one JSON line and writes it with a
 * single write(2) so lines from concurrent threads never interleave. */
#include "echo/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static char g_service[32] = "echochat";
static log_level_t g_min_level = LOG_INFO;
static _Thread_local char t_request_id[64];

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *service, log_level_t min_level)
{
    snprintf(g_service, sizeof g_service, "%s", service);
    g_min_level = min_level;
}

int log_level_parse(const char *s, log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = LOG_WARN;
        return 0;
    }
    return -1;
}

void log_set_request_id(const char *request_id)
{
    if (!request_id) {
        t_request_id[0] = '\0';
        return;
    }
    snprintf(t_request_id, sizeof t_request_id, "%s", request_id);
}

const char *log_request_id(void)
{
    return t_request_id[0] ? t_request_id : NULL;
}

/* Appends s to buf as JSON string content; stops quietly when full. */
static size_t append_escaped(char *buf, size_t pos, size_t cap, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p && pos + 7 < cap; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            buf[pos++] = '\\';
            buf[pos++] = (char)c;
        } else if (c == '\n') {
            buf[pos++] = '\\';
            buf[pos++] = 'n';
        } else if (c < 0x20) {
            pos += (size_t)snprintf(buf + pos, cap - pos, "\\u%04x", c);
        } else {
            buf[pos++] = (char)c;
        }
    }
    return pos;
}

__attribute__((format(printf, 2, 0))) void log_writev(log_level_t level, const char *fmt, va_list ap)
{
    if (level < g_min_level)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);

    char line[4096];
    size_t cap = sizeof line - 3; /* room for "}\n" */
    size_t pos = (size_t)snprintf(line, cap,
                                  "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\","
                                  "\"service\":\"%s\",\"msg\":\"",
                                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                  tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_names[level],
                                  g_service);
    pos = append_escaped(line, pos, cap, msg);
    if (pos < cap)
        line[pos++] = '"';
    if (t_request_id[0] && pos + 20 < cap) {
        memcpy(line + pos, ",\"request_id\":\"", 15);
        pos += 15;
        pos = append_escaped(line, pos, cap, t_request_id);
        line[pos++] = '"';
    }
    line[pos++] = '}';
    line[pos++] = '\n';
    ssize_t n = write(STDOUT_FILENO, line, pos);
    (void)n;
}

void log_write(log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_writev(level, fmt, ap);
    va_end(ap);
}
