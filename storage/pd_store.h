/* Profile storage: one SQLite file in WAL mode holding series (a label set
 * that includes `type`), their labels, and the profiles themselves.
 *
 * Connections. One writer (pd_store) and any number of readers
 * (pd_store_reader), each its own SQLite connection opened with
 * SQLITE_OPEN_NOMUTEX: a handle must be used by one thread at a time, but
 * different handles may be used on different threads at once. WAL lets
 * readers run beside the writer: a reader never waits for a writer's
 * transaction and sees every commit made before its current statement began.
 *
 * Errors: functions return 0 or a negative errno (-EINVAL bad input, -ENOENT
 * absent, -EBUSY lock timeout, -ENOSPC disk full, -EIO other SQLite errors,
 * -ENOTSUP a database from a newer pprofd) and, when `err` is not NULL, one
 * line naming the cause. */
#ifndef PD_STORE_H
#define PD_STORE_H

#include "pd_err.h"
#include "pd_profile.h"
#include "pd_stored.h"
#include "pd_regex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema version this code writes and reads. Version 3 kept each
 * profile as gzip pprof; opening one converts it to 4 (the schema at once,
 * the rows in steps: pd_store_convert_step). */
#define PD_STORE_SCHEMA_VERSION 5
/* Rollup levels: sums of a series' profiles per bucket of 5 minutes (level
 * 1), 1 hour (2) and 1 day (3), built in the background from the level
 * below (pd_store_compact_step). Level 0 is the raw profiles. */
#define PD_STORE_LEVELS 3
#define PD_STORE_LEVEL_NS(level)                                                                   \
    ((level) == 1   ? INT64_C(300000000000)                                                        \
     : (level) == 2 ? INT64_C(3600000000000)                                                       \
     : (level) == 3 ? INT64_C(86400000000000)                                                      \
                    : INT64_C(0))
/* Caps on what one series may carry. */
#define PD_STORE_MAX_LABELS 64
#define PD_STORE_MAX_LABEL_VALUE 4096

typedef struct pd_store pd_store;
typedef struct pd_store_reader pd_store_reader;

typedef struct pd_store_label {
    const char *name;
    const char *value;
} pd_store_label;

/* One profile to store. Every pointer is borrowed for the call. */
typedef struct pd_store_item {
    const pd_store_label *labels; /* sorted by name, unique, valid names
                                     ([a-zA-Z_][a-zA-Z0-9_]*), non-empty
                                     values, one of them `type` */
    size_t nlabels;
    int64_t time_ns;                 /* unix nanoseconds of the capture */
    int64_t duration_ns;             /* 0 for snapshots */
    const char *sample_types;        /* "samples/count,cpu/nanoseconds" */
    const char *default_sample_type; /* "cpu", or "" / NULL if none */
    const int64_t *totals;           /* one per sample type */
    size_t ntotals;
    const pd_profile *profile; /* stored in its stored form (pd_stored.h):
                                  symbols and stacks in the partition of its
                                  job and main binary, samples as columns */
} pd_store_item;

/* A profile ready to store that owns its memory (pd_store_profile_free):
 * what the batched writer (pd_writer.h) takes and a pd_store_item borrows. */
typedef struct pd_store_profile {
    pd_profile *profile;
    char sample_types[256]; /* "samples/count,cpu/nanoseconds" */
    char default_type[64];
    int64_t *totals; /* one per sample type (malloc'd) */
    size_t ntotals;
    int64_t time_ns, duration_ns;
} pd_store_profile;

/* Frees what p owns and leaves it empty; p itself is the caller's. */
void pd_store_profile_free(pd_store_profile *p);

/* What a reader reports about a stored profile. In a pd_store_find callback
 * every pointer is borrowed and valid only during the call; from
 * pd_store_get they live until pd_store_meta_release. */
