/* A request's life: its memory, its copied query string, and its resume
 * once answered (loop thread). */
#include <microhttpd.h>

#include "api_int.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

void api_req_in_free(api_req *r)
{
    r->api->upload_bytes -= r->in.len;
    pd_buf_free(&r->in);
    pd_buf_init(&r->in, 0);
}

static void args_free(api_req *r)
{
    for (size_t i = 0; i < 2 * r->nargs; i++)
        free(r->args[i]);
    free(r->args);
    r->args = NULL;
    r->nargs = 0;
}

void api_req_free(api_req *r)
{
    args_free(r);
    free(r->name);
    api_query_free(&r->q);
    api_write_free(r);
    api_req_in_free(r);
    pd_buf_free(&r->body);
    free(r->path);
    free(r);
}

/* The first value of argument `name` in the copied query string. */
const char *api_req_arg(void *ctx, const char *name)
{
    const api_req *r = ctx;
    for (size_t i = 0; i < r->nargs; i++)
        if (strcmp(r->args[2 * i], name) == 0)
            return r->args[2 * i + 1];
    return NULL;
}

void api_req_copy_arg(void *ctx, const char *name, const char *value)
{
    api_req *r = ctx;
    r->args = pd_xrealloc(r->args, 2 * (r->nargs + 1) * sizeof(char *));
    r->args[2 * r->nargs] = pd_xstrdup(name);
    r->args[2 * r->nargs + 1] = pd_xstrdup(value != NULL ? value : "");
    r->nargs++;
}

void api_req_resume(api_req *r)
{
    r->state = REQ_DONE;
    if (r->orphaned) {
        api_req_free(r);
    } else {
        MHD_resume_connection(r->conn);
        api_kick(r->api);
    }
}
