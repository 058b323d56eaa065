/* GET /api/v1/series, on a worker thread: the stored totals of one sample
 * type per `step` bucket and per group of `group_by` labels, by merge's
 * rule: a gauge (api_sample_is_gauge) is averaged per series within the
 * bucket and the series' averages summed, unless aggregation=sum; other
 * values are summed. Nothing is decoded: the totals were computed at
 * ingest, and a rollup (pd_store_plan, cut at the buckets) carries the sum
 * of its profiles' and their count. */
#include "api_int.h"

#include "pd_hash.h"
#include "pd_mem.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_POINTS 11000 /* per series, as Prometheus */

typedef struct group {
    json_t *labels;
    int64_t *sums;   /* one per bucket */
    uint8_t *filled; /* bucket had a profile */
} group;

/* One series' gauge values within one bucket, to be averaged. */
typedef struct cell {
    int64_t sum;
    int64_t n; /* profiles summed */
    uint32_t group;
    size_t bucket;
} cell;

typedef struct series_ctx {
    api_req *r;
    int64_t step;
    size_t nbuckets;
    pd_keymap keys; /* group key -> index */
    group *groups;
    size_t ngroups, cap;
    pd_keymap cell_keys; /* (series id, bucket) -> index in cells */
    cell *cells;
    size_t ncells, cells_cap;
    size_t seen;
    uint64_t deadline;
    int rc;
} series_ctx;

/* Index of the sample type to sum in m, or -1; *name and *len (OUT) its
 * name. */
static int pick_type(const pd_store_meta *m, const char *want, const char **name, size_t *len)
{
    const char *wanted = want;
    if (wanted == NULL && m->default_sample_type[0] != '\0')
        wanted = m->default_sample_type;
    const char *s = m->sample_types;
    int i = 0, last = -1;
    while (s != NULL && *s != '\0') {
        const char *slash = strchr(s, '/');
        const char *comma = strchr(s, ',');
        size_t nl = slash && (!comma || slash < comma) ? (size_t)(slash - s)
                                                       : (comma ? (size_t)(comma - s) : strlen(s));
        *name = s;
        *len = nl;
        if (wanted != NULL && strlen(wanted) == nl && strncmp(s, wanted, nl) == 0)
            return i;
        last = i++;
        s = comma ? comma + 1 : s + strlen(s);
    }
    return wanted == NULL ? last : -1;
}

/* Adds v, the sum of n profiles, to the average of series `id` in bucket b
 * of group gi. */
static void add_gauge(series_ctx *c, int64_t id, size_t b, uint32_t gi, int64_t v, int64_t n)
{
    int64_t key[2] = {id, (int64_t)b};
    bool added = false;
    uint32_t ci =
        pd_keymap_intern(&c->cell_keys, key, sizeof(key), (uint32_t)c->ncells, &added, NULL);
    if (added) {
        pd_xgrow((void **)&c->cells, &c->cells_cap, c->ncells + 1, sizeof(cell));
        c->cells[c->ncells++] = (cell){0, 0, gi, b};
    }
    c->cells[ci].sum += v;
    c->cells[ci].n += n;
}

static const char *label_of(const pd_store_meta *m, const char *name)
{
    for (size_t i = 0; i < m->nlabels; i++)
        if (strcmp(m->labels[i].name, name) == 0)
            return m->labels[i].value;
    return "";
}

