/* proto/diff.c: the profile `go tool pprof -proto [-normalize]
 * -base|-diff_base BASE TARGET` builds (driver/fetch.go): the base labelled
 * (diff_base), target normalized (Go 1.19: target scaled to the base's
 * totals), base negated, then a unit-scaled merge of target and base. */
#include "pd_profile.h"
#include "tp.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static pd_profile *diff_ok(pd_profile *base, pd_profile *target, pd_diff_mode mode, bool norm)
{
    pd_profile *out = NULL;
    pd_err err = {{0}};
    int rc = pd_profile_diff(base, target, mode, norm, &out, &err);
    if (rc != 0)
        fail_msg("diff failed: %d %s", rc, err.msg);
    assert_non_null(out);
    assert_valid(out);
    return out;
}

static pd_profile *cpu(void)
{
    return tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
}

static void test_base_cancels_identical_stacks(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    tp_stack(t, "a;main", TP_V(10, 100), NULL);
    tp_stack(t, "b;main", TP_V(5, 50), NULL);
    tp_stack(t, "c", TP_V(3, 30), NULL);
    pd_profile *b = cpu();
    tp_stack(b, "a;main", TP_V(10, 100), NULL);
    tp_stack(b, "b;main", TP_V(2, 50), NULL);
    tp_stack(b, "d", TP_V(4, 40), NULL);
    tp_stack(b, "zero", TP_V(0, 0), NULL);
    pd_profile *out = diff_ok(b, t, PD_DIFF_BASE, false); /* consumes b and t */
    /* a;main vanished with its function and location; b;main keeps the
     * nonzero difference even where one value cancelled */
    assert_render(out, "b;main 3 0\nc 3 30\nd -4 -40\n");
    assert_int_equal(out->nfunctions, 4);
    assert_int_equal(out->nlocations, 4);
    for (uint32_t i = 0; i < out->nfunctions; i++)
        assert_false(pd_profile_str_eq(out, out->functions[i].name, "a"));
    assert_int_equal(out->functions[0].id, 1);
    assert_int_equal(out->locations[3].id, 4);
    pd_profile_free(out);
}

static void test_base_everything_cancels(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    tp_stack(t, "a;main", TP_V(1, 2), "k=v");
    pd_profile *b = cpu();
    tp_stack(b, "a;main", TP_V(1, 2), "k=v");
    pd_profile *out = diff_ok(b, t, PD_DIFF_BASE, false);
    assert_render(out, "");
    assert_int_equal(out->nlocations + out->nfunctions, 0);
    pd_profile_free(out);
}

static void test_diff_base_keeps_base_samples_apart(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    tp_stack(t, "a;main", TP_V(10, 100), NULL);
    tp_stack(t, "b;main", TP_V(5, 50), "pprof::base=false");
    pd_profile *b = cpu();
    tp_stack(b, "a;main", TP_V(10, 100), NULL);
    tp_stack(b, "b;main", TP_V(2, 20), "pprof::base=false,x=1");
    tp_stack(b, "d", TP_V(4, 40), NULL);
    pd_profile *out = diff_ok(b, t, PD_DIFF_DIFF_BASE, false);
    /* nothing cancels: every base sample carries pprof::base=true (any
     * earlier value of that key replaced) and is negated */
    assert_render(out, "a;main 10 100\n"
                       "b;main {pprof::base=false} 5 50\n"
                       "a;main {pprof::base=true} -10 -100\n"
                       "b;main {pprof::base=true,x=1} -2 -20\n"
                       "d {pprof::base=true} -4 -40\n");
    /* stacks are still shared: 4 functions, 4 locations */
    assert_int_equal(out->nfunctions, 4);
    assert_int_equal(out->nlocations, 4);
    pd_profile_free(out);
}

