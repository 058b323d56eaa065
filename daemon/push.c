/* Push ingest: labels checked on the loop, the profile decoded and
 * validated on the thread pool, then queued to the writer; the answer
 * carries the new profile's id. */
#include "push.h"

#include "ingest.h"
#include "pd_clock.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_store.h"
#include "pd_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct push push;

struct pd_pushes {
    uv_loop_t *loop;
    pd_writer *w;
    size_t running, waiting;
    push *head, *tail; /* waiting, FIFO */
    bool stopping;
};

struct push {
    uv_work_t req;
    pd_pushes *q;
    push *next;
    pd_writer *w;
    pd_api_call *call;
    pd_labels series;
    pd_ingest_in in; /* the body is the API's, until the answer */
    pd_ingest_out out;
    int rc;
    pd_err err;
};

pd_pushes *pd_pushes_new(uv_loop_t *loop, pd_writer *w)
{
    pd_pushes *q = pd_xcalloc(1, sizeof(*q));
    q->loop = loop;
    q->w = w;
    return q;
}

static void push_free(push *p)
{
    pd_labels_free(&p->series);
    pd_ingest_out_free(&p->out);
    free(p);
}

void pd_pushes_stop(pd_pushes *q)
{
    q->stopping = true;
    while (q->head != NULL) {
        push *p = q->head;
        q->head = p->next;
        pd_api_reply(p->call, 503, "{\"error\":\"stopping\"}", 0);
        push_free(p);
    }
    q->tail = NULL;
    q->waiting = 0;
}

void pd_pushes_free(pd_pushes *q)
{
    free(q);
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

static void work(uv_work_t *req);
static void after(uv_work_t *req, int status);

/* Onto the thread pool; a failure answers the push. */
static void run(push *p)
{
    p->req.data = p;
    int rc = uv_queue_work(p->q->loop, &p->req, work, after);
    if (rc < 0) {
        pd_api_reply_error(p->call, 503, uv_strerror(rc));
        push_free(p);
        return;
    }
    p->q->running++;
}

/* A push is done decoding: the next in line starts. */
static void next(pd_pushes *q)
{
    q->running--;
    while (q->head != NULL && q->running < PD_PUSH_RUNNING) {
        push *p = q->head;
        q->head = p->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->waiting--;
        run(p);
    }
}

static void work(uv_work_t *req)
{
    push *p = req->data;
    p->rc = pd_ingest(&p->in, &p->out, &p->err);
}

static void after(uv_work_t *req, int status)
{
    push *p = req->data;
    next(p->q);
    if (status < 0 && p->rc == 0)
        p->rc = pd_errf(&p->err, status, "%s", uv_strerror(status));
    if (p->rc < 0) {
        char msg[sizeof(p->err.msg) + 16];
        snprintf(msg, sizeof(msg), "body: %s", p->err.msg);
        pd_api_reply_error(p->call, 400, msg);
        push_free(p);
        return;
    }
    if (p->out.time_ns == 0) /* not every producer sets time_nanos */
        p->out.time_ns = pd_now_ns();
    pd_writer_add_cb(p->w, &p->series, &p->out, on_stored, p);
}

static int check(const pd_config *cfg, const pd_api_request *rq, pd_labels *series, pd_err *err)
{
    if (!pd_profile_name_valid(rq->type))
        return pd_errf(err, -EINVAL, "type: invalid profile type \"%s\"", rq->type);
    for (size_t i = 0; i < rq->nlabels; i++) {
        const char *n = rq->labels[i].name, *v = rq->labels[i].value;
        if (!pd_label_name_valid(n) || strncmp(n, "__", 2) == 0)
            return pd_errf(err, -EINVAL, "%s: invalid label name", n);
        if (!pd_utf8_valid(v))
            return pd_errf(err, -EINVAL, "%s: label value is not valid UTF-8", n);
        if (v[0] == '\0' || strlen(v) > PD_STORE_MAX_LABEL_VALUE)
            return pd_errf(err, -EINVAL, "%s: want 1 to %d characters", n,
                           PD_STORE_MAX_LABEL_VALUE);
        if (pd_labels_get(series, n) != NULL)
            return pd_errf(err, -EINVAL, "%s: given twice", n);
        pd_labels_set(series, n, v);
    }
    for (size_t i = 0; i < cfg->global.external_labels.n; i++)
        pd_labels_set_default(series, cfg->global.external_labels.v[i].name,
                              cfg->global.external_labels.v[i].value);
    pd_labels_set(series, "type", rq->type);
    if (series->n > PD_STORE_MAX_LABELS)
        return pd_errf(err, -EINVAL, "%zu labels with type and the external labels, more than %d",
                       series->n, PD_STORE_MAX_LABELS);
    return 0;
}

void pd_push_handle(pd_pushes *q, const pd_config *cfg, pd_api_call *call, const pd_api_request *rq)
{
    if (q->stopping) {
        pd_api_reply(call, 503, "{\"error\":\"stopping\"}", 0);
        return;
    }
    if (q->running >= PD_PUSH_RUNNING && q->waiting >= PD_PUSH_WAITING) {
        pd_api_reply(call, 503, "{\"error\":\"too many pushes at once, try again\"}", 1);
        return;
    }
    push *p = pd_xcalloc(1, sizeof(*p));
    p->q = q;
    p->w = q->w;
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
    if (q->running < PD_PUSH_RUNNING) {
        run(p);
        return;
    }
    if (q->tail != NULL)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->waiting++;
}
