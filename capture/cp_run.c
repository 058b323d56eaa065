/* The life of one capture item: a one-shot scrape, the ingest of its body
 * (a cumulative profile as the window since the target's last scheduled
 * scrape), the writer. */
#include "cp_int.h"

#include "pd_clock.h"
#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void job_free(pd_cap_job *j)
{
    if (j->it->job == j)
        j->it->job = NULL;
    free(j->url);
    pd_baseline_unref(j->prev);
    free(j->body);
    pd_labels_free(&j->series);
    pd_ttarget_unref(j->t);
    free(j);
}

static void item_end(pd_captures *k, pd_capture *cp, pd_cap_item *it, pd_cap_state state)
{
    it->state = state;
    cp_item_finished(k, cp, it);
}

static void item_fail(pd_captures *k, pd_capture *cp, pd_cap_item *it, const char *fmt,
                      const char *a, const char *b)
{
    snprintf(it->error, sizeof(it->error), fmt, a, b ? b : "");
    item_end(k, cp, it, PD_CAP_FAILED);
}

typedef struct stored_ctx {
    pd_captures *k;
    pd_capture *cp;
    pd_cap_item *it;
} stored_ctx;

static void on_stored(void *arg, int rc, int64_t id, const char *error)
{
    stored_ctx *c = arg;
    if (rc < 0) {
        item_fail(c->k, c->cp, c->it, "store: %s%s", error ? error : "failed", NULL);
    } else {
        c->it->profile_id = id;
        item_end(c->k, c->cp, c->it, PD_CAP_DONE);
    }
    free(c);
}

static void on_ingested(void *arg, int rc, pd_ingest_out *out, const pd_err *err)
{
    pd_cap_job *j = arg;
    pd_captures *k = j->k;
    if (rc < 0) {
        item_fail(k, j->cp, j->it, "invalid_profile: %s%s", err->msg, NULL);
    } else if (!out->store) {
        /* The target restarted since its baseline: no window to report. */
        item_fail(k, j->cp, j->it, "restarted: the target restarted since its last scrape%s%s", "",
                  NULL);
    } else {
        stored_ctx *c = pd_xcalloc(1, sizeof(*c));
        *c = (stored_ctx){k, j->cp, j->it};
        pd_writer_add_cb(k->writer, &j->series, &out->p, on_stored, c);
    }
    job_free(j);
}

static void on_fetched(pd_scrape_slot *s, pd_fetch_result *res, const char *why)
{
    pd_cap_job *j = (pd_cap_job *)s;
    pd_captures *k = j->k;
    if (res == NULL) {
        item_fail(k, j->cp, j->it, "%s%s", why, NULL);
        job_free(j);
        return;
    }
    if (res->code != PD_SCRAPE_OK) {
        /* A transfer the stop cut short says why. */
        bool stopping = k->targets == NULL && res->code == PD_SCRAPE_ABORTED;
        item_fail(k, j->cp, j->it, "%s: %s", stopping ? "daemon stopping" : res->reason,
                  res->message);
        free(res->body);
        res->body = NULL;
        job_free(j);
        return;
    }
    /* A cumulative profile is reported as the window since the target's
     * last scheduled scrape before the capture began; without one, as the
     * snapshot it is. */
    pd_profile_kind kind = j->kind;
    if (pd_kind_has_cumulative(kind) && j->prev == NULL)
        kind = PD_PROFILE_GAUGE;
    j->body = res->body;
    j->len = res->len;
    res->body = NULL;
    j->ingesting = true;
    pd_ingest_in in = {j->body, j->len,          j->max_bytes,   kind,
                       j->prev, j->server_delta, res->started_ns};
    pd_ingest_submit(k->ingest, &in, on_ingested, j);
}

