/* When scrapes are due: pure arithmetic, no clock reads, so it is tested
 * without waiting.
 *
 * A (target, profile) pair is due at offset + k * interval of the wall
 * clock, where the offset is a stable hash of the target's labels and the
 * profile (Prometheus spreads targets the same way): a fleet is spread
 * evenly over the interval and a restarted daemon scrapes at the same phase.
 * The phase is read from the wall clock once; after that the schedule runs
 * on the monotonic clock, so a wall-clock jump neither doubles nor skips a
 * scrape. */
#ifndef PD_SCHEDULE_H
#define PD_SCHEDULE_H

#include <stdint.h>

/* The phase in [0, interval_ms) for this seed (a hash of the labels). */
int64_t pd_sched_offset(uint64_t seed, int64_t interval_ms);

/* The first due time on the monotonic clock (same unit as now_mono_ms) at
 * which the wall clock will read offset + k * interval. */
int64_t pd_sched_first_due(int64_t now_mono_ms, int64_t now_wall_ms, int64_t offset_ms,
                           int64_t interval_ms);

/* The next due time after `due_ms` that is later than now: ticks that were
 * already missed are skipped and counted in *skipped (may be NULL). */
int64_t pd_sched_next_due(int64_t due_ms, int64_t interval_ms, int64_t now_ms, uint64_t *skipped);

/* Back-off after `failures` consecutive failures (>= 1): 1 s, 2 s, 4 s ...
 * capped at the interval. */
int64_t pd_sched_backoff(int failures, int64_t interval_ms);

#endif
