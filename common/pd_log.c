#include "pd_log.h"

#include "pd_clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static pd_log_level min_level = PD_LOG_INFO;

void pd_log_set_level(pd_log_level min)
{
    min_level = min;
}

static const char *level_name(pd_log_level l)
{
    switch (l) {
    case PD_LOG_DEBUG:
        return "debug";
    case PD_LOG_INFO:
        return "info";
    case PD_LOG_WARN:
        return "warn";
    case PD_LOG_ERROR:
        return "error";
    }
    return "info";
}

void pd_log(pd_log_level level, const char *msg, const char *kv, ...)
{
    if (level < min_level)
        return;
    char line[2048];
    int64_t now = pd_now_ns();
    time_t secs = (time_t)(now / 1000000000);
    long ms = (long)(now % 1000000000 / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n =
        snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"%s\"",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
                 level_name(level), msg);
    if (n < 0)
        return;
    if (kv != NULL && (size_t)n < sizeof(line) - 1) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, kv);
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n, kv, ap);
        va_end(ap);
        if (m > 0)
            n += m;
    }
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    line[n] = '\0';
    /* One fputs per event so concurrent threads never interleave a line. */
    fprintf(stderr, "%s\n", line);
}
