/* capture/: captures on a real loop against the fault server, stored in a
 * real SQLite file: an item waits (pending) behind a request of the same
 * process and type, runs, and ends done with its profile's id or failed
 * with the scrape's reason; the budget refuses past its tokens and says
 * when to retry; alerts select by match_labels; finished captures are
 * kept and read back after a restart. */
#include "pd_capture.h"
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fx {
    uv_loop_t loop;
    char dir[64], db[96];
    pd_config *cfg;
    pd_writer *w;
    pd_scraper *sc;
    pd_tset *ts;
    pd_workq ingest;
    pd_captures *k;
    int stopped;
} fx;

/* The answer a finished capture keeps: here just its state and trigger. */
static char *doc(const pd_capture *cp)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s %s", pd_cap_state_name(pd_capture_state(cp)),
             pd_cap_trigger_name(cp->trigger));
    return strdup(buf);
}

static bool meta(const char *d, pd_cap_state *state, pd_cap_trigger *trigger)
{
    char st[16], tr[16];
    return sscanf(d, "%15s %15s", st, tr) == 2 && pd_cap_state_parse(st, state) &&
           pd_cap_trigger_parse(tr, trigger);
}

static void on_body(void *ctx, pd_tslot *s, pd_fetch_result *res)
{
    (void)ctx;
    free(res->body);
    res->body = NULL;
    pd_tslot_done(s, PD_SCRAPE_OK, NULL, NULL);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/pd-capture-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/p.db", f->dir);
    char yaml[1024];
    /* One target that answers, one whose port refuses; scheduled scrapes
     * an hour apart, so only captures run. */
    snprintf(yaml, sizeof(yaml),
             "limits: {capture_budget: {count: 2, per: 1h}}\n"
             "alerting: {profiles: [heap], match_labels: [team]}\n"
             "global: {scrape_interval: 1h}\n"
             "scrape_configs:\n"
             "  - job_name: app\n"
             "    profiles: {cpu: {enabled: false}, goroutine: {enabled: false}}\n"
             "    static_configs:\n"
             "      - targets: ['127.0.0.1:%d']\n"
             "        labels: {team: a}\n"
             "      - targets: ['127.0.0.1:1']\n"
             "        labels: {team: b}\n",
             sct_srv.port);
    pd_err err = {{0}};
    if (pd_config_parse(yaml, strlen(yaml), "t.yaml", &f->cfg, &err) < 0)
        fail_msg("config: %s", err.msg);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    pd_writer_opts wo = {.path = f->db};
    assert_int_equal(pd_writer_open(&f->loop, &wo, &f->w, &err), 0);
    pd_scraper_opts so = {64, 4u << 20};
    assert_int_equal(pd_scraper_new(&f->loop, &so, &f->sc, &err), 0);
    assert_int_equal(pd_tset_start(&f->loop, f->cfg, f->sc, on_body, f, &f->ts, &err), 0);
    pd_workq_init(&f->ingest, &f->loop, 2, PD_WORKQ_UNBOUNDED);
    f->k = pd_captures_new(&f->loop, f->ts, f->sc, &f->ingest, f->w, doc);
    *state = f;
    return 0;
}

static void stopped(void *arg)
{
    ((fx *)arg)->stopped++;
}

