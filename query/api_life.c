/* The API's life, for the files below the server: its handles closing,
 * its memory, waking MHD up, and work coming back (loop thread). */
#include "api_int.h"

#include "pd_log.h"

#include <stdlib.h>

void api_free(pd_api *api)
{
    for (size_t i = 0; i < api->nidle; i++)
        pd_store_reader_close(api->idle[i]);
    uv_mutex_destroy(&api->pool_mu);
    free(api->db_path);
    free(api->token);
    free(api);
}

void api_kick(pd_api *api)
{
    if (api->mhd != NULL)
        uv_timer_start(&api->timer, api->on_timer, 0, 0);
}

void api_returned(pd_api *api)
{
    api->inflight--;
    /* A stop waiting for the last one goes on from the timer, outside
     * MHD's callbacks. */
    api_kick(api);
}

void api_release(pd_api *api)
{
    if (--api->open_handles > 0)
        return;
    void (*done)(void *) = api->done;
    void *arg = api->done_arg;
    api_free(api);
    pd_log_info("http server stopped", NULL);
    if (done != NULL)
        done(arg);
}
