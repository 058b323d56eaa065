/* Captures: the registry, the token buckets, and the life of one capture
 * (a scrape per profile type, then ingest, then the writer). */
#include "capture.h"

#include "collector_int.h"
#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAPTURES 4096 /* kept for GET; the oldest finished ones go first */

typedef struct capture capture;

struct pd_cap_item {
    pd_captures *k;
    capture *cap;
    char type[64];
    const char *state; /* pending, running, done, failed */
    slot *s;           /* while scraping */
    int64_t profile_id;
    char error[640];
    uint8_t *prev; /* a copy of the scheduled baseline when the capture began */
    size_t prev_len;
};

struct capture {
    int64_t id;
    /* Once finished (or loaded from the database at start, then without
     * items): the final answer, served as it is, and its state. */
    char *doc;
    const char *state; /* "done" or "failed"; NULL while running */
    char trigger[8];   /* "manual" or "alert" */
    char target_id[32];
    pd_labels target; /* the target's labels */
    pd_labels extra;  /* trigger, reason, alertname */
    int64_t created_ms;
    pd_cap_item *items;
    size_t nitems;
    size_t open; /* items not finished */
};

typedef struct bucket {
    uint64_t key; /* the target's label hash */
    double tokens;
    int64_t at_ms;
} bucket;

typedef struct seen_alert {
    char *fingerprint;
    int64_t at_ms;
} seen_alert;

struct pd_captures {
    pd_collector *c; /* NULL once detached */
    pd_writer *w;
    int64_t next_id;
    capture **v; /* by id */
    size_t n, cap;
    bucket *buckets;
    size_t nbuckets, capbuckets;
    seen_alert *seen;
    size_t nseen, capseen;
    /* for /metrics: profiles captured and failed by trigger, refusals */
    uint64_t done[2], failed[2], refused[2];
};

static int trigger_index(const capture *cp)
{
    return strcmp(cp->trigger, "alert") == 0;
}

pd_captures *pd_captures_new(pd_collector *c, pd_writer *w)
{
    pd_captures *k = pd_xcalloc(1, sizeof(*k));
    k->c = c;
    k->w = w;
    /* Ids grow with time and stay unique across restarts: from the wall
     * clock in ms, or past the newest kept capture (pd_captures_load). */
    k->next_id = pd_collector_wall_ms();
    return k;
}

static void capture_free(capture *cp)
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
    free(k->buckets);
    for (size_t i = 0; i < k->nseen; i++)
        free(k->seen[i].fingerprint);
    free(k->seen);
    free(k);
}

void pd_captures_detach(pd_captures *k)
{
    k->c = NULL;
}

/* --- the token bucket of a target ------------------------------------------ */

/* The loop's clock: a wall-clock step neither refills nor drains budgets. */
static int64_t mono_ms(const pd_captures *k)
{
    return (int64_t)uv_now(k->c->loop);
}

/* Takes a token for process `key` (its address: a process is one budget
 * whatever job or labels it has): 0, or the seconds until one is there.
 * Buckets that have refilled are dropped on the way: a new one starts
 * full anyway. */
static int64_t take_token(pd_captures *k, uint64_t key, int64_t now)
{
    uint32_t count = k->c->cfg->limits.capture_budget.count;
    int64_t per = k->c->cfg->limits.capture_budget.per_ms;
    if (count == 0)
        return per > 0 ? (per + 999) / 1000 : 1;
    double rate = (double)count / (double)(per > 0 ? per : 1); /* tokens per ms */
    size_t w = 0;
    for (size_t i = 0; i < k->nbuckets; i++) {
        bucket *x = &k->buckets[i];
        if (x->key != key && x->tokens + (double)(now - x->at_ms) * rate >= count)
            continue;
        k->buckets[w++] = *x;
    }
    k->nbuckets = w;
    bucket *b = NULL;
    for (size_t i = 0; i < k->nbuckets && b == NULL; i++)
        if (k->buckets[i].key == key)
            b = &k->buckets[i];
    if (b == NULL) {
        pd_xgrow((void **)&k->buckets, &k->capbuckets, k->nbuckets + 1, sizeof(bucket));
        b = &k->buckets[k->nbuckets++];
        *b = (bucket){key, (double)count, now};
    }
    b->tokens += (double)(now - b->at_ms) * rate;
    if (b->tokens > count)
        b->tokens = count;
    b->at_ms = now;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    int64_t s = (int64_t)ceil((1.0 - b->tokens) / rate / 1000.0);
    return s > 0 ? s : 1;
}

