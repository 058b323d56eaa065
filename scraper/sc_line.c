/* The scrape engine's transfers (pd_scraper.h): the line for a transfer,
 * the in-flight set of (process, type), starting requests and reporting
 * their end to the slot's side (sc_slot.c), and the engine's stop. */
#include "sc_engine.h"

#include "pd_clock.h"
#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double duration_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30};

int pd_scraper_new(uv_loop_t *loop, const pd_scraper_opts *o, pd_scraper **out, pd_err *err)
{
    *out = NULL;
    pd_scraper *sc = pd_xcalloc(1, sizeof(*sc));
    int rc = pd_fetcher_new(loop, &sc->fetcher, err);
    if (rc < 0) {
        free(sc);
        return rc;
    }
    sc->loop = loop;
    pd_scraper_set_opts(sc, o);
    pd_histogram_init(&sc->durations, duration_bounds,
                      sizeof(duration_bounds) / sizeof(duration_bounds[0]));
    uv_timer_init(loop, &sc->grace);
    sc->grace.data = sc;
    *out = sc;
    return 0;
}

void pd_scraper_set_opts(pd_scraper *sc, const pd_scraper_opts *o)
{
    sc->o = *o;
    if (sc->o.max_transfers == 0)
        sc->o.max_transfers = 1;
}

size_t pd_scraper_in_flight(const pd_scraper *sc)
{
    return sc->fetcher != NULL ? pd_fetcher_in_flight(sc->fetcher) : 0;
}

/* --- the in-flight set: one request per (process, type) ------------------- */

static size_t fly_bucket(const pd_scrape_slot *s)
{
    uint64_t h = pd_hash_bytes(s->target->address, strlen(s->target->address));
    h ^= pd_hash_bytes(s->type, strlen(s->type)) * 31;
    return (size_t)(h % SC_FLY_BUCKETS);
}

static bool same_key(const pd_scrape_slot *a, const pd_scrape_slot *b)
{
    return strcmp(a->target->address, b->target->address) == 0 && strcmp(a->type, b->type) == 0;
}

/* Whether a request of s's process and type is in flight. */
static bool fly_has(const pd_scraper *sc, const pd_scrape_slot *s)
{
    for (const pd_scrape_slot *f = sc->flying[fly_bucket(s)]; f != NULL; f = f->fly_next)
        if (same_key(f, s))
            return true;
    return false;
}

static void fly_add(pd_scraper *sc, pd_scrape_slot *s)
{
    size_t b = fly_bucket(s);
    s->fly_next = sc->flying[b];
    sc->flying[b] = s;
    s->fetching = true;
}

static void fly_remove(pd_scraper *sc, pd_scrape_slot *s)
{
    for (pd_scrape_slot **p = &sc->flying[fly_bucket(s)]; *p != NULL; p = &(*p)->fly_next)
        if (*p == s) {
            *p = s->fly_next;
            break;
        }
    s->fly_next = NULL;
    s->fetching = false;
}

/* --- the line for a transfer ------------------------------------------------ */

static void line_push(pd_scraper *sc, pd_scrape_slot *s)
{
    s->q_next = NULL;
    s->q_prev = sc->q_tail;
    if (sc->q_tail != NULL)
        sc->q_tail->q_next = s;
    else
        sc->q_head = s;
    sc->q_tail = s;
    s->queued = true;
    sc->qlen++;
}

void sc_line_remove(pd_scraper *sc, pd_scrape_slot *s)
{
    if (!s->queued)
        return;
    if (s->q_prev != NULL)
        s->q_prev->q_next = s->q_next;
    else
        sc->q_head = s->q_next;
    if (s->q_next != NULL)
        s->q_next->q_prev = s->q_prev;
    else
        sc->q_tail = s->q_prev;
    s->q_prev = s->q_next = NULL;
    s->queued = false;
    sc->qlen--;
}

/* --- requests --------------------------------------------------------------- */

static void on_fetched(void *ctx, pd_fetch_result *res);

