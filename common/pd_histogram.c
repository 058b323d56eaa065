#include "pd_histogram.h"

#include "pd_prom.h"

#include <inttypes.h>
#include <string.h>

void pd_histogram_init(pd_histogram *h, const double *bounds, size_t n)
{
    memset(h, 0, sizeof(*h));
    h->bounds = bounds;
    h->nbounds = n < PD_HISTOGRAM_MAX_BOUNDS ? n : PD_HISTOGRAM_MAX_BOUNDS;
}

void pd_histogram_observe(pd_histogram *h, double v)
{
    size_t b = 0;
    while (b < h->nbounds && v > h->bounds[b])
        b++;
    h->counts[b]++;
    h->sum += v;
    h->count++;
}

int pd_histogram_render(const pd_histogram *h, const char *name, const char *help, pd_buf *out)
{
    pd_prom_family(out, name, "histogram", help);
    int rc = 0;
    uint64_t cum = 0;
    for (size_t b = 0; b <= h->nbounds && rc == 0; b++) {
        cum += h->counts[b];
        if (b < h->nbounds)
            rc = pd_buf_printf(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, h->bounds[b], cum);
        else
            rc = pd_buf_printf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
    }
    if (rc == 0)
        rc =
            pd_buf_printf(out, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name, h->sum, name, h->count);
    return rc;
}
