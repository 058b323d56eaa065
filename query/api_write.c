/* The calls' requests: target registration, capture and its status, the
 * Alertmanager webhook and push ingest. Here a body and query string are
 * checked for shape (JSON types, required fields, a valid selector) into a
 * pd_api_request; what the values mean is for their handlers to judge. */
#include "api_int.h"

#include "pd_mem.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_ALERTS 1000
#define MAX_LIST 64 /* labels, profiles */

size_t api_write_body_max(const pd_api *api, const char *path)
{
    return strcmp(path, "/api/v1/ingest") == 0 ? (size_t)api->max_ingest_bytes : API_MAX_BODY_IN;
}

/* What a parsed request's pd_api_request borrows from. */
struct pd_api_body {
    json_t *doc;
    pd_selector *sel;
    pd_api_kv *kvs;
    const char **strs;
    pd_api_alert *alerts;
};

void pd_api_body_free(pd_api_body *b)
{
    if (b == NULL)
        return;
    json_decref(b->doc);
    pd_selector_free(b->sel);
    free(b->kvs);
    free(b->strs);
    free(b->alerts);
    free(b);
}

void api_write_free(api_req *r)
{
    pd_api_body_free(r->parsed);
    r->parsed = NULL;
}

/* --- JSON shapes ---------------------------------------------------------- */

static int parse_object(pd_api_body *b, const void *data, size_t len, json_t **out, pd_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return pd_errf(err, -EINVAL, "body: invalid JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
    b->doc = doc;
    if (!json_is_object(doc))
        return pd_errf(err, -EINVAL, "body: want a JSON object");
    *out = doc;
    return 0;
}

static int str_field(json_t *o, const char *key, const char *path, bool required, const char **out,
                     pd_err *err)
{
    *out = NULL;
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return required ? pd_errf(err, -EINVAL, "%s%s: missing", path, key) : 0;
    if (!json_is_string(v))
        return pd_errf(err, -EINVAL, "%s%s: want a string", path, key);
    *out = json_string_value(v);
    return 0;
}

/* An object of strings into kvs[*n...]: the body's kvs array grows. */
static int labels_field(pd_api_body *b, json_t *o, const char *key, const char *path, size_t *first,
                        size_t *n, pd_err *err)
{
    json_t *v = json_object_get(o, key);
    *n = 0;
    if (v == NULL || json_is_null(v))
        return 1; /* absent */
    if (!json_is_object(v))
        return pd_errf(err, -EINVAL, "%s%s: want an object of strings", path, key);
    if (json_object_size(v) > MAX_LIST)
        return pd_errf(err, -EINVAL, "%s%s: more than %d labels", path, key, MAX_LIST);
    const char *name;
    json_t *val;
    json_object_foreach(v, name, val)
    {
        if (!json_is_string(val))
            return pd_errf(err, -EINVAL, "%s%s.%s: want a string", path, key, name);
    }
    /* Counted first: the array is reallocated once per object. */
    size_t have = *first;
    size_t cap = have;
    pd_xgrow((void **)&b->kvs, &cap, have + json_object_size(v) + 1, sizeof(pd_api_kv));
    json_object_foreach(v, name, val)
    {
        b->kvs[have + *n] = (pd_api_kv){name, json_string_value(val)};
        (*n)++;
    }
    return 0;
}

static int profiles_field(pd_api_body *b, pd_api_request *rq, json_t *o, pd_err *err)
{
    json_t *v = json_object_get(o, "profiles");
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return pd_errf(err, -EINVAL, "profiles: want an array of strings");
    size_t n = json_array_size(v);
    if (n > MAX_LIST)
        return pd_errf(err, -EINVAL, "profiles: more than %d", MAX_LIST);
    b->strs = pd_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return pd_errf(err, -EINVAL, "profiles[%zu]: want a string", i);
        b->strs[i] = json_string_value(s);
    }
    rq->profiles = b->strs;
    rq->nprofiles = n;
    rq->has_profiles = true;
    return 0;
}

/* {job, address, labels?, profiles?, scrape_interval?}; for an update all
 * are optional but job and address may not change (the daemon checks). */
static int parse_target(pd_api_body *b, pd_api_request *rq, const void *data, size_t len,
                        bool update, pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(b, data, len, &o, err);
    if (rc == 0)
        rc = str_field(o, "job", "", !update, &rq->job, err);
    if (rc == 0)
        rc = str_field(o, "address", "", !update, &rq->address, err);
    size_t first = 0, n = 0;
    if (rc == 0) {
        rc = labels_field(b, o, "labels", "", &first, &n, err);
        rq->has_labels = rc == 0;
        rc = rc > 0 ? 0 : rc;
        rq->labels = b->kvs;
        rq->nlabels = n;
    }
    if (rc == 0)
        rc = profiles_field(b, rq, o, err);
    if (rc == 0)
        rc = str_field(o, "scrape_interval", "", false, &rq->scrape_interval, err);
    return rc;
}

