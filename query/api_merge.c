/* GET /api/v1/merge and /api/v1/diff, on a worker
 * thread: the matching profiles are fetched one at a time from the reader
 * and merged with pprof's rules (pd_profile_merge_stream); gauges are
 * averaged per series first. The deadline and the stop flag are checked
 * between inputs. */
#include "api_int.h"

#include "pd_time.h"

#include "pd_mem.h"
#include "pd_profile.h"
#include "pd_render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A row of the plan: a profile (level 0) or a rollup of `count`. */
typedef struct pick {
    int64_t id, series, count;
    int level;
    size_t order;
} pick;

typedef struct picks {
    pick *v;
    size_t n, cap, max;
    bool over;
} picks;

typedef struct source {
    api_req *r;
    pd_store_reader *rd;
    const pick *v;
    size_t n, i;
    uint64_t deadline;
    uv_mutex_t *rd_mu; /* the reader is shared by the prefetch workers */
} source;

/* Selections at least this large are decoded ahead on worker threads. */
#define PREFETCH_MIN 16
#define PREFETCH_WINDOW 32

static int on_pick(void *ctx, const pd_store_meta *m)
{
    picks *c = ctx;
    if (c->n >= c->max) {
        c->over = true;
        return 1;
    }
    pd_xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(pick));
    c->v[c->n] = (pick){m->id, m->series_id, m->count, m->level, c->n};
    c->n++;
    return 0;
}

/* Input i of the selection, decoded (a pd_profile_load_fn: on a prefetch
 * worker, or inline by next_stored); *p stays NULL for a profile
 * retention deleted meanwhile. */
static int load_stored(void *ctx, size_t i, pd_profile **p, pd_err *err)
{
    source *s = ctx;
    *p = NULL;
    if (atomic_load(&s->r->api->cancel))
        return pd_errf(err, -ECANCELED, "server stopping");
    if (uv_hrtime() > s->deadline)
        return pd_errf(err, -ETIMEDOUT, "query took longer than 30 s");
    int64_t id = s->v[i].id;
    if (s->rd_mu != NULL)
        uv_mutex_lock(s->rd_mu);
    int rc = s->v[i].level == 0 ? pd_store_load(s->rd, id, p, err)
                                : pd_store_load_rollup(s->rd, id, p, err);
    if (s->rd_mu != NULL)
        uv_mutex_unlock(s->rd_mu);
    if (rc == -ENOENT) {
        pd_err_clear(err);
        return 0;
    }
    return rc < 0 ? rc : 0;
}

/* The next stored profile of the selection, decoded, inline (a
 * pd_profile_source). */
static int next_stored(void *ctx, pd_profile **p, pd_err *err)
{
    source *s = ctx;
    while (s->i < s->n) {
        int rc = load_stored(s, s->i++, p, err);
        if (rc < 0)
            return rc;
        if (*p != NULL)
            return 1;
    }
    return 0;
}

static int next_prefetched(void *ctx, pd_profile **p, pd_err *err)
{
    for (;;) {
        int rc = pd_prefetch_next(ctx, p, err);
        if (rc <= 0 || *p != NULL)
            return rc;
    }
}

/* The merge of s's selection on stack ids (pd_agg): 1 if done, 0 if some
 * input cannot be summed that way (then nothing is left behind). */
static int merge_ids(source *s, pd_profile **out, pd_err *err)
{
    pd_agg *a = pd_agg_new();
    int rc = pd_store_read_begin(s->rd, err);
    for (size_t i = 0; i < s->n && rc >= 0; i++) {
        if (atomic_load(&s->r->api->cancel))
            rc = pd_errf(err, -ECANCELED, "server stopping");
        else if ((i & 255) == 0 && uv_hrtime() > s->deadline)
            rc = pd_errf(err, -ETIMEDOUT, "query took longer than 30 s");
        else
            rc = pd_store_agg_add(s->rd, s->v[i].level, s->v[i].id, a, err);
        if (rc == -ENOENT) { /* retention deleted it meanwhile */
            pd_err_clear(err);
            rc = 0;
        }
    }
    if (rc >= 0)
        rc = pd_agg_profiles(a) > 0 ? pd_store_agg_finish(s->rd, a, out, err) : -EAGAIN;
    pd_store_read_end(s->rd);
    pd_agg_free(a);
    if (rc == -EAGAIN)
        return 0;
    return rc < 0 ? rc : 1;
}

