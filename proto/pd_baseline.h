/* The baseline of a cumulative profile: what the delta of the next snapshot
 * of the same process needs from this one, and nothing more. Each sample
 * with a cumulative value is kept as a 64-bit hash of its identity (its
 * locations in full, as pprof's merge tells samples apart, and its labels
 * in any order) and its cumulative values as varints; with the snapshot's
 * time, its cumulative totals and what tells another process or another
 * kind of profile (the main mapping, the sample and period types). So a
 * series costs memory in proportion to its distinct stacks (about 15 bytes
 * each for heap), not to the size of the body it came in.
 *
 * A baseline is immutable once built and reference counted (atomically: a
 * capture may read it on a worker thread while the schedule replaces it). */
#ifndef PD_BASELINE_H
#define PD_BASELINE_H

#include "pd_profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_baseline pd_baseline;

/* The baseline of snapshot p, whose sample type i is cumulative where
 * cumulative[i] (one reference, the caller's). */
pd_baseline *pd_baseline_of(const pd_profile *p, const bool *cumulative);
/* A baseline of only p's time, for a target that subtracts itself
 * (godeltaprof): the next profile's window starts there. */
pd_baseline *pd_baseline_time_of(const pd_profile *p);
pd_baseline *pd_baseline_ref(pd_baseline *b);
/* Drops a reference; NULL is a no-op. */
void pd_baseline_unref(pd_baseline *b);

int64_t pd_baseline_time(const pd_baseline *b);
/* Bytes it holds (for the memory figures). */
size_t pd_baseline_bytes(const pd_baseline *b);

/* Whether cur has the period and sample types the baseline was built from
 * (pprof's merge compatibility). */
bool pd_baseline_fits(const pd_baseline *b, const pd_profile *cur);

/* pd_profile_delta against the baseline of prev (same `cumulative`): the
 * same result, the same restart rules. -EINVAL if the types differ. */
int pd_baseline_delta(const pd_profile *cur, const pd_baseline *prev, const bool *cumulative,
                      pd_profile **out, bool *restarted, pd_err *err);

#endif
