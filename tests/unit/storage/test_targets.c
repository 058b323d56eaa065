/* storage/: targets registered over the API: insert, duplicate refused,
 * update, delete, listing across reopen, and the migration of a version 1
 * file that has no targets table yet. */
#include "st_test.h"

typedef st_fx fx;

static int setup(void **state)
{
    *state = st_fx_new(true, false);
    return 0;
}

typedef struct seen {
    int n;
    char text[8][256];
} seen;

/* One line per target: "id job address profiles interval a=1,b=2". */
static int collect(void *ctx, const pd_store_target *t)
{
    seen *s = ctx;
    if (s->n >= 8)
        return 1;
    char *p = s->text[s->n];
    size_t off =
        (size_t)snprintf(p, 256, "%lld %s %s %s %lld ", (long long)t->id, t->job, t->address,
                         t->profiles[0] ? t->profiles : "-", (long long)t->scrape_interval_ms);
    for (size_t i = 0; i < t->nlabels && off < 256; i++)
        off += (size_t)snprintf(p + off, 256 - off, "%s%s=%s", i ? "," : "", t->labels[i].name,
                                t->labels[i].value);
    s->n++;
    return 0;
}

static seen list(const char *path)
{
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_reader_open(path, &r, &err), 0);
    seen s = {0};
    assert_int_equal(pd_store_targets_list(r, collect, &s, &err), 0);
    pd_store_reader_close(r);
    return s;
}

static void test_round_trip(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    /* given unsorted: listed sorted */
    pd_store_label ls[] = {{"zone", "a"}, {"deployment", "v1"}};
    pd_store_target t = {0, "api", "10.0.0.7:6060", ls, 2, "cpu,heap", 15000};
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id1, &err), 0);
    assert_true(id1 > 0);
    t.address = "10.0.0.8:6060";
    t.nlabels = 0;
    t.profiles = "";
    t.scrape_interval_ms = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id2, &err), 0);
    assert_true(id2 > id1);

    /* the same job and address again */
    int64_t id3 = 7;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id3, &err), -EEXIST);
    assert_int_equal(id3, 0);
    assert_non_null(strstr(err.msg, "registered"));

    /* update: labels and profiles replaced */
    pd_store_label ls2[] = {{"deployment", "v2"}};
    pd_store_target u = {id1, "api", "10.0.0.7:6060", ls2, 1, "cpu", 10000};
    assert_int_equal(pd_store_target_update(f->s, &u, &err), 0);
    u.id = 999;
    assert_int_equal(pd_store_target_update(f->s, &u, &err), -ENOENT);

    pd_store_close(f->s);
    f->s = NULL;
    seen s = list(f->path);
    assert_int_equal(s.n, 2);
    char want[256];
    snprintf(want, sizeof(want), "%lld api 10.0.0.7:6060 cpu 10000 deployment=v2", (long long)id1);
    assert_string_equal(s.text[0], want);
    snprintf(want, sizeof(want), "%lld api 10.0.0.8:6060 - 0 ", (long long)id2);
    assert_string_equal(s.text[1], want);

    /* delete; ids are never reused */
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    assert_int_equal(pd_store_target_delete(f->s, id2, &err), 0);
    assert_int_equal(pd_store_target_delete(f->s, id2, &err), -ENOENT);
    int64_t id4 = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id4, &err), 0);
    assert_true(id4 > id2);
    s = list(f->path);
    assert_int_equal(s.n, 2);
}

static void test_bad_labels_store_nothing(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    pd_store_label bad_name[] = {{"1x", "a"}};
    pd_store_label empty[] = {{"env", ""}};
    pd_store_label dup[] = {{"env", "a"}, {"env", "b"}};
    pd_store_target t = {0, "api", "h:1", bad_name, 1, "", 0};
    int64_t id = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id, &err), -EINVAL);
    assert_string_equal(err.msg, "label \"1x\": invalid name");
    t.labels = empty;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id, &err), -EINVAL);
    t.labels = dup;
    t.nlabels = 2;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id, &err), -EINVAL);
    t.job = "";
    t.nlabels = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id, &err), -EINVAL);
    assert_int_equal(list(f->path).n, 0);
}

static void test_version_1_migrates(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    int64_t pid = st_put1(f->s, "job=api,type=cpu", 5, 10);
    st_fx_migrate_from(f, "DROP TABLE captures; DROP TABLE target_labels; DROP TABLE targets;", 1,
                       pid);
    pd_store_target t = {0, "api", "h:1", NULL, 0, "", 0};
    int64_t id = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &id, &err), 0);
    assert_int_equal(list(f->path).n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_labels_store_nothing, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_version_1_migrates, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
