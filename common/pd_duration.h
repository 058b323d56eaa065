/* Prometheus durations (common/model.ParseDuration): "0", or one or more
 * <integer><unit> with the units y, w, d, h, m, s, ms, each at most once and
 * biggest first (1y = 365d, 1w = 7d). One scanner for the config
 * (milliseconds) and the query API (nanoseconds, also inside "now-1h");
 * each words its own messages from the fault and its offset. */
#ifndef PD_DURATION_H
#define PD_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The units, in milliseconds. */
#define PD_MS_SECOND INT64_C(1000)
#define PD_MS_MINUTE (60 * PD_MS_SECOND)
#define PD_MS_HOUR (60 * PD_MS_MINUTE)
#define PD_MS_DAY (24 * PD_MS_HOUR)
#define PD_MS_WEEK (7 * PD_MS_DAY)
#define PD_MS_YEAR (365 * PD_MS_DAY)

typedef enum {
    PD_DURATION_OK,
    PD_DURATION_EMPTY,     /* "" */
    PD_DURATION_NO_NUMBER, /* something else where a number goes ("-1d", "1h 2m") */
    PD_DURATION_NO_UNIT,   /* a number without a unit ("60") */
    PD_DURATION_BAD_UNIT,  /* not one of the seven units ("5x") */
    PD_DURATION_ORDER,     /* a unit repeated or after a smaller one ("1s1m") */
    PD_DURATION_RANGE,     /* more than int64 nanoseconds (about 292 years) */
} pd_duration_fault;

/* Scans all of s into *ns (OUT). On a fault *ns is 0 and *at (OUT) is the
 * offset where it lies: of the first character that is not a number or a
 * unit, or of the number whose unit is out of order or out of range. */
pd_duration_fault pd_duration_scan(const char *s, int64_t *ns, size_t *at);

#endif
