/* Baselines of cumulative profiles and the delta against one (see
 * pd_baseline.h); pd_profile_delta is this delta against prev's baseline,
 * so the rules of a delta are written once. */
#include "pd_baseline.h"

#include "cols.h"
#include "pd_hash.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

struct pd_baseline {
    int refs; /* atomic */
    int64_t time_nanos;
    uint64_t types;  /* hash of the period and sample types */
    uint64_t main;   /* hash of the main mapping; 0 = no mappings */
    uint32_t ntypes; /* sample types */
    uint32_t ncum;   /* of them cumulative: the values kept per entry */
    int64_t *totals; /* [ntypes] of the whole snapshot */
    uint32_t n;      /* entries: samples with a cumulative value */
    uint64_t *keys;  /* [n], ascending */
    uint8_t *vals;   /* per entry, its ncum values as zigzag varints */
    size_t vals_len;
};

/* --- identities -------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * UINT64_C(0x9E3779B97F4A7C15);
    return h ^ (h >> 29);
}

static uint64_t str_hash(const pd_profile *p, uint32_t i)
{
    return pd_hash_bytes(p->strings[i].ptr, p->strings[i].len);
}

static uint64_t mapping_hash(const pd_profile *p, const pd_mapping *m)
{
    uint64_t h = mix(mix(mix(1, m->start), m->limit), m->offset);
    return mix(mix(h, str_hash(p, m->file)), str_hash(p, m->build_id));
}

static uint64_t types_hash(const pd_profile *p)
{
    uint64_t h = mix(mix(2, str_hash(p, p->period_type.type)), str_hash(p, p->period_type.unit));
    for (uint32_t i = 0; i < p->nsample_types; i++)
        h = mix(mix(h, str_hash(p, p->sample_types[i].type)), str_hash(p, p->sample_types[i].unit));
    return mix(h, p->nsample_types);
}

static uint64_t main_hash(const pd_profile *p)
{
    return p->nmappings == 0 ? 0 : mapping_hash(p, &p->mappings[0]) | 1;
}

/* What tells samples apart, as pprof's merge does: every location in full
 * (mapping, address, folding, each line's function and number) and the
 * labels, whatever their order. */
typedef struct keyer {
    const pd_profile *p;
    uint64_t *loc; /* per location */
} keyer;

static void keyer_init(keyer *k, const pd_profile *p)
{
    k->p = p;
    k->loc = pd_xmalloc(((size_t)p->nlocations + 1) * sizeof(uint64_t));
    uint64_t *fn = pd_xmalloc(((size_t)p->nfunctions + 1) * sizeof(uint64_t));
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const pd_function *f = &p->functions[i];
        uint64_t h = mix(mix(3, str_hash(p, f->name)), str_hash(p, f->system_name));
        fn[i] = mix(mix(h, str_hash(p, f->filename)), (uint64_t)f->start_line);
    }
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *l = &p->locations[i];
        uint64_t h = mix(4, l->address);
        h = mix(h, l->mapping ? mapping_hash(p, &p->mappings[l->mapping - 1]) : 0);
        h = mix(h, l->is_folded);
        for (uint32_t j = 0; j < l->nlines; j++)
            h = mix(mix(h, fn[l->lines[j].function]), (uint64_t)l->lines[j].line);
        k->loc[i] = mix(h, l->nlines);
    }
    free(fn);
}

static uint64_t sample_key(const keyer *k, const pd_sample *s)
{
    const pd_profile *p = k->p;
    uint64_t h = 5;
    for (uint32_t i = 0; i < s->nlocs; i++)
        h = mix(h, k->loc[s->locs[i]]);
    uint64_t labels = 0; /* a sum: the same for any order */
    for (uint32_t i = 0; i < s->nlabels; i++) {
        const pd_sample_label *l = &s->labels[i];
        uint64_t v = l->str != 0 ? mix(6, str_hash(p, l->str))
                                 : mix(mix(7, (uint64_t)l->num), str_hash(p, l->unit));
        labels += mix(str_hash(p, l->key), v);
    }
    return mix(mix(mix(h, s->nlocs), labels), s->nlabels);
}

