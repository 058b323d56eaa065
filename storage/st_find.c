/* pd_store_find: the metadata of matching profiles in time order (or the
 * newest first). */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns the ids of the set as a JSON array (malloc'd, caller frees), for
 * json_each() in the profiles query. */
static char *ids_json(const pd_st_series_set *set)
{
    size_t cap = set->n * 21 + 3; /* 20 digits and a comma each, [ ] NUL */
    char *json = pd_xmalloc(cap);
    size_t len = 0;
    json[len++] = '[';
    for (size_t i = 0; i < set->n; i++) {
        int w = snprintf(json + len, cap - len, "%s%" PRId64, i ? "," : "", set->v[i].id);
        len += (size_t)w; /* fits: cap counts the widest int64 */
    }
    json[len++] = ']';
    json[len] = '\0';
    return json;
}

typedef struct row_ctx {
    int64_t *totals;
    size_t cap;
    bool stopped; /* the callback asked to stop */
} row_ctx;

/* Fills meta from a PD_ST_PROFILES_IN* (level 0) or PD_ST_UP_IN row;
 * pointers borrowed from the row, the series set and rc. */
static void row_meta(sqlite3_stmt *st, const pd_st_series_set *set, row_ctx *rc, int level,
                     pd_store_meta *meta)
{
    memset(meta, 0, sizeof(*meta));
    meta->id = sqlite3_column_int64(st, 0);
    meta->series_id = sqlite3_column_int64(st, 1);
    meta->time_ns = sqlite3_column_int64(st, 2);
    meta->duration_ns = sqlite3_column_int64(st, 3);
    meta->size = sqlite3_column_int64(st, 4);
    const unsigned char *types = sqlite3_column_text(st, 5);
    const unsigned char *dst = sqlite3_column_text(st, 6);
    meta->sample_types = types ? (const char *)types : "";
    meta->default_sample_type = dst ? (const char *)dst : "";
    const uint8_t *blob = sqlite3_column_blob(st, 7);
    size_t blen = (size_t)sqlite3_column_bytes(st, 7);
    pd_xgrow((void **)&rc->totals, &rc->cap, blen / 8 + 1, sizeof(int64_t));
    meta->ntotals = blob ? pd_st_totals_decode(blob, blen, rc->totals) : 0;
    meta->totals = rc->totals;
    meta->level = level;
    meta->count = level == 0 ? 1 : sqlite3_column_int64(st, 8);
    const pd_st_series *s = pd_st_series_find(set, meta->series_id);
    if (s != NULL) { /* defensive: the query only returns series of the set */
        meta->series = s->canonical;
        meta->labels = s->labels;
        meta->nlabels = s->nlabels;
    } else {
        meta->series = "{}";
    }
}

/* The rows of one span: raw profiles with time in [from, to] (stmt
 * PD_ST_PROFILES_IN*), or rollups of `level` with buckets starting in
 * [from, to) (PD_ST_UP_IN), through cb. */
static int run(pd_st_db *d, pd_st_id id, const char *json, int64_t from, int64_t to, int64_t limit,
               int level, const pd_st_series_set *set, row_ctx *rctx, pd_store_meta_cb cb,
               void *ctx, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, id, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, from);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 3, to);
    if (step == SQLITE_OK)
        step = level == 0 ? sqlite3_bind_int64(st, 4, limit) : sqlite3_bind_int(st, 4, level);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        pd_store_meta meta;
        row_meta(st, set, rctx, level, &meta);
        if (cb(ctx, &meta) != 0) {
            rctx->stopped = true;
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = pd_st_err(d, step, "find profiles", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* json is freed next */
    return rc;
}

typedef struct find_ctx {
    pd_store_meta_cb cb;
    void *ctx;
    int64_t step_ns; /* plans: rows never span from + k * step_ns */
} find_ctx;

static int find_in(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set, void *ctx,
                   pd_err *err)
{
    find_ctx *f = ctx;
    if (set->n == 0)
        return 0;
    char *json = ids_json(set);
    row_ctx rctx = {0};
    int64_t limit = q->limit == 0 || q->limit > INT64_MAX ? -1 : (int64_t)q->limit;
    int rc = run(d, q->newest_first ? PD_ST_PROFILES_IN_DESC : PD_ST_PROFILES_IN, json, q->from_ns,
                 q->to_ns, limit, 0, set, &rctx, f->cb, f->ctx, err);
    free(json);
    free(rctx.totals);
    return rc;
}

int pd_store_find(pd_store_reader *r, const pd_store_query *q, pd_store_meta_cb cb, void *ctx,
                  pd_err *err)
{
    if (q == NULL || cb == NULL)
        return pd_errf(err, -EINVAL, "find: no query or no callback");
    find_ctx f = {cb, ctx, 0};
    return pd_st_with_series(&r->d, q, find_in, &f, err);
}

/* --- plans: the coarsest rows that answer a range exactly ------------------- */

/* A span of a plan: raw times [from, to], or the buckets of `level`
 * starting in [from, to). */
typedef struct span {
    int level;
    int64_t from, to;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static void span_add(spans *sp, int level, int64_t from, int64_t to)
{
    span *last = sp->n > 0 ? &sp->v[sp->n - 1] : NULL;
    /* adjacent spans of one level are one query */
    if (last != NULL && last->level == level &&
        (level == 0 ? last->to + 1 == from : last->to == from)) {
        last->to = to;
        return;
    }
    pd_xgrow((void **)&sp->v, &sp->cap, sp->n + 1, sizeof(span));
    sp->v[sp->n++] = (span){level, from, to};
}

/* Spans for the times [a, b], coarsest level first, in time order: the
 * buckets of `level` that lie inside and are done, the rest finer. */
static void plan(spans *sp, const pd_st_rollup_mark *m, int level, int64_t a, int64_t b)
{
    if (a > b)
        return;
    if (level == 0) {
        span_add(sp, 0, a, b);
        return;
    }
    int64_t w = PD_STORE_LEVEL_NS(level);
    int64_t first = pd_st_ceil(a, w);
    int64_t end = b == INT64_MAX ? pd_st_floor(b, w) : pd_st_floor(b + 1, w); /* exclusive */
    if (m->done[level] > 0 && end > m->done[level])
        end = m->done[level];
    if (m->done[level] <= 0 || first >= end) {
        plan(sp, m, level - 1, a, b);
        return;
    }
    if (first > a)
        plan(sp, m, level - 1, a, first - 1);
    span_add(sp, level, first, end);
    plan(sp, m, level - 1, end, b);
}

static int plan_in(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set, void *ctx,
                   pd_err *err)
{
    find_ctx *f = ctx;
    if (set->n == 0)
        return 0;
    pd_st_rollup_mark m;
    int rc = pd_st_rollup_progress(d, &m, err);
    if (rc != 0)
        return rc;
    spans sp = {0};
    int64_t step = f->step_ns > 0 ? f->step_ns : INT64_MAX;
    for (int64_t a = q->from_ns; a <= q->to_ns;) {
        /* a <= to: the difference is exact in uint64 */
        uint64_t left = (uint64_t)q->to_ns - (uint64_t)a;
        int64_t b = left < (uint64_t)step ? q->to_ns : a + step - 1;
        plan(&sp, &m, PD_STORE_LEVELS, a, b);
        if (b >= q->to_ns)
            break;
        a = b + 1;
    }
    char *json = ids_json(set);
    row_ctx rctx = {0};
    for (size_t i = 0; i < sp.n && rc == 0 && !rctx.stopped; i++)
        rc = run(d, sp.v[i].level == 0 ? PD_ST_PROFILES_IN : PD_ST_UP_IN, json, sp.v[i].from,
                 sp.v[i].to, -1, sp.v[i].level, set, &rctx, f->cb, f->ctx, err);
    free(json);
    free(rctx.totals);
    free(sp.v);
    return rc;
}

int pd_store_plan(pd_store_reader *r, const pd_store_query *q, int64_t step_ns, pd_store_meta_cb cb,
                  void *ctx, pd_err *err)
{
    if (q == NULL || cb == NULL)
        return pd_errf(err, -EINVAL, "plan: no query or no callback");
    find_ctx f = {cb, ctx, step_ns};
    return pd_st_with_series(&r->d, q, plan_in, &f, err);
}
