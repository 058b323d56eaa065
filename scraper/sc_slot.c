/* The slot's side of the scrape engine: its schedule on the loop (timer,
 * ticks at its phase, skipped ticks, retries, stopping it; the arithmetic
 * is pd_schedule.c's), what an attempt's end means for its health and
 * metrics, and one-shot scrapes. */
#include "sc_engine.h"

#include "pd_clock.h"
#include "pd_log.h"
#include "pd_schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_tick(uv_timer_t *timer);

static int64_t now_ms(const pd_scrape_slot *s)
{
    return (int64_t)uv_now(s->sc->loop);
}

static void arm(pd_scrape_slot *s)
{
    int64_t now = now_ms(s);
    int64_t at = s->due_ms;
    if (s->retry_at_ms != 0 && s->retry_at_ms < at)
        at = s->retry_at_ms;
    uv_timer_start(&s->timer, on_tick, (uint64_t)(at > now ? at - now : 0), 0);
}

static void retry(pd_scrape_slot *s, int64_t at_ms)
{
    s->retry_at_ms = at_ms;
    arm(s);
}

/* `tick` is the schedule tick (or retry time) this attempt answers. */
static void attempt(pd_scrape_slot *s, int64_t tick)
{
    if (s->busy || s->queued) {
        s->h.skipped++; /* the last scrape still runs: this tick is skipped */
        pd_log(PD_LOG_DEBUG, "tick skipped", "job=%s instance=%s type=%s", s->target->job,
               s->target->instance, s->type);
        return;
    }
    if (now_ms(s) < s->not_before_ms)
        return; /* the target asked us to wait (Retry-After) */
    sc_attempt(s->sc, s, tick);
}

static void on_tick(uv_timer_t *timer)
{
    pd_scrape_slot *s = timer->data;
    if (s->stopped || s->sc->stopping)
        return;
    int64_t now = now_ms(s);
    /* A regular tick moves the schedule on (counting ticks missed while the
     * loop was held up); a back-off retry before it leaves it alone. */
    int64_t tick = now;
    if (now >= s->due_ms) {
        tick = s->due_ms;
        s->due_ms = pd_sched_next_due(s->due_ms, s->interval_ms, now, &s->h.skipped);
    }
    s->retry_at_ms = 0;
    attempt(s, tick);
    arm(s);
}

static void ended(pd_scrape_slot *s, pd_fetch_result *res, const char *why);

static void init(pd_scraper *sc, pd_scrape_slot *s)
{
    s->sc = sc;
    s->ended = ended;
    uv_timer_init(sc->loop, &s->timer);
    s->timer.data = s;
    s->timer_open = true;
}

void pd_scrape_slot_start(pd_scraper *sc, pd_scrape_slot *s)
{
    init(sc, s);
    int64_t offset = pd_sched_offset(s->phase_seed, s->interval_ms);
    s->due_ms = pd_sched_first_due(now_ms(s), pd_now_ns() / 1000000, offset, s->interval_ms);
    arm(s);
}

void pd_scrape_slot_inherit(pd_scrape_slot *s, pd_scrape_slot *old)
{
    s->h = old->h;
    old->h.skipped = 0;
}

void pd_scrape_slot_take_over(pd_scraper *sc, pd_scrape_slot *s, pd_scrape_slot *old)
{
    init(sc, s);
    pd_scrape_slot_inherit(s, old);
    /* The next tick of the old schedule: a scrape of the old slot still in
     * flight ends before it. */
    s->due_ms = old->due_ms;
    arm(s);
}

/* Calls s->closed once a stopped slot has nothing left running. */
static void maybe_closed(pd_scrape_slot *s)
{
    if (!s->stopped || s->timer_open || s->fetching || s->closed == NULL)
        return;
    void (*closed)(pd_scrape_slot *) = s->closed;
    s->closed = NULL; /* once */
    closed(s);
}

static void on_timer_closed(uv_handle_t *h)
{
    pd_scrape_slot *s = h->data;
    s->timer_open = false;
    maybe_closed(s);
}

