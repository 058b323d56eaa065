/* Times and durations of the query API (`from`, `to`, `step`), as
 * Prometheus and Pyroscope accept them. All results are unix nanoseconds.
 *
 * Errors are -EINVAL (-ERANGE when the value does not fit in int64
 * nanoseconds, i.e. outside 1677..2262) with one line that quotes the input
 * and names the 0-based position of the first bad character:
 *   invalid time "2026-13-01" at position 5
 * The parameter name is left to the caller: pd_err_prefix(err, "from"). */
#ifndef PD_TIME_H
#define PD_TIME_H

#include "pd_err.h"

#include <stdint.h>

/* Accepts:
 *  - RFC 3339: 2026-11-21T10:00:00Z, 2026-11-21T10:00:00.123+02:00
 *    ('t' and ' ' also separate date and time, 'z' is 'Z'; up to 9
 *    fraction digits; the seconds field is 00..59);
 *  - unix seconds: 1700000000, 1700000000.5;
 *  - unix milliseconds: an integer part above 1e11 (1e11 s is the year
 *    5138) is read as milliseconds, as Prometheus and Pyroscope decide:
 *    1700000000000, 1700000000000.25;
 *  - relative to now_ns: now, now-1h, now+5m, now-1d2h (a duration as in
 *    pd_duration_parse).
 * *out_ns (OUT) is written only on success. */
int pd_time_parse(const char *s, int64_t now_ns, int64_t *out_ns, pd_err *err);

/* A Prometheus duration: one or more <integer><unit> with units y (365d),
 * w, d, h, m, s, ms, each at most once and largest first ("1h30m"), or
 * "0". *out_ns (OUT). */
int pd_duration_parse(const char *s, int64_t *out_ns, pd_err *err);

/* `step`: a duration ("30s", "1m") or a number of seconds ("15", "0.5"),
 * > 0. *out_ns (OUT). */
int pd_step_parse(const char *s, int64_t *out_ns, pd_err *err);

/* Room for any pd_time_format answer, NUL included. */
#define PD_TIME_FORMAT_MAX 40

/* Unix nanoseconds as RFC 3339 in UTC with the fraction's trailing zeros
 * trimmed (Go's RFC3339Nano): 2026-11-21T10:00:00.5Z. Returns 0, or
 * -ERANGE (buf then "") if the time cannot be broken down or does not fit
 * in `size` bytes. */
int pd_time_format(int64_t ns, char *buf, size_t size);

#endif
