/* Times, durations and steps: RFC 3339 variants, seconds vs milliseconds,
 * relative times, and every error with its position. */
#include "pd_time.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define S INT64_C(1000000000)
#define NOW (INT64_C(1700000000) * S)

typedef struct ok_case {
    const char *in;
    int64_t want;
} ok_case;

typedef struct err_case {
    const char *in;
    int code;
    const char *want;
} err_case;

static void test_times(void **state)
{
    (void)state;
    static const ok_case cases[] = {
        {"2026-11-21T10:00:00Z", INT64_C(1795255200) * S},
        {"2026-11-21t10:00:00z", INT64_C(1795255200) * S},
        {"2026-11-21 10:00:00Z", INT64_C(1795255200) * S},
        {"2026-11-21T10:00:00+02:00", INT64_C(1795248000) * S},
        {"2024-02-29T23:59:59-05:30", INT64_C(1709270999) * S},
        {"2026-11-21T10:00:00.5Z", INT64_C(1795255200) * S + 500000000},
        {"2026-11-21T10:00:00.123456789Z", INT64_C(1795255200) * S + 123456789},
        {"2026-11-21T10:00:00.001+00:00", INT64_C(1795255200) * S + 1000000},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -S},
        {"2000-03-01T00:00:00Z", INT64_C(951868800) * S},
        {"2262-04-11T23:47:16Z", INT64_C(9223372036) * S},
        /* unix seconds */
        {"1700000000", NOW},
        {"1700000000.5", NOW + 500000000},
        {"1700000000.000000001", NOW + 1},
        {"0", 0},
        /* unix milliseconds: above 1e11 */
        {"1700000000000", NOW},
        {"1700000000123", NOW + 123000000},
        {"1700000000000.25", NOW + 250000},
        {"100000000001", INT64_C(100000000001) * 1000000},
        /* relative */
        {"now", NOW},
        {"now-1h", NOW - 3600 * S},
        {"now-90m", NOW - 5400 * S},
        {"now+5m", NOW + 300 * S},
        {"now-1d2h", NOW - 26 * 3600 * S},
        {"now-1w", NOW - 7 * 86400 * S},
        {"now-1y", NOW - 365 * 86400 * S},
        {"now-1h30m15s500ms", NOW - (5415 * S + 500000000)},
        {"now-0", NOW},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -42;
        pd_err err = {{0}};
        int rc = pd_time_parse(cases[i].in, NOW, &got, &err);
        if (rc != 0)
            fail_msg("case %zu %s: %s", i, cases[i].in, err.msg);
        if (got != cases[i].want)
            fail_msg("case %zu %s: got %lld want %lld", i, cases[i].in, (long long)got,
                     (long long)cases[i].want);
    }
}

static void check_errors(const err_case *cases, size_t n,
                         int (*parse)(const char *, int64_t *, pd_err *))
{
    for (size_t i = 0; i < n; i++) {
        int64_t got = -42;
        pd_err err = {{0}};
        int rc = parse(cases[i].in, &got, &err);
        if (rc != cases[i].code)
            fail_msg("case %zu %s: rc %d want %d (%s)", i, cases[i].in, rc, cases[i].code, err.msg);
        assert_int_equal(got, -42);
        if (strcmp(err.msg, cases[i].want) != 0)
            fail_msg("case %zu: got [%s]\nwant [%s]", i, err.msg, cases[i].want);
    }
}

static int time_at_now(const char *s, int64_t *out, pd_err *err)
{
    return pd_time_parse(s, NOW, out, err);
}

static void test_time_errors(void **state)
{
    (void)state;
    static const err_case cases[] = {
        {"", -EINVAL, "invalid time \"\" at position 0"},
        {"2026-13-01", -EINVAL, "invalid time \"2026-13-01\" at position 5"},
        {"2026-12-01", -EINVAL, "invalid time \"2026-12-01\" at position 10"},
        {"2026-02-29T00:00:00Z", -EINVAL, "invalid time \"2026-02-29T00:00:00Z\" at position 8"},
        {"2026-04-31T00:00:00Z", -EINVAL, "invalid time \"2026-04-31T00:00:00Z\" at position 8"},
        {"2026-11-21T24:00:00Z", -EINVAL, "invalid time \"2026-11-21T24:00:00Z\" at position 11"},
        {"2026-11-21T10:60:00Z", -EINVAL, "invalid time \"2026-11-21T10:60:00Z\" at position 14"},
        {"2026-11-21T10:00:60Z", -EINVAL, "invalid time \"2026-11-21T10:00:60Z\" at position 17"},
        {"2026-11-21T10:00:00", -EINVAL, "invalid time \"2026-11-21T10:00:00\" at position 19"},
        {"2026-11-21T10:00:00.Z", -EINVAL, "invalid time \"2026-11-21T10:00:00.Z\" at position 20"},
        {"2026-11-21T10:00:00.1234567891Z", -EINVAL,
         "invalid time \"2026-11-21T10:00:00.1234567891Z\" at position 29"},
        {"2026-11-21T10:00:00+2:00", -EINVAL,
         "invalid time \"2026-11-21T10:00:00+2:00\" at position 21"},
        {"2026-11-21T10:00:00+02:00x", -EINVAL,
         "invalid time \"2026-11-21T10:00:00+02:00x\" at position 25"},
        {"2026-11-21X10:00:00Z", -EINVAL, "invalid time \"2026-11-21X10:00:00Z\" at position 10"},
        {"17000abc", -EINVAL, "invalid time \"17000abc\" at position 5"},
        {"-1700000000", -EINVAL, "invalid time \"-1700000000\" at position 0"},
        {"1700000000.", -EINVAL, "invalid time \"1700000000.\" at position 11"},
        {"1700000000.5s", -EINVAL, "invalid time \"1700000000.5s\" at position 12"},
        {"99999999999999999999", -ERANGE, "time \"99999999999999999999\" out of range"},
        /* 1e11 is still seconds, past 2262 */
        {"100000000000", -ERANGE, "time \"100000000000\" out of range"},
        {"9999-12-31T00:00:00Z", -ERANGE, "time \"9999-12-31T00:00:00Z\" out of range"},
        {"now-", -EINVAL, "invalid time \"now-\" at position 4"},
        {"now-1x", -EINVAL, "invalid time \"now-1x\" at position 5"},
        {"now-h", -EINVAL, "invalid time \"now-h\" at position 4"},
        {"now-1m1h", -EINVAL, "invalid time \"now-1m1h\" at position 6"},
        {"now-1h1h", -EINVAL, "invalid time \"now-1h1h\" at position 6"},
        {"now1h", -EINVAL, "invalid time \"now1h\" at position 3"},
        {"nowx", -EINVAL, "invalid time \"nowx\" at position 3"},
        {"now-1.5h", -EINVAL, "invalid time \"now-1.5h\" at position 5"},
        {"yesterday", -EINVAL, "invalid time \"yesterday\" at position 0"},
        {"now\"\x01", -EINVAL, "invalid time \"now??\" at position 3"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]), time_at_now);
    pd_err err = {{0}};
    int64_t v;
    assert_int_equal(pd_time_parse("2026-13-01", NOW, &v, &err), -EINVAL);
    pd_err_prefix(&err, "from");
    assert_string_equal(err.msg, "from: invalid time \"2026-13-01\" at position 5");
    assert_int_equal(pd_time_parse("x", NOW, &v, NULL), -EINVAL);
}

