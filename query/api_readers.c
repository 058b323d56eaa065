/* The pool of read-only storage connections the queries use (any
 * thread). */
#include "api_int.h"

int api_reader_take(pd_api *api, pd_store_reader **out, pd_err *err)
{
    *out = NULL;
    uv_mutex_lock(&api->pool_mu);
    if (api->nidle > 0)
        *out = api->idle[--api->nidle];
    uv_mutex_unlock(&api->pool_mu);
    if (*out != NULL)
        return 0;
    return pd_store_reader_open(api->db_path, out, err);
}

void api_reader_give(pd_api *api, pd_store_reader *rd)
{
    if (rd == NULL)
        return;
    uv_mutex_lock(&api->pool_mu);
    if (api->nidle < API_POOL_MAX) {
        api->idle[api->nidle++] = rd;
        rd = NULL;
    }
    uv_mutex_unlock(&api->pool_mu);
    pd_store_reader_close(rd); /* NULL is a no-op */
}
