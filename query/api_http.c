/* Requests on the loop thread: MHD's access handler, routing, auth, the
 * answers that need no storage, and the suspend → thread pool → resume
 * round trip of the ones that do. One log line per request. */
#include <microhttpd.h>

#include "api_int.h"

#include "pd_log.h"
#include "pd_mem.h"
#include "pd_profile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_pprof(const api_req *r)
{
    return r->ctype != NULL && strcmp(r->ctype, "application/octet-stream") == 0;
}

static void log_request(const api_req *r, int status, size_t bytes)
{
    char path[201];
    size_t i = 0;
    for (const char *c = r->path; *c && i < sizeof(path) - 1; c++)
        path[i++] = (*c <= ' ' || *c == '"' || *c == '\\' || *c >= 0x7f) ? '?' : *c;
    path[i] = '\0';
    uint64_t ms = (uv_hrtime() - r->start_ns) / 1000000;
    /* Health probes and Prometheus' scrapes come every few seconds: they
     * log at debug unless they fail; queries and writes at info. */
    bool probe = strcmp(r->path, "/metrics") == 0 || strncmp(r->path, "/-/", 3) == 0;
    pd_log(probe && status < 500 ? PD_LOG_DEBUG : PD_LOG_INFO, "request",
           "method=%s path=%s status=%d bytes=%zu duration_ms=%llu", r->method, path, status, bytes,
           (unsigned long long)ms);
}

/* Queues r's answer on its connection. */
static enum MHD_Result send_answer(api_req *r)
{
    struct MHD_Connection *conn = r->conn;
    api_maybe_gzip(r);
    size_t len = 0;
    uint8_t *data = pd_buf_steal(&r->body, &len);
    struct MHD_Response *resp =
        data != NULL ? MHD_create_response_from_buffer_with_free_callback(len, data, free)
                     : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(data);
        return MHD_NO;
    }
    if (r->ctype != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    if (r->body_gzip && !is_pprof(r))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (!is_pprof(r))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (r->disposition[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->page) {
        MHD_add_response_header(resp, "Content-Security-Policy", api_ui_csp);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS, "nosniff");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    }
    if (r->api->stopping)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (r->status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow[0] ? r->allow : "GET, HEAD");
    if (r->retry_after_s > 0) {
        char ra[32];
        snprintf(ra, sizeof(ra), "%lld", (long long)r->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    log_request(r, r->status, len);
    api_metrics_observe(r->api, r->status, r->work_seconds, r->fn != NULL);
    return ret;
}

static void set_text(api_req *r, int status, const char *ctype, const char *text)
{
    pd_buf_reset(&r->body);
    pd_buf_append(&r->body, text, strlen(text));
    r->status = status;
    r->ctype = ctype;
}

/* --- the thread pool round trip ----------------------------------------- */

/* --- routing ------------------------------------------------------------- */

static bool ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ (lb > 0 ? b[i % lb] : 0));
    return d == 0;
}

