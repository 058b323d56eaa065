/* The scrape engine: scheduled scrapes of (target, profile type) slots and
 * one-shot scrapes (captures), under one set of rules:
 *  - at most `max_transfers` downloads at once. A window profile (cpu,
 *    `seconds` > 0) is not a download while the target profiles and sends
 *    nothing: those waits are bounded by `max_waiting` (open files)
 *    instead. What cannot start waits in a FIFO line of its kind;
 *  - never two requests in flight for one (process, profile type): Go runs
 *    one CPU profile at a time, and a capture must not double a scheduled
 *    scrape. One process may be several targets (a configured one, a
 *    registered one, two jobs), so requests are kept apart by address.
 *    A window profile that ended without an answer (timed out, aborted,
 *    cut off) may still run on the target, and one refused as "already in
 *    use" runs for someone: that process and type is not asked again
 *    until the profile must have ended (its seconds and a slack);
 *  - a slot's ticks fall at a stable phase of its interval (pd_schedule.h);
 *    a tick whose previous scrape still runs is skipped and counted;
 *  - after a failure a slot retries with exponential back-off, and never
 *    before a target's Retry-After.
 * What a body becomes is the owner's: a slot's `fetched` callback gets
 * every body, and a scheduled slot stays busy (its next ticks skipped)
 * until the owner calls pd_scrape_slot_done. The engine knows nothing of
 * profiles or storage.
 *
 * Loop thread only. */
#ifndef PD_SCRAPER_H
#define PD_SCRAPER_H

#include "pd_fetch.h"
#include "pd_histogram.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct pd_scraper pd_scraper;
typedef struct pd_scrape_slot pd_scrape_slot;

/* How to reach one target: shared by its slots, the owner's, and must
 * outlive them. */
typedef struct pd_scrape_target {
    const char *address;        /* host:port: requests to one process never overlap per type */
    const char *job, *instance; /* for logs and metrics */
    int64_t timeout_ms;
    const char *bearer, *basic_user, *basic_password; /* NULL: none */
    const char *ca_file, *cert_file, *key_file;
    bool insecure;
    bool retired; /* the owner removed it: its one-shot scrapes still waiting end */
} pd_scrape_target;

/* Every attempt of a slot ends in one call: res the fetch result (a body
 * with reason ok is the callee's to take), or res NULL and `why` when the
 * attempt never ran (the slot was stopped while it waited, or the engine
 * is stopping). For a scheduled slot only bodies are reported: failures
 * are counted, logged and retried here. */
typedef void (*pd_scrape_fetched_fn)(pd_scrape_slot *s, pd_fetch_result *res, const char *why);

/* What the engine knows of a slot's health. Read-only for the owner. */
typedef struct pd_scrape_health {
    uint64_t ok, failed, skipped; /* scrapes and ticks */
    uint64_t bytes;               /* received, all attempts */
    bool ran;                     /* `last` is set */
    pd_scrape_reason last;
    int last_status;
    char last_error[200];
    int64_t last_scrape_wall_ms; /* when the last attempt started */
    int64_t last_ok_wall_ms;     /* when a scrape last succeeded; 0 = never */
    int64_t last_duration_ms;
} pd_scrape_health;

/* Embedded in the owner's slot. The owner sets the fields above the line
 * before pd_scrape_slot_start / pd_scrape_once and leaves them fixed; the
 * rest is the engine's (read-only for the owner). */
struct pd_scrape_slot {
    const pd_scrape_target *target;
    const char *type;    /* profile type name: the in-flight key, with the address */
    const char *url;     /* the whole URL, ?seconds= included */
    int64_t seconds;     /* the target profiles this long before it answers */
    int64_t interval_ms; /* scheduled slots */
    int64_t timeout_ms;  /* 0: the target's */
    uint64_t phase_seed; /* a stable hash of the target and type: the tick's phase */
    pd_scrape_fetched_fn fetched;
    void *data; /* the owner's */
    /* ---- the engine's ---- */
    pd_scraper *sc;
    uv_timer_t timer;
    int64_t due_ms;        /* next regular tick, loop (monotonic) time */
    int64_t tick_ms;       /* the tick the pending attempt belongs to, for the lag */
    int64_t retry_at_ms;   /* an earlier retry after a failure; 0 = none */
    int64_t not_before_ms; /* Retry-After */
    int failures;          /* in a row */
    bool busy;             /* fetch (or the owner's work on its body) running */
    bool queued;           /* waiting for a transfer */
    bool once;             /* a one-shot scrape */
    bool waiting;          /* its window profile runs on the target: no body byte yet */
    bool stopped;          /* pd_scrape_slot_stop was called */
    bool fetching;         /* its request is in flight */
    bool timer_open;
    void (*closed)(pd_scrape_slot *s);
    /* the slot side's handler of an attempt's end, for the transfer side */
    void (*ended)(pd_scrape_slot *s, pd_fetch_result *res, const char *why);
    pd_scrape_slot *q_prev, *q_next; /* in the line for a transfer */
    pd_scrape_slot *fly_next;        /* in the in-flight set */
    pd_scrape_health h;
};

