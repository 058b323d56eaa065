/* Selectors: valid forms, every error with its position, regex anchoring
 * and Prometheus matching semantics. */
#include "pd_selector.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

typedef struct valid_case {
    const char *in;
    const char *want; /* matchers as name OP value, joined by ' ' */
} valid_case;

static const char *op_name(pd_match_op op)
{
    switch (op) {
    case PD_MATCH_EQ:
        return "=";
    case PD_MATCH_NEQ:
        return "!=";
    case PD_MATCH_RE:
        return "=~";
    case PD_MATCH_NRE:
        return "!~";
    }
    return "?";
}

static void test_valid(void **state)
{
    (void)state;
    static const valid_case cases[] = {
        {"{}", ""},
        {"  {  }  ", ""},
        {"{job=\"api\"}", "job=[api]"},
        {"{job=\"api\",env=~\"prod|stage\",deployment!=\"v1\",x!~\"a.*\"}",
         "job=[api] env=~[prod|stage] deployment!=[v1] x!~[a.*]"},
        {"{ job = \"api\" , env != 'x' , }", "job=[api] env!=[x]"},
        {"{\n\tjob\t=\n\"api\"\r\n}", "job=[api]"},
        {"{a=`raw\\n\"'`}", "a=[raw\\n\"']"},
        {"{a=\"q\\\"\\\\\\n\\t\\u00e9\\x41\\101\\U0001F600\"}", "a=[q\"\\\n\té"
                                                                "AA😀]"},
        {"{a='it\\'s'}", "a=[it's]"},
        {"{a=\"1\",a!=\"2\"}", "a=[1] a!=[2]"},
        {"{_x9=\"\"}", "_x9=[]"},
        {"{a=\"é ü\"}", "a=[é ü]"},
        {"{a=``}", "a=[]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_selector *sel = NULL;
        pd_err err = {{0}};
        int rc = pd_selector_parse(cases[i].in, &sel, &err);
        if (rc != 0)
            fail_msg("case %zu %s: %s", i, cases[i].in, err.msg);
        size_t n;
        const pd_store_matcher *m = pd_selector_matchers(sel, &n);
        char got[512] = "";
        for (size_t k = 0; k < n; k++) {
            size_t used = strlen(got);
            snprintf(got + used, sizeof(got) - used, "%s%s%s[%s]", k > 0 ? " " : "", m[k].name,
                     op_name(m[k].op), m[k].value);
            bool is_re = m[k].op == PD_MATCH_RE || m[k].op == PD_MATCH_NRE;
            assert_true(is_re == (m[k].re != NULL));
        }
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu %s: got %s want %s", i, cases[i].in, got, cases[i].want);
        pd_selector_free(sel);
    }
}

typedef struct error_case {
    const char *in;
    int code;
    const char *want; /* the whole message, or a prefix ending in '*' */
} error_case;

static void test_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"", -EINVAL, "unexpected end of input at position 0 (expected \"{\")"},
        {"job=\"api\"", -EINVAL, "unexpected \"j\" at position 0 (expected \"{\")"},
        {"up{a=\"b\"}", -EINVAL, "unexpected \"u\" at position 0 (expected \"{\")"},
        {"{job=\"api\", =\"x\"}", -EINVAL,
         "unexpected \"=\" at position 12 (expected a label name)"},
        {"{1a=\"x\"}", -EINVAL, "unexpected \"1\" at position 1 (expected a label name)"},
        {"{job=\"ap", -EINVAL, "unterminated string at position 5"},
        {"{a='x\n'}", -EINVAL, "unterminated string at position 3"},
        {"{a=`x}", -EINVAL, "unterminated string at position 3"},
        {"{a=x}", -EINVAL, "unexpected \"x\" at position 3 (expected a quoted string)"},
        {"{a=}", -EINVAL, "unexpected \"}\" at position 3 (expected a quoted string)"},
        {"{a~\"x\"}", -EINVAL,
         "unexpected \"~\" at position 2 (expected one of \"=\", \"!=\", \"=~\", \"!~\")"},
        {"{a!\"x\"}", -EINVAL,
         "unexpected \"!\" at position 2 (expected one of \"=\", \"!=\", \"=~\", \"!~\")"},
        {"{a=\"x\" b=\"y\"}", -EINVAL, "unexpected \"b\" at position 7 (expected \",\" or \"}\")"},
        {"{a=\"x\"", -EINVAL, "unexpected end of input at position 6 (expected \",\" or \"}\")"},
        {"{a=\"x\",", -EINVAL, "unexpected end of input at position 7 (expected a label name)"},
        {"{a=\"x\"} y", -EINVAL, "unexpected \"y\" at position 8 (expected end of input)"},
        {"{a=\"x\"}}", -EINVAL, "unexpected \"}\" at position 7 (expected end of input)"},
        {"{a=\"x\"\x01}", -EINVAL, "unexpected \"\\x01\" at position 6 (expected \",\" or \"}\")"},
        {"{a=\"x\\q\"}", -EINVAL, "invalid escape \"\\q\" at position 5"},
        {"{a=\"x\\u00\"}", -EINVAL, "invalid escape at position 5"},
        {"{a=\"x\\ud800\"}", -EINVAL, "invalid escape at position 5 (not a code point)"},
        {"{a=\"\\u0000\"}", -EINVAL, "escaped NUL at position 4 not allowed"},
        {"{env=~\"prod\",x=~\"(\"}", -EINVAL, "invalid regex for x at position 16: *"},
        {"{x!~\"a{2,1}\"}", -EINVAL, "invalid regex for x at position 4: *"},
        {"{x=~\"a)|(b\"}", -EINVAL, "invalid regex for x at position 4: *"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_selector *sel = (pd_selector *)1;
        pd_err err = {{0}};
        int rc = pd_selector_parse(cases[i].in, &sel, &err);
        assert_null(sel);
        if (rc != cases[i].code)
            fail_msg("case %zu: rc %d want %d (%s)", i, rc, cases[i].code, err.msg);
        size_t wl = strlen(cases[i].want);
        bool prefix = cases[i].want[wl - 1] == '*';
        bool ok = prefix ? strncmp(err.msg, cases[i].want, wl - 1) == 0 && err.msg[wl - 1] != '\0'
                         : strcmp(err.msg, cases[i].want) == 0;
        if (!ok)
            fail_msg("case %zu: got [%s]\nwant [%s]", i, err.msg, cases[i].want);
    }
}