static bool authorized(api_req *r)
{
    const char *tok = r->api->token;
    if (tok == NULL)
        return true;
    const char *h =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    return ct_equal(h, tok);
}

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    size_t *sum = cls;
    *sum += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* "/api/v1/labels/NAME/values" -> NAME (malloc'd) or NULL. */
static char *label_values_name(const char *path)
{
    static const char pre[] = "/api/v1/labels/", suf[] = "/values";
    size_t lp = sizeof(pre) - 1, ls = sizeof(suf) - 1, n = strlen(path);
    if (n <= lp + ls || strncmp(path, pre, lp) != 0 || strcmp(path + n - ls, suf) != 0)
        return NULL;
    char *name = pd_xmalloc(n - lp - ls + 1);
    memcpy(name, path + lp, n - lp - ls);
    name[n - lp - ls] = '\0';
    return name;
}

static enum MHD_Result route_api(api_req *r, const char *p)
{
    if (!authorized(r)) {
        api_set_error(r, 401, "missing or wrong bearer token");
        return send_answer(r);
    }
    if (r->in_refused != 0) {
        char msg[96];
        if (r->in_refused == 413)
            snprintf(msg, sizeof(msg), "request body too large (at most %zu bytes)", r->in_max);
        else
            snprintf(msg, sizeof(msg), "too many uploads at once, try again");
        api_set_error(r, r->in_refused, msg);
        r->retry_after_s = r->in_refused == 503 ? 1 : 0;
        return send_answer(r);
    }
    char allow[64];
    const api_route *rt = api_route_find(r, p, allow, sizeof(allow));
    if (rt == NULL) {
        if (allow[0] == '\0') {
            api_set_error(r, 404, "not found");
            return send_answer(r);
        }
        snprintf(r->allow, sizeof(r->allow), "%s", allow);
        api_set_error(r, 405, "method not allowed");
        return send_answer(r);
    }
    if (rt->needs_daemon && r->api->targets == NULL) {
        api_set_error(r, 404, "no collector");
        return send_answer(r);
    }
    if (rt->loop != NULL) {
        rt->loop(r);
        return send_answer(r);
    }
    if (rt->call != NULL) {
        pd_err err = {{0}};
        r->route = rt;
        if (api_write_prepare(r, rt->body, p + strlen(rt->path), &err) < 0) {
            api_set_error(r, 400, err.msg);
            return send_answer(r);
        }
        return api_call_start(r) ? send_answer(r) : MHD_YES;
    }
    char *name = rt->match == ROUTE_LABEL_VALUES ? label_values_name(p) : NULL;
    if (rt->match == ROUTE_ID) { /* /api/v1/profiles/{id} */
        const char *s = p + strlen(rt->path);
        char *end = NULL;
        long long id = strtoll(s, &end, 10);
        if (s[0] < '0' || s[0] > '9' || *end != '\0' || id <= 0) {
            api_set_error(r, 404, "no such profile");
            return send_answer(r);
        }
        r->q.id = id;
    }
    api_lane_start(r, rt->work, rt->what, name);
    return MHD_YES;
}

static enum MHD_Result route(api_req *r)
{
    const char *p = r->path;
    if (r->api->stopping) {
        /* Nothing new is taken on once stopping: kept-alive clients would
         * otherwise hold the stop off for as long as they keep asking. */
        set_text(r, 503, "text/plain; charset=utf-8", "stopping\n");
        return send_answer(r);
    }
    bool read_method = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (!read_method && strncmp(p, "/api/", 5) != 0) {
        api_set_error(r, 405, "method not allowed");
        return send_answer(r);
    }
    size_t hsize = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, add_size, &hsize);
    if (hsize > API_MAX_HEADER_BYTES) {
        api_set_error(r, 431, "request headers too large");
        return send_answer(r);
    }
    const char *ae =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    r->gzip_ok = ae != NULL && strstr(ae, "gzip") != NULL;
    if (strcmp(p, "/-/healthy") == 0) {
        set_text(r, 200, "text/plain; charset=utf-8", "ok\n");
        return send_answer(r);
    }
    if (strcmp(p, "/-/ready") == 0) { /* 503 while stopping: above */
        set_text(r, 200, "text/plain; charset=utf-8", "ready\n");
        return send_answer(r);
    }
    if (strcmp(p, "/metrics") == 0) {
        pd_buf_reset(&r->body);
        pd_api *api = r->api;
        if (api->targets != NULL) {
            pd_tset_metrics(api->targets, &r->body);
            pd_writer_metrics(api->writer, &r->body);
            pd_captures_metrics(api->captures, &r->body);
        }
        api_metrics_render(api, &r->body);
        r->status = 200;
        r->ctype = "text/plain; version=0.0.4; charset=utf-8";
        return send_answer(r);
    }
    if (strncmp(p, "/api/", 5) == 0)
        return route_api(r, p);
    if (api_ui_answer(r, p))
        return send_answer(r);
    api_set_error(r, 404, "not found");
    return send_answer(r);
}

/* Whether a body follows the headers (cl: the Content-Length, or NULL). */
static bool has_body(struct MHD_Connection *conn, const char *cl)
{
    if (cl != NULL)
        return strtoull(cl, NULL, 10) > 0;
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) !=
           NULL;
}

enum MHD_Result api_mhd_access(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)version;
    api_req *r = *con_cls;
    if (r == NULL) {
        r = pd_xcalloc(1, sizeof(*r));
        r->api = cls;
        r->conn = conn;
        r->start_ns = uv_hrtime();
        snprintf(r->method, sizeof(r->method), "%s", method);
        r->path = pd_xstrdup(url);
        pd_buf_init(&r->body, API_MAX_BODY_OUT);
        r->in_max = api_write_body_max(r->api, url);
        pd_buf_init(&r->in, r->in_max);
        *con_cls = r;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Refused before the body is read: MHD then closes the connection
         * rather than read what follows. */
        if (cl != NULL && strtoull(cl, NULL, 10) > r->in_max) {
            char msg[96];
            snprintf(msg, sizeof(msg), "request body too large (at most %zu bytes)", r->in_max);
            api_set_error(r, 413, msg);
            api_conn_linger(conn);
            return send_answer(r);
        }
        if (strncmp(url, "/api/", 5) == 0 && !authorized(r)) {
            api_set_error(r, 401, "missing or wrong bearer token");
            if (has_body(conn, cl))
                api_conn_linger(conn);
            return send_answer(r);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        /* Kept up to the endpoint's limit and while all bodies held stay
         * under API_MAX_UPLOADS; past either the rest is read and dropped,
         * and the answer says why. */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->in_refused != 0)
            return MHD_YES;
        if (r->in.len + n > r->in_max)
            r->in_refused = 413;
        else if (r->api->upload_bytes + n > API_MAX_UPLOADS)
            r->in_refused = 503;
        else if (pd_buf_append(&r->in, upload_data, n) < 0)
            r->in_refused = 413;
        else
            r->api->upload_bytes += n;
        if (r->in_refused != 0)
            api_req_in_free(r);
        return MHD_YES;
    }
    if (r->state == REQ_DONE)
        return send_answer(r);
    if (r->state == REQ_WORKING)
        return MHD_YES; /* defensive: not resumed yet */
    api_conn_received(conn);
    return route(r);
}

void api_mhd_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    api_req *r = *con_cls;
    *con_cls = NULL;
    api_conn_answered(conn);
    if (r == NULL)
        return;
    if (r->state == REQ_WORKING)
        r->orphaned = true;
    else
        api_req_free(r);
}
