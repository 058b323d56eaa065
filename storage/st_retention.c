/* Retention in small steps: each call deletes at most `batch` of the oldest
 * profiles in one short write transaction, so scraping (the same writer,
 * between steps) and queries (readers, never blocked in WAL) go on. */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <stdlib.h>

typedef struct victim {
    int64_t id;
    int64_t series_id;
    int64_t size;
    int64_t partition_id; /* 0: a version-3 row */
} victim;

/* v (OUT, malloc'd, caller frees) and *n (OUT): the oldest profiles
 * (level 0) or rollups of `level`, up to `batch`, that are older than the
 * cutoff or needed to get under max_bytes. */
static int pick(pd_store *s, int level, int64_t older_than_ns, int64_t max_bytes, size_t batch,
                victim **v, size_t *n, pd_err *err)
{
    *v = NULL;
    *n = 0;
    size_t cap = 0;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, level == 0 ? PD_ST_RET_OLDEST : PD_ST_UP_RET_OLDEST, &st, err);
    if (rc != 0)
        return rc;
    int64_t total = s->total_bytes;
    int step = sqlite3_bind_int64(st, 1, batch > INT64_MAX ? INT64_MAX : (int64_t)batch);
    if (step == SQLITE_OK && level > 0)
        step = sqlite3_bind_int(st, 2, level);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        int64_t time_ns = sqlite3_column_int64(st, 3);
        bool too_old = older_than_ns > 0 && time_ns < older_than_ns;
        bool too_big = max_bytes > 0 && total > max_bytes;
        if (!too_old && !too_big) {
            step = SQLITE_DONE;
            break;
        }
        pd_xgrow((void **)v, &cap, *n + 1, sizeof(victim));
        victim *x = &(*v)[(*n)++];
        x->id = sqlite3_column_int64(st, 0);
        x->series_id = sqlite3_column_int64(st, 1);
        x->size = sqlite3_column_int64(st, 2);
        x->partition_id = sqlite3_column_int64(st, 4);
        total -= x->size;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return pd_st_err(&s->d, step, "retention: select", err);
    return 0;
}

static int delete_one(pd_store *s, pd_st_id id, int64_t key, const char *what, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, id, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_int64(st, 1, key);
    if (b != SQLITE_OK)
        return pd_st_err(&s->d, b, what, err);
    return pd_st_step_done(&s->d, st, what, err);
}

/* Takes the victims off their partitions' counters and deletes the
 * partitions left without profiles, with their symbols. *freed (OUT) grows
 * by the symbols' bytes; *parts_gone (OUT): whether any partition went. */
static int release_partitions(pd_store *s, const victim *v, size_t n, int64_t *freed,
                              bool *parts_gone, pd_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].partition_id == 0)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = v[j].partition_id == v[i].partition_id;
        if (seen)
            continue;
        int64_t count = 0, bytes = 0;
        for (size_t j = i; j < n; j++)
            if (v[j].partition_id == v[i].partition_id) {
                count++;
                bytes += v[j].size;
            }
        int64_t symbols = 0;
        bool gone = false;
        int rc = pd_st_part_count(&s->d, v[i].partition_id, -count, -bytes, err);
        if (rc == 0)
            rc = pd_st_part_gc(&s->d, v[i].partition_id, &symbols, &gone, err);
        if (rc != 0)
            return rc;
        *parts_gone = *parts_gone || gone;
        *freed += symbols;
    }
    return 0;
}

/* Deletes the victims and then the series and partitions they leave empty.
 * *freed (OUT): bytes deleted; *series_gone (OUT): whether any series or
 * partition went. */
