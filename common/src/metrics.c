/* Process metrics: a fixed registry filled at start-up, atomic updates from
 * any thread, rendered in Prometheus text exposition format. */
#include "echo/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_METRICS 128
#define NBUCKETS 14

static const double bucket_bounds[NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1.0,    10.0};

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

struct metric_counter {
    atomic_uint_fast64_t value;
};
struct metric_gauge {
    atomic_int_fast64_t value;
};
struct metric_histogram {
    atomic_uint_fast64_t buckets[NBUCKETS];
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_ns; /* sum kept in nanoseconds to stay integral */
};

typedef struct {
    kind_t kind;
    char name[96];
    char labels[96];
    char help[160];
    void *impl;
} entry_t;

static entry_t g_entries[MAX_METRICS];
static atomic_int g_count;
static pthread_mutex_t g_register_lock = PTHREAD_MUTEX_INITIALIZER;

/* Registering a series that exists returns it, so every instance of a module
 * (the gateway's WebSocket shards) shares one series instead of repeating it.
 * An entry is complete before g_count makes it visible to the renderer. */
static void *add_entry(kind_t kind, const char *name, const char *labels, const char *help,
                       size_t impl_size)
{
    labels = labels ? labels : "";
    pthread_mutex_lock(&g_register_lock);
    int n = atomic_load(&g_count);
    for (int i = 0; i < n; i++) {
        entry_t *e = &g_entries[i];
        if (e->kind == kind && !strcmp(e->name, name) && !strcmp(e->labels, labels)) {
            pthread_mutex_unlock(&g_register_lock);
            return e->impl;
        }
    }
    if (n >= MAX_METRICS)
        abort(); /* a programming error: raise MAX_METRICS */
    entry_t *e = &g_entries[n];
    e->kind = kind;
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->labels, sizeof e->labels, "%s", labels);
    snprintf(e->help, sizeof e->help, "%s", help);
    e->impl = calloc(1, impl_size);
    if (!e->impl)
        abort();
    atomic_store(&g_count, n + 1);
    pthread_mutex_unlock(&g_register_lock);
    return e->impl;
}

metric_counter_t *metrics_counter(const char *name, const char *labels, const char *help)
{
    return add_entry(KIND_COUNTER, name, labels, help, sizeof(metric_counter_t));
}

metric_gauge_t *metrics_gauge(const char *name, const char *labels, const char *help)
{
    return add_entry(KIND_GAUGE, name, labels, help, sizeof(metric_gauge_t));
}

metric_histogram_t *metrics_histogram(const char *name, const char *labels, const char *help)
{
    return add_entry(KIND_HISTOGRAM, name, labels, help, sizeof(metric_histogram_t));
}

void metric_inc(metric_counter_t *c)
{
    atomic_fetch_add_explicit(&c->value, 1, memory_order_relaxed);
}

void metric_add(metric_counter_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

void metric_gauge_set(metric_gauge_t *g, int64_t v)
{
    atomic_store_explicit(&g->value, v, memory_order_relaxed);
}

void metric_gauge_add(metric_gauge_t *g, int64_t delta)
{
    atomic_fetch_add_explicit(&g->value, delta, memory_order_relaxed);
}

void metric_observe(metric_histogram_t *h, double seconds)
{
    for (int i = 0; i < NBUCKETS; i++) {
        if (seconds <= bucket_bounds[i]) {
            atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    if (seconds > 0)
        atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(seconds * 1e9), memory_order_relaxed);
}

double metrics_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    char *buf;
    size_t len, cap;
} out_t;

static void out_printf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(out_t *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 0);
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
    }
}

/* A metric family's HELP/TYPE lines are written once, before its first series. */
static bool family_seen(int upto, const char *name)
{
    for (int i = 0; i < upto; i++)
        if (strcmp(g_entries[i].name, name) == 0)
            return true;
    return false;
}

char *metrics_render(size_t *len_out)
{
    out_t o = {malloc(4096), 0, 4096};
    if (!o.buf)
        abort();
    o.buf[0] = '\0';
    int n = atomic_load(&g_count);
    if (n > MAX_METRICS)
        n = MAX_METRICS;
    static const char *type_names[] = {"counter", "gauge", "histogram"};
    for (int i = 0; i < n; i++) {
        entry_t *e = &g_entries[i];
        if (!family_seen(i, e->name))
            out_printf(&o, "# HELP %s %s\n# TYPE %s %s\n", e->name, e->help, e->name,
                       type_names[e->kind]);
        const char *l = e->labels;
        if (e->kind == KIND_COUNTER) {
            metric_counter_t *c = e->impl;
            out_printf(&o, "%s%s%s%s %llu\n", e->name, *l ? "{" : "", l, *l ? "}" : "",
                       (unsigned long long)atomic_load(&c->value));
        } else if (e->kind == KIND_GAUGE) {
            metric_gauge_t *g = e->impl;
            out_printf(&o, "%s%s%s%s %lld\n", e->name, *l ? "{" : "", l, *l ? "}" : "",
                       (long long)atomic_load(&g->value));
        } else {
            metric_histogram_t *h = e->impl;
            unsigned long long cum = 0;
            for (int b = 0; b < NBUCKETS; b++) {
                cum += atomic_load(&h->buckets[b]);
                out_printf(&o, "%s_bucket{%s%sle=\"%g\"} %llu\n", e->name, l, *l ? "," : "",
                           bucket_bounds[b], cum);
            }
            unsigned long long count = atomic_load(&h->count);
            out_printf(&o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", e->name, l, *l ? "," : "", count);
            out_printf(&o, "%s_sum%s%s%s %.9f\n", e->name, *l ? "{" : "", l, *l ? "}" : "",
                       (double)atomic_load(&h->sum_ns) / 1e9);
            out_printf(&o, "%s_count%s%s%s %llu\n", e->name, *l ? "{" : "", l, *l ? "}" : "",
                       count);
        }
    }
    if (len_out)
        *len_out = o.len;
    return o.buf;
}
