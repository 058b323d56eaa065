/* Targets registered over the API: POST/PUT/DELETE /api/v1/targets. A
 * request is checked, written to the database through the writer (so it
 * survives a restart), and only then handed to the target set. Loop
 * thread. */
#include "api_int.h"

#include "pd_log.h"
#include "pd_mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOB_NAME 256

typedef struct op {
    pd_tset *ts;
    pd_api_call *call;
    pd_api_action action;
    pd_reg_target r;
    pd_store_label *labels; /* r.labels as storage wants them */
    int64_t id;
} op;

static void op_free(op *o)
{
    pd_reg_target_free(&o->r);
    free(o->labels);
    free(o);
}

static json_t *reg_json(const pd_reg_target *r)
{
    char id[32], interval[32] = "";
    snprintf(id, sizeof(id), "%lld", (long long)r->id);
    json_t *labels = api_labels_json(&r->labels);
    json_t *profiles = json_array();
    const char *p = r->profiles;
    char name[64];
    while (pd_reg_next_profile(&p, name, sizeof(name)))
        json_array_append_new(profiles, json_string(name));
    if (r->interval_ms > 0)
        pd_format_duration(r->interval_ms, interval, sizeof(interval));
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s}", "id", id, "source", "api", "job", r->job,
                     "address", r->address, "labels", labels, "profiles", profiles,
                     "scrape_interval", interval);
}

static void reply_reg(pd_api_call *call, int status, const pd_reg_target *r)
{
    api_call_json(call, status, reg_json(r), 0);
}

/* --- checking a request ------------------------------------------------------ */

static int check_labels(const pd_api_request *rq, pd_labels *out, pd_err *err)
{
    for (size_t i = 0; i < rq->nlabels; i++) {
        const char *n = rq->labels[i].name, *v = rq->labels[i].value;
        if (!pd_label_name_valid(n))
            return pd_errf(err, -EINVAL, "labels.%s: invalid label name", n);
        if (strncmp(n, "__", 2) == 0)
            return pd_errf(err, -EINVAL, "labels.%s: names starting with __ are reserved", n);
        if (strcmp(n, "job") == 0 || strcmp(n, "type") == 0)
            return pd_errf(err, -EINVAL, "labels.%s: reserved (%s)", n,
                           n[0] == 'j' ? "use the job field" : "the profile type's label");
        if (v[0] == '\0' || strlen(v) > PD_STORE_MAX_LABEL_VALUE)
            return pd_errf(err, -EINVAL, "labels.%s: want 1 to %d characters", n,
                           PD_STORE_MAX_LABEL_VALUE);
        pd_labels_set(out, n, v);
    }
    return 0;
}

static int check_profiles(const pd_api_request *rq, char **out, pd_err *err)
{
    size_t len = 1;
    for (size_t i = 0; i < rq->nprofiles; i++) {
        const char *p = rq->profiles[i];
        if (!pd_profile_name_valid(p))
            return pd_errf(err, -EINVAL, "profiles[%zu]: invalid profile name \"%.80s\"", i, p);
        len += strlen(p) + 1;
    }
    if (rq->nprofiles == 0)
        return pd_errf(err, -EINVAL, "profiles: empty (leave it out for the job's profiles)");
    char *s = pd_xcalloc(len, 1);
    for (size_t i = 0; i < rq->nprofiles; i++) {
        if (i > 0)
            strcat(s, ",");
        strcat(s, rq->profiles[i]);
    }
    free(*out);
    *out = s;
    return 0;
}

/* rq's fields over r (r holds the current registration for an update). */
static int apply(const pd_api_request *rq, pd_reg_target *r, pd_err *err)
{
    if (rq->job != NULL) {
        if (r->job != NULL && strcmp(r->job, rq->job) != 0)
            return pd_errf(err, -EINVAL, "job: cannot change (delete and register again)");
        if (rq->job[0] == '\0' || strlen(rq->job) > MAX_JOB_NAME)
            return pd_errf(err, -EINVAL, "job: want 1 to %d characters", MAX_JOB_NAME);
        free(r->job);
        r->job = pd_xstrdup(rq->job);
    }
    if (rq->address != NULL) {
        if (r->address != NULL && strcmp(r->address, rq->address) != 0)
            return pd_errf(err, -EINVAL, "address: cannot change (delete and register again)");
        if (!pd_hostport_valid(rq->address))
            return pd_errf(err, -EINVAL, "address: invalid \"%s\": want host:port", rq->address);
        free(r->address);
        r->address = pd_xstrdup(rq->address);
    }
    if (rq->has_labels) {
        pd_labels_free(&r->labels);
        pd_labels_init(&r->labels);
        int rc = check_labels(rq, &r->labels, err);
        if (rc < 0)
            return rc;
    }
    if (rq->has_profiles) {
        int rc = check_profiles(rq, &r->profiles, err);
        if (rc < 0)
            return rc;
    }
    if (r->profiles == NULL)
        r->profiles = pd_xstrdup("");
    if (rq->scrape_interval != NULL) {
        pd_err derr = {{0}};
        if (pd_parse_duration(rq->scrape_interval, &r->interval_ms, &derr) < 0 ||
            r->interval_ms <= 0)
            return pd_errf(err, -EINVAL, "scrape_interval: invalid duration \"%s\"",
                           rq->scrape_interval);
    }
    return 0;
}

