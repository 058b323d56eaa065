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
#include "pd_capture.h"
#include "pd_err.h"
#include "pd_selector.h"
#include "pd_tset.h"
#include "pd_writer.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct pd_api pd_api;

/* Pool threads the API uses at most: two query lanes (light and heavy) of
 * two each (the parse of a large JSON body takes one of the light lane's),
 * and two decoding pushed profiles. */
#define PD_API_THREADS 6

/* --- the write side: requests the daemon answers ------------------------ */

/* A request waiting for the daemon's answer (opaque). */
typedef struct pd_api_call pd_api_call;

/* The shape of a request's body and query string (pd_api_parse_body);
 * which handler answers is the routing table's. */
typedef enum {
    PD_API_TARGET_ADD,    /* POST /api/v1/targets */
    PD_API_TARGET_UPDATE, /* PUT /api/v1/targets/{id} */
    PD_API_TARGET_DELETE, /* DELETE /api/v1/targets/{id} */
    PD_API_CAPTURE,       /* POST /api/v1/capture */
    PD_API_CAPTURE_GET,   /* GET /api/v1/captures/{id} */
    PD_API_CAPTURE_LIST,  /* GET /api/v1/captures */
    PD_API_ALERTS,        /* POST /api/v1/alerts */
    PD_API_INGEST,        /* POST /api/v1/ingest */
} pd_api_action;

typedef struct pd_api_kv {
    const char *name;
    const char *value;
} pd_api_kv;

/* One alert of an Alertmanager webhook payload. */
typedef struct pd_api_alert {
    const char *status;      /* "firing" or "resolved" */
    const char *fingerprint; /* "" if absent */
    const pd_api_kv *labels; /* as sent */
    size_t nlabels;
} pd_api_alert;

/* A request checked for shape (JSON types, required fields, a valid
 * selector); what the values mean (an address, a label name, a profile
 * type) is for the daemon to check. Every pointer is borrowed until the
 * call is answered. Absent strings are NULL. */
typedef struct pd_api_request {
    pd_api_action action;
    const char *id; /* the {id} of the path */
    /* targets; ingest: labels from the query string (job included) */
    const char *job;
    const char *address;
    const pd_api_kv *labels;
    size_t nlabels;
    bool has_labels;
    const char *const *profiles; /* targets, capture */
    size_t nprofiles;
    bool has_profiles;
    const char *scrape_interval; /* a duration, e.g. "15s" */
    /* capture */
    const char *query;
    const pd_selector *sel;
    int64_t seconds; /* 0 = absent */
    const char *reason;
    /* capture list: the newest `limit` (1..4096), those in `state` and of
     * `trigger` when given */
    int64_t limit;
    const char *state;
    const char *trigger;
    /* alerts */
    const pd_api_alert *alerts;
    size_t nalerts;
    /* ingest */
    const char *type;
    const uint8_t *body;
    size_t len;
} pd_api_request;

/* Parses the body data[0..len) of a request whose rq->action is set into
 * the rest of *rq: the JSON of targets, capture and alerts checked for
 * shape (-EINVAL, err naming the field: "alerts[2].labels: missing");
 * other actions take no body. *out (OUT) holds what *rq borrows: free it
 * with pd_api_body_free, also after an error. Any thread; no I/O. */
typedef struct pd_api_body pd_api_body;
int pd_api_parse_body(pd_api_request *rq, const void *data, size_t len, pd_api_body **out,
                      pd_err *err);
void pd_api_body_free(pd_api_body *b);

/* Answers `call` once, on the loop thread, now or later: the status, a
 * JSON body (copied; NULL: none) and Retry-After in seconds (0: none). */
void pd_api_reply(pd_api_call *call, int status, const char *json, int64_t retry_after_s);
/* pd_api_reply with {"error": msg}. */
void pd_api_reply_error(pd_api_call *call, int status, const char *msg);

typedef struct pd_api_opts {
    const char *listen;          /* "host:port"; port 0 picks a free one */
    const char *db_path;         /* the database the writer has created */
    const char *auth_token;      /* NULL or "": /api/ is open */
    uint64_t max_query_profiles; /* stored rows a query may read; 0 = the default */
    /* The daemon's parts (loop thread; they outlive the API): the live
     * targets (GET /api/v1/targets, registration, push, the scrape
     * metrics), captures and the writer. NULL targets: those endpoints are
     * a 404 and /metrics carries only the API's own metrics. */
    pd_tset *targets;
    pd_captures *captures;
    pd_writer *writer;
    uint64_t max_ingest_bytes; /* body of /api/v1/ingest; 0 = 64 MiB */
} pd_api_opts;

/* A finished capture's answer as the API shows it (malloc'd), and its
 * state and trigger read back from a kept one: what pd_captures_new and
 * pd_captures_load take. */
char *pd_api_capture_doc(const pd_capture *cp);
bool pd_api_capture_meta(const char *doc, pd_cap_state *state, pd_cap_trigger *trigger);

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
