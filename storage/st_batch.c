/* The batched writer (pd_writer.h): one job at a time on the writer
 * connection, through a work queue of one. */
#include "pd_writer.h"

#include "pd_clock.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_prom.h"
#include "pd_workq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct queued {
    pd_labels labels;
    pd_store_profile p;
    pd_writer_stored_fn cb; /* may be NULL */
    void *cb_arg;
} queued;

/* One job for the writer connection: a batch, an exec, a conversion step or
 * a retention step. */
typedef struct job {
    pd_work work; /* first: the queue hands it back */
    pd_writer *w;
    queued *items; /* NULL: exec or retention step */
    size_t n;
    int64_t *ids;                      /* the batch's new ids */
    pd_writer_exec_fn exec;            /* NULL: batch, conversion or retention step */
    bool convert;                      /* a conversion step (pd_store_convert_step) */
    bool compact;                      /* a rollup step (pd_store_compact_step) */
    bool more;                         /* compaction: work was left ready */
    int64_t done[PD_STORE_LEVELS + 1]; /* compaction: progress after the step */
    pd_writer_exec_done_fn exec_done;
    void *exec_arg;
    struct job *next; /* in the exec queue */
    int64_t first_id, last_id;
    size_t bad;     /* items refused one by one after the batch failed */
    size_t deleted; /* retention; conversion: rows converted */
    int64_t left;   /* conversion: rows left at most */
    int rc;
    pd_err err;
} job;

struct pd_writer {
    uv_loop_t *loop;
    pd_store *store;
    pd_writer_opts o;
    char *path;
    queued *q; /* waiting for the next batch */
    size_t nq, capq;
    job *exec_head, *exec_tail; /* exec jobs waiting, FIFO */
    bool urgent;                /* someone waits for the queued batch */
    pd_workq pool;              /* one job on the thread pool at a time */
    bool retention_wanted;      /* a retention step is due */
    bool convert_wanted;        /* version-3 rows may be left to convert */
    bool compact_wanted;        /* rollup buckets may be ready */
    uint64_t compact_steps;
    int64_t rollup_done[PD_STORE_LEVELS + 1];
    int64_t convert_left; /* after the last step; -1 before the first */
    uint64_t converted;
    bool closing;
    uv_timer_t flush_timer;
    uv_timer_t retention_timer;
    int open_handles;
    uint64_t stored;
    void (*done)(void *);
    void *done_arg;
};

static void run_next(pd_writer *w);

/* Rows of a version-3 file converted per step: a few milliseconds each, so
 * a batch of new profiles waits little behind a step. */
#define CONVERT_BATCH 32
/* Rows a rollup step reads: a few milliseconds, like a conversion step. */
#define COMPACT_BUDGET 256

static void free_items(queued *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pd_labels_free(&items[i].labels);
        pd_store_profile_free(&items[i].p);
    }
    free(items);
}