typedef struct pd_scraper_opts {
    size_t max_transfers; /* downloads at once (limits.max_concurrent_scrapes) */
    size_t max_body;      /* bytes of one answer (limits.max_profile_bytes) */
    size_t max_waiting;   /* window profiles waiting on their targets at once; 0 = what the
                             file-descriptor limit leaves (pd_scraper_max_waiting) */
} pd_scraper_opts;

/* OUT *out. Fails (err set) if libcurl cannot work on this loop. Raises
 * the process's soft limit of open files to its hard limit: every waiting
 * window profile holds a connection. */
int pd_scraper_new(uv_loop_t *loop, const pd_scraper_opts *o, pd_scraper **out, pd_err *err);
/* New limits (a reload): a lower transfer limit lets running requests end. */
void pd_scraper_set_opts(pd_scraper *sc, const pd_scraper_opts *o);

/* Starts s's schedule: its first tick at its phase. The timer is the
 * engine's until the slot is stopped and closed. */
void pd_scrape_slot_start(pd_scraper *sc, pd_scrape_slot *s);
/* Starts s where `old` (a slot of the same process and type being
 * replaced, same interval) stands: its next tick, its health. */
void pd_scrape_slot_take_over(pd_scraper *sc, pd_scrape_slot *s, pd_scrape_slot *old);
/* Copies old's health into s (a reload keeping a series). old's skipped
 * ticks move, so they are counted once. */
void pd_scrape_slot_inherit(pd_scrape_slot *s, pd_scrape_slot *old);

/* The owner is done with the body of a successful fetch: ok counts it
 * (now the last success), else it counts as `reason` with `message` (e.g.
 * PD_SCRAPE_INVALID_PROFILE). The slot is free for its next tick. */
void pd_scrape_slot_done(pd_scrape_slot *s, pd_scrape_reason reason, const char *message);

/* Stops a scheduled slot: no more ticks, out of the line; closed(s) once
 * its timer is closed and no request of it is in flight (a body still
 * arriving is reported to `fetched` first). */
void pd_scrape_slot_stop(pd_scrape_slot *s, void (*closed)(pd_scrape_slot *s));

/* One attempt now, or as soon as the rules allow (behind a request of the
 * same process and type, or for a free transfer); s->fetched is called
 * once. The slot (no timer) is the owner's again after that call. */
void pd_scrape_once(pd_scraper *sc, pd_scrape_slot *s);
/* A one-shot scrape still waiting for its turn ends now, with `why`. */
void pd_scrape_once_cancel(pd_scrape_slot *s, const char *why);

/* Requests in flight (all slots). */
size_t pd_scraper_in_flight(const pd_scraper *sc);
/* Of those, window profiles still waiting on their targets. */
size_t pd_scraper_waiting(const pd_scraper *sc);
/* How many window profiles may wait at once: the option, or the open-file
 * limit less what downloads, idle connections and the rest of the daemon
 * need. *fd_limit (OUT, may be NULL): that limit. */
size_t pd_scraper_max_waiting(const pd_scraper *sc, size_t *fd_limit);

/* For /metrics: scrape durations (seconds), failures by job and reason,
 * bytes received, ticks skipped by slots that are gone. */
typedef struct pd_scrape_failures {
    char job[64];
    const char *reason; /* static */
    uint64_t n;
} pd_scrape_failures;
const pd_histogram *pd_scraper_durations(const pd_scraper *sc);
const pd_scrape_failures *pd_scraper_failures(const pd_scraper *sc, size_t *n);
uint64_t pd_scraper_bytes(const pd_scraper *sc);
uint64_t pd_scraper_skipped_gone(const pd_scraper *sc);

/* No new attempts: one-shot scrapes waiting end with "daemon stopping",
 * requests in flight get grace_ms, then are aborted. Once none is left
 * (every slot must be stopped by its owner) and the handles are closed,
 * done(arg) runs. */
void pd_scraper_stop(pd_scraper *sc, int64_t grace_ms, void (*done)(void *arg), void *arg);

#endif
