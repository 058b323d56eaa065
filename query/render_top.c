/* The `top` table and its diff variant (see pd_render.h): per-function
 * flat and cum sums from rn_flat_cum, sorted and written with jansson. */
#include "pd_render.h"

#include "pd_mem.h"
#include "rn_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct top_row {
    const uint8_t *name;
    uint32_t len;
    int64_t flat, cum;   /* the profile's (target's, for a diff) */
    int64_t bflat, bcum; /* diff: the base's */
    double dflat, dcum;  /* diff: share changes in points */
} top_row;

static int64_t abs64(int64_t v)
{
    return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

static int cmp_name(const top_row *a, const top_row *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    if (c != 0)
        return c;
    return a->len < b->len ? -1 : (a->len > b->len);
}

static int cmp_top(const void *x, const void *y)
{
    const top_row *a = x, *b = y;
    if (abs64(a->flat) != abs64(b->flat))
        return abs64(a->flat) > abs64(b->flat) ? -1 : 1;
    if (abs64(a->cum) != abs64(b->cum))
        return abs64(a->cum) > abs64(b->cum) ? -1 : 1;
    return cmp_name(a, b);
}

static int cmp_diff(const void *x, const void *y)
{
    const top_row *a = x, *b = y;
    if (a->dflat != b->dflat)
        return a->dflat > b->dflat ? -1 : 1;
    if (a->dcum != b->dcum)
        return a->dcum > b->dcum ? -1 : 1;
    return cmp_name(a, b);
}

static double pct(int64_t v, int64_t total)
{
    return total == 0 ? 0 : (double)v * 100.0 / (double)total;
}

/* {"sample_type":..,"unit":..} of p's sample type si. */
static json_t *header(const pd_profile *p, int si)
{
    json_t *o = rn_jobject();
    rn_jset(o, "sample_type", rn_json_string(p, p->sample_types[si].type));
    rn_jset(o, "unit", rn_json_string(p, p->sample_types[si].unit));
    return o;
}

static int finish(json_t *o, pd_buf *out, pd_err *err)
{
    int rc = rn_json_dump(o, out);
    json_decref(o);
    if (rc < 0)
        return pd_errf(err, rc, "top output exceeds %zu bytes", out->max);
    return 0;
}

/* Sorts the rows by cmp; how many of them to show. */
static size_t ranked(top_row *rows, size_t n, size_t limit, int (*cmp)(const void *, const void *))
{
    if (n > 0)
        qsort(rows, n, sizeof(*rows), cmp);
    return limit > 0 && n > limit ? limit : n;
}

int pd_render_top(const pd_profile *p, int si, size_t limit, pd_buf *out, pd_err *err)
{
    rn_stacks s;
    int rc = rn_stacks_open(&s, p, si, err);
    if (rc < 0)
        return rc;
    int64_t *flat, *cum, total;
    rn_flat_cum(&s, si, &flat, &cum, &total);
    top_row *rows = pd_xcalloc(s.nnames > 0 ? s.nnames : 1, sizeof(*rows));
    size_t n = 0;
    for (uint32_t i = 0; i < s.nnames; i++)
        if (flat[i] != 0 || cum[i] != 0)
            rows[n++] = (top_row){
                .name = s.name_ptr[i], .len = s.name_len[i], .flat = flat[i], .cum = cum[i]};
    n = ranked(rows, n, limit, cmp_top);
    json_t *o = header(p, si);
    rn_jset(o, "total", rn_jint(total));
    json_t *arr = rn_jarray();
    for (size_t i = 0; i < n; i++) {
        json_t *r = rn_jobject();
        rn_jset(r, "function", rn_json_stringn(rows[i].name, rows[i].len));
        rn_jset(r, "flat", rn_jint(rows[i].flat));
        rn_jset(r, "flat_pct", rn_json_pct(pct(rows[i].flat, total)));
        rn_jset(r, "cum", rn_jint(rows[i].cum));
        rn_jset(r, "cum_pct", rn_json_pct(pct(rows[i].cum, total)));
        rn_jappend(arr, r);
    }
    rn_jset(o, "rows", arr);
    free(rows);
    free(flat);
    free(cum);
    rn_stacks_free(&s);
    return finish(o, out, err);
}

/* Adds one side's sums to the rows, keyed by name through `map`. */
static void add_side(top_row **rows, size_t *n, size_t *cap, pd_keymap *map, const rn_stacks *s,
                     const int64_t *flat, const int64_t *cum, bool base)
{
    for (uint32_t i = 0; i < s->nnames; i++) {
        if (flat[i] == 0 && cum[i] == 0)
            continue;
        bool inserted = false;
        const uint8_t *stored = NULL;
        uint32_t at =
            pd_keymap_intern(map, s->name_ptr[i], s->name_len[i], (uint32_t)*n, &inserted, &stored);
        if (inserted) {
            pd_xgrow((void **)rows, cap, *n + 1, sizeof(**rows));
            (*rows)[(*n)++] = (top_row){.name = stored, .len = s->name_len[i]};
        }
        top_row *r = &(*rows)[at];
        if (base) {
            r->bflat = flat[i];
            r->bcum = cum[i];
        } else {
            r->flat = flat[i];
            r->cum = cum[i];
        }
    }
}

static json_t *diff_row(const top_row *r, int64_t btotal, int64_t ttotal)
{
    json_t *o = rn_jobject();
    rn_jset(o, "function", rn_json_stringn(r->name, r->len));
    rn_jset(o, "flat_delta_pct", rn_json_pct(r->dflat));
    rn_jset(o, "cum_delta_pct", rn_json_pct(r->dcum));
    rn_jset(o, "base_flat", rn_jint(r->bflat));
    rn_jset(o, "base_flat_pct", rn_json_pct(pct(r->bflat, btotal)));
    rn_jset(o, "target_flat", rn_jint(r->flat));
    rn_jset(o, "target_flat_pct", rn_json_pct(pct(r->flat, ttotal)));
    rn_jset(o, "base_cum", rn_jint(r->bcum));
    rn_jset(o, "base_cum_pct", rn_json_pct(pct(r->bcum, btotal)));
    rn_jset(o, "target_cum", rn_jint(r->cum));
    rn_jset(o, "target_cum_pct", rn_json_pct(pct(r->cum, ttotal)));
    return o;
}

int pd_render_top_diff(const pd_profile *base, const pd_profile *target, int si, size_t limit,
                       pd_buf *out, pd_err *err)
{
    int rc = rn_check_si(base, si, err);
    if (rc == 0)
        rc = rn_check_si(target, si, err);
    if (rc < 0)
        return rc;
    const pd_value_type *bt = &base->sample_types[si], *tt = &target->sample_types[si];
    const pd_str *bn = &base->strings[bt->type], *tn = &target->strings[tt->type];
    if (bn->len != tn->len || (bn->len > 0 && memcmp(bn->ptr, tn->ptr, bn->len) != 0))
        return pd_errf(err, -EINVAL, "sample type %d differs between base and target", si);

    rn_stacks bs, ts;
    rn_stacks_init(&bs, base);
    rn_stacks_init(&ts, target);
    int64_t *bflat, *bcum, btotal, *tflat, *tcum, ttotal;
    rn_flat_cum(&bs, si, &bflat, &bcum, &btotal);
    rn_flat_cum(&ts, si, &tflat, &tcum, &ttotal);
    pd_keymap map;
    pd_keymap_init(&map, (size_t)bs.nnames + ts.nnames + 1);
    top_row *rows = NULL;
    size_t n = 0, cap = 0;
    add_side(&rows, &n, &cap, &map, &bs, bflat, bcum, true);
    add_side(&rows, &n, &cap, &map, &ts, tflat, tcum, false);
    for (size_t i = 0; i < n; i++) {
        rows[i].dflat = pct(rows[i].flat, ttotal) - pct(rows[i].bflat, btotal);
        rows[i].dcum = pct(rows[i].cum, ttotal) - pct(rows[i].bcum, btotal);
    }
    n = ranked(rows, n, limit, cmp_diff);

    json_t *o = header(target, si);
    rn_jset(o, "base_total", rn_jint(btotal));
    rn_jset(o, "target_total", rn_jint(ttotal));
    json_t *arr = rn_jarray();
    for (size_t i = 0; i < n; i++)
        rn_jappend(arr, diff_row(&rows[i], btotal, ttotal));
    rn_jset(o, "rows", arr);

    free(rows);
    pd_keymap_free(&map);
    free(bflat);
    free(bcum);
    free(tflat);
    free(tcum);
    rn_stacks_free(&bs);
    rn_stacks_free(&ts);
    return finish(o, out, err);
}
