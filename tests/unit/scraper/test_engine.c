/* scraper/ the scrape engine on a real loop against the fault server: one
 * request per (process, type), held back after a window profile that may
 * still run on the target, the download limit and its FIFO line, window
 * profiles' waits outside it and under their own bound,
 * scheduled ticks skipped while the owner holds a body, back-off and
 * Retry-After, one-shot scrapes of removed targets, an orderly stop. */
#include "pd_clock.h"
#include "pd_scraper.h"
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fx {
    uv_loop_t loop;
    pd_scraper *sc;
    bool stopped;
} fx;

/* A slot of the test: what its fetched callback saw. */
typedef struct tslot {
    pd_scrape_slot s; /* first */
    char url[128];
    int bodies, ends, order;
    int64_t end_wall_ms; /* when its attempt ended */
    pd_scrape_reason last;
    char why[64];
    bool hold; /* keep the body: the slot stays busy */
    bool closed;
} tslot;

static int ends_seen;

static void fetched(pd_scrape_slot *s, pd_fetch_result *res, const char *why)
{
    tslot *t = (tslot *)s;
    t->ends++;
    t->order = ++ends_seen;
    t->end_wall_ms = pd_now_ns() / 1000000;
    if (res == NULL) {
        snprintf(t->why, sizeof(t->why), "%s", why);
        return;
    }
    t->last = res->code;
    if (res->code == PD_SCRAPE_OK) {
        t->bodies++;
        free(res->body);
        res->body = NULL;
        if (!s->once && !t->hold)
            pd_scrape_slot_done(s, PD_SCRAPE_OK, NULL);
    }
}

static void closed(pd_scrape_slot *s)
{
    ((tslot *)s)->closed = true;
}

static pd_scrape_target target(const char *job)
{
    static char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", sct_srv.port);
    return (pd_scrape_target){.address = addr, .job = job, .instance = addr, .timeout_ms = 5000};
}

static void slot_init(tslot *t, const pd_scrape_target *tg, const char *type, const char *path,
                      int64_t interval_ms, int64_t timeout_ms)
{
    memset(t, 0, sizeof(*t));
    sct_url(t->url, sizeof(t->url), path);
    t->s.target = tg;
    t->s.type = type;
    t->s.url = t->url;
    t->s.interval_ms = interval_ms;
    t->s.timeout_ms = timeout_ms;
    t->s.fetched = fetched;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    pd_scraper_opts o = {64, 4u << 20};
    pd_err err = {{0}};
    assert_int_equal(pd_scraper_new(&f->loop, &o, &f->sc, &err), 0);
    ends_seen = 0;
    *state = f;
    return 0;
}

static void on_stopped(void *arg)
{
    ((fx *)arg)->stopped = true;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_scraper_stop(f->sc, 0, on_stopped, f);
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_true(f->stopped);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    free(f);
    return 0;
}

static void test_one_request_per_process_and_type(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot a, b, c;
    /* Two cpu requests to one process: the second waits for the first
     * (which hangs until its 300 ms timeout); heap goes at once. */
    slot_init(&a, &tg, "cpu", "/hang", 0, 300);
    slot_init(&b, &tg, "cpu", "/ok", 0, 5000);
    slot_init(&c, &tg, "heap", "/ok", 0, 5000);
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s);
    pd_scrape_once(f->sc, &c.s);
    assert_int_equal(pd_scraper_in_flight(f->sc), 2);
    assert_true(b.s.queued);
    assert_false(c.s.queued);
    sct_loop_until(&f->loop, &ends_seen, 3);
    assert_int_equal(a.last, PD_SCRAPE_TIMEOUT);
    assert_int_equal(b.bodies, 1);
    assert_int_equal(c.bodies, 1);
    assert_true(b.order > a.order); /* never beside it */
}

/* A window profile (cpu for `seconds`) that timed out may still run on the
 * target: the next request to that process and type waits its seconds
 * and the slack after the end, never beside it. */
static void test_quiet_after_timeout(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot a, b, c;
    slot_init(&a, &tg, "cpu", "/hang", 0, 300);
    slot_init(&b, &tg, "cpu", "/ok", 0, 5000);
    slot_init(&c, &tg, "heap", "/ok", 0, 5000);
    a.s.seconds = b.s.seconds = 1;
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s); /* in line behind a */
    sct_loop_until(&f->loop, &a.ends, 1);
    assert_int_equal(a.last, PD_SCRAPE_TIMEOUT);
    assert_true(b.s.queued);     /* held back after a ended */
    pd_scrape_once(f->sc, &c.s); /* another type of the process is not */
    assert_false(c.s.queued);
    sct_loop_until(&f->loop, &b.ends, 1);
    assert_int_equal(b.bodies, 1);
    /* 1 s of profile + 2 s of slack from a's end (loop time may lag the
     * wall clock by a few ms when a's end was noted) */
    assert_true(b.s.h.last_scrape_wall_ms - a.end_wall_ms >= 3000 - 50);
    sct_loop_until(&f->loop, &ends_seen, 3);
}

