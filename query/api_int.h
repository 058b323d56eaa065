/* Internals of the HTTP API shared by its files (not for other modules).
 * microhttpd.h stays out of here: a request keeps its connection as an
 * opaque pointer and only api_server.c / api_http.c talk to MHD. */
#ifndef PD_API_INT_H
#define PD_API_INT_H

#include "pd_api.h"
#include "pd_capture.h"
#include "pd_tset.h"
#include "pd_histogram.h"
#include "pd_selector.h"
#include "pd_store.h"
#include "pd_workq.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define API_POOL_MAX 8 /* idle readers kept */
#define API_QUERY_TIMEOUT_NS 30000000000LL
#define API_MAX_BODY_OUT (256u << 20) /* rendered answers */
#define API_MAX_HEADER_BYTES 16384
/* A request must arrive whole this long after its first byte (api_conn.c);
 * MHD closes a connection idle this long. */
#define API_CONN_TIMEOUT_S 30
#define API_MAX_BODY_IN (1u << 20)   /* JSON bodies */
#define API_MAX_UPLOADS (256u << 20) /* request bodies held at once, all connections */
#define API_DEFAULT_LIST_LIMIT 1000
/* Queries on the thread pool at once, per lane: the rest wait in the
 * lane's queue, so the scraper's ingest work always finds a free pool
 * thread. Heavy queries (merge, diff, series) have their own lane: a
 * metadata query never waits behind two long merges. */
#define API_MAX_RUNNING 2
enum { API_LANE_LIGHT, API_LANE_HEAVY, API_NLANES };
/* Pushes decoding at once (a push may be a 64 MiB decompression) and
 * waiting for their turn; past that a push gets 503 with Retry-After. */
#define API_PUSH_RUNNING 2
#define API_PUSH_WAITING 16
_Static_assert(API_MAX_RUNNING *API_NLANES + API_PUSH_RUNNING == PD_API_THREADS,
               "PD_API_THREADS counts every pool thread the API uses");
/* Every query starts in the light lane; a merge or diff that finds more
 * profiles than this moves to the heavy lane before it decodes them. */
#define API_HEAVY_PROFILES 2000

typedef enum { FMT_PPROF, FMT_JSON, FMT_FOLDED, FMT_TOP, FMT_SVG } api_format;

/* Parameters of a query, parsed on the loop thread (api_params.c). */
typedef struct api_query {
    char *type;        /* NULL if absent */
    pd_selector *sel;  /* query / base */
    pd_selector *sel2; /* diff: target */
    char *sel_text;    /* their source, for headings */
    char *sel2_text;
    int64_t from, to;   /* ns */
    int64_t from2, to2; /* diff: base_from, base_to */
    size_t limit;       /* 0 = none */
    api_format format;
    char *sample_type; /* NULL = the default */
    bool agg_sum;      /* aggregation=sum */
    bool normalize;    /* diff */
    int64_t step;      /* series, ns (0 = derived) */
    char **group_by;   /* series */
    size_t ngroup_by;
    char *name; /* label values: the label name */
    int64_t id; /* one profile */
} api_query;

typedef struct api_req api_req;
/* A handler that runs on a worker thread: fills r->status, r->body, r->ctype. */
typedef void (*api_work_fn)(api_req *r, pd_store_reader *rd);
/* A handler that answers on the loop thread at once. */
typedef void (*api_loop_fn)(api_req *r);
/* A handler of a call: answers with pd_api_reply, now or later. */
typedef void (*api_call_fn)(pd_api *api, pd_api_call *call, const pd_api_request *rq);

/* One entry of the routing table (api_routes.c). */
typedef enum { ROUTE_EXACT, ROUTE_ID, ROUTE_LABEL_VALUES } api_match;
typedef struct api_route {
    const char *method; /* GET also answers HEAD */
    const char *path;   /* exact, or the prefix before {id} */
    api_match match;
    api_loop_fn loop; /* one of these three */
    api_work_fn work;
    api_call_fn call;
    const char *what;   /* work: the parameters it parses (NULL: none) */
    pd_api_action body; /* call: the shape of its body and query string */
    bool needs_daemon;  /* answers from the daemon's parts (404 without) */
} api_route;

