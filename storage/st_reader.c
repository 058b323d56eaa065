/* Reader handles: open, close, one profile by id, count, integrity check. */
#include "st_int.h"

#include "pd_arena.h"
#include "pd_mem.h"

#include <sqlite3.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int pd_store_reader_open(const char *path, pd_store_reader **out, pd_err *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return pd_errf(err, -EINVAL, "storage path is empty");
    pd_store_reader *r = pd_xcalloc(1, sizeof(*r));
    pd_st_parts_init(&r->parts);
    int rc = pd_st_db_open(&r->d, path, false, err);
    if (rc == 0)
        rc = pd_st_schema_check(&r->d, err);
    if (rc != 0) {
        pd_err_prefix(err, "%s", path);
        pd_store_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void pd_store_reader_close(pd_store_reader *r)
{
    if (r == NULL)
        return;
    pd_st_db_close(&r->d);
    pd_st_parts_free(&r->parts);
    free(r);
}

static char *arena_str(pd_arena *a, const unsigned char *s)
{
    const char *src = s ? (const char *)s : "";
    return pd_arena_memdup(a, src, strlen(src) + 1);
}

/* The labels of series `sid` into meta, allocated in `a`. */
static int load_labels(pd_st_db *d, int64_t sid, pd_arena *a, pd_store_meta *meta, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_SERIES_LABELS, &st, err);
    if (rc != 0)
        return rc;
    pd_store_label *v = pd_arena_calloc(a, PD_STORE_MAX_LABELS, sizeof(*v));
    size_t n = 0;
    int step = sqlite3_bind_int64(st, 1, sid);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW || n == PD_STORE_MAX_LABELS)
            break;
        v[n].name = arena_str(a, sqlite3_column_text(st, 0));
        v[n].value = arena_str(a, sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        return pd_st_err(d, step, "series labels", err);
    meta->labels = v;
    meta->nlabels = n;
    return 0;
}

/* Fills meta from the PD_ST_GET row, in arena `a`. */
static void row_meta(sqlite3_stmt *st, int64_t id, pd_arena *a, pd_store_meta *meta)
{
    meta->id = id;
    meta->series_id = sqlite3_column_int64(st, 0);
    meta->time_ns = sqlite3_column_int64(st, 1);
    meta->duration_ns = sqlite3_column_int64(st, 2);
    meta->size = sqlite3_column_int64(st, 3);
    meta->sample_types = arena_str(a, sqlite3_column_text(st, 4));
    meta->default_sample_type = arena_str(a, sqlite3_column_text(st, 5));
    const uint8_t *blob = sqlite3_column_blob(st, 6);
    size_t blen = (size_t)sqlite3_column_bytes(st, 6);
    int64_t *totals = pd_arena_calloc(a, blen / 8 + 1, sizeof(int64_t));
    meta->ntotals = blob ? pd_st_totals_decode(blob, blen, totals) : 0;
    meta->totals = totals;
    meta->series = arena_str(a, sqlite3_column_text(st, 8));
}

/* Stored columns `blob` of partition pid: added to `agg` when not NULL,
 * else rebuilt into *out. */
static int from_stored(pd_store_reader *r, const void *blob, size_t len, int64_t pid, pd_agg *agg,
                       pd_profile **out, pd_err *err)
{
    pd_stored cols;
    const pd_symtab *t = NULL;
    int rc = pd_stored_decode(blob, len, 0, &cols, err);
    if (rc != 0)
        return rc;
    rc = pd_st_part_reader(r, pid, &t, err);
    if (rc == 0)
        rc = agg != NULL ? pd_agg_add(agg, pid, t, &cols, err)
                         : pd_symtab_unpack(t, &cols, out, err);
    pd_stored_free(&cols);
    return rc;
}

/* The profile of the PD_ST_GET row: a version-3 row's gzip pprof decoded,
 * else its columns against its partition. */
