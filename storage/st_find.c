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
} row_ctx;

/* Fills meta from a PD_ST_PROFILES_IN row; pointers borrowed from the row,
 * the series set and rc. */
static void row_meta(sqlite3_stmt *st, const pd_st_series_set *set, row_ctx *rc,
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
    const pd_st_series *s = pd_st_series_find(set, meta->series_id);
    if (s != NULL) { /* defensive: the query only returns series of the set */
        meta->series = s->canonical;
        meta->labels = s->labels;
        meta->nlabels = s->nlabels;
    } else {
        meta->series = "{}";
    }
}

static int run(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set,
               pd_store_meta_cb cb, void *ctx, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, q->newest_first ? PD_ST_PROFILES_IN_DESC : PD_ST_PROFILES_IN, &st, err);
    if (rc != 0)
        return rc;
    char *json = ids_json(set);
    row_ctx rctx = {0};
    int64_t limit = q->limit == 0 || q->limit > INT64_MAX ? -1 : (int64_t)q->limit;
    int step = sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, q->from_ns);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 3, q->to_ns);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 4, limit);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        pd_store_meta meta;
        row_meta(st, set, &rctx, &meta);
        if (cb(ctx, &meta) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = pd_st_err(d, step, "find profiles", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* json is freed next */
    free(json);
    free(rctx.totals);
    return rc;
}

typedef struct find_ctx {
    pd_store_meta_cb cb;
    void *ctx;
} find_ctx;

static int find_in(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set, void *ctx,
                   pd_err *err)
{
    find_ctx *f = ctx;
    return set->n > 0 ? run(d, q, set, f->cb, f->ctx, err) : 0;
}

int pd_store_find(pd_store_reader *r, const pd_store_query *q, pd_store_meta_cb cb, void *ctx,
                  pd_err *err)
{
    if (q == NULL || cb == NULL)
        return pd_errf(err, -EINVAL, "find: no query or no callback");
    find_ctx f = {cb, ctx};
    return pd_st_with_series(&r->d, q, find_in, &f, err);
}