/* --- building ------------------------------------------------------------ */

typedef struct entry {
    uint64_t key;
    uint32_t sample;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->sample < y->sample ? -1 : x->sample > y->sample;
}

/* p's samples with their keys, sorted by key (OUT *n). only_cum: just
 * those with a non-zero cumulative value. */
static entry *sorted_entries(const pd_profile *p, const bool *cum, bool only_cum, uint32_t *n)
{
    keyer k;
    keyer_init(&k, p);
    entry *e = pd_xmalloc(((size_t)p->nsamples + 1) * sizeof(*e));
    uint32_t m = 0;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        bool any = !only_cum;
        for (uint32_t t = 0; t < p->nsample_types && !any; t++)
            any = cum[t] && p->samples[i].values[t] != 0;
        if (any)
            e[m++] = (entry){sample_key(&k, &p->samples[i]), i};
    }
    free(k.loc);
    qsort(e, m, sizeof(*e), cmp_entry);
    *n = m;
    return e;
}

static pd_baseline *base_new(const pd_profile *p)
{
    pd_baseline *b = pd_xcalloc(1, sizeof(*b));
    b->refs = 1;
    b->time_nanos = p->time_nanos;
    b->types = types_hash(p);
    b->main = main_hash(p);
    b->ntypes = p->nsample_types;
    b->totals = pd_xcalloc((size_t)p->nsample_types + 1, sizeof(int64_t));
    pd_profile_totals(p, b->totals);
    return b;
}

pd_baseline *pd_baseline_time_of(const pd_profile *p)
{
    return base_new(p);
}

pd_baseline *pd_baseline_of(const pd_profile *p, const bool *cumulative)
{
    pd_baseline *b = base_new(p);
    for (uint32_t t = 0; t < p->nsample_types; t++)
        b->ncum += cumulative[t];
    uint32_t n = 0;
    entry *e = sorted_entries(p, cumulative, true, &n);
    b->keys = pd_xmalloc(((size_t)n + 1) * sizeof(uint64_t));
    int64_t *sum = pd_xcalloc((size_t)p->nsample_types + 1, sizeof(int64_t));
    pd_buf vals;
    pd_buf_init(&vals, 0);
    for (uint32_t i = 0; i < n;) {
        /* equal keys (the same sample twice in p) are one entry, summed */
        memset(sum, 0, p->nsample_types * sizeof(int64_t));
        uint32_t j = i;
        for (; j < n && e[j].key == e[i].key; j++)
            for (uint32_t t = 0; t < p->nsample_types; t++)
                sum[t] += p->samples[e[j].sample].values[t];
        b->keys[b->n++] = e[i].key;
        for (uint32_t t = 0; t < p->nsample_types; t++)
            if (cumulative[t])
                cols_put_s(&vals, sum[t]);
        i = j;
    }
    b->vals = pd_buf_steal(&vals, &b->vals_len);
    /* The buffer grew in steps of 4 KiB and more; a baseline is kept a
     * whole interval per series (20,000 of them at 10,000 targets), where
     * that rounding was most of the daemon's heap. */
    if (b->vals_len > 0)
        b->vals = pd_xrealloc(b->vals, b->vals_len);
    if (b->n > 0 && b->n < n) /* duplicates were summed: give back the rest */
        b->keys = pd_xrealloc(b->keys, (size_t)b->n * sizeof(uint64_t));
    free(sum);
    free(e);
    return b;
}

