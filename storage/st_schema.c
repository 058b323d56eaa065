/* The schema and its migrations. meta.schema_version says which version a
 * file holds; migrations[v] takes a file from version v to v + 1, so version
 * 0 (an empty file) runs them all. A file from a newer pprofd is refused. */
#include "st_int.h"

#include <sqlite3.h>

#include <inttypes.h>

/* 'pprd': marks the file as ours, so a stranger's SQLite file is refused. */
#define APPLICATION_ID 0x70707264

static const char *const migrations[PD_STORE_SCHEMA_VERSION] = {
    /* 0 -> 1 */
    "PRAGMA application_id = 1886417508;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta(key, value) VALUES ('total_bytes', 0);"
    /* a series is a label set; `labels` is its canonical string */
    "CREATE TABLE series ("
    " id INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL,"
    " labels TEXT NOT NULL UNIQUE);"
    "CREATE TABLE series_labels ("
    " series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (series_id, name)) WITHOUT ROWID;"
    "CREATE INDEX series_labels_name_value ON series_labels(name, value);"
    /* AUTOINCREMENT: ids are handed to API users and never reused */
    "CREATE TABLE profiles ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " series_id INTEGER NOT NULL REFERENCES series(id),"
    " time_ns INTEGER NOT NULL,"
    " duration_ns INTEGER NOT NULL,"
    " sample_types TEXT NOT NULL,"        /* "samples/count,cpu/nanoseconds" */
    " default_sample_type TEXT NOT NULL," /* "" if none */
    " totals BLOB NOT NULL,"              /* little-endian int64 per sample type */
    " size INTEGER NOT NULL,"             /* length(data) */
    " data BLOB NOT NULL);"               /* the compressed pprof; last, so
                                             metadata reads skip its pages */
    "CREATE INDEX profiles_series_time ON profiles(series_id, time_ns);"
    "CREATE INDEX profiles_time ON profiles(time_ns);",
    /* 1 -> 2: targets registered over the API, kept across restarts */
    "CREATE TABLE targets ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT," /* handed to API users, never reused */
    " job TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " profiles TEXT NOT NULL,"              /* "cpu,heap"; "" = the job's */
    " scrape_interval_ms INTEGER NOT NULL," /* 0 = the job's */
    " created_ns INTEGER NOT NULL,"
    " updated_ns INTEGER NOT NULL,"
    " UNIQUE (job, address));"
    "CREATE TABLE target_labels ("
    " target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (target_id, name)) WITHOUT ROWID;",
    /* 2 -> 3: finished captures, answered again after a restart */
    "CREATE TABLE captures ("
    " id INTEGER PRIMARY KEY," /* the daemon's capture id */
    " created_ns INTEGER NOT NULL,"
    " doc TEXT NOT NULL);", /* the final GET /api/v1/captures/{id} answer */
    /* 3 -> 4: the stored form. A partition is one job and main binary;
     * its symbols are append-only chunks; a profile's data is its columns
     * against its partition (partition_id NULL: a version-3 row, gzip
     * pprof, converted in steps from convert_next to convert_last). The
     * partition's counters let retention drop it without an index on
     * profiles(partition_id), which a large file could not build online. */
    "CREATE TABLE partitions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT," /* never reused: readers cache by id */
    " key TEXT NOT NULL UNIQUE,"             /* job \x1f build id or file */
    " profiles INTEGER NOT NULL DEFAULT 0,"
    " bytes INTEGER NOT NULL DEFAULT 0);" /* its symbols and its profiles' data */
    "CREATE TABLE symbols ("
    " id INTEGER PRIMARY KEY,"
    " partition_id INTEGER NOT NULL,"
    " data BLOB NOT NULL);" /* a packed chunk of pd_symtab */
    "CREATE INDEX symbols_partition ON symbols(partition_id, id);"
    "ALTER TABLE profiles ADD COLUMN partition_id INTEGER;"
    "INSERT INTO meta(key, value) VALUES ('convert_next', 1);"
    "INSERT INTO meta(key, value) SELECT 'convert_last', coalesce(max(id), 0) FROM profiles;",
    /* 4 -> 5: rollups. A row is the sum of `count` profiles of one series
     * and partition within one bucket of its level (PD_STORE_LEVEL_NS),
     * in the stored form; time_ns is its earliest profile's. The level's
     * compaction has done every bucket before rollup_done_<level>, and in
     * that bucket the series up to rollup_series_<level>. */
    "CREATE TABLE rollups ("
    " id INTEGER PRIMARY KEY,"
    " series_id INTEGER NOT NULL,"
    " level INTEGER NOT NULL,"
    " start_ns INTEGER NOT NULL,"
    " time_ns INTEGER NOT NULL,"
    " count INTEGER NOT NULL,"
    " duration_ns INTEGER NOT NULL,"
    " sample_types TEXT NOT NULL,"
    " default_sample_type TEXT NOT NULL,"
    " totals BLOB NOT NULL,"
    " size INTEGER NOT NULL,"
    " data BLOB NOT NULL,"
    " partition_id INTEGER NOT NULL);"
    "CREATE INDEX rollups_series ON rollups(series_id, level, start_ns);"
    "CREATE INDEX rollups_level ON rollups(level, start_ns, series_id);"
    /* the series of a time range from the index alone (compaction) */
    "DROP INDEX profiles_time;"
    "CREATE INDEX profiles_time ON profiles(time_ns, series_id);"
    /* buckets that late profiles joined as rows of their own, to be summed
     * into one row per partition again */
    "CREATE TABLE rollup_late ("
    " level INTEGER NOT NULL,"
    " series_id INTEGER NOT NULL,"
    " start_ns INTEGER NOT NULL,"
    " PRIMARY KEY (level, series_id, start_ns)) WITHOUT ROWID;"
    "INSERT INTO meta(key, value) VALUES ('rollup_done_1', 0), ('rollup_series_1', 0),"
    " ('rollup_done_2', 0), ('rollup_series_2', 0), ('rollup_done_3', 0), ('rollup_series_3', 0);",
};

