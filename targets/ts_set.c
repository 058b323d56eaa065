/* The set's life: start, reload with inheritance, stop; targets retired
 * and freed once idle; the end of a body's journey. */
#include "ts_int.h"

#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static void maybe_done(pd_tset *ts);

void ts_start_slots(pd_ttarget *t)
{
    for (size_t k = 0; k < t->nslots; k++)
        pd_scrape_slot_start(t->set->sc, &t->slots[k].sc);
}

/* A retired target goes once its slots are closed and nothing uses it. */
static void release(pd_ttarget *t)
{
    if (!t->retired || t->open_slots > 0 || t->refs > 0)
        return;
    pd_tset *ts = t->set;
    for (size_t i = 0; i < ts->nretired; i++)
        if (ts->retired[i] == t) {
            ts->retired[i] = ts->retired[--ts->nretired];
            break;
        }
    ts_target_free(t);
    maybe_done(ts);
}

static void on_slot_closed(pd_scrape_slot *sc)
{
    pd_tslot *s = sc->data;
    s->t->open_slots--;
    release(s->t);
}

void ts_retire(pd_ttarget *t)
{
    pd_tset *ts = t->set;
    t->retired = true;
    t->st.retired = true;
    pd_xgrow((void **)&ts->retired, &ts->capretired, ts->nretired + 1, sizeof(pd_ttarget *));
    ts->retired[ts->nretired++] = t;
    t->refs++; /* the slots may close at once */
    for (size_t i = 0; i < t->nslots; i++)
        pd_scrape_slot_stop(&t->slots[i].sc, on_slot_closed);
    pd_ttarget_unref(t);
}

void pd_ttarget_ref(pd_ttarget *t)
{
    t->refs++;
}

void pd_ttarget_unref(pd_ttarget *t)
{
    t->refs--;
    release(t);
}

/* s takes o's baseline, unless o's scrape still runs: its result would be
 * measured against a moved baseline, so the new slot starts without. */
static void take_baseline(pd_tslot *s, pd_tslot *o)
{
    if (!o->sc.busy) {
        s->prev = o->prev;
        o->prev = NULL;
    }
}

void ts_inherit(pd_tslot *s, pd_tslot *o)
{
    take_baseline(s, o);
    pd_scrape_slot_inherit(&s->sc, &o->sc);
}

void ts_take_over(pd_ttarget *t, pd_ttarget *old)
{
    for (size_t k = 0; k < t->nslots; k++) {
        pd_tslot *s = &t->slots[k];
        pd_tslot *o = NULL;
        for (size_t i = 0; old != NULL && i < old->nslots && o == NULL; i++)
            if (strcmp(old->slots[i].name, s->name) == 0 &&
                old->slots[i].sc.interval_ms == s->sc.interval_ms)
                o = &old->slots[i];
        if (o == NULL) {
            pd_scrape_slot_start(t->set->sc, &s->sc);
            continue;
        }
        take_baseline(s, o);
        pd_scrape_slot_take_over(t->set->sc, &s->sc, &o->sc);
    }
}

void pd_tslot_done(pd_tslot *s, pd_scrape_reason reason, const char *message, pd_baseline *baseline)
{
    pd_ttarget *t = s->t;
    if (reason != PD_SCRAPE_OK)
        pd_log_warn("scrape failed", "job=%s instance=%s type=%s reason=%s error=\"%s\"", t->job,
                    ts_instance(t), s->name, pd_scrape_reason_name(reason, 0), message);
    if (baseline != NULL) {
        pd_baseline_unref(s->prev);
        s->prev = baseline;
    }
    pd_scrape_slot_done(&s->sc, reason, message);
    pd_ttarget_unref(t);
}

void pd_tslot_clock(pd_tslot *s, int64_t skew_ns)
{
    if (skew_ns != 0 && s->clock_skew_ms == 0)
        pd_log_warn("profile time far from the daemon's clock: stored at the scrape's time",
                    "job=%s instance=%s type=%s skew_s=%.0f", s->t->job, ts_instance(s->t), s->name,
                    (double)skew_ns / 1e9);
    s->clock_skew_ms = skew_ns / 1000000;
}

const pd_profile_cfg *pd_ttarget_profile(const pd_ttarget *t, const char *type)
{
    return pd_profile_find(t->avail, t->navail, type);
}

pd_tslot *pd_ttarget_slot(pd_ttarget *t, const char *type)
{
    for (size_t i = 0; i < t->nslots; i++)
        if (strcmp(t->slots[i].name, type) == 0)
            return &t->slots[i];
    return NULL;
}

size_t pd_tset_count(const pd_tset *ts)
{
    return ts->ntargets;
}

pd_ttarget *pd_tset_at(const pd_tset *ts, size_t i)
{
    return ts->targets[i];
}

const pd_config *pd_tset_config(const pd_tset *ts)
{
    return ts->cfg;
}

