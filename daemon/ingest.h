/* The ingest pipeline of one scraped body: decode, validate, delta for
 * cumulative profiles, encode. Pure computation on a worker thread; the
 * caller owns both snapshots and stores the result. */
#ifndef PD_INGEST_H
#define PD_INGEST_H

#include "pd_config.h"
#include "pd_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_ingest_in {
    const uint8_t *body; /* as received: gzip or raw protobuf */
    size_t len;
    size_t max_bytes; /* decompressed cap */
    pd_profile_kind kind;
    const uint8_t *prev; /* the previous body of the same target and type, or NULL */
    size_t prev_len;
} pd_ingest_in;

typedef struct pd_ingest_out {
    bool store;     /* false: a first snapshot of a cumulative profile, kept as baseline only */
    bool restarted; /* the target restarted since the previous snapshot */
    uint8_t *data;  /* gzip pprof to store (malloc'd, caller frees via pd_ingest_out_free) */
    size_t len;
    char sample_types[256]; /* "samples/count,cpu/nanoseconds" */
    char default_type[64];
    int64_t *totals; /* one per sample type (malloc'd) */
    size_t ntotals;
    int64_t time_ns, duration_ns;
    uint32_t nsamples;
} pd_ingest_out;

/* On error nothing is allocated in *out and err names the problem. */
int pd_ingest(const pd_ingest_in *in, pd_ingest_out *out, pd_err *err);
void pd_ingest_out_free(pd_ingest_out *out);

#endif
