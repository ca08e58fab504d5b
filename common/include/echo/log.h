/* Structured logging: one JSON object per line on stdout (decision P15). */
#ifndef ECHO_LOG_H
#define ECHO_LOG_H

#include <stdarg.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Called once at start-up, before any thread is started. */
void log_init(const char *service, log_level_t min_level);
int log_level_parse(const char *s, log_level_t *out);

/* The request id logged with every line written by the calling thread until
 * cleared (NULL). Bus handlers set it from the message header. */
void log_set_request_id(const char *request_id);
const char *log_request_id(void);

void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_writev(log_level_t level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
