/* ingest/: from the bytes a target answers to what is stored — a window
 * profile kept as it came, a first cumulative snapshot kept as baseline
 * only, deltas of the counts since start, restarts noticed, deltas a
 * target subtracted itself (godeltaprof) stored from the previous scrape's
 * time; and the series rule of pushed profiles. Pure functions: no loop,
 * no files. */
#include "pd_ingest.h"
#include "pd_profile.h"
#include "tp.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static uint8_t *bytes_of(pd_profile *p, bool gzip, size_t *len)
{
    uint8_t *out = NULL;
    pd_err err = {{0}};
    if (pd_profile_encode(p, gzip, &out, len, &err) < 0)
        fail_msg("encode: %s", err.msg);
    pd_profile_free(p);
    return out;
}

static pd_profile *block(int64_t main_n, int64_t leaf_n)
{
    pd_profile *p = tp_new("contentions/count,delay/nanoseconds", "contentions/count", 1);
    tp_stack(p, "main", TP_V(main_n, main_n * 10), NULL);
    tp_stack(p, "leaf;main", TP_V(leaf_n, leaf_n * 10), NULL);
    return p;
}

static pd_profile *heap(int64_t alloc, int64_t inuse)
{
    pd_profile *p = tp_new("alloc_objects/count,alloc_space/bytes,inuse_objects/count,"
                           "inuse_space/bytes",
                           "space/bytes", 524288);
    tp_stack(p, "alloc;main", TP_V(alloc, alloc * 8, inuse, inuse * 8), NULL);
    return p;
}

/* Runs the pipeline, asserting success; a copy of the profile to store in
 * *stored (NULL when nothing is to be stored). */
static void ingest_ok(const uint8_t *body, size_t len, pd_profile_kind kind,
                      const pd_baseline *prev, pd_ingest_out *out, pd_profile **stored)
{
    pd_err err = {{0}};
    pd_ingest_in in = {body, len, 1u << 20, kind, prev, false};
    int rc = pd_ingest(&in, out, &err);
    if (rc < 0)
        fail_msg("ingest: %s", err.msg);
    *stored = NULL;
    if (out->store) {
        assert_non_null(out->p.profile);
        *stored = tp_roundtrip(out->p.profile);
    }
}

static void test_window_kept_as_fetched(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *body = bytes_of(block(3, 4), true, &len);
    pd_ingest_out out;
    pd_profile *st = NULL;
    ingest_ok(body, len, PD_PROFILE_WINDOW, NULL, &out, &st);
    assert_true(out.store);
    assert_false(out.restarted);
    /* the profile as fetched, decoded once: the store takes it as is */
    assert_render(st, "main 3 30\nleaf;main 4 40\n");
    assert_string_equal(out.p.sample_types, "contentions/count,delay/nanoseconds");
    assert_int_equal(out.p.ntotals, 2);
    assert_int_equal(out.p.totals[0], 7);
    assert_int_equal(out.p.totals[1], 70);
    assert_int_equal(out.nsamples, 2);
    pd_profile_free(st);
    pd_ingest_out_free(&out);
    assert_null(out.p.profile);
    free(body);
}

static void test_raw_body_compressed(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *body = bytes_of(block(1, 1), false, &len);
    pd_ingest_out out;
    pd_profile *st = NULL;
    ingest_ok(body, len, PD_PROFILE_GAUGE, NULL, &out, &st);
    assert_true(out.store);
    assert_render(st, "main 1 10\nleaf;main 1 10\n");
    pd_profile_free(st);
    pd_ingest_out_free(&out);
    free(body);
}

/* out's baseline, taken; out freed. */
static pd_baseline *take_baseline(pd_ingest_out *out)
{
    assert_non_null(out->baseline);
    pd_baseline *b = out->baseline;
    out->baseline = NULL;
    pd_ingest_out_free(out);
    return b;
}

