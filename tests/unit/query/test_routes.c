/* query/api_routes: the routing table — every path and method to its
 * handler, HEAD as GET, the Allow list of a known path taken with another
 * method, and a 404 for unknown paths; and the capture answer's state and
 * trigger read back (api_captures.c). */
#include "api_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const api_route *find(const char *method, const char *path, char *allow)
{
    api_req r;
    memset(&r, 0, sizeof(r));
    snprintf(r.method, sizeof(r.method), "%s", method);
    return api_route_find(&r, path, allow, 64);
}

static void test_handlers(void **state)
{
    (void)state;
    char allow[64];
    const api_route *rt = find("GET", "/api/v1/merge", allow);
    assert_non_null(rt);
    assert_ptr_equal(rt->work, api_work_merge);
    assert_string_equal(rt->what, "merge");
    assert_ptr_equal(find("HEAD", "/api/v1/merge", allow), rt);
    rt = find("GET", "/api/v1/profiles/42", allow);
    assert_ptr_equal(rt->work, api_work_profile);
    assert_int_equal(rt->match, ROUTE_ID);
    rt = find("GET", "/api/v1/labels/job/values", allow);
    assert_ptr_equal(rt->work, api_work_label_values);
    rt = find("GET", "/api/v1/targets", allow);
    assert_ptr_equal(rt->loop, api_targets_list);
    assert_true(rt->needs_daemon);
    rt = find("POST", "/api/v1/targets", allow);
    assert_ptr_equal(rt->call, api_register);
    assert_int_equal(rt->body, PD_API_TARGET_ADD);
    rt = find("DELETE", "/api/v1/targets/7", allow);
    assert_int_equal(rt->body, PD_API_TARGET_DELETE);
    assert_ptr_equal(find("POST", "/api/v1/ingest", allow)->call, api_ingest);
    assert_ptr_equal(find("POST", "/api/v1/alerts", allow)->call, api_capture_alerts);
    assert_ptr_equal(find("GET", "/api/v1/captures/12", allow)->call, api_capture_get);
}

static void test_not_allowed_and_unknown(void **state)
{
    (void)state;
    char allow[64];
    assert_null(find("POST", "/api/v1/merge", allow));
    assert_string_equal(allow, "GET, HEAD");
    assert_null(find("GET", "/api/v1/targets/7", allow));
    assert_string_equal(allow, "PUT, DELETE");
    assert_null(find("PUT", "/api/v1/targets", allow));
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_null(find("GET", "/api/v1/capture", allow));
    assert_string_equal(allow, "POST");
    /* Unknown: no methods at all. An {id} is one segment, not empty. */
    assert_null(find("GET", "/api/v1/nosuch", allow));
    assert_string_equal(allow, "");
    assert_null(find("GET", "/api/v1/profiles/", allow));
    assert_string_equal(allow, "");
    assert_null(find("DELETE", "/api/v1/targets/7/x", allow));
    assert_string_equal(allow, "");
    assert_null(find("GET", "/api/v1/labels/values", allow));
}

static void test_capture_meta(void **state)
{
    (void)state;
    pd_cap_state st = PD_CAP_PENDING;
    pd_cap_trigger tr = PD_CAP_MANUAL;
    assert_true(
        pd_api_capture_meta("{\"id\":1,\"state\":\"failed\",\"trigger\":\"alert\"}", &st, &tr));
    assert_int_equal(st, PD_CAP_FAILED);
    assert_int_equal(tr, PD_CAP_ALERT);
    assert_false(pd_api_capture_meta("{\"state\":\"sleeping\",\"trigger\":\"alert\"}", &st, &tr));
    assert_false(pd_api_capture_meta("not json", &st, &tr));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handlers),
        cmocka_unit_test(test_not_allowed_and_unknown),
        cmocka_unit_test(test_capture_meta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
