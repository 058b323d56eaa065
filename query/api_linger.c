/* Lingering close. A request answered before its body was read (413 for
 * an announced body over the limit, 401 before the upload) leaves the
 * client sending into a socket that MHD then closes; closing a socket with
 * unread data makes the kernel send a reset, and a client still uploading
 * (curl: "Send failure: Broken pipe", 1 time in 40 on loopback) never
 * reads the answer it was sent. So such a connection's socket is kept open
 * through a second descriptor, half-closed after the answer, and read and
 * dropped until the client closes, API_LINGER_BYTES have come or
 * API_LINGER_MS have passed, as nginx and Apache do. Loop thread. */
#include "api_int.h"

#include "pd_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define API_LINGER_MAX 64 /* lingering sockets at once; past it they just close */
#define API_LINGER_MS 2000
#define API_LINGER_BYTES (16u << 20)

struct api_linger {
    pd_api *api;
    uv_poll_t poll;
    uv_timer_t timer;
    int fd;
    size_t drained;
    int open; /* handles not yet closed */
    bool ending;
    struct api_linger *prev, *next;
};

static void on_closed(uv_handle_t *h)
{
    api_linger *l = h->data;
    if (--l->open > 0)
        return;
    close(l->fd);
    pd_api *api = l->api;
    free(l);
    api_release(api);
}

static void end(api_linger *l)
{
    if (l->ending)
        return;
    l->ending = true;
    pd_api *api = l->api;
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        api->lingers = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    api->nlingers--;
    uv_poll_stop(&l->poll);
    uv_timer_stop(&l->timer);
    uv_close((uv_handle_t *)&l->poll, on_closed);
    uv_close((uv_handle_t *)&l->timer, on_closed);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    (void)events;
    api_linger *l = p->data;
    if (status < 0) {
        end(l);
        return;
    }
    char buf[16384];
    for (;;) {
        ssize_t n = read(l->fd, buf, sizeof(buf));
        if (n > 0) {
            l->drained += (size_t)n;
            if (l->drained >= API_LINGER_BYTES)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break; /* the client closed, or the socket failed */
    }
    end(l);
}

static void on_timeout(uv_timer_t *t)
{
    end(t->data);
}

int api_linger_dup(int fd)
{
    return fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

void api_linger_start(pd_api *api, int fd)
{
    if (api->nlingers >= API_LINGER_MAX) {
        close(fd);
        return;
    }
    /* The answer is out (MHD closes a connection once it is sent): the
     * client sees its end, and stops uploading or finishes. */
    shutdown(fd, SHUT_WR);
    api_linger *l = pd_xcalloc(1, sizeof(*l));
    l->api = api;
    l->fd = fd;
    if (uv_poll_init(api->loop, &l->poll, fd) < 0) {
        close(fd);
        free(l);
        return;
    }
    uv_timer_init(api->loop, &l->timer);
    l->poll.data = l->timer.data = l;
    l->open = 2;
    api->open_handles++; /* released when both handles have closed */
    l->next = api->lingers;
    if (api->lingers != NULL)
        api->lingers->prev = l;
    api->lingers = l;
    api->nlingers++;
    uv_poll_start(&l->poll, UV_READABLE | UV_DISCONNECT, on_readable);
    uv_timer_start(&l->timer, on_timeout, API_LINGER_MS, 0);
}

void api_linger_stop_all(pd_api *api)
{
    while (api->lingers != NULL)
        end(api->lingers);
}
