/* The Prometheus text exposition format (0.0.4), written one way by every
 * module that exports metrics: a family's HELP and TYPE lines, then its
 * samples, label values escaped (backslash, quote, newline). A metrics
 * page stays far below its buffer's bound; past it an append is dropped
 * (pd_buf), which cuts the page short, so calls return nothing. */
#ifndef PD_PROM_H
#define PD_PROM_H

#include "pd_buf.h"

#include <stdint.h>

/* type: "counter", "gauge", "histogram". */
void pd_prom_family(pd_buf *out, const char *name, const char *type, const char *help);
/* name{k1="v1",...} value. labels: name, value, name, value, ..., NULL
 * (NULL alone: none). */
void pd_prom_u64(pd_buf *out, const char *name, const char *const *labels, uint64_t value);
/* A value in seconds given in milliseconds (a timestamp), to the ms. */
void pd_prom_seconds(pd_buf *out, const char *name, const char *const *labels, int64_t ms);

#endif