pd_baseline *pd_baseline_ref(pd_baseline *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

void pd_baseline_unref(pd_baseline *b)
{
    if (b == NULL || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    free(b->totals);
    free(b->keys);
    free(b->vals);
    free(b);
}

int64_t pd_baseline_time(const pd_baseline *b)
{
    return b->time_nanos;
}

size_t pd_baseline_bytes(const pd_baseline *b)
{
    return sizeof(*b) + (size_t)b->ntypes * sizeof(int64_t) + (size_t)b->n * sizeof(uint64_t) +
           b->vals_len;
}

bool pd_baseline_fits(const pd_baseline *b, const pd_profile *cur)
{
    return b->types == types_hash(cur);
}

/* --- the delta ------------------------------------------------------------- */

/* Clamps negative values of cumulative types to zero; true if some sample
 * is all zero (the profile then needs compacting). */
static bool clamp_negative(pd_profile *d, const bool *cumulative)
{
    bool zero_left = false;
    for (uint32_t k = 0; k < d->nsamples; k++) {
        bool zero = true;
        for (uint32_t i = 0; i < d->nsample_types; i++) {
            if (cumulative[i] && d->samples[k].values[i] < 0)
                d->samples[k].values[i] = 0;
            zero = zero && d->samples[k].values[i] == 0;
        }
        zero_left = zero_left || zero;
    }
    return zero_left;
}

/* d -= prev on the cumulative types, sample by sample. False if a sample
 * of prev is not in d: Go never forgets a stack of these profiles within
 * one process, so that is another process. */
static bool subtract(pd_profile *d, const pd_baseline *prev, const bool *cum)
{
    uint32_t n = 0;
    entry *e = sorted_entries(d, cum, false, &n);
    /* An empty snapshot's baseline has no value column at all (NULL). */
    const uint8_t *end = prev->vals ? prev->vals + prev->vals_len : NULL;
    cols_rd r = {prev->vals, end, false};
    int64_t *v = pd_xcalloc((size_t)prev->ncum + 1, sizeof(int64_t));
    bool all_found = true;
    uint32_t j = 0;
    for (uint32_t i = 0; i < prev->n && all_found; i++) {
        for (uint32_t c = 0; c < prev->ncum; c++)
            v[c] = cols_s(&r);
        while (j < n && e[j].key < prev->keys[i])
            j++;
        if (j == n || e[j].key != prev->keys[i]) {
            all_found = false;
            break;
        }
        int64_t *vals = d->samples[e[j].sample].values;
        for (uint32_t t = 0, c = 0; t < d->nsample_types; t++)
            if (cum[t])
                vals[t] -= v[c++];
    }
    free(v);
    free(e);
    return all_found && !r.bad;
}

int pd_baseline_delta(const pd_profile *cur, const pd_baseline *prev, const bool *cumulative,
                      pd_profile **out, bool *restarted, pd_err *err)
{
    *out = NULL;
    *restarted = false;
    if (!pd_baseline_fits(prev, cur))
        return pd_errf(err, -EINVAL, "delta: the sample or period types changed");
    uint32_t n = cur->nsample_types;
    int64_t *tc = pd_xcalloc((size_t)n + 1, sizeof(int64_t));
    pd_profile_totals(cur, tc);
    bool restart = main_hash(cur) != prev->main;
    for (uint32_t i = 0; i < n; i++)
        restart = restart || (cumulative[i] && tc[i] < prev->totals[i]);
    free(tc);

    /* One merge of cur (equal samples summed, tables renumbered), then
     * prev taken from each sample: what pprof's merge of cur with prev
     * weighted -1 gives. */
    pd_profile *d = NULL;
    int rc = pd_profile_compact(cur, &d, err);
    if (rc < 0)
        return rc;
    if (!restart && !subtract(d, prev, cumulative)) {
        restart = true;
        pd_profile_free(d);
        rc = pd_profile_compact(cur, &d, err);
        if (rc < 0)
            return rc;
    }
    if (restart) {
        *restarted = true;
        *out = d;
        return 0;
    }
    if (clamp_negative(d, cumulative)) {
        pd_profile *c = NULL;
        rc = pd_profile_compact(d, &c, err);
        pd_profile_free(d);
        if (rc < 0)
            return rc;
        d = c;
    }
    /* The delta covers the window between the two snapshots. */
    d->time_nanos = prev->time_nanos;
    d->duration_nanos = cur->time_nanos > prev->time_nanos
                            ? (int64_t)((uint64_t)cur->time_nanos - (uint64_t)prev->time_nanos)
                            : 0;
    *out = d;
    return 0;
}
