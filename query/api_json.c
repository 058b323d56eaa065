/* JSON pieces every answer shares: a label set, a time, a call's answer. */
#include "api_int.h"

#include "pd_time.h"

#include <jansson.h>
#include <stdlib.h>

void *api_labels_json(const pd_labels *ls)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ls->n; i++)
        json_object_set_new(o, ls->v[i].name, json_string(ls->v[i].value));
    return o;
}

void *api_store_labels_json(const pd_store_label *labels, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, labels[i].name, json_string(labels[i].value));
    return o;
}

void *api_time_json(int64_t wall_ms)
{
    char t[PD_TIME_FORMAT_MAX];
    if (wall_ms <= 0 || pd_time_format(wall_ms * 1000000, t, sizeof(t)) < 0)
        return json_null();
    return json_string(t);
}

void api_call_json(pd_api_call *call, int status, void *json, int64_t retry_after_s)
{
    char *s = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    if (s == NULL) {
        pd_api_reply_error(call, 500, "answer too large");
        return;
    }
    pd_api_reply(call, status, s, retry_after_s);
    free(s);
}
