/* The registry of captures: ids, starting them within the budget, their
 * end and persistence, Alertmanager's repeats, metrics. */
#include "cp_int.h"

#include "pd_clock.h"
#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pd_cap_state_name(pd_cap_state s)
{
    static const char *const names[] = {"pending", "running", "done", "failed"};
    return (size_t)s < 4 ? names[s] : "failed";
}

bool pd_cap_state_parse(const char *name, pd_cap_state *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, pd_cap_state_name((pd_cap_state)i)) == 0) {
            *out = (pd_cap_state)i;
            return true;
        }
    return false;
}

const char *pd_cap_trigger_name(pd_cap_trigger t)
{
    return t == PD_CAP_ALERT ? "alert" : "manual";
}

bool pd_cap_trigger_parse(const char *name, pd_cap_trigger *out)
{
    if (strcmp(name, "alert") == 0 || strcmp(name, "manual") == 0) {
        *out = name[0] == 'a' ? PD_CAP_ALERT : PD_CAP_MANUAL;
        return true;
    }
    return false;
}

int64_t cp_now_ms(const pd_captures *k)
{
    /* The loop's clock: a wall-clock step neither refills nor drains
     * budgets nor forgets alerts. */
    return (int64_t)uv_now(k->loop);
}

pd_captures *pd_captures_new(uv_loop_t *loop, pd_tset *targets, pd_scraper *scraper,
                             pd_workq *ingest, pd_writer *writer, pd_capture_doc_fn doc)
{
    pd_captures *k = pd_xcalloc(1, sizeof(*k));
    k->loop = loop;
    k->targets = targets;
    k->scraper = scraper;
    k->ingest = ingest;
    k->writer = writer;
    k->doc = doc;
    k->budget = pd_budget_new();
    /* Ids grow with time and stay unique across restarts: from the wall
     * clock in ms, or past the newest kept capture (pd_captures_load). */
    k->next_id = pd_now_ns() / 1000000;
    return k;
}

static void capture_free(pd_capture *cp)
{
    free(cp->doc);
    pd_labels_free(&cp->target);
    pd_labels_free(&cp->extra);
    free(cp->items);
    free(cp);
}

void pd_captures_free(pd_captures *k)
{
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n; i++)
        capture_free(k->v[i]);
    free(k->v);
    pd_budget_free(k->budget);
    for (size_t i = 0; i < k->nseen; i++)
        free(k->seen[i].fingerprint);
    free(k->seen);
    free(k);
}

void pd_captures_detach(pd_captures *k)
{
    k->targets = NULL;
    k->scraper = NULL;
}

bool pd_captures_detached(const pd_captures *k)
{
    return k->targets == NULL;
}

pd_tset *pd_captures_targets(pd_captures *k)
{
    return k->targets;
}

pd_cap_state pd_cap_item_state(const pd_cap_item *it)
{
    if (it->state == PD_CAP_DONE || it->state == PD_CAP_FAILED)
        return it->state;
    if (it->job != NULL && !it->job->slot.busy && !it->job->ingesting)
        return PD_CAP_PENDING; /* waiting for a transfer or the target's CPU */
    return PD_CAP_RUNNING;
}

pd_cap_state pd_capture_state(const pd_capture *cp)
{
    if (cp->finished)
        return cp->final;
    size_t done = 0, failed = 0, pending = 0;
    for (size_t i = 0; i < cp->nitems; i++) {
        pd_cap_state st = pd_cap_item_state(&cp->items[i]);
        done += st == PD_CAP_DONE;
        failed += st == PD_CAP_FAILED;
        pending += st == PD_CAP_PENDING;
    }
    return pending == cp->nitems        ? PD_CAP_PENDING
           : done + failed < cp->nitems ? PD_CAP_RUNNING
           : done > 0                   ? PD_CAP_DONE
                                        : PD_CAP_FAILED;
}

const pd_capture *pd_captures_get(const pd_captures *k, int64_t id)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i]->id == id)
            return k->v[i];
    return NULL;
}

size_t pd_captures_count(const pd_captures *k)
{
    return k->n;
}

const pd_capture *pd_captures_at(const pd_captures *k, size_t i)
{
    return k->v[i];
}

/* --- kept across restarts ------------------------------------------------------ */