struct api_metrics {
    uint64_t codes[600];  /* requests by status */
    pd_histogram queries; /* seconds on the thread pool */
};

/* A client connection, watched for slowness (api_server.c). */
typedef struct api_conn {
    struct api_conn *prev, *next;
    int fd;
    int linger_fd;     /* -1, or a second descriptor: linger when MHD closes */
    bool receiving;    /* a request (headers or body) is arriving */
    uint64_t phase_ns; /* since when */
} api_conn;

typedef struct api_linger api_linger;

struct pd_api {
    uv_loop_t *loop;
    api_conn *conns;     /* every open connection */
    api_linger *lingers; /* closed connections draining (api_linger.c) */
    size_t nlingers;
    uv_timer_t slow_timer;
    void *mhd; /* struct MHD_Daemon * */
    uv_poll_t poll;
    uv_timer_t timer;
    uv_timer_cb on_timer; /* the server's: run MHD, or finish a stop */
    int port;
    char *db_path;
    char *token;
    uint64_t max_query_profiles;
    uint64_t max_ingest_bytes;
    size_t upload_bytes; /* request bodies held now */
    pd_tset *targets;    /* the daemon's parts (pd_api_opts) */
    pd_captures *captures;
    pd_writer *writer;
    pd_workq pushes; /* pushed profiles decoding */
    uv_mutex_t pool_mu;
    pd_store_reader *idle[API_POOL_MAX];
    size_t nidle;
    size_t inflight;            /* work items waiting or running */
    pd_workq lanes[API_NLANES]; /* queries by weight; large bodies parse in the light one */
    atomic_bool cancel;         /* stopping: running work aborts */
    bool stopping;
    int open_handles;
    void (*done)(void *arg);
    void *done_arg;
    struct api_metrics m;
};

typedef enum { REQ_NEW, REQ_WORKING, REQ_DONE } api_req_state;

struct api_req {
    pd_api *api;
    void *conn; /* struct MHD_Connection * */
    uint64_t start_ns;
    char method[16];
    char *path;
    api_req_state state;
    bool orphaned; /* the connection went while working: after_work frees */
    bool gzip_ok;  /* the client accepts gzip */
    pd_work work;  /* in a lane, or parsing its body */
    int lane;
    bool escalate; /* the work found itself heavy: run again in that lane */
    api_work_fn fn;
    const api_route *route; /* a call: its handler */
    /* The query string, copied on the loop for start_work: selectors hold
     * regexes, and compiling one can take long, so q is parsed from these
     * on the thread pool (what: which parameters; NULL once parsed). */
    const char *what;
    char **args; /* name, value, name, value, ... */
    size_t nargs;
    char *name; /* becomes q.name once parsed */
    api_query q;
    double work_seconds;
    /* the answer */
    int status;
    pd_buf body;
    const char *ctype;
    char disposition[96];
    bool body_gzip; /* body is already gzip (pprof) */
    int64_t retry_after_s;
    char allow[64]; /* the Allow header of a 405 ("": GET, HEAD) */
    bool page;      /* a file of the UI: sent with api_ui_csp and no sniffing */
    /* a request body (POST, PUT) */
    pd_buf in;
    size_t in_max;
    int in_refused; /* 0, or 413 / 503 once the body went past a limit */
    /* a call the daemon answers (api_write.c) */
    bool in_hook; /* the daemon's hook runs: a reply now needs no resume */
    int parse_rc; /* a body parsed on the thread pool */
    pd_err parse_err;
    pd_api_request rq;
    pd_api_body *parsed; /* what rq borrows from */
};

/* api_params.c: parse the request's arguments for a handler. Returns 0, or
 * -EINVAL with err = "<param>: what is wrong". */
typedef const char *(*api_arg_fn)(void *conn, const char *name);
int api_parse_query(api_arg_fn arg, void *conn, const char *what, api_query *q, pd_err *err);
void api_query_free(api_query *q);

/* api_ui.c: the web UI's files. True if path is one of the UI's ("/" is
 * its page, "/ui/NAME" the rest), with r's answer set (the file, or 404). */
