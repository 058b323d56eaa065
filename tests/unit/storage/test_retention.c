/* storage/: retention by age and by size in small steps, removal of empty
 * series and partitions, size accounting. */
#include "st_test.h"

typedef st_fx fx;

/* 20 profiles at t = 1..20: job=old holds t 1..5 only, job=a and job=b
 * alternate over t 6..20. */
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

static int64_t sql_int(fx *f, const char *sql)
{
    int64_t v = -1;
    pd_err err = {{0}};
    assert_int_equal(pd_store_debug_int(f->s, sql, &v, &err), 0);
    return v;
}

/* The running total is what the file holds: every profile's columns and
 * every partition's symbols; each partition counts its own. */
static void assert_accounting(fx *f)
{
    int64_t rows = sql_int(f, "SELECT coalesce(sum(size), 0) FROM profiles");
    int64_t symbols = sql_int(f, "SELECT coalesce(sum(length(data)), 0) FROM symbols");
    assert_int_equal(data_bytes(f), rows + symbols);
    assert_int_equal(sql_int(f, "SELECT coalesce(sum(bytes), 0) FROM partitions"), rows + symbols);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions p WHERE profiles !="
                                " (SELECT count(*) FROM profiles WHERE partition_id = p.id)"),
                     0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols s WHERE NOT EXISTS"
                                " (SELECT 1 FROM partitions WHERE id = s.partition_id)"),
                     0);
}

static void test_by_age_in_steps(void **state)
{
    fx *f = *state;
    assert_accounting(f);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions"), 3); /* one per job */
    int64_t before = data_bytes(f);
    assert_int_equal(step(f, 0, 0, 10), 0); /* nothing asked */
    assert_int_equal(step(f, 11, 0, 0), 0); /* empty batch */
    /* t < 11: ten profiles, three at a time */
    assert_int_equal(step(f, 11, 0, 3), 3);
    expect_jobs(f, "a b old");
    assert_accounting(f);
    assert_int_equal(step(f, 11, 0, 3), 3);
    expect_jobs(f, "a b"); /* job=old lost its last profile (t=5) in this step */
    /* and its partition went with its symbols */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions"), 2);
    assert_accounting(f);
    assert_int_equal(step(f, 11, 0, 3), 3);
    assert_int_equal(step(f, 11, 0, 3), 1);
    assert_int_equal(step(f, 11, 0, 3), 0);
    assert_int_equal(st_count(f->r), 10);
    assert_int_equal(oldest(f), 11);
    assert_accounting(f);
    assert_true(data_bytes(f) < before);
    /* a series (and a partition) removed by retention can come back */
    st_put1(f->s, "job=old,type=cpu", 30, 50);
    expect_jobs(f, "a b old");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions"), 3);
    assert_accounting(f);
    pd_err err = {{0}};
    assert_int_equal(pd_store_integrity_check(f->r, &err), 0);
    /* what is left still reads back */
    pd_profile *p = NULL;
    assert_int_equal(pd_store_load(f->r, st_put1(f->s, "job=a,type=cpu", 31, 3), &p, &err), 0);
    assert_int_equal(p->nsamples, 3);
    pd_profile_free(p);
}

static void test_by_size_in_steps(void **state)
{
    fx *f = *state;
    /* down to half the bytes, two at a time, oldest first */
    int64_t max = data_bytes(f) / 2;
    size_t total = 0, n;
    int64_t last_oldest = oldest(f);
    while ((n = step(f, 0, max, 2)) > 0) {
        assert_true(n <= 2);
        total += n;
        assert_true(oldest(f) > last_oldest);
        last_oldest = oldest(f);
        assert_accounting(f);
    }
    assert_true(total > 0 && total < 20);
    assert_true(data_bytes(f) <= max);
    assert_int_equal(st_count(f->r), 20 - (int64_t)total);
    /* age and size together: whichever asks for more */
    assert_int_equal(step(f, 19, max, 100), (size_t)(18 - last_oldest + 1));
    assert_int_equal(oldest(f), 19);
    assert_int_equal(step(f, 0, 1, 10), 2);
    assert_int_equal(st_count(f->r), 0);
    /* no profile left: no partition, no symbol, no byte */
    assert_int_equal(data_bytes(f), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols"), 0);
    assert_accounting(f);
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
    int64_t before = data_bytes(f);
    pd_store_close(f->s);
    f->s = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    assert_int_equal(data_bytes(f), before);
    assert_accounting(f);
}

/* A profile of `n` stacks no other profile has (names from an LCG, which
 * compress like real symbols do: not at all well). */
static pd_profile *unique_profile(uint64_t seed, int n)
{
    pd_profile *p = tp_new("samples/count", NULL, 0);
    for (int i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        char stack[96];
        snprintf(stack, sizeof(stack), "pkg.f%016llx;pkg.g%08llx;main", (unsigned long long)seed,
                 (unsigned long long)(seed >> 29));
        tp_stack(p, stack, TP_V(i + 1), NULL);
    }
    return p;
}

static void test_file_shrinks(void **state)
{
    fx *f = *state;
    /* big profiles, then delete them: incremental_vacuum returns the pages */
    for (int64_t t = 100; t < 132; t++) {
        st_item x;
        st_item_init(&x, "job=big,type=cpu", t, 1);
        pd_profile *p = unique_profile((uint64_t)t, 1500);
        x.it.profile = p;
        pd_err err = {{0}};
        assert_int_equal(pd_store_put(f->s, &x.it, 1, NULL, &err), 0);
        pd_profile_free(p);
    }
    int64_t bytes = 0, before = 0, after = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes, &before, &err), 0);
    assert_true(before > 32 * 32 * 1024);
    assert_accounting(f);
    while (step(f, 0, 1, 8) > 0)
        ;
    assert_int_equal(pd_store_size(f->s, &bytes, &after, &err), 0);
    assert_int_equal(bytes, 0);
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
