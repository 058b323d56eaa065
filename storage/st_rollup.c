/* Rollups: each level sums the level below per series, partition and
 * bucket (pd_sum), in small steps on the writer connection.
 *
 * A level's progress is two meta values: every bucket before
 * rollup_done_<L> is done, and in that bucket every series up to
 * rollup_series_<L>. A step takes up the bucket there, series by series in
 * id order, until it has read its budget of rows, and commits; a crash
 * loses at most the step. A bucket is taken up only once its level can no
 * longer change it: raw buckets a grace period after they end, higher ones
 * once the level below has done them. A profile that arrives for a bucket
 * already done is added to every level as a row of its own
 * (pd_st_rollup_late), so a level always sums everything below it. */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scrapes are stored when they end: a raw bucket waits this long. */
#define RAW_GRACE_NS INT64_C(120000000000)
/* Series looked up per query of a bucket's series. */
#define SERIES_PAGE 64

int pd_st_rollup_progress(pd_st_db *d, pd_st_rollup_mark *m, pd_err *err)
{
    for (int l = 1; l <= PD_STORE_LEVELS; l++) {
        char key[32];
        snprintf(key, sizeof(key), "rollup_done_%d", l);
        int rc = pd_st_meta_get(d, key, &m->done[l], err);
        snprintf(key, sizeof(key), "rollup_series_%d", l);
        if (rc == 0)
            rc = pd_st_meta_get(d, key, &m->series[l], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int save_progress(pd_st_db *d, int level, int64_t done, int64_t series, pd_err *err)
{
    char key[32];
    snprintf(key, sizeof(key), "rollup_done_%d", level);
    int rc = pd_st_meta_set(d, key, done, err);
    snprintf(key, sizeof(key), "rollup_series_%d", level);
    if (rc == 0)
        rc = pd_st_meta_set(d, key, series, err);
    return rc;
}

bool pd_st_rollup_has(const pd_st_rollup_mark *m, int level, int64_t time_ns, int64_t series_id)
{
    int64_t b = pd_st_floor(time_ns, PD_STORE_LEVEL_NS(level));
    return m->done[level] > 0 &&
           (b < m->done[level] || (b == m->done[level] && series_id <= m->series[level]));
}

/* One rollup row: what a group of rows summed to. */
typedef struct group {
    pd_sum *sum;
    int64_t partition_id;
    int64_t count;
    int64_t time_ns; /* the earliest row's (stored time, not the profile's own) */
    char *sample_types, *default_type;
    int64_t *totals;
    size_t ntotals;
} group;

static void group_clear(group *g)
{
    free(g->sample_types);
    free(g->default_type);
    free(g->totals);
    g->sample_types = g->default_type = NULL;
    g->totals = NULL;
    g->ntotals = 0;
    g->count = 0;
    g->time_ns = INT64_MAX;
}

int pd_st_rollup_insert(pd_store *s, const pd_st_rollup_row *row, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, PD_ST_UP_INSERT, &st, err);
    if (rc != 0)
        return rc;
    uint8_t *totals = pd_st_totals_encode(row->totals, row->ntotals);
    int b = sqlite3_bind_int64(st, 1, row->series_id);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int(st, 2, row->level);
    /* the row's time is a stored time (not the profile's own): its bucket */
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 3, pd_st_floor(row->time_ns, PD_STORE_LEVEL_NS(row->level)));
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 4, row->time_ns);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 5, row->count);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 6, row->duration_ns);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(st, 7, row->sample_types, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(st, 8, row->default_type ? row->default_type : "", -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_blob64(st, 9, totals, row->ntotals * 8, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 10, (int64_t)row->len);
    if (b == SQLITE_OK)
        b = sqlite3_bind_blob64(st, 11, row->data, row->len, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 12, row->partition_id);
    rc = b != SQLITE_OK ? pd_st_err(&s->d, b, "insert rollup", err)
                        : pd_st_step_done(&s->d, st, "insert rollup", err);
    sqlite3_clear_bindings(st); /* totals are freed next */
    free(totals);
    if (rc == 0)
        rc = pd_st_part_count(&s->d, row->partition_id, 1, (int64_t)row->len, err);
    if (rc == 0)
        s->rollup_bytes += (int64_t)row->len;
    return rc;
}

/* Writes g as a row of `level` for series sid, bucket b; g starts over. */
static int flush(pd_store *s, group *g, int level, int64_t sid, pd_err *err)
{
    if (pd_sum_count(g->sum) == 0)
        return 0;
    pd_stored sum;
    pd_sum_finish(g->sum, &sum);
    pd_st_rollup_row row = {sid,
                            level,
                            g->time_ns,
                            g->count,
                            sum.duration_nanos,
                            g->sample_types,
                            g->default_type,
                            g->totals,
                            g->ntotals,
                            NULL,
                            0,
                            g->partition_id};
    pd_stored_encode(&sum, &row.data, &row.len);
    pd_stored_free(&sum);
    int rc = pd_st_rollup_insert(s, &row, err);
    free(row.data);
    group_clear(g);
    return rc;
}

/* Adds one source row (a PD_ST_UP_ROWS* result) to g, flushing g first when
 * the row belongs to another partition or has other types. */
static int add_row(pd_store *s, group *g, sqlite3_stmt *st, int level, int64_t sid, pd_err *err)
{
    pd_stored cols;
    /* A row that does not decode cannot be read either: it is left out
     * rather than stopping every later bucket. */
    if (pd_stored_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), 0, &cols,
                         NULL) != 0)
        return 0;
    int rc = 0;
    int64_t pid = sqlite3_column_int64(st, 1);
    const char *types = (const char *)sqlite3_column_text(st, 2);
    const char *dst = (const char *)sqlite3_column_text(st, 3);
    if (pd_sum_count(g->sum) > 0 && (pid != g->partition_id || !pd_sum_fits(g->sum, &cols) ||
                                     strcmp(types ? types : "", g->sample_types) != 0))
        rc = flush(s, g, level, sid, err);
    if (rc == 0 && pd_sum_count(g->sum) == 0) {
        g->partition_id = pid;
        g->sample_types = pd_xstrdup(types ? types : "");
        g->ntotals = pd_st_count_list(g->sample_types);
        g->totals = pd_xcalloc(g->ntotals + 1, sizeof(int64_t));
    }
    if (rc == 0 && (g->default_type == NULL || g->default_type[0] == '\0') && dst != NULL) {
        free(g->default_type);
        g->default_type = pd_xstrdup(dst);
    }
    if (rc == 0)
        rc = pd_sum_add(g->sum, &cols, err);
    if (rc == 0) {
        int64_t *t =
            pd_xcalloc(g->ntotals + (size_t)sqlite3_column_bytes(st, 4) / 8 + 1, sizeof(int64_t));
        size_t n =
            pd_st_totals_decode(sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4), t);
        for (size_t i = 0; i < n && i < g->ntotals; i++)
            g->totals[i] = (int64_t)((uint64_t)g->totals[i] + (uint64_t)t[i]);
        free(t);
        g->count += sqlite3_column_int64(st, 5);
        int64_t at = sqlite3_column_int64(st, 6);
        if (at < g->time_ns)
            g->time_ns = at;
    }
    pd_stored_free(&cols);
    return rc;
}