/* Go's "cpu profiling already in use": someone's profile runs, so the
 * process is not asked again for its seconds. A complete answer of any
 * other status means the profile is over: no wait. */
static void test_quiet_after_cpu_in_use(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot a, b, c, d;
    slot_init(&a, &tg, "cpu", "/cpu-in-use", 0, 5000);
    slot_init(&b, &tg, "cpu", "/ok", 0, 5000);
    a.s.seconds = b.s.seconds = 1;
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s);
    sct_loop_until(&f->loop, &ends_seen, 2);
    assert_int_equal(a.last, PD_SCRAPE_CPU_IN_USE);
    assert_int_equal(b.bodies, 1);
    assert_true(b.s.h.last_scrape_wall_ms - a.end_wall_ms >= 1000 - 50);
    slot_init(&c, &tg, "fgprof", "/notfound", 0, 5000);
    slot_init(&d, &tg, "fgprof", "/ok", 0, 5000);
    c.s.seconds = d.s.seconds = 1;
    pd_scrape_once(f->sc, &c.s);
    pd_scrape_once(f->sc, &d.s);
    sct_loop_until(&f->loop, &c.ends, 1);
    assert_int_equal(c.last, PD_SCRAPE_HTTP);
    assert_false(d.s.queued); /* started as c ended (and may be done) */
    sct_loop_until(&f->loop, &d.ends, 1);
    assert_int_equal(d.bodies, 1);
}

/* The download limit does not count a window profile while the target
 * profiles: with room for one download, a waiting cpu profile and one
 * download run together and a second download waits. */
static void test_waits_outside_download_limit(void **state)
{
    fx *f = *state;
    pd_scraper_opts o = {1, 4u << 20, 0};
    pd_scraper_set_opts(f->sc, &o);
    pd_scrape_target tg = target("j");
    tslot cpu, h1, h2;
    slot_init(&cpu, &tg, "cpu", "/hang", 0, 500);
    slot_init(&h1, &tg, "heap", "/hang", 0, 300);
    slot_init(&h2, &tg, "goroutine", "/ok", 0, 5000);
    cpu.s.seconds = 1;
    pd_scrape_once(f->sc, &cpu.s);
    pd_scrape_once(f->sc, &h1.s);
    pd_scrape_once(f->sc, &h2.s);
    assert_int_equal(pd_scraper_in_flight(f->sc), 2);
    assert_int_equal(pd_scraper_waiting(f->sc), 1);
    assert_true(h2.s.queued);
    sct_loop_until(&f->loop, &ends_seen, 3);
    assert_true(h2.order > h1.order);
    assert_int_equal(h2.bodies, 1);
    assert_int_equal(pd_scraper_waiting(f->sc), 0);
    /* a body ends the wait: a cpu profile that answers is a download */
    tslot quick;
    slot_init(&quick, &tg, "fgprof", "/ok", 0, 5000);
    quick.s.seconds = 1;
    pd_scrape_once(f->sc, &quick.s);
    assert_int_equal(pd_scraper_waiting(f->sc), 1);
    sct_loop_until(&f->loop, &quick.ends, 1);
    assert_int_equal(quick.bodies, 1);
    assert_int_equal(pd_scraper_waiting(f->sc), 0);
}

/* Waits have their own bound (open files): past it a window profile
 * waits in its line, in order, while downloads go on. */
static void test_waits_bounded(void **state)
{
    fx *f = *state;
    pd_scraper_opts o = {64, 4u << 20, 1};
    pd_scraper_set_opts(f->sc, &o);
    assert_int_equal(pd_scraper_max_waiting(f->sc, NULL), 1);
    pd_scrape_target tg = target("j");
    tslot a, b, c;
    slot_init(&a, &tg, "cpu", "/hang", 0, 300);
    slot_init(&b, &tg, "fgprof", "/ok", 0, 5000);
    slot_init(&c, &tg, "heap", "/ok", 0, 5000);
    a.s.seconds = b.s.seconds = 1;
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s);
    pd_scrape_once(f->sc, &c.s);
    assert_true(b.s.queued);
    assert_false(c.s.queued);
    sct_loop_until(&f->loop, &ends_seen, 3);
    assert_true(b.order > a.order);
    assert_int_equal(b.bodies, 1);
    /* 0 is what the open-file limit allows, raised at start */
    size_t fds = 0;
    o.max_waiting = 0;
    pd_scraper_set_opts(f->sc, &o);
    size_t w = pd_scraper_max_waiting(f->sc, &fds);
    assert_true(fds >= 1024);
    assert_true(w > 0 && w < fds);
}

static void test_transfer_limit_fifo(void **state)
{
    fx *f = *state;
    pd_scraper_opts o = {1, 4u << 20};
    pd_scraper_set_opts(f->sc, &o);
    pd_scrape_target tg = target("j");
    tslot s[4];
    const char *types[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) {
        slot_init(&s[i], &tg, types[i], "/ok", 0, 5000);
        pd_scrape_once(f->sc, &s[i].s);
    }
    assert_int_equal(pd_scraper_in_flight(f->sc), 1);
    sct_loop_until(&f->loop, &ends_seen, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(s[i].bodies, 1);
        assert_int_equal(s[i].order, i + 1); /* in the order they came */
    }
}

