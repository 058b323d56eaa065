/* Structured log lines on stderr, one per event:
 *   ts=2026-11-21T10:00:00.123Z level=info msg="scrape failed" target=... reason=...
 * `kv` is a printf format for the key=value part (may be NULL); callers quote
 * values that can hold spaces with pd_log_quote-style %s of their own. */
#ifndef PD_LOG_H
#define PD_LOG_H

typedef enum { PD_LOG_DEBUG, PD_LOG_INFO, PD_LOG_WARN, PD_LOG_ERROR } pd_log_level;

void pd_log_set_level(pd_log_level min);
void pd_log(pd_log_level level, const char *msg, const char *kv, ...)
    __attribute__((format(printf, 3, 4)));

#define pd_log_info(msg, ...) pd_log(PD_LOG_INFO, msg, __VA_ARGS__)
#define pd_log_warn(msg, ...) pd_log(PD_LOG_WARN, msg, __VA_ARGS__)
#define pd_log_error(msg, ...) pd_log(PD_LOG_ERROR, msg, __VA_ARGS__)

#endif
