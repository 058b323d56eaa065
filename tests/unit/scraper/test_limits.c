/* scraper/: limits end transfers promptly with the right reason: body cap
 * (memory never above it), whole-transfer timeout, low speed, and our own
 * deadline for a transfer queued behind busy connections. */
#include "sc_test.h"

#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest block pd_xrealloc was asked for (pd_buf grows through it). */
static size_t max_realloc;
void *__real_pd_xrealloc(void *p, size_t n);
void *__wrap_pd_xrealloc(void *p, size_t n)
{
    if (n > max_realloc)
        max_realloc = n;
    return __real_pd_xrealloc(p, n);
}

static void test_too_large_streamed(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/huge");
    o.max_body = 1 << 20;
    max_realloc = 0;
    sct_got g = {0};
    double t0 = sct_now_ms();
    sct_fetch(fx, &o, &g);
    double ms = sct_now_ms() - t0;
    fprintf(stderr, "/huge: %s \"%s\" bytes=%zu in %.0f ms, largest buffer %zu\n", g.res.reason,
            g.res.message, g.res.bytes, ms, max_realloc);
    assert_string_equal(g.res.reason, "too_large");
    assert_int_equal(g.res.status, 200);
    assert_null(g.res.body);
    assert_true(g.res.bytes > (size_t)o.max_body);
    assert_true(g.res.bytes <= (size_t)o.max_body + (64 << 10));
    assert_true(max_realloc <= o.max_body);
    assert_true(ms < 3000);
}

/* A Content-Length over the cap is refused before any body byte. */
static void test_too_large_declared(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/huge?cl=1");
    o.max_body = 1 << 20;
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    assert_string_equal(g.res.reason, "too_large");
    assert_int_equal(g.res.bytes, 0);
    assert_true(g.res.duration_ms < 2000);
}

static void expect_timeout(sct_fx *fx, const char *path, int status)
{
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), path);
    o.timeout_ms = 500;
    sct_got g = {0};
    double t0 = sct_now_ms();
    sct_fetch(fx, &o, &g);
    double ms = sct_now_ms() - t0;
    fprintf(stderr, "%s: %s \"%s\" in %.0f ms\n", path, g.res.reason, g.res.message, ms);
    assert_string_equal(g.res.reason, "timeout");
    assert_int_equal(g.res.status, status);
    assert_null(g.res.body);
    assert_true(ms >= 450 && ms < 1500);
    assert_in_range(g.res.duration_ms, 450, 1500);
}

static void test_timeout_hang(void **state)
{
    expect_timeout(*state, "/hang", 200);
}

static void test_timeout_slowheaders(void **state)
{
    expect_timeout(*state, "/slowheaders", 0);
}

static void expect_slow(sct_fx *fx, const char *path)
{
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), path);
    o.timeout_ms = 10000;
    o.low_speed_window_s = 1;
    o.low_speed_bytes = 100;
    sct_got g = {0};
    double t0 = sct_now_ms();
    sct_fetch(fx, &o, &g);
    double ms = sct_now_ms() - t0;
    fprintf(stderr, "%s: %s \"%s\" in %.0f ms\n", path, g.res.reason, g.res.message, ms);
    assert_string_equal(g.res.reason, "slow");
    assert_true(ms >= 900 && ms < 4000);
}

static void test_slow_drip(void **state)
{
    expect_slow(*state, "/drip");
}

/* libcurl's low-speed check also runs while the answer's headers are
 * awaited: a window shorter than a CPU profile's seconds ends it. */
static void test_slow_headers_count(void **state)
{
    expect_slow(*state, "/slowheaders");
}

/* With both connections to the host busy (two /hang), a third transfer
 * waits in libcurl's queue, where libcurl does not time it: the fetcher's
 * own deadline ends it on time. */
static void test_queued_deadline(void **state)
{
    sct_fx *fx = *state;
    char u1[128], u2[128];
    pd_fetch_opts hang = sct_opts(u1, sizeof(u1), "/hang");
    hang.timeout_ms = 10000;
    sct_got h[2] = {{0}, {0}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pd_fetch_start(fx->f, &hang, sct_collect, &h[i], NULL), 0);
    /* Let both connect and get their headers. */
    double until = sct_now_ms() + 200;
    while (sct_now_ms() < until)
        uv_run(&fx->loop, UV_RUN_NOWAIT);
    pd_fetch_opts ok = sct_opts(u2, sizeof(u2), "/ok");
    ok.timeout_ms = 500;
    sct_got g = {0};
    double t0 = sct_now_ms();
    sct_fetch(fx, &ok, &g);
    double ms = sct_now_ms() - t0;
    fprintf(stderr, "queued /ok: %s \"%s\" in %.0f ms\n", g.res.reason, g.res.message, ms);
    assert_string_equal(g.res.reason, "timeout");
    assert_true(ms >= 450 && ms < 1500);
    assert_int_equal(h[0].calls + h[1].calls, 0);
    assert_int_equal(pd_fetcher_in_flight(fx->f), 2);
    pd_fetcher_abort_all(fx->f);
    assert_int_equal(h[0].calls, 1);
    assert_int_equal(h[1].calls, 1);
    assert_string_equal(h[0].res.reason, "aborted");
    assert_string_equal(h[1].res.reason, "aborted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_too_large_streamed, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_too_large_declared, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_hang, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_slowheaders, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_slow_drip, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_slow_headers_count, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_queued_deadline, sct_setup, sct_teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