_Static_assert(APPLICATION_ID == 1886417508, "application_id in migrations[0]");

/* One integer answer of `sql`; *val (OUT). */
static int query_int(pd_st_db *d, const char *sql, int64_t *val, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(d, rc, "schema", err);
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = pd_errf(err, -EIO, "schema: no answer to %s", sql);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = pd_st_err(d, rc, "schema", err);
        goto out;
    }
    *val = sqlite3_column_int64(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* *version (OUT): the file's schema version, 0 for an empty file. */
static int read_version(pd_st_db *d, int64_t *version, pd_err *err)
{
    int64_t app = 0, tables = 0, has_meta = 0;
    int rc = query_int(d, "PRAGMA application_id", &app, err);
    if (rc == 0)
        rc = query_int(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables, err);
    if (rc == 0)
        rc = query_int(d,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                       &has_meta, err);
    if (rc != 0)
        return rc;
    *version = 0;
    if (app == 0 && tables == 0)
        return 0;
    if (app != APPLICATION_ID || !has_meta)
        return pd_errf(err, -EINVAL, "not a pprofd database (application_id %" PRId64 ")", app);
    rc = pd_st_meta_get(d, "schema_version", version, err);
    if (rc == -ENOENT)
        return pd_errf(err, -EINVAL, "not a pprofd database (no schema_version)");
    return rc;
}

static int check_known(int64_t version, pd_err *err)
{
    if (version > PD_STORE_SCHEMA_VERSION)
        return pd_errf(err, -ENOTSUP,
                       "database schema version %" PRId64
                       " is newer than this pprofd supports (%d): upgrade pprofd",
                       version, PD_STORE_SCHEMA_VERSION);
    return 0;
}

int pd_st_schema_migrate(pd_st_db *d, pd_err *err)
{
    int64_t version = 0;
    /* IMMEDIATE: two writers opening a new file at once migrate in turn */
    int rc = pd_st_run(d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    rc = read_version(d, &version, err);
    if (rc == 0)
        rc = check_known(version, err);
    for (int64_t v = version; rc == 0 && v < PD_STORE_SCHEMA_VERSION; v++) {
        rc = pd_st_exec(d, migrations[v], err);
        if (rc == 0)
            rc = pd_st_meta_set(d, "schema_version", v + 1, err);
        if (rc != 0)
            pd_err_prefix(err, "migrating schema to version %" PRId64, v + 1);
    }
    pd_st_reset_all(d);
    if (rc == 0)
        rc = pd_st_run(d, PD_ST_COMMIT, err);
    if (rc != 0)
        pd_st_run(d, PD_ST_ROLLBACK, NULL);
    return rc;
}

int pd_st_schema_check(pd_st_db *d, pd_err *err)
{
    int64_t version = 0;
    bool began = false;
    int rc = pd_st_read_begin(d, &began, err);
    if (rc == 0)
        rc = read_version(d, &version, err);
    if (rc == 0)
        rc = check_known(version, err);
    if (rc == 0 && version < PD_STORE_SCHEMA_VERSION)
        rc = pd_errf(err, -EINVAL,
                     "database schema version %" PRId64
                     " is older than %d: open it for writing first",
                     version, PD_STORE_SCHEMA_VERSION);
    pd_st_read_end(d, began);
    return rc;
}
