/* The API's own metrics in Prometheus text format: requests by status code
 * and a histogram of query durations (the time a request spent on the
 * thread pool). Updated and rendered on the loop thread only. */
#include "api_int.h"

#include "pd_prom.h"

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
    pd_prom_family(out, "pprofd_http_requests_total", "counter",
                   "HTTP requests answered, by status code.");
    for (int c = 100; c < 600; c++) {
        if (m->codes[c] == 0)
            continue;
        char code[8];
        snprintf(code, sizeof(code), "%d", c);
        pd_prom_u64(out, "pprofd_http_requests_total", (const char *const[]){"code", code, NULL},
                    m->codes[c]);
    }
    int rc = pd_histogram_render(&m->queries, "pprofd_query_duration_seconds",
                                 "Time queries spent on the thread pool.", out);
    pd_prom_family(out, "pprofd_http_queries_in_flight", "gauge", "Queries on the thread pool.");
    pd_prom_u64(out, "pprofd_http_queries_in_flight", NULL, api->inflight);
    return rc;
}