static int on_meta(void *arg, const pd_store_meta *m)
{
    series_ctx *c = arg;
    const api_query *q = &c->r->q;
    if (++c->seen > c->r->api->max_query_profiles) {
        c->rc = -E2BIG;
        return 1;
    }
    if ((c->seen & 1023) == 0 && api_should_abort(c->r, c->deadline)) {
        c->rc = -ETIMEDOUT;
        return 1;
    }
    const char *tname = "";
    size_t tlen = 0;
    int ti = pick_type(m, q->sample_type, &tname, &tlen);
    if (ti < 0 || (size_t)ti >= m->ntotals)
        return 0;
    char key[4096];
    size_t kl = 0;
    for (size_t i = 0; i < q->ngroup_by; i++) {
        int w = snprintf(key + kl, sizeof(key) - kl, "%s\xff", label_of(m, q->group_by[i]));
        kl = w < 0 || (size_t)w >= sizeof(key) - kl ? sizeof(key) - 1 : kl + (size_t)w;
    }
    bool added = false;
    uint32_t gi = pd_keymap_intern(&c->keys, key, kl, (uint32_t)c->ngroups, &added, NULL);
    if (added) {
        pd_xgrow((void **)&c->groups, &c->cap, c->ngroups + 1, sizeof(group));
        group *g = &c->groups[c->ngroups++];
        g->labels = json_object();
        for (size_t i = 0; i < q->ngroup_by; i++)
            json_object_set_new(g->labels, q->group_by[i],
                                json_string(label_of(m, q->group_by[i])));
        g->sums = pd_xcalloc(c->nbuckets, sizeof(int64_t));
        g->filled = pd_xcalloc(c->nbuckets, 1);
    }
    size_t b = (size_t)((m->time_ns - q->from) / c->step);
    if (b >= c->nbuckets)
        b = c->nbuckets - 1;
    c->groups[gi].filled[b] = 1;
    if (!q->agg_sum && api_sample_is_gauge(q->type, tname, tlen))
        add_gauge(c, m->series_id, b, gi, m->totals[ti], m->count);
    else
        c->groups[gi].sums[b] += m->totals[ti];
    return 0;
}

/* Each series' average in a bucket joins its group's sum there. */
static void fold_gauges(series_ctx *c)
{
    for (size_t i = 0; i < c->ncells; i++) {
        const cell *x = &c->cells[i];
        c->groups[x->group].sums[x->bucket] += llround((double)x->sum / (double)x->n);
    }
}

static json_t *points(const series_ctx *c, const group *g)
{
    json_t *pts = json_array();
    for (size_t b = 0; b < c->nbuckets; b++) {
        if (!g->filled[b])
            continue;
        int64_t t = c->r->q.from + (int64_t)b * c->step;
        json_t *tj =
            t % 1000000000 == 0 ? json_integer(t / 1000000000) : json_real((double)t / 1e9);
        json_array_append_new(pts, json_pack("[o,I]", tj, (json_int_t)g->sums[b]));
    }
    return pts;
}

void api_work_series(api_req *r, pd_store_reader *rd)
{
    series_ctx c;
    memset(&c, 0, sizeof(c));
    c.r = r;
    c.deadline = uv_hrtime() + API_QUERY_TIMEOUT_NS;
    int64_t range = r->q.to - r->q.from;
    c.step = r->q.step ? r->q.step : range / 100;
    if (c.step < 1000000000)
        c.step = r->q.step ? r->q.step : 1000000000;
    if (range / c.step + 1 > MAX_POINTS) {
        api_set_error(r, 400, "step: too many points (over 11000 per series); raise step");
        return;
    }
    c.nbuckets = (size_t)(range / c.step) + 1;
    pd_keymap_init(&c.keys, 16);
    pd_keymap_init(&c.cell_keys, 64);
    pd_store_query sq;
    api_store_query(&r->q, r->q.sel, r->q.from, r->q.to, &sq);
    pd_err err = {{0}};
    int rc = pd_store_plan(rd, &sq, c.step, on_meta, &c, &err);
    if (rc == 0 && c.rc == -E2BIG)
        api_set_error(r, 422, "query needs more than limits.max_query_profiles stored rows");
    else if (rc == 0 && c.rc < 0)
        api_set_error(r, 503, "query took longer than 30 s");
    else if (rc < 0)
        api_set_error(r, api_status_of(rc), err.msg);
    fold_gauges(&c);
    json_t *list = json_array();
    for (size_t i = 0; i < c.ngroups; i++) {
        group *g = &c.groups[i];
        if (rc == 0 && c.rc == 0)
            json_array_append_new(
                list, json_pack("{s:O,s:o}", "labels", g->labels, "points", points(&c, g)));
        json_decref(g->labels);
        free(g->sums);
        free(g->filled);
    }
    free(c.groups);
    free(c.cells);
    pd_keymap_free(&c.keys);
    pd_keymap_free(&c.cell_keys);
    if (rc == 0 && c.rc == 0)
        api_set_json(r, 200, json_pack("{s:o}", "series", list));
    else
        json_decref(list);
}
