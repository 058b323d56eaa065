/* storage/: finished captures: stored, replaced, listed newest-last within
 * a limit, pruned to the newest `keep`, bad input refused with nothing
 * stored, kept across reopen, and the migration of a version 2 file that
 * has no captures table yet. */
#include "st_test.h"

typedef st_fx fx;

static int setup(void **state)
{
    *state = st_fx_new(true, false);
    return 0;
}

typedef struct seen {
    int n;
    int64_t id[16];
    char doc[16][64];
} seen;

static int collect(void *ctx, int64_t id, int64_t created_ns, const char *doc)
{
    seen *s = ctx;
    assert_true(created_ns > 0);
    if (s->n >= 16)
        return 1;
    s->id[s->n] = id;
    snprintf(s->doc[s->n], sizeof(s->doc[s->n]), "%s", doc);
    s->n++;
    return 0;
}

static seen list(const char *path, size_t limit)
{
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_reader_open(path, &r, &err), 0);
    seen s = {0};
    assert_int_equal(pd_store_captures_list(r, limit, collect, &s, &err), 0);
    pd_store_reader_close(r);
    return s;
}

static void put(fx *f, int64_t id, const char *doc, size_t keep)
{
    pd_err err = {{0}};
    assert_int_equal(pd_store_capture_put(f->s, id, id * 1000000, doc, keep, &err), 0);
}

static void test_put_list_prune(void **state)
{
    fx *f = *state;
    put(f, 1700000000002, "{\"id\":2}", 3);
    put(f, 1700000000001, "{\"id\":1}", 3);
    seen s = list(f->path, 0);
    assert_int_equal(s.n, 2);
    assert_true(s.id[0] == 1700000000001 && s.id[1] == 1700000000002);
    assert_string_equal(s.doc[0], "{\"id\":1}");
    /* the same id again replaces its document */
    put(f, 1700000000002, "{\"id\":2,\"v\":2}", 3);
    s = list(f->path, 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.doc[1], "{\"id\":2,\"v\":2}");
    /* past keep, the lowest ids go */
    put(f, 1700000000003, "{\"id\":3}", 3);
    put(f, 1700000000004, "{\"id\":4}", 3);
    s = list(f->path, 0);
    assert_int_equal(s.n, 3);
    assert_true(s.id[0] == 1700000000002 && s.id[2] == 1700000000004);
    /* a limit lists the newest, oldest first */
    s = list(f->path, 2);
    assert_int_equal(s.n, 2);
    assert_true(s.id[0] == 1700000000003 && s.id[1] == 1700000000004);
}

static void test_bad_input_stores_nothing(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    assert_int_equal(pd_store_capture_put(f->s, 0, 1, "{}", 5, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "not positive"));
    pd_err_clear(&err);
    assert_int_equal(pd_store_capture_put(f->s, 7, 1, "", 5, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "empty document"));
    assert_int_equal(pd_store_capture_put(f->s, 7, 1, NULL, 5, &err), -EINVAL);
    assert_int_equal(pd_store_capture_put(f->s, 7, 1, "{}", 0, &err), -EINVAL);
    assert_int_equal(list(f->path, 0).n, 0);
}

static void test_kept_across_reopen(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    put(f, 42, "{\"state\":\"done\"}", 10);
    pd_store_close(f->s);
    f->s = NULL;
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    seen s = list(f->path, 0);
    assert_int_equal(s.n, 1);
    assert_true(s.id[0] == 42);
    assert_string_equal(s.doc[0], "{\"state\":\"done\"}");
}

static void test_version_2_migrates(void **state)
{
    fx *f = *state;
    pd_err err = {{0}};
    int64_t pid = st_put1(f->s, "job=api,type=cpu", 5, 10);
    pd_store_target t = {0, "api", "h:1", NULL, 0, "", 0};
    int64_t tid = 0;
    assert_int_equal(pd_store_target_insert(f->s, &t, &tid, &err), 0);
    st_fx_migrate_from(f, "DROP TABLE captures", 2, pid);
    put(f, 9, "{}", 10);
    assert_int_equal(list(f->path, 0).n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_list_prune, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_stores_nothing, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_kept_across_reopen, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_version_2_migrates, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
