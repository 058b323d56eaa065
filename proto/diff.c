/* The diff profile of `go tool pprof -base/-diff_base` (driver/fetch.go
 * fetchProfiles): optional pprof::base label on the base, optional
 * normalization, the base negated, then a unit-scaled merge of target and
 * base, in that order. */
#include "pd_profile.h"

int pd_profile_diff(pd_profile *base, pd_profile *target, pd_diff_mode mode, bool normalize,
                    pd_profile **out, pd_err *err)
{
    *out = NULL;
    int rc = 0;
    if (mode == PD_DIFF_DIFF_BASE)
        pd_profile_set_label(base, "pprof::base", "true");
    if (normalize)
        rc = pd_profile_normalize(target, base, err);
    if (rc == 0) {
        pd_profile_scale(base, -1);
        pd_profile *pair[2] = {target, base};
        rc = pd_profiles_scale_units(pair, 2, err);
        if (rc == 0)
            rc = pd_profile_merge(pair, 2, out, err);
    }
    pd_profile_free(base);
    pd_profile_free(target);
    return rc;
}