static void test_durations(void **state)
{
    (void)state;
    static const ok_case cases[] = {
        {"0", 0},
        {"1s", S},
        {"30s", 30 * S},
        {"1m", 60 * S},
        {"1h30m", 5400 * S},
        {"250ms", 250000000},
        {"1d", 86400 * S},
        {"2w", 14 * 86400 * S},
        {"1y2w3d4h5m6s7ms",
         (365 + 14 + 3) * 86400 * S + 4 * 3600 * S + 5 * 60 * S + 6 * S + 7000000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -42;
        pd_err err = {{0}};
        if (pd_duration_parse(cases[i].in, &got, &err) != 0)
            fail_msg("%s: %s", cases[i].in, err.msg);
        assert_int_equal(got, cases[i].want);
    }
    static const err_case errs[] = {
        {"", -EINVAL, "invalid duration \"\" at position 0"},
        {"5", -EINVAL, "invalid duration \"5\" at position 1"},
        {"1s1m", -EINVAL, "invalid duration \"1s1m\" at position 2"},
        {"1ms1s", -EINVAL, "invalid duration \"1ms1s\" at position 3"},
        {"1h 2m", -EINVAL, "invalid duration \"1h 2m\" at position 2"},
        {"99999999999y", -ERANGE, "duration \"99999999999y\" out of range"},
    };
    check_errors(errs, sizeof(errs) / sizeof(errs[0]), pd_duration_parse);
}

static void test_steps(void **state)
{
    (void)state;
    static const ok_case cases[] = {
        {"30s", 30 * S}, {"1m", 60 * S},      {"15", 15 * S},
        {"0.5", S / 2},  {"1h30m", 5400 * S}, {"0.001", 1000000},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -42;
        pd_err err = {{0}};
        if (pd_step_parse(cases[i].in, &got, &err) != 0)
            fail_msg("%s: %s", cases[i].in, err.msg);
        assert_int_equal(got, cases[i].want);
    }
    static const err_case errs[] = {
        {"", -EINVAL, "invalid step \"\" at position 0"},
        {"0", -EINVAL, "invalid step \"0\": must be positive"},
        {"0s", -EINVAL, "invalid step \"0s\": must be positive"},
        {"0.0", -EINVAL, "invalid step \"0.0\": must be positive"},
        {"-5", -EINVAL, "invalid step \"-5\" at position 0"},
        {"5x", -EINVAL, "invalid step \"5x\" at position 1"},
        {"1.5m", -EINVAL, "invalid step \"1.5m\" at position 3"},
    };
    check_errors(errs, sizeof(errs) / sizeof(errs[0]), pd_step_parse);
}

static void expect_format(int64_t ns, const char *want)
{
    char buf[PD_TIME_FORMAT_MAX];
    assert_int_equal(pd_time_format(ns, buf, sizeof(buf)), 0);
    assert_string_equal(buf, want);
    int64_t back = 0;
    assert_int_equal(pd_time_parse(buf, 0, &back, NULL), 0);
    assert_int_equal(back, ns);
}

/* RFC3339Nano, as Go prints it, over the whole int64 range; the inverse of
 * pd_time_parse. */
static void test_format(void **state)
{
    (void)state;
    expect_format(0, "1970-01-01T00:00:00Z");
    expect_format(1500000000, "1970-01-01T00:00:01.5Z");
    expect_format(1700000000123000000LL, "2023-11-14T22:13:20.123Z");
    expect_format(-1, "1969-12-31T23:59:59.999999999Z");
    expect_format(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
    expect_format(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
    char small[21];
    assert_int_equal(pd_time_format(1500000000, small, sizeof(small)), -ERANGE);
    assert_string_equal(small, "");
    assert_int_equal(pd_time_format(0, small, sizeof(small)), 0);
    assert_string_equal(small, "1970-01-01T00:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),     cmocka_unit_test(test_time_errors),
        cmocka_unit_test(test_durations), cmocka_unit_test(test_steps),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
