/* storage/st_rollup.c and pd_store_plan: rollups sum exactly what they
 * cover, a plan of rollups and raw edges merges to what the raw profiles
 * merge to, late profiles join finished buckets, retention per resolution
 * keeps what the coarser ones have not taken over. */
#include "pd_store_debug.h"
#include "st_test.h"

#define SEC INT64_C(1000000000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* A day boundary (19675 days after the epoch). */
#define T0 (INT64_C(1699920000) * SEC)
#define NSERIES 3

static const char *const series_labels[NSERIES] = {"instance=a:1,job=api,type=cpu",
                                                   "instance=b:1,job=api,type=cpu",
                                                   "instance=c:1,job=web,type=cpu"};

/* A CPU profile like st_profile's, with values small enough that sums of
 * many stay far from overflow (pprof would not merge negative ones as
 * plain sums). */
static pd_profile *small_profile(int64_t time_ns, size_t n, int64_t *totals)
{
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
    uint32_t app = tp_map(p, 0x400000, 0x480000, 0, "/bin/app", "");
    uint32_t main_loc = tp_loc(p, app, 0x400100, "main");
    totals[0] = totals[1] = 0;
    for (size_t i = 0; i < n; i++) {
        char fn[32];
        snprintf(fn, sizeof(fn), "f%zu", i % 7);
        uint32_t leaf = tp_loc(p, app, 0x401000 + 16 * (i % 7), fn);
        int64_t v = (time_ns / SEC) % 97 + (int64_t)i + 1;
        tp_sample_locs(p, (uint32_t[]){leaf, main_loc}, 2, TP_V(v, v * 10000000), NULL);
        totals[0] += v;
        totals[1] += v * 10000000;
    }
    p->time_nanos = time_ns;
    return p;
}

static void item_init(st_item *x, const char *labels, int64_t time_ns, size_t samples)
{
    st_item_init(x, labels, 0, 0); /* its totals from the time would overflow */
    x->it.time_ns = time_ns;
    x->it.profile = small_profile(time_ns, samples, x->totals);
}

static void put_one(pd_store *s, const char *labels, int64_t time_ns, size_t samples)
{
    st_item x;
    item_init(&x, labels, time_ns, samples);
    pd_err err = {{0}};
    if (pd_store_put(s, &x.it, 1, NULL, &err) != 0)
        fail_msg("put: %s", err.msg);
    pd_profile_free((pd_profile *)x.it.profile);
}

/* Profiles of every series each `step` from T0 + from for `n` steps, in
 * batches as the writer makes them; the series are a few seconds apart. */
static int64_t fill(pd_store *s, int64_t from, int64_t n, int64_t step)
{
    enum { BATCH = 60 };
    st_item x[BATCH];
    pd_store_item items[BATCH];
    size_t k = 0;
    int64_t put = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < NSERIES; j++) {
            item_init(&x[k], series_labels[j], T0 + from + i * step + j * 7 * SEC,
                      2 + (size_t)((i + j) % 6));
            items[k] = x[k].it;
            if (++k == BATCH || (i == n - 1 && j == NSERIES - 1)) {
                pd_err err = {{0}};
                if (pd_store_put(s, items, k, NULL, &err) != 0)
                    fail_msg("put: %s", err.msg);
                for (size_t m = 0; m < k; m++)
                    pd_profile_free((pd_profile *)items[m].profile);
                put += (int64_t)k;
                k = 0;
            }
        }
    }
    return put;
}

/* Compaction steps of `budget` rows as of `now` until nothing is ready;
 * returns the steps taken. */
static int compact_all(pd_store *s, int64_t now, size_t budget)
{
    int steps = 0;
    bool more = true;
    while (more) {
        pd_err err = {{0}};
        if (pd_store_compact_step(s, now, budget, &more, NULL, &err) != 0)
            fail_msg("compact: %s", err.msg);
        assert_true(++steps < 100000);
    }
    return steps;
}

static int64_t sql_int(pd_store *s, const char *sql)
{
    int64_t v = -1;
    pd_err err = {{0}};
    if (pd_store_debug_int(s, sql, &v, &err) != 0)
        fail_msg("%s: %s", sql, err.msg);
    return v;
}

