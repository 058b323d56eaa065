/* scraper/pd_budget: the capture budget of a process, a token bucket on
 * the time given (no waiting). */
#include "pd_budget.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_bucket(void **state)
{
    (void)state;
    pd_budget *b = pd_budget_new();
    /* 4 per 4096 ms (a token every 1024 ms, exact in binary): four at
     * once, then the fifth waits for a token. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(pd_budget_take(b, 1, 0, 4, 4096), 0);
    assert_int_equal(pd_budget_take(b, 1, 0, 4, 4096), 2); /* 1.024 s, rounded up */
    /* Another process has its own budget. */
    assert_int_equal(pd_budget_take(b, 2, 0, 4, 4096), 0);
    /* Half a token at 512 ms, one at 1024 ms. */
    assert_int_equal(pd_budget_take(b, 1, 512, 4, 4096), 1);
    assert_int_equal(pd_budget_take(b, 1, 1024, 4, 4096), 0);
    assert_int_equal(pd_budget_take(b, 1, 1024, 4, 4096), 2);
    /* Never more than `count` saved up: an hour later, four again. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(pd_budget_take(b, 1, 3600000, 4, 4096), 0);
    assert_true(pd_budget_take(b, 1, 3600000, 4, 4096) > 0);
    pd_budget_free(b);
}

static void test_refilled_buckets_dropped(void **state)
{
    (void)state;
    pd_budget *b = pd_budget_new();
    for (uint64_t key = 0; key < 100; key++)
        assert_int_equal(pd_budget_take(b, key, 0, 2, 1000), 0);
    assert_int_equal(pd_budget_size(b), 100);
    /* A second later every bucket is full again: all but the one taken
     * now are forgotten, so memory follows recent captures. */
    assert_int_equal(pd_budget_take(b, 7, 1000, 2, 1000), 0);
    assert_int_equal(pd_budget_size(b), 1);
    pd_budget_free(b);
}

static void test_no_budget(void **state)
{
    (void)state;
    pd_budget *b = pd_budget_new();
    /* count 0 refuses everything, with the period as the wait. */
    assert_int_equal(pd_budget_take(b, 1, 0, 0, 30000), 30);
    assert_int_equal(pd_budget_take(b, 1, 0, 0, 0), 1);
    assert_int_equal(pd_budget_size(b), 0);
    pd_budget_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_refilled_buckets_dropped),
        cmocka_unit_test(test_no_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
