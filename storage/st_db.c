/* SQLite connections: opening with the pragmas storage relies on, the
 * statement cache, and mapping SQLite errors to errno codes and one line. */
#include "st_int.h"

#include <sqlite3.h>

#include <string.h>

#define BUSY_TIMEOUT_MS 5000

static const char *const sql_text[PD_ST_NSTMT] = {
    [PD_ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [PD_ST_BEGIN_READ] = "BEGIN",
    [PD_ST_COMMIT] = "COMMIT",
    [PD_ST_ROLLBACK] = "ROLLBACK",
    [PD_ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [PD_ST_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [PD_ST_SERIES_BY_LABELS] = "SELECT id FROM series WHERE labels = ?1",
    [PD_ST_SERIES_INSERT] = "INSERT INTO series(type, labels) VALUES (?1, ?2)",
    [PD_ST_SERIES_LABEL_INSERT] =
        "INSERT INTO series_labels(series_id, name, value) VALUES (?1, ?2, ?3)",
    [PD_ST_PROFILE_INSERT] = "INSERT INTO profiles(series_id, time_ns, duration_ns, sample_types,"
                             " default_sample_type, totals, size, data, partition_id)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [PD_ST_PART_BY_KEY] = "SELECT id FROM partitions WHERE key = ?1",
    [PD_ST_PART_INSERT] = "INSERT INTO partitions(key) VALUES (?1)",
    [PD_ST_PART_CHUNKS] = "SELECT id, data FROM symbols WHERE partition_id = ?1 AND id > ?2"
                          " ORDER BY id",
    [PD_ST_PART_CHUNK_INSERT] = "INSERT INTO symbols(partition_id, data) VALUES (?1, ?2)",
    [PD_ST_PART_ADD] = "UPDATE partitions SET profiles = profiles + ?2, bytes = bytes + ?3"
                       " WHERE id = ?1",
    [PD_ST_PART_GC] = "DELETE FROM partitions WHERE id = ?1 AND profiles <= 0 RETURNING bytes",
    [PD_ST_PART_GC_SYMBOLS] = "DELETE FROM symbols WHERE partition_id = ?1",
    [PD_ST_CONV_ROWS] = "SELECT p.id, p.data, (SELECT value FROM series_labels"
                        " WHERE series_id = p.series_id AND name = 'job') FROM profiles p"
                        " WHERE p.id BETWEEN ?1 AND ?2 AND p.partition_id IS NULL"
                        " ORDER BY p.id LIMIT ?3",
    [PD_ST_CONV_UPDATE] = "UPDATE profiles SET partition_id = ?2, data = ?3, size = ?4"
                          " WHERE id = ?1",
    [PD_ST_RET_OLDEST] = "SELECT id, series_id, size, time_ns, partition_id FROM profiles"
                         " ORDER BY time_ns, id LIMIT ?1",
    [PD_ST_RET_DELETE] = "DELETE FROM profiles WHERE id = ?1",
    [PD_ST_RET_SERIES_GC] = "DELETE FROM series WHERE id = ?1"
                            " AND NOT EXISTS (SELECT 1 FROM profiles WHERE series_id = ?1)"
                            " AND NOT EXISTS (SELECT 1 FROM rollups WHERE series_id = ?1)",
    [PD_ST_COUNT_NV] = "SELECT count(*) FROM series_labels WHERE name = ?1 AND value = ?2",
    [PD_ST_LABELS_BY_NV] = "SELECT l.series_id, l.name, l.value FROM series_labels m"
                           " JOIN series_labels l ON l.series_id = m.series_id"
                           " WHERE m.name = ?1 AND m.value = ?2 ORDER BY l.series_id, l.name",
    [PD_ST_LABELS_ALL] =
        "SELECT series_id, name, value FROM series_labels ORDER BY series_id, name",
    [PD_ST_PROFILES_IN] = "SELECT id, series_id, time_ns, duration_ns, size, sample_types,"
                          " default_sample_type, totals FROM profiles"
                          " WHERE series_id IN (SELECT value FROM json_each(?1))"
                          " AND time_ns BETWEEN ?2 AND ?3 ORDER BY time_ns, id LIMIT ?4",
    [PD_ST_PROFILES_IN_DESC] = "SELECT id, series_id, time_ns, duration_ns, size, sample_types,"
                               " default_sample_type, totals FROM profiles"
                               " WHERE series_id IN (SELECT value FROM json_each(?1))"
                               " AND time_ns BETWEEN ?2 AND ?3"
                               " ORDER BY time_ns DESC, id DESC LIMIT ?4",
    [PD_ST_HAS_PROFILE] = "SELECT 1 FROM profiles WHERE series_id = ?1"
                          " AND time_ns BETWEEN ?2 AND ?3 UNION ALL SELECT 1 FROM rollups"
                          " WHERE series_id = ?1 AND time_ns BETWEEN ?2 AND ?3 LIMIT 1",
    [PD_ST_GET] = "SELECT p.series_id, p.time_ns, p.duration_ns, p.size, p.sample_types,"
                  " p.default_sample_type, p.totals, p.data, s.labels, p.partition_id"
                  " FROM profiles p JOIN series s ON s.id = p.series_id WHERE p.id = ?1",
    [PD_ST_GET_DATA] = "SELECT data, partition_id FROM profiles WHERE id = ?1",
    [PD_ST_SERIES_LABELS] = "SELECT name, value FROM series_labels WHERE series_id = ?1"
                            " ORDER BY name",
    [PD_ST_COUNT_PROFILES] = "SELECT count(*) FROM profiles",
    [PD_ST_UP_INSERT] =
        "INSERT INTO rollups(series_id, level, start_ns, time_ns, count, duration_ns,"
        " sample_types, default_sample_type, totals, size, data, partition_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [PD_ST_UP_FIRST_RAW] = "SELECT min(time_ns) FROM profiles WHERE time_ns >= ?1",
    [PD_ST_UP_FIRST] = "SELECT min(start_ns) FROM rollups WHERE level = ?2 AND start_ns >= ?1",
    /* INDEXED BY: without statistics SQLite takes profiles_series_time and
     * reads every series' rows of all time, not the bucket's */
    [PD_ST_UP_SERIES_RAW] = "SELECT DISTINCT series_id FROM profiles INDEXED BY profiles_time"
                            " WHERE time_ns >= ?1"
                            " AND time_ns < ?2 AND series_id > ?3 ORDER BY series_id LIMIT ?4",
    [PD_ST_UP_SERIES] = "SELECT DISTINCT series_id FROM rollups INDEXED BY rollups_level"
                        " WHERE level = ?5"
                        " AND start_ns >= ?1 AND start_ns < ?2 AND series_id > ?3"
                        " ORDER BY series_id LIMIT ?4",
    [PD_ST_UP_ROWS_RAW] = "SELECT data, partition_id, sample_types, default_sample_type, totals, 1,"
                          " time_ns"
                          " FROM profiles WHERE series_id = ?1 AND time_ns >= ?2 AND time_ns < ?3"
                          " AND partition_id IS NOT NULL ORDER BY partition_id, time_ns, id",
    [PD_ST_UP_ROWS] = "SELECT data, partition_id, sample_types, default_sample_type, totals, count,"
                      " time_ns"
                      " FROM rollups WHERE series_id = ?1 AND level = ?4 AND start_ns >= ?2"
                      " AND start_ns < ?3 AND id <= ?5 ORDER BY partition_id, time_ns, id",
    [PD_ST_UP_IN] = "SELECT id, series_id, time_ns, duration_ns, size, sample_types,"
                    " default_sample_type, totals, count FROM rollups"
                    " WHERE series_id IN (SELECT value FROM json_each(?1)) AND level = ?4"
                    " AND start_ns >= ?2 AND start_ns < ?3 ORDER BY time_ns, id",
    [PD_ST_UP_GET_DATA] = "SELECT data, partition_id FROM rollups WHERE id = ?1",
    [PD_ST_UP_RET_OLDEST] = "SELECT id, series_id, size, start_ns, partition_id FROM rollups"
                            " WHERE level = ?2 ORDER BY start_ns, id LIMIT ?1",
    [PD_ST_UP_RET_DELETE] = "DELETE FROM rollups WHERE id = ?1",
    [PD_ST_UP_LATE_ADD] = "INSERT OR IGNORE INTO rollup_late(level, series_id, start_ns)"
                          " VALUES (?1, ?2, ?3)",
    [PD_ST_UP_LATE_LIST] = "SELECT level, series_id, start_ns FROM rollup_late LIMIT ?1",
    [PD_ST_UP_LATE_DONE] = "DELETE FROM rollup_late WHERE level = ?1 AND series_id = ?2"
                           " AND start_ns = ?3",
    [PD_ST_UP_MAX_ID] = "SELECT coalesce(max(id), 0) FROM rollups",
    [PD_ST_UP_BUCKET_PARTS] = "SELECT partition_id, count(*), sum(size) FROM rollups"
                              " WHERE series_id = ?1 AND level = ?2 AND start_ns = ?3 AND id <= ?4"
                              " GROUP BY partition_id",
    [PD_ST_UP_BUCKET_DELETE] = "DELETE FROM rollups WHERE series_id = ?1 AND level = ?2"
                               " AND start_ns = ?3 AND id <= ?4",
};

int pd_st_err(pd_st_db *d, int rc, const char *what, pd_err *err)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = -EBUSY;
        break;
    case SQLITE_NOMEM:
        code = -ENOMEM;
        break;
    case SQLITE_FULL:
        code = -ENOSPC;
        break;
    case SQLITE_READONLY:
        code = -EROFS;
        break;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        code = -EACCES;
        break;
    case SQLITE_CANTOPEN:
        code = -ENOENT;
        break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        code = -EINVAL;
        break;
    default:
        code = -EIO;
        break;
    }
    const char *msg = d != NULL && d->db != NULL ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
    return pd_errf(err, code, "%s: %s", what, msg);
}

int pd_st_write_tx(pd_st_db *d, int (*fn)(pd_st_db *d, void *arg, pd_err *err), void *arg,
                   pd_err *err)
{
    int rc = pd_st_run(d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    rc = fn(d, arg, err);
    if (rc == 0)
        rc = pd_st_run(d, PD_ST_COMMIT, err);
    if (rc != 0)
        pd_st_run(d, PD_ST_ROLLBACK, NULL);
    return rc;
}

int pd_st_prepare(pd_st_db *d, const char *sql, sqlite3_stmt **out, pd_err *err)
{
    int rc = sqlite3_prepare_v2(d->db, sql, -1, out, NULL);
    return rc == SQLITE_OK ? 0 : pd_st_err(d, rc, "prepare", err);
}

/* Runs a pragma that answers one row and checks the answer when `want` is
 * not NULL (journal_mode answers the mode it actually set). */
static int pragma(pd_st_db *d, const char *sql, const char *want, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(d, rc, sql, err);
        goto out;
    }
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = pd_st_err(d, step, sql, err);
        goto out;
    }
    rc = 0;
    if (want != NULL) {
        const char *got = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (got == NULL || strcmp(got, want) != 0)
            rc = pd_errf(err, -EIO, "%s: got \"%s\", want \"%s\"", sql, got ? got : "", want);
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int pd_st_db_open(pd_st_db *d, const char *path, bool writer, pd_err *err)
{
    memset(d, 0, sizeof(*d));
    /* NOMUTEX: SQLite does no locking of its own on a connection; each
     * handle is used by one thread at a time (see pd_store.h). */
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &d->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(d, rc, "open", err);
        goto out;
    }
    sqlite3_extended_result_codes(d->db, 1);
    rc = sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(d, rc, "busy_timeout", err);
        goto out;
    }
    if (!writer) {
        rc = pragma(d, "PRAGMA query_only = ON", NULL, err);
        goto out;
    }
    /* Both only take effect on a new, empty file. 16 KiB pages: a stored
     * profile row is 0.1 to 3 KB, and a 4 KiB page holding two or three of
     * them left a third of the table unused (measured: the same rows take
     * 25% fewer bytes at 16 KiB, and larger pages gain nothing more).
     * auto_vacuum lets retention hand freed pages back to the file system
     * with incremental_vacuum. */
    rc = pragma(d, "PRAGMA page_size = 16384", NULL, err);
    if (rc == 0)
        rc = pragma(d, "PRAGMA auto_vacuum = INCREMENTAL", NULL, err);
    if (rc == 0)
        rc = pragma(d, "PRAGMA journal_mode = WAL", "wal", err);
    /* In WAL mode NORMAL syncs the WAL only at checkpoints: a commit is
     * durable across a crash or kill -9 of the process (the OS holds the
     * written WAL), which is what the product promises; only a power loss or OS crash
     * may lose the last transactions, never consistency. */
    if (rc == 0)
        rc = pragma(d, "PRAGMA synchronous = NORMAL", NULL, err);
    if (rc == 0)
        rc = pragma(d, "PRAGMA foreign_keys = ON", NULL, err);
    if (rc == 0)
        rc = pragma(d, "PRAGMA journal_size_limit = 67108864", NULL, err); /* 64 MiB */
out:
    if (rc != 0)
        pd_st_db_close(d);
    return rc;
}

