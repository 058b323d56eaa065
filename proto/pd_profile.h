/* The in-memory pprof profile and its algebra.
 *
 * A pd_profile is the decoded form of one pprof message. References between
 * its tables are array indices, not the wire ids: a sample's `locs` index
 * `locations`, a line's `function` indexes `functions`, a location's
 * `mapping` is an index + 1 (0 = no mapping). Every string is an index into
 * `strings`; strings[0] is always "".
 *
 * Everything a profile points at belongs to it and goes with pd_profile_free.
 * The operations follow pprof's own (github.com/google/pprof/profile, as
 * vendored in Go 1.19) so that results equal `go tool pprof`'s; where a rule
 * is surprising, the function's comment says which pprof function it mirrors.
 * All functions here are pure computation: no I/O, no globals, thread-safe on
 * distinct profiles. */
#ifndef PD_PROFILE_H
#define PD_PROFILE_H

#include "pd_arena.h"
#include "pd_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_str {
    const char *ptr; /* not NUL-terminated in general */
    uint32_t len;
} pd_str;

typedef struct pd_value_type {
    uint32_t type; /* string index */
    uint32_t unit; /* string index */
} pd_value_type;

/* A string label has str != 0; otherwise it is numeric (num, unit). Labels
 * with str == 0, num == 0 and unit == 0 are never kept (pprof drops them). */
typedef struct pd_sample_label {
    uint32_t key;
    uint32_t str;
    uint32_t unit;
    int64_t num;
} pd_sample_label;

typedef struct pd_sample {
    uint32_t *locs;  /* leaf first */
    int64_t *values; /* one per sample type */
    pd_sample_label *labels;
    uint32_t nlocs;
    uint32_t nlabels;
} pd_sample;

typedef struct pd_mapping {
    uint64_t id;
    uint64_t start, limit, offset;
    uint32_t file, build_id;
    bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
} pd_mapping;

typedef struct pd_line {
    uint32_t function; /* index into functions */
    int64_t line;
} pd_line;

typedef struct pd_location {
    uint64_t id;
    uint64_t address;
    uint32_t mapping; /* index + 1; 0 = none */
    uint32_t nlines;
    pd_line *lines; /* innermost (inlined) first, caller last */
    bool is_folded;
} pd_location;

typedef struct pd_function {
    uint64_t id;
    uint32_t name, system_name, filename;
    int64_t start_line;
} pd_function;

typedef struct pd_profile {
    pd_str *strings; /* malloc'd so strings can be added (pd_profile_intern) */
    uint32_t nstrings;
    uint32_t strings_cap;

    pd_value_type *sample_types;
    uint32_t nsample_types;
    pd_sample *samples;
    uint32_t nsamples;
    pd_mapping *mappings;
    uint32_t nmappings;
    pd_location *locations;
    uint32_t nlocations;
    pd_function *functions;
    uint32_t nfunctions;
    uint32_t *comments;
    uint32_t ncomments;

    uint32_t drop_frames, keep_frames;
    int64_t time_nanos, duration_nanos;
    pd_value_type period_type;
    int64_t period;
    uint32_t default_sample_type;

    pd_arena arena;   /* the tables above (but `strings`) live here */
    uint8_t *backing; /* bytes strings may point into; owned, may be NULL */
} pd_profile;

/* --- lifecycle ----------------------------------------------------------- */

/* An empty profile with strings[0] = "". */
pd_profile *pd_profile_new(void);
void pd_profile_free(pd_profile *p);
/* Index of string s in p, adding it if absent. Linear in nstrings: for the
 * few strings an operation adds (labels), not for bulk building. */
uint32_t pd_profile_intern(pd_profile *p, const char *s, size_t len);
/* Equality of p's string i with the C string s. */
bool pd_profile_str_eq(const pd_profile *p, uint32_t i, const char *s);

/* --- decoding and encoding ----------------------------------------------- */

#define PD_PROFILE_DEFAULT_MAX_BYTES (64u * 1024 * 1024)

/* Decompresses gzip data (one or more members, as Go's gzip reader) into
 * *out (malloc'd, caller frees). Fails with -E2BIG as soon as the output would
 * pass max_out bytes, so a gzip bomb costs at most max_out of memory. */
int pd_gunzip(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
              pd_err *err);
/* Compresses into *out (malloc'd) as one gzip member. */
int pd_gzip(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *out_len);
bool pd_is_gzip(const uint8_t *data, size_t len);

/* Decodes a profile from gzip or raw protobuf bytes (detected by the gzip
 * magic) and validates it with the rules of Go's profile.Parse: string
 * table, index bounds, wire types, unique nonzero ids, resolvable references,
 * value counts. `max_bytes` caps the decompressed size (0 = the default). On
 * error, *out is NULL and err names what is wrong. */
int pd_profile_decode(const uint8_t *data, size_t len, size_t max_bytes, pd_profile **out,
                      pd_err *err);
/* Same, for bytes already decompressed. Takes ownership of `raw` (malloc'd)
 * in every case: the profile's strings point into it. */
int pd_profile_decode_owned(uint8_t *raw, size_t len, pd_profile **out, pd_err *err);

/* Encodes to the protobuf wire format (raw) or gzip: *out is malloc'd. The
 * output is what `go tool pprof` reads: string_table[0] = "", no empty labels,
 * sample labels as stored. */
int pd_profile_encode(const pd_profile *p, bool gzip, uint8_t **out, size_t *out_len, pd_err *err);

/* --- units (pprof's internal/measurement) --------------------------------- */

/* ScaleProfiles: converts every profile in place to the finest unit per
 * sample type and period type (e.g. microseconds and nanoseconds ->
 * nanoseconds), as `go tool pprof` does before a merge. Fails if types are not
 * compatible (different names, or units of different kinds). */