/* --- one capture ------------------------------------------------------------ */

static void finish(pd_captures *k, capture *cp);

static void item_finish(pd_cap_item *it, const char *state)
{
    capture *cp = it->cap;
    it->state = state;
    it->s = NULL;
    free(it->prev); /* unused when the scrape failed */
    it->prev = NULL;
    cp->open--;
    if (strcmp(state, "done") == 0)
        it->k->done[trigger_index(cp)]++;
    else
        it->k->failed[trigger_index(cp)]++;
    char target[256];
    pd_labels_format(&cp->target, target, sizeof(target));
    if (strcmp(state, "done") == 0)
        pd_log_info("capture done", "id=%lld target=%s type=%s profile_id=%lld", (long long)cp->id,
                    target, it->type, (long long)it->profile_id);
    else
        pd_log_warn("capture failed", "id=%lld target=%s type=%s error=\"%s\"", (long long)cp->id,
                    target, it->type, it->error);
    if (cp->open == 0)
        finish(it->k, cp);
}

static void item_fail(pd_cap_item *it, const char *fmt, const char *a, const char *b)
{
    snprintf(it->error, sizeof(it->error), fmt, a, b ? b : "");
    item_finish(it, "failed");
}

static void slot_free(slot *s)
{
    tstate *t = s->t;
    if (s->cap->s == s)
        s->cap->s = NULL;
    free(s->name);
    free(s->url);
    pd_labels_free(&s->series);
    free(s);
    pd_collector_unref(t);
}

static void on_stored(void *arg, int rc, int64_t id, const char *error)
{
    pd_cap_item *it = arg;
    if (rc < 0) {
        item_fail(it, "store: %s%s", error ? error : "failed", NULL);
        return;
    }
    it->profile_id = id;
    item_finish(it, "done");
}

static void on_ingested(slot *s, int rc, pd_ingest_out *out, const pd_err *err, uint8_t *body,
                        size_t len)
{
    (void)len;
    pd_cap_item *it = s->cap;
    free(body);
    free(it->prev);
    it->prev = NULL;
    if (rc < 0) {
        item_fail(it, "invalid_profile: %s%s", err->msg, NULL);
    } else if (!out->store) {
        /* The target restarted since its baseline: no window to report. */
        item_fail(it, "restarted: the target restarted since its last scrape%s%s", "", NULL);
    } else {
        pd_writer_add_cb(s->t->c->writer, &s->series, &out->p, on_stored, it);
    }
    slot_free(s);
}

void pd_capture_fetched(slot *s, pd_fetch_result *res, const char *why)
{
    pd_cap_item *it = s->cap;
    if (res == NULL) {
        item_fail(it, "%s%s", why, NULL);
        slot_free(s);
        return;
    }
    if (strcmp(res->reason, "ok") != 0) {
        /* A transfer the stop cut short says why. */
        bool stopping = it->k->c == NULL && strcmp(res->reason, "aborted") == 0;
        item_fail(it, "%s: %s", stopping ? "daemon stopping" : res->reason, res->message);
        free(res->body);
        res->body = NULL;
        slot_free(s);
        return;
    }
    /* A cumulative profile is reported as the window since the target's
     * last scheduled scrape before the capture began; without one, as the
     * snapshot it is. */
    pd_profile_kind kind = s->kind;
    if (pd_kind_has_cumulative(kind) && it->prev == NULL)
        kind = PD_PROFILE_GAUGE;
    uint8_t *body = res->body;
    res->body = NULL;
    pd_collector_ingest(s, body, res->len, kind, it->prev, it->prev_len, on_ingested);
}

