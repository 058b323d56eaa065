/* Merging stored profiles without rebuilding each one: samples are summed
 * by (partition, stack id, label set id), and symbols are resolved once, for
 * the sums, at the end.
 *
 * The answer is the one pd_profile_merge_stream gives for the same
 * profiles in the same order, ids and order included, as long as each is a
 * plain input (see there): then pprof's chunked merge is a sequential one,
 * and a sequential merge is this. Headers go through a pd_merger one by one
 * (rebuilt from the table, which costs a few strings), so the merged
 * header follows pprof's rules exactly and the first input's main mapping
 * comes first. The sums, in the order their keys were first seen with a
 * non-zero value, then go through the same merger as one more input:
 * keys that pprof would take as one sample (the same stack in two
 * partitions, a mapping loaded at another address) fold there, and since a
 * key is first seen where its first sample was, samples, locations,
 * functions and mappings come out numbered as a sequential merge numbers
 * them. */
#include "pd_stored.h"
#include "sums.h"
#include "unpack.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

struct pd_agg {
    pd_merger *m;
    uint32_t nst;
    size_t profiles;

    int64_t *parts; /* partition ids, in order of first use */
    size_t nparts, parts_cap;

    pd_sums sums; /* set up by the first input */

    /* The first input's header ids, for the last input's header. */
    pd_stored first;
    int64_t first_part;

    /* The previous input's header, reused while the ids stay the same. */
    pd_profile *hdr;
    pd_stored hdr_ids;
    int64_t hdr_part;
};

pd_agg *pd_agg_new(void)
{
    pd_agg *a = pd_xcalloc(1, sizeof(*a));
    a->m = pd_merger_new();
    return a;
}

void pd_agg_free(pd_agg *a)
{
    if (a == NULL)
        return;
    pd_merger_free(a->m);
    free(a->parts);
    pd_sums_free(&a->sums);
    pd_stored_free(&a->first);
    pd_stored_free(&a->hdr_ids);
    pd_profile_free(a->hdr);
    free(a);
}

size_t pd_agg_profiles(const pd_agg *a)
{
    return a->profiles;
}

size_t pd_agg_samples(const pd_agg *a)
{
    return a->sums.nkeys;
}

/* A copy of s's header ids (no samples), replacing d's. */
static void copy_ids(pd_stored *d, const pd_stored *s)
{
    pd_stored_free(d);
    pd_stored_copy_header(d, s);
}

static bool same_ids(const uint32_t *x, const uint32_t *y, size_t n)
{
    return n == 0 || memcmp(x, y, n * sizeof(uint32_t)) == 0;
}

/* True if s's header names the same strings and mappings as h's. */
static bool same_header(const pd_stored *h, const pd_stored *s)
{
    return h->period_type[0] == s->period_type[0] && h->period_type[1] == s->period_type[1] &&
           h->nsample_types == s->nsample_types &&
           same_ids(h->sample_types, s->sample_types, 2 * (size_t)s->nsample_types) &&
           h->default_sample_type == s->default_sample_type && h->drop_frames == s->drop_frames &&
           h->keep_frames == s->keep_frames && h->ncomments == s->ncomments &&
           same_ids(h->comments, s->comments, s->ncomments) && h->nmappings == s->nmappings &&
           same_ids(h->mappings, s->mappings, s->nmappings);
}

/* s's header as a profile without samples (owned by a). */
static int header(pd_agg *a, int64_t part, const pd_symtab *t, const pd_stored *s,
                  const pd_profile **out, pd_err *err)
{
    if (a->hdr == NULL || a->hdr_part != part || !same_header(&a->hdr_ids, s)) {
        pd_profile_free(a->hdr);
        a->hdr = NULL;
        int rc = pd_symtab_unpack_header(t, s, &a->hdr, err);
        if (rc < 0)
            return rc;
        copy_ids(&a->hdr_ids, s);
        a->hdr_part = part;
    }
    a->hdr->time_nanos = s->time_nanos;
    a->hdr->duration_nanos = s->duration_nanos;
    a->hdr->period = s->period;
    *out = a->hdr;
    return 0;
}