/* Stops everything in the daemon's order and runs the loop dry. */
static void stop(fx *f)
{
    pd_captures_detach(f->k);
    pd_tset_stop(f->ts, stopped, f);
    pd_scraper_stop(f->sc, 0, stopped, f);
    while (f->stopped < 2)
        uv_run(&f->loop, UV_RUN_ONCE);
    pd_writer_close(f->w, stopped, f);
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(f->stopped, 3);
    assert_int_equal(uv_loop_close(&f->loop), 0);
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->stopped == 0)
        stop(f);
    pd_captures_free(f->k);
    pd_config_free(f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static pd_ttarget *target_of(fx *f, const char *team)
{
    for (size_t i = 0; i < pd_tset_count(f->ts); i++) {
        pd_ttarget *t = pd_tset_at(f->ts, i);
        if (strcmp(pd_labels_get(&t->tg.labels, "team"), team) == 0)
            return t;
    }
    fail_msg("no target of team %s", team);
    return NULL;
}

static void run_until_finished(fx *f, const pd_capture *cp)
{
    double end = sct_now_ms() + 20000;
    while (!cp->finished) {
        assert_true(sct_now_ms() < end);
        uv_run(&f->loop, UV_RUN_ONCE);
    }
}

static void test_states_and_budget(void **state)
{
    fx *f = *state;
    const char *types[] = {"heap"};
    pd_labels extra = PD_LABELS_INIT;
    pd_labels_set(&extra, "trigger", "manual");
    pd_capture *c1 = NULL, *c2 = NULL, *c3 = NULL;
    int64_t retry = -1;
    pd_ttarget *a = target_of(f, "a");
    assert_int_equal(pd_captures_begin(f->k, a, PD_CAP_MANUAL, &extra, types, 1, 0, &c1, &retry),
                     0);
    assert_int_equal(pd_captures_begin(f->k, a, PD_CAP_MANUAL, &extra, types, 1, 0, &c2, &retry),
                     0);
    /* The first runs; the second waits behind it (one request per process
     * and type). */
    assert_int_equal(pd_capture_state(c1), PD_CAP_RUNNING);
    assert_int_equal(pd_capture_state(c2), PD_CAP_PENDING);
    /* Two tokens per hour: the third is refused, with the wait. */
    assert_int_equal(pd_captures_begin(f->k, a, PD_CAP_MANUAL, &extra, types, 1, 0, &c3, &retry),
                     -EAGAIN);
    assert_null(c3);
    assert_in_range(retry, 1700, 1800);
    run_until_finished(f, c1);
    run_until_finished(f, c2);
    assert_int_equal(pd_capture_state(c1), PD_CAP_DONE);
    assert_true(c1->items[0].profile_id > 0);
    /* Two profiles; ingest runs on two threads, so the second capture's
     * may be stored first: ids say nothing of the order. */
    assert_true(c2->items[0].profile_id > 0);
    assert_true(c2->items[0].profile_id != c1->items[0].profile_id);
    assert_string_equal(c1->doc, "done manual");
    assert_string_equal(pd_labels_get(&c1->extra, "trigger"), "manual");

    /* A target that refuses: failed, saying why. */
    pd_capture *cb = NULL;
    assert_int_equal(
        pd_captures_begin(f->k, target_of(f, "b"), PD_CAP_ALERT, &extra, types, 1, 0, &cb, &retry),
        0);
    run_until_finished(f, cb);
    assert_int_equal(pd_capture_state(cb), PD_CAP_FAILED);
    assert_int_equal(cb->items[0].state, PD_CAP_FAILED);
    assert_non_null(strstr(cb->items[0].error, "connect: "));
    assert_string_equal(cb->doc, "failed alert");

    pd_buf m;
    pd_buf_init(&m, 0);
    pd_captures_metrics(f->k, &m);
    pd_buf_append(&m, "", 1);
    assert_non_null(strstr((char *)m.data, "pprofd_capture_profiles_total{trigger=\"manual\","
                                           "outcome=\"done\"} 2\n"));
    assert_non_null(strstr((char *)m.data, "pprofd_capture_profiles_total{trigger=\"alert\","
                                           "outcome=\"failed\"} 1\n"));
    assert_non_null(strstr((char *)m.data, "pprofd_capture_budget_refusals_total{trigger="
                                           "\"manual\"} 1\n"));
    pd_buf_free(&m);
    int64_t last_id = cb->id;
    pd_labels_free(&extra);

    /* Kept across a restart: a new registry reads the finished ones back,
     * and new ids follow theirs. */
    stop(f);
    pd_captures *k2 = pd_captures_new(&f->loop, NULL, NULL, NULL, NULL, doc);
    pd_err err = {{0}};
    assert_int_equal(pd_captures_load(k2, f->db, meta, &err), 0);
    assert_int_equal(pd_captures_count(k2), 3);
    const pd_capture *back = pd_captures_get(k2, last_id);
    assert_non_null(back);
    assert_true(back->finished);
    assert_int_equal(back->final, PD_CAP_FAILED);
    assert_int_equal(back->trigger, PD_CAP_ALERT);
    assert_int_equal(pd_captures_get(k2, c1->id)->final, PD_CAP_DONE);
    pd_captures_free(k2);
}

static void test_unknown_types_and_alert_selection(void **state)
{
    fx *f = *state;
    const char *types[PD_CAPTURE_MAX_PROFILES];
    size_t n = 0;
    pd_err err = {{0}};
    /* None given: alerting.profiles. */
    assert_int_equal(pd_captures_pick_types(f->k, NULL, 0, false, types, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(types[0], "heap");
    const char *bad[] = {"heap", "heap"};
    assert_int_equal(pd_captures_pick_types(f->k, bad, 2, true, types, &n, &err), -EINVAL);
    assert_string_equal(err.msg, "profiles[1]: \"heap\" twice");
    pd_err_clear(&err);
    const char *unknown[] = {"nosuch"};
    assert_int_equal(pd_captures_pick_types(f->k, unknown, 1, true, types, &n, &err), -EINVAL);
    assert_string_equal(err.msg, "profiles[0]: unknown profile \"nosuch\"");

    /* match_labels [team]: an alert of team a selects a, not b; one without
     * team selects nothing, never the whole fleet. */
    const char *names[] = {"alertname", "team"}, *values[] = {"HighCPU", "a"};
    assert_true(pd_captures_alert_selects(f->k, names, values, 2, target_of(f, "a")));
    assert_false(pd_captures_alert_selects(f->k, names, values, 2, target_of(f, "b")));
    assert_false(pd_captures_alert_selects(f->k, names, values, 1, target_of(f, "a")));
    assert_false(pd_captures_alert_repeated(f->k, "fp1"));
    pd_captures_alert_remember(f->k, "fp1");
    assert_true(pd_captures_alert_repeated(f->k, "fp1"));
    assert_false(pd_captures_alert_repeated(f->k, "fp2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_states_and_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_types_and_alert_selection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
