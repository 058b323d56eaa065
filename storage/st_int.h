/* storage/ internals shared by its .c files. sqlite3.h stays in the .c
 * files: the two SQLite types are declared opaquely here (the same typedefs
 * sqlite3.h makes, which C11 allows twice). */
#ifndef PD_ST_INT_H
#define PD_ST_INT_H

#include "pd_hash.h"
#include "pd_store.h"
#include "pd_stored.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

/* Every statement either connection runs, prepared on first use and kept on
 * the handle (SQL text in st_db.c). */
typedef enum {
    PD_ST_BEGIN_WRITE,
    PD_ST_BEGIN_READ,
    PD_ST_COMMIT,
    PD_ST_ROLLBACK,
    PD_ST_META_GET,
    PD_ST_META_SET,
    PD_ST_SERIES_BY_LABELS,
    PD_ST_SERIES_INSERT,
    PD_ST_SERIES_LABEL_INSERT,
    PD_ST_PROFILE_INSERT,
    PD_ST_PART_BY_KEY,
    PD_ST_PART_INSERT,
    PD_ST_PART_CHUNKS,
    PD_ST_PART_CHUNK_INSERT,
    PD_ST_PART_ADD,
    PD_ST_PART_GC,
    PD_ST_PART_GC_SYMBOLS,
    PD_ST_CONV_ROWS,
    PD_ST_CONV_UPDATE,
    PD_ST_RET_OLDEST,
    PD_ST_RET_DELETE,
    PD_ST_RET_SERIES_GC,
    PD_ST_COUNT_NV,
    PD_ST_LABELS_BY_NV,
    PD_ST_LABELS_ALL,
    PD_ST_PROFILES_IN,
    PD_ST_PROFILES_IN_DESC,
    PD_ST_HAS_PROFILE,
    PD_ST_GET,
    PD_ST_GET_DATA,
    PD_ST_SERIES_LABELS,
    PD_ST_COUNT_PROFILES,
    PD_ST_UP_INSERT,
    PD_ST_UP_FIRST_RAW,
    PD_ST_UP_FIRST,
    PD_ST_UP_SERIES_RAW,
    PD_ST_UP_SERIES,
    PD_ST_UP_ROWS_RAW,
    PD_ST_UP_ROWS,
    PD_ST_UP_IN,
    PD_ST_UP_GET_DATA,
    PD_ST_UP_RET_OLDEST,
    PD_ST_UP_RET_DELETE,
    PD_ST_UP_LATE_ADD,
    PD_ST_UP_LATE_LIST,
    PD_ST_UP_LATE_DONE,
    PD_ST_UP_MAX_ID,
    PD_ST_UP_BUCKET_PARTS,
    PD_ST_UP_BUCKET_DELETE,
    PD_ST_NSTMT
} pd_st_id;

typedef struct pd_st_db {
    sqlite3 *db;
    sqlite3_stmt *stmt[PD_ST_NSTMT];
} pd_st_db;

/* A symbol partition held in memory: its table and the last chunk loaded. */
typedef struct pd_st_part {
    int64_t id;
    pd_symtab *t;
    int64_t last_chunk;              /* rowid in symbols */
    bool touched;                    /* the open transaction added to it */
    int64_t new_profiles, new_bytes; /* what it added, for the counters */
} pd_st_part;

/* The partitions a connection holds, by key (the writer: the partition key;
 * readers: the id's bytes). Bounded: past a size it starts over. */
typedef struct pd_st_parts {
    pd_keymap map; /* key -> index into v */
    pd_st_part *v;
    size_t n, cap;
} pd_st_parts;

struct pd_store {
    pd_st_db d;
    /* canonical label string -> index into series_ids; only committed
     * series (reset on rollback and when retention deletes series) */
    pd_keymap cache;
    int64_t *series_ids;
    size_t nseries, capseries;
    int64_t total_bytes;  /* mirror of meta.total_bytes */
    pd_st_parts parts;    /* committed partitions, by key */
    bool converted_all;   /* no version-3 row is left */
    int64_t rollup_bytes; /* rollup bytes a compaction step added (from 0 each step) */
};

struct pd_store_reader {
    pd_st_db d;
    pd_st_parts parts; /* by id */
    bool held;         /* pd_store_read_begin began a transaction */
};

/* --- st_db.c: connections, statements, errors ---------------------------- */

/* Opens `path` with SQLITE_OPEN_NOMUTEX; `writer` opens read-write and
 * creates, else read-only with query_only. On error d->db is NULL. */
int pd_st_db_open(pd_st_db *d, const char *path, bool writer, pd_err *err);
void pd_st_db_close(pd_st_db *d);
/* *out (OUT, borrowed from the cache): statement `id`, reset, bindings
 * cleared. */