/* The baseline of a first snapshot. */
static pd_baseline *first_baseline(const uint8_t *body, size_t len, pd_profile_kind kind)
{
    pd_ingest_out out;
    pd_profile *st = NULL;
    ingest_ok(body, len, kind, NULL, &out, &st);
    assert_null(st);
    return take_baseline(&out);
}

static void test_cumulative_delta(void **state)
{
    (void)state;
    size_t l1 = 0, l2 = 0;
    uint8_t *first = bytes_of(block(3, 4), true, &l1);
    uint8_t *second = bytes_of(block(5, 4), true, &l2);
    pd_ingest_out out;
    pd_profile *st = NULL;
    /* The first snapshot counts since an unknown start: a baseline only. */
    ingest_ok(first, l1, PD_PROFILE_CUMULATIVE, NULL, &out, &st);
    assert_false(out.store);
    assert_null(out.p.profile);
    assert_int_equal(out.p.totals[0], 7); /* described all the same */
    pd_baseline *b1 = take_baseline(&out);
    ingest_ok(second, l2, PD_PROFILE_CUMULATIVE, b1, &out, &st);
    assert_true(out.store);
    assert_false(out.restarted);
    /* What happened between the two: the unchanged stack is gone. */
    assert_render(st, "main 2 20\n");
    assert_int_equal(out.p.totals[0], 2);
    assert_int_equal(out.p.totals[1], 20);
    pd_profile_free(st);
    pd_baseline *b2 = take_baseline(&out);
    /* Counts that went down: the process restarted since the baseline. */
    ingest_ok(first, l1, PD_PROFILE_CUMULATIVE, b2, &out, &st);
    assert_true(out.restarted);
    pd_profile_free(st);
    pd_ingest_out_free(&out);
    pd_baseline_unref(b1);
    pd_baseline_unref(b2);
    free(first);
    free(second);
}

static void test_mixed_heap(void **state)
{
    (void)state;
    size_t l1 = 0, l2 = 0;
    uint8_t *first = bytes_of(heap(10, 4), true, &l1);
    uint8_t *second = bytes_of(heap(15, 6), true, &l2);
    pd_ingest_out out;
    pd_profile *st = NULL;
    pd_baseline *b = first_baseline(first, l1, PD_PROFILE_MIXED);
    ingest_ok(second, l2, PD_PROFILE_MIXED, b, &out, &st);
    assert_true(out.store);
    /* alloc_* as deltas, inuse_* the snapshot as it is. */
    assert_render(st, "alloc;main 5 40 6 48\n");
    pd_profile_free(st);
    pd_ingest_out_free(&out);
    pd_baseline_unref(b);
    free(first);
    free(second);
}

static void test_other_program_starts_over(void **state)
{
    (void)state;
    size_t l1 = 0, l2 = 0;
    uint8_t *blk = bytes_of(block(3, 4), true, &l1);
    uint8_t *hp = bytes_of(heap(1, 1), true, &l2);
    pd_ingest_out out;
    pd_profile *st = NULL;
    /* Another program answers now (sample types differ): a new baseline. */
    pd_baseline *b = first_baseline(blk, l1, PD_PROFILE_CUMULATIVE);
    ingest_ok(hp, l2, PD_PROFILE_CUMULATIVE, b, &out, &st);
    assert_false(out.store);
    assert_true(out.restarted);
    assert_non_null(out.baseline); /* the next delta starts from the new program */
    pd_ingest_out_free(&out);
    pd_baseline_unref(b);
    free(blk);
    free(hp);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3};
    pd_ingest_out out;
    pd_err err = {{0}};
    pd_ingest_in in = {junk, sizeof(junk), 1u << 20, PD_PROFILE_WINDOW, NULL, false};
    assert_true(pd_ingest(&in, &out, &err) < 0);
    assert_true(err.msg[0] != '\0');
    assert_null(out.p.profile);
    assert_null(out.p.totals);
    /* A bad body after a good one leaves the baseline as it was. */
    size_t len = 0;
    uint8_t *body = bytes_of(block(1, 1), true, &len);
    pd_baseline *b = first_baseline(body, len, PD_PROFILE_CUMULATIVE);
    pd_err_clear(&err);
    in = (pd_ingest_in){junk, sizeof(junk), 1u << 20, PD_PROFILE_CUMULATIVE, b, false};
    assert_true(pd_ingest(&in, &out, &err) < 0);
    assert_null(out.baseline);
    pd_baseline_unref(b);
    free(body);
}

