/* The routing table of /api/: each path and method with its handler, which
 * runs on the loop (loop), on the thread pool with a reader (work), or is
 * a call the handler answers when it can (call). HEAD is GET without the
 * body. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

static const api_route routes[] = {
    {"GET", "/api/v1/profiles", ROUTE_EXACT, .work = api_work_profiles, .what = "profiles"},
    {"GET", "/api/v1/profiles/", ROUTE_ID, .work = api_work_profile},
    {"GET", "/api/v1/merge", ROUTE_EXACT, .work = api_work_merge, .what = "merge"},
    {"GET", "/api/v1/diff", ROUTE_EXACT, .work = api_work_diff, .what = "diff"},
    {"GET", "/api/v1/series", ROUTE_EXACT, .work = api_work_series, .what = "series"},
    {"GET", "/api/v1/labels", ROUTE_EXACT, .work = api_work_labels, .what = "labels"},
    {"GET", "/api/v1/labels/", ROUTE_LABEL_VALUES, .work = api_work_label_values, .what = "labels"},
    {"GET", "/api/v1/targets", ROUTE_EXACT, .loop = api_targets_list, .needs_daemon = true},
    {"POST", "/api/v1/targets", ROUTE_EXACT, .call = api_register, .body = PD_API_TARGET_ADD,
     .needs_daemon = true},
    {"PUT", "/api/v1/targets/", ROUTE_ID, .call = api_register, .body = PD_API_TARGET_UPDATE,
     .needs_daemon = true},
    {"DELETE", "/api/v1/targets/", ROUTE_ID, .call = api_register, .body = PD_API_TARGET_DELETE,
     .needs_daemon = true},
    {"POST", "/api/v1/capture", ROUTE_EXACT, .call = api_capture_start, .body = PD_API_CAPTURE,
     .needs_daemon = true},
    {"GET", "/api/v1/captures", ROUTE_EXACT, .call = api_capture_list, .body = PD_API_CAPTURE_LIST,
     .needs_daemon = true},
    {"GET", "/api/v1/captures/", ROUTE_ID, .call = api_capture_get, .body = PD_API_CAPTURE_GET,
     .needs_daemon = true},
    {"POST", "/api/v1/alerts", ROUTE_EXACT, .call = api_capture_alerts, .body = PD_API_ALERTS,
     .needs_daemon = true},
    {"POST", "/api/v1/ingest", ROUTE_EXACT, .call = api_ingest, .body = PD_API_INGEST,
     .needs_daemon = true},
};

static bool path_matches(const api_route *rt, const char *p)
{
    size_t n = strlen(rt->path);
    switch (rt->match) {
    case ROUTE_EXACT:
        return strcmp(p, rt->path) == 0;
    case ROUTE_ID: /* one non-empty segment after the prefix */
        return strncmp(p, rt->path, n) == 0 && p[n] != '\0' && strchr(p + n, '/') == NULL;
    case ROUTE_LABEL_VALUES: { /* {prefix}{name}/values */
        static const char suf[] = "/values";
        size_t len = strlen(p), ls = sizeof(suf) - 1;
        return len > n + ls && strncmp(p, rt->path, n) == 0 && strcmp(p + len - ls, suf) == 0;
    }
    }
    return false;
}

static bool method_matches(const api_route *rt, const char *method)
{
    return strcmp(method, rt->method) == 0 ||
           (strcmp(rt->method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

const api_route *api_route_find(const api_req *r, const char *path, char *allow, size_t size)
{
    size_t used = 0;
    allow[0] = '\0';
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const api_route *rt = &routes[i];
        if (!path_matches(rt, path))
            continue;
        if (method_matches(rt, r->method))
            return rt;
        int w = snprintf(allow + used, size - used, "%s%s%s", used ? ", " : "", rt->method,
                         strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
        if (w > 0 && (size_t)w < size - used)
            used += (size_t)w;
    }
    return NULL;
}
