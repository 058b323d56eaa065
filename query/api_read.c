/* Handlers that only read metadata (worker threads): the profile list, one
 * stored profile, label names and values. */
#include "api_int.h"

#include "pd_mem.h"
#include "pd_time.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The storage query of r's parameters (matchers borrowed from q.sel). */
void api_store_query(const api_query *q, const pd_selector *sel, int64_t from, int64_t to,
                     pd_store_query *sq)
{
    memset(sq, 0, sizeof(*sq));
    sq->type = q->type;
    sq->matchers = pd_selector_matchers(sel, &sq->nmatchers);
    sq->from_ns = from;
    sq->to_ns = to;
}

/* "samples/count,cpu/nanoseconds" -> sample_types array and totals object. */
static void types_json(const pd_store_meta *m, json_t *item)
{
    json_t *types = json_array(), *totals = json_object();
    const char *s = m->sample_types;
    for (size_t i = 0; s != NULL && *s != '\0'; i++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        json_array_append_new(types, json_stringn(s, len));
        const char *slash = memchr(s, '/', len);
        size_t nl = slash ? (size_t)(slash - s) : len;
        if (i < m->ntotals) {
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)nl, s);
            json_object_set_new(totals, name, json_integer(m->totals[i]));
        }
        s = comma ? comma + 1 : s + len;
    }
    json_object_set_new(item, "sample_types", types);
    json_object_set_new(item, "default_sample_type", json_string(m->default_sample_type));
    json_object_set_new(item, "totals", totals);
}

static int on_profile(void *ctx, const pd_store_meta *m)
{
    json_t *list = ctx;
    char t[PD_TIME_FORMAT_MAX];
    json_t *o = json_pack(
        "{s:I,s:o,s:I,s:I,s:o,s:I}", "id", (json_int_t)m->id, "time",
        pd_time_format(m->time_ns, t, sizeof(t)) == 0 ? json_string(t) : json_null(),
        "time_unix_nano", (json_int_t)m->time_ns, "duration_ns", (json_int_t)m->duration_ns,
        "labels", api_store_labels_json(m->labels, m->nlabels), "size", (json_int_t)m->size);
    types_json(m, o);
    json_array_append_new(list, o);
    return 0;
}

/* The newest `limit` profiles first (all types unless `type` is given),
 * and whether older ones were left out: one more is read to know. */
void api_work_profiles(api_req *r, pd_store_reader *rd)
{
    pd_store_query sq;
    api_store_query(&r->q, r->q.sel, r->q.from, r->q.to, &sq);
    size_t limit = r->q.limit ? r->q.limit : API_DEFAULT_LIST_LIMIT;
    if (limit > r->api->max_query_profiles)
        limit = r->api->max_query_profiles;
    sq.limit = limit + 1;
    sq.newest_first = true;
    json_t *list = json_array();
    pd_err err = {{0}};
    int rc = pd_store_find(rd, &sq, on_profile, list, &err);
    if (rc < 0) {
        json_decref(list);
        api_set_error(r, api_status_of(rc), err.msg);
        return;
    }
    bool truncated = json_array_size(list) > limit;
    if (truncated)
        json_array_remove(list, limit);
    api_set_json(r, 200, json_pack("{s:o,s:b}", "profiles", list, "truncated", truncated));
}

void api_work_profile(api_req *r, pd_store_reader *rd)
{
    uint8_t *data = NULL;
    size_t len = 0;
    pd_err err = {{0}};
    int rc = pd_store_get(rd, r->q.id, &data, &len, NULL, &err);
    if (rc == -ENOENT) {
        api_set_error(r, 404, "no such profile");
        return;
    }
    if (rc < 0) {
        api_set_error(r, api_status_of(rc), err.msg);
        return;
    }
    char name[40];
    snprintf(name, sizeof(name), "profile-%lld", (long long)r->q.id);
    api_set_pprof(r, data, len, name);
}

static int on_string(void *ctx, const char *s)
{
    json_array_append_new(ctx, json_string(s));
    return 0;
}

static void labels(api_req *r, pd_store_reader *rd, bool values)
{
    pd_store_query sq;
    api_store_query(&r->q, r->q.sel, r->q.from, r->q.to, &sq);
    json_t *list = json_array();
    pd_err err = {{0}};
    int rc = values ? pd_store_label_values(rd, r->q.name, &sq, on_string, list, &err)
                    : pd_store_label_names(rd, &sq, on_string, list, &err);
    if (rc < 0) {
        json_decref(list);
        api_set_error(r, api_status_of(rc), err.msg);
        return;
    }
    api_set_json(r, 200, json_pack("{s:o}", "data", list));
}

void api_work_labels(api_req *r, pd_store_reader *rd)
{
    labels(r, rd, false);
}

void api_work_label_values(api_req *r, pd_store_reader *rd)
{
    labels(r, rd, true);
}