static void test_prefix_and_null_err(void **state)
{
    (void)state;
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_selector_parse("{a}", &sel, &err), -EINVAL);
    pd_err_prefix(&err, "query");
    assert_string_equal(err.msg, "query: unexpected \"}\" at position 2 (expected one of \"=\", "
                                 "\"!=\", \"=~\", \"!~\")");
    assert_int_equal(pd_selector_parse("{a", &sel, NULL), -EINVAL);
    assert_null(sel);
}

static void test_too_many(void **state)
{
    (void)state;
    char in[2048] = "{";
    for (int i = 0; i <= PD_SELECTOR_MAX_MATCHERS; i++) {
        size_t used = strlen(in);
        snprintf(in + used, sizeof(in) - used, "a%d=~\"x|y\",", i);
    }
    strcat(in, "}");
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_selector_parse(in, &sel, &err), -E2BIG);
    assert_non_null(strstr(err.msg, "too many matchers"));
    in[strlen(in) - strlen("a64=~\"x|y\",}")] = '\0';
    strcat(in, "}");
    assert_int_equal(pd_selector_parse(in, &sel, &err), 0);
    size_t n;
    pd_selector_matchers(sel, &n);
    assert_int_equal(n, PD_SELECTOR_MAX_MATCHERS);
    pd_selector_free(sel);
}

/* One label set: "k=v,k2=v2" ("" = none); `absent`: a label name given
 * to pd_selector_default_absent, or NULL. */
static bool matches_absent(const char *selector, const char *absent, const char *labels)
{
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    if (pd_selector_parse(selector, &sel, &err) != 0)
        fail_msg("%s: %s", selector, err.msg);
    if (absent != NULL)
        pd_selector_default_absent(sel, absent);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", labels);
    const char *names[8], *values[8];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL && n < 8;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        names[n] = tok;
        values[n++] = eq + 1;
    }
    bool ok = pd_selector_matches(sel, names, values, n);
    pd_selector_free(sel);
    return ok;
}

static bool matches(const char *selector, const char *labels)
{
    return matches_absent(selector, NULL, labels);
}

static void test_default_absent(void **state)
{
    (void)state;
    /* not named: only series without the label */
    assert_true(matches_absent("{job=\"api\"}", "trigger", "job=api"));
    assert_false(matches_absent("{job=\"api\"}", "trigger", "job=api,trigger=manual"));
    /* named, in any way: the query decides */
    assert_true(matches_absent("{trigger=\"manual\"}", "trigger", "job=api,trigger=manual"));
    assert_true(matches_absent("{trigger=~\".*\"}", "trigger", "job=api,trigger=alert"));
    assert_true(matches_absent("{trigger=~\".*\"}", "trigger", "job=api"));
    /* a full selector still takes it (the spare place) */
    char big[2048] = "{";
    for (int i = 0; i < PD_SELECTOR_MAX_MATCHERS; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "%sl%d!=\"x\"", i ? "," : "", i);
    strcat(big, "}");
    assert_false(matches_absent(big, "trigger", "trigger=manual"));
    assert_true(matches_absent(big, "trigger", "l0=y"));
}

