/* storage/: put, get, find with matchers of every kind, time edges, limit,
 * label names and values. */
#include "st_test.h"

/* Series, sorted labels, inserted in this order:
 *   a1 A@100  b1 B@150  a2 A@200  c1 C@200  b2 B@250  a3 A@300  d1 D@100  e1 E@120 */
#define LA "instance=h1:6060,job=api,type=cpu"
#define LB "env=prod,instance=h2:6060,job=api,type=cpu"
#define LC "instance=h1:6060,job=db,type=cpu"
#define LD "instance=h1:6060,job=api,type=heap"

typedef struct fx {
    char *dir;
    char *path;
    pd_store *s;
    pd_store_reader *r;
    int64_t a1, b1, a2, c1, b2, a3, d1, e1;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    f->dir = st_tmpdir();
    f->path = st_path(f->dir, "a/b/pprofd.db"); /* parents are created */
    pd_err err = {{0}};
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    f->a1 = st_put1(f->s, LA, 100, 10);
    f->b1 = st_put1(f->s, LB, 150, 11);
    f->a2 = st_put1(f->s, LA, 200, 12);
    f->c1 = st_put1(f->s, LC, 200, 13);
    f->b2 = st_put1(f->s, LB, 250, 14);
    f->a3 = st_put1(f->s, LA, 300, 15);
    f->d1 = st_put1(f->s, LD, 100, 16);
    /* a value with every character the canonical form escapes */
    st_item x;
    st_item_init(&x, "job=x,type=goroutine", 120, 17);
    x.ls[0].value = "we\"ird\\x\ny";
    x.it.sample_types = "goroutine/count";
    x.it.ntotals = 1;
    x.it.default_sample_type = NULL;
    assert_int_equal(pd_store_put(f->s, &x.it, 1, &f->e1, &err), 0);
    assert_int_equal(pd_store_reader_open(f->path, &f->r, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_store_reader_close(f->r);
    pd_store_close(f->s);
    free(f->path);
    st_rmtree(f->dir);
    free(f);
    return 0;
}

static void test_get(void **state)
{
    fx *f = *state;
    uint8_t *data = NULL;
    size_t len = 0;
    pd_store_meta m;
    pd_err err = {{0}};
    assert_int_equal(pd_store_get(f->r, f->a2, &data, &len, &m, &err), 0);
    st_item want;
    st_item_init(&want, LA, 200, 12);
    /* the profile comes back as gzip pprof, equal to what was put */
    pd_profile *got = NULL;
    assert_int_equal(pd_profile_decode(data, len, 0, &got, &err), 0);
    assert_lossless(got, want.it.profile);
    pd_profile_free(got);
    assert_int_equal(m.id, f->a2);
    assert_string_equal(m.series, "{instance=\"h1:6060\",job=\"api\",type=\"cpu\"}");
    assert_int_equal(m.nlabels, 3);
    assert_string_equal(m.labels[0].name, "instance");
    assert_string_equal(m.labels[0].value, "h1:6060");
    assert_string_equal(m.labels[2].name, "type");
    assert_string_equal(m.labels[2].value, "cpu");
    assert_int_equal(m.time_ns, 200);
    assert_int_equal(m.duration_ns, 10);
    assert_true(m.size > 0 && (size_t)m.size < len); /* columns, not pprof */
    assert_string_equal(m.sample_types, "samples/count,cpu/nanoseconds");
    assert_string_equal(m.default_sample_type, "cpu");
    assert_int_equal(m.ntotals, 2);
    assert_int_equal(m.totals[0], 200);
    assert_int_equal(m.totals[1], -200000);
    free(data);
    pd_store_meta_release(&m);

    assert_int_equal(pd_store_get(f->r, f->e1, &data, &len, &m, &err), 0);
    assert_string_equal(m.series, "{job=\"we\\\"ird\\\\x\\ny\",type=\"goroutine\"}");
    assert_string_equal(m.labels[0].value, "we\"ird\\x\ny");
    assert_string_equal(m.default_sample_type, "");
    assert_int_equal(m.ntotals, 1);
    free(data);
    pd_store_meta_release(&m);

    /* without meta */
    assert_int_equal(pd_store_get(f->r, f->d1, &data, &len, NULL, &err), 0);
    assert_int_equal(pd_profile_decode(data, len, 0, &got, &err), 0);
    assert_int_equal(got->nsamples, 16);
    pd_profile_free(got);
    free(data);

    assert_int_equal(pd_store_get(f->r, 999999, &data, &len, &m, &err), -ENOENT);
    assert_null(data);
    assert_string_equal(err.msg, "profile 999999 not found");
}

/* Runs a find of type cpu over [from, to] and compares the ids. */
static void expect_find(fx *f, const pd_store_matcher *ms, size_t nm, int64_t from, int64_t to,
                        size_t limit, const int64_t *want, size_t nwant)
{
    pd_store_query q = {.type = "cpu",
                        .matchers = ms,
                        .nmatchers = nm,
                        .from_ns = from,
                        .to_ns = to,
                        .limit = limit};
    st_found got = {0};
    pd_err err = {{0}};
    int rc = pd_store_find(f->r, &q, st_found_cb, &got, &err);
    if (rc != 0)
        fprintf(stderr, "find: %s\n", err.msg);
    assert_int_equal(rc, 0);
    if (got.n != nwant)
        fprintf(stderr, "find: got %zu profiles, want %zu\n", got.n, nwant);
    assert_int_equal(got.n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(got.ids[i], want[i]);
}

static void test_find_matchers(void **state)
{
    fx *f = *state;
    /* all cpu profiles, in time order, ties by id */
    int64_t all[] = {f->a1, f->b1, f->a2, f->c1, f->b2, f->a3};
    expect_find(f, NULL, 0, 0, 1000, 0, all, 6);

    pd_store_matcher eq = {.name = "job", .op = PD_MATCH_EQ, .value = "api"};
    int64_t api[] = {f->a1, f->b1, f->a2, f->b2, f->a3};
    expect_find(f, &eq, 1, 0, 1000, 0, api, 5);

    pd_store_matcher neq = {.name = "job", .op = PD_MATCH_NEQ, .value = "api"};
    int64_t notapi[] = {f->c1};
    expect_find(f, &neq, 1, 0, 1000, 0, notapi, 1);

    pd_regex *h1 = NULL;
    const pd_regex_budget budget = {PD_REGEX_MIN_MEM, 0};
    assert_int_equal(pd_regex_compile("h1:.*", &budget, &h1, NULL), 0);
    pd_store_matcher re = {.name = "instance", .op = PD_MATCH_RE, .re = h1};
    int64_t onh1[] = {f->a1, f->a2, f->c1, f->a3};
    expect_find(f, &re, 1, 0, 1000, 0, onh1, 4);

    pd_store_matcher nre = {.name = "instance", .op = PD_MATCH_NRE, .re = h1};
    int64_t noth1[] = {f->b1, f->b2};
    expect_find(f, &nre, 1, 0, 1000, 0, noth1, 2);

    /* an absent label is "": env="" selects series without env */
    pd_store_matcher noenv = {.name = "env", .op = PD_MATCH_EQ, .value = ""};
    expect_find(f, &noenv, 1, 0, 1000, 0, onh1, 4);
    pd_store_matcher hasenv = {.name = "env", .op = PD_MATCH_NEQ, .value = ""};
    expect_find(f, &hasenv, 1, 0, 1000, 0, noth1, 2);

    /* several matchers at once, the most selective through the index */
    pd_store_matcher both[] = {{.name = "job", .op = PD_MATCH_EQ, .value = "api"},
                               {.name = "env", .op = PD_MATCH_EQ, .value = "prod"},
                               {.name = "instance", .op = PD_MATCH_NRE, .re = h1}};
    expect_find(f, both, 3, 0, 1000, 0, noth1, 2);
    pd_store_matcher none[] = {{.name = "job", .op = PD_MATCH_EQ, .value = "db"},
                               {.name = "instance", .op = PD_MATCH_NRE, .re = h1}};
    expect_find(f, none, 2, 0, 1000, 0, NULL, 0);
    pd_store_matcher nosuch = {.name = "job", .op = PD_MATCH_EQ, .value = "nosuch"};
    expect_find(f, &nosuch, 1, 0, 1000, 0, NULL, 0);
    pd_regex_free(h1);

    /* heap: the type is part of the selection */
    pd_store_query q = {.type = "heap", .from_ns = 0, .to_ns = 1000};
    st_found got = {0};
    pd_err err = {{0}};
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), 0);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.ids[0], f->d1);
    assert_string_equal(got.series[0], "{instance=\"h1:6060\",job=\"api\",type=\"heap\"}");
}

