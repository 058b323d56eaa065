#include "sc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

sct_server sct_srv = {.pid = -1};

double sct_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void child(const char *path, int wfd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        _exit(126);
    if (dup2(wfd, STDOUT_FILENO) < 0)
        _exit(126);
    char *const argv[] = {(char *)path, "-listen", "127.0.0.1:0", "-duration", "60s", NULL};
    execv(path, argv);
    _exit(127);
}

/* Reads "listening on 127.0.0.1:PORT\n" within 10 s. */
static int read_port(int rfd)
{
    char line[128];
    size_t n = 0;
    double end = sct_now_ms() + 10000;
    while (n + 1 < sizeof(line) && memchr(line, '\n', n) == NULL) {
        struct pollfd p = {.fd = rfd, .events = POLLIN};
        int left = (int)(end - sct_now_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return -1;
        ssize_t r = read(rfd, line + n, sizeof(line) - 1 - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    line[n] = '\0';
    int port = -1;
    if (sscanf(line, "listening on 127.0.0.1:%d", &port) != 1)
        return -1;
    return port;
}

int sct_group_setup(void **state)
{
    (void)state;
    const char *path = getenv("PD_FAULTSERVER");
    if (path == NULL || path[0] == '\0') {
        fprintf(stderr, "PD_FAULTSERVER is not set\n");
        return -1;
    }
    int fds[2];
    if (pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(path, fds[1]);
    close(fds[1]);
    sct_srv.pid = pid;
    sct_srv.port = read_port(fds[0]);
    close(fds[0]);
    if (sct_srv.port <= 0) {
        fprintf(stderr, "fault server %s did not start\n", path);
        sct_group_teardown(state);
        return -1;
    }
    return 0;
}

int sct_group_teardown(void **state)
{
    (void)state;
    if (sct_srv.pid > 0) {
        kill(sct_srv.pid, SIGKILL);
        while (waitpid(sct_srv.pid, NULL, 0) < 0 && errno == EINTR)
            ;
        sct_srv.pid = -1;
    }
    return 0;
}

int sct_setup(void **state)
{
    sct_fx *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    pd_err err = {{0}};
    int rc = pd_fetcher_new(&fx->loop, &fx->f, &err);
    if (rc != 0)
        fprintf(stderr, "pd_fetcher_new: %s\n", err.msg);
    assert_int_equal(rc, 0);
    *state = fx;
    return 0;
}

int sct_teardown(void **state)
{
    sct_fx *fx = *state;
    pd_fetcher_close(fx->f);
    assert_int_equal(uv_run(&fx->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    free(fx);
    return 0;
}

const char *sct_url(char *buf, size_t cap, const char *path)
{
    snprintf(buf, cap, "http://127.0.0.1:%d%s", sct_srv.port, path);
    return buf;
}

pd_fetch_opts sct_opts(char *buf, size_t cap, const char *path)
{
    pd_fetch_opts o = {.url = sct_url(buf, cap, path), .timeout_ms = 5000, .max_body = 4 << 20};
    return o;
}

void sct_collect(void *ctx, pd_fetch_result *res)
{
    sct_got *g = ctx;
    if (g->calls > 0)
        free(g->res.body);
    g->res = *res;
    g->calls++;
}

void sct_got_free(sct_got *g)
{
    free(g->res.body);
    g->res.body = NULL;
}

void sct_loop_until(uv_loop_t *loop, const int *v, int n)
{
    double end = sct_now_ms() + 20000;
    while (*v < n) {
        assert_true(sct_now_ms() < end);
        uv_run(loop, UV_RUN_ONCE);
    }
}

void sct_run_until(sct_fx *fx, const int *calls, int n)
{
    sct_loop_until(&fx->loop, calls, n);
}

void sct_fetch(sct_fx *fx, const pd_fetch_opts *o, sct_got *got)
{
    pd_err err = {{0}};
    int rc = pd_fetch_start(fx->f, o, sct_collect, got, &err);
    if (rc != 0)
        fprintf(stderr, "pd_fetch_start: %s\n", err.msg);
    assert_int_equal(rc, 0);
    sct_run_until(fx, &got->calls, 1);
}

long sct_fetch_number(sct_fx *fx, const char *path)
{
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), path);
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    assert_string_equal(g.res.reason, "ok");
    char text[32] = {0};
    memcpy(text, g.res.body, g.res.len < sizeof(text) - 1 ? g.res.len : sizeof(text) - 1);
    sct_got_free(&g);
    return strtol(text, NULL, 10);
}
