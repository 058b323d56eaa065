/* POST /api/v1/capture, GET /api/v1/captures[/{id}], POST /api/v1/alerts:
 * which targets a request selects, and every capture answer. Loop
 * thread. */
#include "api_int.h"

#include "pd_mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The answer for a capture still running, and the final one. */
static json_t *capture_json(const pd_capture *cp)
{
    json_t *items = json_array(), *ids = json_array();
    for (size_t i = 0; i < cp->nitems; i++) {
        const pd_cap_item *it = &cp->items[i];
        pd_cap_state st = pd_cap_item_state(it);
        json_t *o = json_pack("{s:s,s:s}", "type", it->type, "state", pd_cap_state_name(st));
        if (st == PD_CAP_DONE) {
            json_object_set_new(o, "profile_id", json_integer(it->profile_id));
            json_array_append_new(ids, json_integer(it->profile_id));
        } else if (st == PD_CAP_FAILED) {
            json_object_set_new(o, "error", json_string(it->error));
        }
        json_array_append_new(items, o);
    }
    json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o}", "id", (json_int_t)cp->id, "state",
                          pd_cap_state_name(pd_capture_state(cp)), "target", cp->target_id,
                          "labels", api_labels_json(&cp->target), "created",
                          api_time_json(cp->created_ms / 1000 * 1000));
    for (size_t i = 0; i < cp->extra.n; i++)
        json_object_set_new(o, cp->extra.v[i].name, json_string(cp->extra.v[i].value));
    json_object_set_new(o, "profiles", items);
    json_object_set_new(o, "profile_ids", ids);
    return o;
}

char *pd_api_capture_doc(const pd_capture *cp)
{
    json_t *j = capture_json(cp);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s == NULL)
        abort(); /* out of memory */
    return s;
}

bool pd_api_capture_meta(const char *doc, pd_cap_state *state, pd_cap_trigger *trigger)
{
    json_t *j = json_loads(doc, 0, NULL);
    const char *st = json_string_value(json_object_get(j, "state"));
    const char *tr = json_string_value(json_object_get(j, "trigger"));
    bool ok = st != NULL && tr != NULL && pd_cap_state_parse(st, state) &&
              pd_cap_trigger_parse(tr, trigger);
    json_decref(j);
    return ok;
}

void api_capture_get(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    char *end = NULL;
    long long want = strtoll(rq->id, &end, 10);
    const pd_capture *cp = *end == '\0' ? pd_captures_get(api->captures, want) : NULL;
    if (cp == NULL)
        pd_api_reply_error(call, 404, "no such capture (the last 4096 are kept)");
    else if (cp->finished)
        pd_api_reply(call, 200, cp->doc, 0);
    else
        api_call_json(call, 200, capture_json(cp), 0);
}

/* The list is mostly finished captures: their stored answers are copied
 * as they are, never parsed again (4096 of them: about 1 MB). */
void api_capture_list(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    pd_cap_state want = PD_CAP_PENDING;
    pd_cap_trigger trig = PD_CAP_MANUAL;
    bool by_state = rq->state != NULL && pd_cap_state_parse(rq->state, &want);
    bool by_trigger = rq->trigger != NULL && pd_cap_trigger_parse(rq->trigger, &trig);
    pd_buf b;
    pd_buf_init(&b, 0);
    (void)pd_buf_printf(&b, "{\"captures\":[");
    int64_t n = 0;
    for (size_t i = pd_captures_count(api->captures); i-- > 0 && n < rq->limit;) {
        const pd_capture *cp = pd_captures_at(api->captures, i);
        if (by_trigger && cp->trigger != trig)
            continue;
        if (by_state && pd_capture_state(cp) != want)
            continue;
        char *text = cp->finished ? NULL : pd_api_capture_doc(cp);
        (void)pd_buf_printf(&b, "%s%s", n++ > 0 ? "," : "", text != NULL ? text : cp->doc);
        free(text);
    }
    (void)pd_buf_append(&b, "]}", 3); /* with its NUL */
    pd_api_reply(call, 200, (const char *)b.data, 0);
    pd_buf_free(&b);
}