static void test_find_time_edges_and_limit(void **state)
{
    fx *f = *state;
    int64_t mid[] = {f->a2, f->c1, f->b2}; /* from and to are inclusive */
    expect_find(f, NULL, 0, 200, 250, 0, mid, 3);
    expect_find(f, NULL, 0, 201, 249, 0, NULL, 0);
    int64_t first[] = {f->a1};
    expect_find(f, NULL, 0, 100, 100, 0, first, 1);
    int64_t last[] = {f->a3};
    expect_find(f, NULL, 0, 300, 300, 0, last, 1);
    expect_find(f, NULL, 0, 300, 299, 0, NULL, 0); /* empty range */
    int64_t two[] = {f->a1, f->b1};
    expect_find(f, NULL, 0, 0, 1000, 2, two, 2);

    /* newest first, cut at the limit from the newest end */
    pd_store_query nq = {
        .type = "cpu", .from_ns = 0, .to_ns = 1000, .limit = 2, .newest_first = true};
    st_found newest = {0};
    pd_err nerr = {{0}};
    assert_int_equal(pd_store_find(f->r, &nq, st_found_cb, &newest, &nerr), 0);
    assert_int_equal(newest.n, 2);
    assert_int_equal(newest.ids[0], f->a3);
    /* no type: every type (heap d1 and goroutine e1 too) */
    pd_store_query any = {.from_ns = 0, .to_ns = 1000};
    st_found all = {0};
    assert_int_equal(pd_store_find(f->r, &any, st_found_cb, &all, &nerr), 0);
    assert_int_equal(all.n, 8);

    /* the callback stops the iteration */
    pd_store_query q = {.type = "cpu", .from_ns = 0, .to_ns = 1000};
    st_found got = {.stop_after = 3};
    pd_err err = {{0}};
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), 0);
    assert_int_equal(got.n, 3);
}