/* Rows of a plan or a find, kept to be merged after the query. */
typedef struct rows {
    int64_t id[20000];
    int level[20000];
    int64_t count, n, rollups;
    int64_t from, step; /* plans cut at from + k * step */
    int64_t totals;
} rows;

static int on_row(void *ctx, const pd_store_meta *m)
{
    rows *r = ctx;
    assert_true(r->n < 20000);
    r->id[r->n] = m->id;
    r->level[r->n++] = m->level;
    r->count += m->count;
    r->rollups += m->level > 0;
    r->totals = (int64_t)((uint64_t)r->totals + (uint64_t)m->totals[0]);
    if (m->level > 0 && r->step > 0) {
        /* a rollup's bucket lies inside one step */
        int64_t w = PD_STORE_LEVEL_NS(m->level);
        int64_t start = m->time_ns - ((m->time_ns % w) + w) % w;
        assert_int_equal((start - r->from) / r->step, (start + w - 1 - r->from) / r->step);
    }
    return 0;
}

static pd_profile *merge_rows(pd_store_reader *rd, const rows *r)
{
    pd_agg *a = pd_agg_new();
    pd_err err = {{0}};
    for (int64_t i = 0; i < r->n; i++)
        if (pd_store_agg_add(rd, r->level[i], r->id[i], a, &err) != 0)
            fail_msg("agg row %lld (level %d): %s", (long long)r->id[i], r->level[i], err.msg);
    pd_profile *p = NULL;
    if (pd_store_agg_finish(rd, a, &p, &err) != 0)
        fail_msg("agg finish: %s", err.msg);
    pd_agg_free(a);
    return p;
}

/* The plan of [from, to] (offsets from T0) merges to the raw merge, and
 * reads fewer rows when it can; *used_rollups (OUT). */
static void check_range(st_fx *f, int64_t from, int64_t to, int64_t step, bool *used_rollups)
{
    pd_store_query q = {.type = "cpu", .from_ns = T0 + from, .to_ns = T0 + to};
    static rows raw, plan;
    memset(&raw, 0, sizeof(raw));
    memset(&plan, 0, sizeof(plan));
    plan.from = q.from_ns;
    plan.step = step;
    pd_err err = {{0}};
    assert_int_equal(pd_store_find(f->r, &q, on_row, &raw, &err), 0);
    assert_int_equal(pd_store_plan(f->r, &q, step, on_row, &plan, &err), 0);
    assert_int_equal(plan.count, raw.count);
    assert_int_equal(plan.totals, raw.totals);
    assert_true(plan.n <= raw.n);
    *used_rollups = plan.rollups > 0;
    if (raw.n == 0)
        return;
    pd_profile *want = merge_rows(f->r, &raw), *got = merge_rows(f->r, &plan);
    assert_same_samples(got, want);
    pd_profile_free(want);
    pd_profile_free(got);
}

static void test_rollups_equal_raw(void **state)
{
    st_fx *f = *state;
    /* two days and seven hours at one minute */
    int64_t n = fill(f->s, 0, 2 * 1440 + 7 * 60, MIN);
    int steps = compact_all(f->s, T0 + 10 * DAY, 64);
    assert_true(steps > 10);
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT coalesce(sum(count), 0) FROM rollups WHERE level = %d",
                 level);
        assert_int_equal(sql_int(f->s, sql), n);
    }
    /* one row per series, partition and bucket: per day at level 3 */
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM rollups WHERE level = 3"), 3 * NSERIES);
    bool used = false;
    check_range(f, 0, 2 * DAY + 7 * HOUR, 0, &used);
    assert_true(used);
    check_range(f, 123 * SEC, 2 * DAY + 5 * HOUR + 17 * SEC, 0, &used);
    assert_true(used);
    check_range(f, DAY, 2 * DAY - 1, 0, &used); /* exactly one day */
    assert_true(used);
    check_range(f, 3 * HOUR + 7 * MIN, 3 * HOUR + 8 * MIN, 0, &used); /* no whole bucket */
    assert_false(used);
    check_range(f, -DAY, 10 * DAY, 0, &used);
    /* series: rows are cut at the steps, aligned or not */
    check_range(f, 0, 2 * DAY, HOUR, &used);
    assert_true(used);
    check_range(f, 17 * MIN, 2 * DAY + 17 * MIN, HOUR, &used);
    assert_true(used);
    check_range(f, 0, DAY, 7 * MIN, &used);
    /* all of time, at both ends of int64 */
    static rows all;
    memset(&all, 0, sizeof(all));
    pd_store_query q = {.type = "cpu", .from_ns = INT64_MIN, .to_ns = INT64_MAX};
    pd_err err = {{0}};
    assert_int_equal(pd_store_plan(f->r, &q, 0, on_row, &all, &err), 0);
    assert_int_equal(all.count, n);
    q.from_ns = INT64_MIN + 1;
    q.to_ns = -1;
    memset(&all, 0, sizeof(all));
    all.from = q.from_ns;
    all.step = DAY;
    assert_int_equal(pd_store_plan(f->r, &q, INT64_MAX / 2, on_row, &all, &err), 0);
    assert_int_equal(all.count, 0);
}