/* The profile config of `type` the target's job knows, or NULL. */
static const pd_profile_cfg *profile_of(const tstate *t, const char *type)
{
    for (size_t i = 0; i < t->navail; i++)
        if (strcmp(t->avail[i].name, type) == 0)
            return &t->avail[i];
    return NULL;
}

static void item_start(pd_cap_item *it, tstate *t, int64_t seconds)
{
    const pd_profile_cfg *p = profile_of(t, it->type);
    if (p == NULL) {
        item_fail(it, "job %s has no profile %s", t->job, it->type);
        return;
    }
    slot *s = pd_xcalloc(1, sizeof(*s));
    s->t = t;
    t->refs++; /* released by slot_free */
    s->cap = it;
    s->name = pd_xstrdup(p->name);
    s->kind = p->kind;
    /* A window profile takes the capture's seconds, else the target's own
     * (Go's default where the target's interval leaves it none), at most
     * PD_CAPTURE_MAX_SECONDS; a snapshot takes none. */
    s->seconds = 0;
    if (p->kind == PD_PROFILE_WINDOW) {
        s->seconds = seconds > 0 ? seconds : p->seconds > 0 ? p->seconds : PD_DEFAULT_SECONDS;
        if (s->seconds > PD_CAPTURE_MAX_SECONDS)
            s->seconds = PD_CAPTURE_MAX_SECONDS;
    }
    s->url = pd_scrape_url(t, p->path, s->seconds);
    s->timeout_ms = s->seconds * 1000 + 10000;
    if (s->timeout_ms < t->timeout_ms)
        s->timeout_ms = t->timeout_ms;
    pd_labels_copy(&s->series, &t->tg.labels);
    for (size_t i = 0; i < it->cap->extra.n; i++)
        pd_labels_set(&s->series, it->cap->extra.v[i].name, it->cap->extra.v[i].value);
    pd_labels_set(&s->series, "type", p->name);
    it->s = s;
    /* Copied now: a reload or a re-registration moves the scheduled
     * baseline to a new slot, and the next scheduled scrape replaces it. */
    for (size_t i = 0; i < t->nslots && it->prev == NULL; i++) {
        const slot *sched = &t->slots[i];
        if (strcmp(sched->name, s->name) == 0 && sched->prev != NULL &&
            pd_kind_has_cumulative(s->kind)) {
            it->prev = pd_xmalloc(sched->prev_len ? sched->prev_len : 1);
            memcpy(it->prev, sched->prev, sched->prev_len);
            it->prev_len = sched->prev_len;
        }
    }
    if (s->series.n > PD_STORE_MAX_LABELS) { /* a configured target with huge label sets */
        item_fail(it, "too many labels to store (%s)%s", "target labels plus capture labels", NULL);
        slot_free(s);
        return;
    }
    pd_collector_attempt_capture(s);
}

/* Drops the oldest finished captures past MAX_CAPTURES; false if every
 * kept capture is still running (then no new one starts). */