static int get_inside_cb(void *ctx, const pd_store_meta *m)
{
    fx *f = ctx;
    uint8_t *data = NULL;
    size_t len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_get(f->r, m->id, &data, &len, NULL, &err), 0);
    assert_true(len > 0);
    free(data);
    pd_profile *p = NULL;
    assert_int_equal(pd_store_load(f->r, m->id, &p, &err), 0);
    assert_int_equal(p->time_nanos, m->time_ns);
    pd_profile_free(p);
    return 0;
}

static void test_get_inside_find(void **state)
{
    fx *f = *state;
    pd_store_query q = {.type = "cpu", .from_ns = 0, .to_ns = 1000};
    pd_err err = {{0}};
    assert_int_equal(pd_store_find(f->r, &q, get_inside_cb, f, &err), 0);
}

static void test_find_errors(void **state)
{
    fx *f = *state;
    st_found got = {0};
    pd_err err = {{0}};
    pd_store_query q = {.from_ns = 0, .to_ns = 1000};
    assert_int_equal(pd_store_find(f->r, &q, NULL, &got, &err), -EINVAL);
    assert_string_equal(err.msg, "find: no query or no callback");
    pd_store_matcher bad = {.name = "1job", .op = PD_MATCH_EQ, .value = "x"};
    q.type = "cpu";
    q.matchers = &bad;
    q.nmatchers = 1;
    pd_err_clear(&err);
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), -EINVAL);
    assert_string_equal(err.msg, "matcher 0: invalid label name \"1job\"");
    pd_store_matcher nore = {.name = "job", .op = PD_MATCH_RE};
    q.matchers = &nore;
    pd_err_clear(&err);
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), -EINVAL);
    assert_string_equal(err.msg, "matcher 0 (job): no regex");
}