bool api_ui_answer(api_req *r, const char *path);
/* The Content-Security-Policy the UI's files are sent with. */
extern const char api_ui_csp[];

/* api_reply.c: answers built on any thread. */
void api_set_error(api_req *r, int status, const char *msg);
/* r's body becomes data[0..len) (malloc'd, taken). */
void api_set_body(api_req *r, uint8_t *data, size_t len);
/* A 200 answer of gzip pprof data (taken), downloaded as NAME.pb.gz. */
void api_set_pprof(api_req *r, uint8_t *data, size_t len, const char *name);
void api_set_json(api_req *r, int status, void *json /* json_t *, stolen */);
int api_status_of(int rc); /* a negative code -> an HTTP status */
/* Worker: true if a query about to merge n profiles must move to the heavy
 * lane; the handler then returns at once, without an answer. */
bool api_escalate(api_req *r, size_t n);
/* True if the query ran past its deadline or the API is stopping. */
bool api_should_abort(api_req *r, uint64_t deadline_ns);

/* api_gauge.c: profile types some of whose sample types are snapshots
 * (goroutine; heap and allocs, their inuse_*), and whether sample type
 * name[0..len) of `type` is one: averaged per series, then summed. */
bool api_type_has_gauges(const char *type);
bool api_sample_is_gauge(const char *type, const char *name, size_t len);

/* api_json.c: a label set as a JSON object (json_t *, new reference); a
 * time (wall ms, RFC 3339) as a string, or null for none; a call answered
 * with `json` (stolen). */
void *api_labels_json(const pd_labels *ls);
void *api_store_labels_json(const pd_store_label *labels, size_t n);
void *api_time_json(int64_t wall_ms);
void api_call_json(pd_api_call *call, int status, void *json, int64_t retry_after_s);

/* The storage query for selector `sel` over [from, to] (matchers borrowed). */
void api_store_query(const api_query *q, const pd_selector *sel, int64_t from, int64_t to,
                     pd_store_query *sq);

/* Loop handlers. */
void api_targets_list(api_req *r); /* api_targets.c */
/* Call handlers. */
void api_register(pd_api *api, pd_api_call *call, const pd_api_request *rq); /* api_register.c */
void api_capture_start(pd_api *api, pd_api_call *call, const pd_api_request *rq);
void api_capture_get(pd_api *api, pd_api_call *call, const pd_api_request *rq);
void api_capture_list(pd_api *api, pd_api_call *call, const pd_api_request *rq);
void api_capture_alerts(pd_api *api, pd_api_call *call, const pd_api_request *rq);
void api_ingest(pd_api *api, pd_api_call *call, const pd_api_request *rq); /* api_ingest.c */

/* api_routes.c: the route for r's method and path, or NULL: then *allow
 * holds the methods the path takes ("" if none: a 404). */
const api_route *api_route_find(const api_req *r, const char *path, char *allow, size_t size);

/* Worker handlers. */
void api_work_profiles(api_req *r, pd_store_reader *rd);
void api_work_profile(api_req *r, pd_store_reader *rd);
void api_work_labels(api_req *r, pd_store_reader *rd);
void api_work_label_values(api_req *r, pd_store_reader *rd);
void api_work_series(api_req *r, pd_store_reader *rd);
void api_work_merge(api_req *r, pd_store_reader *rd);
void api_work_diff(api_req *r, pd_store_reader *rd);

/* api_metrics.c (loop thread); init before the first observation. */
void api_metrics_init(pd_api *api);
void api_metrics_observe(pd_api *api, int status, double query_seconds, bool was_query);
int api_metrics_render(pd_api *api, pd_buf *out);

/* The layers below the server and the request handler, lowest first;
 * none calls a file above it (where it must, it gets a callback):
 *   api_life.c    the API's memory and handles, waking MHD, work returned;
 *   api_readers.c the pool of storage readers (any thread);
 *   api_linger.c  lingering closes; api_conn.c  connections, slow clients;
 *   api_req.c     a request's memory, copied arguments, resume;
 *   api_lanes.c   queries on the thread pool; api_call.c  calls;
 *   api_http.c    MHD's access handler: auth, limits, routing, answers;
 *   api_server.c  MHD on the loop: start, the timer and poll, stop. */

