/* proto/agg.c: merging stored profiles on their stack ids gives what
 * merging the profiles gives, ids and order included. */
#include "pd_stored.h"
#include "tp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Two partitions; input i goes to table i % ntables. */
typedef struct tables {
    pd_symtab *t[2];
    int n, fetched;
} tables;

static const pd_symtab *table_of(void *ctx, int64_t part, pd_err *err)
{
    tables *ts = ctx;
    ts->fetched++;
    if (part < 0 || part >= ts->n) {
        pd_errf(err, -ENOENT, "partition %lld is gone", (long long)part);
        return NULL;
    }
    return ts->t[part];
}

/* Interns input i into its table and adds it; returns pd_agg_add's code. */
static int add_one(pd_agg *a, tables *ts, const pd_profile *p, int i)
{
    int part = i % ts->n;
    pd_stored st;
    pd_symtab_add(ts->t[part], p, &st);
    pd_err err = {{0}};
    int rc = pd_agg_add(a, part, ts->t[part], &st, &err);
    pd_stored_free(&st);
    if (rc < 0 && rc != -EAGAIN)
        fail_msg("input %d: %s", i, err.msg);
    return rc;
}

static pd_profile *merge_of(size_t n, int mode)
{
    pd_profile **ps = calloc(n, sizeof(*ps));
    assert_non_null(ps);
    for (size_t i = 0; i < n; i++)
        ps[i] = tp_series((int)i, mode);
    pd_profile *out = NULL;
    assert_int_equal(pd_profile_merge(ps, n, &out, NULL), 0);
    for (size_t i = 0; i < n; i++)
        pd_profile_free(ps[i]);
    free(ps);
    return out;
}

static void test_equals_merge(void **state)
{
    (void)state;
    int sizes[] = {1, 2, 7, 65, 200};
    for (int ntables = 1; ntables <= 2; ntables++) {
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            int n = sizes[k];
            tables ts = {{pd_symtab_new(), pd_symtab_new()}, ntables, 0};
            pd_agg *a = pd_agg_new();
            for (int i = 0; i < n; i++) {
                pd_profile *p = tp_series(i, 1);
                assert_int_equal(add_one(a, &ts, p, i), 0);
                pd_profile_free(p);
            }
            assert_int_equal(pd_agg_profiles(a), (size_t)n);
            pd_profile *got = NULL;
            pd_err err = {{0}};
            if (pd_agg_finish(a, table_of, &ts, &got, &err) != 0)
                fail_msg("%d inputs, %d tables: %s", n, ntables, err.msg);
            assert_valid(got);
            pd_profile *want = merge_of((size_t)n, 1);
            assert_same_merge(got, want);
            pd_profile_free(got);
            pd_profile_free(want);
            pd_agg_free(a);
            pd_symtab_free(ts.t[0]);
            pd_symtab_free(ts.t[1]);
        }
    }
}

/* Every sum key is one per (partition, stack, label set): repeating the
 * same inputs adds nothing new. */
static void test_sums_in_place(void **state)
{
    (void)state;
    tables ts = {{pd_symtab_new(), NULL}, 1, 0};
    pd_agg *a = pd_agg_new();
    for (int i = 0; i < 20; i++) {
        pd_profile *p = tp_series(i, 1);
        assert_int_equal(add_one(a, &ts, p, 0), 0);
        pd_profile_free(p);
    }
    size_t keys = pd_agg_samples(a);
    for (int i = 0; i < 20; i++) {
        pd_profile *p = tp_series(i, 1);
        assert_int_equal(add_one(a, &ts, p, 0), 0);
        pd_profile_free(p);
    }
    assert_int_equal(pd_agg_samples(a), keys);
    pd_profile *got = NULL;
    assert_int_equal(pd_agg_finish(a, table_of, &ts, &got, NULL), 0);
    /* one table fetched for the header, once more for its samples */
    assert_int_equal(ts.fetched, 2);
    int64_t totals[2], once[2];
    pd_profile_totals(got, totals);
    pd_profile *want = merge_of(20, 1);
    pd_profile_totals(want, once);
    assert_int_equal(totals[0], 2 * once[0]);
    assert_int_equal(totals[1], 2 * once[1]);
    pd_profile_free(want);
    pd_profile_free(got);
    pd_agg_free(a);
    pd_symtab_free(ts.t[0]);
}

/* Inputs pprof's chunked merge treats otherwise are refused with -EAGAIN:
 * a zero time, a negative value, other units. */
static void test_not_plain(void **state)
{
    (void)state;
    pd_profile *zero_time = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    tp_stack(zero_time, "f;main", TP_V(1, 10), NULL);
    pd_profile *negative = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    negative->time_nanos = 5;
    tp_stack(negative, "f;main", TP_V(1, -10), NULL);
    pd_profile *micros = tp_new("samples/count,cpu/microseconds", "cpu/microseconds", 10);
    micros->time_nanos = 5;
    tp_stack(micros, "f;main", TP_V(1, 10), NULL);
    pd_profile *ok = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    ok->time_nanos = 6;
    tp_stack(ok, "f;main", TP_V(1, 10), NULL);

    tables ts = {{pd_symtab_new(), NULL}, 1, 0};
    pd_agg *a = pd_agg_new();
    assert_int_equal(add_one(a, &ts, zero_time, 0), -EAGAIN);
    assert_int_equal(add_one(a, &ts, negative, 0), -EAGAIN);
    assert_int_equal(add_one(a, &ts, ok, 0), 0);
    assert_int_equal(add_one(a, &ts, micros, 0), -EAGAIN);
    assert_int_equal(pd_agg_profiles(a), 1);
    pd_agg_free(a);

    /* the generated non-plain series is refused at its first odd input */
    a = pd_agg_new();
    int refused = -1;
    for (int i = 0; i < 20 && refused < 0; i++) {
        pd_profile *p = tp_series(i, 0);
        if (add_one(a, &ts, p, 0) == -EAGAIN)
            refused = i;
        pd_profile_free(p);
    }
    assert_true(refused >= 0 && refused < 5);
    pd_agg_free(a);
    pd_symtab_free(ts.t[0]);
    pd_profile_free(zero_time);
    pd_profile_free(negative);
    pd_profile_free(micros);
    pd_profile_free(ok);
}

static void test_nothing_and_missing_table(void **state)
{
    (void)state;
    tables ts = {{pd_symtab_new(), NULL}, 1, 0};
    pd_agg *a = pd_agg_new();
    pd_profile *got = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_agg_finish(a, table_of, &ts, &got, &err), -EINVAL);
    assert_null(got);
    pd_agg_free(a);

    /* a table that cannot be had fails the finish with its reason */
    a = pd_agg_new();
    pd_profile *p = tp_series(0, 1);
    assert_int_equal(add_one(a, &ts, p, 0), 0);
    pd_profile_free(p);
    ts.n = 0;
    pd_err_clear(&err);
    assert_int_equal(pd_agg_finish(a, table_of, &ts, &got, &err), -EIO);
    assert_null(got);
    assert_non_null(strstr(err.msg, "is gone"));
    pd_agg_free(a);
    pd_symtab_free(ts.t[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_merge),
        cmocka_unit_test(test_sums_in_place),
        cmocka_unit_test(test_not_plain),
        cmocka_unit_test(test_nothing_and_missing_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