/* The merge of s's selection: on stack ids when every input allows it;
 * else from rebuilt profiles, large selections decoded ahead on worker
 * threads (decoding is then most of a merge's work), small ones inline. */
static int merge_stored(source *s, pd_profile **out, pd_err *err)
{
    int done = merge_ids(s, out, err);
    if (done != 0)
        return done < 0 ? done : 0;
    if (s->n < PREFETCH_MIN)
        return pd_profile_merge_stream(next_stored, s, out, err);
    uv_mutex_t mu;
    if (uv_mutex_init(&mu) != 0)
        return pd_profile_merge_stream(next_stored, s, out, err);
    s->rd_mu = &mu;
    /* Decoders on all cores but one: the event loop keeps a core. */
    unsigned cores = uv_available_parallelism();
    unsigned threads = cores > 2 ? cores - 1 : 1;
    pd_prefetch *pf = pd_prefetch_start(load_stored, s, s->n, threads, PREFETCH_WINDOW);
    int rc = pd_profile_merge_stream(next_prefetched, pf, out, err);
    pd_prefetch_stop(pf);
    uv_mutex_destroy(&mu);
    s->rd_mu = NULL;
    return rc;
}

typedef struct list_source {
    pd_profile **v;
    size_t n, i;
} list_source;

static int next_listed(void *ctx, pd_profile **p, pd_err *err)
{
    (void)err;
    list_source *s = ctx;
    if (s->i == s->n)
        return 0;
    *p = s->v[s->i];
    s->v[s->i++] = NULL; /* the merge owns it now */
    return 1;
}

/* Divides the gauge values of one series' merge by its profile count n.
 * Samples are not dropped here (pd_profile_scale_n would drop those whose
 * gauges round to 0 even when their alloc_* values are not). */
static void average(pd_profile *p, const char *type, size_t n)
{
    for (uint32_t j = 0; j < p->nsample_types; j++) {
        pd_str name = p->strings[p->sample_types[j].type];
        if (!api_sample_is_gauge(type, name.ptr, name.len))
            continue;
        for (uint32_t i = 0; i < p->nsamples; i++)
            p->samples[i].values[j] = llround((double)p->samples[i].values[j] / (double)n);
    }
}

static int cmp_series(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    if (x->series != y->series)
        return x->series < y->series ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* Per series: merge, average; then the merge of the series results. */
static int merge_gauges(source *s, pick *v, size_t n, pd_profile **out, pd_err *err)
{
    qsort(v, n, sizeof(pick), cmp_series);
    list_source ls = {NULL, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && v[j].series == v[i].series)
            j++;
        source one = *s;
        one.v = v + i;
        one.n = j - i;
        one.i = 0;
        size_t profiles = 0; /* a rollup holds many */
        for (size_t k = i; k < j; k++)
            profiles += (size_t)v[k].count;
        pd_profile *p = NULL;
        rc = merge_stored(&one, &p, err);
        if (rc == 0) {
            average(p, s->r->q.type, profiles);
            ls.v = pd_xrealloc(ls.v, (ls.n + 1) * sizeof(*ls.v));
            ls.v[ls.n++] = p;
        }
        i = j;
    }
    if (rc == 0)
        rc = pd_profile_merge_stream(next_listed, &ls, out, err);
    for (size_t i = 0; i < ls.n; i++)
        pd_profile_free(ls.v[i]);
    free(ls.v);
    return rc;
}

