/* storage/: a version-3 file (gzip pprof per row) opens at once, reads
 * throughout, and converts to the stored form in resumable steps with no
 * profile lost. */
#include "st_test.h"

typedef st_fx fx;

#define N 23

static const char *const jobs[] = {"job=api,type=cpu", "job=api,type=heap", "job=db,type=cpu"};

/* N profiles over three series, turned into a version-3 file and
 * reopened (migrated): want[i] is profile i + 1 as stored. */
static pd_profile *want[N + 1];

static int setup(void **state)
{
    fx *f = st_fx_new(true, false);
    for (int i = 0; i < N; i++)
        want[i] = st_profile(100 + i, 1 + (size_t)i % 9);
    for (int i = 0; i < N; i++) {
        st_item x;
        st_item_init(&x, jobs[i % 3], 100 + i, 1);
        x.it.profile = want[i];
        pd_err err = {{0}};
        assert_int_equal(pd_store_put(f->s, &x.it, 1, NULL, &err), 0);
    }
    st_fx_downgrade_to_3(f);
    pd_err err = {{0}};
    pd_store_close(f->s);
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    assert_int_equal(pd_store_reader_open(f->path, &f->r, &err), 0);
    *state = f;
    return 0;
}

static int64_t sql_int(fx *f, const char *sql)
{
    int64_t v = -1;
    pd_err err = {{0}};
    assert_int_equal(pd_store_debug_int(f->s, sql, &v, &err), 0);
    return v;
}

/* Every profile reads back equal to what was stored, whichever form its
 * row is in, and the series keep their totals. */
static void expect_all(fx *f)
{
    assert_int_equal(st_count(f->r), N);
    for (int i = 0; i < N; i++) {
        pd_profile *p = NULL;
        pd_err err = {{0}};
        assert_int_equal(pd_store_load(f->r, i + 1, &p, &err), 0);
        assert_lossless(p, want[i]);
        int64_t tot[2], wt[2];
        pd_profile_totals(p, tot);
        pd_profile_totals(want[i], wt);
        assert_memory_equal(tot, wt, sizeof(tot));
        pd_profile_free(p);
    }
}

static size_t step(fx *f, size_t batch, int64_t *left)
{
    size_t n = 99;
    pd_err err = {{0}};
    int rc = pd_store_convert_step(f->s, batch, &n, left, &err);
    if (rc != 0)
        fail_msg("convert: %s", err.msg);
    return n;
}

static void test_converts_in_steps(void **state)
{
    fx *f = *state;
    int64_t gz = sql_int(f, "SELECT sum(size) FROM profiles");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profiles WHERE partition_id IS NULL"), N);
    expect_all(f); /* version-3 rows read as they are */
    int64_t left = -1;
    assert_int_equal(step(f, 5, &left), 5);
    assert_int_equal(left, N - 5);
    expect_all(f); /* half converted */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profiles WHERE partition_id IS NULL"), N - 5);
    /* resumable: a writer reopened (as after kill -9) goes on from there */
    pd_store_close(f->s);
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    size_t total = 5;
    while (left > 0)
        total += step(f, 5, &left);
    assert_int_equal(total, N);
    assert_int_equal(step(f, 5, &left), 0); /* done: a no-op */
    assert_int_equal(left, 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profiles WHERE partition_id IS NULL"), 0);
    expect_all(f);
    /* smaller, and the running total is what the file holds */
    int64_t rows = sql_int(f, "SELECT sum(size) FROM profiles");
    int64_t symbols = sql_int(f, "SELECT sum(length(data)) FROM symbols");
    int64_t bytes = 0;
    assert_int_equal(pd_store_size(f->s, &bytes, NULL, &err), 0);
    assert_int_equal(bytes, rows + symbols);
    assert_true(rows < gz);
    assert_int_equal(sql_int(f, "SELECT sum(profiles) FROM partitions"), N);
    assert_int_equal(pd_store_integrity_check(f->r, &err), 0);
}

static void test_new_profiles_beside_old_rows(void **state)
{
    fx *f = *state;
    /* stored while old rows wait: converted ones and new ones share the
     * partition, and the new id is past the range to convert */
    int64_t id = st_put1(f->s, "job=api,type=cpu", 500, 4);
    assert_int_equal(id, N + 1);
    int64_t left = -1;
    while (step(f, 7, &left) > 0)
        ;
    assert_int_equal(left, 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions"), 2); /* api, db */
    pd_profile *p = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_load(f->r, id, &p, &err), 0);
    assert_int_equal(p->nsamples, 4);
    pd_profile_free(p);
}

static void test_undecodable_row_stays(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    assert_int_equal(
        pd_store_exec(f->s, "UPDATE profiles SET data = X'1f8b0800' WHERE id = 3", &err), 0);
    int64_t left = -1;
    while (step(f, 4, &left) > 0)
        ;
    assert_int_equal(left, 0);
    /* left as it was, the error as before, the others converted */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM profiles WHERE partition_id IS NULL"), 1);
    pd_profile *p = NULL;
    assert_int_not_equal(pd_store_load(f->r, 3, &p, &err), 0);
    assert_null(p);
    err = (pd_err){{0}};
    assert_int_equal(pd_store_load(f->r, 4, &p, &err), 0);
    pd_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_converts_in_steps, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_new_profiles_beside_old_rows, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_row_stays, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
