/* scraper/: connections and lifecycle: a connection per transfer, closed
 * after it (none left idle on the target), many at once, refused connections, abort_all, close with
 * transfers in flight and from inside a callback; the loop always closes cleanly (teardown). */
#include "sc_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_connection_per_transfer(void **state)
{
    sct_fx *fx = *state;
    long before = sct_fetch_number(fx, "/conns");
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/ok");
    size_t len0 = 0;
    for (int i = 0; i < 100; i++) {
        sct_got g = {0};
        sct_fetch(fx, &o, &g);
        assert_string_equal(g.res.reason, "ok");
        if (i == 0)
            len0 = g.res.len;
        assert_int_equal(g.res.len, len0);
        sct_got_free(&g);
    }
    long after = sct_fetch_number(fx, "/conns");
    fprintf(stderr, "100 sequential fetches: %ld new connections\n", after - before);
    assert_int_equal(after - before, 100 + 1); /* and the /conns before */
}

#define N_CONC 50

static void test_concurrent(void **state)
{
    sct_fx *fx = *state;
    long before = sct_fetch_number(fx, "/conns");
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/ok");
    static sct_got g[N_CONC];
    memset(g, 0, sizeof(g));
    int done = 0;
    for (int i = 0; i < N_CONC; i++)
        assert_int_equal(pd_fetch_start(fx->f, &o, sct_collect, &g[i], NULL), 0);
    assert_int_equal(pd_fetcher_in_flight(fx->f), N_CONC);
    while (done < N_CONC) {
        uv_run(&fx->loop, UV_RUN_ONCE);
        done = 0;
        for (int i = 0; i < N_CONC; i++)
            done += g[i].calls;
    }
    for (int i = 0; i < N_CONC; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_string_equal(g[i].res.reason, "ok");
        sct_got_free(&g[i]);
    }
    assert_int_equal(pd_fetcher_in_flight(fx->f), 0);
    long after = sct_fetch_number(fx, "/conns");
    fprintf(stderr, "%d concurrent fetches: %ld new connections\n", N_CONC, after - before);
    assert_int_equal(after - before, N_CONC + 1);
}

/* A loopback port nobody listens on. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void test_refused(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", closed_port());
    pd_fetch_opts o = {.url = url, .timeout_ms = 2000, .max_body = 1024};
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    fprintf(stderr, "refused: %s \"%s\"\n", g.res.reason, g.res.message);
    assert_string_equal(g.res.reason, "connect");
    assert_int_equal(g.res.status, 0);
    assert_true(g.res.duration_ms < 1000);
}

static void test_abort_all(void **state)
{
    sct_fx *fx = *state;
    char u1[128], u2[128];
    pd_fetch_opts hang = sct_opts(u1, sizeof(u1), "/hang");
    pd_fetch_opts slow = sct_opts(u2, sizeof(u2), "/slowheaders");
    sct_got g[5] = {{0}};
    for (int i = 0; i < 5; i++)
        assert_int_equal(pd_fetch_start(fx->f, i % 2 ? &slow : &hang, sct_collect, &g[i], NULL), 0);
    double until = sct_now_ms() + 100;
    while (sct_now_ms() < until)
        uv_run(&fx->loop, UV_RUN_NOWAIT);
    assert_int_equal(pd_fetcher_in_flight(fx->f), 5);
    pd_fetcher_abort_all(fx->f);
    assert_int_equal(pd_fetcher_in_flight(fx->f), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_string_equal(g[i].res.reason, "aborted");
        assert_null(g[i].res.body);
    }
    /* Nothing more arrives later, and the fetcher still works. */
    until = sct_now_ms() + 100;
    while (sct_now_ms() < until)
        uv_run(&fx->loop, UV_RUN_NOWAIT);
    for (int i = 0; i < 5; i++)
        assert_int_equal(g[i].calls, 1);
    assert_int_equal(sct_fetch_number(fx, "/count") > 0, 1);
}

/* A callback that starts the next fetch, five times in a row. */
typedef struct chain {
    sct_fx *fx;
    pd_fetch_opts o;
    int calls;
    int ok;
} chain;

static void on_chain(void *ctx, pd_fetch_result *res)
{
    chain *c = ctx;
    c->calls++;
    c->ok += strcmp(res->reason, "ok") == 0;
    free(res->body);
    if (c->calls < 5)
        assert_int_equal(pd_fetch_start(c->fx->f, &c->o, on_chain, c, NULL), 0);
}

static void test_start_from_callback(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    chain c = {.fx = fx, .o = sct_opts(url, sizeof(url), "/ok")};
    assert_int_equal(pd_fetch_start(fx->f, &c.o, on_chain, &c, NULL), 0);
    sct_run_until(fx, &c.calls, 5);
    assert_int_equal(c.ok, 5);
}

/* Close with transfers in flight: each is called back once, "aborted", and
 * may not start another; then the loop runs dry and closes. */
typedef struct closer {
    sct_fx *fx;
    const pd_fetch_opts *o;
    int calls;
    int restart_rc;
} closer;

static void on_closed_abort(void *ctx, pd_fetch_result *res)
{
    closer *c = ctx;
    c->calls++;
    assert_string_equal(res->reason, "aborted");
    c->restart_rc = pd_fetch_start(c->fx->f, c->o, on_closed_abort, c, NULL);
}

static void test_close_in_flight(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/hang");
    closer c = {.fx = fx, .o = &o};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pd_fetch_start(fx->f, &o, on_closed_abort, &c, NULL), 0);
    double until = sct_now_ms() + 100;
    while (sct_now_ms() < until)
        uv_run(&fx->loop, UV_RUN_NOWAIT);
    pd_fetcher_close(fx->f);
    fx->f = NULL; /* teardown's close is then a no-op */
    assert_int_equal(c.calls, 3);
    assert_int_equal(c.restart_rc, -ECANCELED);
}

/* Close from inside a callback, with another transfer still running. */
static void on_close_me(void *ctx, pd_fetch_result *res)
{
    closer *c = ctx;
    c->calls++;
    free(res->body);
    if (c->calls == 1) {
        pd_fetcher_close(c->fx->f);
        c->fx->f = NULL;
    }
}

static void test_close_from_callback(void **state)
{
    sct_fx *fx = *state;
    char u1[128], u2[128];
    pd_fetch_opts ok = sct_opts(u1, sizeof(u1), "/ok");
    pd_fetch_opts hang = sct_opts(u2, sizeof(u2), "/hang");
    closer c = {.fx = fx};
    assert_int_equal(pd_fetch_start(fx->f, &hang, on_close_me, &c, NULL), 0);
    assert_int_equal(pd_fetch_start(fx->f, &ok, on_close_me, &c, NULL), 0);
    sct_run_until(fx, &c.calls, 2);
    assert_int_equal(c.calls, 2);
    assert_null(fx->f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connection_per_transfer, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_refused, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_abort_all, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_start_from_callback, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_close_in_flight, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_close_from_callback, sct_setup, sct_teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
