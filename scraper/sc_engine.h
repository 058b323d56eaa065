/* Internals of the scrape engine shared by its files: the engine itself,
 * the transfers (sc_line.c, below) and the slots (sc_slot.c, above). */
#ifndef PD_SC_ENGINE_H
#define PD_SC_ENGINE_H

#include "pd_scraper.h"

#define SC_FLY_BUCKETS 4096
/* Distinct (job, reason) failure counters kept for /metrics. */
#define SC_REASONS_MAX 256

struct pd_scraper {
    uv_loop_t *loop;
    pd_fetcher *fetcher; /* NULL once closed */
    pd_scraper_opts o;
    pd_scrape_slot *q_head, *q_tail; /* waiting for a transfer, FIFO */
    size_t qlen;
    pd_scrape_slot *flying[SC_FLY_BUCKETS]; /* requests in flight, by (address, type) */
    bool stopping;
    uv_timer_t grace;
    void (*done)(void *);
    void *done_arg;
    /* for /metrics */
    pd_histogram durations; /* of scrapes, seconds */
    pd_scrape_failures failures[SC_REASONS_MAX];
    size_t nfailures;
    uint64_t bytes_total;
    uint64_t skipped_gone; /* ticks skipped by slots that are stopped */
};

/* sc_line.c: an attempt for tick `tick` now, or in line. */
void sc_attempt(pd_scraper *sc, pd_scrape_slot *s, int64_t tick);
/* Takes s out of the line (nothing if it is not in it). */
void sc_line_remove(pd_scraper *sc, pd_scrape_slot *s);

#endif