/* The merge of selection `sel` over [from, to]. On error sets r's answer
 * and returns < 0; `what` names the selection in messages. */
static int merge_selection(api_req *r, pd_store_reader *rd, const pd_selector *sel, int64_t from,
                           int64_t to, const char *what, pd_profile **out)
{
    *out = NULL;
    pd_store_query sq;
    api_store_query(&r->q, sel, from, to, &sq);
    picks c = {NULL, 0, 0, r->api->max_query_profiles, false};
    pd_err err = {{0}};
    char msg[PD_ERR_MAX + 64];
    int rc = pd_store_plan(rd, &sq, 0, on_pick, &c, &err);
    if (rc < 0) {
        api_set_error(r, api_status_of(rc), err.msg);
    } else if (c.over) {
        snprintf(msg, sizeof(msg),
                 "%s: needs more than %llu stored rows (limits.max_query_profiles)", what,
                 (unsigned long long)c.max);
        api_set_error(r, 422, msg);
        rc = -E2BIG;
    } else if (c.n == 0) {
        snprintf(msg, sizeof(msg), "%s: no profiles of type %s match in the time range", what,
                 r->q.type);
        api_set_error(r, 404, msg);
        rc = -ENOENT;
    } else if (api_escalate(r, c.n)) {
        rc = -EAGAIN; /* comes back in the heavy lane */
    } else {
        source s = {r, rd, c.v, c.n, 0, uv_hrtime() + API_QUERY_TIMEOUT_NS, NULL};
        if (api_type_has_gauges(r->q.type) && !r->q.agg_sum)
            rc = merge_gauges(&s, c.v, c.n, out, &err);
        else
            rc = merge_stored(&s, out, &err);
        if (rc < 0) {
            int status = rc == -ETIMEDOUT || rc == -ECANCELED ? 503 : rc == -EINVAL ? 422 : 500;
            api_set_error(r, status, err.msg);
        }
    }
    free(c.v);
    return rc;
}

/* A time to the second, for a heading: the fraction dropped. */
static void secs(int64_t ns, char *buf, size_t size)
{
    pd_time_format(ns, buf, size);
    char *dot = strchr(buf, '.');
    if (dot != NULL)
        memcpy(dot, "Z", 2);
}

/* The flame graph's heading: what was asked for ("cpu {job="api"}
 * 2026-12-02T10:00:00Z to 2026-12-02T11:00:00Z"); the graph adds the
 * total under it. */
static void heading(const api_req *r, char *buf, size_t size)
{
    char from[PD_TIME_FORMAT_MAX], to[PD_TIME_FORMAT_MAX], from2[PD_TIME_FORMAT_MAX],
        to2[PD_TIME_FORMAT_MAX];
    secs(r->q.from, from, sizeof(from));
    secs(r->q.to, to, sizeof(to));
    if (r->q.sel2_text == NULL) {
        snprintf(buf, size, "%s %s %s to %s", r->q.type, r->q.sel_text, from, to);
        return;
    }
    if (r->q.from2 == r->q.from && r->q.to2 == r->q.to) {
        snprintf(buf, size, "%s diff: base %s, target %s, %s to %s", r->q.type, r->q.sel_text,
                 r->q.sel2_text, from, to);
        return;
    }
    secs(r->q.from2, from2, sizeof(from2));
    secs(r->q.to2, to2, sizeof(to2));
    snprintf(buf, size, "%s diff: base %s %s to %s, target %s %s to %s", r->q.type, r->q.sel_text,
             from2, to2, r->q.sel2_text, from, to);
}

