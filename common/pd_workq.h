/* A bounded work queue on libuv's thread pool: at most `max_running` items
 * run at once, at most `max_waiting` more wait their turn (FIFO), and past
 * that a submission is refused, so no path of the daemon can take every
 * pool thread or queue without limit. Every path that runs work on the
 * pool goes through one: scrape ingest, push ingest, the writer, the API's
 * query lanes. The daemon sizes the pool from their bounds.
 *
 * Loop thread only, except `work`, which runs on a pool thread. */
#ifndef PD_WORKQ_H
#define PD_WORKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define PD_WORKQ_UNBOUNDED ((size_t)-1)

typedef struct pd_work pd_work;
typedef struct pd_workq pd_workq;

/* On a pool thread. */
typedef void (*pd_work_fn)(pd_work *w);
/* On the loop, once per accepted item: status 0 after `work` ran, or a
 * negative code when it never ran (-ECANCELED by pd_workq_cancel_waiting,
 * or libuv refused it when its turn came). */
typedef void (*pd_work_done_fn)(pd_work *w, int status);

/* Embedded in the caller's item, which gets itself back with
 * PD_WORK_OWNER (or by putting pd_work first); the fields are the queue's. */
struct pd_work {
    uv_work_t req;
    pd_workq *q;
    pd_work *next;
    pd_work_fn work;
    pd_work_done_fn done;
};

#define PD_WORK_OWNER(w, type, member) ((type *)(void *)((char *)(w)-offsetof(type, member)))

/* Embedded in its owner; the fields are read through the functions. */
struct pd_workq {
    uv_loop_t *loop;
    size_t max_running, max_waiting;
    size_t running, waiting;
    pd_work *head, *tail;
};

void pd_workq_init(pd_workq *q, uv_loop_t *loop, size_t max_running, size_t max_waiting);

/* Runs work(w) on the pool and then done(w, 0) on the loop, now or after
 * the items before it. Returns 0; or -EAGAIN when running and waiting are
 * at their bounds, or libuv's error: then neither function is called. */
int pd_workq_submit(pd_workq *q, pd_work *w, pd_work_fn work, pd_work_done_fn done);

/* Every waiting item gets done(w, -ECANCELED), in order; running ones
 * finish. */
void pd_workq_cancel_waiting(pd_workq *q);

size_t pd_workq_running(const pd_workq *q);
size_t pd_workq_waiting(const pd_workq *q);
/* Whether a submission now would be refused. */
bool pd_workq_full(const pd_workq *q);

#endif