int pd_st_stmt(pd_st_db *d, pd_st_id id, sqlite3_stmt **out, pd_err *err);
/* *out (OUT): `sql` prepared, for statements not worth caching; the caller
 * finalizes it. */
int pd_st_prepare(pd_st_db *d, const char *sql, sqlite3_stmt **out, pd_err *err);
/* Maps a SQLite result code to a negative errno and writes
 * "<what>: <sqlite message>" into err. */
int pd_st_err(pd_st_db *d, int rc, const char *what, pd_err *err);
/* Steps a statement expected to finish without rows, then resets it. */
int pd_st_step_done(pd_st_db *d, sqlite3_stmt *st, const char *what, pd_err *err);
/* Runs the cached BEGIN/COMMIT/ROLLBACK statement. */
int pd_st_run(pd_st_db *d, pd_st_id id, pd_err *err);
int pd_st_exec(pd_st_db *d, const char *sql, pd_err *err);
/* Runs fn(d, arg, err) inside one write transaction: all of it, or (when
 * it fails, or the commit does) nothing. */
int pd_st_write_tx(pd_st_db *d, int (*fn)(pd_st_db *d, void *arg, pd_err *err), void *arg,
                   pd_err *err);
/* Resets every cached statement: no read lock outlives a public call. */
void pd_st_reset_all(pd_st_db *d);
/* A read transaction unless one is open; *began (OUT) says whether this
 * call began it (and pd_st_read_end must end it). */
int pd_st_read_begin(pd_st_db *d, bool *began, pd_err *err);
void pd_st_read_end(pd_st_db *d, bool began);
/* *val (OUT): the integer statement `id` answers for the text ?1 = key;
 * -ENOENT (err says "<what>: no <key>") when it has no row. */
int pd_st_lookup(pd_st_db *d, pd_st_id id, const char *key, int64_t *val, const char *what,
                 pd_err *err);
/* meta table access; *val (OUT); -ENOENT if the key is absent. */
int pd_st_meta_get(pd_st_db *d, const char *key, int64_t *val, pd_err *err);
int pd_st_meta_set(pd_st_db *d, const char *key, int64_t val, pd_err *err);

/* --- st_put.c --------------------------------------------------------- */

/* Forgets every cached series id (after a rollback or deleted series). */
void pd_st_cache_reset(pd_store *s);
/* Forgets the series ids and the partitions (after a rollback). */
void pd_st_forget(pd_store *s);
/* Ends the writer's transaction: commits if rc is 0, else (or if the
 * commit fails) rolls back and forgets the caches. Returns the outcome. */
int pd_st_write_end(pd_store *s, int rc, pd_err *err);

/* --- st_part.c: symbol partitions ---------------------------------------- */

void pd_st_parts_init(pd_st_parts *ps);
void pd_st_parts_free(pd_st_parts *ps);
/* Frees every table: the cache starts over, empty. */
void pd_st_parts_reset(pd_st_parts *ps);
/* The key of the partition a profile of job `job` (NULL: none) goes to:
 * the job and the main binary (first mapping's build id, else its file).
 * malloc'd. */
char *pd_st_part_key(const char *job, const pd_profile *p);
/* Writer: *out (OUT, borrowed until the cache starts over) the partition of
 * `key`, created if new, its table loaded. Inside the write transaction. */
int pd_st_part_writer(pd_store *s, const char *key, pd_st_part **out, pd_err *err);
/* Writer: saves what the touched partitions added (one chunk each) and
 * their counters (new_profiles, new_bytes plus the chunk). *bytes (OUT):
 * chunk bytes written. */
int pd_st_parts_save(pd_store *s, int64_t *bytes, pd_err *err);
/* Writer: adds n profiles and `bytes` to partition id's counters. */
int pd_st_part_count(pd_st_db *d, int64_t id, int64_t n, int64_t bytes, pd_err *err);
/* Writer: deletes partition id and its symbols if no profile is left;
 * *freed (OUT): its bytes, *gone (OUT): whether it went. */
int pd_st_part_gc(pd_st_db *d, int64_t id, int64_t *freed, bool *gone, pd_err *err);
/* Reader: *out (OUT, borrowed until the next call on r) the table of
 * partition id with every chunk the current snapshot holds. */
int pd_st_part_reader(pd_store_reader *r, int64_t id, const pd_symtab **out, pd_err *err);

/* --- st_rollup.c: rollups --------------------------------------------------- */

/* Floor and ceiling of t to a multiple of w (a bucket edge), clamped to the
 * int64 range instead of overflowing past it. */
