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

int pd_profile_merge_stream(pd_profile_source next, void *ctx, pd_profile **out, pd_err *err)
{
    *out = NULL;
    pd_profile *chunk[PPROF_CHUNK] = {0};
    pd_profile *total = NULL;
    for (;;) {
        size_t n = 0;
        int rc = 0;
        while (n < PPROF_CHUNK) {
            rc = next(ctx, &chunk[n], err);
            if (rc <= 0)
                break;
            n++;
        }
        if (rc < 0) {
            free_all(chunk, n);
            pd_profile_free(total);
            return rc;
        }
        if (n == 0)
            break;
        pd_profile *merged = NULL;
        rc = combine(chunk, n, &merged, err);
        if (rc == 0 && total != NULL) {
            pd_profile *pair[2] = {total, merged};
            total = NULL;
            rc = combine(pair, 2, &total, err);
        } else if (rc == 0) {
            total = merged;
        }
        if (rc < 0) {
            pd_profile_free(total);
            return rc;
        }
        if (n < PPROF_CHUNK)
            break;
    }
    if (total == NULL)
        return pd_errf(err, -EINVAL, "no profiles to merge");
    *out = total;
    return 0;
}