static bool make_room(pd_captures *k)
{
    size_t w = 0, excess = k->n >= MAX_CAPTURES ? k->n - MAX_CAPTURES + 1 : 0;
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

static capture *capture_new(pd_captures *k, tstate *t, const pd_labels *extra,
                            const char *const *types, size_t ntypes, int64_t seconds)
{
    capture *cp = pd_xcalloc(1, sizeof(*cp));
    cp->id = ++k->next_id;
    pd_collector_target_id(t, cp->target_id, sizeof(cp->target_id));
    pd_labels_copy(&cp->target, &t->tg.labels);
    pd_labels_copy(&cp->extra, extra);
    cp->created_ms = pd_collector_wall_ms();
    const char *trigger = pd_labels_get(extra, "trigger");
    snprintf(cp->trigger, sizeof(cp->trigger), "%s", trigger != NULL ? trigger : "");
    cp->items = pd_xcalloc(ntypes + 1, sizeof(pd_cap_item));
    cp->nitems = cp->open = ntypes;
    pd_xgrow((void **)&k->v, &k->cap, k->n + 1, sizeof(capture *));
    k->v[k->n++] = cp;
    char target[256];
    pd_labels_format(&t->tg.labels, target, sizeof(target));
    pd_log_info("capture", "id=%lld target=%s trigger=%s profiles=%zu seconds=%lld",
                (long long)cp->id, target, cp->trigger, ntypes, (long long)seconds);
    for (size_t i = 0; i < ntypes; i++) {
        pd_cap_item *it = &cp->items[i];
        it->k = k;
        it->cap = cp;
        it->state = "pending";
        snprintf(it->type, sizeof(it->type), "%s", types[i]);
    }
    for (size_t i = 0; i < ntypes; i++)
        item_start(&cp->items[i], t, seconds);
    return cp;
}

/* --- answers ----------------------------------------------------------------- */

static json_t *labels_json(const pd_labels *ls)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ls->n; i++)
        json_object_set_new(o, ls->v[i].name, json_string(ls->v[i].value));
    return o;
}

static void reply_json(pd_api_call *call, int status, json_t *j, int64_t retry_after_s)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    pd_api_reply(call, status, s, retry_after_s);
    free(s);
}

static const char *item_state(const pd_cap_item *it)
{
    if (it->s != NULL && !it->s->busy)
        return "pending"; /* waiting for a transfer or the target's CPU */
    return it->state == NULL || strcmp(it->state, "pending") == 0 ? "running" : it->state;
}

/* The answer for a capture still running, and the final one (once). */
static json_t *capture_json(const capture *cp)
{
    json_t *items = json_array(), *ids = json_array();
    size_t done = 0, failed = 0, pending = 0;
    for (size_t i = 0; i < cp->nitems; i++) {
        const pd_cap_item *it = &cp->items[i];
        const char *st = item_state(it);
        json_t *o = json_pack("{s:s,s:s}", "type", it->type, "state", st);
        if (strcmp(st, "done") == 0) {
            json_object_set_new(o, "profile_id", json_integer(it->profile_id));
            json_array_append_new(ids, json_integer(it->profile_id));
            done++;
        } else if (strcmp(st, "failed") == 0) {
            json_object_set_new(o, "error", json_string(it->error));
            failed++;
        } else if (strcmp(st, "pending") == 0) {
            pending++;
        }
        json_array_append_new(items, o);
    }
    const char *state = pending == cp->nitems        ? "pending"
                        : done + failed < cp->nitems ? "running"
                        : done > 0                   ? "done"
                                                     : "failed";
    char created[40];
    time_t secs = (time_t)(cp->created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o =
        json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)cp->id, "state", state, "target",
                  cp->target_id, "labels", labels_json(&cp->target), "created", created);
    for (size_t i = 0; i < cp->extra.n; i++)
        json_object_set_new(o, cp->extra.v[i].name, json_string(cp->extra.v[i].value));
    json_object_set_new(o, "profiles", items);
    json_object_set_new(o, "profile_ids", ids);
    return o;
}

void pd_captures_get(pd_captures *k, pd_api_call *call, const char *id)
{
    char *end = NULL;
    long long want = strtoll(id, &end, 10);
    for (size_t i = 0; end != NULL && *end == '\0' && i < k->n; i++) {
        const capture *cp = k->v[i];
        if (cp->id != want)
            continue;
        if (cp->doc != NULL)
            pd_api_reply(call, 200, cp->doc, 0);
        else
            reply_json(call, 200, capture_json(cp), 0);
        return;
    }
    pd_api_reply_error(call, 404, "no such capture (the last 4096 are kept)");
}

/* The list is mostly finished captures: their stored answers are copied
 * as they are, never parsed again (4096 of them: about 1 MB). */