/* Buckets are rolled up only once they cannot change; a profile that
 * comes later still joins each level, as a row of its own. */
static void test_late_and_unfinished(void **state)
{
    st_fx *f = *state;
    int64_t n = fill(f->s, 0, 3 * 60, MIN); /* three hours */
    /* "now" is 1 minute past the last bucket: it waits out its grace */
    compact_all(f->s, T0 + 3 * HOUR + MIN, 1000);
    int64_t level1 = sql_int(f->s, "SELECT sum(count) FROM rollups WHERE level = 1");
    assert_int_equal(level1, n - 5 * NSERIES);
    assert_int_equal(sql_int(f->s, "SELECT sum(count) FROM rollups WHERE level = 2"),
                     2 * 60 * NSERIES);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM rollups WHERE level = 3"), 0);
    /* a late profile in the first hour: into levels 1 and 2 at once */
    put_one(f->s, series_labels[1], T0 + 30 * MIN + 30 * SEC, 4);
    assert_int_equal(sql_int(f->s, "SELECT sum(count) FROM rollups WHERE level = 2"),
                     2 * 60 * NSERIES + 1);
    bool used = false;
    check_range(f, 0, 3 * HOUR, 0, &used);
    assert_true(used);
    /* later, everything is rolled up, the late one once per level */
    compact_all(f->s, T0 + 2 * DAY, 1000);
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT sum(count) FROM rollups WHERE level = %d", level);
        assert_int_equal(sql_int(f->s, sql), n + 1);
    }
    check_range(f, 0, 3 * HOUR, 0, &used);
    check_range(f, -HOUR, DAY, 0, &used);
    assert_true(used);
    /* a history of late profiles (an import beside the daemon): each joins
     * every level at once, and compaction sums them back into one row per
     * series, partition and bucket */
    for (int i = 0; i < 40; i++)
        put_one(f->s, series_labels[i % NSERIES], T0 + 10 * MIN + i * 7 * SEC, 3);
    assert_true(sql_int(f->s, "SELECT count(*) FROM rollup_late") > 0);
    compact_all(f->s, T0 + 2 * DAY, 1000);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM rollup_late"), 0);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM (SELECT 1 FROM rollups"
                                   " GROUP BY level, series_id, start_ns, partition_id"
                                   " HAVING count(*) > 1)"),
                     0);
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT sum(count) FROM rollups WHERE level = %d", level);
        assert_int_equal(sql_int(f->s, sql), n + 41);
    }
    /* the byte count still adds up */
    assert_int_equal(sql_int(f->s, "SELECT (SELECT value FROM meta WHERE key = 'total_bytes')"
                                   " - (SELECT coalesce(sum(size), 0) FROM profiles)"
                                   " - (SELECT coalesce(sum(size), 0) FROM rollups)"
                                   " - (SELECT coalesce(sum(length(data)), 0) FROM symbols)"),
                     0);
    check_range(f, 0, 3 * HOUR, 0, &used);
    check_range(f, -HOUR, DAY, 0, &used);
}