/* Sums series sid's rows of [b, e) at level `from` (0: raw profiles;
 * rollups only up to id max_id) into rows of `level`; *rows (OUT) grows by
 * the rows read. */
static int roll_rows(pd_store *s, int level, int from, int64_t max_id, int64_t sid, int64_t b,
                     int64_t e, size_t *rows, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, from == 0 ? PD_ST_UP_ROWS_RAW : PD_ST_UP_ROWS, &st, err);
    if (rc != 0)
        return rc;
    int bind = sqlite3_bind_int64(st, 1, sid);
    if (bind == SQLITE_OK)
        bind = sqlite3_bind_int64(st, 2, b);
    if (bind == SQLITE_OK)
        bind = sqlite3_bind_int64(st, 3, e);
    if (bind == SQLITE_OK && from > 0)
        bind = sqlite3_bind_int(st, 4, from);
    if (bind == SQLITE_OK && from > 0)
        bind = sqlite3_bind_int64(st, 5, max_id);
    if (bind != SQLITE_OK)
        return pd_st_err(&s->d, bind, "rollup rows", err);
    group g = {pd_sum_new(), 0, 0, INT64_MAX, NULL, NULL, NULL, 0};
    int step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = add_row(s, &g, st, level, sid, err);
        (*rows)++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = pd_st_err(&s->d, step, "rollup rows", err);
    sqlite3_reset(st);
    if (rc == 0)
        rc = flush(s, &g, level, sid, err);
    group_clear(&g);
    pd_sum_free(g.sum);
    return rc;
}

int pd_st_rollup_late(pd_store *s, int level, int64_t series_id, int64_t time_ns, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, PD_ST_UP_LATE_ADD, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_int(st, 1, level);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 2, series_id);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 3, pd_st_floor(time_ns, PD_STORE_LEVEL_NS(level)));
    if (b != SQLITE_OK)
        return pd_st_err(&s->d, b, "late rollup", err);
    return pd_st_step_done(&s->d, st, "late rollup", err);
}

