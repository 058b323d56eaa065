/* scraper/: the pure helpers behind results: Retry-After, the first line
 * of an error body, "http_<status>" reasons. */
#include "sc_parse.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
    assert_int_equal(sc_retry_after_ms(NULL, now), -1);
    assert_int_equal(sc_retry_after_ms("7", now), 7000);
    assert_int_equal(sc_retry_after_ms(" 120 ", now), 120000);
    assert_int_equal(sc_retry_after_ms("0", now), 0);
    assert_int_equal(sc_retry_after_ms("1.5", now), -1);
    assert_int_equal(sc_retry_after_ms("soon", now), -1);
    assert_int_equal(sc_retry_after_ms("", now), -1);
    assert_int_equal(sc_retry_after_ms("99999999999999999999", now), -1);
    assert_int_equal(sc_retry_after_ms("Tue, 14 Nov 2023 22:13:30 GMT", now), 10000);
    assert_int_equal(sc_retry_after_ms("Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
}

static void test_first_line(void **state)
{
    (void)state;
    char out[16];
    const char *s = "a\x01"
                    "b\tc\xff  \r\nnext";
    sc_first_line(out, sizeof(out), s, strlen(s));
    assert_string_equal(out, "a?b c?");
    sc_first_line(out, sizeof(out), "0123456789abcdefghij", 20);
    assert_string_equal(out, "0123456789abcde");
    sc_first_line(out, sizeof(out), "", 0);
    assert_string_equal(out, "");
}

static void test_http_reason(void **state)
{
    (void)state;
    assert_string_equal(sc_http_reason(404), "http_404");
    assert_string_equal(sc_http_reason(100), "http_100");
    assert_string_equal(sc_http_reason(599), "http_599");
    assert_string_equal(sc_http_reason(302), "http_302");
    assert_null(sc_http_reason(99));
    assert_null(sc_http_reason(600));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_http_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