typedef struct pd_store_meta {
    int64_t id;
    int64_t series_id;
    const char *series; /* canonical labels: {job="api",type="cpu"} */
    const pd_store_label *labels;
    size_t nlabels;
    int64_t time_ns;
    int64_t duration_ns;
    int64_t size; /* bytes stored for the profile (its columns) */
    const char *sample_types;
    const char *default_sample_type; /* "" if none */
    const int64_t *totals;
    size_t ntotals;
    int level;     /* 0: a profile; 1..PD_STORE_LEVELS: a rollup (pd_store_plan) */
    int64_t count; /* profiles it holds: 1, or a rollup's count */
    void *owned;   /* internal: memory behind the pointers (pd_store_get) */
} pd_store_meta;

/* --- writer ----------------------------------------------------------- */

/* Opens or creates the database at `path` (creating its parent directory),
 * switches it to WAL and brings the schema to PD_STORE_SCHEMA_VERSION. A
 * database written by a newer pprofd is refused with -ENOTSUP.
 * *out (OUT) receives the handle, which the caller closes with
 * pd_store_close; on error *out is NULL. */
int pd_store_open(const char *path, pd_store **out, pd_err *err);
/* Closes the handle (NULL is a no-op). Nothing uncommitted exists: every
 * call that returned 0 has committed. */
void pd_store_close(pd_store *s);

/* Stores items[0..n) in one transaction: all of them or none. Series are
 * found or created by their canonical label string. An invalid item fails
 * the batch with -EINVAL naming the item ("item 3: label "1x": invalid
 * name"). ids_out (OUT, may be NULL) receives the n new profile ids. */
int pd_store_put(pd_store *s, const pd_store_item *items, size_t n, int64_t *ids_out, pd_err *err);

/* One small retention step, in one short transaction: deletes up to `batch`
 * of the oldest profiles that are older than `older_than_ns` (time_ns <
 * older_than_ns; 0 = no age limit) or, when max_bytes > 0, while the stored
 * data exceeds max_bytes; then removes the series left without profiles.
 * *deleted (OUT) receives how many profiles went; call again while it is
 * `batch`. */
int pd_store_retention_step(pd_store *s, int64_t older_than_ns, int64_t max_bytes, size_t batch,
                            size_t *deleted, pd_err *err);

/* pd_store_retention_step with an age per resolution: older_than_ns[0]
 * for profiles, [level] for rollups of that level (0 = no age limit). A
 * resolution goes for age only where the next coarser one has been built;
 * past max_bytes (which counts everything), the finest resolution that has
 * anything left goes first, oldest first. */
int pd_store_retention_levels(pd_store *s, const int64_t *older_than_ns, int64_t max_bytes,
                              size_t batch, size_t *deleted, pd_err *err);

/* One step of converting rows a schema-3 file kept as gzip pprof into the
 * stored form, in one short transaction: up to `batch` rows, oldest id
 * first. *left (OUT) receives at most how many rows are still to convert (0: done;
 * then the call is a cheap no-op). A row that no longer decodes stays as it
 * was (it is read as before). Resumable: a crash loses at most the step. */
int pd_store_convert_step(pd_store *s, size_t batch, size_t *converted, int64_t *left, pd_err *err);

/* One small step of building rollups, in one short transaction: each level
 * sums the one below for buckets that can no longer change (raw buckets two
 * minutes after their end, as of now_ns), series by series, until about
 * `budget` rows were read. *more (OUT): work was left ready, call again.
 * done (OUT, may be NULL; PD_STORE_LEVELS + 1 entries, [0] unused): per
 * level, the time before which every bucket is rolled up after the step, 0
 * before the level's first step. Resumable: a crash loses at most the step. */
int pd_store_compact_step(pd_store *s, int64_t now_ns, size_t budget, bool *more, int64_t *done,
                          pd_err *err);

/* *data_bytes (OUT): the sum of stored profile and symbol sizes, kept as a
 * running total; *file_bytes (OUT, may be NULL): page_count * page_size. */
