/* The pipeline on the thread pool, through a bounded work queue. */
#include "pd_ingest.h"

#include "pd_mem.h"

#include <stdlib.h>

typedef struct job {
    pd_work work; /* first: the queue hands it back */
    pd_ingest_in in;
    pd_ingest_out out;
    int rc;
    pd_err err;
    pd_ingest_done_fn done;
    void *arg;
} job;

static void work(pd_work *w)
{
    job *j = (job *)w;
    j->rc = pd_ingest(&j->in, &j->out, &j->err);
}

static void after(pd_work *w, int status)
{
    job *j = (job *)w;
    if (status < 0 && j->rc == 0)
        j->rc = pd_errf(&j->err, status, "ingest: %s", uv_strerror(status));
    j->done(j->arg, j->rc, &j->out, &j->err);
    pd_ingest_out_free(&j->out);
    free(j);
}

void pd_ingest_submit(pd_workq *q, const pd_ingest_in *in, pd_ingest_done_fn done, void *arg)
{
    job *j = pd_xcalloc(1, sizeof(*j));
    j->in = *in;
    j->done = done;
    j->arg = arg;
    int rc = pd_workq_submit(q, &j->work, work, after);
    if (rc < 0) {
        j->rc = pd_errf(&j->err, rc, "ingest: %s", uv_strerror(rc));
        done(arg, j->rc, &j->out, &j->err);
        free(j);
    }
}
