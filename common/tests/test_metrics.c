/* Unit tests of the metrics registry and its Prometheus rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/metrics.h"

static void test_render(void **state)
{
    metric_counter_t *a = metrics_counter("echochat_test_requests_total", "route=\"a\"", "Requests.");
    metric_counter_t *b = metrics_counter("echochat_test_requests_total", "route=\"b\"", "Requests.");
    metric_histogram_t *h = metrics_histogram("echochat_test_latency_seconds", NULL, "Latency.");
    metric_gauge_t *g = metrics_gauge("echochat_test_sockets", NULL, "Open sockets.");
    metric_inc(a);
    metric_add(b, 5);
    metric_observe(h, 0.0003);
    metric_observe(h, 2.0);
    metric_gauge_add(g, 3);
    metric_gauge_add(g, -1);
    char *text = metrics_render(NULL);
    assert_non_null(strstr(text, "# TYPE echochat_test_requests_total counter\n"));
    /* HELP/TYPE once per family even with two label sets. */
    assert_null(strstr(strstr(text, "# TYPE echochat_test_requests_total") + 1,
                       "# TYPE echochat_test_requests_total"));
    assert_non_null(strstr(text, "echochat_test_requests_total{route=\"a\"} 1\n"));
    assert_non_null(strstr(text, "echochat_test_requests_total{route=\"b\"} 5\n"));
    assert_non_null(strstr(text, "echochat_test_latency_seconds_bucket{le=\"0.0005\"} 1\n"));
    assert_non_null(strstr(text, "echochat_test_latency_seconds_bucket{le=\"1\"} 1\n"));
    assert_non_null(strstr(text, "echochat_test_latency_seconds_bucket{le=\"10\"} 2\n"));
    assert_non_null(strstr(text, "echochat_test_latency_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(text, "echochat_test_latency_seconds_count 2\n"));
    assert_non_null(strstr(text, "echochat_test_sockets 2\n"));
    free(text);
}

/* A second registration of the same series (another instance of a module,
 * like a gateway's WebSocket shard) shares the first: one line, one value. */
static void test_register_twice_shares(void **state)
{
    metric_counter_t *a = metrics_counter("echochat_test_shared_total", NULL, "Shared.");
    metric_counter_t *b = metrics_counter("echochat_test_shared_total", NULL, "Shared.");
    metric_counter_t *c = metrics_counter("echochat_test_shared_total", "x=\"1\"", "Shared.");
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    metric_inc(a);
    metric_inc(b);
    char *text = metrics_render(NULL);
    char *line = strstr(text, "echochat_test_shared_total 2\n");
    assert_non_null(line);
    assert_null(strstr(line + 1, "echochat_test_shared_total 2\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render),
                                       cmocka_unit_test(test_register_twice_shares)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