void pd_st_db_close(pd_st_db *d)
{
    for (size_t i = 0; i < PD_ST_NSTMT; i++) {
        sqlite3_finalize(d->stmt[i]);
        d->stmt[i] = NULL;
    }
    /* defensive: every statement is finalized above, so close cannot fail
     * with SQLITE_BUSY; close_v2 would defer rather than leak anyway */
    sqlite3_close_v2(d->db);
    d->db = NULL;
}

int pd_st_stmt(pd_st_db *d, pd_st_id id, sqlite3_stmt **out, pd_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = d->stmt[id];
    if (st == NULL) {
        int rc = sqlite3_prepare_v3(d->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
            return pd_st_err(d, rc, "prepare", err);
        d->stmt[id] = st;
    }
    /* sqlite3_reset only repeats the last step's error, which that step's
     * caller handled; clear_bindings always succeeds. Neither is checked
     * here or elsewhere in storage/. */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    *out = st;
    return 0;
}

int pd_st_step_done(pd_st_db *d, sqlite3_stmt *st, const char *what, pd_err *err)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE ? 0 : pd_st_err(d, rc, what, err);
    sqlite3_reset(st);
    return ret;
}

int pd_st_run(pd_st_db *d, pd_st_id id, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, id, &st, err);
    if (rc == 0)
        rc = pd_st_step_done(d, st, sql_text[id], err);
    return rc;
}

