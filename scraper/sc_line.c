/* The scrape engine's transfers (pd_scraper.h): the lines for a transfer,
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
#include <sys/resource.h>

static const double duration_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30};

/* The soft limit of open files, raised to the hard one first. */
static size_t raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    /* RLIM_INFINITY or a huge hard limit: more than any fleet needs */
    return rl.rlim_cur > (1u << 20) ? (size_t)1 << 20 : (size_t)rl.rlim_cur;
}

/* Open files waiting window profiles may use: the limit less the reserve
 * and the downloads (every transfer has a connection of its own, closed
 * after it: none are kept idle). */
static size_t waits_allowed(size_t fd_limit, size_t max_transfers)
{
    size_t used = SC_FD_RESERVE + max_transfers;
    return fd_limit > used ? fd_limit - used : 1;
}

int pd_scraper_new(uv_loop_t *loop, const pd_scraper_opts *o, pd_scraper **out, pd_err *err)
{
    *out = NULL;
    pd_scraper *sc = pd_xcalloc(1, sizeof(*sc));
    for (size_t i = 0; i < SC_FETCHERS; i++) {
        int rc = pd_fetcher_new(loop, &sc->fetchers[i], err);
        if (rc < 0) {
            while (i-- > 0)
                pd_fetcher_close(sc->fetchers[i]);
            free(sc);
            return rc;
        }
    }
    sc->fetchers_open = true;
    sc->loop = loop;
    sc->fd_limit = raise_fd_limit();
    pd_scraper_set_opts(sc, o);
    pd_histogram_init(&sc->durations, duration_bounds,
                      sizeof(duration_bounds) / sizeof(duration_bounds[0]));
    uv_timer_init(loop, &sc->grace);
    sc->grace.data = sc;
    uv_timer_init(loop, &sc->quiet_timer);
    sc->quiet_timer.data = sc;
    sc->open_timers = 2;
    *out = sc;
    return 0;
}

void pd_scraper_set_opts(pd_scraper *sc, const pd_scraper_opts *o)
{
    sc->o = *o;
    if (sc->o.max_transfers == 0)
        sc->o.max_transfers = 1;
    if (sc->o.max_waiting == 0)
        sc->o.max_waiting = waits_allowed(sc->fd_limit, sc->o.max_transfers);
    sc_pump(sc); /* a higher limit starts what waits */
}

size_t pd_scraper_in_flight(const pd_scraper *sc)
{
    size_t n = 0;
    for (size_t i = 0; sc->fetchers_open && i < SC_FETCHERS; i++)
        n += pd_fetcher_in_flight(sc->fetchers[i]);
    return n;
}

/* The fetcher of a target: always the same one for an address. */
static pd_fetcher *fetcher_of(pd_scraper *sc, const pd_scrape_target *t)
{
    uint64_t h = pd_hash_bytes(t->address, strlen(t->address));
    return sc->fetchers[h % SC_FETCHERS];
}

size_t pd_scraper_waiting(const pd_scraper *sc)
{
    return sc->nwaiting;
}

size_t pd_scraper_max_waiting(const pd_scraper *sc, size_t *fd_limit)
{
    if (fd_limit != NULL)
        *fd_limit = sc->fd_limit;
    return sc->o.max_waiting;
}

/* --- the in-flight set: one request per (process, type) ------------------- */

size_t sc_bucket(const pd_scrape_slot *s)
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
    for (const pd_scrape_slot *f = sc->flying[sc_bucket(s)]; f != NULL; f = f->fly_next)
        if (same_key(f, s))
            return true;
    return false;
}

static void fly_add(pd_scraper *sc, pd_scrape_slot *s)
{
    size_t b = sc_bucket(s);
    s->fly_next = sc->flying[b];
    sc->flying[b] = s;
    s->fetching = true;
}

static void fly_remove(pd_scraper *sc, pd_scrape_slot *s)
{
    for (pd_scrape_slot **p = &sc->flying[sc_bucket(s)]; *p != NULL; p = &(*p)->fly_next)
        if (*p == s) {
            *p = s->fly_next;
            break;
        }
    s->fly_next = NULL;
    s->fetching = false;
}

/* --- the lines for a transfer ---------------------------------------------- */

static sc_line *line_of(pd_scraper *sc, const pd_scrape_slot *s)
{
    return &sc->lines[s->seconds > 0 ? SC_LINE_WAIT : SC_LINE_DOWNLOAD];
}

static void line_push(pd_scraper *sc, pd_scrape_slot *s)
{
    sc_line *l = line_of(sc, s);
    s->q_next = NULL;
    s->q_prev = l->tail;
    if (l->tail != NULL)
        l->tail->q_next = s;
    else
        l->head = s;
    l->tail = s;
    s->queued = true;
    l->len++;
}

void sc_line_remove(pd_scraper *sc, pd_scrape_slot *s)
{
    if (!s->queued)
        return;
    sc_line *l = line_of(sc, s);
    if (s->q_prev != NULL)
        s->q_prev->q_next = s->q_next;
    else
        l->head = s->q_next;
    if (s->q_next != NULL)
        s->q_next->q_prev = s->q_prev;
    else
        l->tail = s->q_prev;
    s->q_prev = s->q_next = NULL;
    s->queued = false;
    l->len--;
}

