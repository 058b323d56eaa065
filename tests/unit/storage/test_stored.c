/* storage/: profiles kept in the stored form — symbols once per job and
 * binary, readable while the writer adds to them, and nothing half-saved
 * after a failed batch. */
#include "st_test.h"

typedef st_fx fx;

static int setup(void **state)
{
    *state = st_fx_new(true, true);
    return 0;
}

/* A profile of binary `bin` (build id `bid`) with the stacks given as
 * "leaf;main" specs, labels on the first sample, numeric ones too. */
static pd_profile *of_binary(const char *bin, const char *bid, const char *const *stacks, size_t n,
                             int64_t scale)
{
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
    uint32_t m = tp_map(p, 0x400000, 0x500000, 0, bin, bid);
    tp_map(p, 0x7fff0000, 0x7fff1000, 0, "[vdso]", "");
    for (size_t i = 0; i < n; i++) {
        char spec[256];
        snprintf(spec, sizeof(spec), "%s", stacks[i]);
        uint32_t locs[16];
        uint32_t k = 0;
        char *save = NULL;
        for (char *fn = strtok_r(spec, ";", &save); fn && k < 16; fn = strtok_r(NULL, ";", &save)) {
            /* one location per function, as Go makes them */
            uint64_t addr = 0x400000 + 0x100 * (uint64_t)(fn[0] * 31 + fn[1]);
            uint32_t loc = UINT32_MAX;
            for (uint32_t j = 0; j < p->nlocations && loc == UINT32_MAX; j++)
                if (p->locations[j].address == addr)
                    loc = j;
            locs[k++] = loc != UINT32_MAX ? loc : tp_loc(p, m, addr, fn);
        }
        tp_sample_locs(p, locs, k, TP_V(scale * (int64_t)(i + 1), scale * (int64_t)(i + 1) * 10),
                       i == 0 ? "span=x,bytes#512@bytes" : NULL);
    }
    p->time_nanos = 1000 + scale;
    p->duration_nanos = 10;
    tp_comment(p, bin);
    return p;
}

static int64_t put(fx *f, const char *labels, const pd_profile *p)
{
    st_item x;
    st_item_init(&x, labels, p->time_nanos, 1);
    x.it.profile = p;
    int64_t id = 0;
    pd_err err = {{0}};
    int rc = pd_store_put(f->s, &x.it, 1, &id, &err);
    if (rc != 0)
        fail_msg("put: %s", err.msg);
    return id;
}

static int64_t sql_int(fx *f, const char *sql)
{
    int64_t v = -1;
    pd_err err = {{0}};
    assert_int_equal(pd_store_debug_int(f->s, sql, &v, &err), 0);
    return v;
}

/* Both the decoded profile and the gzip pprof served equal p. */
static void expect_profile(fx *f, int64_t id, const pd_profile *want)
{
    pd_err err = {{0}};
    pd_profile *got = NULL;
    assert_int_equal(pd_store_load(f->r, id, &got, &err), 0);
    assert_lossless(got, want);
    pd_profile_free(got);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(pd_store_get(f->r, id, &data, &len, NULL, &err), 0);
    assert_int_equal(pd_profile_decode(data, len, 0, &got, &err), 0);
    assert_lossless(got, want);
    pd_profile_free(got);
    free(data);
}

static const char *const app_v1[] = {"work;main", "parse;work;main", "main"};
static const char *const app_v2[] = {"work;main", "encode;work;main"};

static void test_binaries_and_jobs_get_partitions(void **state)
{
    fx *f = *state;
    pd_profile *a = of_binary("/bin/app", "v1", app_v1, 3, 1);
    pd_profile *b = of_binary("/bin/app", "v2", app_v2, 2, 2);
    pd_profile *c = of_binary("/bin/other", "", app_v1, 3, 3);
    int64_t ia = put(f, "instance=h1,job=api,type=cpu", a);
    int64_t ib = put(f, "instance=h2,job=api,type=cpu", b);
    int64_t ic = put(f, "instance=h1,job=batch,type=cpu", c);
    /* the same binary under another job and type: the job's own partition */
    int64_t ia2 = put(f, "instance=h1,job=api,type=heap", a);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM partitions"), 3);
    expect_profile(f, ia, a);
    expect_profile(f, ib, b);
    expect_profile(f, ic, c);
    expect_profile(f, ia2, a);
    pd_profile_free(a);
    pd_profile_free(b);
    pd_profile_free(c);
}