static bool target_matches(const pd_ttarget *t, const pd_selector *sel)
{
    const char *names[PD_STORE_MAX_LABELS + 1], *values[PD_STORE_MAX_LABELS + 1];
    size_t n = 0;
    for (size_t i = 0; i < t->tg.labels.n && n < PD_STORE_MAX_LABELS; i++, n++) {
        names[n] = t->tg.labels.v[i].name;
        values[n] = t->tg.labels.v[i].value;
    }
    return pd_selector_matches(sel, names, values, n);
}

static json_t *skipped_json(const pd_ttarget *t, int64_t retry_s)
{
    return json_pack("{s:s,s:o,s:s,s:I}", "target", t->id, "labels", api_labels_json(&t->tg.labels),
                     "reason", "budget", "retry_after_seconds", (json_int_t)retry_s);
}

static json_t *started_json(const pd_capture *cp)
{
    json_t *types = json_array();
    for (size_t i = 0; i < cp->nitems; i++)
        json_array_append_new(types, json_string(cp->items[i].type));
    return json_pack("{s:I,s:s,s:o,s:o}", "id", (json_int_t)cp->id, "target", cp->target_id,
                     "labels", api_labels_json(&cp->target), "profiles", types);
}

/* The types a capture asks for, checked; an answer and false if wrong. */
static bool pick(pd_api *api, pd_api_call *call, const pd_api_request *rq, int status,
                 const char **types, size_t *ntypes)
{
    pd_err err = {{0}};
    if (pd_captures_detached(api->captures)) {
        pd_api_reply_error(call, 503, "stopping");
        return false;
    }
    if (pd_captures_pick_types(api->captures, rq->profiles, rq->nprofiles, rq->has_profiles, types,
                               ntypes, &err) < 0) {
        pd_api_reply_error(call, status, err.msg);
        return false;
    }
    return true;
}

/* Room for one more capture; an answer and false if every kept one runs. */
static bool room(pd_api *api, pd_api_call *call)
{
    if (pd_captures_make_room(api->captures))
        return true;
    pd_api_reply_error(call, 503, "too many captures running");
    return false;
}

void api_capture_start(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    pd_captures *k = api->captures;
    const char *types[PD_CAPTURE_MAX_PROFILES];
    size_t ntypes = 0;
    if (!pick(api, call, rq, 400, types, &ntypes))
        return;
    if (rq->reason != NULL && (rq->reason[0] == '\0' || strlen(rq->reason) > 1024)) {
        pd_api_reply_error(call, 400, "reason: want 1 to 1024 characters");
        return;
    }
    if (!room(api, call))
        return;
    pd_labels extra = PD_LABELS_INIT;
    pd_labels_set(&extra, "trigger", "manual");
    if (rq->reason != NULL)
        pd_labels_set(&extra, "reason", rq->reason);
    json_t *started = json_array(), *skipped = json_array();
    int64_t min_retry = 0;
    size_t matched = 0;
    pd_tset *ts = pd_captures_targets(k);
    for (size_t i = 0; i < pd_tset_count(ts); i++) {
        pd_ttarget *t = pd_tset_at(ts, i);
        if (!target_matches(t, rq->sel))
            continue;
        matched++;
        int64_t retry = 0;
        pd_capture *cp = NULL;
        if (pd_captures_begin(k, t, PD_CAP_MANUAL, &extra, types, ntypes, rq->seconds, &cp,
                              &retry) == 0) {
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
        const pd_config *cfg = pd_tset_config(ts);
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "capture budget spent for every matching target (%u per %llds): retry in %llds",
                 cfg->limits.capture_budget.count,
                 (long long)(cfg->limits.capture_budget.per_ms / 1000), (long long)min_retry);
        json_decref(started);
        api_call_json(call, 429,
                      json_pack("{s:s,s:I,s:o}", "error", msg, "retry_after_seconds",
                                (json_int_t)min_retry, "skipped", skipped),
                      min_retry);
        return;
    }
    api_call_json(call, 202, json_pack("{s:o,s:o}", "captures", started, "skipped", skipped), 0);
}

