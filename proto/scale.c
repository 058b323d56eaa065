/* Scaling, normalizing, labelling and the compatibility check: small
 * in-place operations on one profile, each mirroring the pprof function of
 * the same name. */
#include "pd_profile.h"

#include "num.h"
#include "pd_mem.h"
#include "types.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t round_to_int64(double v)
{
    return pd_to_int64(round(v)); /* Go's math.Round: half away from zero */
}

void pd_profile_scale_n(pd_profile *p, const double *ratios)
{
    bool all_ones = true;
    for (uint32_t i = 0; i < p->nsample_types; i++)
        if (ratios[i] != 1)
            all_ones = false;
    if (all_ones)
        return;
    uint32_t fill = 0;
    for (uint32_t k = 0; k < p->nsamples; k++) {
        pd_sample *s = &p->samples[k];
        bool keep = false;
        for (uint32_t i = 0; i < p->nsample_types; i++) {
            if (ratios[i] == 1)
                continue;
            s->values[i] = round_to_int64((double)s->values[i] * ratios[i]);
            keep = keep || s->values[i] != 0;
        }
        if (keep)
            p->samples[fill++] = *s;
    }
    p->nsamples = fill;
}

void pd_profile_scale(pd_profile *p, double ratio)
{
    if (ratio == 1)
        return;
    double *r = pd_xmalloc(sizeof(double) * (p->nsample_types + 1));
    for (uint32_t i = 0; i < p->nsample_types; i++)
        r[i] = ratio;
    pd_profile_scale_n(p, r);
    free(r);
}

static bool vt_equal(const pd_str *sa, pd_value_type x, const pd_str *sb, pd_value_type y)
{
    pd_str at = sa[x.type], au = sa[x.unit], bt = sb[y.type], bu = sb[y.unit];
    return at.len == bt.len && au.len == bu.len && memcmp(at.ptr, bt.ptr, at.len) == 0 &&
           memcmp(au.ptr, bu.ptr, au.len) == 0;
}

static int mismatch(pd_err *err, const char *what, const pd_str *sa, pd_value_type x,
                    const pd_str *sb, pd_value_type y)
{
    pd_str t1 = sa[x.type], u1 = sa[x.unit], t2 = sb[y.type], u2 = sb[y.unit];
    return pd_errf(err, -EINVAL, "incompatible %s %.*s/%.*s and %.*s/%.*s", what, (int)t1.len,
                   t1.ptr, (int)u1.len, u1.ptr, (int)t2.len, t2.ptr, (int)u2.len, u2.ptr);
}

int pd_types_check(const pd_types_view *a, const pd_types_view *b, pd_err *err)
{
    if (!vt_equal(a->strings, a->period_type, b->strings, b->period_type))
        return mismatch(err, "period types", a->strings, a->period_type, b->strings,
                        b->period_type);
    if (a->nsample_types != b->nsample_types)
        return pd_errf(err, -EINVAL, "incompatible sample types: %u and %u types", a->nsample_types,
                       b->nsample_types);
    for (uint32_t i = 0; i < a->nsample_types; i++)
        if (!vt_equal(a->strings, a->sample_types[i], b->strings, b->sample_types[i]))
            return mismatch(err, "sample types", a->strings, a->sample_types[i], b->strings,
                            b->sample_types[i]);
    return 0;
}

int pd_profile_compatible(const pd_profile *a, const pd_profile *b, pd_err *err)
{
    pd_types_view va = pd_types_of(a), vb = pd_types_of(b);
    return pd_types_check(&va, &vb, err);
}

int pd_profile_normalize(pd_profile *p, const pd_profile *base, pd_err *err)
{
    int rc = pd_profile_compatible(p, base, err);
    if (rc < 0)
        return rc;
    uint32_t n = p->nsample_types;
    int64_t *bt = pd_xcalloc(n + 1, sizeof(int64_t));
    int64_t *pt = pd_xcalloc(n + 1, sizeof(int64_t));
    double *scale = pd_xcalloc(n + 1, sizeof(double));
    pd_profile_totals(base, bt);
    pd_profile_totals(p, pt);
    for (uint32_t i = 0; i < n; i++)
        scale[i] = pt[i] == 0 ? 0.0 : (double)bt[i] / (double)pt[i];
    pd_profile_scale_n(p, scale);
    free(bt);
    free(pt);
    free(scale);
    return 0;
}

void pd_profile_set_label(pd_profile *p, const char *key, const char *value)
{
    uint32_t k = pd_profile_intern(p, key, strlen(key));
    uint32_t v = pd_profile_intern(p, value, strlen(value));
    for (uint32_t i = 0; i < p->nsamples; i++) {
        pd_sample *s = &p->samples[i];
        pd_sample_label *nl = pd_arena_alloc(&p->arena, sizeof(pd_sample_label) * (s->nlabels + 1));
        uint32_t n = 0;
        for (uint32_t j = 0; j < s->nlabels; j++)
            if (!(s->labels[j].key == k && s->labels[j].str != 0))
                nl[n++] = s->labels[j];
        nl[n++] = (pd_sample_label){k, v, 0, 0};
        s->labels = nl;
        s->nlabels = n;
    }
}
