/* Prometheus durations (common/model.ParseDuration) and byte sizes. */
#include "pd_config.h"

#include <stdio.h>
#include <string.h>

#define MS_SECOND 1000LL
#define MS_MINUTE (60 * MS_SECOND)
#define MS_HOUR (60 * MS_MINUTE)
#define MS_DAY (24 * MS_HOUR)
#define MS_WEEK (7 * MS_DAY)
#define MS_YEAR (365 * MS_DAY)
/* Prometheus keeps durations as int64 nanoseconds: the same range here. */
#define MS_MAX (INT64_MAX / 1000000)

typedef struct unit {
    const char *name;
    int64_t ms;
} unit;

/* Biggest first: units must appear in this order. Nanoseconds and
 * microseconds are below the millisecond resolution and not accepted. */
static const unit units[] = {{"y", MS_YEAR},   {"w", MS_WEEK},   {"d", MS_DAY}, {"h", MS_HOUR},
                             {"m", MS_MINUTE}, {"s", MS_SECOND}, {"ms", 1}};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int pd_parse_duration(const char *s, int64_t *ms, pd_err *err)
{
    *ms = 0;
    if (strcmp(s, "0") == 0)
        return 0;
    if (s[0] == '\0')
        return pd_errf(err, -EINVAL, "invalid duration \"\": empty");
    if (s[0] == '-')
        return pd_errf(err, -EINVAL, "invalid duration \"%s\": negative", s);
    int64_t total = 0;
    size_t last = 0; /* index past the last unit used */
    const char *p = s;
    while (*p) {
        if (!is_digit(*p))
            return pd_errf(err, -EINVAL,
                           "invalid duration \"%s\": want a number and a unit "
                           "(ms, s, m, h, d, w, y)",
                           s);
        int64_t v = 0;
        for (; is_digit(*p); p++) {
            if (v > (MS_MAX - (*p - '0')) / 10)
                return pd_errf(err, -ERANGE, "invalid duration \"%s\": out of range", s);
            v = v * 10 + (*p - '0');
        }
        size_t ulen = 0;
        while (p[ulen] != '\0' && !is_digit(p[ulen]))
            ulen++;
        if (ulen == 0)
            return pd_errf(err, -EINVAL, "invalid duration \"%s\": missing unit", s);
        size_t u = 0;
        while (u < sizeof(units) / sizeof(units[0]) &&
               (strlen(units[u].name) != ulen || strncmp(units[u].name, p, ulen) != 0))
            u++;
        if (u == sizeof(units) / sizeof(units[0]))
            return pd_errf(err, -EINVAL, "invalid duration \"%s\": unknown unit \"%.*s\"", s,
                           (int)ulen, p);
        if (u + 1 <= last)
            return pd_errf(err, -EINVAL, "invalid duration \"%s\": units out of order", s);
        last = u + 1;
        p += ulen;
        if (v > (MS_MAX - total) / units[u].ms)
            return pd_errf(err, -ERANGE, "invalid duration \"%s\": out of range", s);
        total += v * units[u].ms;
    }
    *ms = total;
    return 0;
}

void pd_format_duration(int64_t ms, char *buf, size_t size)
{
    static const unit exact[] = {{"y", MS_YEAR}, {"w", MS_WEEK}};
    size_t off = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    if (ms <= 0) {
        snprintf(buf, size, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && off < size; i++) {
        bool must_be_exact = i < sizeof(exact) / sizeof(exact[0]);
        int64_t mult = units[i].ms;
        if (must_be_exact && ms % mult != 0)
            continue;
        int64_t v = ms / mult;
        if (v == 0)
            continue;
        int n = snprintf(buf + off, size - off, "%lld%s", (long long)v, units[i].name);
        if (n < 0)
            return;
        off += (size_t)n;
        ms -= v * mult;
    }
}

int pd_parse_size(const char *s, uint64_t *bytes, pd_err *err)
{
    static const struct {
        const char *name;
        uint64_t mult;
    } sizes[] = {{"", 1},
                 {"B", 1},
                 {"KB", 1ULL << 10},
                 {"KiB", 1ULL << 10},
                 {"MB", 1ULL << 20},
                 {"MiB", 1ULL << 20},
                 {"GB", 1ULL << 30},
                 {"GiB", 1ULL << 30},
                 {"TB", 1ULL << 40},
                 {"TiB", 1ULL << 40}};
    *bytes = 0;
    if (s[0] == '\0')
        return pd_errf(err, -EINVAL, "invalid size \"\": empty");
    if (s[0] == '-')
        return pd_errf(err, -EINVAL, "invalid size \"%s\": negative", s);
    if (!is_digit(s[0]))
        return pd_errf(err, -EINVAL,
                       "invalid size \"%s\": want an integer and a unit (B, KiB, "
                       "MiB, GiB, TiB)",
                       s);
    uint64_t v = 0;
    const char *p = s;
    for (; is_digit(*p); p++) {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return pd_errf(err, -ERANGE, "invalid size \"%s\": out of range", s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (strcmp(p, sizes[i].name) != 0)
            continue;
        if (v > UINT64_MAX / sizes[i].mult)
            return pd_errf(err, -ERANGE, "invalid size \"%s\": out of range", s);
        *bytes = v * sizes[i].mult;
        return 0;
    }
    return pd_errf(err, -EINVAL, "invalid size \"%s\": unknown unit \"%s\"", s, p);
}