void pd_captures_list(pd_captures *k, pd_api_call *call, const pd_api_request *rq)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    (void)pd_buf_printf(&b, "{\"captures\":[");
    int64_t n = 0;
    for (size_t i = k->n; i-- > 0 && n < rq->limit;) {
        const capture *cp = k->v[i];
        if (rq->trigger != NULL && strcmp(cp->trigger, rq->trigger) != 0)
            continue;
        char *text = NULL;
        const char *doc = cp->doc;
        if (doc == NULL) { /* running: pending or running */
            json_t *o = capture_json(cp);
            const char *st = json_string_value(json_object_get(o, "state"));
            if (rq->state == NULL || (st != NULL && strcmp(st, rq->state) == 0))
                doc = text = json_dumps(o, JSON_COMPACT);
            json_decref(o);
        } else if (rq->state == NULL || strcmp(cp->state, rq->state) == 0) {
            doc = cp->doc;
        } else {
            doc = NULL;
        }
        if (doc != NULL) {
            (void)pd_buf_printf(&b, "%s%s", n++ > 0 ? "," : "", doc);
        }
        free(text);
    }
    (void)pd_buf_append(&b, "]}", 3); /* with its NUL */
    pd_api_reply(call, 200, (const char *)b.data, 0);
    pd_buf_free(&b);
}

/* --- kept across restarts ------------------------------------------------------ */

typedef struct put_op {
    int64_t id, created_ns;
    char *doc;
} put_op;

