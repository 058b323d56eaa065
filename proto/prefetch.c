/* Loads profiles on worker threads, hands them out in order.
 *
 * A merge is a sequential fold, but decoding its inputs (gunzip, parse,
 * validate) is independent per input and is most of the work: workers load
 * inputs ahead of the consumer, up to `window` of them, so memory stays
 * bounded however many inputs there are. */
#include "pd_profile.h"

#include "pd_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    bool ready;
    int rc;
    pd_profile *p;
    pd_err err;
} slot;

struct pd_prefetch {
    pd_profile_load_fn load;
    void *ctx;
    size_t n;
    size_t window;
    slot *slots;     /* input i lives in slots[i % window] */
    size_t claimed;  /* next input a worker takes */
    size_t consumed; /* next input the consumer takes */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* a slot freed up, or stop */
    pthread_cond_t cv_done; /* a slot became ready */
    pthread_t *threads;
    unsigned nthreads;
};

static void *worker(void *arg)
{
    pd_prefetch *pf = arg;
    pthread_mutex_lock(&pf->mu);
    for (;;) {
        while (!pf->stop && pf->claimed < pf->n && pf->claimed >= pf->consumed + pf->window)
            pthread_cond_wait(&pf->cv_work, &pf->mu);
        if (pf->stop || pf->claimed >= pf->n)
            break;
        size_t i = pf->claimed++;
        pthread_mutex_unlock(&pf->mu);

        slot s = {true, 0, NULL, {{0}}};
        s.rc = pf->load(pf->ctx, i, &s.p, &s.err);

        pthread_mutex_lock(&pf->mu);
        pf->slots[i % pf->window] = s;
        pthread_cond_broadcast(&pf->cv_done);
    }
    pthread_mutex_unlock(&pf->mu);
    return NULL;
}

pd_prefetch *pd_prefetch_start(pd_profile_load_fn load, void *ctx, size_t n, unsigned threads,
                               size_t window)
{
    pd_prefetch *pf = pd_xcalloc(1, sizeof(*pf));
    pf->load = load;
    pf->ctx = ctx;
    pf->n = n;
    pf->window = window ? window : 1;
    pf->slots = pd_xcalloc(pf->window, sizeof(slot));
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv_work, NULL);
    pthread_cond_init(&pf->cv_done, NULL);
    if (threads == 0)
        threads = 1;
    pf->threads = pd_xcalloc(threads, sizeof(pthread_t));
    for (unsigned t = 0; t < threads; t++) {
        if (pthread_create(&pf->threads[pf->nthreads], NULL, worker, pf) != 0)
            break; /* fewer workers is slower, not wrong */
        pf->nthreads++;
    }
    return pf;
}

int pd_prefetch_next(void *ctx, pd_profile **p, pd_err *err)
{
    pd_prefetch *pf = ctx;
    *p = NULL;
    if (pf->consumed >= pf->n)
        return 0;
    if (pf->nthreads == 0) {
        /* No worker could start: load inline. */
        int rc = pf->load(pf->ctx, pf->consumed++, p, err);
        return rc < 0 ? rc : 1;
    }
    pthread_mutex_lock(&pf->mu);
    slot *s = &pf->slots[pf->consumed % pf->window];
    while (!s->ready)
        pthread_cond_wait(&pf->cv_done, &pf->mu);
    slot got = *s;
    memset(s, 0, sizeof(*s));
    pf->consumed++;
    pthread_cond_broadcast(&pf->cv_work);
    pthread_mutex_unlock(&pf->mu);
    if (got.rc < 0) {
        pd_profile_free(got.p);
        if (err != NULL)
            *err = got.err;
        return got.rc;
    }
    *p = got.p;
    return 1;
}

void pd_prefetch_stop(pd_prefetch *pf)
{
    if (pf == NULL)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->stop = true;
    pthread_cond_broadcast(&pf->cv_work);
    pthread_mutex_unlock(&pf->mu);
    for (unsigned t = 0; t < pf->nthreads; t++)
        pthread_join(pf->threads[t], NULL);
    for (size_t i = 0; i < pf->window; i++)
        pd_profile_free(pf->slots[i].p);
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->cv_work);
    pthread_cond_destroy(&pf->cv_done);
    free(pf->threads);
    free(pf->slots);
    free(pf);
}
