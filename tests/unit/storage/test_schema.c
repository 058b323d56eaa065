/* storage/: schema version on reopen, a newer version refused, files that
 * are not pprofd databases refused. */
#include "st_test.h"

typedef st_fx fx;

static int setup(void **state)
{
    fx *f = st_fx_new(false, false);
    *state = f;
    return 0;
}

static void test_reopen_keeps_data(void **state)
{
    fx *f = *state;
    pd_store *s = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &s, &err), 0);
    int64_t id = st_put1(s, "job=api,type=cpu", 5, 10);
    pd_store_close(s);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pd_store_open(f->path, &s, &err), 0);
        pd_store_close(s);
    }
    pd_store_reader *r = NULL;
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    assert_int_equal(st_count(r), 1);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(pd_store_get(r, id, &data, &len, NULL, &err), 0);
    free(data);
    pd_profile *p = NULL;
    assert_int_equal(pd_store_load(r, id, &p, &err), 0);
    assert_int_equal(p->nsamples, 10);
    pd_profile_free(p);
    assert_int_equal(pd_store_integrity_check(r, &err), 0);
    pd_store_reader_close(r);
}

static void test_newer_version_refused(void **state)
{
    fx *f = *state;
    pd_store *s = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &s, &err), 0);
    assert_int_equal(
        pd_store_exec(s, "UPDATE meta SET value = 99 WHERE key = 'schema_version'", &err), 0);
    pd_store_close(s);

    char want[512];
    snprintf(want, sizeof(want),
             "%s: database schema version 99 is newer than this pprofd supports (%d): "
             "upgrade pprofd",
             f->path, PD_STORE_SCHEMA_VERSION);
    s = (pd_store *)1;
    assert_int_equal(pd_store_open(f->path, &s, &err), -ENOTSUP);
    assert_null(s);
    assert_string_equal(err.msg, want);

    pd_store_reader *r = (pd_store_reader *)1;
    pd_err_clear(&err);
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), -ENOTSUP);
    assert_null(r);
    assert_string_equal(err.msg, want);
}

static void test_foreign_files_refused(void **state)
{
    fx *f = *state;
    pd_store *s = NULL;
    pd_err err = {{0}};
    /* a SQLite file of somebody else's */
    assert_int_equal(pd_store_open(f->path, &s, &err), 0);
    assert_int_equal(pd_store_exec(s, "PRAGMA application_id = 42", &err), 0);
    pd_store_close(s);
    assert_int_equal(pd_store_open(f->path, &s, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "not a pprofd database (application_id 42)"));

    /* not SQLite at all */
    char *junk = st_path(f->dir, "junk.db");
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file\n", fp);
    assert_int_equal(fclose(fp), 0);
    pd_err_clear(&err);
    assert_true(pd_store_open(junk, &s, &err) < 0);
    assert_null(s);
    assert_true(strncmp(err.msg, junk, strlen(junk)) == 0);
    free(junk);

    /* a reader needs an existing database */
    char *missing = st_path(f->dir, "missing.db");
    pd_store_reader *r = NULL;
    pd_err_clear(&err);
    assert_int_equal(pd_store_reader_open(missing, &r, &err), -ENOENT);
    assert_null(r);
    free(missing);

    pd_err_clear(&err);
    assert_int_equal(pd_store_open("", &s, &err), -EINVAL);
    assert_string_equal(err.msg, "storage path is empty");
}

static void test_parent_not_a_directory(void **state)
{
    fx *f = *state;
    char *file = st_path(f->dir, "plain");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    assert_int_equal(fclose(fp), 0);
    char *path = st_path(file, "sub/pprofd.db");
    pd_store *s = NULL;
    pd_err err = {{0}};
    assert_true(pd_store_open(path, &s, &err) < 0);
    assert_null(s);
    assert_non_null(strstr(err.msg, "plain"));
    free(path);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_parent_not_a_directory, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