static void test_ticks_skipped_while_busy(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot t;
    slot_init(&t, &tg, "heap", "/ok", 100, 0);
    t.hold = true; /* the owner never finishes the body */
    t.s.phase_seed = 7;
    pd_scrape_slot_start(f->sc, &t.s);
    sct_loop_until(&f->loop, &t.bodies, 1);
    /* Busy until pd_scrape_slot_done: every tick after is skipped. */
    while (t.s.h.skipped < 3)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(t.bodies, 1);
    assert_true(t.s.busy);
    pd_scrape_slot_done(&t.s, PD_SCRAPE_OK, NULL);
    assert_int_equal(t.s.h.ok, 1);
    assert_true(t.s.h.last_ok_wall_ms > 0);
    sct_loop_until(&f->loop, &t.bodies, 2); /* free again: the next tick scrapes */
    pd_scrape_slot_stop(&t.s, closed);
    int done = 0;
    while (!t.closed && done++ < 1000)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_true(t.closed);
    assert_int_equal(pd_scraper_skipped_gone(f->sc), t.s.h.skipped);
}

static void test_failure_backs_off(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("api");
    tslot t, r;
    slot_init(&t, &tg, "heap", "/notfound", 60000, 0);
    slot_init(&r, &tg, "cpu", "/ratelimited", 60000, 0);
    /* Taking over a schedule due now (as a reload does), rather than
     * waiting for the phase somewhere in the next minute. */
    pd_scrape_slot old = {0};
    old.due_ms = (int64_t)uv_now(&f->loop);
    pd_scrape_slot_take_over(f->sc, &t.s, &old);
    pd_scrape_slot_take_over(f->sc, &r.s, &old);
    while (t.s.h.failed < 1 || r.s.h.failed < 1)
        uv_run(&f->loop, UV_RUN_ONCE);
    int64_t now = (int64_t)uv_now(&f->loop);
    /* Failures are not handed to the owner: counted and retried here. */
    assert_int_equal(t.ends, 0);
    assert_int_equal(t.s.h.last, PD_SCRAPE_HTTP);
    assert_int_equal(t.s.h.last_status, 404);
    assert_int_equal(t.s.failures, 1);
    assert_in_range(t.s.retry_at_ms - now, 500, 1000); /* the first back-off: 1 s */
    /* 429 with Retry-After: 7: not before then. */
    assert_int_equal(r.s.h.last, PD_SCRAPE_RETRY_LATER);
    assert_in_range(r.s.not_before_ms - now, 6000, 7000);
    size_t n = 0;
    const pd_scrape_failures *fl = pd_scraper_failures(f->sc, &n);
    bool seen404 = false;
    for (size_t i = 0; i < n; i++)
        seen404 = seen404 || (strcmp(fl[i].job, "api") == 0 &&
                              strcmp(fl[i].reason, "http_404") == 0 && fl[i].n == 1);
    assert_true(seen404);
    pd_scrape_slot_stop(&t.s, closed);
    pd_scrape_slot_stop(&r.s, closed);
    while (!t.closed || !r.closed) /* their timers live in this frame */
        uv_run(&f->loop, UV_RUN_ONCE);
}

static void test_once_of_removed_target(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot a, b;
    slot_init(&a, &tg, "cpu", "/hang", 0, 300);
    slot_init(&b, &tg, "cpu", "/ok", 0, 5000);
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s); /* in line behind a */
    tg.retired = true;           /* the owner removes the target */
    sct_loop_until(&f->loop, &ends_seen, 2);
    assert_string_equal(b.why, "target removed");
    assert_int_equal(b.bodies, 0);
    tslot c;
    slot_init(&c, &tg, "heap", "/ok", 0, 5000);
    pd_scrape_once(f->sc, &c.s); /* refused at once */
    assert_string_equal(c.why, "target removed");
}

static void test_stop_ends_the_line(void **state)
{
    fx *f = *state;
    pd_scrape_target tg = target("j");
    tslot a, b;
    slot_init(&a, &tg, "cpu", "/hang", 0, 30000);
    slot_init(&b, &tg, "cpu", "/ok", 0, 5000);
    pd_scrape_once(f->sc, &a.s);
    pd_scrape_once(f->sc, &b.s);
    pd_scraper_stop(f->sc, 50, on_stopped, f);
    /* The one in line ends at once; the hanging one is aborted after the
     * grace, and then the engine is gone. */
    assert_string_equal(b.why, "daemon stopping");
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(a.last, PD_SCRAPE_ABORTED);
    assert_true(f->stopped);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    assert_int_equal(uv_loop_init(&f->loop), 0); /* for the teardown */
    pd_scraper_opts o = {64, 4u << 20};
    pd_err err = {{0}};
    f->stopped = false;
    assert_int_equal(pd_scraper_new(&f->loop, &o, &f->sc, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_request_per_process_and_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_limit_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_after_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_after_cpu_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waits_outside_download_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waits_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ticks_skipped_while_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_backs_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_once_of_removed_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_ends_the_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
