/* The merge `go tool pprof -proto SOURCES...` performs, input by input.
 *
 * pprof fetches its sources in chunks of 64; each chunk is unit-scaled and
 * merged, and every chunk result is then merged into the running total
 * (driver/fetch.go chunkedGrab). Reproducing the chunking keeps results equal
 * even where pprof's merge is not associative (a zero time resets the
 * earliest time; units are reconciled per chunk), and it bounds memory: at
 * most one chunk of inputs plus the running total is ever held. */
#include "pd_profile.h"

#include <stdlib.h>
#include <string.h>

#define PPROF_CHUNK 64

static void free_all(pd_profile **ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pd_profile_free(ps[i]);
        ps[i] = NULL;
    }
}

/* scale units + merge, as pprof's combineProfiles. Consumes the inputs. */
static int combine(pd_profile **ps, size_t n, pd_profile **out, pd_err *err)
{
    int rc = pd_profiles_scale_units(ps, n, err);
    if (rc == 0)
        rc = pd_profile_merge(ps, n, out, err);
    free_all(ps, n);
    return rc;
}

/* An input that pprof's chunking cannot tell apart from a plain sequential
 * merge: no time_nanos of 0 (a zero resets pprof's "earliest time" fold, so
 * the fold is only associative without zeros), no negative value (so no
 * merged sample can sum to zero and trigger a compaction mid-way), and the
 * units of the merge so far (so there is nothing to scale). Real scraped
 * profiles are all like this. */
static bool plain_input(const pd_merger *total, const pd_profile *first, const pd_profile *p)
{
    if (p->time_nanos == 0)
        return false;
    for (uint32_t i = 0; i < p->nsamples; i++)
        for (uint32_t j = 0; j < p->nsample_types; j++)
            if (p->samples[i].values[j] < 0)
                return false;
    if (total != NULL)
        return pd_merger_same_types(total, p);
    return pd_profile_compatible(first, p, NULL) == 0;
}

/* Replaces *total by a merger holding `p` (consumed). Merging a merged
 * profile again reproduces it exactly, ids and order included. */
static int reseed(pd_merger **total, pd_profile *p, pd_err *err)
{
    pd_merger_free(*total);
    *total = pd_merger_new();
    int rc = pd_merger_add(*total, p, NULL, err);
    pd_profile_free(p);
    return rc;
}

int pd_profile_merge_stream(pd_profile_source next, void *ctx, pd_profile **out, pd_err *err)
{
    *out = NULL;
    pd_profile *chunk[PPROF_CHUNK] = {0};
    pd_merger *total = NULL;
    int rc = 0;
    for (;;) {
        size_t n = 0;
        while (n < PPROF_CHUNK) {
            rc = next(ctx, &chunk[n], err);
            if (rc <= 0)
                break;
            n++;
        }
        if (rc < 0 || n == 0) {
            free_all(chunk, n);
            break;
        }
        bool plain = true;
        for (size_t i = 0; i < n && plain; i++)
            plain = plain_input(total, chunk[0], chunk[i]);
        if (plain) {
            /* The common case: chunking changes nothing, merge straight
             * into the running total, no chunk result, no re-merge. */
            if (total == NULL)
                total = pd_merger_new();
            for (size_t i = 0; i < n && rc >= 0; i++)
                rc = pd_merger_add(total, chunk[i], NULL, err);
            free_all(chunk, n);
        } else {
            /* pprof's way exactly: merge the chunk, then total + chunk. */
            pd_profile *merged = NULL;
            rc = combine(chunk, n, &merged, err);
            if (rc >= 0 && total != NULL) {
                pd_profile *pair[2] = {NULL, merged};
                rc = pd_merger_finish(total, &pair[0], err);
                merged = NULL;
                if (rc >= 0)
                    rc = combine(pair, 2, &merged, err);
                else
                    free_all(pair, 2);
            }
            if (rc >= 0)
                rc = reseed(&total, merged, err);
        }
        if (rc < 0 || n < PPROF_CHUNK)
            break;
    }
    if (rc >= 0 && total == NULL)
        rc = pd_errf(err, -EINVAL, "no profiles to merge");
    if (rc >= 0)
        rc = pd_merger_finish(total, out, err);
    pd_merger_free(total);
    return rc < 0 ? rc : 0;
}