static int delete_all(pd_store *s, int level, const victim *v, size_t n, int64_t *freed,
                      bool *series_gone, pd_err *err)
{
    *freed = 0;
    *series_gone = false;
    for (size_t i = 0; i < n; i++) {
        int rc = delete_one(s, level == 0 ? PD_ST_RET_DELETE : PD_ST_UP_RET_DELETE, v[i].id,
                            "retention: delete profile", err);
        if (rc != 0)
            return rc;
        *freed += v[i].size;
    }
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = v[j].series_id == v[i].series_id;
        if (seen)
            continue;
        int rc =
            delete_one(s, PD_ST_RET_SERIES_GC, v[i].series_id, "retention: delete series", err);
        if (rc != 0)
            return rc;
        if (sqlite3_changes(s->d.db) > 0)
            *series_gone = true;
    }
    return release_partitions(s, v, n, freed, series_gone, err);
}

/* Cutoffs: a resolution is deleted for age only where the next coarser one
 * holds it (once that level has started), so nothing goes before it is
 * rolled up. */
static int cutoffs(pd_store *s, const int64_t *older_than_ns, int64_t *cut, pd_err *err)
{
    pd_st_rollup_mark m;
    int rc = pd_st_rollup_progress(&s->d, &m, err);
    if (rc != 0)
        return rc;
    for (int l = 0; l <= PD_STORE_LEVELS; l++) {
        cut[l] = older_than_ns[l];
        if (l < PD_STORE_LEVELS && cut[l] > 0 && m.done[l + 1] > 0 && m.done[l + 1] < cut[l])
            cut[l] = m.done[l + 1];
    }
    return 0;
}

int pd_store_retention_levels(pd_store *s, const int64_t *older_than_ns, int64_t max_bytes,
                              size_t batch, size_t *deleted, pd_err *err)
{
    *deleted = 0;
    bool aged = false;
    for (int l = 0; l <= PD_STORE_LEVELS; l++)
        aged = aged || older_than_ns[l] > 0;
    if (batch == 0 || (!aged && max_bytes <= 0))
        return 0;
    if (!sqlite3_get_autocommit(s->d.db))
        return pd_errf(err, -EBUSY, "retention: a transaction is already open");
    victim *v = NULL;
    size_t n = 0;
    int64_t freed = 0;
    bool series_gone = false;
    int64_t cut[PD_STORE_LEVELS + 1];
    int rc = pd_st_run(&s->d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    rc = cutoffs(s, older_than_ns, cut, err);
    /* By age: the finest resolution first. Past max_bytes: the oldest of
     * the finest resolution that has any, then the next. */
    int level = -1;
    for (int l = 0; rc == 0 && level < 0 && l <= PD_STORE_LEVELS; l++) {
        rc = pick(s, l, cut[l], 0, batch, &v, &n, err);
        level = n > 0 ? l : -1;
    }
    for (int l = 0; rc == 0 && level < 0 && max_bytes > 0 && l <= PD_STORE_LEVELS; l++) {
        rc = pick(s, l, 0, max_bytes, batch, &v, &n, err);
        level = n > 0 ? l : -1;
    }
    if (rc != 0 || level < 0)
        goto out;
    rc = delete_all(s, level, v, n, &freed, &series_gone, err);
    if (rc == 0)
        rc = pd_st_meta_set(&s->d, "total_bytes", s->total_bytes - freed, err);
    /* hands the pages just freed back to the file system (auto_vacuum is
     * INCREMENTAL); bounded by what this step deleted */
    if (rc == 0)
        rc = pd_st_exec(&s->d, "PRAGMA incremental_vacuum", err);
out:
    rc = pd_st_write_end(s, rc, err);
    if (rc == 0) {
        s->total_bytes -= freed;
        *deleted = n;
        if (series_gone)
            pd_st_forget(s);
    }
    free(v);
    return rc;
}

int pd_store_retention_step(pd_store *s, int64_t older_than_ns, int64_t max_bytes, size_t batch,
                            size_t *deleted, pd_err *err)
{
    int64_t ages[PD_STORE_LEVELS + 1] = {older_than_ns};
    return pd_store_retention_levels(s, ages, max_bytes, batch, deleted, err);
}
