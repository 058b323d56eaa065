/* storage/: retention by age and by size in small steps, removal of empty
 * series, size accounting. */
#include "st_test.h"

typedef st_fx fx;

/* 20 profiles of 100 bytes at t = 1..20: job=old holds t 1..5 only, job=a
 * and job=b alternate over t 6..20. */
static int setup(void **state)
{
    fx *f = st_fx_new(true, true);
    for (int64_t t = 1; t <= 20; t++) {
        const char *labels =
            t <= 5 ? "job=old,type=cpu" : (t % 2 ? "job=a,type=cpu" : "job=b,type=cpu");
        st_put1(f->s, labels, t, 100);
    }
    *state = f;
    return 0;
}

static size_t step(fx *f, int64_t older_than, int64_t max_bytes, size_t batch)
{
    size_t deleted = 99;
    pd_err err = {{0}};
    int rc = pd_store_retention_step(f->s, older_than, max_bytes, batch, &deleted, &err);
    if (rc != 0)
        fprintf(stderr, "retention: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return deleted;
}

static int64_t data_bytes(fx *f)
{
    int64_t bytes = -1;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes, NULL, &err), 0);
    return bytes;
}

/* The time of the oldest stored cpu profile (-1 if none). */
static int64_t oldest(fx *f)
{
    pd_store_query q = {.type = "cpu", .from_ns = INT64_MIN, .to_ns = INT64_MAX, .limit = 1};
    st_found got = {0};
    pd_err err = {{0}};
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), 0);
    if (got.n == 0)
        return -1;
    pd_store_meta m;
    uint8_t *data;
    size_t len;
    assert_int_equal(pd_store_get(f->r, got.ids[0], &data, &len, &m, &err), 0);
    int64_t t = m.time_ns;
    free(data);
    pd_store_meta_release(&m);
    return t;
}

static void expect_jobs(fx *f, const char *want)
{
    st_strings got = {{0}};
    pd_err err = {{0}};
    assert_int_equal(pd_store_label_values(f->r, "job", NULL, st_strings_cb, &got, &err), 0);
    assert_string_equal(got.joined, want);
}

static void test_by_age_in_steps(void **state)
{
    fx *f = *state;
    assert_int_equal(data_bytes(f), 2000);
    assert_int_equal(step(f, 0, 0, 10), 0); /* nothing asked */
    assert_int_equal(step(f, 11, 0, 0), 0); /* empty batch */
    /* t < 11: ten profiles, three at a time */
    assert_int_equal(step(f, 11, 0, 3), 3);
    expect_jobs(f, "a b old");
    assert_int_equal(step(f, 11, 0, 3), 3);
    expect_jobs(f, "a b"); /* job=old lost its last profile (t=5) in this step */
    assert_int_equal(step(f, 11, 0, 3), 3);
    assert_int_equal(step(f, 11, 0, 3), 1);
    assert_int_equal(step(f, 11, 0, 3), 0);
    assert_int_equal(st_count(f->r), 10);
    assert_int_equal(oldest(f), 11);
    assert_int_equal(data_bytes(f), 1000);
    /* a series removed by retention can come back */
    st_put1(f->s, "job=old,type=cpu", 30, 50);
    expect_jobs(f, "a b old");
    assert_int_equal(data_bytes(f), 1050);
    pd_err err = {{0}};
    assert_int_equal(pd_store_integrity_check(f->r, &err), 0);
}

static void test_by_size_in_steps(void **state)
{
    fx *f = *state;
    /* down to 450 bytes: the 16 oldest go, two at a time */
    size_t total = 0, steps = 0, n;
    while ((n = step(f, 0, 450, 2)) > 0) {
        assert_true(n <= 2);
        total += n;
        steps++;
    }
    assert_int_equal(total, 16);
    assert_int_equal(steps, 8);
    assert_int_equal(data_bytes(f), 400);
    assert_int_equal(st_count(f->r), 4);
    assert_int_equal(oldest(f), 17);
    expect_jobs(f, "a b");
    /* age and size together: whichever asks for more */
    assert_int_equal(step(f, 19, 450, 10), 2);
    assert_int_equal(oldest(f), 19);
    assert_int_equal(step(f, 0, 1, 10), 2);
    assert_int_equal(st_count(f->r), 0);
    assert_int_equal(data_bytes(f), 0);
    expect_jobs(f, "");
    int64_t bytes = 0, file = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes, &file, &err), 0);
    assert_true(file > 0);
}

static void test_size_survives_reopen(void **state)
{
    fx *f = *state;
    assert_int_equal(step(f, 6, 0, 100), 5);
    pd_store_close(f->s);
    f->s = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    assert_int_equal(data_bytes(f), 1500);
}

static void test_file_shrinks(void **state)
{
    fx *f = *state;
    /* big profiles, then delete them: incremental_vacuum returns the pages */
    static uint8_t blob[64 * 1024];
    memset(blob, 7, sizeof(blob));
    for (int64_t t = 100; t < 132; t++) {
        st_item x;
        st_item_init(&x, "job=big,type=cpu", t, 8);
        x.it.data = blob;
        x.it.len = sizeof(blob);
        pd_err err = {{0}};
        assert_int_equal(pd_store_put(f->s, &x.it, 1, NULL, &err), 0);
    }
    int64_t bytes = 0, before = 0, after = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes, &before, &err), 0);
    assert_true(before > 32 * 64 * 1024);
    while (step(f, 0, 2000, 8) > 0)
        ;
    assert_int_equal(pd_store_size(f->s, &bytes, &after, &err), 0);
    assert_true(bytes <= 2000);
    assert_true(after < before / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_by_age_in_steps, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_by_size_in_steps, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_size_survives_reopen, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_file_shrinks, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