/* Renders p (not consumed) in r's format, or sets the error. */
static void render(api_req *r, const pd_profile *p, const char *title)
{
    pd_err err = {{0}};
    int rc = 0;
    if (r->q.format == FMT_PPROF) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = pd_profile_encode(p, true, &data, &len, &err);
        if (rc == 0)
            api_set_pprof(r, data, len, title);
    } else {
        int si = pd_profile_sample_type_index(p, r->q.sample_type);
        if (si < 0) {
            char msg[160];
            snprintf(msg, sizeof(msg), "sample_type: \"%s\" is not in the profile",
                     r->q.sample_type ? r->q.sample_type : "(default)");
            api_set_error(r, 400, msg);
            return;
        }
        pd_buf_reset(&r->body);
        switch (r->q.format) {
        case FMT_JSON:
            rc = pd_render_tree_json(p, si, r->q.limit, &r->body, &err);
            r->ctype = "application/json";
            break;
        case FMT_FOLDED:
            rc = pd_render_folded(p, si, &r->body, &err);
            r->ctype = "text/plain; charset=utf-8";
            break;
        case FMT_TOP:
            rc = pd_render_top(p, si, r->q.limit, &r->body, &err);
            r->ctype = "application/json";
            break;
        default: {
            char head[1024];
            heading(r, head, sizeof(head));
            rc = pd_render_svg(p, si, head, &r->body, &err);
            r->ctype = "image/svg+xml";
            break;
        }
        }
        r->status = 200;
    }
    if (rc < 0)
        api_set_error(r, rc == -E2BIG ? 422 : 500, err.msg);
}

void api_work_merge(api_req *r, pd_store_reader *rd)
{
    pd_profile *p = NULL;
    if (merge_selection(r, rd, r->q.sel, r->q.from, r->q.to, "query", &p) < 0)
        return;
    render(r, p, "merge");
    pd_profile_free(p);
}

void api_work_diff(api_req *r, pd_store_reader *rd)
{
    if (r->q.format == FMT_FOLDED) {
        api_set_error(r, 400, "format: diff answers pprof, json, top or svg");
        return;
    }
    pd_profile *base = NULL, *target = NULL, *d = NULL;
    pd_err err = {{0}};
    if (merge_selection(r, rd, r->q.sel, r->q.from2, r->q.to2, "base", &base) < 0)
        return;
    if (merge_selection(r, rd, r->q.sel2, r->q.from, r->q.to, "target", &target) < 0) {
        pd_profile_free(base);
        return;
    }
    pd_profile *both[2] = {base, target};
    int rc = pd_profiles_scale_units(both, 2, &err);
    if (rc == 0)
        rc = pd_profile_compatible(base, target, &err);
    if (rc < 0) {
        api_set_error(r, 422, err.msg);
        goto out;
    }
    if (r->q.normalize)
        pd_profile_normalize(base, target, NULL); /* compatible: checked above */
    int si = pd_profile_sample_type_index(target, r->q.sample_type);
    if (r->q.format != FMT_PPROF && si < 0) {
        api_set_error(r, 400, "sample_type: not in the profiles");
        goto out;
    }
    if (r->q.format == FMT_TOP) {
        pd_buf_reset(&r->body);
        rc = pd_render_top_diff(base, target, si, r->q.limit, &r->body, &err);
        r->status = 200;
        r->ctype = "application/json";
        if (rc < 0)
            api_set_error(r, 500, err.msg);
        goto out;
    }
    rc = pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &d, &err);
    base = target = NULL; /* consumed */
    if (rc < 0) {
        api_set_error(r, 422, err.msg);
        goto out;
    }
    if (r->q.format == FMT_PPROF) {
        render(r, d, "diff");
    } else {
        pd_buf_reset(&r->body);
        if (r->q.format == FMT_JSON) {
            rc = pd_render_tree_json_diff(d, si, r->q.limit, &r->body, &err);
            r->ctype = "application/json";
        } else {
            char head[1024];
            heading(r, head, sizeof(head));
            rc = pd_render_svg_diff(d, si, head, &r->body, &err);
            r->ctype = "image/svg+xml";
        }
        r->status = 200;
        if (rc < 0)
            api_set_error(r, rc == -E2BIG ? 422 : 500, err.msg);
    }
out:
    pd_profile_free(base);
    pd_profile_free(target);
    pd_profile_free(d);
}