int pd_profiles_scale_units(pd_profile **ps, size_t n, pd_err *err);

/* --- the algebra ---------------------------------------------------------- */

/* Profile.ScaleN: multiplies each value of sample type i by ratios[i],
 * rounding to nearest, in place. As in pprof, a sample is kept only if some
 * value whose ratio is not 1 is nonzero after scaling; all-ones is a no-op. */
void pd_profile_scale_n(pd_profile *p, const double *ratios);
void pd_profile_scale(pd_profile *p, double ratio);

/* Profile.Normalize as in Go 1.19's pprof: scales `p` per sample type by
 * sum(base) / sum(p), so p's totals equal base's. */
int pd_profile_normalize(pd_profile *p, const pd_profile *base, pd_err *err);

/* Profile.SetLabel: every sample gets string label key = value, replacing
 * the values it had for that key. */
void pd_profile_set_label(pd_profile *p, const char *key, const char *value);

/* The compatibility check of pprof's merge: equal period type and sample
 * types (type and unit strings). */
int pd_profile_compatible(const pd_profile *a, const pd_profile *b, pd_err *err);

/* Merging. A merger is fed profiles one at a time and holds only the merged
 * result, never its inputs: memory is proportional to the output. It follows
 * profile.Merge exactly: header combination, dedup keys, first-seen order and
 * ids, zero samples dropped and the result compacted. */
typedef struct pd_merger pd_merger;

pd_merger *pd_merger_new(void);
void pd_merger_free(pd_merger *m);
/* Adds a profile (it is not retained). `weights`, if not NULL, multiplies
 * value i of every sample by weights[i] while it is added (delta uses -1/0). */
int pd_merger_add(pd_merger *m, const pd_profile *p, const int64_t *weights, pd_err *err);
/* True if p's period and sample types equal the merger's (no error text). */
bool pd_merger_same_types(const pd_merger *m, const pd_profile *p);
/* Distinct samples merged so far. */
uint32_t pd_merger_sample_count(const pd_merger *m);
/* The merged profile (caller frees); the merger is spent. Fails if nothing
 * was added. */
int pd_merger_finish(pd_merger *m, pd_profile **out, pd_err *err);

/* profile.Merge of an in-memory list (not retained). */
int pd_profile_merge(pd_profile *const *ps, size_t n, pd_profile **out, pd_err *err);
/* Merge of one profile: drops zero samples and unreferenced entries, renumbers. */
int pd_profile_compact(const pd_profile *p, pd_profile **out, pd_err *err);

/* What `go tool pprof -proto SOURCE...` does to its inputs: in chunks of 64,
 * scale units and merge; then fold each chunk into the total. `next` yields
 * decoded profiles one at a time (return 1 = one profile in *p, 0 = no more,
 * <0 = error with err set); the merge owns and frees each profile it gets.
 * At most one chunk of inputs is in memory at once. */
typedef int (*pd_profile_source)(void *ctx, pd_profile **p, pd_err *err);
int pd_profile_merge_stream(pd_profile_source next, void *ctx, pd_profile **out, pd_err *err);

/* Parallel loading for a merge: `load` produces input i (decoding it); up to
 * `threads` workers run it ahead of the consumer, at most `window` inputs
 * ahead. pd_prefetch_next has the pd_profile_source signature (ctx = the
 * pd_prefetch) and yields the inputs in order. `load` must be thread-safe.
 * Stop after use (also after an error): it joins the workers and frees
 * whatever was loaded and not taken. */
typedef int (*pd_profile_load_fn)(void *ctx, size_t i, pd_profile **p, pd_err *err);
typedef struct pd_prefetch pd_prefetch;
pd_prefetch *pd_prefetch_start(pd_profile_load_fn load, void *ctx, size_t n, unsigned threads,
                               size_t window);
int pd_prefetch_next(void *prefetch, pd_profile **p, pd_err *err);
void pd_prefetch_stop(pd_prefetch *pf);

typedef enum {
    PD_DIFF_BASE,      /* -base: base subtracted, equal stacks cancel */
    PD_DIFF_DIFF_BASE, /* -diff_base: base samples labelled pprof::base=true */
} pd_diff_mode;

/* The profile `go tool pprof -proto [-normalize] -base|-diff_base BASE
 * TARGET` builds. Consumes (frees) both inputs. */
int pd_profile_diff(pd_profile *base, pd_profile *target, pd_diff_mode mode, bool normalize,
                    pd_profile **out, pd_err *err);

/* The delta of two snapshots of a cumulative profile of one process:
 * cur - prev for each sample type whose `cumulative[i]` is true, cur's own
 * values for the others (gauges such as heap inuse_*). A process restart is
 * detected when the main mapping changed, a cumulative total went down, or a
 * stack that had cumulative values in prev is gone; then *restarted is set
 * and the result is cur itself (everything in it happened since the start).
 * Stacks whose delta rounds below zero (Go's sampled estimates can wobble)
 * are clamped to zero. Neither input is modified or consumed. */
int pd_profile_delta(const pd_profile *cur, const pd_profile *prev, const bool *cumulative,
                     pd_profile **out, bool *restarted, pd_err *err);

/* Sum of each sample type over all samples, into totals[nsample_types]. */
void pd_profile_totals(const pd_profile *p, int64_t *totals);

/* Index of the sample type named `name`, or of the default sample type
 * (default_sample_type, else the last one, as pprof) when name is NULL;
 * -1 if absent. */
int pd_profile_sample_type_index(const pd_profile *p, const char *name);

/* Versions of the libraries this module links (libdeflate, protobuf-c). */
const char *pd_proto_deflate_version(void);
const char *pd_proto_protobuf_c_version(void);

#endif
