/* common/pd_kind: the one rule of which values count since the process
 * started (stored as deltas) and which are snapshots (averaged). */
#include "pd_kind.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static bool cumulative(pd_profile_kind k, const char *name)
{
    return pd_kind_sample_cumulative(k, name, strlen(name));
}

static bool gauge(pd_profile_kind k, const char *name)
{
    return pd_kind_sample_gauge(k, name, strlen(name));
}

static void test_go_kinds(void **state)
{
    (void)state;
    pd_profile_kind k = PD_PROFILE_WINDOW;
    assert_true(pd_kind_of_go("heap", &k));
    assert_int_equal(k, PD_PROFILE_MIXED);
    assert_true(pd_kind_of_go("goroutine", &k));
    assert_int_equal(k, PD_PROFILE_GAUGE);
    assert_true(pd_kind_of_go("mutex", &k));
    assert_int_equal(k, PD_PROFILE_CUMULATIVE);
    assert_true(pd_kind_of_go("cpu", &k));
    assert_int_equal(k, PD_PROFILE_WINDOW);
    k = PD_PROFILE_GAUGE;
    assert_false(pd_kind_of_go("Custom", &k));
    assert_int_equal(k, PD_PROFILE_GAUGE); /* untouched */
    /* A stored custom profile is summed, as a window is. */
    assert_int_equal(pd_kind_of_type("Custom"), PD_PROFILE_WINDOW);
    assert_int_equal(pd_kind_of_type("allocs"), PD_PROFILE_MIXED);
    assert_string_equal(pd_kind_name(PD_PROFILE_MIXED), "mixed");
}

static void test_samples(void **state)
{
    (void)state;
    /* heap: alloc_* since start, inuse_* a snapshot; never both. */
    assert_true(cumulative(PD_PROFILE_MIXED, "alloc_space"));
    assert_false(gauge(PD_PROFILE_MIXED, "alloc_space"));
    assert_true(gauge(PD_PROFILE_MIXED, "inuse_objects"));
    assert_false(cumulative(PD_PROFILE_MIXED, "inuse_objects"));
    assert_false(cumulative(PD_PROFILE_MIXED, "alloc")); /* the prefix needs its _ */
    assert_true(cumulative(PD_PROFILE_CUMULATIVE, "contentions"));
    assert_false(gauge(PD_PROFILE_CUMULATIVE, "delay"));
    assert_true(gauge(PD_PROFILE_GAUGE, "goroutine"));
    assert_false(cumulative(PD_PROFILE_WINDOW, "cpu"));
    assert_false(gauge(PD_PROFILE_WINDOW, "samples"));
    assert_true(pd_kind_has_cumulative(PD_PROFILE_MIXED));
    assert_false(pd_kind_has_cumulative(PD_PROFILE_GAUGE));
    assert_true(pd_kind_has_gauges(PD_PROFILE_MIXED));
    assert_false(pd_kind_has_gauges(PD_PROFILE_WINDOW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_kinds),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