/* api_life.c. The last of api->open_handles closed: frees the API and
 * calls its done. */
void api_release(pd_api *api);
void api_free(pd_api *api);
/* Runs MHD from the loop soon (api->on_timer, the server's). */
void api_kick(pd_api *api);
/* A request counted in flight is answered or back from the pool. */
void api_returned(pd_api *api);

/* api_readers.c: the reader pool (any thread). */
int api_reader_take(pd_api *api, pd_store_reader **out, pd_err *err);
void api_reader_give(pd_api *api, pd_store_reader *rd);

/* api_req.c */
void api_req_free(api_req *r);
void api_req_in_free(api_req *r); /* its request body, given back to the upload budget */
/* The first value of argument `name` in r's copied query string (ctx: r). */
const char *api_req_arg(void *ctx, const char *name);
/* Appends name=value to r's copied query string (ctx: r). */
void api_req_copy_arg(void *ctx, const char *name, const char *value);
/* r is answered: resumed to send it, or freed if its client went away. */
void api_req_resume(api_req *r);

/* api_lanes.c: suspends r and queues fn, which finds r->q parsed for
 * `what` (NULL: no parameters), on the thread pool. `name` (malloc'd or
 * NULL) is taken: it becomes q.name. */
void api_lane_start(api_req *r, api_work_fn fn, const char *what, char *name);
/* Every waiting query and push is answered 503 (stopping). */
void api_drop_waiting(pd_api *api);

/* api_call.c: starts r's call (r->route, r->rq prepared): true if its
 * answer is ready to send now, false if r is suspended until
 * pd_api_reply. */
bool api_call_start(api_req *r);

/* api_reply.c: the body gzipped when the client takes it. */
void api_maybe_gzip(api_req *r);

/* api_write.c: a call's request: r->rq of body shape `body` with its {id}
 * (the path after the route's prefix), and what the query string holds
 * (ingest, the capture list): -EINVAL and err naming the parameter. */
int api_write_prepare(api_req *r, pd_api_action body, const char *id, pd_err *err);
/* Bodies up to this are parsed on the loop; larger ones (an Alertmanager
 * batch can be a megabyte: ~10 ms of JSON) on the thread pool, and capture
 * bodies always (their selector's regexes). */
#define API_PARSE_INLINE (16u << 10)
bool api_write_parse_aside(const api_req *r);
/* Fills r->rq from the JSON body (-EINVAL, err naming the field). Any
 * thread: it touches only r's body and memory, never the connection. */
int api_write_parse(api_req *r, pd_err *err);
/* The largest request body the path takes. */
size_t api_write_body_max(const pd_api *api, const char *path);
void api_write_free(api_req *r);
/* api_args.c: the query-string argument `name` of conn, or NULL. */
const char *api_arg(void *conn, const char *name);
/* Arguments of the query string: calls fn for each. */
typedef void (*api_each_arg_fn)(void *ctx, const char *name, const char *value);
void api_each_arg(void *conn, api_each_arg_fn fn, void *ctx);
/* api_conn.c: the request on conn is complete and handled now; its answer
 * is sent (or the request ended); it is answered before its body was read
 * (when MHD closes it, linger rather than reset the client). */
void api_conn_received(void *conn);
void api_conn_answered(void *conn);
void api_conn_linger(void *conn);
/* The slow-client check (a timer callback, the server's timer). */
void api_conn_check_slow(uv_timer_t *t);
/* api_linger.c: a second descriptor of socket fd (-1 if none); linger on
 * it (takes it); end every lingering socket (stop). */
int api_linger_dup(int fd);
void api_linger_start(pd_api *api, int fd);
void api_linger_stop_all(pd_api *api);

/* api_http.c: the MHD callbacks (declared only where microhttpd.h is in). */
#ifdef MHD_VERSION
void api_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);
enum MHD_Result api_mhd_access(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls);
void api_mhd_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
#endif

#endif
