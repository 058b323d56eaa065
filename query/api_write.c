/* The endpoints the daemon answers: target registration, capture and its
 * status, the Alertmanager webhook and push ingest. Here a request is
 * routed and its body checked for shape (JSON types, required fields, a
 * valid selector) into a pd_api_request; what the values mean is the
 * daemon's to judge. Loop thread. */
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

void api_write_free(api_req *r)
{
    json_decref(r->doc);
    r->doc = NULL;
    pd_selector_free(r->sel);
    r->sel = NULL;
    free(r->kvs);
    free(r->strs);
    free(r->alerts);
    r->kvs = NULL;
    r->strs = NULL;
    r->alerts = NULL;
}

/* "{prefix}{id}" -> id, or NULL if p is not under prefix or id is empty
 * or holds a '/'. */
static const char *id_under(const char *p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(p, prefix, n) != 0 || p[n] == '\0' || strchr(p + n, '/') != NULL)
        return NULL;
    return p + n;
}

/* --- JSON shapes ---------------------------------------------------------- */

static int parse_object(api_req *r, json_t **out, pd_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)r->in.data, r->in.len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return pd_errf(err, -EINVAL, "body: invalid JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
    r->doc = doc;
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

/* An object of strings into kvs[*n...]: the request's kvs array grows. */
static int labels_field(api_req *r, json_t *o, const char *key, const char *path, size_t *first,
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
    pd_xgrow((void **)&r->kvs, &cap, have + json_object_size(v) + 1, sizeof(pd_api_kv));
    json_object_foreach(v, name, val)
    {
        r->kvs[have + *n] = (pd_api_kv){name, json_string_value(val)};
        (*n)++;
    }
    return 0;
}

static int profiles_field(api_req *r, json_t *o, pd_err *err)
{
    json_t *v = json_object_get(o, "profiles");
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return pd_errf(err, -EINVAL, "profiles: want an array of strings");
    size_t n = json_array_size(v);
    if (n > MAX_LIST)
        return pd_errf(err, -EINVAL, "profiles: more than %d", MAX_LIST);
    r->strs = pd_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return pd_errf(err, -EINVAL, "profiles[%zu]: want a string", i);
        r->strs[i] = json_string_value(s);
    }
    r->rq.profiles = r->strs;
    r->rq.nprofiles = n;
    r->rq.has_profiles = true;
    return 0;
}

/* {job, address, labels?, profiles?, scrape_interval?}; for an update all
 * are optional but job and address may not change (the daemon checks). */
static int parse_target(api_req *r, bool update, pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(r, &o, err);
    if (rc == 0)
        rc = str_field(o, "job", "", !update, &r->rq.job, err);
    if (rc == 0)
        rc = str_field(o, "address", "", !update, &r->rq.address, err);
    size_t first = 0, n = 0;
    if (rc == 0) {
        rc = labels_field(r, o, "labels", "", &first, &n, err);
        r->rq.has_labels = rc == 0;
        rc = rc > 0 ? 0 : rc;
        r->rq.labels = r->kvs;
        r->rq.nlabels = n;
    }
    if (rc == 0)
        rc = profiles_field(r, o, err);
    if (rc == 0)
        rc = str_field(o, "scrape_interval", "", false, &r->rq.scrape_interval, err);
    return rc;
}

/* {query, profiles?, seconds?, reason?} */
static int parse_capture(api_req *r, pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(r, &o, err);
    if (rc == 0)
        rc = str_field(o, "query", "", true, &r->rq.query, err);
    if (rc == 0 && pd_selector_parse(r->rq.query, &r->sel, err) < 0) {
        pd_err_prefix(err, "query");
        rc = -EINVAL;
    }
    r->rq.sel = r->sel;
    if (rc == 0)
        rc = profiles_field(r, o, err);
    json_t *s = rc == 0 ? json_object_get(o, "seconds") : NULL;
    if (s != NULL && !json_is_null(s)) {
        if (!json_is_integer(s) || json_integer_value(s) <= 0)
            rc = pd_errf(err, -EINVAL, "seconds: want a positive integer");
        else
            r->rq.seconds = (int64_t)json_integer_value(s);
    }
    if (rc == 0)
        rc = str_field(o, "reason", "", false, &r->rq.reason, err);
    return rc;
}

/* Alertmanager's webhook payload, version 4: {version, status, alerts:
 * [{status, labels, annotations, startsAt, fingerprint, ...}], ...}. Only
 * what a capture needs is read; unknown fields are ignored, as
 * Alertmanager adds some over time. */
