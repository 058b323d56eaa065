/* The collector's state, shared by collector.c (scheduling, scraping) and
 * collector_status.c (what /api/v1/targets and /metrics report). Private
 * to daemon/. Everything here lives on the loop thread. */
#ifndef PD_COLLECTOR_INT_H
#define PD_COLLECTOR_INT_H

#include "pd_histogram.h"
#include "collector.h"
#include "pd_fetch.h"
#include "pd_ingest.h"
#include "pd_targets.h"
#include "pd_workq.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/* Distinct (job, reason) failure counters kept for /metrics. */
#define PD_REASONS_MAX 256
/* Bounds (seconds) of the scrape duration histogram: see collector_status.c. */

typedef struct tstate tstate;
typedef struct pd_cap_item pd_cap_item; /* capture.c */

/* One (target, profile type): its schedule, health and delta baseline. */
typedef struct slot {
    tstate *t;
    char *name; /* profile name, also the series' type label */
    pd_profile_kind kind;
    int64_t seconds; /* ?seconds=N: the target answers only after that long */
    char *url;
    pd_labels series;
    uv_timer_t timer;
    int64_t interval_ms;
    int64_t due_ms;        /* next regular tick, loop (monotonic) time */
    int64_t tick_ms;       /* the tick the pending attempt belongs to, for the lag */
    int64_t retry_at_ms;   /* an earlier retry after a failure; 0 = none */
    int64_t not_before_ms; /* Retry-After */
    bool busy;             /* fetch or ingest running: never two for one slot */
    bool queued;           /* waiting for a free transfer */
    int failures;
    uint64_t skipped, ok, failed;
    uint8_t *prev; /* last snapshot of a cumulative profile */
    size_t prev_len;
    const char *last_reason; /* static string */
    char last_error[200];
    int64_t last_scrape_wall_ms; /* when the last attempt started */
    int64_t last_ok_wall_ms;     /* when a scrape last succeeded; 0 = never */
    int64_t last_duration_ms;
    uint64_t bytes; /* received, all attempts */
    /* A capture's one-off scrape (capture.c): allocated on its own, holds a
     * reference on its target, freed when done. NULL for scheduled slots. */
    pd_cap_item *cap;
    int64_t timeout_ms; /* 0 = the target's */
} slot;

struct tstate {
    pd_collector *c;
    pd_target tg;
    char *job;
    int64_t timeout_ms;
    char *bearer, *basic_user, *basic_password, *ca_file, *cert_file, *key_file;
    bool insecure;
    int64_t reg_id;        /* registered over the API; 0 = configured */
    pd_profile_cfg *avail; /* every profile the job knows (copies), for captures */
    size_t navail;
    bool retired;
    int refs; /* scrapes and ingests still running */
    size_t open_timers;
    slot *slots;
    size_t nslots;
};

struct pd_collector {
    uv_loop_t *loop;
    const pd_config *cfg;
    pd_writer *writer;
    pd_fetcher *fetcher;
    tstate **targets;
    size_t ntargets, captargets;
    tstate **retired; /* replaced by a reload, freed when idle */
    size_t nretired, capretired;
    slot **queue; /* waiting for a transfer, FIFO */
    size_t qhead, qlen, qcap;
    size_t in_flight;
    char **flying; /* "address/type" of every request in flight */
    size_t nflying, capflying;
    pd_workq ingest; /* decoding on the thread pool */
    bool stopping;
    uv_timer_t grace;
    uv_timer_t sd_poll; /* re-reads file_sd files when they change */
    uint64_t sd_fp;
    int open_own; /* grace and sd_poll, closed last */
    void (*done)(void *);
    void *done_arg;
    /* for /metrics */
    struct {
        char job[64];
        const char *reason; /* static string */
        uint64_t n;
    } failures[PD_REASONS_MAX];
    size_t nfailures;
    pd_histogram durations; /* of scrapes, seconds */
    uint64_t bytes_total;
    uint64_t skipped_total_retired; /* ticks skipped by slots that are gone */
    pd_reg_target *regs;            /* registered over the API (copies) */
    size_t nregs, capregs;
};

/* What a capture's scrape came to (capture.c): called once per capture
 * slot, on the loop, with the fetch result, or res NULL and `why` when it
 * never ran (target removed, daemon stopping). The slot is the callee's. */
void pd_capture_fetched(slot *s, pd_fetch_result *res, const char *why);

/* collector.c, for capture.c: starts a capture slot's scrape now, or queues
 * it behind a request of the same profile type to the same process
 * (address) or for a free transfer. */
void pd_collector_attempt_capture(slot *s);
/* Decodes (and deltas) body on the thread pool, then done on the loop; the
 * body is taken. */
typedef void (*pd_collector_ingested_fn)(slot *s, int rc, pd_ingest_out *out, const pd_err *err,
                                         uint8_t *body, size_t len);
void pd_collector_ingest(slot *s, uint8_t *body, size_t len, pd_profile_kind kind,
                         const uint8_t *prev, size_t prev_len, pd_collector_ingested_fn done);
/* Releases a target reference taken for a capture slot. */
void pd_collector_unref(tstate *t);
/* "123" for a registered target, "c" + 16 hex digits for a configured one. */
void pd_collector_target_id(const tstate *t, char *buf, size_t size);

/* Unix milliseconds now. */
int64_t pd_collector_wall_ms(void);

/* Counts a finished scrape (loop thread). */
/* The URL of profile `path` on target t, with ?seconds= for a window
 * (seconds > 0); malloc'd, the caller frees. */
char *pd_scrape_url(const tstate *t, const char *path, int64_t seconds);
/* collector_status.c: sets up the metrics the collector keeps. */
void pd_collector_status_init(pd_collector *c);
void pd_collector_count(pd_collector *c, slot *s, const char *reason, int64_t duration_ms,
                        size_t bytes, const char *message);

#endif
