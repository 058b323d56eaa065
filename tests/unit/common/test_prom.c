/* common/pd_prom: the Prometheus text format, written one way. */
#include "pd_prom.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_family_and_samples(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_prom_family(&b, "x_total", "counter", "Things.");
    pd_prom_u64(&b, "x_total", NULL, 3);
    /* Label values escaped: backslash, quote, newline. */
    pd_prom_u64(&b, "x_total", (const char *const[]){"job", "a\"b\\c\nd", "k", "v", NULL},
                18446744073709551615ULL);
    pd_prom_seconds(&b, "t_seconds", (const char *const[]){NULL}, 1764669603005LL);
    pd_prom_seconds(&b, "t_seconds", NULL, -1500);
    pd_buf_append(&b, "", 1);
    assert_string_equal((const char *)b.data,
                        "# HELP x_total Things.\n# TYPE x_total counter\n"
                        "x_total 3\n"
                        "x_total{job=\"a\\\"b\\\\c\\nd\",k=\"v\"} 18446744073709551615\n"
                        "t_seconds 1764669603.005\n"
                        "t_seconds -1.500\n");
    pd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_and_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