/* {query, profiles?, seconds?, reason?} */
static int parse_capture(pd_api_body *b, pd_api_request *rq, const void *data, size_t len,
                         pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(b, data, len, &o, err);
    if (rc == 0)
        rc = str_field(o, "query", "", true, &rq->query, err);
    if (rc == 0 && (rc = pd_selector_parse(rq->query, &b->sel, err)) < 0)
        pd_err_prefix(err, "query");
    rq->sel = b->sel;
    if (rc == 0)
        rc = profiles_field(b, rq, o, err);
    json_t *s = rc == 0 ? json_object_get(o, "seconds") : NULL;
    if (s != NULL && !json_is_null(s)) {
        if (!json_is_integer(s) || json_integer_value(s) <= 0)
            rc = pd_errf(err, -EINVAL, "seconds: want a positive integer");
        else
            rq->seconds = (int64_t)json_integer_value(s);
    }
    if (rc == 0)
        rc = str_field(o, "reason", "", false, &rq->reason, err);
    return rc;
}

/* Alertmanager's webhook payload, version 4: {version, status, alerts:
 * [{status, labels, annotations, startsAt, fingerprint, ...}], ...}. Only
 * what a capture needs is read; unknown fields are ignored, as
 * Alertmanager adds some over time. */
static int parse_alerts(pd_api_body *b, pd_api_request *rq, const void *data, size_t len,
                        pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(b, data, len, &o, err);
    const char *version = NULL;
    if (rc == 0)
        rc = str_field(o, "version", "", false, &version, err);
    if (rc == 0 && version != NULL && strcmp(version, "4") != 0)
        rc = pd_errf(err, -EINVAL, "version: \"%s\" is not supported (want \"4\")", version);
    json_t *alerts = rc == 0 ? json_object_get(o, "alerts") : NULL;
    if (rc == 0 && !json_is_array(alerts))
        rc = pd_errf(err, -EINVAL, "alerts: want an array");
    if (rc < 0)
        return rc;
    size_t n = json_array_size(alerts);
    if (n > MAX_ALERTS)
        return pd_errf(err, -EINVAL, "alerts: more than %d", MAX_ALERTS);
    b->alerts = pd_xcalloc(n + 1, sizeof(pd_api_alert));
    size_t *first = pd_xcalloc(n + 1, sizeof(size_t));
    size_t used = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[32];
        snprintf(path, sizeof(path), "alerts[%zu].", i);
        json_t *a = json_array_get(alerts, i);
        pd_api_alert *al = &b->alerts[i];
        if (!json_is_object(a)) {
            rc = pd_errf(err, -EINVAL, "alerts[%zu]: want an object", i);
            break;
        }
        rc = str_field(a, "status", path, true, &al->status, err);
        if (rc == 0 && strcmp(al->status, "firing") != 0 && strcmp(al->status, "resolved") != 0)
            rc = pd_errf(err, -EINVAL, "%sstatus: want \"firing\" or \"resolved\"", path);
        if (rc == 0)
            rc = str_field(a, "fingerprint", path, false, &al->fingerprint, err);
        if (rc == 0 && al->fingerprint == NULL)
            al->fingerprint = "";
        size_t k = 0;
        first[i] = used;
        if (rc == 0) {
            rc = labels_field(b, a, "labels", path, &used, &k, err);
            if (rc > 0)
                rc = pd_errf(err, -EINVAL, "%slabels: missing", path);
        }
        al->nlabels = k;
        used += k;
    }
    /* The labels array grew while reading: point into it only now. */
    for (size_t i = 0; i < n && rc == 0; i++)
        b->alerts[i].labels = b->kvs + first[i];
    free(first);
    rq->alerts = b->alerts;
    rq->nalerts = n;
    return rc;
}

int pd_api_parse_body(pd_api_request *rq, const void *data, size_t len, pd_api_body **out,
                      pd_err *err)
{
    pd_api_body *b = pd_xcalloc(1, sizeof(*b));
    *out = b;
    switch (rq->action) {
    case PD_API_TARGET_ADD:
        return parse_target(b, rq, data, len, false, err);
    case PD_API_TARGET_UPDATE:
        return parse_target(b, rq, data, len, true, err);
    case PD_API_CAPTURE:
        return parse_capture(b, rq, data, len, err);
    case PD_API_ALERTS:
        return parse_alerts(b, rq, data, len, err);
    default:
        return 0; /* no body, or parsed from the query string */
    }
}