int pd_st_exec(pd_st_db *d, const char *sql, pd_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, &msg);
    int ret = 0;
    if (rc != SQLITE_OK) {
        ret = pd_st_err(d, rc, "exec", NULL);
        pd_errf(err, ret, "exec: %s", msg ? msg : sqlite3_errstr(rc));
    }
    sqlite3_free(msg);
    return ret;
}

void pd_st_reset_all(pd_st_db *d)
{
    for (size_t i = 0; i < PD_ST_NSTMT; i++)
        if (d->stmt[i] != NULL)
            sqlite3_reset(d->stmt[i]);
}

int pd_st_read_begin(pd_st_db *d, bool *began, pd_err *err)
{
    *began = false;
    if (!sqlite3_get_autocommit(d->db))
        return 0;
    int rc = pd_st_run(d, PD_ST_BEGIN_READ, err);
    if (rc == 0)
        *began = true;
    return rc;
}

void pd_st_read_end(pd_st_db *d, bool began)
{
    if (!began)
        return; /* an outer call owns the transaction and its statements */
    pd_st_reset_all(d);
    if (pd_st_run(d, PD_ST_COMMIT, NULL) != 0)
        pd_st_run(d, PD_ST_ROLLBACK, NULL); /* defensive: a read commit can't fail */
}

int pd_st_lookup(pd_st_db *d, pd_st_id id, const char *key, int64_t *val, const char *what,
                 pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, id, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *val = sqlite3_column_int64(st, 0);
    else if (step == SQLITE_DONE)
        rc = pd_errf(err, -ENOENT, "%s: no %s", what, key);
    else
        rc = pd_st_err(d, step, what, err);
    sqlite3_reset(st);
    return rc;
}

int pd_st_meta_get(pd_st_db *d, const char *key, int64_t *val, pd_err *err)
{
    return pd_st_lookup(d, PD_ST_META_GET, key, val, "meta", err);
}

int pd_st_meta_set(pd_st_db *d, const char *key, int64_t val, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_META_SET, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 2, val);
    if (b != SQLITE_OK)
        return pd_st_err(d, b, "meta", err);
    return pd_st_step_done(d, st, "meta", err);
}