static int put_fn(pd_store *s, void *arg, pd_err *err)
{
    put_op *o = arg;
    return pd_store_capture_put(s, o->id, o->created_ns, o->doc, MAX_CAPTURES, err);
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
 * before the collector has stopped, and its profiles are stored while the
 * writer flushes. */
static void finish(pd_captures *k, capture *cp)
{
    json_t *j = capture_json(cp);
    const char *st = json_string_value(json_object_get(j, "state"));
    cp->state = st != NULL && strcmp(st, "done") == 0 ? "done" : "failed";
    cp->doc = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (cp->doc == NULL)
        abort(); /* out of memory */
    put_op *o = pd_xcalloc(1, sizeof(*o));
    o->id = cp->id;
    o->created_ns = cp->created_ms * 1000000;
    o->doc = pd_xstrdup(cp->doc);
    pd_writer_exec(k->w, put_fn, put_done, o);
}

static int load_one(void *ctx, int64_t id, int64_t created_ns, const char *doc)
{
    pd_captures *k = ctx;
    capture *cp = pd_xcalloc(1, sizeof(*cp));
    cp->id = id;
    cp->doc = pd_xstrdup(doc);
    cp->created_ms = created_ns / 1000000;
    /* Parsed once here, for the list's filters. */
    json_t *j = json_loads(doc, 0, NULL);
    const char *st = json_string_value(json_object_get(j, "state"));
    const char *tr = json_string_value(json_object_get(j, "trigger"));
    cp->state = st != NULL && strcmp(st, "done") == 0 ? "done" : "failed";
    snprintf(cp->trigger, sizeof(cp->trigger), "%s", tr != NULL ? tr : "");
    json_decref(j);
    pd_xgrow((void **)&k->v, &k->cap, k->n + 1, sizeof(capture *));
    k->v[k->n++] = cp;
    if (id > k->next_id)
        k->next_id = id;
    return 0;
}

int pd_captures_load(pd_captures *k, const char *db_path, pd_err *err)
{
    pd_store_reader *rd = NULL;
    int rc = pd_store_reader_open(db_path, &rd, err);
    if (rc < 0)
        return rc;
    rc = pd_store_captures_list(rd, MAX_CAPTURES, load_one, k, err);
    pd_store_reader_close(rd);
    if (rc == 0 && k->n > 0)
        pd_log_info("captures loaded", "captures=%zu", k->n);
    return rc;
}

/* --- what to capture ----------------------------------------------------------- */

/* Checks the profile names (default: alerting.profiles) into types[]. */
static int pick_types(const pd_captures *k, const pd_api_request *rq, const char **types, size_t *n,
                      pd_err *err)
{
    const pd_config *cfg = k->c->cfg;
    const char *const *v =
        rq->has_profiles ? rq->profiles : (const char *const *)cfg->alerting.profiles;
    size_t nv = rq->has_profiles ? rq->nprofiles : cfg->alerting.nprofiles;
    if (nv == 0)
        return pd_errf(err, -EINVAL, "profiles: empty");
    if (nv > PD_CAPTURE_MAX_PROFILES)
        return pd_errf(err, -EINVAL, "profiles: more than %d", PD_CAPTURE_MAX_PROFILES);
    *n = 0;
    for (size_t i = 0; i < nv; i++) {
        if (!pd_config_profile_known(cfg, v[i]))
            return pd_errf(err, -EINVAL, "profiles[%zu]: unknown profile \"%s\"", i, v[i]);
        for (size_t j = 0; j < *n; j++)
            if (strcmp(types[j], v[i]) == 0)
                return pd_errf(err, -EINVAL, "profiles[%zu]: \"%s\" twice", i, v[i]);
        types[(*n)++] = v[i];
    }
    return 0;
}

static bool target_matches(const tstate *t, const pd_selector *sel)
{
    const char *names[PD_STORE_MAX_LABELS + 1], *values[PD_STORE_MAX_LABELS + 1];
    size_t n = 0;
    for (size_t i = 0; i < t->tg.labels.n && n < PD_STORE_MAX_LABELS; i++, n++) {
        names[n] = t->tg.labels.v[i].name;
        values[n] = t->tg.labels.v[i].value;
    }
    return pd_selector_matches(sel, names, values, n);
}

/* Captures `types` from target t if its budget allows: the capture, or
 * NULL and *retry_s (OUT) the seconds until a token is there. */
static capture *try_capture(pd_captures *k, tstate *t, const pd_labels *extra, const char **types,
                            size_t ntypes, int64_t seconds, int64_t *retry_s)
{
    *retry_s = take_token(k, pd_hash_bytes(t->tg.address, strlen(t->tg.address)), mono_ms(k));
    if (*retry_s > 0) {
        const char *trigger = pd_labels_get(extra, "trigger");
        k->refused[trigger != NULL && strcmp(trigger, "alert") == 0]++;
        return NULL;
    }
    return capture_new(k, t, extra, types, ntypes, seconds);
}

static json_t *skipped_json(const tstate *t, int64_t retry_s)
{
    char id[32];
    pd_collector_target_id(t, id, sizeof(id));
    return json_pack("{s:s,s:o,s:s,s:I}", "target", id, "labels", labels_json(&t->tg.labels),
                     "reason", "budget", "retry_after_seconds", (json_int_t)retry_s);
}

static json_t *started_json(const capture *cp)
{
    json_t *types = json_array();
    for (size_t i = 0; i < cp->nitems; i++)
        json_array_append_new(types, json_string(cp->items[i].type));
    return json_pack("{s:I,s:s,s:o,s:o}", "id", (json_int_t)cp->id, "target", cp->target_id,
                     "labels", labels_json(&cp->target), "profiles", types);
}

static int64_t capture_seconds(const pd_api_request *rq)
{
    int64_t s = rq->seconds; /* 0: the target's own */
    return s > PD_CAPTURE_MAX_SECONDS ? PD_CAPTURE_MAX_SECONDS : s;
}

void pd_captures_start(pd_captures *k, pd_api_call *call, const pd_api_request *rq)
{
    if (k->c == NULL) {
        pd_api_reply_error(call, 503, "stopping");
        return;
    }
    const char *types[PD_CAPTURE_MAX_PROFILES];
    size_t ntypes = 0;
    pd_err err = {{0}};
    if (pick_types(k, rq, types, &ntypes, &err) < 0) {
        pd_api_reply_error(call, 400, err.msg);
        return;
    }
    if (rq->reason != NULL && (rq->reason[0] == '\0' || strlen(rq->reason) > 1024)) {
        pd_api_reply_error(call, 400, "reason: want 1 to 1024 characters");
        return;
    }
    if (!make_room(k)) {
        pd_api_reply_error(call, 503, "too many captures running");
        return;
    }
    pd_labels extra = PD_LABELS_INIT;
    pd_labels_set(&extra, "trigger", "manual");
    if (rq->reason != NULL)
        pd_labels_set(&extra, "reason", rq->reason);
    json_t *started = json_array(), *skipped = json_array();
    int64_t min_retry = 0;
    size_t matched = 0;
    pd_collector *c = k->c;
    for (size_t i = 0; i < c->ntargets; i++) {
        tstate *t = c->targets[i];
        if (!target_matches(t, rq->sel))
            continue;
        matched++;
        int64_t retry = 0;
        capture *cp = try_capture(k, t, &extra, types, ntypes, capture_seconds(rq), &retry);
        if (cp != NULL) {
            json_array_append_new(started, started_json(cp));
        } else {
            json_array_append_new(skipped, skipped_json(t, retry));
            min_retry = min_retry == 0 || retry < min_retry ? retry : min_retry;
        }
    }
    pd_labels_free(&extra);
    if (matched == 0) {
        json_decref(started);
        json_decref(skipped);
        pd_api_reply_error(call, 404, "query: no target matches");
        return;
    }
    if (json_array_size(started) == 0) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "capture budget spent for every matching target (%u per %llds): retry in %llds",
                 c->cfg->limits.capture_budget.count,
                 (long long)(c->cfg->limits.capture_budget.per_ms / 1000), (long long)min_retry);
        json_decref(started);
        reply_json(call, 429,
                   json_pack("{s:s,s:I,s:o}", "error", msg, "retry_after_seconds",
                             (json_int_t)min_retry, "skipped", skipped),
                   min_retry);
        return;
    }
    reply_json(call, 202, json_pack("{s:o,s:o}", "captures", started, "skipped", skipped), 0);
}

