/* Delta of two snapshots of a cumulative profile (allocs, block, mutex, the
 * alloc_* values of heap), so that stored profiles sum over time to "what
 * happened in that window": the delta against prev's baseline, whose rules
 * are baseline.c's. */
#include "pd_baseline.h"

int pd_profile_delta(const pd_profile *cur, const pd_profile *prev, const bool *cumulative,
                     pd_profile **out, bool *restarted, pd_err *err)
{
    *out = NULL;
    *restarted = false;
    int rc = pd_profile_compatible(cur, prev, err);
    if (rc < 0)
        return rc;
    pd_baseline *b = pd_baseline_of(prev, cumulative);
    rc = pd_baseline_delta(cur, b, cumulative, out, restarted, err);
    pd_baseline_unref(b);
    return rc;
}
