/* Private to proto/: float to int64 as the profile algebra needs it. */
#ifndef PD_PROTO_NUM_H
#define PD_PROTO_NUM_H

#include <math.h>
#include <stdint.h>

/* v truncated to int64, saturating at the ends of the range, NaN as
 * INT64_MIN (what Go's conversion yields on amd64). A plain cast of a
 * value out of range is undefined; note that (double)INT64_MAX is 2^63,
 * itself out of range. */
static inline int64_t pd_to_int64(double v)
{
    if (isnan(v))
        return INT64_MIN;
    if (v >= 9223372036854775808.0)
        return INT64_MAX;
    if (v < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

#endif