/* --- Alertmanager ---------------------------------------------------------------- */

/* Whether fingerprint fp led to a capture within the budget window (those
 * older are forgotten on the way). */
static bool repeated(pd_captures *k, const char *fp, int64_t now)
{
    int64_t per = k->c->cfg->limits.capture_budget.per_ms;
    size_t w = 0;
    bool seen = false;
    for (size_t i = 0; i < k->nseen; i++) {
        if (now - k->seen[i].at_ms >= per) {
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

/* Only an alert that captured something is a repeat next time: one that
 * found no target or no budget may well capture when Alertmanager sends
 * it again. */
static void remember(pd_captures *k, const char *fp, int64_t now)
{
    if (fp[0] == '\0')
        return;
    pd_xgrow((void **)&k->seen, &k->capseen, k->nseen + 1, sizeof(seen_alert));
    k->seen[k->nseen++] = (seen_alert){pd_xstrdup(fp), now};
}

static const char *alert_label(const pd_api_alert *a, const char *name)
{
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i].name, name) == 0)
            return a->labels[i].value;
    return NULL;
}

/* A target answers to an alert when it has every alerting.match_labels
 * label the alert carries, with the same value; an alert with none of them
 * selects nothing (never the whole fleet). */
static bool alert_selects(const pd_config *cfg, const pd_api_alert *a, const tstate *t)
{
    size_t used = 0;
    for (size_t i = 0; i < cfg->alerting.nmatch_labels; i++) {
        const char *name = cfg->alerting.match_labels[i];
        const char *want = alert_label(a, name);
        if (want == NULL)
            continue;
        used++;
        const char *have = pd_labels_get(&t->tg.labels, name);
        if (have == NULL || strcmp(have, want) != 0)
            return false;
    }
    return used > 0;
}