static void item_start(pd_captures *k, pd_capture *cp, pd_cap_item *it, pd_ttarget *t,
                       int64_t seconds)
{
    const pd_profile_cfg *p = pd_ttarget_profile(t, it->type);
    if (p == NULL) {
        item_fail(k, cp, it, "job %s has no profile %s", t->job, it->type);
        return;
    }
    pd_cap_job *j = pd_xcalloc(1, sizeof(*j));
    j->k = k;
    j->cp = cp;
    j->it = it;
    j->t = t;
    pd_ttarget_ref(t);
    j->kind = p->kind;
    j->max_bytes = pd_tset_config(k->targets)->limits.max_profile_bytes;
    /* A window profile takes the capture's seconds, else the target's own
     * (Go's default where the target's interval leaves it none), at most
     * PD_CAPTURE_MAX_SECONDS; a snapshot takes none. */
    int64_t secs = 0;
    if (p->kind == PD_PROFILE_WINDOW) {
        secs = seconds > 0 ? seconds : p->seconds > 0 ? p->seconds : PD_DEFAULT_SECONDS;
        if (secs > PD_CAPTURE_MAX_SECONDS)
            secs = PD_CAPTURE_MAX_SECONDS;
    }
    j->url = pd_ttarget_url(t, p->path, secs);
    pd_labels_copy(&j->series, &t->tg.labels);
    for (size_t i = 0; i < cp->extra.n; i++)
        pd_labels_set(&j->series, cp->extra.v[i].name, cp->extra.v[i].value);
    pd_labels_set(&j->series, "type", p->name);
    it->job = j;
    /* Copied now: a reload or a re-registration moves the scheduled
     * baseline to a new slot, and the next scheduled scrape replaces it. */
    const pd_tslot *sched = pd_ttarget_slot(t, it->type);
    if (sched != NULL && sched->prev != NULL && pd_kind_has_cumulative(j->kind))
        j->prev = pd_baseline_ref(sched->prev);
    j->server_delta = p->server_delta;
    if (j->series.n > PD_STORE_MAX_LABELS) { /* a configured target with huge label sets */
        item_fail(k, cp, it, "too many labels to store (%s)%s", "target labels plus capture labels",
                  NULL);
        job_free(j);
        return;
    }
    int64_t timeout = secs * 1000 + 10000;
    j->slot.target = &t->st;
    j->slot.type = it->type;
    j->slot.url = j->url;
    j->slot.seconds = secs;
    j->slot.timeout_ms = timeout > t->st.timeout_ms ? timeout : t->st.timeout_ms;
    j->slot.fetched = on_fetched;
    j->slot.data = j;
    pd_scrape_once(k->scraper, &j->slot);
}

int pd_captures_begin(pd_captures *k, pd_ttarget *t, pd_cap_trigger trigger, const pd_labels *extra,
                      const char *const *types, size_t ntypes, int64_t seconds, pd_capture **out,
                      int64_t *retry_s)
{
    *out = NULL;
    const pd_config *cfg = pd_tset_config(k->targets);
    uint64_t key = pd_hash_bytes(t->tg.address, strlen(t->tg.address));
    *retry_s = pd_budget_take(k->budget, key, cp_now_ms(k), cfg->limits.capture_budget.count,
                              cfg->limits.capture_budget.per_ms);
    if (*retry_s > 0) {
        k->refused[trigger == PD_CAP_ALERT]++;
        return -EAGAIN;
    }
    if (seconds > PD_CAPTURE_MAX_SECONDS)
        seconds = PD_CAPTURE_MAX_SECONDS;
    pd_capture *cp = pd_xcalloc(1, sizeof(*cp));
    cp->id = ++k->next_id;
    cp->trigger = trigger;
    snprintf(cp->target_id, sizeof(cp->target_id), "%s", t->id);
    pd_labels_copy(&cp->target, &t->tg.labels);
    pd_labels_copy(&cp->extra, extra);
    cp->created_ms = pd_now_ns() / 1000000;
    cp->items = pd_xcalloc(ntypes + 1, sizeof(pd_cap_item));
    cp->nitems = cp->open = ntypes;
    pd_xgrow((void **)&k->v, &k->cap, k->n + 1, sizeof(pd_capture *));
    k->v[k->n++] = cp;
    char target[256];
    pd_labels_format(&t->tg.labels, target, sizeof(target));
    pd_log_info("capture", "id=%lld target=%s trigger=%s profiles=%zu seconds=%lld",
                (long long)cp->id, target, pd_cap_trigger_name(trigger), ntypes,
                (long long)seconds);
    for (size_t i = 0; i < ntypes; i++) {
        cp->items[i].state = PD_CAP_PENDING;
        snprintf(cp->items[i].type, sizeof(cp->items[i].type), "%s", types[i]);
    }
    for (size_t i = 0; i < ntypes; i++)
        item_start(k, cp, &cp->items[i], t, seconds);
    *out = cp;
    return 0;
}
