/* The pure helpers behind a fetch result, without libcurl in sight so the
 * unit tests can include them (sc_result.c). */
#ifndef PD_SC_PARSE_H
#define PD_SC_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Retry-After in milliseconds: delta-seconds or an HTTP date relative to
 * `now`; -1 if absent (NULL) or unreadable; 0 for a date in the past. */
int64_t sc_retry_after_ms(const char *v, time_t now);
/* The first line of src[0..n) into dst (NUL-terminated, at most cap - 1
 * bytes): control and non-ASCII bytes become '?', tabs spaces, trailing
 * blanks dropped. */
void sc_first_line(char *dst, size_t cap, const char *src, size_t n);
/* "http_<status>" for 100..599, a static string; NULL otherwise. */
const char *sc_http_reason(int status);

#endif