static void test_anchoring(void **state)
{
    (void)state;
    assert_true(matches("{env=~\"prod\"}", "env=prod"));
    assert_false(matches("{env=~\"prod\"}", "env=production"));
    assert_false(matches("{env=~\"prod\"}", "env=preprod"));
    assert_true(matches("{env=~\"prod|stage\"}", "env=stage"));
    assert_false(matches("{env=~\"prod|stage\"}", "env=prodstage"));
    assert_false(matches("{env=~\"prod|stage\"}", "env=xstage"));
    assert_true(matches("{env=~\"prod.*\"}", "env=production"));
    assert_true(matches("{env!~\"prod\"}", "env=production"));
    assert_false(matches("{env!~\"prod|stage\"}", "env=stage"));
    assert_true(matches("{x=~\"a\\\\.b\"}", "x=a.b"));
    assert_false(matches("{x=~\"a\\\\.b\"}", "x=axb"));
}

/* Peak resident memory of this process, in KiB. */
static long peak_rss_kb(void)
{
    struct rusage u;
    assert_int_equal(getrusage(RUSAGE_SELF, &u), 0);
    return u.ru_maxrss;
}

/* Patterns that made glibc's regcomp take minutes and gigabytes (found by
 * fuzzing and by hand): each is now refused or compiled at once, within the
 * selector's memory budget, and one that compiles matches correctly. */
static void test_regex_cost_bounded(void **state)
{
    (void)state;
    char stars[600] = "{x=~\"";
    for (int i = 0; i < 150; i++)
        strcat(stars, "a*");
    strcat(stars, "\"}");
    char nested[800] = "{x=~\"";
    for (int i = 0; i < 112; i++)
        strcat(nested, "(");
    strcat(nested, "a*");
    for (int i = 0; i < 112; i++)
        strcat(nested, ")*");
    strcat(nested, "\"}");
    const char *refused[] = {
        "{x=~\"a++++++++++++++++++++++++\xc9+}\"}", /* the 35-byte query of 12.5 GB */
        "{x=~`[\\]((a{1000}){1000}){1000}`}",       /* \ is an escape in RE2 brackets */
        "{x=~\"((a{1000}){1000}){1000}\"}",
        "{x=~\"(a{30000}){2}\"}",
        "{x=~\"(a{200}){200}\"}",
        "{x=~\"a{1001}\"}",
        "{x!~\"(a{20,}){600}\"}",
        "{x=~\"\\\\pL{1000}\"}", /* too complex for the budget */
    };
    long before = peak_rss_kb();
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        pd_selector *sel = NULL;
        pd_err err = {{0}};
        int rc = pd_selector_parse(refused[i], &sel, &err);
        assert_true(rc == -EINVAL || rc == -E2BIG);
        assert_null(sel);
        assert_non_null(strstr(err.msg, "invalid regex for x at position "));
    }
    /* RE2 reads {,n} as the literal text, as Go does (the test's label
     * list cannot hold a comma: the regex is matched directly) */
    pd_selector *lit = NULL;
    assert_int_equal(pd_selector_parse("{x=~\"a{,1000}{,1000}\"}", &lit, NULL), 0);
    size_t nm = 0;
    const pd_store_matcher *m = pd_selector_matchers(lit, &nm);
    assert_true(pd_regex_match(m[0].re, "a{,1000}{,1000}"));
    assert_false(pd_regex_match(m[0].re, "aaa"));
    pd_selector_free(lit);
    assert_true(matches(stars, "x=aaaa"));
    assert_false(matches(stars, "x=aaab"));
    assert_true(matches(nested, "x=aaaaaaaa"));
    assert_true(matches("{x=~\"a{3}\"}", "x=aaa"));
    assert_false(matches("{x=~\"a{3}\"}", "x=aaaa"));
    assert_true(matches("{x=~\"(ab{2}){10}\"}", "x=abbabbabbabbabbabbabbabbabbabb"));
    assert_true(matches("{x=~\"[{]9999\\\\{9999\"}", "x={9999{9999"));
    /* 64 regexes share one budget: [^a]{1000} fits a selector alone, not
     * 1/64 of it; 64 small ones do */
    char many[64 * 24 + 8] = "{";
    for (int i = 0; i < 64; i++)
        strcat(many, "x=~\"[^a]{1000}\",");
    strcat(many, "}");
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_selector_parse("{x=~\"[^a]{1000}\"}", &sel, &err), 0);
    pd_selector_free(sel);
    assert_int_equal(pd_selector_parse(many, &sel, &err), -E2BIG);
    assert_null(sel);
    assert_non_null(strstr(err.msg, "too complex"));
    char small[64 * 24 + 8] = "{";
    for (int i = 0; i < 64; i++)
        strcat(small, "x=~\"a|b|[c-f]+\",");
    strcat(small, "}");
    assert_int_equal(pd_selector_parse(small, &sel, &err), 0);
    pd_selector_free(sel);
    assert_true(peak_rss_kb() - before < 64 * 1024);
}