static void start_fetch(pd_scraper *sc, pd_scrape_slot *s)
{
    const pd_scrape_target *t = s->target;
    pd_fetch_opts o = {0};
    o.url = s->url;
    o.timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : t->timeout_ms;
    o.max_body = sc->o.max_body;
    /* A stalled target is cut off; one that profiles for N seconds sends
     * nothing until then, so its window starts after those. */
    o.low_speed_window_s = 10 + s->seconds;
    o.low_speed_bytes = 1;
    o.bearer_token = t->bearer;
    o.basic_user = t->basic_user;
    o.basic_password = t->basic_password;
    o.ca_file = t->ca_file;
    o.cert_file = t->cert_file;
    o.key_file = t->key_file;
    o.insecure_skip_verify = t->insecure;
    pd_err err = {{0}};
    int rc = pd_fetch_start(sc->fetcher, &o, on_fetched, s, &err);
    if (rc < 0) {
        s->ended(s, NULL, err.msg);
        return;
    }
    s->busy = true;
    s->h.last_scrape_wall_ms = pd_now_ns() / 1000000;
    fly_add(sc, s);
    pd_log(PD_LOG_DEBUG, "scrape", "job=%s instance=%s type=%s lag_ms=%lld", t->job, t->instance,
           s->type, (long long)((int64_t)uv_now(sc->loop) - s->tick_ms));
}

/* Starts waiting requests while transfers are free. A request whose
 * process and type is in flight goes back in line behind it. */
static void pump(pd_scraper *sc)
{
    size_t tries = sc->qlen; /* one pass over the line */
    while (sc->q_head != NULL && tries-- > 0 && !sc->stopping &&
           pd_scraper_in_flight(sc) < sc->o.max_transfers) {
        pd_scrape_slot *s = sc->q_head;
        sc_line_remove(sc, s);
        if (s->once && s->target->retired)
            s->fetched(s, NULL, "target removed");
        else if (fly_has(sc, s))
            line_push(sc, s);
        else
            start_fetch(sc, s);
    }
}

void sc_attempt(pd_scraper *sc, pd_scrape_slot *s, int64_t tick)
{
    s->tick_ms = tick; /* the lag is counted from here, queued or not */
    if (pd_scraper_in_flight(sc) >= sc->o.max_transfers || fly_has(sc, s))
        line_push(sc, s);
    else
        start_fetch(sc, s);
}

static void maybe_finish(pd_scraper *sc);

static void on_fetched(void *ctx, pd_fetch_result *res)
{
    pd_scrape_slot *s = ctx;
    pd_scraper *sc = s->sc;
    fly_remove(sc, s);
    s->ended(s, res, NULL); /* a one-shot slot is the owner's from here */
    pump(sc);
    maybe_finish(sc);
}

/* --- metrics ----------------------------------------------------------------- */

const pd_histogram *pd_scraper_durations(const pd_scraper *sc)
{
    return &sc->durations;
}

const pd_scrape_failures *pd_scraper_failures(const pd_scraper *sc, size_t *n)
{
    *n = sc->nfailures;
    return sc->failures;
}

uint64_t pd_scraper_bytes(const pd_scraper *sc)
{
    return sc->bytes_total;
}

uint64_t pd_scraper_skipped_gone(const pd_scraper *sc)
{
    return sc->skipped_gone;
}

/* --- stopping ------------------------------------------------------------------ */

static void on_grace(uv_timer_t *t)
{
    pd_scraper *sc = t->data;
    if (pd_scraper_in_flight(sc) > 0)
        pd_log_warn("aborting scrapes", "in_flight=%zu", pd_scraper_in_flight(sc));
    pd_fetcher_abort_all(sc->fetcher);
}

static void on_grace_closed(uv_handle_t *h)
{
    pd_scraper *sc = h->data;
    void (*done)(void *) = sc->done;
    void *arg = sc->done_arg;
    free(sc);
    if (done != NULL)
        done(arg);
}

static void maybe_finish(pd_scraper *sc)
{
    if (!sc->stopping || sc->fetcher == NULL || pd_scraper_in_flight(sc) > 0)
        return;
    pd_fetcher_close(sc->fetcher);
    sc->fetcher = NULL;
    uv_close((uv_handle_t *)&sc->grace, on_grace_closed);
}

void pd_scraper_stop(pd_scraper *sc, int64_t grace_ms, void (*done)(void *arg), void *arg)
{
    sc->stopping = true;
    sc->done = done;
    sc->done_arg = arg;
    /* Requests waiting for a transfer will not get one. */
    while (sc->q_head != NULL) {
        pd_scrape_slot *s = sc->q_head;
        sc_line_remove(sc, s);
        if (s->once)
            s->fetched(s, NULL, "daemon stopping");
    }
    if (pd_scraper_in_flight(sc) > 0)
        uv_timer_start(&sc->grace, on_grace, (uint64_t)(grace_ms > 0 ? grace_ms : 0), 0);
    maybe_finish(sc);
}
