/* The ingest pipeline from fetched or pushed bytes to a storable profile:
 * decode, validate, delta for cumulative profiles (the writer takes the
 * decoded result and stores it in the stored form); and the rule of
 * what a pushed profile's series may be. Pure computation, no I/O and no
 * loop: the daemon runs it on a worker thread, the caller owns both
 * snapshots and stores the result. */
#ifndef PD_INGEST_H
#define PD_INGEST_H

#include "pd_baseline.h"
#include "pd_err.h"
#include "pd_kind.h"
#include "pd_labels.h"
#include "pd_store.h"
#include "pd_workq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_ingest_in {
    const uint8_t *body; /* as received: gzip or raw protobuf */
    size_t len;
    size_t max_bytes; /* decompressed cap */
    pd_profile_kind kind;
    const pd_baseline *prev; /* of the previous snapshot of the same target and type, or NULL */
    bool server_delta;       /* the target sends deltas itself (godeltaprof): none is taken */
    /* A scrape's start on the daemon's clock, or 0 (push, import: the
     * profile's own time is kept). A scraped profile whose time is further
     * from it than PD_INGEST_MAX_SKEW_NS (a target's clock gone wrong, or
     * no time at all) is stored at this time instead. */
    int64_t clock_ns;
} pd_ingest_in;

/* A target's clock may differ from the daemon's by this much before its
 * profile times are replaced: well inside the rollups' 2 minute horizon,
 * so a skewed target cannot make every profile of its series late. */
#define PD_INGEST_MAX_SKEW_NS (60 * (int64_t)1000000000)

typedef struct pd_ingest_out {
    bool store;      /* false: a first snapshot of a cumulative profile, kept as baseline only */
    bool restarted;  /* the target restarted since the previous snapshot */
    int64_t skew_ns; /* profile time - clock_ns, when it was replaced; else 0 */
    uint32_t nsamples;
    pd_store_profile p;    /* to store (also described when not stored); freed by
                              pd_ingest_out_free unless taken by the writer */
    pd_baseline *baseline; /* a cumulative profile's, for the next delta; freed by
                              pd_ingest_out_free unless taken (set to NULL) */
} pd_ingest_out;

/* How many ingests should run at once on the thread pool: decoding is
 * CPU-bound, so one per core (at least 2). */
size_t pd_ingest_threads(void);

/* pd_ingest on q's pool threads, then done(arg, ...) on the loop with the
 * result (out is the callee's to take from; freed after the call). in's
 * buffers are borrowed until done. (in_async.c) */
typedef void (*pd_ingest_done_fn)(void *arg, int rc, pd_ingest_out *out, const pd_err *err);
void pd_ingest_submit(pd_workq *q, const pd_ingest_in *in, pd_ingest_done_fn done, void *arg);

/* On error nothing is allocated in *out and err names the problem. */
int pd_ingest(const pd_ingest_in *in, pd_ingest_out *out, pd_err *err);
void pd_ingest_out_free(pd_ingest_out *out);

/* The series of a pushed profile of type `type` with labels names[i] =
 * values[i] as sent (job among them): each name valid and not reserved
 * (__*), each value 1 to PD_STORE_MAX_LABEL_VALUE bytes of UTF-8, none
 * twice; then the external labels where absent, and `type`. -EINVAL with
 * err naming the label; *series (OUT, initialized by the caller) holds the
 * labels either way. */
int pd_ingest_push_series(const char *type, const char *const *names, const char *const *values,
                          size_t n, const pd_labels *external, pd_labels *series, pd_err *err);

#endif
