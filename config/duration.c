/* Prometheus durations (common/model.ParseDuration) and byte sizes. */
#include "pd_config.h"
#include "pd_duration.h"

#include <stdio.h>
#include <string.h>

typedef struct unit {
    const char *name;
    int64_t ms;
} unit;

/* Biggest first, as Prometheus formats them. */
static const unit units[] = {{"y", PD_MS_YEAR}, {"w", PD_MS_WEEK},   {"d", PD_MS_DAY},
                             {"h", PD_MS_HOUR}, {"m", PD_MS_MINUTE}, {"s", PD_MS_SECOND},
                             {"ms", 1}};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int pd_parse_duration(const char *s, int64_t *ms, pd_err *err)
{
    *ms = 0;
    int64_t ns = 0;
    size_t at = 0;
    switch (pd_duration_scan(s, &ns, &at)) {
    case PD_DURATION_OK:
        *ms = ns / 1000000; /* exact: the smallest unit is ms */
        return 0;
    case PD_DURATION_EMPTY:
        return pd_errf(err, -EINVAL, "invalid duration \"\": empty");
    case PD_DURATION_NO_NUMBER:
        if (s[at] == '-')
            return pd_errf(err, -EINVAL, "invalid duration \"%s\": negative", s);
        return pd_errf(err, -EINVAL,
                       "invalid duration \"%s\": want a number and a unit "
                       "(ms, s, m, h, d, w, y)",
                       s);
    case PD_DURATION_NO_UNIT:
        return pd_errf(err, -EINVAL, "invalid duration \"%s\": missing unit", s);
    case PD_DURATION_BAD_UNIT: {
        size_t n = 0;
        while (s[at + n] != '\0' && !is_digit(s[at + n]))
            n++;
        return pd_errf(err, -EINVAL, "invalid duration \"%s\": unknown unit \"%.*s\"", s, (int)n,
                       s + at);
    }
    case PD_DURATION_ORDER:
        return pd_errf(err, -EINVAL, "invalid duration \"%s\": units out of order", s);
    default:
        return pd_errf(err, -ERANGE, "invalid duration \"%s\": out of range", s);
    }
}

void pd_format_duration(int64_t ms, char *buf, size_t size)
{
    static const unit exact[] = {{"y", PD_MS_YEAR}, {"w", PD_MS_WEEK}};
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
