/* Time, duration and step parsing for the query API (see pd_time.h). Each
 * scanner returns 0, or -EINVAL/-ERANGE with the position of the fault in
 * *bad; the public functions turn that into the message. */
#include "pd_time.h"

#include "pd_duration.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_MS INT64_C(1000000)
#define MS_THRESHOLD INT64_C(100000000000) /* above: milliseconds */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The input as quoted in a message: at most 64 bytes, unprintable as '?'. */
static void show(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] != '\0' && n < 64 && n + 4 < cap; n++) {
        unsigned char c = (unsigned char)s[n];
        buf[n] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
    }
    if (s[n] != '\0' && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static int fail(pd_err *err, int code, const char *what, const char *s, size_t pos)
{
    char shown[80];
    show(s, shown, sizeof(shown));
    if (code == -ERANGE)
        return pd_errf(err, code, "%s \"%s\" out of range", what, shown);
    return pd_errf(err, code, "invalid %s \"%s\" at position %zu", what, shown, pos);
}

/* --- durations -------------------------------------------------------- */

/* Scans a duration from s[pos] to the end of s (pd_duration_scan, with the
 * fault's position counted from the start of s). */
static int scan_duration(const char *s, size_t pos, int64_t *out, size_t *bad)
{
    size_t at = 0;
    pd_duration_fault f = pd_duration_scan(s + pos, out, &at);
    *bad = pos + at;
    return f == PD_DURATION_OK ? 0 : f == PD_DURATION_RANGE ? -ERANGE : -EINVAL;
}

int pd_duration_parse(const char *s, int64_t *out_ns, pd_err *err)
{
    size_t bad = 0;
    int64_t v;
    int rc = scan_duration(s, 0, &v, &bad);
    if (rc < 0)
        return fail(err, rc, "duration", s, bad);
    *out_ns = v;
    return 0;
}

/* --- numbers: [0-9]+(\.[0-9]+)? in units of `unit_ns` ------------------ */

/* Scans the integer part into *ip; *end is where it stopped. */
static int scan_int(const char *s, size_t pos, int64_t *ip, size_t *end)
{
    int64_t n = 0;
    if (!is_digit(s[pos])) {
        *end = pos;
        return -EINVAL;
    }
    while (is_digit(s[pos])) {
        if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, s[pos] - '0', &n))
            return -ERANGE;
        pos++;
    }
    *ip = n;
    *end = pos;
    return 0;
}

/* Scans ".ddd" (if present) at s[pos] to the end of s, as a fraction of
 * unit_ns (digits past the nanosecond are dropped). */
static int scan_fraction(const char *s, size_t pos, int64_t unit_ns, int64_t *frac, size_t *bad)
{
    *frac = 0;
    if (s[pos] == '\0')
        return 0;
    if (s[pos] != '.' || !is_digit(s[pos + 1])) {
        *bad = s[pos] == '.' ? pos + 1 : pos;
        return -EINVAL;
    }
    int64_t scale = unit_ns;
    for (pos++; is_digit(s[pos]); pos++) {
        scale /= 10;
        *frac += (s[pos] - '0') * scale;
    }
    if (s[pos] != '\0') {
        *bad = pos;
        return -EINVAL;
    }
    return 0;
}

static int scan_unix(const char *s, int64_t *out, size_t *bad)
{
    int64_t ip, frac;
    size_t end = 0;
    int rc = scan_int(s, 0, &ip, &end);
    if (rc < 0) {
        *bad = end;
        return rc;
    }
    int64_t unit = ip > MS_THRESHOLD ? NS_PER_MS : NS_PER_S;
    rc = scan_fraction(s, end, unit, &frac, bad);
    if (rc < 0)
        return rc;
    int64_t ns;
    if (__builtin_mul_overflow(ip, unit, &ns) || __builtin_add_overflow(ns, frac, &ns))
        return -ERANGE;
    *out = ns;
    return 0;
}

/* --- RFC 3339 --------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* `width` digits at s[pos] within [lo, hi]; *bad = pos otherwise. */
static int field(const char *s, size_t pos, int width, int64_t lo, int64_t hi, int64_t *v,
                 size_t *bad)
{
    int64_t n = 0;
    for (int i = 0; i < width; i++) {
        if (!is_digit(s[pos + (size_t)i])) {
            *bad = pos + (size_t)i;
            return -EINVAL;
        }
        n = n * 10 + (s[pos + (size_t)i] - '0');
    }
    if (n < lo || n > hi) {
        *bad = pos;
        return -EINVAL;
    }
    *v = n;
    return 0;
}

static int expect(const char *s, size_t pos, const char *any, size_t *bad)
{
    if (s[pos] == '\0' || strchr(any, s[pos]) == NULL) {
        *bad = pos;
        return -EINVAL;
    }
    return 0;
}