/* --- the database, then the collector ------------------------------------------ */

static int exec_fn(pd_store *s, void *arg, pd_err *err)
{
    op *o = arg;
    pd_store_target t = {o->r.id,       o->r.job,      o->r.address,    o->labels,
                         o->r.labels.n, o->r.profiles, o->r.interval_ms};
    switch (o->action) {
    case PD_API_TARGET_ADD:
        return pd_store_target_insert(s, &t, &o->id, err);
    case PD_API_TARGET_UPDATE:
        return pd_store_target_update(s, &t, err);
    default:
        return pd_store_target_delete(s, o->r.id, err);
    }
}

static void exec_done(void *arg, int rc, const pd_err *err)
{
    op *o = arg;
    if (o->action != PD_API_TARGET_ADD)
        pd_tset_reg_changing(o->ts, o->r.id, false);
    if (rc == -EEXIST) {
        pd_api_reply_error(o->call, 409, err->msg);
    } else if (rc < 0) {
        pd_log_error("registration failed", "error=\"%s\"", err->msg);
        pd_api_reply_error(o->call, rc == -ENOENT ? 404 : 500, err->msg);
    } else if (o->action == PD_API_TARGET_DELETE) {
        pd_tset_reg_remove(o->ts, o->r.id);
        pd_log_info("target deregistered", "id=%lld", (long long)o->r.id);
        char body[64];
        snprintf(body, sizeof(body), "{\"id\":\"%lld\",\"deleted\":true}", (long long)o->r.id);
        pd_api_reply(o->call, 200, body, 0);
    } else {
        if (o->action == PD_API_TARGET_ADD)
            o->r.id = o->id;
        pd_err serr = {{0}};
        if (pd_tset_reg_set(o->ts, &o->r, &serr) < 0) /* checked before: defensive */
            pd_log_error("registered target not scraped", "id=%lld error=\"%s\"",
                         (long long)o->r.id, serr.msg);
        pd_log_info(o->action == PD_API_TARGET_ADD ? "target registered" : "target updated",
                    "id=%lld job=%s address=%s", (long long)o->r.id, o->r.job, o->r.address);
        reply_reg(o->call, o->action == PD_API_TARGET_ADD ? 201 : 200, &o->r);
    }
    op_free(o);
}

static void submit(pd_writer *w, op *o)
{
    o->labels = pd_xcalloc(o->r.labels.n + 1, sizeof(pd_store_label));
    for (size_t i = 0; i < o->r.labels.n; i++)
        o->labels[i] = (pd_store_label){o->r.labels.v[i].name, o->r.labels.v[i].value};
    pd_writer_exec(w, exec_fn, exec_done, o);
}

/* The registration `id` names, or an answer (404, 403) and NULL. */
static const pd_reg_target *find(pd_tset *ts, pd_api_call *call, const char *id)
{
    char *end = NULL;
    long long n = strtoll(id, &end, 10);
    const pd_reg_target *r = *end == '\0' && n > 0 ? pd_tset_reg_get(ts, n) : NULL;
    if (r != NULL)
        return r;
    if (pd_tset_is_configured(ts, id))
        pd_api_reply_error(
            call, 403, "target is in the configuration file: change it there, not over the API");
    else
        pd_api_reply_error(call, 404, "no such registered target");
    return NULL;
}

void api_register(pd_api *api, pd_api_call *call, const pd_api_request *rq)
{
    pd_tset *ts = api->targets;
    op *o = pd_xcalloc(1, sizeof(*o));
    o->ts = ts;
    o->call = call;
    o->action = rq->action;
    pd_labels_init(&o->r.labels);
    int64_t except = 0;
    if (rq->action != PD_API_TARGET_ADD) {
        const pd_reg_target *cur = find(ts, call, rq->id);
        if (cur == NULL) {
            op_free(o);
            return;
        }
        pd_labels_free(&o->r.labels);
        pd_reg_target_copy(&o->r, cur);
        except = cur->id;
    }
    pd_err err = {{0}};
    int rc = 0;
    if (rq->action != PD_API_TARGET_DELETE) {
        rc = apply(rq, &o->r, &err);
        if (rc == 0)
            rc = pd_tset_reg_check(ts, &o->r, except, &err);
    }
    /* One change of a registration at a time: two updates at once would
     * each store the copy they started from, and one would be lost. */
    if (rc == 0 && rq->action != PD_API_TARGET_ADD && !pd_tset_reg_changing(ts, except, true))
        rc = pd_errf(&err, -EBUSY, "target %lld is being changed by another request; retry",
                     (long long)except);
    if (rc < 0) {
        pd_api_reply_error(call, rc == -EEXIST || rc == -EBUSY ? 409 : 400, err.msg);
        op_free(o);
        return;
    }
    submit(api->writer, o);
}