static int row_profile(pd_store_reader *r, sqlite3_stmt *st, int64_t id, pd_profile **out,
                       pd_err *err)
{
    const uint8_t *blob = sqlite3_column_blob(st, 7);
    size_t len = (size_t)sqlite3_column_bytes(st, 7);
    int rc = sqlite3_column_type(st, 9) == SQLITE_NULL
                 ? pd_profile_decode(blob, len, 0, out, err)
                 : from_stored(r, blob, len, sqlite3_column_int64(st, 9), NULL, out, err);
    if (rc != 0)
        pd_err_prefix(err, "profile %" PRId64, id);
    return rc;
}

/* *out (OUT): statement `which` stepped to its row for ?1 = id, inside the
 * caller's read transaction; -ENOENT ("<what> <id> not found") if none. */
static int row_by_id(pd_store_reader *r, pd_st_id which, int64_t id, const char *what,
                     sqlite3_stmt **out, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&r->d, which, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, id);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *out = st;
        return 0;
    }
    sqlite3_reset(st);
    if (step == SQLITE_DONE)
        return pd_errf(err, -ENOENT, "%s %" PRId64 " not found", what, id);
    return pd_st_err(&r->d, step, what, err);
}

/* Runs the PD_ST_GET row of `id` through fn, in one read transaction;
 * -ENOENT if there is none. meta (may be NULL) as pd_store_get's. */
typedef int (*row_fn)(pd_store_reader *r, sqlite3_stmt *st, int64_t id, void *arg, pd_err *err);

static int with_row(pd_store_reader *r, int64_t id, row_fn fn, void *arg, pd_store_meta *meta,
                    pd_err *err)
{
    pd_arena *a = NULL;
    if (meta != NULL)
        memset(meta, 0, sizeof(*meta));
    bool began = false;
    sqlite3_stmt *st = NULL;
    int rc = pd_st_read_begin(&r->d, &began, err);
    if (rc == 0)
        rc = row_by_id(r, PD_ST_GET, id, "profile", &st, err);
    if (rc != 0)
        goto out;
    rc = fn(r, st, id, arg, err);
    if (rc == 0 && meta != NULL) {
        a = pd_xcalloc(1, sizeof(*a));
        row_meta(st, id, a, meta);
        sqlite3_reset(st);
        rc = load_labels(&r->d, meta->series_id, a, meta, err);
    }
out:
    if (st != NULL)
        sqlite3_reset(st);
    pd_st_read_end(&r->d, began);
    if (rc != 0) {
        if (a != NULL) {
            pd_arena_free(a);
            free(a);
        }
        if (meta != NULL)
            memset(meta, 0, sizeof(*meta));
        return rc;
    }
    if (meta != NULL)
        meta->owned = a;
    return 0;
}

typedef struct got_bytes {
    uint8_t *data;
    size_t len;
} got_bytes;

static int get_bytes(pd_store_reader *r, sqlite3_stmt *st, int64_t id, void *arg, pd_err *err)
{
    got_bytes *g = arg;
    if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
        /* a version-3 row: Go's own gzip, as it was fetched */
        size_t n = (size_t)sqlite3_column_bytes(st, 7);
        const void *blob = sqlite3_column_blob(st, 7);
        g->data = pd_xmalloc(n + 1);
        if (n > 0 && blob != NULL)
            memcpy(g->data, blob, n);
        g->len = n;
        return 0;
    }
    pd_profile *p = NULL;
    int rc = row_profile(r, st, id, &p, err);
    if (rc == 0)
        rc = pd_profile_encode(p, true, &g->data, &g->len, err);
    pd_profile_free(p);
    return rc;
}

int pd_store_get(pd_store_reader *r, int64_t id, uint8_t **data, size_t *len, pd_store_meta *meta,
                 pd_err *err)
{
    got_bytes g = {NULL, 0};
    int rc = with_row(r, id, get_bytes, &g, meta, err);
    if (rc != 0) {
        free(g.data);
        g = (got_bytes){NULL, 0};
    }
    *data = g.data;
    *len = g.len;
    return rc;
}

static int get_profile(pd_store_reader *r, sqlite3_stmt *st, int64_t id, void *arg, pd_err *err)
{
    return row_profile(r, st, id, arg, err);
}

