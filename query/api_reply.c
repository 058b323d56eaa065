/* Building answers (any thread): JSON bodies and errors, status codes for
 * negative error codes, and the abort check of long queries. */
#include "api_int.h"

#include "pd_mem.h"
#include "pd_profile.h"
#include "pd_utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_set_json(api_req *r, int status, void *json)
{
    json_t *j = json;
    pd_buf_reset(&r->body);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s == NULL || pd_buf_append(&r->body, s, strlen(s)) < 0 ||
        pd_buf_append(&r->body, "\n", 1) < 0) {
        free(s);
        pd_buf_reset(&r->body);
        static const char oom[] = "{\"error\":\"answer too large\"}\n";
        pd_buf_append(&r->body, oom, sizeof(oom) - 1);
        r->status = 500;
        r->ctype = "application/json";
        return;
    }
    free(s);
    r->status = status;
    r->ctype = "application/json";
    r->body_gzip = false;
    r->disposition[0] = '\0';
}

void api_set_body(api_req *r, uint8_t *data, size_t len)
{
    pd_buf_free(&r->body);
    pd_buf_init(&r->body, 0);
    r->body.data = data;
    r->body.len = r->body.cap = len;
}

void api_set_pprof(api_req *r, uint8_t *data, size_t len, const char *name)
{
    api_set_body(r, data, len);
    r->body_gzip = true;
    r->status = 200;
    r->ctype = "application/octet-stream";
    snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s.pb.gz\"", name);
}

void api_set_error(api_req *r, int status, const char *msg)
{
    /* Messages quote input and may cut it in the middle of a character:
     * JSON takes valid UTF-8 only. */
    char *clean = pd_xstrdup(msg);
    pd_utf8_scrub(clean);
    api_set_json(r, status, json_pack("{s:s}", "error", clean));
    free(clean);
}

int api_status_of(int rc)
{
    switch (rc) {
    case -EINVAL:
        return 400;
    case -ENOENT:
        return 404;
    case -E2BIG:
        return 422;
    case -ETIMEDOUT:
    case -ECANCELED:
    case -EBUSY:
        return 503;
    default:
        return 500;
    }
}

bool api_should_abort(api_req *r, uint64_t deadline_ns)
{
    return atomic_load(&r->api->cancel) || uv_hrtime() > deadline_ns;
}

bool api_escalate(api_req *r, size_t n)
{
    if (r->lane != API_LANE_LIGHT || n <= API_HEAVY_PROFILES)
        return false;
    r->escalate = true;
    return true;
}

static bool compressible(const api_req *r)
{
    return r->gzip_ok && !r->body_gzip && r->body.len > 0 && r->ctype != NULL &&
           strcmp(r->ctype, "application/octet-stream") != 0;
}

/* Replaces the body by its gzip when the client takes it. */
void api_maybe_gzip(api_req *r)
{
    if (!compressible(r))
        return;
    uint8_t *gz = NULL;
    size_t len = 0;
    if (pd_gzip(r->body.data, r->body.len, 6, &gz, &len) < 0)
        return; /* send it plain */
    api_set_body(r, gz, len);
    r->body_gzip = true;
}