static int parse_alerts(api_req *r, pd_err *err)
{
    json_t *o = NULL;
    int rc = parse_object(r, &o, err);
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
    r->alerts = pd_xcalloc(n + 1, sizeof(pd_api_alert));
    size_t *first = pd_xcalloc(n + 1, sizeof(size_t));
    size_t used = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[32];
        snprintf(path, sizeof(path), "alerts[%zu].", i);
        json_t *a = json_array_get(alerts, i);
        pd_api_alert *al = &r->alerts[i];
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
            rc = labels_field(r, a, "labels", path, &used, &k, err);
            if (rc > 0)
                rc = pd_errf(err, -EINVAL, "%slabels: missing", path);
        }
        al->nlabels = k;
        used += k;
    }
    /* The labels array grew while reading: point into it only now. */
    for (size_t i = 0; i < n && rc == 0; i++)
        r->alerts[i].labels = r->kvs + first[i];
    free(first);
    r->rq.alerts = r->alerts;
    r->rq.nalerts = n;
    return rc;
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
    pd_xgrow((void **)&a->r->kvs, &a->cap, a->n + 1, sizeof(pd_api_kv));
    a->r->kvs[a->n++] = (pd_api_kv){name, value ? value : ""};
    if (strcmp(name, "job") == 0)
        a->r->rq.job = value;
}

static int parse_ingest(api_req *r, pd_err *err)
{
    arg_ctx a = {r, 0, 0, err, 0};
    api_each_arg(r->conn, on_arg, &a);
    if (a.rc < 0)
        return a.rc;
    if (r->rq.type == NULL || r->rq.type[0] == '\0')
        return pd_errf(err, -EINVAL, "type: missing");
    if (r->rq.job == NULL || r->rq.job[0] == '\0')
        return pd_errf(err, -EINVAL, "job: missing");
    if (r->in.len == 0)
        return pd_errf(err, -EINVAL, "body: empty (want a pprof profile, gzip or raw)");
    r->rq.labels = r->kvs;
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

/* --- routing --------------------------------------------------------------- */

static bool is(const api_req *r, const char *method)
{
    return strcmp(r->method, method) == 0;
}

api_route api_write_route(api_req *r, const char *p)
{
    const char *id = NULL;
    memset(&r->rq, 0, sizeof(r->rq));
    if (strcmp(p, "/api/v1/targets") == 0) {
        if (is(r, "GET") || is(r, "HEAD"))
            return API_ROUTE_NONE; /* the read side */
        if (!is(r, "POST"))
            return r->allow = "GET, HEAD, POST", API_ROUTE_405;
        r->rq.action = PD_API_TARGET_ADD;
    } else if ((id = id_under(p, "/api/v1/targets/")) != NULL) {
        if (is(r, "PUT"))
            r->rq.action = PD_API_TARGET_UPDATE;
        else if (is(r, "DELETE"))
            r->rq.action = PD_API_TARGET_DELETE;
        else
            return r->allow = "PUT, DELETE", API_ROUTE_405;
    } else if (strcmp(p, "/api/v1/capture") == 0) {
        if (!is(r, "POST"))
            return r->allow = "POST", API_ROUTE_405;
        r->rq.action = PD_API_CAPTURE;
    } else if (strcmp(p, "/api/v1/captures") == 0) {
        if (!is(r, "GET") && !is(r, "HEAD"))
            return r->allow = "GET, HEAD", API_ROUTE_405;
        r->rq.action = PD_API_CAPTURE_LIST;
    } else if ((id = id_under(p, "/api/v1/captures/")) != NULL) {
        if (!is(r, "GET") && !is(r, "HEAD"))
            return r->allow = "GET, HEAD", API_ROUTE_405;
        r->rq.action = PD_API_CAPTURE_GET;
    } else if (strcmp(p, "/api/v1/alerts") == 0) {
        if (!is(r, "POST"))
            return r->allow = "POST", API_ROUTE_405;
        r->rq.action = PD_API_ALERTS;
    } else if (strcmp(p, "/api/v1/ingest") == 0) {
        if (!is(r, "POST"))
            return r->allow = "POST", API_ROUTE_405;
        r->rq.action = PD_API_INGEST;
    } else {
        return API_ROUTE_NONE;
    }
    r->rq.id = id;
    pd_err err = {{0}};
    /* The query string is the connection's: read here, on the loop. */
    if ((r->rq.action == PD_API_INGEST && parse_ingest(r, &err) < 0) ||
        (r->rq.action == PD_API_CAPTURE_LIST && parse_list(r, &err) < 0)) {
        api_set_error(r, 400, err.msg);
        return API_ROUTE_ANSWER;
    }
    if (r->api->hooks.act == NULL) {
        api_set_error(r, 404, "no collector");
        return API_ROUTE_ANSWER;
    }
    return API_ROUTE_CALL;
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
    switch (r->rq.action) {
    case PD_API_TARGET_ADD:
        return parse_target(r, false, err);
    case PD_API_TARGET_UPDATE:
        return parse_target(r, true, err);
    case PD_API_CAPTURE:
        return parse_capture(r, err);
    case PD_API_ALERTS:
        return parse_alerts(r, err);
    default:
        return 0; /* no body, or parsed while routing */
    }
}