static void expect_strings(fx *f, const char *name, const pd_store_query *q, const char *want)
{
    st_strings got = {{0}};
    pd_err err = {{0}};
    int rc = name ? pd_store_label_values(f->r, name, q, st_strings_cb, &got, &err)
                  : pd_store_label_names(f->r, q, st_strings_cb, &got, &err);
    if (rc != 0)
        fprintf(stderr, "labels: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(got.joined, want);
}

static void test_labels(void **state)
{
    fx *f = *state;
    pd_store_query cpu = {.type = "cpu", .from_ns = 0, .to_ns = 1000};
    expect_strings(f, NULL, &cpu, "env instance job type");
    expect_strings(f, NULL, NULL, "env instance job type");
    pd_store_query gor = {.type = "goroutine", .from_ns = 0, .to_ns = 1000};
    expect_strings(f, NULL, &gor, "job type");
    expect_strings(f, "job", NULL, "api db we\"ird\\x\ny");
    expect_strings(f, "type", NULL, "cpu goroutine heap");
    expect_strings(f, "job", &cpu, "api db");
    /* only series with a profile in the range count */
    pd_store_query late = {.type = "cpu", .from_ns = 250, .to_ns = 300};
    expect_strings(f, "instance", &late, "h1:6060 h2:6060");
    pd_store_query last = {.type = "cpu", .from_ns = 300, .to_ns = 300};
    expect_strings(f, "instance", &last, "h1:6060");
    expect_strings(f, "env", &last, "");
    pd_store_query t120 = {.from_ns = 120, .to_ns = 120};
    expect_strings(f, NULL, &t120, "job type");
    /* with matchers */
    pd_store_matcher db = {.name = "job", .op = PD_MATCH_EQ, .value = "db"};
    pd_store_query qdb = {.matchers = &db, .nmatchers = 1, .from_ns = 0, .to_ns = 1000};
    expect_strings(f, "instance", &qdb, "h1:6060");
    expect_strings(f, "nosuch", NULL, "");
    st_strings got = {{0}};
    pd_err err = {{0}};
    assert_int_equal(pd_store_label_values(f->r, "a-b", NULL, st_strings_cb, &got, &err), -EINVAL);
}

static void test_reopen_reuses_series_and_sizes(void **state)
{
    fx *f = *state;
    int64_t bytes = 0, file = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_store_size(f->s, &bytes, &file, &err), 0);
    assert_true(bytes > 0);
    int64_t rows = 0, symbols = 0;
    assert_int_equal(pd_store_debug_int(f->s, "SELECT sum(size) FROM profiles", &rows, &err), 0);
    assert_int_equal(
        pd_store_debug_int(f->s, "SELECT sum(length(data)) FROM symbols", &symbols, &err), 0);
    assert_int_equal(bytes, rows + symbols);
    assert_true(file > 0);
    pd_store_close(f->s);
    f->s = NULL;
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    int64_t reopened = 0;
    assert_int_equal(pd_store_size(f->s, &reopened, NULL, &err), 0);
    assert_int_equal(reopened, bytes);
    int64_t a4 = st_put1(f->s, LA, 400, 20);
    assert_true(a4 > f->e1);
    pd_store_query q = {.type = "cpu", .from_ns = 100, .to_ns = 400};
    pd_store_matcher inst = {.name = "instance", .op = PD_MATCH_EQ, .value = "h1:6060"};
    pd_store_matcher api = {.name = "job", .op = PD_MATCH_EQ, .value = "api"};
    pd_store_matcher ms[] = {inst, api};
    q.matchers = ms;
    q.nmatchers = 2;
    st_found got = {0};
    assert_int_equal(pd_store_find(f->r, &q, st_found_cb, &got, &err), 0);
    assert_int_equal(got.n, 4); /* a1 a2 a3 a4: one series */
    assert_int_equal(got.ids[3], a4);
    assert_int_equal(got.series_ids[0], got.series_ids[3]);
    assert_int_equal(st_count(f->r), 9);
    assert_int_equal(pd_store_integrity_check(f->r, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_matchers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_time_edges_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_inside_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_reuses_series_and_sizes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
