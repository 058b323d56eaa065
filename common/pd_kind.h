/* How a profile's values behave over time, and the one rule every module
 * (config, ingest, the query's averaging) reads it by.
 *
 * Go records its seven profiles in three ways (runtime/pprof): cpu counts
 * what happened in a window; block, mutex and threadcreate count since the
 * process started; goroutine is a snapshot; heap and allocs mix both, their
 * alloc_* values counting since start and their inuse_* values a snapshot.
 * Counts since start are stored as deltas between scrapes; snapshots are
 * averaged over time and per series before they are summed. */
#ifndef PD_KIND_H
#define PD_KIND_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    PD_PROFILE_WINDOW,     /* cpu: values of the capture window; sum over time */
    PD_PROFILE_CUMULATIVE, /* block-like: since process start; stored as deltas */
    PD_PROFILE_GAUGE,      /* goroutine: a snapshot */
    PD_PROFILE_MIXED,      /* heap, allocs: alloc_* cumulative, inuse_* gauge */
} pd_profile_kind;

/* The kind of Go's profile `name` (cpu, heap, ...): true and *kind (OUT),
 * or false for a name Go does not have. */
bool pd_kind_of_go(const char *name, pd_profile_kind *kind);
/* The kind a stored profile of type `name` is read as: Go's, else window
 * (a custom profile's values are summed). */
pd_profile_kind pd_kind_of_type(const char *name);
/* "window", "cumulative", "gauge", "mixed". */
const char *pd_kind_name(pd_profile_kind kind);

/* Whether some values of the kind count since the process started, so a
 * scrape is kept as the baseline of the next delta. */
bool pd_kind_has_cumulative(pd_profile_kind kind);
/* Whether some values of the kind are snapshots. */
bool pd_kind_has_gauges(pd_profile_kind kind);
/* Whether sample type name[0..len) of a profile of this kind counts since
 * the process started; whether it is a snapshot. Never both. */
bool pd_kind_sample_cumulative(pd_profile_kind kind, const char *name, size_t len);
bool pd_kind_sample_gauge(pd_profile_kind kind, const char *name, size_t len);

#endif
