/* The batched writer: profiles are queued from the loop thread and written
 * in batches, one transaction each, on the thread pool. Writes, other work
 * on the writer connection and retention steps share the one connection,
 * so they run one at a time, in order. */
#ifndef PD_WRITER_H
#define PD_WRITER_H

#include "pd_buf.h"
#include "pd_labels.h"
#include "pd_store.h"

#include <uv.h>

typedef struct pd_writer pd_writer;

typedef struct pd_writer_opts {
    const char *path;
    int64_t retention_ms; /* raw profiles; 0 = keep forever */
    /* rollups of level l at [l - 1] (5m, 1h, 1d); 0 = keep forever */
    int64_t rollup_retention_ms[PD_STORE_LEVELS];
    uint64_t max_size;          /* bytes; 0 = unlimited */
    size_t batch_max;           /* flush when this many are queued (default 64) */
    int64_t flush_ms;           /* or after this long (default 1000) */
    int64_t retention_every_ms; /* default 60000 */
} pd_writer_opts;

/* Opens the database (on the calling thread: startup only). */
int pd_writer_open(uv_loop_t *loop, const pd_writer_opts *o, pd_writer **out, pd_err *err);

/* The pool threads a writer uses at most (for sizing the pool). */
#define PD_WRITER_THREADS 1

/* Queues a profile for `labels` (the series: target labels plus type). The
 * labels are copied; what *p owns is taken (p is left empty). */
void pd_writer_add(pd_writer *w, const pd_labels *labels, pd_store_profile *p);

/* The outcome of one profile queued with pd_writer_add_cb, on the loop:
 * rc 0 and its id once committed, or a negative rc and the error. */
typedef void (*pd_writer_stored_fn)(void *arg, int rc, int64_t id, const char *error);

/* pd_writer_add, then cb once the batch holding the profile is done. The
 * batch is flushed at once: someone waits for this one. */
void pd_writer_add_cb(pd_writer *w, const pd_labels *labels, pd_store_profile *p,
                      pd_writer_stored_fn cb, void *arg);

/* Work on the writer connection (thread pool), in turn with the batches. */
typedef int (*pd_writer_exec_fn)(pd_store *s, void *arg, pd_err *err);
typedef void (*pd_writer_exec_done_fn)(void *arg, int rc, const pd_err *err);

/* Runs fn(store, arg, err) on the writer connection after what is queued,
 * then done(arg, rc, err) on the loop. */
void pd_writer_exec(pd_writer *w, pd_writer_exec_fn fn, pd_writer_exec_done_fn done, void *arg);

/* /metrics: profiles stored, the size of the database and its WAL
 * (Prometheus text, appended). */
void pd_writer_metrics(const pd_writer *w, pd_buf *out);

/* Flushes what is queued, closes the database and the writer's handles,
 * then calls done (on the loop). */
void pd_writer_close(pd_writer *w, void (*done)(void *arg), void *arg);

#endif