/* A target that subtracts itself (godeltaprof): no delta is taken. Its
 * first answer covers an unknown window and only starts the series; each
 * later one is stored as it came, from the previous answer's time. */
static void test_server_delta(void **state)
{
    (void)state;
    size_t l1 = 0, l2 = 0;
    pd_profile *p1 = block(3, 4), *p2 = block(1, 2);
    p1->time_nanos = 1000000000;
    p2->time_nanos = 61000000000;
    uint8_t *first = bytes_of(p1, true, &l1);
    uint8_t *second = bytes_of(p2, true, &l2);
    pd_ingest_out out;
    pd_err err = {{0}};
    pd_ingest_in in = {first, l1, 1u << 20, PD_PROFILE_CUMULATIVE, NULL, true};
    assert_int_equal(pd_ingest(&in, &out, &err), 0);
    assert_false(out.store);
    pd_baseline *b = take_baseline(&out);
    assert_int_equal(pd_baseline_time(b), 1000000000);
    in = (pd_ingest_in){second, l2, 1u << 20, PD_PROFILE_CUMULATIVE, b, true};
    assert_int_equal(pd_ingest(&in, &out, &err), 0);
    assert_true(out.store);
    assert_false(out.restarted);
    pd_profile *st = tp_roundtrip(out.p.profile);
    /* smaller counts than the first: no restart, the target's own delta */
    assert_render(st, "main 1 10\nleaf;main 2 20\n");
    assert_int_equal(out.p.time_ns, 1000000000);
    assert_int_equal(out.p.duration_ns, 60000000000);
    pd_profile_free(st);
    pd_baseline_unref(b);
    pd_ingest_out_free(&out);
    free(first);
    free(second);
}

/* A scraped profile keeps its own time while the target's clock is within
 * a minute of the daemon's, and is put at the scrape's time past that (or
 * without a time); a pushed profile (clock_ns 0) always keeps its own. */
