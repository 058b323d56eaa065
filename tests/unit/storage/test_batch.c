/* storage/: a batch is one transaction; one bad item stores nothing and the
 * error names the item and the problem. */
#include "st_test.h"

typedef st_fx fx;

static int setup(void **state)
{
    fx *f = st_fx_new(true, true);
    st_put1(f->s, "job=api,type=cpu", 1, 8);
    *state = f;
    return 0;
}

/* A 3-item batch whose item 2 is `bad` fails with `want`; nothing changes. */
static void expect_batch_fails(fx *f, const st_item *bad, int code, const char *want)
{
    st_item x[2];
    st_item_init(&x[0], "job=new,type=cpu", 10, 8); /* a new series */
    st_item_init(&x[1], "job=api,type=cpu", 11, 8);
    pd_store_item items[3] = {x[0].it, x[1].it, bad->it};

    int64_t before = st_count(f->r), bytes_before = 0, bytes = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes_before, NULL, &err), 0);
    int64_t ids[3];
    int rc = pd_store_put(f->s, items, 3, ids, &err);
    if (rc != code || strcmp(err.msg, want) != 0)
        fprintf(stderr, "want: %s\ngot:  %s (rc %d)\n", want, err.msg, rc);
    assert_int_equal(rc, code);
    assert_string_equal(err.msg, want);
    assert_int_equal(st_count(f->r), before);
    assert_int_equal(pd_store_size(f->s, &bytes, NULL, &err), 0);
    assert_int_equal(bytes, bytes_before);
    st_strings jobs = {{0}};
    assert_int_equal(pd_store_label_values(f->r, "job", NULL, st_strings_cb, &jobs, &err), 0);
    assert_string_equal(jobs.joined, "api");
}

static void test_invalid_items(void **state)
{
    fx *f = *state;
    st_item b;
    st_item_init(&b, "type=cpu,job=api", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label job: not sorted (after type)");
    st_item_init(&b, "job=api,job=db,type=cpu", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label job: duplicate name");
    st_item_init(&b, "1job=api,type=cpu", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label \"1job\": invalid name");
    st_item_init(&b, "job-name=api,type=cpu", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label \"job-name\": invalid name");
    st_item_init(&b, "job=,type=cpu", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label job: empty value");
    st_item_init(&b, "job=api", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: no \"type\" label");
    st_item_init(&b, "job=api,type=", 12, 8);
    expect_batch_fails(f, &b, -EINVAL, "item 2: label type: empty value");
    st_item_init(&b, "job=api,type=cpu", 12, 0);
    expect_batch_fails(f, &b, -EINVAL, "item 2: no profile");
    st_item_init(&b, "job=api,type=cpu", 12, 8);
    b.it.ntotals = 1;
    expect_batch_fails(f, &b, -EINVAL, "item 2: 1 totals for 2 sample types");
    st_item_init(&b, "job=api,type=cpu", 12, 8);
    b.it.sample_types = "";
    b.it.ntotals = 0;
    expect_batch_fails(f, &b, -EINVAL, "item 2: no sample types");
    st_item_init(&b, "job=api,type=cpu", 12, 8);
    b.it.duration_ns = -1;
    expect_batch_fails(f, &b, -EINVAL, "item 2: negative duration");
    static char big[PD_STORE_MAX_LABEL_VALUE + 2];
    memset(big, 'v', sizeof(big) - 1);
    st_item_init(&b, "job=api,type=cpu", 12, 8);
    b.ls[0].value = big;
    expect_batch_fails(f, &b, -EINVAL, "item 2: label job: value longer than 4096 bytes");
}

/* A failure inside the transaction (after item 0 created a series) rolls
 * everything back, and the series cache forgets the rolled-back series. */
static void test_failure_inside_transaction(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    assert_int_equal(pd_store_exec(f->s,
                                   "CREATE TEMP TRIGGER fail BEFORE INSERT ON profiles"
                                   " WHEN NEW.time_ns = 666 BEGIN SELECT RAISE(ABORT, 'boom'); END",
                                   &err),
                     0);
    st_item bad;
    st_item_init(&bad, "job=api,type=cpu", 666, 8);
    expect_batch_fails(f, &bad, -EINVAL, "item 2: insert profile: boom");
    assert_int_equal(pd_store_exec(f->s, "DROP TRIGGER fail", &err), 0);

    /* the series of item 0 was rolled back; storing it again works */
    int64_t id = st_put1(f->s, "job=new,type=cpu", 20, 8);
    uint8_t *data = NULL;
    size_t len = 0;
    pd_store_meta m;
    assert_int_equal(pd_store_get(f->r, id, &data, &len, &m, &err), 0);
    assert_string_equal(m.series, "{job=\"new\",type=\"cpu\"}");
    free(data);
    pd_store_meta_release(&m);
}

static void test_good_batch(void **state)
{
    fx *f = *state;
    st_item x[4];
    st_item_init(&x[0], "job=a,type=cpu", 10, 8);
    st_item_init(&x[1], "job=b,type=cpu", 10, 9);
    st_item_init(&x[2], "job=a,type=cpu", 11, 10);
    st_item_init(&x[3], "job=a,type=heap", 11, 11);
    pd_store_item items[4] = {x[0].it, x[1].it, x[2].it, x[3].it};
    int64_t ids[4];
    pd_err err = {{0}};
    assert_int_equal(pd_store_put(f->s, items, 4, ids, &err), 0);
    for (size_t i = 1; i < 4; i++)
        assert_true(ids[i] == ids[i - 1] + 1);
    assert_int_equal(st_count(f->r), 5);
    assert_int_equal(pd_store_put(f->s, items, 0, NULL, &err), 0); /* empty batch */
    int64_t bytes = 0;
    assert_int_equal(pd_store_size(f->s, &bytes, NULL, &err), 0);
    int64_t rows = 0, symbols = 0;
    assert_int_equal(pd_store_debug_int(f->s, "SELECT sum(size) FROM profiles", &rows, &err), 0);
    assert_int_equal(
        pd_store_debug_int(f->s, "SELECT sum(length(data)) FROM symbols", &symbols, &err), 0);
    assert_int_equal(bytes, rows + symbols);
    /* a partition per job and binary: api (the fixture's), a, b; job=a's
     * cpu and heap share one */
    int64_t parts = 0;
    assert_int_equal(pd_store_debug_int(f->s, "SELECT count(*) FROM partitions", &parts, &err), 0);
    assert_int_equal(parts, 3);
    /* while a transaction is open, put refuses rather than nests */
    assert_int_equal(pd_store_exec(f->s, "BEGIN", &err), 0);
    assert_int_equal(pd_store_put(f->s, items, 1, NULL, &err), -EBUSY);
    assert_int_equal(pd_store_exec(f->s, "ROLLBACK", &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_invalid_items, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_failure_inside_transaction, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_good_batch, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
