/* The fetcher: HTTP GETs driven by libcurl's multi interface on a libuv loop.
 *
 * One or more pd_fetchers per loop, each used only from the loop's thread. Nothing here
 * blocks: transfers progress from the loop's poll and timer callbacks and end
 * with exactly one call of their callback, from the loop (or from
 * pd_fetcher_abort_all / pd_fetcher_close). Each transfer has a connection
 * of its own, closed after it (see sc_xfer.c for why), at most two per host
 * at a time (more transfers to the same host wait for one of them, within
 * their own timeout).
 *
 * Requests carry "Accept-Encoding: gzip" and "User-Agent: pprofd/<version>";
 * the body is handed over exactly as received (a pprof body is a gzip file:
 * it is not inflated here). Redirects are not followed; only http and https.
 *
 * libcurl stays inside scraper/: this header names libuv only. */
#ifndef PD_FETCH_H
#define PD_FETCH_H

#include "pd_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct pd_fetcher pd_fetcher;

typedef struct pd_fetch_opts {
    const char *url;            /* http:// or https:// */
    int64_t timeout_ms;         /* the whole transfer, queueing included; required > 0 */
    int64_t connect_timeout_ms; /* 0 = min(timeout_ms, 5000) */
    size_t max_body;            /* cap on the received (compressed) body; required > 0. The
                                   transfer is aborted as soon as it is passed */
    int64_t low_speed_window_s; /* abort if slower than low_speed_bytes per second for this
                                   long; 0 = off */
    long low_speed_bytes;
    const char *bearer_token; /* NULL = none */
    const char *basic_user, *basic_password;
    const char *ca_file, *cert_file, *key_file; /* NULL = system defaults / none */
    bool insecure_skip_verify;
    /* Called once, from the loop, when the first body byte arrives (the
     * end of a CPU profile's wait on the target); NULL = not wanted. It
     * must not start, abort or close transfers. */
    void (*first_byte)(void *ctx);
} pd_fetch_opts;

/* How a scrape ended. */
typedef enum {
    PD_SCRAPE_OK,
    PD_SCRAPE_CONNECT,
    PD_SCRAPE_TIMEOUT,
    PD_SCRAPE_SLOW,
    PD_SCRAPE_TOO_LARGE,
    PD_SCRAPE_HTTP,        /* any other non-2xx status */
    PD_SCRAPE_CPU_IN_USE,  /* Go's 500 "cpu profiling already in use" */
    PD_SCRAPE_RETRY_LATER, /* 429, 503 */
    PD_SCRAPE_EMPTY,       /* 2xx without a body */
    PD_SCRAPE_TLS,
    PD_SCRAPE_ABORTED,
    PD_SCRAPE_ERROR,
    PD_SCRAPE_INVALID_PROFILE, /* fetched, but not a profile we could read (ingest) */
} pd_scrape_reason;

/* Its stable, metric-friendly name, a static string: "ok", "connect",
 * "timeout", "slow", "too_large", "http_<status>" (e.g. "http_404"),
 * "cpu_in_use", "retry_later", "empty", "tls", "aborted", "error",
 * "invalid_profile". */
const char *pd_scrape_reason_name(pd_scrape_reason code, int status);

typedef struct pd_fetch_result {
    pd_scrape_reason code;
    const char *reason;     /* pd_scrape_reason_name(code, status) */
    char message[256];      /* one human line, e.g. "HTTP 500: Could not enable CPU ..." */
    int status;             /* HTTP status, 0 if none came */
    uint8_t *body;          /* "ok" only, else NULL; owned by the callback, which frees it */
    size_t len;             /* of body */
    int64_t retry_after_ms; /* Retry-After (seconds or HTTP date) of a 429/503, else -1 */
    int64_t duration_ms;    /* from pd_fetch_start to the end */
    int64_t started_ns;     /* pd_fetch_start on the wall clock (pd_now_ns) */
    size_t bytes;           /* body bytes received, also on failure */
    bool sent;              /* a connection was made: the request may have reached the target */
} pd_fetch_result;

/* Called once per started transfer. `res` is valid during the call only;
 * res->body (if any) belongs to the callee. The callback may start new
 * transfers, abort or close the fetcher. */
typedef void (*pd_fetch_cb)(void *ctx, pd_fetch_result *res);

/* Makes a fetcher on `loop` (OUT *out). Fails with -ENOTSUP if libcurl cannot
 * resolve names without blocking. */
int pd_fetcher_new(uv_loop_t *loop, pd_fetcher **out, pd_err *err);

/* Starts a GET. The options (and the strings they point to) are copied or
 * consumed before this returns. On error (bad options, fetcher closing) the
 * callback is never called. */
int pd_fetch_start(pd_fetcher *f, const pd_fetch_opts *o, pd_fetch_cb cb, void *ctx, pd_err *err);

/* Transfers started and not yet called back (queued ones included). */
size_t pd_fetcher_in_flight(const pd_fetcher *f);

/* Ends every transfer in flight now: each callback runs once, with reason
 * "aborted". Transfers started by those callbacks are not affected. */
void pd_fetcher_abort_all(pd_fetcher *f);

/* Aborts all, releases libcurl, and frees the fetcher once its libuv
 * handles are closed: run the loop afterwards until it has no more handles.
 * `f` must not be used after this call. NULL is a no-op. */
void pd_fetcher_close(pd_fetcher *f);

#endif