int pd_store_size(pd_store *s, int64_t *data_bytes, int64_t *file_bytes, pd_err *err);

/* --- registered targets -------------------------------------------------- */

/* A target registered over the API. Every pointer is borrowed: for the call
 * when given, during the callback when listed. */
typedef struct pd_store_target {
    int64_t id;
    const char *job;
    const char *address;          /* host:port */
    const pd_store_label *labels; /* valid names, unique, non-empty values */
    size_t nlabels;
    const char *profiles;       /* "cpu,heap"; "" = the job's */
    int64_t scrape_interval_ms; /* 0 = the job's */
} pd_store_target;

/* Inserts t (t->id is ignored); *id (OUT) receives the new id. -EEXIST if
 * the same (job, address) is registered, -EINVAL for a bad label. */
int pd_store_target_insert(pd_store *s, const pd_store_target *t, int64_t *id, pd_err *err);
/* Replaces everything about target t->id but its job and address.
 * -ENOENT if there is no such target. */
int pd_store_target_update(pd_store *s, const pd_store_target *t, pd_err *err);
/* -ENOENT if there is no such target. */
int pd_store_target_delete(pd_store *s, int64_t id, pd_err *err);

typedef int (*pd_store_target_cb)(void *ctx, const pd_store_target *t);

/* --- finished captures ---------------------------------------------------- */

/* Stores (or replaces) capture `id` with its answer `doc` (JSON, opaque
 * here), then drops all but the newest `keep` captures (ids grow with
 * time). -EINVAL for an id <= 0, an empty doc or keep 0. */
int pd_store_capture_put(pd_store *s, int64_t id, int64_t created_ns, const char *doc, size_t keep,
                         pd_err *err);

/* Borrowed for the call. A non-zero return stops the iteration. */
typedef int (*pd_store_capture_cb)(void *ctx, int64_t id, int64_t created_ns, const char *doc);

/* --- readers ---------------------------------------------------------- */

/* Opens a read-only (query_only) connection to an existing database made
 * by pd_store_open. *out (OUT) is closed with pd_store_reader_close. */
int pd_store_reader_open(const char *path, pd_store_reader **out, pd_err *err);
void pd_store_reader_close(pd_store_reader *r);

typedef enum { PD_MATCH_EQ, PD_MATCH_NEQ, PD_MATCH_RE, PD_MATCH_NRE } pd_match_op;

/* A Prometheus label matcher. As in Prometheus, an absent label matches as
 * the empty string. For RE/NRE `re` is compiled by the caller (pd_regex
 * matches are anchored) and borrowed for the call; `value` is then unused. */
typedef struct pd_store_matcher {
    const char *name;
    pd_match_op op;
    const char *value;
    const pd_regex *re;
} pd_store_matcher;

typedef struct pd_store_query {
    const char *type; /* NULL: every type */
    const pd_store_matcher *matchers;
    size_t nmatchers;
    int64_t from_ns;   /* inclusive */
    int64_t to_ns;     /* inclusive */
    size_t limit;      /* pd_store_find only; 0 = unlimited */
    bool newest_first; /* pd_store_find only: time order reversed */
} pd_store_query;

/* Returns non-zero to stop the iteration (not an error). */
typedef int (*pd_store_meta_cb)(void *ctx, const pd_store_meta *meta);
typedef int (*pd_store_string_cb)(void *ctx, const char *s);

/* Calls cb for every profile of q->type (any type if NULL) whose series
 * matches every matcher and whose time is in [from_ns, to_ns], in time
 * order (then id; both reversed with newest_first), at most q->limit of
 * them. Runs in one read transaction (a consistent snapshot).
 * cb may call pd_store_get on the same reader (it reads the same snapshot),
 * but not pd_store_find or the label functions. */