typedef struct put_op {
    int64_t id, created_ns;
    char *doc;
} put_op;

static int put_fn(pd_store *s, void *arg, pd_err *err)
{
    put_op *o = arg;
    return pd_store_capture_put(s, o->id, o->created_ns, o->doc, PD_CAPTURES_KEPT, err);
}

static void put_done(void *arg, int rc, const pd_err *err)
{
    put_op *o = arg;
    if (rc < 0)
        pd_log_warn("capture not kept", "id=%lld error=\"%s\"", (long long)o->id, err->msg);
    free(o->doc);
    free(o);
}

/* Keeps the final answer of a finished capture, in memory and in the
 * database. A capture finishes before the writer closes: its scrapes end
 * before the scraper has stopped, and its profiles are stored while the
 * writer flushes. */
static void finish(pd_captures *k, pd_capture *cp)
{
    cp->final = pd_capture_state(cp);
    cp->doc = k->doc(cp);
    cp->finished = true;
    put_op *o = pd_xcalloc(1, sizeof(*o));
    o->id = cp->id;
    o->created_ns = cp->created_ms * 1000000;
    o->doc = pd_xstrdup(cp->doc);
    pd_writer_exec(k->writer, put_fn, put_done, o);
}

void cp_item_finished(pd_captures *k, pd_capture *cp, pd_cap_item *it)
{
    cp->open--;
    int trig = cp->trigger == PD_CAP_ALERT;
    char target[256];
    pd_labels_format(&cp->target, target, sizeof(target));
    if (it->state == PD_CAP_DONE) {
        k->done[trig]++;
        pd_log_info("capture done", "id=%lld target=%s type=%s profile_id=%lld", (long long)cp->id,
                    target, it->type, (long long)it->profile_id);
    } else {
        k->failed[trig]++;
        pd_log_warn("capture failed", "id=%lld target=%s type=%s error=\"%s\"", (long long)cp->id,
                    target, it->type, it->error);
    }
    if (cp->open == 0)
        finish(k, cp);
}

typedef struct load_ctx {
    pd_captures *k;
    pd_capture_meta_fn meta;
} load_ctx;

static int load_one(void *ctx, int64_t id, int64_t created_ns, const char *doc)
{
    load_ctx *l = ctx;
    pd_captures *k = l->k;
    pd_capture *cp = pd_xcalloc(1, sizeof(*cp));
    cp->id = id;
    cp->doc = pd_xstrdup(doc);
    cp->created_ms = created_ns / 1000000;
    cp->finished = true;
    cp->final = PD_CAP_FAILED;
    cp->trigger = PD_CAP_MANUAL;
    /* Read once here, for the list's filters. */
    if (!l->meta(doc, &cp->final, &cp->trigger))
        pd_log_warn("kept capture unreadable", "id=%lld", (long long)id);
    if (cp->final != PD_CAP_DONE)
        cp->final = PD_CAP_FAILED;
    pd_xgrow((void **)&k->v, &k->cap, k->n + 1, sizeof(pd_capture *));
    k->v[k->n++] = cp;
    if (id > k->next_id)
        k->next_id = id;
    return 0;
}

int pd_captures_load(pd_captures *k, const char *db_path, pd_capture_meta_fn meta, pd_err *err)
{
    pd_store_reader *rd = NULL;
    int rc = pd_store_reader_open(db_path, &rd, err);
    if (rc < 0)
        return rc;
    load_ctx l = {k, meta};
    rc = pd_store_captures_list(rd, PD_CAPTURES_KEPT, load_one, &l, err);
    pd_store_reader_close(rd);
    if (rc == 0 && k->n > 0)
        pd_log_info("captures loaded", "captures=%zu", k->n);
    return rc;
}

/* --- starting ------------------------------------------------------------------- */

