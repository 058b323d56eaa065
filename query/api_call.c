/* Calls: requests whose handler answers when it can (pd_api_reply), after
 * their body is parsed (on the loop when small, in the light lane when
 * large or holding a selector's regexes). */
#include <microhttpd.h>

#include "api_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Hands r to its route's handler; pd_api_reply answers it, now or later.
 * r is counted in flight. Inside MHD's callback (`inside`), a reply given at
 * once is sent without a suspend; otherwise r is suspended already. */
static bool call_hook(api_req *r, bool inside)
{
    pd_api *api = r->api;
    r->in_hook = inside;
    r->route->call(api, (pd_api_call *)r, &r->rq);
    r->in_hook = false;
    if (!inside || r->state == REQ_DONE)
        return inside; /* answered at once: nothing to suspend */
    r->state = REQ_WORKING;
    MHD_suspend_connection(r->conn);
    return false;
}

static void parse_work(pd_work *w)
{
    api_req *r = PD_WORK_OWNER(w, api_req, work);
    r->parse_rc = api_write_parse(r, &r->parse_err);
}

static void parse_done(pd_work *w, int status)
{
    api_req *r = PD_WORK_OWNER(w, api_req, work);
    pd_api *api = r->api;
    if (r->orphaned || status < 0 || api->stopping || r->parse_rc < 0) {
        if (r->parse_rc < 0)
            api_set_error(r, 400, r->parse_err.msg);
        else
            api_set_error(r, 503, "server stopping");
        api_req_resume(r); /* frees r if the client went away */
        api_returned(api);
        return;
    }
    call_hook(r, false);
}

bool api_call_start(api_req *r)
{
    pd_api *api = r->api;
    api->inflight++;
    if (!api_write_parse_aside(r)) {
        pd_err err = {{0}};
        if (api_write_parse(r, &err) < 0) {
            api->inflight--;
            api_set_error(r, 400, err.msg);
            return true;
        }
        return call_hook(r, true);
    }
    r->state = REQ_WORKING;
    MHD_suspend_connection(r->conn);
    /* In the light lane: parsing is short, and its threads are counted. */
    if (pd_workq_submit(&api->lanes[API_LANE_LIGHT], &r->work, parse_work, parse_done) < 0) {
        api_set_error(r, 503, "cannot queue the request");
        api_req_resume(r);
        api_returned(api);
    }
    return false;
}

void pd_api_reply(pd_api_call *call, int status, const char *json, int64_t retry_after_s)
{
    api_req *r = (api_req *)call;
    pd_api *api = r->api;
    pd_buf_reset(&r->body);
    if (json != NULL) {
        pd_buf_append(&r->body, json, strlen(json));
        pd_buf_append(&r->body, "\n", 1);
    }
    r->status = status;
    r->ctype = "application/json";
    r->retry_after_s = retry_after_s;
    if (r->in_hook)
        r->state = REQ_DONE; /* start_call sends it */
    else
        api_req_resume(r); /* frees r if the client went away */
    api_returned(api);
}

void pd_api_reply_error(pd_api_call *call, int status, const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    pd_api_reply(call, status, s ? s : "{\"error\":\"out of memory\"}", 0);
    free(s);
}
