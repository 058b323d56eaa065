#include "pd_ingest.h"

#include "pd_clock.h"
#include "pd_mem.h"
#include "pd_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* Which sample types accumulate since the process started. */
static bool *cumulative_mask(const pd_profile *p, pd_profile_kind kind)
{
    bool *mask = pd_xcalloc(p->nsample_types + 1, sizeof(bool));
    for (uint32_t i = 0; i < p->nsample_types; i++) {
        pd_str t = p->strings[p->sample_types[i].type];
        mask[i] = pd_kind_sample_cumulative(kind, t.ptr, t.len);
    }
    return mask;
}

static void describe(const pd_profile *p, pd_ingest_out *o)
{
    pd_store_profile *out = &o->p;
    size_t off = 0;
    out->sample_types[0] = '\0';
    for (uint32_t i = 0; i < p->nsample_types && off < sizeof(out->sample_types); i++) {
        pd_str t = p->strings[p->sample_types[i].type];
        pd_str u = p->strings[p->sample_types[i].unit];
        int n = snprintf(out->sample_types + off, sizeof(out->sample_types) - off, "%s%.*s/%.*s",
                         i ? "," : "", (int)t.len, t.ptr, (int)u.len, u.ptr);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    pd_str d = p->strings[p->default_sample_type];
    snprintf(out->default_type, sizeof(out->default_type), "%.*s", (int)d.len, d.ptr);
    out->ntotals = p->nsample_types;
    out->totals = pd_xcalloc(p->nsample_types + 1, sizeof(int64_t));
    pd_profile_totals(p, out->totals);
    o->nsamples = p->nsamples;
    out->time_ns = p->time_nanos;
    out->duration_ns = p->duration_nanos;
}

/* A target that subtracts itself (godeltaprof's delta_heap, delta_mutex,
 * delta_block) answers the window since its previous answer: stored as it
 * is, from the previous scrape's time. The first answer's window is
 * unknown (since the process started, or since another scraper asked), so
 * it only starts the series, as a first snapshot does. Takes cur. */
static void server_delta(pd_profile *cur, const pd_baseline *prev, pd_ingest_out *out)
{
    if (cur->time_nanos == 0) /* a profile without its time: now */
        cur->time_nanos = pd_now_ns();
    out->baseline = pd_baseline_time_of(cur);
    if (prev != NULL && cur->time_nanos > pd_baseline_time(prev)) {
        cur->duration_nanos = cur->time_nanos - pd_baseline_time(prev);
        cur->time_nanos = pd_baseline_time(prev);
        out->store = true;
    }
    describe(cur, out);
    if (out->store)
        out->p.profile = cur; /* the writer takes it */
    else
        pd_profile_free(cur);
}

/* Puts a scraped profile at the scrape's time when the target's clock is
 * too far from the daemon's (see PD_INGEST_MAX_SKEW_NS). */
static void reclock(pd_profile *p, int64_t clock_ns, pd_ingest_out *out)
{
    if (clock_ns <= 0)
        return;
    /* Differences of two times a few centuries apart at most: computed
     * in double, no overflow whatever the target sent. */
    double skew = (double)p->time_nanos - (double)clock_ns;
    if (skew <= (double)PD_INGEST_MAX_SKEW_NS && skew >= -(double)PD_INGEST_MAX_SKEW_NS)
        return;
    out->skew_ns = skew >= (double)INT64_MAX   ? INT64_MAX
                   : skew <= (double)INT64_MIN ? INT64_MIN
                                               : (int64_t)skew;
    p->time_nanos = clock_ns;
}

int pd_ingest(const pd_ingest_in *in, pd_ingest_out *out, pd_err *err)
{
    memset(out, 0, sizeof(*out));
    pd_profile *cur = NULL, *delta = NULL;
    bool *mask = NULL;
    int rc = pd_profile_decode(in->body, in->len, in->max_bytes, &cur, err);
    if (rc < 0)
        goto out;
    reclock(cur, in->clock_ns, out);
    bool cumulative = pd_kind_has_cumulative(in->kind);
    if (!cumulative) {
        describe(cur, out);
        out->store = true;
        out->p.profile = cur; /* the writer takes it */
        cur = NULL;
        goto out;
    }
    if (in->server_delta) {
        server_delta(cur, in->prev, out);
        cur = NULL;
        goto out;
    }
    mask = cumulative_mask(cur, in->kind);
    out->baseline = pd_baseline_of(cur, mask);
    if (in->prev == NULL) {
        /* Counts since the process started cover an unknown window: this
         * snapshot is the baseline the next delta starts from. */
        describe(cur, out);
        goto out;
    }
    if (!pd_baseline_fits(in->prev, cur)) {
        /* Another program answers now (a redeploy): start over. */
        out->restarted = true;
        describe(cur, out);
        goto out;
    }
    rc = pd_baseline_delta(cur, in->prev, mask, &delta, &out->restarted, err);
    if (rc < 0)
        goto out;
    describe(delta, out);
    out->store = true;
    out->p.profile = delta;
    delta = NULL;
out:
    pd_profile_free(cur);
    pd_profile_free(delta);
    free(mask);
    if (rc < 0)
        pd_ingest_out_free(out);
    return rc;
}

void pd_ingest_out_free(pd_ingest_out *out)
{
    pd_store_profile_free(&out->p);
    pd_baseline_unref(out->baseline);
    out->baseline = NULL;
}

size_t pd_ingest_threads(void)
{
    unsigned n = uv_available_parallelism();
    return n > 2 ? n : 2;
}