/* Whether a request of s's kind may start: a window profile while fewer
 * than max_waiting wait, anything else while fewer than max_transfers
 * download (window profiles count once their body comes). */
static bool has_room(const pd_scraper *sc, int kind)
{
    if (kind == SC_LINE_WAIT)
        return sc->nwaiting < sc->o.max_waiting;
    return pd_scraper_in_flight(sc) - sc->nwaiting < sc->o.max_transfers;
}

/* Whether s must wait for its process and type: one in flight, or quiet. */
static bool held_back(pd_scraper *sc, const pd_scrape_slot *s)
{
    return fly_has(sc, s) || sc_quiet_has(sc, s);
}

/* --- requests --------------------------------------------------------------- */

static void on_fetched(void *ctx, pd_fetch_result *res);

static void end_wait(pd_scrape_slot *s)
{
    if (s->waiting) {
        s->waiting = false;
        s->sc->nwaiting--;
    }
}

/* The target has profiled and answers: now a download. */
static void on_first_byte(void *ctx)
{
    end_wait(ctx);
}

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
    o.first_byte = s->seconds > 0 ? on_first_byte : NULL;
    pd_err err = {{0}};
    int rc = pd_fetch_start(fetcher_of(sc, t), &o, on_fetched, s, &err);
    if (rc < 0) {
        s->ended(s, NULL, err.msg);
        return;
    }
    s->busy = true;
    if (s->seconds > 0) {
        s->waiting = true;
        sc->nwaiting++;
    }
    s->h.last_scrape_wall_ms = pd_now_ns() / 1000000;
    fly_add(sc, s);
    pd_log(PD_LOG_DEBUG, "scrape", "job=%s instance=%s type=%s lag_ms=%lld", t->job, t->instance,
           s->type, (long long)((int64_t)uv_now(sc->loop) - s->tick_ms));
}

/* Starts waiting requests while their kind has room. A request held back
 * for its process and type goes back in line behind the others. */
void sc_pump(pd_scraper *sc)
{
    for (int kind = 0; kind < SC_NLINES; kind++) {
        sc_line *l = &sc->lines[kind];
        size_t tries = l->len; /* one pass over the line */
        while (l->head != NULL && tries-- > 0 && !sc->stopping && sc->fetchers_open &&
               has_room(sc, kind)) {
            pd_scrape_slot *s = l->head;
            sc_line_remove(sc, s);
            if (s->once && s->target->retired)
                s->fetched(s, NULL, "target removed");
            else if (held_back(sc, s))
                line_push(sc, s);
            else
                start_fetch(sc, s);
        }
    }
}

void sc_attempt(pd_scraper *sc, pd_scrape_slot *s, int64_t tick)
{
    s->tick_ms = tick; /* the lag is counted from here, queued or not */
    if (!has_room(sc, line_of(sc, s) - sc->lines) || held_back(sc, s))
        line_push(sc, s);
    else
        start_fetch(sc, s);
}

static void maybe_finish(pd_scraper *sc);

static void on_fetched(void *ctx, pd_fetch_result *res)
{
    pd_scrape_slot *s = ctx;
    pd_scraper *sc = s->sc;
    end_wait(s);
    sc_quiet_note(sc, s, res);
    fly_remove(sc, s);
    s->ended(s, res, NULL); /* a one-shot slot is the owner's from here */
    sc_pump(sc);
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
    for (size_t i = 0; sc->fetchers_open && i < SC_FETCHERS; i++)
        pd_fetcher_abort_all(sc->fetchers[i]);
}

static void on_timer_closed(uv_handle_t *h)
{
    pd_scraper *sc = h->data;
    if (--sc->open_timers > 0)
        return;
    void (*done)(void *) = sc->done;
    void *arg = sc->done_arg;
    free(sc);
    if (done != NULL)
        done(arg);
}

static void maybe_finish(pd_scraper *sc)
{
    if (!sc->stopping || !sc->fetchers_open || pd_scraper_in_flight(sc) > 0)
        return;
    for (size_t i = 0; i < SC_FETCHERS; i++)
        pd_fetcher_close(sc->fetchers[i]);
    sc->fetchers_open = false;
    sc_quiet_clear(sc);
    uv_close((uv_handle_t *)&sc->grace, on_timer_closed);
    uv_close((uv_handle_t *)&sc->quiet_timer, on_timer_closed);
}

void pd_scraper_stop(pd_scraper *sc, int64_t grace_ms, void (*done)(void *arg), void *arg)
{
    sc->stopping = true;
    sc->done = done;
    sc->done_arg = arg;
    /* Requests waiting for a transfer will not get one. */
    for (int kind = 0; kind < SC_NLINES; kind++)
        while (sc->lines[kind].head != NULL) {
            pd_scrape_slot *s = sc->lines[kind].head;
            sc_line_remove(sc, s);
            if (s->once)
                s->fetched(s, NULL, "daemon stopping");
        }
    if (pd_scraper_in_flight(sc) > 0)
        uv_timer_start(&sc->grace, on_grace, (uint64_t)(grace_ms > 0 ? grace_ms : 0), 0);
    maybe_finish(sc);
}
