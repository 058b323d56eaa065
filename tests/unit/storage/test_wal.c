/* storage/: readers beside the writer (WAL). A reader sees commits made
 * after it was opened, never waits for an open write transaction, and
 * several reader threads run while a writer thread commits. */
#include "st_test.h"

#include <pthread.h>
#include <time.h>

typedef st_fx fx;

static int setup(void **state)
{
    fx *f = st_fx_new(true, false);
    *state = f;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t find_n(pd_store_reader *r, int64_t from, int64_t to)
{
    pd_store_query q = {.type = "cpu", .from_ns = from, .to_ns = to};
    st_found got = {0};
    pd_err err = {{0}};
    int rc = pd_store_find(r, &q, st_found_cb, &got, &err);
    if (rc != 0)
        fprintf(stderr, "find: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return got.n;
}

static void test_reader_sees_later_commits(void **state)
{
    fx *f = *state;
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    assert_int_equal(st_count(r), 0);
    assert_int_equal(find_n(r, 0, 100), 0);
    st_put1(f->s, "job=api,type=cpu", 10, 8);
    assert_int_equal(st_count(r), 1);
    assert_int_equal(find_n(r, 0, 100), 1);
    st_put1(f->s, "job=new,type=cpu", 11, 8); /* a series the reader never saw */
    assert_int_equal(find_n(r, 0, 100), 2);
    pd_store_reader_close(r);
}

static void test_reader_does_not_wait_for_writer(void **state)
{
    fx *f = *state;
    st_put1(f->s, "job=api,type=cpu", 10, 8);
    pd_err err = {{0}};
    /* the writer holds an open write transaction that moves the profile */
    assert_int_equal(pd_store_exec(f->s,
                                   "BEGIN IMMEDIATE;"
                                   " UPDATE profiles SET time_ns = 1000 WHERE time_ns = 10",
                                   &err),
                     0);
    double t0 = now_s();
    pd_store_reader *r = NULL;
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    assert_int_equal(find_n(r, 0, 100), 1); /* the last committed state */
    assert_int_equal(find_n(r, 1000, 1000), 0);
    assert_int_equal(st_count(r), 1);
    /* the busy timeout is 5 s: none of this waited on a lock */
    assert_true(now_s() - t0 < 1.0);
    assert_int_equal(pd_store_exec(f->s, "COMMIT", &err), 0);
    assert_int_equal(find_n(r, 0, 100), 0);
    assert_int_equal(find_n(r, 1000, 1000), 1);
    pd_store_reader_close(r);
}

enum { WRITER_BATCHES = 150, BATCH = 4, READERS = 3 };

typedef struct shared {
    const char *path;
    pd_store *s;
    int done; /* set by the writer when it has finished (under mu) */
    pthread_mutex_t mu;
    int failures;
} shared;

static void report_failure(shared *sh, const char *what, const pd_err *err)
{
    pthread_mutex_lock(&sh->mu);
    fprintf(stderr, "%s: %s\n", what, err->msg);
    sh->failures++;
    pthread_mutex_unlock(&sh->mu);
}

static void *writer_main(void *arg)
{
    shared *sh = arg;
    for (int b = 0; b < WRITER_BATCHES; b++) {
        st_item x[BATCH];
        pd_store_item items[BATCH];
        for (int i = 0; i < BATCH; i++) {
            st_item_init(&x[i], i % 2 ? "job=a,type=cpu" : "job=b,type=cpu", b * BATCH + i, 64);
            items[i] = x[i].it;
        }
        pd_err err = {{0}};
        if (pd_store_put(sh->s, items, BATCH, NULL, &err) != 0)
            report_failure(sh, "put", &err);
        if (b % 25 == 24) {
            size_t deleted = 0;
            if (pd_store_retention_step(sh->s, b * BATCH / 2, 0, 10, &deleted, &err) != 0)
                report_failure(sh, "retention", &err);
        }
    }
    pthread_mutex_lock(&sh->mu);
    sh->done = 1;
    pthread_mutex_unlock(&sh->mu);
    return NULL;
}

typedef struct touch {
    pd_store_reader *r;
    int64_t bad; /* profiles that did not load whole */
} touch;

/* Loads some of the profiles found, in the same snapshot: each must find
 * all of its symbols, however the writer is adding to them meanwhile. */
static int touch_cb(void *ctx, const pd_store_meta *m)
{
    touch *t = ctx;
    if (m->id % 7 != 0)
        return 0;
    pd_profile *p = NULL;
    pd_err err = {{0}};
    if (pd_store_load(t->r, m->id, &p, &err) != 0 || p->nsamples != 64)
        t->bad++;
    pd_profile_free(p);
    return 0;
}

static void *reader_main(void *arg)
{
    shared *sh = arg;
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    if (pd_store_reader_open(sh->path, &r, &err) != 0) {
        report_failure(sh, "reader open", &err);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        int done = sh->done;
        pthread_mutex_unlock(&sh->mu);
        pd_store_query q = {.type = "cpu", .from_ns = 0, .to_ns = INT64_MAX};
        int64_t n = 0;
        touch t = {r, 0};
        if (pd_store_find(r, &q, touch_cb, &t, &err) != 0)
            report_failure(sh, "find", &err);
        if (pd_store_count(r, &n, &err) != 0)
            report_failure(sh, "count", &err);
        if (t.bad != 0) {
            pd_errf(&err, -EIO, "%lld profiles did not load", (long long)t.bad);
            report_failure(sh, "load", &err);
        }
        if (done)
            break;
    }
    pd_store_reader_close(r);
    return NULL;
}

static void test_threads(void **state)
{
    fx *f = *state;
    shared sh = {.path = f->path, .s = f->s};
    pthread_mutex_init(&sh.mu, NULL);
    pthread_t w, rd[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&rd[i], NULL, reader_main, &sh), 0);
    assert_int_equal(pthread_create(&w, NULL, writer_main, &sh), 0);
    assert_int_equal(pthread_join(w, NULL), 0);
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_join(rd[i], NULL), 0);
    pthread_mutex_destroy(&sh.mu);
    assert_int_equal(sh.failures, 0);
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    assert_int_equal(pd_store_integrity_check(r, &err), 0);
    int64_t bytes = 0, rows = 0, symbols = 0;
    assert_int_equal(pd_store_size(f->s, &bytes, NULL, &err), 0);
    assert_int_equal(pd_store_debug_int(f->s, "SELECT sum(size) FROM profiles", &rows, &err), 0);
    assert_int_equal(
        pd_store_debug_int(f->s, "SELECT sum(length(data)) FROM symbols", &symbols, &err), 0);
    assert_int_equal(bytes, rows + symbols);
    pd_store_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reader_sees_later_commits, setup, st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reader_does_not_wait_for_writer, setup,
                                        st_fx_teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, st_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