static void test_symbols_once(void **state)
{
    fx *f = *state;
    pd_profile *a = of_binary("/bin/app", "v1", app_v1, 3, 1);
    put(f, "instance=h1,job=api,type=cpu", a);
    int64_t chunks = sql_int(f, "SELECT count(*) FROM symbols");
    int64_t symbol_bytes = sql_int(f, "SELECT sum(length(data)) FROM symbols");
    /* a hundred more of the same stacks from other targets: no symbol is
     * stored again, and each profile is a few columns */
    for (int i = 0; i < 100; i++) {
        pd_profile *p = of_binary("/bin/app", "v1", app_v1, 3, 2 + i);
        char labels[64];
        snprintf(labels, sizeof(labels), "instance=h%d,job=api,type=cpu", i + 2);
        put(f, labels, p);
        pd_profile_free(p);
    }
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols"), chunks);
    assert_int_equal(sql_int(f, "SELECT sum(length(data)) FROM symbols"), symbol_bytes);
    assert_true(sql_int(f, "SELECT max(size) FROM profiles") < 100);
    pd_profile_free(a);
}

static void test_failed_batch_leaves_no_symbols(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    pd_profile *a = of_binary("/bin/app", "v1", app_v1, 3, 1);
    put(f, "instance=h1,job=api,type=cpu", a);
    int64_t chunks = sql_int(f, "SELECT count(*) FROM symbols");
    assert_int_equal(pd_store_exec(f->s,
                                   "CREATE TEMP TRIGGER fail BEFORE INSERT ON profiles"
                                   " WHEN NEW.time_ns = 666 BEGIN SELECT RAISE(ABORT, 'boom'); END",
                                   &err),
                     0);
    /* item 0 brings new symbols, item 1 fails: neither is kept */
    pd_profile *fresh = of_binary("/bin/app", "v1", app_v2, 2, 5);
    pd_profile *doomed = of_binary("/bin/app", "v1", app_v1, 1, 6);
    doomed->time_nanos = 666;
    st_item x[2];
    st_item_init(&x[0], "instance=h1,job=api,type=cpu", fresh->time_nanos, 1);
    x[0].it.profile = fresh;
    st_item_init(&x[1], "instance=h1,job=api,type=cpu", 666, 1);
    x[1].it.profile = doomed;
    pd_store_item items[2] = {x[0].it, x[1].it};
    assert_int_equal(pd_store_put(f->s, items, 2, NULL, &err), -EINVAL);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols"), chunks);
    assert_int_equal(pd_store_exec(f->s, "DROP TRIGGER fail", &err), 0);
    /* the writer forgot what the rollback removed: stored again, the new
     * symbols are saved and read back */
    int64_t id = put(f, "instance=h1,job=api,type=cpu", fresh);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols"), chunks + 1);
    expect_profile(f, id, fresh);
    pd_profile_free(a);
    pd_profile_free(fresh);
    pd_profile_free(doomed);
}

static void test_reader_follows_writer(void **state)
{
    fx *f = *state;
    /* the reader caches a partition, the writer adds to it, the reader
     * reads the new profile's new stacks */
    pd_profile *a = of_binary("/bin/app", "v1", app_v1, 3, 1);
    expect_profile(f, put(f, "instance=h1,job=api,type=cpu", a), a);
    pd_profile *b = of_binary("/bin/app", "v1", app_v2, 2, 2);
    expect_profile(f, put(f, "instance=h1,job=api,type=cpu", b), b);
    /* a writer reopened on the file loads the partition and goes on */
    pd_store_close(f->s);
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    int64_t chunks = sql_int(f, "SELECT count(*) FROM symbols");
    expect_profile(f, put(f, "instance=h2,job=api,type=cpu", b), b);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM symbols"), chunks);
    pd_profile_free(a);
    pd_profile_free(b);
}

static void test_corrupt_rows_are_errors(void **state)
{
    fx *f = *state;
    pd_profile *a = of_binary("/bin/app", "v1", app_v1, 3, 1);
    int64_t id = put(f, "instance=h1,job=api,type=cpu", a);
    pd_err err = {{0}};
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE profiles SET data = X'0102' WHERE id = %lld", (long long)id);
    assert_int_equal(pd_store_exec(f->s, sql, &err), 0);
    pd_profile *p = NULL;
    assert_int_equal(pd_store_load(f->r, id, &p, &err), -EINVAL);
    assert_null(p);
    assert_non_null(strstr(err.msg, "profile"));
    /* a chunk that went bad: an error, not a crash */
    int64_t good = put(f, "instance=h2,job=api,type=cpu", a);
    assert_int_equal(pd_store_exec(f->s, "UPDATE symbols SET data = X'28b52ffd'", &err), 0);
    pd_store_reader *r = NULL;
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    err = (pd_err){{0}};
    assert_int_equal(pd_store_load(r, good, &p, &err), -EINVAL);
    assert_null(p);
    id = put(f, "instance=h1,job=other,type=cpu", a); /* a new partition is fine */
    err = (pd_err){{0}};
    assert_int_equal(pd_store_load(r, id, &p, &err), 0);
    pd_profile_free(p);
    pd_store_reader_close(r);
    pd_profile_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binaries_and_jobs_get_partitions, setup,
                                        st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_symbols_once, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_batch_leaves_no_symbols, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reader_follows_writer, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_rows_are_errors, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