/* Thread pool: one transaction for the whole batch. */
static void job_work(pd_work *work)
{
    job *j = (job *)work;
    pd_writer *w = j->w;
    if (j->exec != NULL) {
        j->rc = j->exec(w->store, j->exec_arg, &j->err);
        return;
    }
    if (j->convert) {
        j->rc = pd_store_convert_step(w->store, CONVERT_BATCH, &j->deleted, &j->left, &j->err);
        return;
    }
    if (j->compact) {
        j->rc = pd_store_compact_step(w->store, pd_now_ns(), COMPACT_BUDGET, &j->more, j->done,
                                      &j->err);
        return;
    }
    if (j->items == NULL) {
        int64_t now = pd_now_ns(), cutoff[PD_STORE_LEVELS + 1] = {0};
        for (int l = 0; l <= PD_STORE_LEVELS; l++) {
            int64_t ms = l == 0 ? w->o.retention_ms : w->o.rollup_retention_ms[l - 1];
            cutoff[l] = ms > 0 ? now - ms * 1000000 : 0;
        }
        j->rc = pd_store_retention_levels(w->store, cutoff, (int64_t)w->o.max_size, 500,
                                          &j->deleted, &j->err);
        return;
    }
    pd_store_item *items = pd_xcalloc(j->n, sizeof(*items));
    pd_store_label **labels = pd_xcalloc(j->n, sizeof(*labels));
    int64_t *ids = pd_xcalloc(j->n, sizeof(*ids));
    j->ids = ids;
    for (size_t i = 0; i < j->n; i++) {
        queued *q = &j->items[i];
        labels[i] = pd_xcalloc(q->labels.n + 1, sizeof(pd_store_label));
        for (size_t k = 0; k < q->labels.n; k++)
            labels[i][k] = (pd_store_label){q->labels.v[k].name, q->labels.v[k].value};
        items[i] = (pd_store_item){labels[i],        q->labels.n,       q->p.time_ns,
                                   q->p.duration_ns, q->p.sample_types, q->p.default_type,
                                   q->p.totals,      q->p.ntotals,      q->p.profile};
    }
    j->rc = pd_store_put(w->store, items, j->n, ids, &j->err);
    if (j->rc == -EINVAL && j->n > 1) {
        /* One bad item must not cost the others: store them one by one,
         * the bad ones keep id 0 and the first error is reported. */
        pd_err one = {{0}};
        size_t bad = 0;
        for (size_t i = 0; i < j->n; i++) {
            if (pd_store_put(w->store, &items[i], 1, &ids[i], &one) < 0) {
                ids[i] = 0;
                if (bad++ == 0)
                    j->err = one;
                pd_err_clear(&one);
            }
        }
        j->rc = 0;
        j->bad = bad;
    }
    j->first_id = ids[0];
    j->last_id = ids[j->n - 1];
    for (size_t i = 0; i < j->n; i++)
        free(labels[i]);
    free(labels);
    free(items);
}

/* Tells whoever waits for a profile of the batch how it went. */
static void notify(job *j)
{
    for (size_t i = 0; i < j->n; i++) {
        queued *q = &j->items[i];
        bool failed = j->rc < 0 || j->ids[i] == 0;
        if (q->cb != NULL)
            q->cb(q->cb_arg, failed ? (j->rc < 0 ? j->rc : -EINVAL) : 0, failed ? 0 : j->ids[i],
                  failed ? j->err.msg : NULL);
    }
}

static void convert_done(pd_writer *w, job *j)
{
    if (j->rc < 0) {
        /* tried again with the next retention tick, not in a tight loop */
        pd_log_error("converting stored profiles failed", "error=\"%s\"", j->err.msg);
        return;
    }
    bool first = w->convert_left < 0;
    w->converted += j->deleted;
    w->convert_left = j->left;
    w->convert_wanted = j->left > 0;
    if (first && j->left > 0)
        pd_log_info("converting stored profiles", "left=%lld", (long long)j->left);
    else if (!first && j->left == 0)
        pd_log_info("converted stored profiles", "converted=%llu",
                    (unsigned long long)w->converted);
    else if (j->deleted > 0 && w->converted / 10000 != (w->converted - j->deleted) / 10000)
        pd_log_info("converting stored profiles", "converted=%llu left=%lld",
                    (unsigned long long)w->converted, (long long)j->left);
}

static void job_done(pd_work *work, int status)
{
    job *j = (job *)work;
    pd_writer *w = j->w;
    if (status < 0 && j->rc == 0)
        j->rc = pd_errf(&j->err, status, "%s", uv_strerror(status));
    if (j->exec != NULL) {
        j->exec_done(j->exec_arg, j->rc, &j->err);
    } else if (j->items != NULL) {
        if (j->rc < 0)
            pd_log_error("store failed", "profiles=%zu error=\"%s\"", j->n, j->err.msg);
        else {
            w->stored += j->n - j->bad;
            if (j->bad > 0)
                pd_log_error("store failed", "profiles=%zu error=\"%s\"", j->bad, j->err.msg);
            pd_log_info("stored", "profiles=%zu first_id=%lld last_id=%lld", j->n,
                        (long long)j->first_id, (long long)j->last_id);
        }
        notify(j);
        free_items(j->items, j->n);
        free(j->ids);
    } else if (j->convert) {
        convert_done(w, j);
    } else if (j->compact) {
        if (j->rc < 0) /* tried again with the next retention tick */
            pd_log_error("compacting rollups failed", "error=\"%s\"", j->err.msg);
        else {
            w->compact_steps++;
            memcpy(w->rollup_done, j->done, sizeof(w->rollup_done));
        }
        w->compact_wanted = j->rc == 0 && j->more;
    } else if (j->rc < 0) {
        pd_log_error("retention failed", "error=\"%s\"", j->err.msg);
    } else {
        if (j->deleted > 0)
            pd_log_info("retention", "deleted=%zu", j->deleted);
        /* A full step: more may be due; keep going in small steps. */
        w->retention_wanted = j->deleted >= 500;
    }
    free(j);
    run_next(w);
}

