/* The stored form of profiles: symbols and stacks once per partition,
 * each profile a small header plus sample columns.
 *
 * A symbol table (pd_symtab) is one partition's strings, mappings,
 * functions, locations, stack nodes and label sets. Each is interned once
 * and named by a dense id that never changes, so a profile stored against
 * the table is a list of stack ids, label-set ids and values. Stacks are a
 * parent-pointer tree: node n is (parent node, location), id index + 1;
 * a sample's stack id is its leaf's node, 0 the empty stack. Label set 0 is
 * the empty set.
 *
 * Tables only grow. The writer of a partition interns profiles into its
 * table and saves what was added since the last save as a chunk
 * (pd_symtab_chunk); a reader rebuilds the table by loading the chunks in
 * order (pd_symtab_load). A chunk can refer to anything earlier.
 *
 * A stored profile (pd_stored) is lossless: pd_symtab_unpack gives back
 * every sample with its stack of locations, lines, functions and mappings,
 * its labels (string and numeric with units) and values, in the original
 * order; the sample types, period, time, duration, comments, drop/keep
 * frames and the mapping list. Locations and functions are numbered by
 * first use, which is how Go numbers them, so a Go profile comes back with
 * its own ids.
 *
 * Pure computation; a table is used by one thread at a time. */
#ifndef PD_STORED_H
#define PD_STORED_H

#include "pd_err.h"
#include "pd_profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_symtab pd_symtab;

pd_symtab *pd_symtab_new(void);
void pd_symtab_free(pd_symtab *t);
/* Bytes of memory the table holds (for caches to bound themselves). */
size_t pd_symtab_mem(const pd_symtab *t);
/* Number of stack nodes (for measurements and tests). */
size_t pd_symtab_nodes(const pd_symtab *t);

/* Appends a chunk made by pd_symtab_chunk (compressed). Every reference is
 * checked: a chunk that refers past what the table holds fails with
 * -EINVAL and leaves the table as it was. */
int pd_symtab_load(pd_symtab *t, const uint8_t *chunk, size_t len, pd_err *err);

/* *out (OUT, malloc'd, caller frees): what was added since the last chunk
 * (or load), compressed; *len 0 and *out NULL when nothing was. The table
 * then counts it as saved. */
void pd_symtab_chunk(pd_symtab *t, uint8_t **out, size_t *len);

/* Forgets what was added since the last chunk or load (the transaction
 * that would have saved it failed). */
void pd_symtab_rollback(pd_symtab *t);

/* A profile stored against a symbol table. Ids refer to the table. */
typedef struct pd_stored {
    int64_t time_nanos, duration_nanos, period;
    uint32_t period_type[2]; /* type, unit: string ids */
    uint32_t nsample_types;
    uint32_t *sample_types; /* 2 per type: type, unit */
    uint32_t default_sample_type, drop_frames, keep_frames;
    uint32_t ncomments;
    uint32_t *comments;
    uint32_t nmappings;
    uint32_t *mappings; /* the profile's mapping list, in order (ids) */
    uint32_t nsamples;
    uint32_t *stacks;    /* per sample: leaf node id, 0 = empty */
    uint32_t *labelsets; /* per sample: label set id, 0 = none */
    int64_t *values;     /* nsamples * nsample_types, sample-major */
} pd_stored;

void pd_stored_free(pd_stored *s);
/* *d (OUT, freed with pd_stored_free) = s's header and mapping list, no
 * samples. d's old contents are not freed. */
void pd_stored_copy_header(pd_stored *d, const pd_stored *s);

/* Interns p into t and describes it in *out (OUT, freed with
 * pd_stored_free). p is not modified. */
void pd_symtab_add(pd_symtab *t, const pd_profile *p, pd_stored *out);

/* The stored profile as a compressed blob: *out (OUT, malloc'd). */
void pd_stored_encode(const pd_stored *s, uint8_t **out, size_t *len);
/* Decodes a blob of pd_stored_encode into *out (OUT, freed with
 * pd_stored_free). The blob is checked for shape (-EINVAL), not against a
 * table: pd_symtab_unpack checks the ids. max_samples caps what it may
 * allocate (0 = no cap) with -E2BIG. */
int pd_stored_decode(const uint8_t *blob, size_t len, size_t max_samples, pd_stored *out,
                     pd_err *err);

/* The profile s describes, rebuilt from t: *out (OUT, caller frees with
 * pd_profile_free). -EINVAL if s refers to ids t does not hold. */
int pd_symtab_unpack(const pd_symtab *t, const pd_stored *s, pd_profile **out, pd_err *err);

/* p's header and mapping list only, no samples: *out (OUT, caller frees). */
int pd_symtab_unpack_header(const pd_symtab *t, const pd_stored *s, pd_profile **out, pd_err *err);

/* Merging stored profiles on their ids (agg.c). Samples are summed by
 * (partition, stack id, label set id); symbols are resolved once, for the
 * sums. The result equals pd_profile_merge_stream over the same profiles
 * in the order added, ids and order included. */
typedef struct pd_agg pd_agg;

pd_agg *pd_agg_new(void);
void pd_agg_free(pd_agg *a);
/* Adds s, stored against table t of partition `part` (t is read during
 * the call only). -EAGAIN, with no error text, when s is not a plain sum
 * for pprof's merge (a time of 0, a negative value, sample or period types
 * unlike the first input's): the caller merges rebuilt profiles instead.
 * Other errors leave the aggregate unusable. */
int pd_agg_add(pd_agg *a, int64_t part, const pd_symtab *t, const pd_stored *s, pd_err *err);
/* Profiles added, and distinct keys summed so far. */
size_t pd_agg_profiles(const pd_agg *a);
size_t pd_agg_samples(const pd_agg *a);
/* The table of partition `part` again, for pd_agg_finish; NULL with err set
 * when it cannot be had. Only the table last returned is used. */
typedef const pd_symtab *(*pd_agg_table_fn)(void *ctx, int64_t part, pd_err *err);
/* The merged profile: *out (OUT, caller frees). The aggregate is spent. */
int pd_agg_finish(pd_agg *a, pd_agg_table_fn table, void *ctx, pd_profile **out, pd_err *err);

/* Stored profiles of one table summed into one, on ids alone (sum.c): a
 * rollup. Samples are summed per (stack, label set), zero ones dropped as
 * pprof's merge drops them, and come out by stack id; the header is merged
 * by pprof's rules (the earliest time, durations summed, the largest
 * period, each comment once in order, the first non-empty default sample
 * type; the first input's types, drop/keep frames and mapping list), so
 * merging the sum gives what merging the inputs gives. */
typedef struct pd_sum pd_sum;

pd_sum *pd_sum_new(void);
void pd_sum_free(pd_sum *m);
/* True if s has the first input's sample and period types (same ids). */
bool pd_sum_fits(const pd_sum *m, const pd_stored *s);
/* Adds s; -EINVAL if it does not fit. s is not kept. */
int pd_sum_add(pd_sum *m, const pd_stored *s, pd_err *err);
size_t pd_sum_count(const pd_sum *m);
/* The sum so far: *out (OUT, freed with pd_stored_free); m is then empty
 * and can start again. */
void pd_sum_finish(pd_sum *m, pd_stored *out);

/* Compression of stored blobs: the length, then raw deflate (gzip.c).
 * *out is malloc'd. Unpacking fails with -E2BIG past max_out bytes, -EINVAL
 * for anything but an intact blob. */
void pd_pack(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int pd_unpack(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
              pd_err *err);

#endif
