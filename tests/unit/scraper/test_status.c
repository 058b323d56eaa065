/* scraper/: every fault-server endpoint that answers gives the right
 * reason, status and message; bodies arrive as sent; bad options fail
 * without a callback. */
#include "sc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct want {
    const char *path;
    const char *reason;
    int status;
    const char *message; /* exact, or NULL to skip */
} want;

static void test_reasons(void **state)
{
    sct_fx *fx = *state;
    static const want cases[] = {
        {"/notfound", "http_404", 404, "HTTP 404: Unknown profile"},
        {"/error500", "http_500", 500, "HTTP 500: internal error: ?the database is on fire"},
        {"/cpu-in-use", "cpu_in_use", 500,
         "HTTP 500: Could not enable CPU profiling: cpu profiling already in use"},
        {"/empty", "empty", 200, "HTTP 200 with an empty body"},
        {"/redirect", "http_302", 302, NULL},
        {"/ratelimited", "retry_later", 429, "HTTP 429: too many requests (retry after 7 s)"},
        {"/unavailable", "retry_later", 503, NULL},
        {"/reset", "connect", 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char url[128];
        pd_fetch_opts o = sct_opts(url, sizeof(url), cases[i].path);
        sct_got g = {0};
        sct_fetch(fx, &o, &g);
        fprintf(stderr, "%-14s %-12s %d \"%s\"\n", cases[i].path, g.res.reason, g.res.status,
                g.res.message);
        assert_int_equal(g.calls, 1);
        assert_string_equal(g.res.reason, cases[i].reason);
        assert_int_equal(g.res.status, cases[i].status);
        if (cases[i].message != NULL)
            assert_string_equal(g.res.message, cases[i].message);
        assert_null(g.res.body);
        assert_int_equal(g.res.len, 0);
        if (cases[i].status == 429)
            assert_int_equal(g.res.retry_after_ms, 7000);
        else if (cases[i].status == 503)
            assert_in_range(g.res.retry_after_ms, 8000, 11000);
        else
            assert_int_equal(g.res.retry_after_ms, -1);
    }
    assert_int_equal(pd_fetcher_in_flight(fx->f), 0);
}

static uint8_t *fetch_ok(sct_fx *fx, const char *path, size_t *len)
{
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), path);
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    assert_string_equal(g.res.reason, "ok");
    assert_int_equal(g.res.status, 200);
    assert_non_null(g.res.body);
    assert_int_equal(g.res.len, g.res.bytes);
    *len = g.res.len;
    return g.res.body;
}

/* The pprof body arrives as sent: gzip (not inflated), the same bytes each
 * time; /truncated is its first half, still "ok" here (the decoder fails it). */
static void test_ok_body_intact(void **state)
{
    sct_fx *fx = *state;
    size_t n1 = 0, n2 = 0, nt = 0;
    uint8_t *a = fetch_ok(fx, "/ok", &n1);
    uint8_t *b = fetch_ok(fx, "/ok", &n2);
    uint8_t *t = fetch_ok(fx, "/truncated", &nt);
    assert_true(n1 > 100);
    assert_int_equal(a[0], 0x1f);
    assert_int_equal(a[1], 0x8b);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    assert_int_equal(nt, n1 / 2);
    assert_memory_equal(a, t, nt);
    free(a);
    free(b);
    free(t);
}

/* An HTML page and a gzip bomb are bodies like any other at this level. */
static void test_html_and_bomb(void **state)
{
    sct_fx *fx = *state;
    size_t n = 0;
    uint8_t *h = fetch_ok(fx, "/html", &n);
    assert_true(n > 15 && memcmp(h, "<!DOCTYPE html>", 15) == 0);
    free(h);
    uint8_t *z = fetch_ok(fx, "/bomb", &n);
    assert_true(n > 100000 && n < (4u << 20));
    assert_int_equal(z[0], 0x1f);
    assert_int_equal(z[1], 0x8b);
    free(z);
}

static void test_headers_and_auth(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    pd_fetch_opts o = sct_opts(url, sizeof(url), "/echo");
    o.bearer_token = "s3cret";
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    assert_string_equal(g.res.reason, "ok");
    char text[256] = {0};
    memcpy(text, g.res.body, g.res.len < 255 ? g.res.len : 255);
    assert_non_null(strstr(text, "ua=pprofd/" PPROFD_VERSION "\n"));
    assert_non_null(strstr(text, "ae=gzip\n"));
    assert_non_null(strstr(text, "auth=Bearer s3cret\n"));
    sct_got_free(&g);

    o.bearer_token = NULL;
    o.basic_user = "user";
    o.basic_password = "pass";
    sct_got g2 = {0};
    sct_fetch(fx, &o, &g2);
    memset(text, 0, sizeof(text));
    memcpy(text, g2.res.body, g2.res.len < 255 ? g2.res.len : 255);
    assert_non_null(strstr(text, "auth=Basic dXNlcjpwYXNz\n"));
    sct_got_free(&g2);
}

/* TLS spoken to a plain HTTP port fails the handshake. */
static void test_tls(void **state)
{
    sct_fx *fx = *state;
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/ok", sct_srv.port);
    pd_fetch_opts o = {.url = url, .timeout_ms = 2000, .max_body = 1024};
    sct_got g = {0};
    sct_fetch(fx, &o, &g);
    fprintf(stderr, "https to http: %s \"%s\"\n", g.res.reason, g.res.message);
    assert_string_equal(g.res.reason, "tls");
    assert_null(g.res.body);
}

static void test_bad_options(void **state)
{
    sct_fx *fx = *state;
    sct_got g = {0};
    pd_err err = {{0}};
    pd_fetch_opts o = {.url = "ftp://127.0.0.1/x", .timeout_ms = 1000, .max_body = 1024};
    assert_int_equal(pd_fetch_start(fx->f, &o, sct_collect, &g, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "ftp://"));
    char url[128];
    pd_fetch_opts o2 = sct_opts(url, sizeof(url), "/ok");
    o2.timeout_ms = 0;
    assert_int_equal(pd_fetch_start(fx->f, &o2, sct_collect, &g, NULL), -EINVAL);
    o2.timeout_ms = 1000;
    o2.max_body = 0;
    assert_int_equal(pd_fetch_start(fx->f, &o2, sct_collect, &g, NULL), -EINVAL);
    assert_int_equal(pd_fetcher_in_flight(fx->f), 0);
    uv_run(&fx->loop, UV_RUN_NOWAIT);
    assert_int_equal(g.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reasons, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_ok_body_intact, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_html_and_bomb, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_headers_and_auth, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_tls, sct_setup, sct_teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, sct_setup, sct_teardown),
    };
    return cmocka_run_group_tests(tests, sct_group_setup, sct_group_teardown);
}
