/* A Prometheus histogram: observations counted into fixed buckets, and
 * written in the text format (cumulative _bucket lines with le, then _sum
 * and _count). Not thread-safe: one owner observes and renders. */
#ifndef PD_HISTOGRAM_H
#define PD_HISTOGRAM_H

#include "pd_buf.h"

#include <stddef.h>
#include <stdint.h>

#define PD_HISTOGRAM_MAX_BOUNDS 16

typedef struct pd_histogram {
    const double *bounds; /* upper bounds, ascending; +Inf is implied */
    size_t nbounds;
    uint64_t counts[PD_HISTOGRAM_MAX_BOUNDS + 1]; /* per bucket; the last is +Inf */
    double sum;
    uint64_t count;
} pd_histogram;

/* bounds (borrowed, static) holds n <= PD_HISTOGRAM_MAX_BOUNDS values. */
void pd_histogram_init(pd_histogram *h, const double *bounds, size_t n);
void pd_histogram_observe(pd_histogram *h, double v);
/* Appends "# HELP name help", "# TYPE name histogram" and the samples.
 * Returns 0 or -E2BIG (out is bounded). */
int pd_histogram_render(const pd_histogram *h, const char *name, const char *help, pd_buf *out);

#endif
