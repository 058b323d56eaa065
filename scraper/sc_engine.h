/* Internals of the scrape engine shared by its files: the engine itself,
 * the transfers (sc_line.c, below) and the slots (sc_slot.c, above). */
#ifndef PD_SC_ENGINE_H
#define PD_SC_ENGINE_H

#include "pd_scraper.h"

#define SC_FLY_BUCKETS 4096
/* Distinct (job, reason) failure counters kept for /metrics. */
#define SC_REASONS_MAX 256
/* A window profile's request that ended without an answer may still run on
 * the target (it may even have reached it late): the next request to that
 * process and type waits the profile's seconds and this much more. */
#define SC_QUIET_SLACK_MS 2000
/* File descriptors left for everything but scrapes: the database, API
 * connections, logs, name resolution. */
#define SC_FD_RESERVE 256
/* libcurl multi handles the transfers are spread over (see fetchers). */
#define SC_FETCHERS 8

/* The two lines for a transfer: downloads (bounded by max_transfers) and
 * window profiles, which first wait on the target (bounded by max_waiting). */
enum { SC_LINE_DOWNLOAD, SC_LINE_WAIT, SC_NLINES };

typedef struct sc_line {
    pd_scrape_slot *head, *tail; /* FIFO */
    size_t len;
} sc_line;

/* A (process, type) that must not be asked again before until_ms. */
typedef struct sc_quiet {
    struct sc_quiet *next;
    int64_t until_ms; /* loop time */
    char key[];       /* address, NUL, type */
} sc_quiet;

struct pd_scraper {
    uv_loop_t *loop;
    /* Transfers are spread over several fetchers (libcurl multi handles)
     * by target address: libcurl 7.88 walks all of a multi handle's
     * per-host connection bundles whenever one empties, and at thousands
     * of targets, each a bundle while its CPU profile waits, that walk
     * was a tenth of our CPU. A host always goes to the same fetcher, so
     * its per-host connection limit still holds. */
    pd_fetcher *fetchers[SC_FETCHERS];
    bool fetchers_open; /* false once closed */
    pd_scraper_opts o;  /* max_waiting resolved (never 0) */
    sc_line lines[SC_NLINES];
    size_t nwaiting;                        /* transfers in their wait: no body byte yet */
    size_t fd_limit;                        /* the soft limit, raised at start */
    pd_scrape_slot *flying[SC_FLY_BUCKETS]; /* requests in flight, by (address, type) */
    sc_quiet *quiet[SC_FLY_BUCKETS];        /* same buckets */
    uv_timer_t quiet_timer;                 /* pumps when the next quiet time ends */
    int64_t quiet_due_ms;                   /* 0: not armed */
    int open_timers;                        /* grace and quiet_timer, until closed */
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

/* sc_line.c: the bucket of s's (address, type) in flying and quiet. */
size_t sc_bucket(const pd_scrape_slot *s);
/* Starts waiting requests while the limits allow. */
void sc_pump(pd_scraper *sc);
/* sc_quiet.c: whether s's process and type must not be asked yet. */
bool sc_quiet_has(pd_scraper *sc, const pd_scrape_slot *s);
/* After an attempt of s ended with res: a window profile that may still
 * run on the target holds back its process and type (SC_QUIET_SLACK_MS). */
void sc_quiet_note(pd_scraper *sc, const pd_scrape_slot *s, const pd_fetch_result *res);
/* Forgets every quiet time and stops the timer (the engine stops). */
void sc_quiet_clear(pd_scraper *sc);

/* sc_line.c: an attempt for tick `tick` now, or in line. */
void sc_attempt(pd_scraper *sc, pd_scrape_slot *s, int64_t tick);
/* Takes s out of the line (nothing if it is not in it). */
void sc_line_remove(pd_scraper *sc, pd_scrape_slot *s);

#endif