/* --- ingest: labels in the query string, the profile in the body --------- */

typedef struct arg_ctx {
    api_req *r;
    size_t n, cap;
    pd_err *err;
    int rc;
} arg_ctx;

static void on_arg(void *ctx, const char *name, const char *value)
{
    arg_ctx *a = ctx;
    pd_api_body *b = a->r->parsed;
    if (a->rc < 0)
        return;
    if (strcmp(name, "type") == 0) {
        a->r->rq.type = value;
        return;
    }
    if (a->n >= MAX_LIST) {
        a->rc = pd_errf(a->err, -EINVAL, "more than %d labels", MAX_LIST);
        return;
    }
    pd_xgrow((void **)&b->kvs, &a->cap, a->n + 1, sizeof(pd_api_kv));
    b->kvs[a->n++] = (pd_api_kv){name, value ? value : ""};
    if (strcmp(name, "job") == 0)
        a->r->rq.job = value;
}

static int parse_ingest(api_req *r, pd_err *err)
{
    arg_ctx a = {r, 0, 0, err, 0};
    r->parsed = pd_xcalloc(1, sizeof(*r->parsed));
    api_each_arg(r->conn, on_arg, &a);
    if (a.rc < 0)
        return a.rc;
    if (r->rq.type == NULL || r->rq.type[0] == '\0')
        return pd_errf(err, -EINVAL, "type: missing");
    if (r->rq.job == NULL || r->rq.job[0] == '\0')
        return pd_errf(err, -EINVAL, "job: missing");
    if (r->in.len == 0)
        return pd_errf(err, -EINVAL, "body: empty (want a pprof profile, gzip or raw)");
    r->rq.labels = r->parsed->kvs;
    r->rq.nlabels = a.n;
    r->rq.has_labels = true;
    r->rq.body = r->in.data;
    r->rq.len = r->in.len;
    return 0;
}

/* --- the capture list: filters in the query string -------------------------- */

/* Whether v is one of the NULL-terminated words. */
static bool one_of(const char *v, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(v, *words) == 0)
            return true;
    return false;
}

static int parse_list(api_req *r, pd_err *err)
{
    static const char *const states[] = {"pending", "running", "done", "failed", NULL};
    static const char *const triggers[] = {"manual", "alert", NULL};
    const char *v = api_arg(r->conn, "limit");
    r->rq.limit = 100;
    if (v != NULL) {
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        if (v[0] == '\0' || *end != '\0' || n < 1 || n > 4096)
            return pd_errf(err, -EINVAL, "limit: want an integer from 1 to 4096, got \"%.40s\"", v);
        r->rq.limit = n;
    }
    r->rq.state = api_arg(r->conn, "state");
    if (r->rq.state != NULL && !one_of(r->rq.state, states))
        return pd_errf(err, -EINVAL, "state: want pending, running, done or failed, got \"%.40s\"",
                       r->rq.state);
    r->rq.trigger = api_arg(r->conn, "trigger");
    if (r->rq.trigger != NULL && !one_of(r->rq.trigger, triggers))
        return pd_errf(err, -EINVAL, "trigger: want manual or alert, got \"%.40s\"", r->rq.trigger);
    return 0;
}

/* --- a call's request ------------------------------------------------------ */

int api_write_prepare(api_req *r, pd_api_action body, const char *id, pd_err *err)
{
    memset(&r->rq, 0, sizeof(r->rq));
    r->rq.action = body;
    r->rq.id = id[0] != '\0' ? id : NULL;
    /* The query string is the connection's: read here, on the loop. */
    if (body == PD_API_INGEST)
        return parse_ingest(r, err);
    if (body == PD_API_CAPTURE_LIST)
        return parse_list(r, err);
    return 0;
}

bool api_write_parse_aside(const api_req *r)
{
    if (r->rq.action == PD_API_CAPTURE)
        return true; /* its selector may hold a regex slow to compile */
    bool json = r->rq.action == PD_API_TARGET_ADD || r->rq.action == PD_API_TARGET_UPDATE ||
                r->rq.action == PD_API_ALERTS;
    return json && r->in.len > API_PARSE_INLINE;
}

int api_write_parse(api_req *r, pd_err *err)
{
    if (r->parsed != NULL)
        return 0; /* parsed while routing (ingest) */
    return pd_api_parse_body(&r->rq, r->in.data, r->in.len, &r->parsed, err);
}
