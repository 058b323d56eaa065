/* Internals of the fetcher shared by its files: one transfer (sc_xfer) and
 * the fetcher itself. */
#ifndef PD_SC_INT_H
#define PD_SC_INT_H

#include "pd_fetch.h"

#include "pd_buf.h"
#include "sc_parse.h"

#include <curl/curl.h>

#define SC_ERRBODY_MAX 512   /* bytes of a non-2xx body kept for the message */
#define SC_MAX_HOST_CONNS 2L /* connections per host, all transfers together */
#define SC_DEADLINE_GRACE_MS 50

/* How a transfer ended, for the result builder. */
typedef enum { SC_END_CURL, SC_END_ABORTED, SC_END_DEADLINE } sc_end;

typedef struct sc_xfer {
    struct sc_xfer *prev, *next; /* in the fetcher's list, or a detached one */
    CURL *easy;
    pd_fetch_cb cb;
    void (*first_byte)(void *ctx);
    void *ctx;
    pd_buf body;                  /* a 2xx body, max = max_body */
    char errbody[SC_ERRBODY_MAX]; /* the start of a non-2xx body */
    size_t errlen;
    size_t bytes;   /* body bytes received */
    int status;     /* response code, read at the first body byte */
    bool too_large; /* the body passed max_body: aborted by the write callback */
    bool cut;       /* a long non-2xx body: aborted once errbody was full */
    bool connected; /* a connection was made or reused (prereq callback) */
    int64_t timeout_ms;
    int64_t low_speed_window_s;
    long low_speed_bytes;
    size_t max_body;
    uint64_t start_ns;    /* uv_hrtime() at start */
    uint64_t deadline_ns; /* start + timeout + grace: our own backstop */
    char curl_err[CURL_ERROR_SIZE];
} sc_xfer;

typedef struct sc_sock sc_sock;

struct pd_fetcher {
    uv_loop_t *loop;
    CURLM *multi;                /* NULL once cleaned up */
    uv_timer_t timer;            /* the timeout libcurl asks for */
    uv_timer_t deadline;         /* the earliest transfer deadline */
    struct curl_slist *header;   /* Accept-Encoding, shared by every transfer */
    sc_xfer *xfers, *xfers_tail; /* in flight, in deadline order */
    size_t n_xfers;
    sc_sock *socks; /* open polls (closing ones are unlinked) */
    int handles;    /* uv handles not yet closed: freed at 0 once closing */
    bool closing;
    bool curl_global; /* curl_global_init succeeded */
};

/* sc_xfer.c: a transfer with its easy handle configured (OUT *out); the
 * fetcher's shared header list is used, not copied. */
int sc_xfer_new(pd_fetcher *f, const pd_fetch_opts *o, sc_xfer **out, pd_err *err);
/* Frees the easy handle (already removed from the multi), the body, `x`. */
void sc_xfer_free(sc_xfer *x);

/* sc_result.c: fills `r` for a transfer that ended; moves a 2xx body into
 * r->body ("ok"). `rc` is libcurl's result for SC_END_CURL. */
void sc_result_build(sc_xfer *x, sc_end how, CURLcode rc, pd_fetch_result *r);

#endif