static int scan_rfc3339(const char *s, int64_t *out, size_t *bad)
{
    int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
    int rc = field(s, 0, 4, 0, 9999, &y, bad);
    if (rc == 0)
        rc = expect(s, 4, "-", bad);
    if (rc == 0)
        rc = field(s, 5, 2, 1, 12, &mo, bad);
    if (rc == 0)
        rc = expect(s, 7, "-", bad);
    if (rc == 0)
        rc = field(s, 8, 2, 1, days_in_month(y, mo), &d, bad);
    if (rc == 0)
        rc = expect(s, 10, "Tt ", bad);
    if (rc == 0)
        rc = field(s, 11, 2, 0, 23, &h, bad);
    if (rc == 0)
        rc = expect(s, 13, ":", bad);
    if (rc == 0)
        rc = field(s, 14, 2, 0, 59, &mi, bad);
    if (rc == 0)
        rc = expect(s, 16, ":", bad);
    if (rc == 0)
        rc = field(s, 17, 2, 0, 59, &sec, bad);
    if (rc < 0)
        return rc;
    size_t pos = 19;
    int64_t frac = 0, scale = NS_PER_S;
    if (s[pos] == '.') {
        pos++;
        if (!is_digit(s[pos])) {
            *bad = pos;
            return -EINVAL;
        }
        for (int n = 0; is_digit(s[pos]); n++, pos++) {
            if (n == 9) {
                *bad = pos;
                return -EINVAL;
            }
            scale /= 10;
            frac += (s[pos] - '0') * scale;
        }
    }
    int sign = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        pos++;
    } else if (s[pos] == '+' || s[pos] == '-') {
        sign = s[pos] == '+' ? 1 : -1;
        rc = field(s, pos + 1, 2, 0, 23, &oh, bad);
        if (rc == 0)
            rc = expect(s, pos + 3, ":", bad);
        if (rc == 0)
            rc = field(s, pos + 4, 2, 0, 59, &om, bad);
        if (rc < 0)
            return rc;
        pos += 6;
    } else {
        *bad = pos;
        return -EINVAL;
    }
    if (s[pos] != '\0') {
        *bad = pos;
        return -EINVAL;
    }
    int64_t secs =
        days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    /* Before 1970 with a fraction, secs * 1e9 alone can be past the
     * earliest int64 time that secs + frac still reaches: borrow a second. */
    int64_t ns;
    if (secs < 0 && frac > 0) {
        secs++;
        frac -= NS_PER_S;
    }
    if (__builtin_mul_overflow(secs, NS_PER_S, &ns) || __builtin_add_overflow(ns, frac, &ns))
        return -ERANGE;
    *out = ns;
    return 0;
}

/* --- the public parsers ------------------------------------------------ */

static bool looks_rfc3339(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!is_digit(s[i]))
            return false;
    return s[4] == '-';
}

int pd_time_parse(const char *s, int64_t now_ns, int64_t *out_ns, pd_err *err)
{
    size_t bad = 0;
    int64_t v = 0;
    int rc;
    if (strncmp(s, "now", 3) == 0) {
        int64_t d = 0;
        rc = 0;
        if (s[3] == '+' || s[3] == '-')
            rc = scan_duration(s, 4, &d, &bad);
        else if (s[3] != '\0') {
            bad = 3;
            rc = -EINVAL;
        }
        if (rc == 0 && (s[3] == '-' ? __builtin_sub_overflow(now_ns, d, &v)
                                    : __builtin_add_overflow(now_ns, d, &v)))
            rc = -ERANGE;
    } else if (looks_rfc3339(s)) {
        rc = scan_rfc3339(s, &v, &bad);
    } else {
        rc = scan_unix(s, &v, &bad);
    }
    if (rc < 0)
        return fail(err, rc, "time", s, bad);
    *out_ns = v;
    return 0;
}

int pd_time_format(int64_t ns, char *buf, size_t size)
{
    time_t s = (time_t)(ns / NS_PER_S);
    long frac = (long)(ns % NS_PER_S);
    if (frac < 0) {
        s -= 1;
        frac += NS_PER_S;
    }
    struct tm tm;
    if (size > 0)
        buf[0] = '\0';
    if (gmtime_r(&s, &tm) == NULL)
        return -ERANGE;
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0)
        return -ERANGE;
    int digits = 9;
    while (frac != 0 && frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    int w = frac != 0 ? snprintf(buf + n, size - n, ".%0*ldZ", digits, frac)
                      : snprintf(buf + n, size - n, "Z");
    if (w < 0 || (size_t)w >= size - n) {
        buf[0] = '\0';
        return -ERANGE;
    }
    return 0;
}

int pd_step_parse(const char *s, int64_t *out_ns, pd_err *err)
{
    size_t bad = 0, end = 0;
    int64_t v = 0, ip = 0, frac = 0;
    int rc = scan_int(s, 0, &ip, &end);
    if (rc == 0 && (s[end] == '\0' || s[end] == '.')) {
        rc = scan_fraction(s, end, NS_PER_S, &frac, &bad);
        if (rc == 0 &&
            (__builtin_mul_overflow(ip, NS_PER_S, &v) || __builtin_add_overflow(v, frac, &v)))
            rc = -ERANGE;
    } else if (rc == 0 || rc == -EINVAL) {
        rc = scan_duration(s, 0, &v, &bad);
    }
    if (rc < 0)
        return fail(err, rc, "step", s, bad);
    if (v <= 0) {
        char shown[80];
        show(s, shown, sizeof(shown));
        return pd_errf(err, -EINVAL, "invalid step \"%s\": must be positive", shown);
    }
    *out_ns = v;
    return 0;
}
