/* Process metrics in Prometheus text format: counters and histograms,
 * registered at start-up, updated lock-free from any thread. */
#ifndef ECHO_METRICS_H
#define ECHO_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct metric_counter metric_counter_t;
typedef struct metric_histogram metric_histogram_t;
typedef struct metric_gauge metric_gauge_t;

/* name must carry the echochat_ prefix and a base unit suffix; labels is a
 * fixed label set such as `route="login"` or NULL. Call before threads start. */
metric_counter_t *metrics_counter(const char *name, const char *labels, const char *help);
metric_gauge_t *metrics_gauge(const char *name, const char *labels, const char *help);
/* Histogram in seconds with default latency buckets (100 µs … 10 s). */
metric_histogram_t *metrics_histogram(const char *name, const char *labels, const char *help);

void metric_inc(metric_counter_t *c);
void metric_add(metric_counter_t *c, uint64_t n);
void metric_gauge_set(metric_gauge_t *g, int64_t v);
void metric_gauge_add(metric_gauge_t *g, int64_t delta);
void metric_observe(metric_histogram_t *h, double seconds);

/* Heap string with every metric in text exposition format. */
char *metrics_render(size_t *len_out);

/* Monotonic clock in seconds, for latency measurements. */
double metrics_now(void);

#endif
