/* The query string of a request, read through MHD (loop thread). */
#include <microhttpd.h>

#include "api_int.h"

const char *api_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct each_arg {
    api_each_arg_fn fn;
    void *ctx;
} each_arg;

static enum MHD_Result on_each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    each_arg *e = cls;
    e->fn(e->ctx, key, value);
    return MHD_YES;
}

void api_each_arg(void *conn, api_each_arg_fn fn, void *ctx)
{
    each_arg e = {fn, ctx};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_each_arg, &e);
}