static json_t *one_alert(pd_captures *k, const pd_api_alert *a, const char **types, size_t ntypes,
                         json_t *all)
{
    const pd_config *cfg = k->c->cfg;
    const char *name = alert_label(a, "alertname");
    json_t *o = json_pack("{s:s,s:s,s:s}", "alertname", name ? name : "", "fingerprint",
                          a->fingerprint, "status", a->status);
    if (strcmp(a->status, "firing") != 0) {
        json_object_set_new(o, "outcome", json_string("resolved"));
        return o;
    }
    if (repeated(k, a->fingerprint, mono_ms(k))) {
        json_object_set_new(o, "outcome", json_string("repeat"));
        return o;
    }
    pd_labels extra = PD_LABELS_INIT;
    pd_labels_set(&extra, "trigger", "alert");
    char alertname[PD_STORE_MAX_LABEL_VALUE + 1]; /* what a label value may hold */
    snprintf(alertname, sizeof(alertname), "%s", name && name[0] ? name : "unnamed");
    pd_labels_set(&extra, "alertname", alertname);
    json_t *ids = json_array(), *skipped = json_array();
    size_t matched = 0;
    for (size_t i = 0; i < k->c->ntargets; i++) {
        tstate *t = k->c->targets[i];
        if (!alert_selects(cfg, a, t))
            continue;
        matched++;
        int64_t retry = 0;
        capture *cp = try_capture(k, t, &extra, types, ntypes, cfg->alerting.seconds, &retry);
        if (cp != NULL) {
            json_array_append_new(ids, json_integer(cp->id));
            json_array_append_new(all, json_integer(cp->id));
        } else {
            json_array_append_new(skipped, skipped_json(t, retry));
        }
    }
    pd_labels_free(&extra);
    if (json_array_size(ids) > 0)
        remember(k, a->fingerprint, mono_ms(k));
    const char *outcome = matched == 0                ? "no_target"
                          : json_array_size(ids) == 0 ? "budget"
                                                      : "captured";
    json_object_set_new(o, "outcome", json_string(outcome));
    json_object_set_new(o, "captures", ids);
    json_object_set_new(o, "skipped", skipped);
    return o;
}

void pd_captures_alerts(pd_captures *k, pd_api_call *call, const pd_api_request *rq)
{
    if (k->c == NULL) {
        pd_api_reply_error(call, 503, "stopping");
        return;
    }
    const char *types[PD_CAPTURE_MAX_PROFILES];
    size_t ntypes = 0;
    pd_err err = {{0}};
    /* alerting.profiles, checked by the config: this cannot fail but in a
     * config the checks missed. */
    if (pick_types(k, rq, types, &ntypes, &err) < 0) {
        pd_api_reply_error(call, 500, err.msg);
        return;
    }
    if (!make_room(k)) {
        pd_api_reply_error(call, 503, "too many captures running");
        return;
    }
    json_t *all = json_array(), *alerts = json_array();
    for (size_t i = 0; i < rq->nalerts; i++)
        json_array_append_new(alerts, one_alert(k, &rq->alerts[i], types, ntypes, all));
    /* Alertmanager retries on errors; what is decided here would not change
     * on a retry, so the answer is 200 with the outcome of each alert. */
    reply_json(call, 200, json_pack("{s:o,s:o}", "captures", all, "alerts", alerts), 0);
}

void pd_captures_metrics(const pd_captures *k, pd_buf *out)
{
    static const char *const triggers[2] = {"manual", "alert"};
    (void)pd_buf_printf(out, "# HELP pprofd_capture_profiles_total Profiles of triggered "
                             "captures, by trigger and outcome.\n"
                             "# TYPE pprofd_capture_profiles_total counter\n");
    for (int i = 0; i < 2; i++)
        (void)pd_buf_printf(
            out,
            "pprofd_capture_profiles_total{trigger=\"%s\",outcome=\"done\"} %llu\n"
            "pprofd_capture_profiles_total{trigger=\"%s\",outcome=\"failed\"} %llu\n",
            triggers[i], (unsigned long long)k->done[i], triggers[i],
            (unsigned long long)k->failed[i]);
    (void)pd_buf_printf(out, "# HELP pprofd_capture_budget_refusals_total Target captures "
                             "refused by the capture budget.\n"
                             "# TYPE pprofd_capture_budget_refusals_total counter\n");
    for (int i = 0; i < 2; i++)
        (void)pd_buf_printf(out, "pprofd_capture_budget_refusals_total{trigger=\"%s\"} %llu\n",
                            triggers[i], (unsigned long long)k->refused[i]);
}
