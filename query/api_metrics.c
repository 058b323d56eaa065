/* The API's own metrics in Prometheus text format: requests by status code
 * and a histogram of query durations (the time a request spent on the
 * thread pool). Updated and rendered on the loop thread only. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

void api_metrics_init(pd_api *api)
{
    pd_histogram_init(&api->m.queries, bounds, sizeof(bounds) / sizeof(bounds[0]));
}

void api_metrics_observe(pd_api *api, int status, double query_seconds, bool was_query)
{
    struct api_metrics *m = &api->m;
    if (status >= 100 && status < 600)
        m->codes[status]++;
    if (was_query)
        pd_histogram_observe(&m->queries, query_seconds);
}

int api_metrics_render(pd_api *api, pd_buf *out)
{
    const struct api_metrics *m = &api->m;
    int rc = pd_buf_printf(
        out, "# HELP pprofd_http_requests_total HTTP requests answered, by status code.\n"
             "# TYPE pprofd_http_requests_total counter\n");
    for (int c = 100; c < 600 && rc == 0; c++)
        if (m->codes[c] > 0)
            rc = pd_buf_printf(out, "pprofd_http_requests_total{code=\"%d\"} %llu\n", c,
                               (unsigned long long)m->codes[c]);
    if (rc == 0)
        rc = pd_histogram_render(&m->queries, "pprofd_query_duration_seconds",
                                 "Time queries spent on the thread pool.", out);
    if (rc == 0)
        rc = pd_buf_printf(out,
                           "# HELP pprofd_http_queries_in_flight Queries on the thread pool.\n"
                           "# TYPE pprofd_http_queries_in_flight gauge\n"
                           "pprofd_http_queries_in_flight %zu\n",
                           api->inflight);
    return rc;
}
