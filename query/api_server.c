/* The HTTP server's life: libmicrohttpd in external-loop epoll mode on the
 * daemon's libuv loop, the pool of read-only storage connections, and the
 * ordered stop (quiesce, let work finish, stop MHD, close handles). */
#include <microhttpd.h>

#include "api_int.h"

#include "pd_config.h"
#include "pd_log.h"
#include "pd_mem.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define API_CONN_LIMIT 512
/* MHD keeps the request headers and its read buffer in this pool; we
 * refuse headers over API_MAX_HEADER_BYTES ourselves (431), this is the
 * hard stop behind it. */
#define API_CONN_MEMORY (API_MAX_HEADER_BYTES * 2 + 8192)

#define API_SLOW_CHECK_MS 5000

static void run_mhd(pd_api *api);

static void finish_stop(pd_api *api);

static void on_timer(uv_timer_t *t)
{
    pd_api *api = t->data;
    if (api->stopping && api->inflight == 0 && api->mhd != NULL)
        finish_stop(api); /* the last call was answered inside a callback */
    else
        run_mhd(api);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status; /* an error on the epoll fd: let MHD see it */
    (void)events;
    run_mhd(p->data);
}

/* MHD_run, then the timer MHD_get_timeout asks for. */
static void run_mhd(pd_api *api)
{
    if (api->mhd == NULL)
        return;
    MHD_run(api->mhd);
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(api->mhd, &ms) == MHD_YES)
        uv_timer_start(&api->timer, on_timer, ms, 0);
    else
        uv_timer_stop(&api->timer);
}

/* --- start and stop ------------------------------------------------------ */

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[256];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    for (char *c = line; *c; c++)
        if (*c == '"')
            *c = '\'';
    pd_log(PD_LOG_DEBUG, "http server", "detail=\"%s\"", line);
}

/* "host:port" -> sockaddr_in (IPv4) or sockaddr_in6 ("[::1]:port"). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, pd_err *err)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL)
        return pd_errf(err, -EINVAL, "listen %s: want host:port", s);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return pd_errf(err, -EINVAL, "listen %s: invalid port", s);
    char host[128];
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof(host))
        return pd_errf(err, -EINVAL, "listen %s: host too long", s);
    memcpy(host, s, hl);
    host[hl] = '\0';
    memset(ss, 0, sizeof(*ss));
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return pd_errf(err, -EINVAL, "listen %s: invalid IPv6 address", s);
        *len = sizeof(*a6);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (strcmp(host, "") == 0 || strcmp(host, "0.0.0.0") == 0)
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return pd_errf(err, -EINVAL, "listen %s: invalid IPv4 address", s);
    *len = sizeof(*a4);
    return 0;
}

int pd_api_start(uv_loop_t *loop, const pd_api_opts *o, pd_api **out, pd_err *err)
{
    *out = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int rc = parse_listen(o->listen, &ss, &sslen, err);
    if (rc < 0)
        return rc;
    pd_api *api = pd_xcalloc(1, sizeof(*api));
    api_metrics_init(api);
    api->loop = loop;
    for (int l = 0; l < API_NLANES; l++)
        pd_workq_init(&api->lanes[l], loop, API_MAX_RUNNING, PD_WORKQ_UNBOUNDED);
    api->db_path = pd_xstrdup(o->db_path);
    if (o->auth_token != NULL && o->auth_token[0] != '\0')
        api->token = pd_xstrdup(o->auth_token);
    api->max_query_profiles =
        o->max_query_profiles ? o->max_query_profiles : PD_CONFIG_MAX_QUERY_ROWS;
    api->max_ingest_bytes = o->max_ingest_bytes ? o->max_ingest_bytes : (64u << 20);
    api->targets = o->targets;
    api->captures = o->captures;
    api->writer = o->writer;
    pd_workq_init(&api->pushes, loop, API_PUSH_RUNNING, API_PUSH_WAITING);
    atomic_init(&api->cancel, false);
    if (uv_mutex_init(&api->pool_mu) != 0)
        abort();
    /* The database must be there and readable before we say ready. */
    pd_store_reader *rd = NULL;
    rc = pd_store_reader_open(api->db_path, &rd, err);
    if (rc < 0) {
        pd_err_prefix(err, "storage %s", api->db_path);
        api_free(api);
        return rc;
    }
    api->idle[api->nidle++] = rd;

    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    api->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, (MHD_AccessHandlerCallback)api_mhd_access, api,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)API_CONN_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, (MHD_RequestCompletedCallback)api_mhd_completed, api,
        MHD_OPTION_NOTIFY_CONNECTION, api_conn_notify, api, MHD_OPTION_END);
    (void)sslen;
    if (api->mhd == NULL) {
        api_free(api);
        return pd_errf(err, -EADDRINUSE, "listen %s: cannot bind (in use or not permitted)",
                       o->listen);
    }
    const union MHD_DaemonInfo *fdi = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
    api->port = pi != NULL ? pi->port : 0;
    rc = fdi != NULL ? uv_poll_init(loop, &api->poll, fdi->epoll_fd) : -EINVAL;
    if (rc < 0) {
        MHD_stop_daemon(api->mhd);
        api_free(api);
        return pd_errf(err, rc, "listen %s: cannot watch the server's epoll fd", o->listen);
    }
    uv_timer_init(loop, &api->timer);
    api->on_timer = on_timer;
    uv_timer_init(loop, &api->slow_timer);
    api->slow_timer.data = api;
    uv_timer_start(&api->slow_timer, api_conn_check_slow, API_SLOW_CHECK_MS, API_SLOW_CHECK_MS);
    api->poll.data = api->timer.data = api;
    api->open_handles = 3;
    uv_poll_start(&api->poll, UV_READABLE, on_poll);
    run_mhd(api);
    pd_log_info("listening", "listen=%s port=%d auth=%s", o->listen, api->port,
                api->token ? "bearer" : "none");
    *out = api;
    return 0;
}

int pd_api_port(const pd_api *api)
{
    return api->port;
}

static void on_handle_closed(uv_handle_t *h)
{
    api_release(h->data);
}

/* Every work item is back: stop MHD (it closes the connections and calls
 * the completion callback of each), then close our handles. */
static void finish_stop(pd_api *api)
{
    run_mhd(api); /* let resumed connections send what they have */
    if (api->inflight > 0)
        return; /* defensive: the last one to come back stops MHD */
    MHD_stop_daemon(api->mhd);
    api->mhd = NULL;
    api_linger_stop_all(api); /* those MHD_stop_daemon just started too */
    uv_timer_stop(&api->timer);
    uv_poll_stop(&api->poll);
    uv_close((uv_handle_t *)&api->poll, on_handle_closed);
    uv_close((uv_handle_t *)&api->timer, on_handle_closed);
    uv_close((uv_handle_t *)&api->slow_timer, on_handle_closed);
}

void pd_api_stop(pd_api *api, void (*done)(void *arg), void *arg)
{
    if (api->stopping)
        return;
    api->stopping = true;
    api->done = done;
    api->done_arg = arg;
    atomic_store(&api->cancel, true);
    MHD_socket ls = MHD_quiesce_daemon(api->mhd);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    pd_log_info("http server stopping", "inflight=%zu", api->inflight);
    api_drop_waiting(api);
    if (api->inflight == 0)
        finish_stop(api);
}