static void test_target_clock(void **state)
{
    (void)state;
    const int64_t scrape = 1800000000000000000; /* 2027, the daemon's clock */
    const int64_t sec = 1000000000;
    struct {
        int64_t profile_time, clock, stored, skew;
    } cases[] = {
        {scrape + 59 * sec, scrape, scrape + 59 * sec, 0}, /* close enough: its own */
        {scrape - 60 * sec, scrape, scrape - 60 * sec, 0}, /* the edge, inclusive */
        {scrape - 61 * sec, scrape, scrape, -61 * sec},    /* behind */
        {scrape + 3600 * sec, scrape, scrape, 3600 * sec}, /* ahead */
        {0, scrape, scrape, -scrape},                      /* no time at all */
        {INT64_MIN + 1, scrape, scrape, INT64_MIN},        /* absurd: no overflow */
        {scrape - 3600 * sec, 0, scrape - 3600 * sec, 0},  /* pushed: kept */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *p = block(3, 4);
        p->time_nanos = cases[i].profile_time;
        size_t len = 0;
        uint8_t *body = bytes_of(p, true, &len);
        pd_ingest_out out;
        pd_err err = {{0}};
        pd_ingest_in in = {body, len, 1u << 20, PD_PROFILE_WINDOW, NULL, false, cases[i].clock};
        assert_int_equal(pd_ingest(&in, &out, &err), 0);
        assert_true(out.store);
        assert_int_equal(out.p.time_ns, cases[i].stored);
        assert_int_equal(out.skew_ns, cases[i].skew);
        pd_ingest_out_free(&out);
        free(body);
    }
    /* A cumulative series of a target an hour behind: the baseline and the
     * delta's window are on the daemon's clock. */
    pd_profile *p1 = block(3, 4), *p2 = block(5, 4);
    p1->time_nanos = scrape - 3600 * sec;
    p2->time_nanos = scrape - 3540 * sec;
    size_t l1 = 0, l2 = 0;
    uint8_t *first = bytes_of(p1, true, &l1), *second = bytes_of(p2, true, &l2);
    pd_ingest_out out;
    pd_err err = {{0}};
    pd_ingest_in in = {first, l1, 1u << 20, PD_PROFILE_CUMULATIVE, NULL, false, scrape};
    assert_int_equal(pd_ingest(&in, &out, &err), 0);
    pd_baseline *b = take_baseline(&out);
    assert_int_equal(pd_baseline_time(b), scrape);
    in = (pd_ingest_in){second, l2, 1u << 20, PD_PROFILE_CUMULATIVE, b, false, scrape + 60 * sec};
    assert_int_equal(pd_ingest(&in, &out, &err), 0);
    assert_true(out.store);
    assert_int_equal(out.p.time_ns, scrape);
    assert_int_equal(out.p.duration_ns, 60 * sec);
    pd_ingest_out_free(&out);
    pd_baseline_unref(b);
    free(first);
    free(second);
}

static void test_push_series(void **state)
{
    (void)state;
    pd_labels ext = PD_LABELS_INIT, s = PD_LABELS_INIT;
    pd_labels_set(&ext, "region", "eu");
    pd_labels_set(&ext, "job", "ext-job");
    pd_err err = {{0}};
    const char *names[] = {"job", "version"}, *values[] = {"api", "v2"};
    /* A custom type with capitals, as the config allows it. */
    assert_int_equal(pd_ingest_push_series("Custom", names, values, 2, &ext, &s, &err), 0);
    assert_string_equal(pd_labels_get(&s, "type"), "Custom");
    assert_string_equal(pd_labels_get(&s, "job"), "api"); /* the sender's wins */
    assert_string_equal(pd_labels_get(&s, "region"), "eu");
    pd_labels_free(&s);

    struct {
        const char *type, *name, *value, *want;
    } bad[] = {
        {"fg-prof", "job", "a", "type: invalid profile type"},
        {"cpu", "__name__", "a", "__name__: invalid label name"},
        {"cpu", "a-b", "a", "a-b: invalid label name"},
        {"cpu", "job", "", "job: want 1 to"},
        {"cpu", "job", "\xff", "job: label value is not valid UTF-8"},
        {"cpu", "type", "x", "type: given as a label"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pd_labels_init(&s);
        pd_err_clear(&err);
        const char *n1[] = {bad[i].name}, *v1[] = {bad[i].value};
        assert_int_equal(pd_ingest_push_series(bad[i].type, n1, v1, 1, &ext, &s, &err), -EINVAL);
        assert_contains(err.msg, bad[i].want);
        pd_labels_free(&s);
    }
    const char *twice[] = {"job", "job"}, *tv[] = {"a", "b"};
    pd_labels_init(&s);
    pd_err_clear(&err);
    assert_int_equal(pd_ingest_push_series("cpu", twice, tv, 2, NULL, &s, &err), -EINVAL);
    assert_contains(err.msg, "job: given twice");
    pd_labels_free(&s);
    pd_labels_free(&ext);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_kept_as_fetched),
        cmocka_unit_test(test_raw_body_compressed),
        cmocka_unit_test(test_cumulative_delta),
        cmocka_unit_test(test_mixed_heap),
        cmocka_unit_test(test_other_program_starts_over),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_server_delta),
        cmocka_unit_test(test_target_clock),
        cmocka_unit_test(test_push_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
