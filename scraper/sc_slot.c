/* The schedule of a slot on the loop: its timer, ticks at its phase,
 * skipped ticks, retries, and stopping it. The arithmetic is in
 * pd_schedule.c. */
#include "sc_engine.h"

#include "pd_clock.h"
#include "pd_log.h"
#include "pd_schedule.h"

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

void sc_retry(pd_scrape_slot *s, int64_t at_ms)
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

static void init(pd_scraper *sc, pd_scrape_slot *s)
{
    s->sc = sc;
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

void sc_maybe_closed(pd_scrape_slot *s)
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
    sc_maybe_closed(s);
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
