/* The fetcher: libcurl's multi interface on a libuv loop.
 *
 * libcurl tells us which sockets to watch (on_socket: one uv_poll_t per fd,
 * attached with curl_multi_assign) and when to call it back (on_curl_timer:
 * one uv_timer_t). Every poll event and timer expiry goes through
 * socket_action(), which always reaps finished transfers afterwards, so a
 * transfer that ends on a timeout is called back too. A second timer is our
 * backstop for deadlines libcurl does not watch: a transfer queued behind
 * SC_MAX_HOST_CONNS busy connections is not timed by libcurl until it runs.
 *
 * Handle memory is freed only in close callbacks; the fetcher itself once
 * it is closing and its last handle has closed. */
#include "sc_int.h"

#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

struct sc_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    pd_fetcher *f;
    sc_sock *prev, *next;
};

static void arm_deadline(pd_fetcher *f);

/* --- lists ---------------------------------------------------------------- */

static void xfer_link(sc_xfer **head, sc_xfer *x)
{
    x->prev = NULL;
    x->next = *head;
    if (*head != NULL)
        (*head)->prev = x;
    *head = x;
}

static void xfer_unlink(sc_xfer **head, sc_xfer *x)
{
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        *head = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

/* The fetcher's own list is kept in deadline order, so the earliest is its
 * head: with thousands of CPU profiles waiting, finding it must not cost a
 * walk over all of them at every event. A new transfer's deadline is
 * mostly the latest, so the place is looked for from the tail. */
static void live_insert(pd_fetcher *f, sc_xfer *x)
{
    sc_xfer *after = f->xfers_tail;
    while (after != NULL && after->deadline_ns > x->deadline_ns)
        after = after->prev;
    x->prev = after;
    x->next = after != NULL ? after->next : f->xfers;
    if (x->next != NULL)
        x->next->prev = x;
    else
        f->xfers_tail = x;
    if (after != NULL)
        after->next = x;
    else
        f->xfers = x;
}

static void live_remove(pd_fetcher *f, sc_xfer *x)
{
    if (x == f->xfers_tail)
        f->xfers_tail = x->prev;
    xfer_unlink(&f->xfers, x);
}

/* Takes `x` out of the fetcher (list and multi handle) into `*to`. */
static void xfer_detach(pd_fetcher *f, sc_xfer *x, sc_xfer **to)
{
    live_remove(f, x);
    f->n_xfers--;
    if (f->multi != NULL) {
        CURLMcode mc = curl_multi_remove_handle(f->multi, x->easy);
        if (mc != CURLM_OK)
            pd_log_warn("curl_multi_remove_handle failed", "error=\"%s\"", curl_multi_strerror(mc));
    }
    xfer_link(to, x);
}

/* Calls back every transfer of a detached list, each once. */
static void deliver(sc_xfer *list, sc_end how)
{
    while (list != NULL) {
        sc_xfer *x = list;
        xfer_unlink(&list, x);
        pd_fetch_result res;
        sc_result_build(x, how, CURLE_OK, &res);
        pd_fetch_cb cb = x->cb;
        void *ctx = x->ctx;
        sc_xfer_free(x);
        cb(ctx, &res);
    }
}

/* --- handles ---------------------------------------------------------------- */

static void maybe_free(pd_fetcher *f)
{
    if (!f->closing || f->handles > 0)
        return;
    curl_slist_free_all(f->header);
    if (f->curl_global)
        curl_global_cleanup();
    free(f);
}

static void on_handle_closed(uv_handle_t *h)
{
    pd_fetcher *f = h->data;
    f->handles--;
    maybe_free(f);
}

static void on_sock_closed(uv_handle_t *h)
{
    sc_sock *s = h->data;
    pd_fetcher *f = s->f;
    free(s);
    f->handles--;
    maybe_free(f);
}

static void sock_close(pd_fetcher *f, sc_sock *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        f->socks = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

/* --- driving libcurl -------------------------------------------------------- */

/* Calls back every transfer libcurl has finished. A callback may start,
 * abort or close: the multi handle is looked at afresh each round. */
static void reap(pd_fetcher *f)
{
    bool any = false;
    for (;;) {
        if (f->multi == NULL)
            return;
        int left = 0;
        CURLMsg *m = curl_multi_info_read(f->multi, &left);
        if (m == NULL)
            break;
        if (m->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = m->data.result;
        char *priv = NULL;
        if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
            priv == NULL) { /* defensive: every easy handle we add has one */
            pd_log_error("finished transfer without its state", NULL);
            abort();
        }
        sc_xfer *x = (sc_xfer *)priv;
        sc_xfer *done = NULL;
        xfer_detach(f, x, &done);
        pd_fetch_result res;
        sc_result_build(x, SC_END_CURL, rc, &res);
        pd_fetch_cb cb = x->cb;
        void *ctx = x->ctx;
        sc_xfer_free(x);
        any = true;
        cb(ctx, &res);
    }
    if (any)
        arm_deadline(f);
}

static void socket_action(pd_fetcher *f, curl_socket_t fd, int flags)
{
    if (f->multi == NULL)
        return;
    int running = 0;
    CURLMcode mc = curl_multi_socket_action(f->multi, fd, flags, &running);
    if (mc != CURLM_OK && mc != CURLM_BAD_SOCKET)
        pd_log_warn("curl_multi_socket_action failed", "error=\"%s\"", curl_multi_strerror(mc));
    reap(f);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sc_sock *s = p->data;
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    socket_action(s->f, s->fd, flags);
}

static void on_timeout(uv_timer_t *t)
{
    socket_action(t->data, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer; 0 means "soon", which the
 * loop's next iteration is (never call libcurl from inside its callback). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    pd_fetcher *f = userp;
    if (timeout_ms < 0)
        return uv_timer_stop(&f->timer) < 0 ? -1 : 0;
    return uv_timer_start(&f->timer, on_timeout, (uint64_t)timeout_ms, 0) < 0 ? -1 : 0;
}

/* CURLMOPT_SOCKETFUNCTION: one uv_poll_t per fd, kept in libcurl's socket
 * hash through curl_multi_assign; closed when libcurl is done with the fd. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    pd_fetcher *f = userp;
    sc_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL)
            sock_close(f, s);
        return 0;
    }
    if (s == NULL) {
        s = pd_xcalloc(1, sizeof(*s));
        int rc = uv_poll_init_socket(f->loop, &s->poll, fd);
        if (rc < 0) {
            pd_log_warn("uv_poll_init_socket failed", "fd=%d error=\"%s\"", (int)fd,
                        uv_strerror(rc));
            free(s);
            return -1;
        }
        s->poll.data = s;
        s->fd = fd;
        s->f = f;
        s->next = f->socks;
        if (f->socks != NULL)
            f->socks->prev = s;
        f->socks = s;
        f->handles++;
        if (curl_multi_assign(f->multi, fd, s) != CURLM_OK) {
            sock_close(f, s);
            return -1;
        }
    }
    int ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= UV_WRITABLE;
    int rc = uv_poll_start(&s->poll, ev, on_poll);
    if (rc < 0) {
        pd_log_warn("uv_poll_start failed", "fd=%d error=\"%s\"", (int)fd, uv_strerror(rc));
        return -1;
    }
    return 0;
}

/* --- deadlines -------------------------------------------------------------- */

static void on_deadline(uv_timer_t *t)
{
    pd_fetcher *f = t->data;
    uint64_t now = uv_hrtime();
    sc_xfer *late = NULL;
    while (f->xfers != NULL && f->xfers->deadline_ns <= now)
        xfer_detach(f, f->xfers, &late);
    deliver(late, SC_END_DEADLINE);
    arm_deadline(f);
}

static void arm_deadline(pd_fetcher *f)
{
    if (f->closing)
        return;
    if (f->xfers == NULL) {
        (void)uv_timer_stop(&f->deadline);
        return;
    }
    uint64_t first = f->xfers->deadline_ns; /* the list is in deadline order */
    uint64_t now = uv_hrtime();
    uint64_t ms = first > now ? (first - now + 999999) / 1000000 : 0;
    int rc = uv_timer_start(&f->deadline, on_deadline, ms, 0);
    if (rc < 0)
        pd_log_warn("uv_timer_start failed", "error=\"%s\"", uv_strerror(rc));
}

/* --- public ----------------------------------------------------------------- */

int pd_fetch_start(pd_fetcher *f, const pd_fetch_opts *o, pd_fetch_cb cb, void *ctx, pd_err *err)
{
    if (f->closing || f->multi == NULL)
        return pd_errf(err, -ECANCELED, "fetcher is closing");
    if (cb == NULL)
        return pd_errf(err, -EINVAL, "fetch without a callback");
    sc_xfer *x = NULL;
    int rc = sc_xfer_new(f, o, &x, err);
    if (rc < 0)
        return rc;
    x->cb = cb;
    x->ctx = ctx;
    CURLMcode mc = curl_multi_add_handle(f->multi, x->easy);
    if (mc != CURLM_OK) {
        sc_xfer_free(x);
        return pd_errf(err, mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO, "%s: %s", o->url,
                       curl_multi_strerror(mc));
    }
    live_insert(f, x);
    f->n_xfers++;
    arm_deadline(f);
    return 0;
}

size_t pd_fetcher_in_flight(const pd_fetcher *f)
{
    return f->n_xfers;
}

void pd_fetcher_abort_all(pd_fetcher *f)
{
    sc_xfer *gone = NULL;
    while (f->xfers != NULL)
        xfer_detach(f, f->xfers, &gone);
    if (f->multi != NULL) /* else the timer is closing */
        (void)uv_timer_stop(&f->deadline);
    deliver(gone, SC_END_ABORTED);
}

/* Releases libcurl and closes every handle (both timers are open); the
 * last close callback frees `f`. */
static void shut(pd_fetcher *f)
{
    if (f->multi != NULL) {
        CURLMcode mc = curl_multi_cleanup(f->multi);
        if (mc != CURLM_OK)
            pd_log_warn("curl_multi_cleanup failed", "error=\"%s\"", curl_multi_strerror(mc));
        f->multi = NULL;
    }
    while (f->socks != NULL)
        sock_close(f, f->socks);
    uv_close((uv_handle_t *)&f->timer, on_handle_closed);
    uv_close((uv_handle_t *)&f->deadline, on_handle_closed);
}

void pd_fetcher_close(pd_fetcher *f)
{
    if (f == NULL || f->closing)
        return;
    f->closing = true; /* callbacks run by the abort cannot start more */
    pd_fetcher_abort_all(f);
    shut(f);
}

/* curl_multi_setopt with its result checked; jumps to `out` on failure. */
#define SC_MSET(opt, val)                                                                          \
    do {                                                                                           \
        CURLMcode mc_ = curl_multi_setopt(f->multi, opt, val);                                     \
        if (mc_ != CURLM_OK) {                                                                     \
            rc = pd_errf(err, -EINVAL, "%s: %s", #opt, curl_multi_strerror(mc_));                  \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static int setup(pd_fetcher *f, pd_err *err)
{
    int rc = 0;
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    if (vi == NULL || !(vi->features & CURL_VERSION_ASYNCHDNS))
        return pd_errf(err, -ENOTSUP, "libcurl resolves names blocking (no AsynchDNS)");
    CURLcode gc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (gc != CURLE_OK)
        return pd_errf(err, -EIO, "curl_global_init: %s", curl_easy_strerror(gc));
    f->curl_global = true;
    f->header = curl_slist_append(NULL, "Accept-Encoding: gzip");
    if (f->header == NULL)
        return pd_errf(err, -ENOMEM, "curl_slist_append failed");
    f->multi = curl_multi_init();
    if (f->multi == NULL)
        return pd_errf(err, -ENOMEM, "curl_multi_init failed");
    SC_MSET(CURLMOPT_SOCKETFUNCTION, on_socket);
    SC_MSET(CURLMOPT_SOCKETDATA, (void *)f);
    SC_MSET(CURLMOPT_TIMERFUNCTION, on_curl_timer);
    SC_MSET(CURLMOPT_TIMERDATA, (void *)f);
    SC_MSET(CURLMOPT_MAX_HOST_CONNECTIONS, SC_MAX_HOST_CONNS);
out:
    return rc;
}

int pd_fetcher_new(uv_loop_t *loop, pd_fetcher **out, pd_err *err)
{
    *out = NULL;
    pd_fetcher *f = pd_xcalloc(1, sizeof(*f));
    f->loop = loop;
    int rc = uv_timer_init(loop, &f->timer);
    if (rc < 0) {
        free(f);
        return pd_errf(err, rc, "uv_timer_init: %s", uv_strerror(rc));
    }
    f->timer.data = f;
    f->handles++;
    rc = uv_timer_init(loop, &f->deadline);
    if (rc < 0) {
        /* The close callback frees `f` on the next loop run. */
        f->closing = true;
        uv_close((uv_handle_t *)&f->timer, on_handle_closed);
        return pd_errf(err, rc, "uv_timer_init: %s", uv_strerror(rc));
    }
    f->deadline.data = f;
    f->handles++;
    rc = setup(f, err);
    if (rc < 0) {
        f->closing = true;
        shut(f);
        return rc;
    }
    *out = f;
    return 0;
}
