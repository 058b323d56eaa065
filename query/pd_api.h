/* The HTTP API: GNU libmicrohttpd driven by the daemon's libuv
 * loop. MHD runs in external-loop epoll mode: its epoll fd is watched by a
 * uv_poll_t and MHD_run is called when it is readable and on the timer
 * MHD_get_timeout asks for. Handlers that touch storage or profiles suspend
 * their connection and run on libuv's thread pool with a read-only storage
 * connection from a small pool; the completion callback resumes the
 * connection. The loop thread never queries, merges or renders.
 *
 * Everything here is called on the loop thread. */
#ifndef PD_API_H
#define PD_API_H

#include "pd_buf.h"
#include "pd_err.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct pd_api pd_api;

typedef struct pd_api_opts {
    const char *listen;          /* "host:port"; port 0 picks a free one */
    const char *db_path;         /* the database the writer has created */
    const char *auth_token;      /* NULL or "": /api/ is open */
    uint64_t max_query_profiles; /* 0 = 100000 */
    /* What the collector knows, called on the loop thread; append to out
     * and return 0 (or a negative code: 500). NULL: /api/v1/targets is a
     * 404 and /metrics carries only the API's own metrics. */
    int (*targets_json)(void *ctx, pd_buf *out);
    int (*metrics_text)(void *ctx, pd_buf *out);
    void *hooks_ctx;
} pd_api_opts;

/* Binds the listener and starts serving on `loop`. Opens (and keeps) one
 * reader to check the database. *out (OUT) is stopped with pd_api_stop.
 * On error nothing is left running, *out is NULL and err names the cause
 * ("listen 127.0.0.1:70x: invalid port"). The strings of `o` are copied. */
int pd_api_start(uv_loop_t *loop, const pd_api_opts *o, pd_api **out, pd_err *err);

/* The bound TCP port. */
int pd_api_port(const pd_api *api);

/* Stops accepting, asks running queries to abort, waits for them, closes
 * every connection and handle, frees the API, then calls done (may be
 * NULL) on the loop. */
void pd_api_stop(pd_api *api, void (*done)(void *arg), void *arg);

#endif