/* The selector's Unicode classes are counted over all its regexes. */
static void test_regex_classes_shared(void **state)
{
    (void)state;
    char ok[256] = "{x=~\"", over[sizeof(ok) + 16];
    for (int i = 0; i < PD_SELECTOR_REGEX_CLASSES / 2; i++)
        strcat(ok, "\\\\pL");
    strcat(ok, "\",y=~\"");
    for (int i = 0; i < PD_SELECTOR_REGEX_CLASSES / 2; i++)
        strcat(ok, "\\\\pN");
    snprintf(over, sizeof(over), "%s\\\\pN\"}", ok);
    strcat(ok, "\"}");
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_selector_parse(ok, &sel, &err), 0);
    pd_selector_free(sel);
    assert_int_equal(pd_selector_parse(over, &sel, &err), -E2BIG);
    assert_null(sel);
    assert_non_null(strstr(err.msg, "invalid regex for y at position"));
    char want[80];
    snprintf(want, sizeof(want), "%d Unicode classes (\\p, \\P), more than the %d allowed",
             PD_SELECTOR_REGEX_CLASSES / 2 + 1, PD_SELECTOR_REGEX_CLASSES / 2);
    assert_non_null(strstr(err.msg, want));
}

/* Prometheus' regexes are Go's (RE2 syntax), with . matching newline. */
static void test_regex_syntax(void **state)
{
    (void)state;
    assert_true(matches("{x=~\"(?i)PROD\"}", "x=prod"));
    assert_true(matches("{x=~\"\\\\d+\"}", "x=123"));
    assert_true(matches("{x=~\"(?P<v>v[0-9])\"}", "x=v2"));
    assert_true(matches("{x=~\"a.b\"}", "x=a\nb"));
    assert_true(matches("{x=~\"\\\\Qa.b\\\\E\"}", "x=a.b"));
    assert_false(matches("{x=~\"\\\\Qa.b\\\\E\"}", "x=axb"));
    assert_true(matches("{x=~\"[[:alpha:]]+\"}", "x=abc"));
    const char *refused[] = {
        "{x=~\"(a)\\\\1\"}", /* no backreferences */
        "{x=~\"(?=a)\"}",    /* no lookahead */
        "{x=~\"a**\"}",      /* Go: invalid nested repetition operator */
        "{x=~\"a)|(b\"}",    /* closes a group it did not open */
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        pd_selector *sel = NULL;
        pd_err err = {{0}};
        assert_int_equal(pd_selector_parse(refused[i], &sel, &err), -EINVAL);
        assert_null(sel);
    }
}

static void test_semantics(void **state)
{
    (void)state;
    assert_true(matches("{}", ""));
    assert_true(matches("{}", "job=api"));
    assert_true(matches("{job=\"api\"}", "env=prod,job=api"));
    assert_false(matches("{job=\"api\"}", "job=apix"));
    assert_false(matches("{job=\"api\"}", "env=prod"));
    /* an absent label is "" */
    assert_true(matches("{x=\"\"}", "job=api"));
    assert_false(matches("{x!=\"\"}", "job=api"));
    assert_true(matches("{x!=\"v\"}", "job=api"));
    assert_true(matches("{x=~\".*\"}", "job=api"));
    assert_false(matches("{x=~\".+\"}", "job=api"));
    assert_true(matches("{x!~\".+\"}", "job=api"));
    assert_true(matches("{x=~\"\"}", "job=api"));
    /* every matcher must hold, also on one name */
    assert_true(matches("{a=~\"1.*\",a!=\"12\"}", "a=13"));
    assert_false(matches("{a=~\"1.*\",a!=\"12\"}", "a=12"));
    assert_false(matches("{job=\"api\",env=\"prod\"}", "job=api,env=dev"));
    assert_true(matches("{job=\"api\",env=~\"prod|stage\",deployment!=\"v1\",x!~\"a.*\"}",
                        "job=api,env=stage,deployment=v2,x=b"));
    assert_false(matches("{job=\"api\",env=~\"prod|stage\",deployment!=\"v1\",x!~\"a.*\"}",
                         "job=api,env=stage,deployment=v2,x=abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_default_absent),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_prefix_and_null_err),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_anchoring),
        cmocka_unit_test(test_regex_cost_bounded),
        cmocka_unit_test(test_regex_syntax),
        cmocka_unit_test(test_regex_classes_shared),
        cmocka_unit_test(test_semantics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
