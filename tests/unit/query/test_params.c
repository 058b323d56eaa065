/* query/api_params: the query API's parameters, through the same callback
 * the server gives api_parse_query; and the write side's body parser. */
#include "api_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* Arguments as "name=value" strings, NULL-terminated; no URL decoding. */
static const char *arg_of(void *ctx, const char *name)
{
    const char *const *kv = ctx;
    size_t n = strlen(name);
    for (; *kv != NULL; kv++)
        if (strncmp(*kv, name, n) == 0 && (*kv)[n] == '=')
            return *kv + n + 1;
    return NULL;
}

static int parse(const char *what, const char *const *args, api_query *q, pd_err *err)
{
    return api_parse_query(arg_of, (void *)args, what, q, err);
}

static void test_times(void **state)
{
    (void)state;
    api_query q;
    pd_err err = {{0}};
    const char *ok[] = {"type=cpu", "from=1700000000", "to=1700003600", NULL};
    assert_int_equal(parse("merge", ok, &q, &err), 0);
    assert_int_equal(q.from, 1700000000LL * 1000000000);
    assert_int_equal(q.to, 1700003600LL * 1000000000);
    api_query_free(&q);

    /* The earliest time there is: one hour before it does not exist (this
     * overflowed int64), so the range starts at the earliest time. */
    const char *early[] = {"type=cpu", "to=1677-09-21T00:12:44Z", NULL};
    assert_int_equal(parse("merge", early, &q, &err), 0);
    assert_int_equal(q.from, INT64_MIN);
    api_query_free(&q);

    /* A range whose length does not fit in int64 nanoseconds. */
    const char *wide[] = {"type=cpu", "from=1677-09-22T00:00:00Z", "to=2262-04-10T00:00:00Z", NULL};
    assert_int_equal(parse("series", wide, &q, &err), -ERANGE);
    assert_string_equal(err.msg, "from: more than 292 years before to");
    api_query_free(&q);
    pd_err_clear(&err);
    const char *wide2[] = {"type=cpu",
                           "base={}",
                           "target={}",
                           "base_from=1677-09-22T00:00:00Z",
                           "base_to=2262-04-10T00:00:00Z",
                           NULL};
    assert_int_equal(parse("diff", wide2, &q, &err), -ERANGE);
    assert_string_equal(err.msg, "base_from: more than 292 years before base_to");
    api_query_free(&q);
    pd_err_clear(&err);

    const char *after[] = {"type=cpu", "from=now", "to=now-1h", NULL};
    assert_int_equal(parse("merge", after, &q, &err), -EINVAL);
    assert_string_equal(err.msg, "from: after to");
    api_query_free(&q);
}

static void test_selector_errors_name_the_parameter(void **state)
{
    (void)state;
    api_query q;
    pd_err err = {{0}};
    const char *bad[] = {"type=cpu", "query={x=~\"a**\"}", NULL};
    assert_int_equal(parse("merge", bad, &q, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "query: invalid regex for x at position 4: "));
    api_query_free(&q);
}

static int body(pd_api_action action, const char *json, pd_err *err)
{
    pd_api_request rq = {.action = action};
    pd_api_body *b = NULL;
    int rc = pd_api_parse_body(&rq, json, strlen(json), &b, err);
    pd_api_body_free(b);
    return rc;
}

static void test_bodies(void **state)
{
    (void)state;
    pd_err err = {{0}};
    pd_api_request rq = {.action = PD_API_TARGET_ADD};
    pd_api_body *b = NULL;
    const char *t = "{\"job\":\"api\",\"address\":\"127.0.0.1:6060\",\"labels\":{\"env\":\"prod\"},"
                    "\"profiles\":[\"cpu\",\"heap\"]}";
    assert_int_equal(pd_api_parse_body(&rq, t, strlen(t), &b, &err), 0);
    assert_string_equal(rq.job, "api");
    assert_int_equal(rq.nlabels, 1);
    assert_string_equal(rq.labels[0].value, "prod");
    assert_int_equal(rq.nprofiles, 2);
    pd_api_body_free(b);

    assert_int_equal(body(PD_API_TARGET_ADD, "{\"job\":1}", &err), -EINVAL);
    assert_string_equal(err.msg, "job: want a string");
    pd_err_clear(&err);
    assert_int_equal(body(PD_API_CAPTURE, "{\"query\":\"{x=~\\\"(\\\"}\"}", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "query: invalid regex for x"));
    pd_err_clear(&err);
    assert_int_equal(body(PD_API_ALERTS, "{\"alerts\":[{\"status\":\"firing\"}]}", &err), -EINVAL);
    assert_string_equal(err.msg, "alerts[0].labels: missing");
    pd_err_clear(&err);
    assert_int_equal(body(PD_API_ALERTS, "[", &err), -EINVAL);
    assert_non_null(strstr(err.msg, "body: invalid JSON at line 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_selector_errors_name_the_parameter),
        cmocka_unit_test(test_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