/* --- watching file_sd files -------------------------------------------------- */

/* Polled: a few stat calls every few seconds cost nothing next to a
 * scrape, and work the same for files replaced by rename as for files
 * edited. */
#define SD_POLL_MS 5000

static void on_sd_poll(uv_timer_t *timer)
{
    pd_tset *ts = timer->data;
    if (ts->stopping)
        return;
    bool any;
    if (ts_sd_fingerprint(ts->cfg, &any) == ts->sd_fp)
        return;
    pd_err err = {{0}};
    pd_log_info("file_sd changed", NULL);
    if (pd_tset_reload(ts, ts->cfg, &err) < 0)
        pd_log_error("file_sd reload failed", "error=\"%s\"", err.msg);
}

static void sd_watch(pd_tset *ts, const pd_config *cfg)
{
    bool any = false;
    ts->sd_fp = ts_sd_fingerprint(cfg, &any);
    if (any && !uv_is_active((uv_handle_t *)&ts->sd_poll))
        uv_timer_start(&ts->sd_poll, on_sd_poll, SD_POLL_MS, SD_POLL_MS);
    else if (!any)
        uv_timer_stop(&ts->sd_poll);
}

/* --- start, reload, stop ------------------------------------------------------ */

int pd_tset_start(uv_loop_t *loop, const pd_config *cfg, pd_scraper *sc, pd_tset_body_fn body,
                  void *ctx, pd_tset **out, pd_err *err)
{
    *out = NULL;
    pd_tset *ts = pd_xcalloc(1, sizeof(*ts));
    ts->loop = loop;
    ts->cfg = cfg;
    ts->sc = sc;
    ts->body = body;
    ts->ctx = ctx;
    int rc = ts_build_all(ts, cfg, &ts->targets, &ts->ntargets, err);
    if (rc < 0) {
        free(ts);
        return rc;
    }
    ts->captargets = ts->ntargets;
    uv_timer_init(loop, &ts->sd_poll);
    ts->sd_poll.data = ts;
    sd_watch(ts, cfg);
    size_t nslots = 0;
    for (size_t i = 0; i < ts->ntargets; i++) {
        ts_start_slots(ts->targets[i]);
        nslots += ts->targets[i]->nslots;
    }
    pd_log_info("collector started", "targets=%zu scrapes=%zu", ts->ntargets, nslots);
    *out = ts;
    return 0;
}

static pd_tslot *find_series(pd_ttarget **v, size_t n, const pd_labels *series)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i]->nslots; k++)
            if (pd_labels_equal(&v[i]->slots[k].series, series))
                return &v[i]->slots[k];
    return NULL;
}

int pd_tset_reload(pd_tset *ts, const pd_config *cfg, pd_err *err)
{
    pd_ttarget **v = NULL;
    size_t n = 0;
    int rc = ts_build_all(ts, cfg, &v, &n, err);
    if (rc < 0)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i]->nslots; k++) {
            pd_tslot *s = &v[i]->slots[k];
            pd_tslot *old = find_series(ts->targets, ts->ntargets, &s->series);
            if (old != NULL) { /* same series: keep the baseline and the health */
                ts_inherit(s, old);
                kept++;
            }
        }
    for (size_t i = 0; i < ts->ntargets; i++)
        ts_retire(ts->targets[i]);
    free(ts->targets);
    ts->targets = v;
    ts->ntargets = ts->captargets = n;
    ts->cfg = cfg;
    for (size_t i = 0; i < n; i++)
        ts_start_slots(v[i]);
    sd_watch(ts, cfg);
    pd_log_info("collector reloaded", "targets=%zu series_kept=%zu", n, kept);
    return 0;
}

static void on_sd_closed(uv_handle_t *h)
{
    pd_tset *ts = h->data;
    void (*done)(void *) = ts->done;
    void *arg = ts->done_arg;
    free(ts->targets);
    free(ts->retired);
    for (size_t k = 0; k < ts->nregs; k++)
        pd_reg_target_free(&ts->regs[k]);
    free(ts->regs);
    free(ts);
    if (done != NULL)
        done(arg);
}

static void maybe_done(pd_tset *ts)
{
    if (!ts->stopping || ts->nretired > 0 || uv_is_closing((uv_handle_t *)&ts->sd_poll))
        return;
    uv_close((uv_handle_t *)&ts->sd_poll, on_sd_closed);
}

void pd_tset_stop(pd_tset *ts, void (*done)(void *arg), void *arg)
{
    ts->stopping = true;
    ts->done = done;
    ts->done_arg = arg;
    uv_timer_stop(&ts->sd_poll);
    pd_ttarget **v = ts->targets;
    size_t n = ts->ntargets;
    ts->targets = NULL;
    ts->ntargets = ts->captargets = 0;
    for (size_t i = 0; i < n; i++)
        ts_retire(v[i]);
    free(v);
    maybe_done(ts);
}