int pd_store_load(pd_store_reader *r, int64_t id, pd_profile **out, pd_err *err)
{
    *out = NULL;
    int rc = with_row(r, id, get_profile, out, NULL, err);
    if (rc != 0) {
        pd_profile_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Row `id` of PD_ST_GET_DATA or PD_ST_UP_GET_DATA (data, partition_id):
 * its columns to `agg` when not NULL, else rebuilt into *out. -EAGAIN
 * for a version-3 row (only its gzip pprof). */
static int data_row(pd_store_reader *r, pd_st_id which, int64_t id, pd_agg *agg, pd_profile **out,
                    pd_err *err)
{
    const char *what = which == PD_ST_GET_DATA ? "profile" : "rollup";
    bool began = false;
    sqlite3_stmt *st = NULL;
    int rc = pd_st_read_begin(&r->d, &began, err);
    if (rc == 0)
        rc = row_by_id(r, which, id, what, &st, err);
    if (rc == 0 && sqlite3_column_type(st, 1) == SQLITE_NULL)
        rc = -EAGAIN;
    else if (rc == 0)
        rc = from_stored(r, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                         sqlite3_column_int64(st, 1), agg, out, err);
    if (rc < 0 && rc != -EAGAIN && rc != -ENOENT)
        pd_err_prefix(err, "%s %" PRId64, what, id);
    if (st != NULL)
        sqlite3_reset(st);
    pd_st_read_end(&r->d, began);
    return rc;
}

int pd_store_agg_add(pd_store_reader *r, int level, int64_t id, pd_agg *a, pd_err *err)
{
    return data_row(r, level == 0 ? PD_ST_GET_DATA : PD_ST_UP_GET_DATA, id, a, NULL, err);
}

int pd_store_load_rollup(pd_store_reader *r, int64_t id, pd_profile **out, pd_err *err)
{
    *out = NULL;
    int rc = data_row(r, PD_ST_UP_GET_DATA, id, NULL, out, err);
    return rc == -EAGAIN ? pd_errf(err, -EIO, "rollup %" PRId64 ": no partition", id) : rc;
}

int pd_store_read_begin(pd_store_reader *r, pd_err *err)
{
    if (r->held)
        return 0;
    return pd_st_read_begin(&r->d, &r->held, err);
}

void pd_store_read_end(pd_store_reader *r)
{
    pd_st_read_end(&r->d, r->held);
    r->held = false;
}

static const pd_symtab *agg_table(void *ctx, int64_t part, pd_err *err)
{
    const pd_symtab *t = NULL;
    return pd_st_part_reader(ctx, part, &t, err) == 0 ? t : NULL;
}

int pd_store_agg_finish(pd_store_reader *r, pd_agg *a, pd_profile **out, pd_err *err)
{
    bool began = false;
    int rc = pd_st_read_begin(&r->d, &began, err);
    if (rc == 0)
        rc = pd_agg_finish(a, agg_table, r, out, err);
    pd_st_read_end(&r->d, began);
    return rc;
}

void pd_store_meta_release(pd_store_meta *meta)
{
    if (meta == NULL || meta->owned == NULL)
        return;
    pd_arena_free(meta->owned);
    free(meta->owned);
    memset(meta, 0, sizeof(*meta));
}

int pd_store_count(pd_store_reader *r, int64_t *n, pd_err *err)
{
    *n = 0;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&r->d, PD_ST_COUNT_PROFILES, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = pd_st_err(&r->d, step, "count", err);
    sqlite3_reset(st);
    return rc;
}

int pd_store_integrity_check(pd_store_reader *r, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->d.db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(&r->d, rc, "integrity_check", err);
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = pd_st_err(&r->d, rc, "integrity_check", err);
        goto out;
    }
    const char *first = (const char *)sqlite3_column_text(st, 0);
    if (first == NULL || strcmp(first, "ok") != 0)
        rc = pd_errf(err, -EIO, "integrity_check: %s", first ? first : "(null)");
    else
        rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
