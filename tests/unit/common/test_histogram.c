/* common/pd_histogram: buckets by upper bound (a value on a bound counts in
 * it), the cumulative text format, +Inf, _sum and _count. */
#include "pd_histogram.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_render(void **state)
{
    (void)state;
    static const double bounds[] = {0.1, 1};
    pd_histogram h;
    pd_histogram_init(&h, bounds, 2);
    pd_histogram_observe(&h, 0.05);
    pd_histogram_observe(&h, 0.1);
    pd_histogram_observe(&h, 0.5);
    pd_histogram_observe(&h, 2);
    pd_buf b;
    pd_buf_init(&b, 0);
    assert_int_equal(pd_histogram_render(&h, "x_seconds", "What x took.", &b), 0);
    assert_int_equal(pd_buf_append(&b, "", 1), 0);
    assert_string_equal((const char *)b.data, "# HELP x_seconds What x took.\n"
                                              "# TYPE x_seconds histogram\n"
                                              "x_seconds_bucket{le=\"0.1\"} 2\n"
                                              "x_seconds_bucket{le=\"1\"} 3\n"
                                              "x_seconds_bucket{le=\"+Inf\"} 4\n"
                                              "x_seconds_sum 2.650000\n"
                                              "x_seconds_count 4\n");
    pd_buf_free(&b);
}

static void test_empty(void **state)
{
    (void)state;
    static const double bounds[] = {1};
    pd_histogram h;
    pd_histogram_init(&h, bounds, 1);
    pd_buf b;
    pd_buf_init(&b, 0);
    assert_int_equal(pd_histogram_render(&h, "y", "Y.", &b), 0);
    assert_int_equal(pd_buf_append(&b, "", 1), 0);
    assert_non_null(strstr((const char *)b.data, "y_bucket{le=\"+Inf\"} 0\ny_sum 0.000000\n"
                                                 "y_count 0\n"));
    pd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