/* Small steps, with profiles arriving between them, build the same rows
 * as one pass. */
static void test_steps_resume(void **state)
{
    st_fx *f = *state;
    int64_t n = fill(f->s, 0, 6 * 60, MIN);
    for (int i = 0; i < 5; i++) {
        bool more = false;
        pd_err err = {{0}};
        assert_int_equal(pd_store_compact_step(f->s, T0 + 2 * DAY, 7, &more, NULL, &err), 0);
        assert_true(more);
        n += fill(f->s, 6 * HOUR + i * MIN, 1, MIN);
    }
    compact_all(f->s, T0 + 2 * DAY, 7);
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT sum(count) FROM rollups WHERE level = %d", level);
        assert_int_equal(sql_int(f->s, sql), n);
    }
    bool used = false;
    check_range(f, 0, DAY, 0, &used);
    assert_true(used);
}

/* Retention per resolution: raw profiles go for age only where level 1
 * holds them; what the plan answers from the rollups stays. */
static void test_retention_per_level(void **state)
{
    st_fx *f = *state;
    int64_t n = fill(f->s, 0, 2 * 1440, MIN);
    pd_err err = {{0}};
    size_t deleted = 0;
    int64_t ages[PD_STORE_LEVELS + 1] = {T0 + DAY, 0, 0, 0};
    /* nothing rolled up yet: age alone decides (no level has started) */
    assert_int_equal(pd_store_retention_levels(f->s, ages, 0, 100, &deleted, &err), 0);
    assert_int_equal(deleted, 100);
    n -= 100;
    /* level 1 up to the first hour: raw goes up to there and no further */
    compact_all(f->s, T0 + HOUR + 2 * MIN, 100000);
    for (;;) {
        assert_int_equal(pd_store_retention_levels(f->s, ages, 0, 500, &deleted, &err), 0);
        if (deleted == 0)
            break;
        n -= (int64_t)deleted;
    }
    assert_int_equal(sql_int(f->s, "SELECT min(time_ns) FROM profiles"), T0 + HOUR);
    compact_all(f->s, T0 + 10 * DAY, 100000);
    int64_t level1 = sql_int(f->s, "SELECT sum(count) FROM rollups WHERE level = 1");
    for (;;) {
        assert_int_equal(pd_store_retention_levels(f->s, ages, 0, 500, &deleted, &err), 0);
        if (deleted == 0)
            break;
    }
    assert_int_equal(sql_int(f->s, "SELECT min(time_ns) FROM profiles"), T0 + DAY);
    /* the whole range still answers: the first day from the rollups */
    static rows plan;
    memset(&plan, 0, sizeof(plan));
    pd_store_query q = {.type = "cpu", .from_ns = T0, .to_ns = T0 + 2 * DAY};
    assert_int_equal(pd_store_plan(f->r, &q, 0, on_row, &plan, &err), 0);
    assert_int_equal(plan.count, level1);
    /* level 1 for age: only where level 2 holds it; then by size, the
     * finest resolution left goes first */
    int64_t ages1[PD_STORE_LEVELS + 1] = {0, T0 + 2 * DAY, 0, 0};
    assert_int_equal(pd_store_retention_levels(f->s, ages1, 0, 100000, &deleted, &err), 0);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM rollups WHERE level = 1"),
                     sql_int(f->s, "SELECT count(*) FROM rollups WHERE level = 1 AND start_ns >= "
                                   "(SELECT value FROM meta WHERE key = 'rollup_done_2')"));
    int64_t zero[PD_STORE_LEVELS + 1] = {0};
    for (;;) {
        assert_int_equal(pd_store_retention_levels(f->s, zero, 1, 1000, &deleted, &err), 0);
        if (deleted == 0)
            break;
    }
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM profiles"), 0);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM rollups"), 0);
    /* series and partitions went with their last rows */
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM series"), 0);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM partitions"), 0);
    assert_int_equal(sql_int(f->s, "SELECT count(*) FROM symbols"), 0);
}

static int setup(void **state)
{
    *state = st_fx_new(true, true);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rollups_equal_raw, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_late_and_unfinished, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_steps_resume, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_retention_per_level, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
