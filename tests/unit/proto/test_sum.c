/* proto/sum.c: a sum of stored profiles (a rollup) merges to what its
 * inputs merge to: the same header, the same samples (in another order). */
#include "pd_stored.h"
#include "tp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static pd_profile *merged(pd_profile **ps, size_t n)
{
    pd_profile *out = NULL;
    pd_err err = {{0}};
    if (pd_profile_merge(ps, n, &out, &err) != 0)
        fail_msg("merge: %s", err.msg);
    return out;
}

/* Inputs [0, n) summed in groups of `group`; the sums, rebuilt, merge to
 * the merge of the inputs. */
static void check_groups(size_t n, size_t group)
{
    pd_symtab *t = pd_symtab_new();
    pd_profile **in = calloc(n, sizeof(*in));
    pd_profile **sums = calloc(n, sizeof(*sums));
    assert_true(in != NULL && sums != NULL);
    size_t nsums = 0;
    pd_sum *m = pd_sum_new();
    for (size_t i = 0; i < n; i++) {
        in[i] = tp_series((int)i, 1);
        pd_stored st;
        pd_symtab_add(t, in[i], &st);
        assert_true(pd_sum_fits(m, &st));
        assert_int_equal(pd_sum_add(m, &st, NULL), 0);
        pd_stored_free(&st);
        if ((i + 1) % group == 0 || i == n - 1) {
            pd_stored sum;
            pd_sum_finish(m, &sum);
            assert_int_equal(pd_sum_count(m), 0);
            /* through the blob, as a rollup row holds it */
            uint8_t *blob = NULL;
            size_t len = 0;
            pd_stored_encode(&sum, &blob, &len);
            pd_stored_free(&sum);
            assert_int_equal(pd_stored_decode(blob, len, 0, &sum, NULL), 0);
            free(blob);
            for (uint32_t k = 1; k < sum.nsamples; k++)
                assert_true(sum.stacks[k - 1] <= sum.stacks[k]);
            assert_int_equal(pd_symtab_unpack(t, &sum, &sums[nsums++], NULL), 0);
            pd_stored_free(&sum);
        }
    }
    pd_profile *want = merged(in, n), *got = merged(sums, nsums);
    assert_same_samples(got, want);
    pd_profile_free(want);
    pd_profile_free(got);
    for (size_t i = 0; i < n; i++)
        pd_profile_free(in[i]);
    for (size_t i = 0; i < nsums; i++)
        pd_profile_free(sums[i]);
    free(in);
    free(sums);
    pd_sum_free(m);
    pd_symtab_free(t);
}

static void test_sums_merge_like_inputs(void **state)
{
    (void)state;
    check_groups(1, 1);
    check_groups(12, 12);
    check_groups(60, 12);
    check_groups(61, 7);
}

static void test_types_must_match(void **state)
{
    (void)state;
    pd_symtab *t = pd_symtab_new();
    pd_profile *a = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    a->time_nanos = 1;
    tp_stack(a, "f;main", TP_V(1, 10), NULL);
    pd_profile *b = tp_new("samples/count,cpu/microseconds", "cpu/microseconds", 10);
    b->time_nanos = 2;
    tp_stack(b, "f;main", TP_V(1, 10), NULL);
    pd_stored sa, sb;
    pd_symtab_add(t, a, &sa);
    pd_symtab_add(t, b, &sb);
    pd_sum *m = pd_sum_new();
    assert_int_equal(pd_sum_add(m, &sa, NULL), 0);
    assert_false(pd_sum_fits(m, &sb));
    pd_err err = {{0}};
    assert_int_equal(pd_sum_add(m, &sb, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "types differ"));
    assert_int_equal(pd_sum_count(m), 1);
    pd_stored out;
    pd_sum_finish(m, &out);
    assert_int_equal(out.nsamples, 1);
    assert_int_equal(out.values[1], 10);
    pd_stored_free(&out);
    pd_stored_free(&sa);
    pd_stored_free(&sb);
    pd_sum_free(m);
    pd_symtab_free(t);
    pd_profile_free(a);
    pd_profile_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_merge_like_inputs),
        cmocka_unit_test(test_types_must_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
