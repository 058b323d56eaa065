#include "pd_workq.h"

#include <errno.h>

void pd_workq_init(pd_workq *q, uv_loop_t *loop, size_t max_running, size_t max_waiting)
{
    q->loop = loop;
    q->max_running = max_running > 0 ? max_running : 1;
    q->max_waiting = max_waiting;
    q->running = q->waiting = 0;
    q->head = q->tail = NULL;
}

static void work_cb(uv_work_t *req)
{
    pd_work *w = req->data;
    w->work(w);
}

static void pump(pd_workq *q);

static void after_cb(uv_work_t *req, int status)
{
    pd_work *w = req->data;
    pd_workq *q = w->q;
    q->running--;
    /* The next in line starts before this one's owner hears back: FIFO
     * holds even when done submits again. */
    pump(q);
    w->done(w, status);
}

static int start(pd_workq *q, pd_work *w)
{
    w->req.data = w;
    int rc = uv_queue_work(q->loop, &w->req, work_cb, after_cb);
    if (rc == 0)
        q->running++;
    return rc;
}

static void pump(pd_workq *q)
{
    while (q->head != NULL && q->running < q->max_running) {
        pd_work *w = q->head;
        q->head = w->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->waiting--;
        int rc = start(q, w);
        if (rc < 0)
            w->done(w, rc);
    }
}

int pd_workq_submit(pd_workq *q, pd_work *w, pd_work_fn work, pd_work_done_fn done)
{
    w->q = q;
    w->next = NULL;
    w->work = work;
    w->done = done;
    if (q->running < q->max_running && q->head == NULL)
        return start(q, w);
    if (q->waiting >= q->max_waiting)
        return -EAGAIN;
    if (q->tail != NULL)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    q->waiting++;
    return 0;
}

void pd_workq_cancel_waiting(pd_workq *q)
{
    while (q->head != NULL) {
        pd_work *w = q->head;
        q->head = w->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->waiting--;
        w->done(w, -ECANCELED);
    }
}

size_t pd_workq_running(const pd_workq *q)
{
    return q->running;
}

size_t pd_workq_waiting(const pd_workq *q)
{
    return q->waiting;
}

bool pd_workq_full(const pd_workq *q)
{
    return q->running >= q->max_running && q->waiting >= q->max_waiting;
}