static void test_normalize_scales_target_to_base(void **state)
{
    (void)state;
    /* Go 1.19: the target is scaled by sum(base)/sum(target) per type */
    pd_profile *t = cpu();
    tp_stack(t, "a", TP_V(10, 300), NULL);
    tp_stack(t, "b", TP_V(30, 100), NULL);
    pd_profile *b = cpu();
    tp_stack(b, "a", TP_V(10, 50), NULL);
    tp_stack(b, "b", TP_V(10, 150), NULL);
    pd_profile *out = diff_ok(b, t, PD_DIFF_DIFF_BASE, true);
    /* ratios 20/40 and 200/400 */
    assert_render(out, "a 5 150\nb 15 50\na {pprof::base=true} -10 -50\n"
                       "b {pprof::base=true} -10 -150\n");
    pd_profile_free(out);

    /* with -base, a target that is the base times two cancels completely */
    t = cpu();
    tp_stack(t, "a", TP_V(20, 200), NULL);
    tp_stack(t, "b", TP_V(40, 400), NULL);
    b = cpu();
    tp_stack(b, "a", TP_V(10, 100), NULL);
    tp_stack(b, "b", TP_V(20, 200), NULL);
    out = diff_ok(b, t, PD_DIFF_BASE, true);
    assert_render(out, "");
    pd_profile_free(out);
}

static void test_units_are_reconciled_after_negation(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    tp_stack(t, "a", TP_V(1, 5000), NULL);
    pd_profile *b = tp_new("samples/count,cpu/microseconds", "cpu/microseconds", 10000);
    tp_stack(b, "a", TP_V(1, 3), NULL);
    pd_profile *out = diff_ok(b, t, PD_DIFF_BASE, false);
    assert_render(out, "a 0 2000\n");
    assert_header(out, "types=samples/count,cpu/nanoseconds period=cpu/nanoseconds:10000000 "
                       "time=0 dur=0 comments= default= drop= keep=");
    pd_profile_free(out);

    /* normalizing needs equal types first (Normalize checks compatibility
     * before any unit scaling), as in pprof */
    t = cpu();
    tp_stack(t, "a", TP_V(1, 5000), NULL);
    b = tp_new("samples/count,cpu/microseconds", "cpu/microseconds", 10000);
    tp_stack(b, "a", TP_V(1, 3), NULL);
    pd_profile *o2 = t;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_diff(b, t, PD_DIFF_BASE, true, &o2, &err), -EINVAL);
    assert_null(o2);
    assert_contains(err.msg, "incompatible");
}

static void test_incompatible_inputs_fail_and_are_freed(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    tp_stack(t, "a", TP_V(1, 1), NULL);
    pd_profile *b = tp_new("alloc_space/bytes", "space/bytes", 1);
    tp_stack(b, "a", TP_V(1), NULL);
    pd_profile *out = t;
    pd_err err = {{0}};
    /* both are consumed even on failure (ASan reports a leak otherwise) */
    assert_int_equal(pd_profile_diff(b, t, PD_DIFF_DIFF_BASE, false, &out, &err), -EINVAL);
    assert_null(out);
    assert_contains(err.msg, "inconsistent sample type count: 2 != 1");

    t = cpu();
    tp_stack(t, "a", TP_V(1, 1), NULL);
    b = tp_new("samples/count,alloc/bytes", "cpu/nanoseconds", 10000000);
    tp_stack(b, "a", TP_V(1, 1), NULL);
    pd_err_clear(&err);
    out = t;
    assert_int_equal(pd_profile_diff(b, t, PD_DIFF_BASE, false, &out, &err), -EINVAL);
    assert_null(out);
    assert_contains(err.msg, "incompatible types cpu/nanoseconds and alloc/bytes");
}

static void test_headers_of_a_diff(void **state)
{
    (void)state;
    pd_profile *t = cpu();
    t->time_nanos = 2000;
    t->duration_nanos = 30;
    tp_comment(t, "target");
    tp_stack(t, "a", TP_V(1, 1), NULL);
    pd_profile *b = cpu();
    b->time_nanos = 1000;
    b->duration_nanos = 10;
    tp_comment(b, "base");
    b->drop_frames = tp_str(b, "ignored");
    pd_profile *out = diff_ok(b, t, PD_DIFF_BASE, false);
    /* merged as [target, base]: the target's drop/keep, earliest time,
     * summed durations, comments in that order */
    assert_header(out, "types=samples/count,cpu/nanoseconds period=cpu/nanoseconds:10000000 "
                       "time=1000 dur=40 comments=target|base default= drop= keep=");
    pd_profile_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_cancels_identical_stacks),
        cmocka_unit_test(test_base_everything_cancels),
        cmocka_unit_test(test_diff_base_keeps_base_samples_apart),
        cmocka_unit_test(test_normalize_scales_target_to_base),
        cmocka_unit_test(test_units_are_reconciled_after_negation),
        cmocka_unit_test(test_incompatible_inputs_fail_and_are_freed),
        cmocka_unit_test(test_headers_of_a_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
