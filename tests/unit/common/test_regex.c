/* common/pd_regex: Prometheus' semantics (RE2 syntax, anchored, . matching
 * newline), submatches and named groups, and the budget: memory, Unicode
 * classes and length. */
#include "pd_regex.h"
#include "pd_utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const pd_regex_budget roomy = {PD_REGEX_MAX_MEM, 16};

static pd_regex *compile(const char *pattern)
{
    pd_regex *re = NULL;
    pd_err err = {{0}};
    int rc = pd_regex_compile(pattern, &roomy, &re, &err);
    if (rc != 0)
        fail_msg("%s: %s", pattern, err.msg);
    return re;
}

static bool match(const char *pattern, const char *s)
{
    pd_regex *re = compile(pattern);
    bool m = pd_regex_match(re, s);
    pd_regex_free(re);
    return m;
}

static void test_semantics(void **state)
{
    (void)state;
    assert_true(match("prod", "prod"));
    assert_false(match("prod", "production")); /* anchored at both ends */
    assert_false(match("prod", "preprod"));
    assert_true(match("a|ab", "ab")); /* the whole text, whichever branch */
    assert_true(match("a.b", "a\nb"));
    assert_true(match("(?i)PROD", "prod"));
    assert_true(match("\\d{3}", "123"));
    assert_true(match("\\pL+", "h\xc3\xa9llo"));
    assert_true(match("", ""));
    assert_false(match("", "x"));
    assert_true(match("a{,2}", "a{,2}")); /* not a repeat in RE2 or Go */
}

static void test_groups(void **state)
{
    (void)state;
    pd_regex *re = compile("(?P<host>[^:]+):(\\d+)(x)?");
    assert_int_equal(pd_regex_ngroups(re), 3);
    assert_int_equal(pd_regex_group_named(re, "host", 4), 1);
    assert_int_equal(pd_regex_group_named(re, "hostname", 4), 1); /* only 4 bytes read */
    assert_int_equal(pd_regex_group_named(re, "port", 4), -1);
    pd_regex_span m[5];
    assert_true(pd_regex_match_groups(re, "db:5432", m, 5));
    assert_int_equal(m[0].start, 0);
    assert_int_equal(m[0].end, 7);
    assert_int_equal(m[1].end, 2);
    assert_int_equal(m[2].start, 3);
    assert_int_equal(m[3].start, -1); /* took no part */
    assert_int_equal(m[4].start, -1); /* no such group */
    assert_false(pd_regex_match_groups(re, "db:x", m, 5));
    pd_regex_free(re);
}

static int compile_rc(const char *pattern, size_t mem, unsigned classes, pd_err *err)
{
    pd_regex_budget b = {mem, classes};
    pd_regex *re = NULL;
    int rc = pd_regex_compile(pattern, &b, &re, err);
    if (rc < 0)
        assert_null(re);
    pd_regex_free(re);
    return rc;
}

static void test_budget(void **state)
{
    (void)state;
    pd_err err = {{0}};
    assert_int_equal(compile_rc("(a", PD_REGEX_MAX_MEM, 0, &err), -EINVAL);
    assert_string_equal(err.msg, "missing ): (a");
    pd_err_clear(&err);
    assert_int_equal(compile_rc("(a)\\1", PD_REGEX_MAX_MEM, 0, &err), -EINVAL);
    pd_err_clear(&err);
    assert_int_equal(compile_rc("(a{100}){100}", PD_REGEX_MAX_MEM, 0, &err), -EINVAL);
    pd_err_clear(&err);
    assert_int_equal(compile_rc("a\\Cb", PD_REGEX_MAX_MEM, 0, &err), -EINVAL); /* Go refuses \C */
    assert_string_equal(err.msg, "invalid escape sequence: \\C");
    pd_err_clear(&err);
    assert_int_equal(compile_rc("\\Qa\\Cb\\E", PD_REGEX_MAX_MEM, 0, &err), 0); /* quoted: text */
    /* a message quoting the pattern cut in the middle of a character */
    char cut[260] = "(a";
    for (int i = 0; i < 120; i++)
        strcat(cut, "\xc3\xa9");
    assert_int_equal(compile_rc(cut, PD_REGEX_MAX_MEM, 0, &err), -EINVAL);
    assert_true(pd_utf8_valid(err.msg));
    pd_err_clear(&err);
    /* memory: fits a large budget, not a small one */
    assert_int_equal(compile_rc("[^a]{1000}", 512 * 1024, 0, &err), 0);
    assert_int_equal(compile_rc("[^a]{1000}", PD_REGEX_MIN_MEM, 0, &err), -E2BIG);
    assert_string_equal(err.msg, "too complex (its compiled form is over 8 KiB)");
    pd_err_clear(&err);
    /* a budget past the largest is clamped to it */
    assert_int_equal(compile_rc("\\pN{1000}", SIZE_MAX, 16, &err), -E2BIG);
    pd_err_clear(&err);
    /* Unicode classes are counted before parsing */
    assert_int_equal(compile_rc("\\pL\\PN", PD_REGEX_MAX_MEM, 2, &err), 0);
    assert_int_equal(compile_rc("\\pL\\p{Greek}\\PN", PD_REGEX_MAX_MEM, 2, &err), -E2BIG);
    assert_string_equal(err.msg, "3 Unicode classes (\\p, \\P), more than the 2 allowed");
    pd_err_clear(&err);
    char big[PD_REGEX_MAX_LEN + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(compile_rc(big, PD_REGEX_MAX_MEM, 0, &err), -E2BIG);
    assert_string_equal(err.msg, "longer than 4096 bytes");
}

static void test_classes_counted(void **state)
{
    (void)state;
    assert_int_equal(pd_regex_classes("a.b"), 0);
    assert_int_equal(pd_regex_classes("\\pL\\PN\\p{Greek}"), 3);
    assert_int_equal(pd_regex_classes("\\\\p"), 0);          /* an escaped backslash, then p */
    assert_int_equal(pd_regex_classes("\\Q\\pL\\E\\pL"), 1); /* quoted text is literal */
    assert_int_equal(pd_regex_classes("\\Q\\\\E\\pL"), 1);   /* \E ends the quote */
    assert_int_equal(pd_regex_classes("[\\pL\\pN]"), 2);
    assert_int_equal(pd_regex_classes("\\"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_classes_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