static const char *alert_label(const pd_api_alert *a, const char *name)
{
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i].name, name) == 0)
            return a->labels[i].value;
    return NULL;
}

static json_t *one_alert(pd_captures *k, const pd_api_alert *a, const char **types, size_t ntypes,
                         json_t *all)
{
    const pd_config *cfg = pd_tset_config(pd_captures_targets(k));
    const char *name = alert_label(a, "alertname");
    json_t *o = json_pack("{s:s,s:s,s:s}", "alertname", name ? name : "", "fingerprint",
                          a->fingerprint, "status", a->status);
    if (strcmp(a->status, "firing") != 0) {
        json_object_set_new(o, "outcome", json_string("resolved"));
        return o;
    }
    if (pd_captures_alert_repeated(k, a->fingerprint)) {
        json_object_set_new(o, "outcome", json_string("repeat"));
        return o;
    }
    pd_labels extra = PD_LABELS_INIT;
    pd_labels_set(&extra, "trigger", "alert");
    char alertname[PD_STORE_MAX_LABEL_VALUE + 1]; /* what a label value may hold */
    snprintf(alertname, sizeof(alertname), "%s", name && name[0] ? name : "unnamed");
    pd_labels_set(&extra, "alertname", alertname);
    const char **names = pd_xcalloc(a->nlabels + 1, sizeof(char *));
    const char **values = pd_xcalloc(a->nlabels + 1, sizeof(char *));
    for (size_t i = 0; i < a->nlabels; i++) {
        names[i] = a->labels[i].name;
        values[i] = a->labels[i].value;
    }
    json_t *ids = json_array(), *skipped = json_array();
    size_t matched = 0;
    pd_tset *ts = pd_captures_targets(k);
    for (size_t i = 0; i < pd_tset_count(ts); i++) {
        pd_ttarget *t = pd_tset_at(ts, i);
        if (!pd_captures_alert_selects(k, names, values, a->nlabels, t))
            continue;
        matched++;
        int64_t retry = 0;
        pd_capture *cp = NULL;
        if (pd_captures_begin(k, t, PD_CAP_ALERT, &extra, types, ntypes, cfg->alerting.seconds, &cp,
                              &retry) == 0) {
            json_array_append_new(ids, json_integer(cp->id));
            json_array_append_new(all, json_integer(cp->id));
        } else {
            json_array_append_new(skipped, skipped_json(t, retry));
        }
    }
    free(names);
    free(values);
    pd_labels_free(&extra);
    if (json_array_size(ids) > 0)
        pd_captures_alert_remember(k, a->fingerprint);
    /* Only an alert that captured something is a repeat next time: one that
     * found no target or no budget may well capture when Alertmanager sends
     * it again. */
    const char *outcome = matched == 0                ? "no_target"
                          : json_array_size(ids) == 0 ? "budget"
                                                      : "captured";
    json_object_set_new(o, "outcome", json_string(outcome));
    json_object_set_new(o, "captures", ids);
    json_object_set_new(o, "skipped", skipped);
    return o;
}

void api_capture_alerts(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    const char *types[PD_CAPTURE_MAX_PROFILES];
    size_t ntypes = 0;
    /* alerting.profiles, checked by the config: this cannot fail but in a
     * config the checks missed. */
    if (!pick(api, call, rq, 500, types, &ntypes) || !room(api, call))
        return;
    json_t *all = json_array(), *alerts = json_array();
    for (size_t i = 0; i < rq->nalerts; i++)
        json_array_append_new(alerts, one_alert(api->captures, &rq->alerts[i], types, ntypes, all));
    /* Alertmanager retries on errors; what is decided here would not change
     * on a retry, so the answer is 200 with the outcome of each alert. */
    api_call_json(call, 200, json_pack("{s:o,s:o}", "captures", all, "alerts", alerts), 0);
}
