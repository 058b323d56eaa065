#include "pd_schedule.h"

int64_t pd_sched_offset(uint64_t seed, int64_t interval_ms)
{
    if (interval_ms <= 0)
        return 0;
    /* Mix first: label hashes of similar targets differ in few bits. */
    seed ^= seed >> 33;
    seed *= 0xff51afd7ed558ccdULL;
    seed ^= seed >> 33;
    return (int64_t)(seed % (uint64_t)interval_ms);
}

int64_t pd_sched_first_due(int64_t now_mono_ms, int64_t now_wall_ms, int64_t offset_ms,
                           int64_t interval_ms)
{
    if (interval_ms <= 0)
        return now_mono_ms;
    int64_t phase = now_wall_ms % interval_ms;
    if (phase < 0)
        phase += interval_ms;
    int64_t wait = offset_ms - phase;
    if (wait < 0)
        wait += interval_ms;
    return now_mono_ms + wait;
}

int64_t pd_sched_next_due(int64_t due_ms, int64_t interval_ms, int64_t now_ms, uint64_t *skipped)
{
    if (interval_ms <= 0)
        return now_ms;
    int64_t next = due_ms + interval_ms;
    if (next <= now_ms) {
        int64_t missed = (now_ms - next) / interval_ms + 1;
        next += missed * interval_ms;
        if (skipped != 0)
            *skipped += (uint64_t)missed;
    }
    return next;
}

int64_t pd_sched_backoff(int failures, int64_t interval_ms)
{
    int64_t b = 1000;
    for (int i = 1; i < failures && b < interval_ms; i++)
        b *= 2;
    return b < interval_ms ? b : interval_ms;
}