static inline int64_t pd_st_floor(int64_t t, int64_t w)
{
    int64_t r = t % w;
    if (r == 0)
        return t;
    int64_t base = t - r;
    return r > 0 ? base : (base < INT64_MIN + w ? INT64_MIN : base - w);
}

static inline int64_t pd_st_ceil(int64_t t, int64_t w)
{
    int64_t r = t % w;
    if (r == 0)
        return t;
    int64_t base = t - r;
    return r > 0 ? (base > INT64_MAX - w ? INT64_MAX : base + w) : base;
}

/* How far each level's compaction got (index 1..PD_STORE_LEVELS). */
typedef struct pd_st_rollup_mark {
    int64_t done[PD_STORE_LEVELS + 1];   /* every bucket before this is done */
    int64_t series[PD_STORE_LEVELS + 1]; /* and in it, the series up to this id */
} pd_st_rollup_mark;

/* One rollup row to insert; pointers borrowed. */
typedef struct pd_st_rollup_row {
    int64_t series_id;
    int level;
    int64_t time_ns; /* its earliest profile's; the bucket follows */
    int64_t count, duration_ns;
    const char *sample_types, *default_type;
    const int64_t *totals;
    size_t ntotals;
    uint8_t *data; /* the stored form */
    size_t len;
    int64_t partition_id;
} pd_st_rollup_row;

int pd_st_rollup_progress(pd_st_db *d, pd_st_rollup_mark *m, pd_err *err);
/* True if `level` has done the bucket of time_ns for series_id: a profile
 * arriving there now must be added to the level as a row of its own. */
bool pd_st_rollup_has(const pd_st_rollup_mark *m, int level, int64_t time_ns, int64_t series_id);
/* Writer, in a transaction: notes that a late profile joined `level`'s
 * bucket of time_ns as a row of its own (compaction sums it in later). */
int pd_st_rollup_late(pd_store *s, int level, int64_t series_id, int64_t time_ns, pd_err *err);
/* Writer, in a transaction: inserts the row and counts it on its partition
 * and in s->rollup_bytes. */
int pd_st_rollup_insert(pd_store *s, const pd_st_rollup_row *row, pd_err *err);

/* --- st_schema.c ------------------------------------------------------- */

/* Writer: creates or migrates the schema. Reader: checks the version. */
int pd_st_schema_migrate(pd_st_db *d, pd_err *err);
int pd_st_schema_check(pd_st_db *d, pd_err *err);

/* --- st_labels.c: validation and encodings ------------------------------ */

/* Checks labels as pd_store_item requires; *type (OUT, borrowed) gets the
 * value of `type`. The message does not name the item (the caller adds). */
int pd_st_labels_check(const pd_store_label *ls, size_t n, const char **type, pd_err *err);
/* Returns {a="1",b="2"} with \\ \" \n escaped (malloc'd, caller frees). */
char *pd_st_labels_canonical(const pd_store_label *ls, size_t n);
/* Number of comma-separated entries ("" has 0). */
size_t pd_st_count_list(const char *s);
/* Totals as little-endian int64s: *blob (OUT, malloc'd) of n*8 bytes. */
uint8_t *pd_st_totals_encode(const int64_t *v, size_t n);
/* Decodes len bytes into out[0..len/8); returns the count. */
size_t pd_st_totals_decode(const uint8_t *blob, size_t len, int64_t *out);

/* --- st_select.c: series matching a query ------------------------------- */

typedef struct pd_st_series {
    int64_t id;
    char *canonical;
    pd_store_label *labels;
    size_t nlabels;
} pd_st_series;

typedef struct pd_st_series_set {
    pd_st_series *v; /* sorted by id */
    size_t n, cap;
    pd_arena mem; /* strings and label arrays */
} pd_st_series_set;

/* Fills set (OUT, initialized here, freed with pd_st_series_set_free) with
 * the series of q->type (if set) matching every matcher of q. Must run inside
 * a read transaction. */
int pd_st_select_series(pd_st_db *d, const pd_store_query *q, pd_st_series_set *set, pd_err *err);
void pd_st_series_set_free(pd_st_series_set *set);
/* Runs fn(d, q, set, ctx, err) over the series q selects, in one read
 * transaction (nothing when q's range is empty): the shape of every query
 * that starts from a selector. Returns fn's result or the error. */
typedef int (*pd_st_series_fn)(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set,
                               void *ctx, pd_err *err);
int pd_st_with_series(pd_st_db *d, const pd_store_query *q, pd_st_series_fn fn, void *ctx,
                      pd_err *err);
const pd_st_series *pd_st_series_find(const pd_st_series_set *set, int64_t id);

#endif
