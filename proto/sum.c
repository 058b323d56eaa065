/* Stored profiles of one table summed into one, on ids alone: what a rollup
 * holds. The header follows pprof's merge rules (combineHeaders), so a
 * merge that reads the sum gets the header it would get from the inputs;
 * samples are summed per (stack, label set), zero ones dropped as pprof's
 * merge drops them. */
#include "pd_stored.h"
#include "sums.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

struct pd_sum {
    size_t count;
    pd_stored h; /* the header so far; the first input's types */
    size_t comments_cap;
    pd_sums sums;
};

pd_sum *pd_sum_new(void)
{
    return pd_xcalloc(1, sizeof(pd_sum));
}

void pd_sum_free(pd_sum *m)
{
    if (m == NULL)
        return;
    pd_stored_free(&m->h);
    pd_sums_free(&m->sums);
    free(m);
}

size_t pd_sum_count(const pd_sum *m)
{
    return m->count;
}

bool pd_sum_fits(const pd_sum *m, const pd_stored *s)
{
    const pd_stored *h = &m->h;
    return m->count == 0 ||
           (h->period_type[0] == s->period_type[0] && h->period_type[1] == s->period_type[1] &&
            h->nsample_types == s->nsample_types &&
            (s->nsample_types == 0 || memcmp(h->sample_types, s->sample_types,
                                             2 * sizeof(uint32_t) * s->nsample_types) == 0));
}

int pd_sum_add(pd_sum *m, const pd_stored *s, pd_err *err)
{
    if (!pd_sum_fits(m, s))
        return pd_errf(err, -EINVAL, "sum: sample or period types differ");
    pd_stored *h = &m->h;
    if (m->count++ == 0) {
        pd_stored_copy_header(h, s);
        m->comments_cap = (size_t)s->ncomments + 1;
        h->duration_nanos = 0; /* added below */
        h->ncomments = 0;
        pd_sums_init(&m->sums, s->nsample_types);
    }
    if (h->time_nanos == 0 || s->time_nanos < h->time_nanos)
        h->time_nanos = s->time_nanos;
    h->duration_nanos = (int64_t)((uint64_t)h->duration_nanos + (uint64_t)s->duration_nanos);
    if (h->period == 0 || h->period < s->period)
        h->period = s->period;
    for (uint32_t i = 0; i < s->ncomments; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < h->ncomments && !seen; j++)
            seen = h->comments[j] == s->comments[i];
        if (!seen) {
            pd_xgrow((void **)&h->comments, &m->comments_cap, (size_t)h->ncomments + 1,
                     sizeof(uint32_t));
            h->comments[h->ncomments++] = s->comments[i];
        }
    }
    if (h->default_sample_type == 0) /* id 0 is "": the first non-empty */
        h->default_sample_type = s->default_sample_type;
    uint32_t nst = s->nsample_types;
    for (uint32_t i = 0; i < s->nsamples; i++) {
        const int64_t *v = s->values + (size_t)i * nst;
        if (!pd_sums_zero(v, nst))
            pd_sums_add(&m->sums, (pd_sum_key){0, s->stacks[i], s->labelsets[i]}, v);
    }
    return 0;
}

typedef struct ordered {
    uint32_t stack, lset, idx;
} ordered;

static int cmp_key(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->stack != y->stack)
        return x->stack < y->stack ? -1 : 1;
    return x->lset < y->lset ? -1 : x->lset > y->lset;
}

void pd_sum_finish(pd_sum *m, pd_stored *out)
{
    *out = m->h;
    memset(&m->h, 0, sizeof(m->h));
    const pd_sums *sums = &m->sums;
    size_t n = sums->nkeys;
    uint32_t nst = out->nsample_types;
    /* By stack id: the id column is then a run of small differences. */
    ordered *order = pd_xmalloc((n + 1) * sizeof(ordered));
    for (size_t i = 0; i < n; i++)
        order[i] = (ordered){sums->keys[i].stack, sums->keys[i].lset, (uint32_t)i};
    qsort(order, n, sizeof(ordered), cmp_key);
    out->nsamples = (uint32_t)n;
    out->stacks = pd_xmalloc((n + 1) * sizeof(uint32_t));
    out->labelsets = pd_xmalloc((n + 1) * sizeof(uint32_t));
    out->values = pd_xmalloc((n * nst + 1) * sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        out->stacks[i] = order[i].stack;
        out->labelsets[i] = order[i].lset;
        if (nst > 0)
            memcpy(&out->values[i * nst], &sums->vals[(size_t)order[i].idx * nst],
                   nst * sizeof(int64_t));
    }
    free(order);
    pd_sums_free(&m->sums);
    m->count = 0;
}