/* Statement `id` with integer parameters: *out (OUT, NULL for a statement
 * without rows) its first column. */
static int run_ints(pd_st_db *d, pd_st_id id, const int64_t *args, int nargs, int64_t *out,
                    pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, id, &st, err);
    if (rc != 0)
        return rc;
    int step = SQLITE_OK;
    for (int i = 0; i < nargs && step == SQLITE_OK; i++)
        step = sqlite3_bind_int64(st, i + 1, args[i]);
    if (step != SQLITE_OK)
        return pd_st_err(d, step, "rollups", err);
    if (out == NULL)
        return pd_st_step_done(d, st, "rollups", err);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? 0 : pd_st_err(d, step, "rollups", err);
}

/* The rows of one bucket of series sid at `level`, summed into one row per
 * partition again (late profiles joined it as rows of their own). */
static int collapse(pd_store *s, int level, int64_t sid, int64_t b, size_t *rows, pd_err *err)
{
    int64_t max_id = 0;
    int rc = run_ints(&s->d, PD_ST_UP_MAX_ID, NULL, 0, &max_id, err);
    if (rc != 0)
        return rc;
    int64_t key[4] = {sid, level, b, max_id};
    sqlite3_stmt *st;
    rc = pd_st_stmt(&s->d, PD_ST_UP_BUCKET_PARTS, &st, err);
    if (rc != 0)
        return rc;
    enum { MAX_PARTS = 16 };
    int64_t part[MAX_PARTS][3]; /* id, rows, bytes */
    int nparts = 0, step = SQLITE_OK;
    int64_t total = 0;
    for (int i = 0; i < 4 && step == SQLITE_OK; i++)
        step = sqlite3_bind_int64(st, i + 1, key[i]);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW || nparts == MAX_PARTS)
            continue;
        for (int k = 0; k < 3; k++)
            part[nparts][k] = sqlite3_column_int64(st, k);
        total += part[nparts++][1];
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return pd_st_err(&s->d, step, "rollup bucket", err);
    if (total <= nparts || nparts == MAX_PARTS)
        return 0; /* one row per partition already (or too many to count here) */
    rc = roll_rows(s, level, level, max_id, sid, b, b + PD_STORE_LEVEL_NS(level), rows, err);
    for (int i = 0; i < nparts && rc == 0; i++) {
        rc = pd_st_part_count(&s->d, part[i][0], -part[i][1], -part[i][2], err);
        s->rollup_bytes -= part[i][2];
    }
    if (rc == 0)
        rc = run_ints(&s->d, PD_ST_UP_BUCKET_DELETE, key, 4, NULL, err);
    return rc;
}

/* Collapses the buckets late profiles joined, a few per step; *left
 * (OUT): some may be left. */
static int collapse_late(pd_store *s, size_t *budget, bool *left, pd_err *err)
{
    enum { PAGE = 8 };
    int64_t late[PAGE][3];
    int n = 0;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, PD_ST_UP_LATE_LIST, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int(st, 1, PAGE);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step == SQLITE_ROW && n < PAGE) {
            for (int k = 0; k < 3; k++)
                late[n][k] = sqlite3_column_int64(st, k);
            n++;
        }
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return pd_st_err(&s->d, step, "late rollups", err);
    size_t rows = 0;
    for (int i = 0; i < n && rc == 0 && rows < *budget; i++) {
        rc = collapse(s, (int)late[i][0], late[i][1], late[i][2], &rows, err);
        if (rc == 0)
            rc = run_ints(&s->d, PD_ST_UP_LATE_DONE, late[i], 3, NULL, err);
    }
    *left = n == PAGE || rows >= *budget;
    *budget = rows >= *budget ? 0 : *budget - rows;
    return rc;
}

/* *t (OUT): the first time (raw) or bucket (level - 1) at or after `from`
 * in level - 1; *found (OUT) false if none. */
static int first_source(pd_st_db *d, int level, int64_t from, int64_t *t, bool *found, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, level == 1 ? PD_ST_UP_FIRST_RAW : PD_ST_UP_FIRST, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, from);
    if (step == SQLITE_OK && level > 1)
        step = sqlite3_bind_int(st, 2, level - 1);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    *found = step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (*found)
        *t = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? 0 : pd_st_err(d, step, "rollup source", err);
}

/* ids (OUT, up to SERIES_PAGE) and *n (OUT): series after `after` with
 * rows in [b, e) of level - 1. */