static void on_handle_closed(uv_handle_t *h)
{
    pd_writer *w = h->data;
    if (--w->open_handles > 0)
        return;
    pd_store_close(w->store);
    void (*done)(void *) = w->done;
    void *arg = w->done_arg;
    free(w->q);
    free(w->path);
    free(w);
    if (done)
        done(arg);
}

/* Starts the next job if the connection is free: a batch first, then
 * retention; when closing and idle, closes. */
static void run_next(pd_writer *w)
{
    if (pd_workq_running(&w->pool) > 0)
        return;
    job *j = NULL;
    if (w->nq > 0 && (w->closing || w->urgent || w->nq >= w->o.batch_max ||
                      !uv_is_active((uv_handle_t *)&w->flush_timer))) {
        j = pd_xcalloc(1, sizeof(*j));
        j->items = w->q;
        j->n = w->nq;
        w->q = NULL;
        w->nq = w->capq = 0;
        w->urgent = false;
    } else if (w->exec_head != NULL) {
        j = w->exec_head;
        w->exec_head = j->next;
        if (w->exec_head == NULL)
            w->exec_tail = NULL;
    } else if (w->convert_wanted && !w->closing) {
        j = pd_xcalloc(1, sizeof(*j));
        j->convert = true;
        w->convert_wanted = false;
    } else if (w->retention_wanted && !w->closing) {
        j = pd_xcalloc(1, sizeof(*j));
        w->retention_wanted = false;
    } else if (w->compact_wanted && !w->closing) {
        j = pd_xcalloc(1, sizeof(*j));
        j->compact = true;
        w->compact_wanted = false;
    }
    if (j == NULL) {
        if (w->closing && w->nq == 0) {
            uv_close((uv_handle_t *)&w->flush_timer, on_handle_closed);
            uv_close((uv_handle_t *)&w->retention_timer, on_handle_closed);
        }
        return;
    }
    j->w = w;
    int rc = pd_workq_submit(&w->pool, &j->work, job_work, job_done);
    if (rc < 0) {
        pd_log_error("store failed", "error=\"%s\"", uv_strerror(rc));
        j->rc = pd_errf(&j->err, rc, "%s", uv_strerror(rc));
        if (j->exec != NULL)
            j->exec_done(j->exec_arg, j->rc, &j->err);
        if (j->items) {
            notify(j);
            free_items(j->items, j->n);
        }
        free(j);
        return;
    }
}

static void on_flush_timer(uv_timer_t *t)
{
    run_next(t->data);
}

static void on_retention_timer(uv_timer_t *t)
{
    pd_writer *w = t->data;
    w->retention_wanted = true;
    w->convert_wanted = w->convert_left != 0;
    w->compact_wanted = true;
    run_next(w);
}

int pd_writer_open(uv_loop_t *loop, const pd_writer_opts *o, pd_writer **out, pd_err *err)
{
    *out = NULL;
    pd_store *store = NULL;
    int rc = pd_store_open(o->path, &store, err);
    if (rc < 0)
        return rc;
    pd_writer *w = pd_xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->store = store;
    w->o = *o;
    w->path = pd_xstrdup(o->path); /* the config holding o->path may be replaced */
    w->o.path = w->path;
    pd_workq_init(&w->pool, loop, PD_WRITER_THREADS, 0);
    if (w->o.batch_max == 0)
        w->o.batch_max = 64;
    if (w->o.flush_ms <= 0)
        w->o.flush_ms = 1000;
    if (w->o.retention_every_ms <= 0)
        w->o.retention_every_ms = 60000;
    uv_timer_init(loop, &w->flush_timer);
    uv_timer_init(loop, &w->retention_timer);
    w->flush_timer.data = w;
    w->retention_timer.data = w;
    w->open_handles = 2;
    w->convert_left = -1;
    w->convert_wanted = true;
    /* the timer also retries a conversion step that failed */
    uv_timer_start(&w->retention_timer, on_retention_timer, 1000,
                   (uint64_t)w->o.retention_every_ms);
    *out = w;
    return 0;
}