void pd_scrape_slot_stop(pd_scrape_slot *s, void (*closed)(pd_scrape_slot *s))
{
    s->stopped = true;
    if (s->sc == NULL) { /* never started: nothing to close */
        closed(s);
        return;
    }
    s->closed = closed;
    sc_line_remove(s->sc, s);
    s->sc->skipped_gone += s->h.skipped;
    uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

/* --- an attempt's end --------------------------------------------------------- */

static void count_failure(pd_scraper *sc, const pd_scrape_slot *s, const char *reason)
{
    const char *job = s->target->job;
    for (size_t i = 0; i < sc->nfailures; i++)
        if (sc->failures[i].reason == reason && strcmp(sc->failures[i].job, job) == 0) {
            sc->failures[i].n++;
            return;
        }
    if (sc->nfailures == SC_REASONS_MAX)
        return; /* bounded: jobs x reasons beyond this are not broken out */
    pd_scrape_failures *f = &sc->failures[sc->nfailures++];
    snprintf(f->job, sizeof(f->job), "%s", job);
    f->reason = reason;
    f->n = 1;
}

/* An attempt's outcome in the slot's health and the metrics. duration_ms
 * < 0: not a transfer (the owner's verdict on a body). */
static void count(pd_scraper *sc, pd_scrape_slot *s, pd_scrape_reason code, int status,
                  int64_t duration_ms, size_t bytes, const char *message)
{
    pd_scrape_health *h = &s->h;
    h->bytes += bytes;
    sc->bytes_total += bytes;
    if (duration_ms >= 0) {
        h->last_duration_ms = duration_ms;
        pd_histogram_observe(&sc->durations, (double)duration_ms / 1000.0);
    }
    if (code == PD_SCRAPE_OK) {
        h->last_error[0] = '\0';
        return;
    }
    const char *reason = pd_scrape_reason_name(code, status);
    h->failed++;
    h->ran = true;
    h->last = code;
    h->last_status = status;
    snprintf(h->last_error, sizeof(h->last_error), "%s", message ? message : reason);
    count_failure(sc, s, reason);
}

static void ended(pd_scrape_slot *s, pd_fetch_result *res, const char *why)
{
    pd_scraper *sc = s->sc;
    s->busy = res != NULL && res->code == PD_SCRAPE_OK && !s->once;
    if (s->once) {
        s->fetched(s, res, why); /* the slot is the owner's from here */
        return;
    }
    const pd_scrape_target *t = s->target;
    if (res == NULL) { /* the request could not start */
        count(sc, s, PD_SCRAPE_ERROR, 0, -1, 0, why);
        pd_log_warn("scrape failed", "job=%s instance=%s type=%s reason=error error=\"%s\"", t->job,
                    t->instance, s->type, why);
        return;
    }
    int64_t now = (int64_t)uv_now(sc->loop);
    if (res->code == PD_SCRAPE_OK) {
        count(sc, s, PD_SCRAPE_OK, res->status, res->duration_ms, res->bytes, NULL);
        s->failures = 0;
        s->retry_at_ms = 0;
        s->fetched(s, res, NULL); /* busy until pd_scrape_slot_done */
    } else {
        count(sc, s, res->code, res->status, res->duration_ms, res->bytes, res->message);
        s->failures++;
        pd_log_warn("scrape failed",
                    "job=%s instance=%s type=%s reason=%s duration_ms=%lld bytes=%zu error=\"%s\"",
                    t->job, t->instance, s->type, res->reason, (long long)res->duration_ms,
                    res->bytes, res->message);
        if (res->retry_after_ms >= 0)
            s->not_before_ms = now + res->retry_after_ms;
        free(res->body);
        res->body = NULL;
        /* Go refuses a second CPU profile: that is this scrape colliding,
         * not a target to hammer; everything else backs off. */
        if (res->code != PD_SCRAPE_CPU_IN_USE && res->code != PD_SCRAPE_ABORTED && !s->stopped &&
            !sc->stopping)
            retry(s, now + pd_sched_backoff(s->failures, s->interval_ms));
    }
    maybe_closed(s);
}

void pd_scrape_slot_done(pd_scrape_slot *s, pd_scrape_reason reason, const char *message)
{
    s->busy = false;
    if (reason != PD_SCRAPE_OK) {
        count(s->sc, s, reason, 0, -1, 0, message);
        return;
    }
    s->h.ok++;
    s->h.ran = true;
    s->h.last = PD_SCRAPE_OK;
    s->h.last_status = 200;
    s->h.last_ok_wall_ms = pd_now_ns() / 1000000;
}

/* --- one-shot scrapes ------------------------------------------------------- */

void pd_scrape_once(pd_scraper *sc, pd_scrape_slot *s)
{
    s->sc = sc;
    s->ended = ended;
    s->once = true;
    s->tick_ms = (int64_t)uv_now(sc->loop);
    if (sc->stopping || s->target->retired) {
        s->fetched(s, NULL, sc->stopping ? "daemon stopping" : "target removed");
        return;
    }
    sc_attempt(sc, s, s->tick_ms);
}

void pd_scrape_once_cancel(pd_scrape_slot *s, const char *why)
{
    if (!s->queued)
        return;
    sc_line_remove(s->sc, s);
    s->fetched(s, NULL, why);
}
