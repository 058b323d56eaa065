/* Client connections: each one tracked from MHD's notification, so that
 * a client that sends a request byte by byte is cut off, and one answered
 * before its body was read lingers instead of being reset (loop thread). */
#include <microhttpd.h>

#include "api_int.h"

#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <sys/socket.h>

/* MHD's connection timeout counts idle time only: a client that sends a
 * byte now and then would hold its connection for ever, and 512 such
 * clients every slot. A request must arrive whole within
 * API_CONN_TIMEOUT_S of its first byte (or of the previous answer on a
 * kept-alive connection); past that its socket is shut down, which MHD
 * sees and closes. */
void api_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
    pd_api *api = cls;
    api_conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c = pd_xcalloc(1, sizeof(*c));
        c->fd = ci != NULL ? ci->connect_fd : -1;
        c->linger_fd = -1;
        c->receiving = true;
        c->phase_ns = uv_hrtime();
        c->next = api->conns;
        if (api->conns != NULL)
            api->conns->prev = c;
        api->conns = c;
        *socket_context = c;
        return;
    }
    if (c == NULL)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        api->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    if (c->linger_fd >= 0)
        api_linger_start(api, c->linger_fd);
    free(c);
    *socket_context = NULL;
}

static api_conn *conn_of(void *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

void api_conn_received(void *conn)
{
    api_conn *c = conn_of(conn);
    if (c != NULL)
        c->receiving = false;
}

void api_conn_linger(void *conn)
{
    api_conn *c = conn_of(conn);
    if (c != NULL && c->linger_fd < 0)
        c->linger_fd = api_linger_dup(c->fd);
}

/* The answer went out: the next request's clock starts. */
void api_conn_answered(void *conn)
{
    api_conn *c = conn_of(conn);
    if (c != NULL) {
        c->receiving = true;
        c->phase_ns = uv_hrtime();
    }
}

void api_conn_check_slow(uv_timer_t *t)
{
    pd_api *api = t->data;
    uint64_t now = uv_hrtime(), limit = (uint64_t)API_CONN_TIMEOUT_S * 1000000000u;
    for (api_conn *c = api->conns; c != NULL; c = c->next)
        if (c->receiving && c->fd >= 0 && now - c->phase_ns > limit) {
            pd_log_info("closing slow client", "seconds=%llu",
                        (unsigned long long)((now - c->phase_ns) / 1000000000u));
            shutdown(c->fd, SHUT_RDWR);
            c->fd = -1; /* once */
        }
}
