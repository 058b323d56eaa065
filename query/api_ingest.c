/* Push ingest (POST /api/v1/ingest): a pprof body, gzip or raw, with its
 * labels in the query string, validated and stored like a scraped
 * profile, as it is (no delta: the sender chose the window). Labels are
 * checked on the loop, the profile decoded and validated on the thread
 * pool (at most API_PUSH_RUNNING at once, API_PUSH_WAITING in line; past
 * that 503 with Retry-After), then queued to the writer; the answer
 * carries the new profile's id. Loop thread. */
#include "api_int.h"

#include "pd_ingest.h"
#include "pd_clock.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_store.h"
#include "pd_workq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct push {
    pd_work work; /* first: the queue hands it back */
    pd_api *api;
    pd_api_call *call;
    pd_labels series;
    pd_ingest_in in; /* the body is the API's, until the answer */
    pd_ingest_out out;
    int rc;
    pd_err err;
} push;

static void push_free(push *p)
{
    pd_labels_free(&p->series);
    pd_ingest_out_free(&p->out);
    free(p);
}

static void on_stored(void *arg, int rc, int64_t id, const char *error)
{
    push *p = arg;
    if (rc < 0) {
        pd_api_reply_error(p->call, 500, error ? error : "store failed");
    } else {
        char series[512], body[640];
        pd_labels_format(&p->series, series, sizeof(series));
        snprintf(body, sizeof(body), "{\"id\":%lld}", (long long)id);
        pd_log_info("profile pushed", "id=%lld series=%s", (long long)id, series);
        pd_api_reply(p->call, 200, body, 0);
    }
    push_free(p);
}

static void work(pd_work *w)
{
    push *p = (push *)w;
    p->rc = pd_ingest(&p->in, &p->out, &p->err);
}

static void after(pd_work *w, int status)
{
    push *p = (push *)w;
    if (status == -ECANCELED) {
        pd_api_reply_error(p->call, 503, "stopping");
        push_free(p);
        return;
    }
    if (status < 0 && p->rc == 0)
        p->rc = pd_errf(&p->err, status, "%s", uv_strerror(status));
    if (p->rc < 0) {
        char msg[sizeof(p->err.msg) + 16];
        snprintf(msg, sizeof(msg), "body: %s", p->err.msg);
        pd_api_reply_error(p->call, 400, msg);
        push_free(p);
        return;
    }
    if (p->out.p.time_ns == 0) /* not every producer sets time_nanos */
        p->out.p.time_ns = pd_now_ns();
    pd_writer_add_cb(p->api->writer, &p->series, &p->out.p, on_stored, p);
}

static int check(const pd_config *cfg, const pd_api_request *rq, pd_labels *series, pd_err *err)
{
    const char **names = pd_xcalloc(rq->nlabels + 1, sizeof(char *));
    const char **values = pd_xcalloc(rq->nlabels + 1, sizeof(char *));
    for (size_t i = 0; i < rq->nlabels; i++) {
        names[i] = rq->labels[i].name;
        values[i] = rq->labels[i].value;
    }
    int rc = pd_ingest_push_series(rq->type, names, values, rq->nlabels,
                                   &cfg->global.external_labels, series, err);
    free(names);
    free(values);
    return rc;
}

void api_ingest(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    const pd_config *cfg = pd_tset_config(api->targets);
    if (pd_workq_full(&api->pushes)) {
        pd_api_reply(call, 503, "{\"error\":\"too many pushes at once, try again\"}", 1);
        return;
    }
    push *p = pd_xcalloc(1, sizeof(*p));
    p->api = api;
    p->call = call;
    pd_labels_init(&p->series);
    pd_err err = {{0}};
    if (check(cfg, rq, &p->series, &err) < 0) {
        pd_api_reply_error(call, 400, err.msg);
        push_free(p);
        return;
    }
    /* Stored as sent: a pushed profile covers the window its sender chose. */
    p->in =
        (pd_ingest_in){rq->body, rq->len, cfg->limits.max_profile_bytes, PD_PROFILE_GAUGE, NULL, 0};
    int rc = pd_workq_submit(&api->pushes, &p->work, work, after);
    if (rc < 0) {
        pd_api_reply_error(call, 503,
                           rc == -EAGAIN ? "too many pushes at once, try again" : uv_strerror(rc));
        push_free(p);
    }
}