int pd_store_find(pd_store_reader *r, const pd_store_query *q, pd_store_meta_cb cb, void *ctx,
                  pd_err *err);

/* Like pd_store_find (no limit, time order), but with the coarsest rows
 * that hold the same profiles: a rollup of a level wherever one of its
 * buckets lies inside [from_ns, to_ns] and is done, the raw profiles
 * elsewhere (meta->level and meta->count say which). With step_ns > 0, no
 * row spans a boundary from_ns + k * step_ns. Rows come in time order per
 * span, spans in time order; a rollup's time is its earliest profile's. */
int pd_store_plan(pd_store_reader *r, const pd_store_query *q, int64_t step_ns, pd_store_meta_cb cb,
                  void *ctx, pd_err *err);

/* The profile `id` as gzip pprof: *data (OUT, malloc'd, caller frees) and
 * *len (OUT); meta (OUT, may be NULL) is released with
 * pd_store_meta_release. -ENOENT if there is no such profile. */
int pd_store_get(pd_store_reader *r, int64_t id, uint8_t **data, size_t *len, pd_store_meta *meta,
                 pd_err *err);
/* The profile `id` decoded: *out (OUT, caller frees with pd_profile_free).
 * -ENOENT if there is no such profile. */
int pd_store_load(pd_store_reader *r, int64_t id, pd_profile **out, pd_err *err);
/* Rollup `id` (of any level) as the profile it sums to: *out (OUT, caller
 * frees). -ENOENT if there is no such rollup. */
int pd_store_load_rollup(pd_store_reader *r, int64_t id, pd_profile **out, pd_err *err);
void pd_store_meta_release(pd_store_meta *meta);

/* Merging on ids (pd_agg, pd_stored.h): adds the stack ids and values of
 * profile `id` (level 0) or rollup `id` of `level` to a, reading no symbols but its header's.
 * -ENOENT if there is no such profile; -EAGAIN (no error text) if it cannot be summed on ids (a row
 * of schema 3, or not a plain input: see pd_agg_add), and then the caller merges pd_store_load's
 * profiles instead. */
int pd_store_agg_add(pd_store_reader *r, int level, int64_t id, pd_agg *a, pd_err *err);
/* Holds one read transaction (a consistent snapshot) across the calls
 * made on r until pd_store_read_end, instead of one per call: for a query
 * that reads many rows one by one. Not nested. */
int pd_store_read_begin(pd_store_reader *r, pd_err *err);
void pd_store_read_end(pd_store_reader *r);
/* pd_agg_finish with the tables of this reader: *out (OUT, caller frees). */
int pd_store_agg_finish(pd_store_reader *r, pd_agg *a, pd_profile **out, pd_err *err);

/* Distinct label names (or values of label `name`), sorted (strcmp), over
 * the series that match q (type and matchers optional) and have at least one
 * profile in [from_ns, to_ns]. */
int pd_store_label_names(pd_store_reader *r, const pd_store_query *q, pd_store_string_cb cb,
                         void *ctx, pd_err *err);
int pd_store_label_values(pd_store_reader *r, const char *name, const pd_store_query *q,
                          pd_store_string_cb cb, void *ctx, pd_err *err);

/* Calls cb for every registered target, by id, labels sorted by name. A
 * non-zero return of cb stops the iteration. */
int pd_store_targets_list(pd_store_reader *r, pd_store_target_cb cb, void *ctx, pd_err *err);

/* Calls cb for the newest `limit` captures (0 = all), oldest first. */
int pd_store_captures_list(pd_store_reader *r, size_t limit, pd_store_capture_cb cb, void *ctx,
                           pd_err *err);

/* *n (OUT): the number of stored profiles. */
int pd_store_count(pd_store_reader *r, int64_t *n, pd_err *err);
/* Runs PRAGMA integrity_check: 0 if "ok", else -EIO with its first line. */
int pd_store_integrity_check(pd_store_reader *r, pd_err *err);

#endif
