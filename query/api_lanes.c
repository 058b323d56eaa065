/* Queries on the thread pool: two lanes, light and heavy, each a bounded
 * work queue; a query starts light and moves to the heavy lane once it
 * finds itself big. The connection is suspended meanwhile and resumed with
 * the answer. */
#include <microhttpd.h>

#include "api_int.h"

static void lane_enter(api_req *r);

static void work_cb(pd_work *w)
{
    api_req *r = PD_WORK_OWNER(w, api_req, work);
    uint64_t t0 = uv_hrtime();
    pd_store_reader *rd = NULL;
    pd_err err = {{0}};
    if (r->what != NULL) { /* once: an escalated query comes back parsed */
        int rc = api_parse_query(api_req_arg, r, r->what, &r->q, &err);
        r->what = NULL;
        r->q.name = r->name;
        r->name = NULL;
        if (rc < 0) {
            api_set_error(r, 400, err.msg);
            api_maybe_gzip(r);
            r->work_seconds = (double)(uv_hrtime() - t0) / 1e9;
            return;
        }
    }
    if (api_reader_take(r->api, &rd, &err) < 0) {
        api_set_error(r, 503, err.msg);
    } else {
        r->fn(r, rd);
        api_reader_give(r->api, rd);
    }
    api_maybe_gzip(r);
    r->work_seconds = (double)(uv_hrtime() - t0) / 1e9;
}

static void after_work_cb(pd_work *w, int status)
{
    api_req *r = PD_WORK_OWNER(w, api_req, work);
    pd_api *api = r->api;
    if (status == -ECANCELED) {
        api_set_error(r, 503, "server stopping");
        api_req_resume(r);
        api_returned(api);
        return;
    }
    if (status < 0)
        api_set_error(r, 503, "cannot queue the query");
    else if (r->escalate && !api->stopping && !r->orphaned) {
        r->escalate = false;
        r->lane = API_LANE_HEAVY;
        pd_buf_reset(&r->body);
        lane_enter(r); /* still suspended, still in flight */
        return;
    }
    if (r->escalate) /* stopping, or nobody waits for it any more */
        api_set_error(r, 503, "server stopping");
    api_req_resume(r);
    api_returned(api); /* the stop, if waiting for this, goes on from the loop */
}

void api_drop_waiting(pd_api *api)
{
    for (int l = 0; l < API_NLANES; l++)
        pd_workq_cancel_waiting(&api->lanes[l]);
    pd_workq_cancel_waiting(&api->pushes); /* each answered 503 */
}

/* Queues fn, which finds r->q parsed for `what` (NULL: no parameters) on
 * the thread pool. `name` (malloc'd or NULL) is taken: it becomes q.name. */
void api_lane_start(api_req *r, api_work_fn fn, const char *what, char *name)
{
    pd_api *api = r->api;
    r->fn = fn;
    r->what = what;
    if (what != NULL) {
        r->name = name;
        api_each_arg(r->conn, api_req_copy_arg, r);
    } else {
        r->q.name = name;
    }
    r->lane = API_LANE_LIGHT; /* merges and diffs move on when they find they are big */
    r->state = REQ_WORKING;
    MHD_suspend_connection(r->conn);
    api->inflight++;
    lane_enter(r);
}

/* Runs r now if its lane has room, else puts it in the lane's line. r is
 * suspended and counted in flight; a failure answers it. */
static void lane_enter(api_req *r)
{
    pd_api *api = r->api;
    if (pd_workq_submit(&api->lanes[r->lane], &r->work, work_cb, after_work_cb) < 0) {
        api_set_error(r, 503, "cannot queue the query");
        api_req_resume(r);
        api_returned(api);
    }
}
