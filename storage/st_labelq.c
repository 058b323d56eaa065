/* Label names and values over the series a query selects that have a
 * profile in its time range: distinct and sorted. */
#include "st_int.h"

#include "pd_mem.h"
#include "pd_names.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

/* *has (OUT): whether series `sid` has a profile in [from, to]. */
static int has_profile(pd_st_db *d, int64_t sid, const pd_store_query *q, bool *has, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_HAS_PROFILE, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, sid);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, q->from_ns);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 3, q->to_ns);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    *has = step == SQLITE_ROW;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return pd_st_err(d, step, "labels", err);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct collect_ctx {
    const char *name;
    pd_store_string_cb cb;
    void *ctx;
} collect_ctx;

static int collect_in(pd_st_db *d, const pd_store_query *q, const pd_st_series_set *set, void *ctx,
                      pd_err *err)
{
    collect_ctx *c = ctx;
    const char **v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < set->n && rc == 0; i++) {
        bool has = false;
        rc = has_profile(d, set->v[i].id, q, &has, err);
        for (size_t j = 0; rc == 0 && has && j < set->v[i].nlabels; j++) {
            const pd_store_label *l = &set->v[i].labels[j];
            if (c->name != NULL && strcmp(l->name, c->name) != 0)
                continue;
            pd_xgrow((void **)&v, &cap, n + 1, sizeof(*v));
            v[n++] = c->name != NULL ? l->value : l->name;
        }
    }
    if (rc == 0 && n > 0) {
        qsort(v, n, sizeof(*v), cmp_str);
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && strcmp(v[i - 1], v[i]) == 0)
                continue;
            if (c->cb(c->ctx, v[i]) != 0)
                break;
        }
    }
    free(v);
    return rc;
}

/* Names of every label (name == NULL) or values of label `name`. */
static int collect(pd_store_reader *r, const char *name, const pd_store_query *q,
                   pd_store_string_cb cb, void *ctx, pd_err *err)
{
    pd_store_query all = {.from_ns = INT64_MIN, .to_ns = INT64_MAX};
    if (q == NULL)
        q = &all;
    if (cb == NULL)
        return pd_errf(err, -EINVAL, "labels: no callback");
    collect_ctx c = {name, cb, ctx};
    return pd_st_with_series(&r->d, q, collect_in, &c, err);
}

int pd_store_label_names(pd_store_reader *r, const pd_store_query *q, pd_store_string_cb cb,
                         void *ctx, pd_err *err)
{
    return collect(r, NULL, q, cb, ctx, err);
}

int pd_store_label_values(pd_store_reader *r, const char *name, const pd_store_query *q,
                          pd_store_string_cb cb, void *ctx, pd_err *err)
{
    if (!pd_label_name_valid(name))
        return pd_errf(err, -EINVAL, "labels: invalid label name \"%s\"", name ? name : "(null)");
    return collect(r, name, q, cb, ctx, err);
}