static int series_page(pd_st_db *d, int level, int64_t b, int64_t e, int64_t after, int64_t *ids,
                       size_t *n, pd_err *err)
{
    *n = 0;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, level == 1 ? PD_ST_UP_SERIES_RAW : PD_ST_UP_SERIES, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, b);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, e);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 3, after);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int(st, 4, SERIES_PAGE);
    if (step == SQLITE_OK && level > 1)
        step = sqlite3_bind_int(st, 5, level - 1);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step == SQLITE_ROW && *n < SERIES_PAGE)
            ids[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : pd_st_err(d, step, "rollup series", err);
}

/* Works on `level` until *budget rows were read or nothing is ready;
 * *ready (OUT) says whether a bucket was left ready. */
static int roll_level(pd_store *s, pd_st_rollup_mark *m, int level, int64_t now_ns, size_t *budget,
                      bool *ready, pd_err *err)
{
    int64_t w = PD_STORE_LEVEL_NS(level);
    int64_t b = m->done[level], after = m->series[level];
    int rc = 0;
    *ready = false;
    if (b == 0) { /* the first step of the level: from its oldest source */
        int64_t t;
        bool found;
        rc = first_source(&s->d, level, INT64_MIN, &t, &found, err);
        if (rc != 0 || !found)
            return rc;
        b = pd_st_floor(t, w);
        after = 0;
    }
    size_t rows = 0;
    for (;;) {
        int64_t e = b + w;
        bool due = level == 1 ? e <= now_ns - RAW_GRACE_NS
                              : m->done[level - 1] > 0 && e <= m->done[level - 1];
        if (!due)
            break;
        if (rows >= *budget) {
            *ready = true;
            break;
        }
        int64_t ids[SERIES_PAGE];
        size_t n = 0;
        rc = series_page(&s->d, level, b, e, after, ids, &n, err);
        for (size_t i = 0; i < n && rc == 0 && rows < *budget; i++) {
            rc = roll_rows(s, level, level - 1, INT64_MAX, ids[i], b, e, &rows, err);
            after = ids[i];
        }
        if (rc != 0)
            break;
        if (n == SERIES_PAGE || (n > 0 && rows >= *budget))
            continue; /* more series may be left in this bucket */
        /* the bucket is done: on to the next one holding anything */
        int64_t t;
        bool found;
        rc = first_source(&s->d, level, e, &t, &found, err);
        if (rc != 0)
            break;
        after = 0;
        if (found) {
            b = pd_st_floor(t, w);
            continue;
        }
        /* Nothing more below: the level is done up to where the one below
         * is (raw: the grace period), so the level above can go on too. A
         * profile that comes in later for that time is a late one. */
        int64_t horizon = pd_st_floor(level == 1 ? now_ns - RAW_GRACE_NS : m->done[level - 1], w);
        b = horizon > e ? horizon : e;
        break;
    }
    if (rc == 0 && (b != m->done[level] || after != m->series[level]))
        rc = save_progress(&s->d, level, b, after, err);
    if (rc == 0) {
        m->done[level] = b;
        m->series[level] = after;
    }
    *budget = rows >= *budget ? 0 : *budget - rows;
    return rc;
}

int pd_store_compact_step(pd_store *s, int64_t now_ns, size_t budget, bool *more, int64_t *done,
                          pd_err *err)
{
    *more = false;
    if (!sqlite3_get_autocommit(s->d.db))
        return pd_errf(err, -EBUSY, "compact: a transaction is already open");
    int rc = pd_st_run(&s->d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    s->rollup_bytes = 0;
    pd_st_rollup_mark m;
    rc = pd_st_rollup_progress(&s->d, &m, err);
    /* rows of a version-3 file are summed once converted */
    int64_t next = 1, last = 0;
    if (rc == 0 && !s->converted_all) {
        rc = pd_st_meta_get(&s->d, "convert_next", &next, err);
        if (rc == 0)
            rc = pd_st_meta_get(&s->d, "convert_last", &last, err);
    }
    for (int level = 1; level <= PD_STORE_LEVELS && rc == 0 && next > last; level++) {
        bool ready = false;
        rc = roll_level(s, &m, level, now_ns, &budget, &ready, err);
        *more = *more || ready;
    }
    if (rc == 0 && budget > 0) {
        bool left = false;
        rc = collapse_late(s, &budget, &left, err);
        *more = *more || left;
    }
    int64_t added = s->rollup_bytes;
    if (rc == 0 && added != 0)
        rc = pd_st_meta_set(&s->d, "total_bytes", s->total_bytes + added, err);
    if (rc != 0)
        pd_err_prefix(err, "compacting rollups");
    rc = pd_st_write_end(s, rc, err);
    if (rc == 0)
        s->total_bytes += added;
    for (int l = 0; done != NULL && l <= PD_STORE_LEVELS; l++)
        done[l] = rc == 0 && l > 0 ? m.done[l] : 0;
    return rc;
}
