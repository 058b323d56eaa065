/* common/pd_names: the one rule for label names and for profile type
 * names that every module checks with. */
#include "pd_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_label_names(void **state)
{
    (void)state;
    const char *good[] = {"job", "_x", "Custom", "a1", "__address__", "A_B_9"};
    const char *bad[] = {NULL, "", "1a", "a-b", "a.b", "a b", "é", "job\n"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(pd_label_name_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(pd_label_name_valid(bad[i]));
}

static void test_profile_names(void **state)
{
    (void)state;
    assert_true(pd_profile_name_valid("cpu"));
    assert_true(pd_profile_name_valid("Custom")); /* once refused by push and registration */
    assert_true(pd_profile_name_valid("fgprof"));
    assert_false(pd_profile_name_valid("fg-prof"));
    assert_false(pd_profile_name_valid("heap.v2"));
    char longest[PD_PROFILE_NAME_MAX + 2];
    memset(longest, 'p', sizeof(longest));
    longest[PD_PROFILE_NAME_MAX] = '\0';
    assert_true(pd_profile_name_valid(longest));
    longest[PD_PROFILE_NAME_MAX] = 'p';
    longest[PD_PROFILE_NAME_MAX + 1] = '\0';
    assert_false(pd_profile_name_valid(longest));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_names),
        cmocka_unit_test(test_profile_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