static void add(pd_writer *w, const pd_labels *labels, pd_store_profile *p, pd_writer_stored_fn cb,
                void *arg)
{
    pd_xgrow((void **)&w->q, &w->capq, w->nq + 1, sizeof(queued));
    queued *q = &w->q[w->nq++];
    pd_labels_copy(&q->labels, labels);
    q->p = *p;
    q->cb = cb;
    q->cb_arg = arg;
    memset(p, 0, sizeof(*p));
    /* The first of a batch starts the clock: a batch waits at most flush_ms. */
    if (w->nq == 1 && !w->closing)
        uv_timer_start(&w->flush_timer, on_flush_timer, (uint64_t)w->o.flush_ms, 0);
    if (w->nq >= w->o.batch_max)
        run_next(w);
}

void pd_writer_add(pd_writer *w, const pd_labels *labels, pd_store_profile *p)
{
    add(w, labels, p, NULL, NULL);
}

void pd_writer_add_cb(pd_writer *w, const pd_labels *labels, pd_store_profile *p,
                      pd_writer_stored_fn cb, void *arg)
{
    w->urgent = true;
    add(w, labels, p, cb, arg);
    run_next(w);
}

void pd_writer_exec(pd_writer *w, pd_writer_exec_fn fn, pd_writer_exec_done_fn done, void *arg)
{
    job *j = pd_xcalloc(1, sizeof(*j));
    j->exec = fn;
    j->exec_done = done;
    j->exec_arg = arg;
    if (w->exec_tail != NULL)
        w->exec_tail->next = j;
    else
        w->exec_head = j;
    w->exec_tail = j;
    run_next(w);
}

void pd_writer_metrics(const pd_writer *w, pd_buf *out)
{
    pd_prom_family(out, "pprofd_profiles_stored_total", "counter",
                   "Profiles committed to the database.");
    pd_prom_u64(out, "pprofd_profiles_stored_total", NULL, w->stored);
    pd_prom_family(out, "pprofd_storage_converted_total", "counter",
                   "Profiles of a version-3 database converted to the stored form.");
    pd_prom_u64(out, "pprofd_storage_converted_total", NULL, w->converted);
    pd_prom_family(out, "pprofd_storage_convert_left", "gauge",
                   "Profiles of a version-3 database still to convert (at most).");
    pd_prom_u64(out, "pprofd_storage_convert_left", NULL,
                w->convert_left > 0 ? (uint64_t)w->convert_left : 0);
    pd_prom_family(out, "pprofd_storage_compaction_steps_total", "counter",
                   "Steps that built rollups (each a short transaction).");
    pd_prom_u64(out, "pprofd_storage_compaction_steps_total", NULL, w->compact_steps);
    pd_prom_family(out, "pprofd_storage_rollup_done_timestamp_seconds", "gauge",
                   "Every bucket of the resolution before this time is rolled up.");
    static const char *const names[PD_STORE_LEVELS + 1] = {"", "5m", "1h", "1d"};
    for (int l = 1; l <= PD_STORE_LEVELS; l++) {
        const char *labels[] = {"resolution", names[l], NULL};
        pd_prom_u64(out, "pprofd_storage_rollup_done_timestamp_seconds", labels,
                    w->rollup_done[l] > 0 ? (uint64_t)(w->rollup_done[l] / 1000000000) : 0);
    }
    /* The database and its WAL: a stat each, cheap enough for a scrape. */
    uint64_t bytes = 0;
    const char *suffix[] = {"", "-wal"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s%s", w->o.path, suffix[i]);
        if (stat(path, &st) == 0)
            bytes += (uint64_t)st.st_size;
    }
    pd_prom_family(out, "pprofd_database_bytes", "gauge", "Size of the database file and its WAL.");
    pd_prom_u64(out, "pprofd_database_bytes", NULL, bytes);
}

void pd_writer_close(pd_writer *w, void (*done)(void *arg), void *arg)
{
    w->closing = true;
    w->done = done;
    w->done_arg = arg;
    uv_timer_stop(&w->flush_timer);
    uv_timer_stop(&w->retention_timer);
    run_next(w);
}
