/* Delta of two snapshots of a cumulative profile (allocs, block, mutex, the
 * alloc_* values of heap), so that stored profiles sum over time to "what
 * happened in that window". */
#include "pd_profile.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static bool same_str(const pd_profile *a, uint32_t i, const pd_profile *b, uint32_t j)
{
    return a->strings[i].len == b->strings[j].len &&
           memcmp(a->strings[i].ptr, b->strings[j].ptr, a->strings[i].len) == 0;
}

/* The main binary's mapping (pprof keeps it first) changing means another
 * process: a restart or a redeploy. */
static bool main_mapping_changed(const pd_profile *cur, const pd_profile *prev)
{
    if (cur->nmappings == 0 || prev->nmappings == 0)
        return cur->nmappings != prev->nmappings;
    const pd_mapping *a = &cur->mappings[0], *b = &prev->mappings[0];
    return a->start != b->start || a->limit != b->limit || !same_str(cur, a->file, prev, b->file) ||
           !same_str(cur, a->build_id, prev, b->build_id);
}

/* Clamps negative values of cumulative types to zero; true if some sample
 * became all zero (the profile then needs compacting). */
static bool clamp_negative(pd_profile *d, const bool *cumulative)
{
    bool zero_left = false;
    for (uint32_t k = 0; k < d->nsamples; k++) {
        bool zero = true;
        for (uint32_t i = 0; i < d->nsample_types; i++) {
            if (cumulative[i] && d->samples[k].values[i] < 0)
                d->samples[k].values[i] = 0;
            zero = zero && d->samples[k].values[i] == 0;
        }
        zero_left = zero_left || zero;
    }
    return zero_left;
}

int pd_profile_delta(const pd_profile *cur, const pd_profile *prev, const bool *cumulative,
                     pd_profile **out, bool *restarted, pd_err *err)
{
    *out = NULL;
    *restarted = false;
    int rc = pd_profile_compatible(cur, prev, err);
    if (rc < 0)
        return rc;
    uint32_t n = cur->nsample_types;
    int64_t *tc = pd_xcalloc(n + 1, sizeof(int64_t));
    int64_t *tp = pd_xcalloc(n + 1, sizeof(int64_t));
    int64_t *w_prev = pd_xcalloc(n + 1, sizeof(int64_t));
    pd_profile_totals(cur, tc);
    pd_profile_totals(prev, tp);
    bool restart = main_mapping_changed(cur, prev);
    for (uint32_t i = 0; i < n; i++) {
        if (cumulative[i] && tc[i] < tp[i])
            restart = true;
        w_prev[i] = cumulative[i] ? -1 : 0;
    }

    pd_profile *d = NULL;
    if (!restart) {
        pd_merger *m = pd_merger_new();
        rc = pd_merger_add(m, cur, NULL, err);
        uint32_t in_cur = pd_merger_sample_count(m);
        if (rc == 0)
            rc = pd_merger_add(m, prev, w_prev, err);
        /* A sample that only prev has, with cumulative values: Go never
         * forgets a stack of these profiles within one process. */
        if (rc == 0 && pd_merger_sample_count(m) > in_cur)
            restart = true;
        if (rc == 0 && !restart)
            rc = pd_merger_finish(m, &d, err);
        pd_merger_free(m);
    }
    if (rc == 0 && restart) {
        *restarted = true;
        rc = pd_profile_compact(cur, &d, err);
    } else if (rc == 0 && clamp_negative(d, cumulative)) {
        pd_profile *c = NULL;
        rc = pd_profile_compact(d, &c, err);
        pd_profile_free(d);
        d = c;
    }
    if (rc == 0 && !*restarted) {
        /* The delta covers the window between the two snapshots. */
        d->time_nanos = prev->time_nanos;
        d->duration_nanos = cur->time_nanos > prev->time_nanos
                                ? (int64_t)((uint64_t)cur->time_nanos - (uint64_t)prev->time_nanos)
                                : 0;
    }
    free(tc);
    free(tp);
    free(w_prev);
    if (rc < 0) {
        pd_profile_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