int pd_captures_pick_types(const pd_captures *k, const char *const *given, size_t ngiven,
                           bool has_given, const char **types, size_t *ntypes, pd_err *err)
{
    const pd_config *cfg = pd_tset_config(k->targets);
    const char *const *v = has_given ? given : (const char *const *)cfg->alerting.profiles;
    size_t nv = has_given ? ngiven : cfg->alerting.nprofiles;
    if (nv == 0)
        return pd_errf(err, -EINVAL, "profiles: empty");
    if (nv > PD_CAPTURE_MAX_PROFILES)
        return pd_errf(err, -EINVAL, "profiles: more than %d", PD_CAPTURE_MAX_PROFILES);
    *ntypes = 0;
    for (size_t i = 0; i < nv; i++) {
        if (!pd_config_profile_known(cfg, v[i]))
            return pd_errf(err, -EINVAL, "profiles[%zu]: unknown profile \"%s\"", i, v[i]);
        for (size_t j = 0; j < *ntypes; j++)
            if (strcmp(types[j], v[i]) == 0)
                return pd_errf(err, -EINVAL, "profiles[%zu]: \"%s\" twice", i, v[i]);
        types[(*ntypes)++] = v[i];
    }
    return 0;
}

bool pd_captures_make_room(pd_captures *k)
{
    size_t w = 0, excess = k->n >= PD_CAPTURES_KEPT ? k->n - PD_CAPTURES_KEPT + 1 : 0;
    for (size_t i = 0; i < k->n; i++) {
        if (excess > 0 && k->v[i]->open == 0) {
            capture_free(k->v[i]);
            excess--;
            continue;
        }
        k->v[w++] = k->v[i];
    }
    k->n = w;
    return excess == 0;
}

/* --- Alertmanager ----------------------------------------------------------------- */

bool pd_captures_alert_repeated(pd_captures *k, const char *fp)
{
    int64_t per = pd_tset_config(k->targets)->limits.capture_budget.per_ms;
    int64_t now = cp_now_ms(k);
    size_t w = 0;
    bool seen = false;
    for (size_t i = 0; i < k->nseen; i++) {
        if (now - k->seen[i].at_ms >= per) { /* older ones are forgotten on the way */
            free(k->seen[i].fingerprint);
            continue;
        }
        if (strcmp(k->seen[i].fingerprint, fp) == 0)
            seen = true;
        k->seen[w++] = k->seen[i];
    }
    k->nseen = w;
    return seen;
}

void pd_captures_alert_remember(pd_captures *k, const char *fp)
{
    if (fp[0] == '\0')
        return;
    pd_xgrow((void **)&k->seen, &k->capseen, k->nseen + 1, sizeof(seen_alert));
    k->seen[k->nseen++] = (seen_alert){pd_xstrdup(fp), cp_now_ms(k)};
}

bool pd_captures_alert_selects(const pd_captures *k, const char *const *names,
                               const char *const *values, size_t n, const pd_ttarget *t)
{
    const pd_config *cfg = pd_tset_config(k->targets);
    size_t used = 0;
    for (size_t i = 0; i < cfg->alerting.nmatch_labels; i++) {
        const char *name = cfg->alerting.match_labels[i];
        const char *want = NULL;
        for (size_t j = 0; j < n && want == NULL; j++)
            if (strcmp(names[j], name) == 0)
                want = values[j];
        if (want == NULL)
            continue;
        used++;
        const char *have = pd_labels_get(&t->tg.labels, name);
        if (have == NULL || strcmp(have, want) != 0)
            return false;
    }
    return used > 0;
}

/* --- metrics ------------------------------------------------------------------------ */

void pd_captures_metrics(const pd_captures *k, pd_buf *out)
{
    pd_prom_family(out, "pprofd_capture_profiles_total", "counter",
                   "Profiles of triggered captures, by trigger and outcome.");
    for (int i = 0; i < 2; i++) {
        const char *t = pd_cap_trigger_name((pd_cap_trigger)i);
        pd_prom_u64(out, "pprofd_capture_profiles_total",
                    (const char *const[]){"trigger", t, "outcome", "done", NULL}, k->done[i]);
        pd_prom_u64(out, "pprofd_capture_profiles_total",
                    (const char *const[]){"trigger", t, "outcome", "failed", NULL}, k->failed[i]);
    }
    pd_prom_family(out, "pprofd_capture_budget_refusals_total", "counter",
                   "Target captures refused by the capture budget.");
    for (int i = 0; i < 2; i++)
        pd_prom_u64(out, "pprofd_capture_budget_refusals_total",
                    (const char *const[]){"trigger", pd_cap_trigger_name((pd_cap_trigger)i), NULL},
                    k->refused[i]);
}
