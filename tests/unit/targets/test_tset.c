/* targets/: the live target set on a real loop against the fault server
 * (which serves Go's heap path): bodies handed over with their baseline
 * kept, a reload keeping what stays the same series (baseline, health) and
 * starting fresh what does not, a registration whose labels change keeping
 * its schedule, duplicate instances refused, an orderly stop. */
#include "pd_tset.h"
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fx {
    uv_loop_t loop;
    pd_scraper *sc;
    pd_tset *ts;
    pd_config *cfgs[4];
    int ncfgs;
    int bodies;
    int parts_stopped;
} fx;

static void on_body(void *ctx, pd_tslot *s, pd_fetch_result *res)
{
    fx *f = ctx;
    f->bodies++;
    /* As the pipeline does: the profile gives the next delta's baseline. */
    pd_profile *p = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_decode(res->body, res->len, 0, &p, &err), 0);
    pd_tslot_done(s, PD_SCRAPE_OK, NULL, pd_baseline_time_of(p));
    pd_profile_free(p);
    free(res->body); /* the body is the callee's */
    res->body = NULL;
}

static pd_config *config(fx *f, const char *team)
{
    char yaml[1024];
    snprintf(yaml, sizeof(yaml),
             "global: {scrape_interval: 200ms}\n"
             "scrape_configs:\n"
             "  - job_name: app\n"
             "    profiles: {cpu: {enabled: false}, goroutine: {enabled: false}}\n"
             "    static_configs:\n"
             "      - targets: ['127.0.0.1:%d']\n"
             "        labels: {team: %s}\n",
             sct_srv.port, team);
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    if (pd_config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) < 0)
        fail_msg("config: %s", err.msg);
    f->cfgs[f->ncfgs++] = cfg;
    return cfg;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    pd_err err = {{0}};
    pd_scraper_opts o = {64, 4u << 20};
    assert_int_equal(pd_scraper_new(&f->loop, &o, &f->sc, &err), 0);
    assert_int_equal(pd_tset_start(&f->loop, config(f, "a"), f->sc, on_body, f, &f->ts, &err), 0);
    *state = f;
    return 0;
}

static void part_stopped(void *arg)
{
    ((fx *)arg)->parts_stopped++;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_tset_stop(f->ts, part_stopped, f);
    pd_scraper_stop(f->sc, 0, part_stopped, f);
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(f->parts_stopped, 2);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    for (int i = 0; i < f->ncfgs; i++)
        pd_config_free(f->cfgs[i]);
    free(f);
    return 0;
}

static pd_tslot *heap_of(pd_tset *ts, size_t i)
{
    pd_tslot *s = pd_ttarget_slot(pd_tset_at(ts, i), "heap");
    assert_non_null(s);
    return s;
}

static void test_reload_keeps_same_series(void **state)
{
    fx *f = *state;
    assert_int_equal(pd_tset_count(f->ts), 1);
    sct_loop_until(&f->loop, &f->bodies, 1);
    pd_tslot *s = heap_of(f->ts, 0);
    assert_non_null(s->prev); /* heap counts since start: its baseline kept */
    assert_string_equal(pd_labels_get(&s->series, "type"), "heap");
    assert_string_equal(pd_labels_get(&s->series, "team"), "a");
    while (s->sc.busy) /* a baseline whose scrape still runs is not moved */
        uv_run(&f->loop, UV_RUN_ONCE);
    pd_baseline *prev = s->prev;
    uint64_t ok = s->sc.h.ok;
    pd_err err = {{0}};

    /* The same config again: the same series, a new target that keeps the
     * baseline and the health. */
    assert_int_equal(pd_tset_reload(f->ts, config(f, "a"), &err), 0);
    pd_tslot *s2 = heap_of(f->ts, 0);
    assert_ptr_not_equal(s2, s);
    assert_ptr_equal(s2->prev, prev);
    assert_int_equal(s2->sc.h.ok, ok);
    int before = f->bodies;
    sct_loop_until(&f->loop, &f->bodies, before + 1); /* and goes on scraping */
    while (s2->sc.busy)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_true(s2->sc.h.ok > ok);

    /* Another label: another series, which starts afresh. */
    assert_int_equal(pd_tset_reload(f->ts, config(f, "b"), &err), 0);
    pd_tslot *s3 = heap_of(f->ts, 0);
    assert_null(s3->prev);
    assert_int_equal(s3->sc.h.ok, 0);
    assert_string_equal(pd_labels_get(&s3->series, "team"), "b");
    before = f->bodies;
    sct_loop_until(&f->loop, &f->bodies, before + 1);
}

static void test_registration(void **state)
{
    fx *f = *state;
    char addr[64];
    snprintf(addr, sizeof(addr), "localhost:%d", sct_srv.port);
    pd_reg_target r = {
        .id = 5, .job = "app", .address = addr, .profiles = "heap", .interval_ms = 60000};
    pd_labels_init(&r.labels);
    pd_labels_set(&r.labels, "x", "1");
    pd_err err = {{0}};
    assert_int_equal(pd_tset_reg_check(f->ts, &r, 0, &err), 0);
    assert_int_equal(pd_tset_reg_set(f->ts, &r, &err), 0);
    assert_int_equal(pd_tset_count(f->ts), 2);
    pd_ttarget *t = pd_tset_at(f->ts, 1);
    assert_string_equal(t->id, "5");
    assert_false(pd_tset_is_configured(f->ts, "5"));
    assert_true(pd_tset_is_configured(f->ts, pd_tset_at(f->ts, 0)->id));
    int64_t due = pd_ttarget_slot(t, "heap")->sc.due_ms;

    /* The same process again under another id: refused. */
    pd_reg_target dup = r;
    dup.id = 6;
    pd_err_clear(&err);
    assert_int_equal(pd_tset_reg_check(f->ts, &dup, 0, &err), -EEXIST);
    assert_non_null(strstr(err.msg, "already has instance"));
    /* But an update of itself is not a duplicate. */
    assert_int_equal(pd_tset_reg_check(f->ts, &r, 5, &err), 0);

    /* Only the labels change: the new target keeps the schedule. */
    pd_labels_set(&r.labels, "x", "2");
    assert_int_equal(pd_tset_reg_set(f->ts, &r, &err), 0);
    assert_int_equal(pd_tset_count(f->ts), 2);
    pd_ttarget *t2 = pd_tset_at(f->ts, 1);
    assert_ptr_not_equal(t2, t);
    assert_string_equal(pd_labels_get(&t2->tg.labels, "x"), "2");
    assert_int_equal(pd_ttarget_slot(t2, "heap")->sc.due_ms, due);
    assert_true(pd_tset_reg_changing(f->ts, 5, true));
    assert_false(pd_tset_reg_changing(f->ts, 5, true)); /* one change at a time */
    assert_true(pd_tset_reg_changing(f->ts, 5, false));

    /* A profile the job does not have: refused, naming it. */
    pd_reg_target bad = r;
    bad.profiles = "nosuch";
    pd_err_clear(&err);
    assert_int_equal(pd_tset_reg_check(f->ts, &bad, 5, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "job app has no profile \"nosuch\""));

    assert_int_equal(pd_tset_reg_remove(f->ts, 5), 0);
    assert_int_equal(pd_tset_reg_remove(f->ts, 5), -ENOENT);
    assert_int_equal(pd_tset_count(f->ts), 1);
    assert_null(pd_tset_reg_get(f->ts, 5));
    pd_labels_free(&r.labels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reload_keeps_same_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration, setup, teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