static uint32_t part_index(pd_agg *a, int64_t part)
{
    for (size_t i = a->nparts; i-- > 0;)
        if (a->parts[i] == part)
            return (uint32_t)i;
    pd_xgrow((void **)&a->parts, &a->parts_cap, a->nparts + 1, sizeof(int64_t));
    a->parts[a->nparts] = part;
    return (uint32_t)a->nparts++;
}

int pd_agg_add(pd_agg *a, int64_t part, const pd_symtab *t, const pd_stored *s, pd_err *err)
{
    uint32_t nst = s->nsample_types;
    size_t nv = (size_t)s->nsamples * nst;
    if (s->time_nanos == 0)
        return -EAGAIN;
    for (size_t i = 0; i < nv; i++)
        if (s->values[i] < 0)
            return -EAGAIN;
    const pd_profile *h = NULL;
    int rc = header(a, part, t, s, &h, err);
    if (rc < 0)
        return rc;
    if (!pd_merger_same_types(a->m, h))
        return -EAGAIN;
    rc = pd_merger_add(a->m, h, NULL, err);
    if (rc < 0)
        return rc;
    if (a->profiles++ == 0) {
        a->nst = nst;
        pd_sums_init(&a->sums, nst);
        copy_ids(&a->first, s);
        a->first_part = part;
    }
    pd_sum_key k = {part_index(a, part), 0, 0};
    for (uint32_t i = 0; i < s->nsamples; i++) {
        const int64_t *v = s->values + (size_t)i * nst;
        if (pd_sums_zero(v, nst))
            continue; /* pprof's merge skips them */
        k.stack = s->stacks[i];
        k.lset = s->labelsets[i];
        pd_sums_add(&a->sums, k, v);
    }
    return 0;
}

/* The sums as one profile: the first input's sample and period types (so
 * the merger takes it), nothing in its header that would change the merged
 * one, samples in key order. */
static int sums_profile(pd_agg *a, pd_agg_table_fn table, void *ctx, pd_profile **out, pd_err *err)
{
    pd_profile *p = pd_profile_new();
    pd_up u;
    pd_up_begin(&u, p, 1024);
    int rc = 0;
    const pd_symtab *t = table(ctx, a->first_part, err);
    if (t == NULL) {
        rc = -EIO;
    } else {
        pd_stored h = a->first;
        h.nmappings = 0;
        h.ncomments = 0;
        h.default_sample_type = 0;
        h.duration_nanos = 0;
        h.period = 0;
        pd_up_table(&u, t);
        pd_up_header(&u, &h);
    }
    const pd_sums *sums = &a->sums;
    p->nsamples = (uint32_t)sums->nkeys;
    p->samples = pd_arena_calloc(&p->arena, sums->nkeys + 1, sizeof(pd_sample));
    /* One table at a time: a table fetched may replace one fetched before. */
    for (uint32_t pi = 0; pi < a->nparts && rc == 0; pi++) {
        t = table(ctx, a->parts[pi], err);
        if (t == NULL) {
            rc = -EIO;
            break;
        }
        pd_up_table(&u, t);
        for (size_t k = 0; k < sums->nkeys; k++) {
            const pd_sum_key *e = &sums->keys[k];
            if (e->part == pi && !pd_up_sample(&u, e->stack, e->lset, &sums->vals[k * a->nst],
                                               a->nst, &p->samples[k]))
                break;
        }
    }
    int end = pd_up_end(&u, rc < 0 ? NULL : err);
    if (rc == 0)
        rc = end;
    if (rc < 0) {
        pd_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int pd_agg_finish(pd_agg *a, pd_agg_table_fn table, void *ctx, pd_profile **out, pd_err *err)
{
    *out = NULL;
    if (a->profiles == 0)
        return pd_errf(err, -EINVAL, "no profiles to merge");
    pd_profile *sums = NULL;
    int rc = sums_profile(a, table, ctx, &sums, err);
    if (rc == 0)
        rc = pd_merger_add(a->m, sums, NULL, err);
    pd_profile_free(sums);
    if (rc == 0)
        rc = pd_merger_finish(a->m, out, err);
    return rc;
}
