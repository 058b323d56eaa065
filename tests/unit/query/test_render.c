/* Renderings on small hand-built profiles: exact folded, top and JSON
 * tree outputs; structural checks of the SVGs (xmllint when available);
 * the diff ranking and colours. */
#include "pd_render.h"
#include "tp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define CPU 1 /* index of cpu/nanoseconds in the profiles below */

/* main -> b -> c: 40, main -> b: 20, main -> d: 40 (cpu); a zero sample. */
static pd_profile *profile_a(void)
{
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    tp_stack(p, "c;b;main", TP_V(1, 30), NULL);
    tp_stack(p, "b;main", TP_V(1, 20), NULL);
    tp_stack(p, "d;main", TP_V(1, 40), NULL);
    tp_stack(p, "c;b;main", TP_V(2, 10), NULL);
    tp_stack(p, "e;main", TP_V(0, 0), NULL);
    return p;
}

/* Output of a rendering as a malloc'd C string; asserts success. */
static char *take(pd_buf *b)
{
    assert_int_equal(pd_buf_append(b, "", 1), 0);
    size_t len;
    return (char *)pd_buf_steal(b, &len);
}

static char *folded(const pd_profile *p, int si)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    if (pd_render_folded(p, si, &b, &err) != 0)
        fail_msg("folded: %s", err.msg);
    return take(&b);
}

static char *top(const pd_profile *p, int si, size_t limit)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    if (pd_render_top(p, si, limit, &b, &err) != 0)
        fail_msg("top: %s", err.msg);
    return take(&b);
}

static char *tree(const pd_profile *p, int si, size_t max_nodes)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    if (pd_render_tree_json(p, si, max_nodes, &b, &err) != 0)
        fail_msg("tree: %s", err.msg);
    return take(&b);
}

static void check_str(char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", got, want);
    free(got);
}

static void test_folded(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    check_str(folded(p, CPU), "main;b 20\nmain;b;c 40\nmain;d 40\n");
    check_str(folded(p, 0), "main;b 1\nmain;b;c 3\nmain;d 1\n");
    pd_profile_free(p);
}

static void test_folded_inline_and_addresses(void **state)
{
    (void)state;
    pd_profile *p = tp_new("cpu/nanoseconds", NULL, 0);
    uint32_t inl = tp_loc(p, 0, 0x1000, "inl:5;outer:10");
    uint32_t noline = tp_loc(p, 0, 0xabc, NULL);
    uint32_t mainloc = tp_fnloc(p, "main");
    tp_sample_locs(p, (const uint32_t[]){inl, mainloc}, 2, TP_V(7), NULL);
    tp_sample_locs(p, (const uint32_t[]){noline, mainloc}, 2, TP_V(3), NULL);
    tp_sample_locs(p, (const uint32_t[]){inl, mainloc}, 2, TP_V(-7), NULL); /* sums to 0 */
    tp_sample_locs(p, (const uint32_t[]){inl, noline, mainloc}, 3, TP_V(2), NULL);
    tp_sample_locs(p, NULL, 0, TP_V(5), NULL); /* no frames */
    check_str(folded(p, 0), "main;0xabc 3\nmain;0xabc;outer;inl 2\n");
    check_str(top(p, 0, 0), "{\"sample_type\":\"cpu\",\"unit\":\"nanoseconds\",\"total\":10,"
                            "\"rows\":[{\"function\":\"0xabc\",\"flat\":3,\"flat_pct\":30.0,"
                            "\"cum\":5,\"cum_pct\":50.0},"
                            "{\"function\":\"inl\",\"flat\":2,\"flat_pct\":20.0,\"cum\":2,"
                            "\"cum_pct\":20.0},"
                            "{\"function\":\"main\",\"flat\":0,\"flat_pct\":0.0,\"cum\":5,"
                            "\"cum_pct\":50.0},"
                            "{\"function\":\"outer\",\"flat\":0,\"flat_pct\":0.0,\"cum\":2,"
                            "\"cum_pct\":20.0}]}");
    pd_profile_free(p);
}

static void test_top(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    check_str(top(p, CPU, 0),
              "{\"sample_type\":\"cpu\",\"unit\":\"nanoseconds\",\"total\":100,\"rows\":["
              "{\"function\":\"c\",\"flat\":40,\"flat_pct\":40.0,\"cum\":40,\"cum_pct\":40.0},"
              "{\"function\":\"d\",\"flat\":40,\"flat_pct\":40.0,\"cum\":40,\"cum_pct\":40.0},"
              "{\"function\":\"b\",\"flat\":20,\"flat_pct\":20.0,\"cum\":60,\"cum_pct\":60.0},"
              "{\"function\":\"main\",\"flat\":0,\"flat_pct\":0.0,\"cum\":100,"
              "\"cum_pct\":100.0}]}");
    check_str(top(p, CPU, 2),
              "{\"sample_type\":\"cpu\",\"unit\":\"nanoseconds\",\"total\":100,\"rows\":["
              "{\"function\":\"c\",\"flat\":40,\"flat_pct\":40.0,\"cum\":40,\"cum_pct\":40.0},"
              "{\"function\":\"d\",\"flat\":40,\"flat_pct\":40.0,\"cum\":40,\"cum_pct\":40.0}]}");
    pd_profile_free(p);

    /* recursion counts once in cum; percentages rounded to 2 decimals */
    p = tp_new("samples/count", NULL, 0);
    tp_stack(p, "f;f;main", TP_V(1), NULL);
    tp_stack(p, "main", TP_V(2), NULL);
    check_str(top(p, 0, 0),
              "{\"sample_type\":\"samples\",\"unit\":\"count\",\"total\":3,\"rows\":["
              "{\"function\":\"main\",\"flat\":2,\"flat_pct\":66.67,\"cum\":3,\"cum_pct\":100.0},"
              "{\"function\":\"f\",\"flat\":1,\"flat_pct\":33.33,\"cum\":1,\"cum_pct\":33.33}]}");
    check_str(folded(p, 0), "main 2\nmain;f;f 1\n");
    pd_profile_free(p);
}

static void test_tree(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    check_str(tree(p, CPU, 0), "{\"name\":\"total\",\"self\":0,\"total\":100,\"children\":["
                               "{\"name\":\"main\",\"self\":0,\"total\":100,\"children\":["
                               "{\"name\":\"b\",\"self\":20,\"total\":60,\"children\":["
                               "{\"name\":\"c\",\"self\":40,\"total\":40,\"children\":[]}]},"
                               "{\"name\":\"d\",\"self\":40,\"total\":40,\"children\":[]}]}]}");
    /* capped at 3 nodes: total, main, b; d and c fold into "other" */
    check_str(tree(p, CPU, 3), "{\"name\":\"total\",\"self\":0,\"total\":100,\"children\":["
                               "{\"name\":\"main\",\"self\":0,\"total\":100,\"children\":["
                               "{\"name\":\"b\",\"self\":20,\"total\":60,\"children\":["
                               "{\"name\":\"other\",\"self\":40,\"total\":40,\"children\":[]}]},"
                               "{\"name\":\"other\",\"self\":40,\"total\":40,\"children\":[]}]}]}");
    check_str(tree(p, CPU, 1), "{\"name\":\"total\",\"self\":0,\"total\":100,\"children\":["
                               "{\"name\":\"other\",\"self\":100,\"total\":100,"
                               "\"children\":[]}]}");
    pd_profile_free(p);

    /* "other" takes its place by total; names are escaped */
    p = tp_new("samples/count", NULL, 0);
    tp_stack(p, "x;main", TP_V(5), NULL);
    tp_stack(p, "y;main", TP_V(3), NULL);
    tp_stack(p, "z;main", TP_V(4), NULL);
    tp_stack(p, "q\"\\\n", TP_V(1), NULL);
    check_str(tree(p, 0, 3), "{\"name\":\"total\",\"self\":0,\"total\":13,\"children\":["
                             "{\"name\":\"main\",\"self\":0,\"total\":12,\"children\":["
                             "{\"name\":\"other\",\"self\":7,\"total\":7,\"children\":[]},"
                             "{\"name\":\"x\",\"self\":5,\"total\":5,\"children\":[]}]},"
                             "{\"name\":\"other\",\"self\":1,\"total\":1,\"children\":[]}]}");
    check_str(tree(p, 0, 0), "{\"name\":\"total\",\"self\":0,\"total\":13,\"children\":["
                             "{\"name\":\"main\",\"self\":0,\"total\":12,\"children\":["
                             "{\"name\":\"x\",\"self\":5,\"total\":5,\"children\":[]},"
                             "{\"name\":\"z\",\"self\":4,\"total\":4,\"children\":[]},"
                             "{\"name\":\"y\",\"self\":3,\"total\":3,\"children\":[]}]},"
                             "{\"name\":\"q\\\"\\\\\\u000a\",\"self\":1,\"total\":1,"
                             "\"children\":[]}]}");
    pd_profile_free(p);
}

/* --- SVG ------------------------------------------------------------------- */

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *at = strstr(s, needle); at != NULL; at = strstr(at + 1, needle))
        n++;
    return n;
}

/* Well-formed XML, by xmllint when PD_XMLLINT names it. */
static void check_xml(const char *svg)
{
    const char *xmllint = getenv("PD_XMLLINT");
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_int_equal(count(svg, "<g>"), count(svg, "</g>"));
    /* a frame is <g><title/><rect/>...</g>; a diff's legend has keys */
    assert_int_equal(count(svg, "<rect ") - count(svg, "<rect class=\"key\""),
                     count(svg, "<title>"));
    size_t len = strlen(svg);
    assert_true(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0);
    if (xmllint == NULL || xmllint[0] == '\0') {
        print_message("xmllint not available: well-formedness not checked\n");
        return;
    }
    char path[] = "/tmp/pd_query_svg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, svg, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "'%s' --noout '%s'", xmllint, path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

static char *svg(const pd_profile *p, int si, bool diff)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    int rc = diff ? pd_render_svg_diff(p, si, "diff & co", &b, &err)
                  : pd_render_svg(p, si, "cpu <test>", &b, &err);
    if (rc != 0)
        fail_msg("svg: %s", err.msg);
    return take(&b);
}

static void test_svg(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    char *s = svg(p, CPU, false);
    check_xml(s);
    assert_int_equal(count(s, "<rect "), 5); /* total, main, b, c, d */
    assert_non_null(strstr(s, "<title>total (100 nanoseconds, 100.00%)</title>"));
    assert_non_null(strstr(s, "<title>main (100 nanoseconds, 100.00%)</title>"));
    assert_non_null(strstr(s, "<title>b (60 nanoseconds, 60.00%)</title>"));
    assert_non_null(strstr(s, "<title>c (40 nanoseconds, 40.00%)</title>"));
    assert_non_null(strstr(s, ">cpu &lt;test&gt;</text>"));
    assert_non_null(strstr(s, ">total 100 ns</text>"));
    assert_non_null(strstr(s, "width=\"1200\""));
    assert_null(strstr(s, "<script")); /* self-contained, no scripts */
    assert_null(strstr(s, "href"));
    /* deterministic */
    char *again = svg(p, CPU, false);
    assert_string_equal(s, again);
    free(again);
    free(s);
    pd_profile_free(p);
}

static void test_svg_truncation_and_tiny(void **state)
{
    (void)state;
    static const char long_name[] =
        "github.com/example/very/long/package/path.(*Type).SomeVeryLongMethodName";
    pd_profile *p = tp_new("cpu/nanoseconds", NULL, 0);
    char stack[256];
    snprintf(stack, sizeof(stack), "%s;main", long_name);
    tp_stack(p, stack, TP_V(500), NULL);     /* 59 px: "path.(" and ".." fit */
    tp_stack(p, "tiny;main", TP_V(1), NULL); /* 0.118 px: omitted */
    tp_stack(p, "big;main", TP_V(8499), NULL);
    tp_stack(p, "x<&>\"'y;main", TP_V(1000), NULL);
    char *s = svg(p, 0, false);
    check_xml(s);
    assert_int_equal(count(s, "<rect "), 5); /* total, main, long, big, x<&>y */
    assert_null(strstr(s, "tiny"));
    char want[256];
    snprintf(want, sizeof(want), "<title>%s (500 nanoseconds, 5.00%%)</title>", long_name);
    assert_non_null(strstr(s, want));
    /* labelled by the short name (pprof's), titled by the whole */
    assert_non_null(strstr(s, ">path.(..</text>"));
    assert_non_null(strstr(s, "<title>x&lt;&amp;&gt;&quot;&apos;y (1000 nanoseconds, 10.00%)"));
    free(s);
    pd_profile_free(p);

    /* nothing to draw is still a valid document */
    p = tp_new("cpu/nanoseconds", NULL, 0);
    s = svg(p, 0, false);
    check_xml(s);
    assert_int_equal(count(s, "<rect "), 0);
    assert_non_null(strstr(s, "No samples"));
    free(s);
    pd_profile_free(p);
}

/* Where the frame whose title starts with `title` has its <title>; fails
 * the test if there is none. */
static const char *frame_of(const char *svg_text, const char *title)
{
    char needle[160];
    snprintf(needle, sizeof(needle), "<title>%s", title);
    const char *at = strstr(svg_text, needle);
    if (at == NULL)
        fail_msg("no frame %s", title);
    return at;
}

/* The label of the frame whose title starts with `title` ("" if none):
 * its <text> attributes and text. */
static void label_of(const char *svg_text, const char *title, char *out, size_t cap)
{
    const char *at = frame_of(svg_text, title);
    const char *end = strstr(at, "</g>");
    at = strstr(at, "<text ");
    out[0] = '\0';
    if (at == NULL || at > end)
        return;
    at += 6;
    size_t n = (size_t)(strstr(at, "</text>") - at);
    assert_true(n < cap);
    memcpy(out, at, n);
    out[n] = '\0';
}

/* Labels are cut by per-character widths, not one average: a name of W
 * (11.9 px each in Verdana/DejaVu) would overflow the frame with the
 * 7.08 px flamegraph.pl assumes. Each label sits in a nested <svg> the size
 * of its frame, which clips whatever a wider font still overflows. */
static void test_svg_label_widths(void **state)
{
    (void)state;
    pd_profile *p = tp_new("cpu/nanoseconds", NULL, 0);
    /* 1180 px over 10000: 146.3 px, 140.3 for text after the 3 px insets */
    tp_stack(p, "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW;main", TP_V(1240), NULL);
    tp_stack(p, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii;main", TP_V(1240), NULL);
    tp_stack(p, "ab;main", TP_V(5), NULL); /* 0.6 px: no room for text */
    tp_stack(p, "wide;main", TP_V(7515), NULL);
    char *s = svg(p, 0, false);
    check_xml(s);
    char got[256];
    label_of(s, "WWWW", got, sizeof(got)); /* 11 x 11.9 + ".." 8.8 = 139.7 */
    assert_string_equal(got, "x=\"3\" y=\"12\">WWWWWWWWWWW..");
    label_of(s, "iiii", got, sizeof(got)); /* 40 x 3.4 = 136: whole */
    assert_string_equal(got, "x=\"3\" y=\"12\">iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii");
    label_of(s, "ab ", got, sizeof(got));
    assert_string_equal(got, "");
    /* the clip: the label's viewport is the frame's rectangle */
    const char *at = strstr(s, "<title>WWWW");
    assert_non_null(at);
    assert_non_null(strstr(at, "<rect x=\"10.0\" y=\"56\" width=\"146.3\" height=\"15\""));
    assert_non_null(strstr(at, "<svg x=\"10.0\" y=\"56\" width=\"146.3\" height=\"15\"><text "));
    assert_int_equal(count(s, "<svg "), 1 + 5); /* root, and every frame but "ab" */
    assert_int_equal(count(s, "</svg>"), 1 + 5);
    free(s);
    pd_profile_free(p);
}

/* A title wider than the graph is cut with "..": centred, it would lose
 * both ends. */
static void test_svg_long_title(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    char title[400];
    memset(title, 'x', sizeof(title) - 1); /* 7.1 px each at 12px, 10.1 at 17px */
    title[sizeof(title) - 1] = '\0';
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    assert_int_equal(pd_render_svg(p, CPU, title, &b, &err), 0);
    char *s = take(&b);
    check_xml(s);
    /* 1180 px: 116 x 10.06 + ".." 12.47 = 1179.2 */
    char want[200] = ">";
    memset(want + 1, 'x', 116);
    strcpy(want + 117, "..</text>");
    assert_non_null(strstr(s, want));
    free(s);
    pd_profile_free(p);
}

/* The unit is the profile's own string: escaped like names, or one '<' in
 * it breaks the document. U+FFFE and U+FFFF are valid UTF-8 but not XML
 * characters: a browser refuses the whole SVG for one of them. */
static void test_svg_hostile_strings(void **state)
{
    (void)state;
    pd_profile *p = tp_new("cpu/ns<&>\"'", NULL, 0);
    tp_stack(p,
             "a\xef\xbf\xbe"
             "b\xef\xbf\xbf"
             "c\xef\xbf\xbd"
             "d;main",
             TP_V(10), NULL);
    char *s = svg(p, 0, false);
    check_xml(s);
    assert_non_null(strstr(s, "<title>main (10 ns&lt;&amp;&gt;&quot;&apos;, 100.00%)</title>"));
    assert_non_null(strstr(s, "<title>a?b?c\xef\xbf\xbd"
                              "d (10 ns&lt;")); /* U+FFFD is fine */
    assert_null(strstr(s, "\xef\xbf\xbe"));
    assert_null(strstr(s, "\xef\xbf\xbf"));
    free(s);
    pd_profile_free(p);
}

/* --- diff ------------------------------------------------------------------ */

static pd_profile *diff_side(int64_t grow, int64_t shrink, int64_t same)
{
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    tp_stack(p, "grow;main", TP_V(1, grow), NULL);
    tp_stack(p, "shrink;main", TP_V(1, shrink), NULL);
    tp_stack(p, "same;main", TP_V(1, same), NULL);
    return p;
}

static void test_top_diff(void **state)
{
    (void)state;
    pd_profile *base = diff_side(10, 50, 40);   /* total 100 */
    pd_profile *target = diff_side(60, 20, 40); /* total 120 */
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    assert_int_equal(pd_render_top_diff(base, target, CPU, 0, &b, &err), 0);
    check_str(take(&b),
              "{\"sample_type\":\"cpu\",\"unit\":\"nanoseconds\",\"base_total\":100,"
              "\"target_total\":120,\"rows\":["
              "{\"function\":\"grow\",\"flat_delta_pct\":40.0,\"cum_delta_pct\":40.0,"
              "\"base_flat\":10,\"base_flat_pct\":10.0,\"target_flat\":60,"
              "\"target_flat_pct\":50.0,\"base_cum\":10,\"base_cum_pct\":10.0,"
              "\"target_cum\":60,\"target_cum_pct\":50.0},"
              "{\"function\":\"main\",\"flat_delta_pct\":0.0,\"cum_delta_pct\":0.0,"
              "\"base_flat\":0,\"base_flat_pct\":0.0,\"target_flat\":0,"
              "\"target_flat_pct\":0.0,\"base_cum\":100,\"base_cum_pct\":100.0,"
              "\"target_cum\":120,\"target_cum_pct\":100.0},"
              "{\"function\":\"same\",\"flat_delta_pct\":-6.67,\"cum_delta_pct\":-6.67,"
              "\"base_flat\":40,\"base_flat_pct\":40.0,\"target_flat\":40,"
              "\"target_flat_pct\":33.33,\"base_cum\":40,\"base_cum_pct\":40.0,"
              "\"target_cum\":40,\"target_cum_pct\":33.33},"
              "{\"function\":\"shrink\",\"flat_delta_pct\":-33.33,\"cum_delta_pct\":-33.33,"
              "\"base_flat\":50,\"base_flat_pct\":50.0,\"target_flat\":20,"
              "\"target_flat_pct\":16.67,\"base_cum\":50,\"base_cum_pct\":50.0,"
              "\"target_cum\":20,\"target_cum_pct\":16.67}]}");
    /* limit keeps the largest regressions */
    pd_buf_init(&b, 0);
    assert_int_equal(pd_render_top_diff(base, target, CPU, 1, &b, &err), 0);
    char *s = take(&b);
    assert_non_null(strstr(s, "\"function\":\"grow\""));
    assert_null(strstr(s, "\"function\":\"shrink\""));
    free(s);
    /* a function only in one side */
    pd_profile *t2 = diff_side(60, 20, 40);
    tp_stack(t2, "fresh;main", TP_V(1, 80), NULL); /* total 200: fresh 40% */
    pd_buf_init(&b, 0);
    assert_int_equal(pd_render_top_diff(base, t2, CPU, 0, &b, &err), 0);
    s = take(&b);
    char *fresh = strstr(s, "\"function\":\"fresh\""), *grow = strstr(s, "\"function\":\"grow\"");
    assert_non_null(fresh);
    assert_non_null(grow);
    assert_true(fresh < grow); /* +40 before +20 */
    free(s);
    pd_profile_free(t2);
    pd_profile_free(base);
    pd_profile_free(target);
}

/* The fill of the frame whose title starts with `title`. */
static void fill_of(const char *svg_text, const char *title, char *out, size_t cap)
{
    const char *at = strstr(frame_of(svg_text, title), "fill=\"");
    assert_non_null(at);
    at += 6;
    size_t n = strcspn(at, "\"");
    assert_true(n < cap);
    memcpy(out, at, n);
    out[n] = '\0';
}

/* Frames are labelled with pprof's short names, as Go 1.19's pprof makes
 * them (each expectation is its output): the package path and a /vN major
 * version go, a '/' after the path (a type argument's) stays. */
static void test_svg_short_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *label;
    } cases[] = {
        {"runtime/pprof.StartCPUProfile", "pprof.StartCPUProfile"},
        {"github.com/prometheus/prometheus/promql.(*evaluator).rangeEval",
         "promql.(*evaluator).rangeEval"},
        {"github.com/x/y.F[go.shape.*github.com/x/z.T]", "y.F[go.shape.*github.com/x/z.T]"},
        {"main.main", "main.main"},
        {"a/b", "b"},
        {"/usr/lib/libc.so.6", "/usr/lib/libc.so.6"}, /* no path starts with '/' */
        {"github.com/redis/go-redis/v9.(*baseClient).process", "go-redis.(*baseClient).process"},
        {"gopkg.in/yaml.v3.(*parser).parse", "yaml.v3.(*parser).parse"},
        {"example.com/m/v10/pkg.F", "pkg.F"},
        {"example.com/m/v1/pkg.F", "pkg.F"},
        {"foo/v2.Bar", "foo.Bar"},
        {"a//b.c", "/b.c"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *p = tp_new("cpu/nanoseconds", NULL, 0);
        tp_stack(p, cases[i].name, TP_V(100), NULL);
        char *s = svg(p, 0, false);
        char got[256], want[256];
        label_of(s, cases[i].name, got, sizeof(got));
        snprintf(want, sizeof(want), "x=\"3\" y=\"12\">%s", cases[i].label);
        assert_string_equal(got, want);
        free(s);
        pd_profile_free(p);
    }
}

static void test_svg_diff(void **state)
{
    (void)state;
    pd_profile *base = diff_side(10, 50, 40);
    pd_profile *target = diff_side(60, 20, 40);
    tp_stack(base, "gone;main", TP_V(1, 30), NULL); /* only in the base */
    pd_profile *d = NULL;
    pd_err err = {{0}};
    if (pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &d, &err) != 0)
        fail_msg("diff: %s", err.msg);
    char *s = svg(d, CPU, true);
    check_xml(s);
    /* the union: total, main, grow, same, shrink, and gone, drawn blue */
    assert_int_equal(count(s, "<g><title>"), 6);
    assert_non_null(strstr(s, "<title>gone (0 nanoseconds, 0.00%; base 30, delta -30)</title>"));
    char gone[64];
    fill_of(s, "gone ", gone, sizeof(gone));
    assert_string_equal(gone, "rgb(88,88,255)"); /* 30/50 of the largest */
    /* widths are base + target: grow 70 of the root's 250 */
    const char *g = strstr(frame_of(s, "grow "), "width=\"");
    assert_non_null(g);
    assert_true(strncmp(g, "width=\"330.4\" ", 14) == 0); /* 1180 * 70 / 250 */
    /* the legend says what red, blue and the widths mean */
    assert_non_null(strstr(s, ">grew in the target</text>"));
    assert_non_null(strstr(s, ">shrank (or only in the base)</text>"));
    assert_non_null(strstr(s, ">width: base + target</text>"));
    assert_non_null(strstr(s, ">diff &amp; co</text>"));
    assert_non_null(strstr(s, ">target total 120 ns, base total 130 ns</text>"));
    assert_non_null(strstr(s, "<title>grow (60 nanoseconds, 50.00%; base 10, delta +50)</title>"));
    assert_non_null(
        strstr(s, "<title>shrink (20 nanoseconds, 16.67%; base 50, delta -30)</title>"));
    assert_non_null(strstr(s, "diff &amp; co"));
    char fill[64];
    fill_of(s, "grow ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(255,0,0)"); /* the largest growth: full red */
    fill_of(s, "shrink ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(88,88,255)"); /* 30/50 of the largest: blue */
    fill_of(s, "same ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(220,220,220)");
    fill_of(s, "main ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(176,176,255)"); /* -10 of 50: gone took 30 */
    free(s);
    pd_profile_free(d);
}

/* Without normalization the root's delta is the sum of its children's and
 * the largest of all: it sets the scale (it used to be left out, giving
 * the root rgb(255,-220,-220)). Text on the deepest blues is white: black
 * on rgb(0,0,255) contrasts 2.4:1. */
static void test_tree_diff(void **state)
{
    (void)state;
    pd_profile *base = diff_side(10, 50, 40);
    pd_profile *target = diff_side(60, 20, 40);
    tp_stack(base, "gone;main", TP_V(1, 30), NULL); /* only in the base */
    pd_profile *d = NULL;
    pd_err err = {{0}};
    if (pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &d, &err) != 0)
        fail_msg("diff: %s", err.msg);
    pd_buf b;
    pd_buf_init(&b, 0);
    assert_int_equal(pd_render_tree_json_diff(d, CPU, 0, &b, &err), 0);
    /* children by width (total + base): grow 70, shrink 70, same 80, gone 30;
     * the base-only frame is kept with total 0 */
    check_str(take(&b),
              "{\"name\":\"total\",\"self\":0,\"total\":120,\"base\":130,\"children\":["
              "{\"name\":\"main\",\"self\":0,\"total\":120,\"base\":130,\"children\":["
              "{\"name\":\"same\",\"self\":40,\"total\":40,\"base\":40,\"children\":[]},"
              "{\"name\":\"grow\",\"self\":60,\"total\":60,\"base\":10,\"children\":[]},"
              "{\"name\":\"shrink\",\"self\":20,\"total\":20,\"base\":50,\"children\":[]},"
              "{\"name\":\"gone\",\"self\":0,\"total\":0,\"base\":30,\"children\":[]}]}]}");
    /* capped: the narrowest (gone, then shrink) fold into "other", which
     * keeps both sides' sums */
    pd_buf_init(&b, 0);
    assert_int_equal(pd_render_tree_json_diff(d, CPU, 4, &b, &err), 0);
    check_str(take(&b),
              "{\"name\":\"total\",\"self\":0,\"total\":120,\"base\":130,\"children\":["
              "{\"name\":\"main\",\"self\":0,\"total\":120,\"base\":130,\"children\":["
              "{\"name\":\"other\",\"self\":20,\"total\":20,\"base\":80,\"children\":[]},"
              "{\"name\":\"same\",\"self\":40,\"total\":40,\"base\":40,\"children\":[]},"
              "{\"name\":\"grow\",\"self\":60,\"total\":60,\"base\":10,\"children\":[]}]}]}");
    pd_profile_free(d);
}

static void test_svg_diff_root_and_text(void **state)
{
    (void)state;
    pd_profile *base = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    pd_profile *target = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10);
    tp_stack(base, "work;main", TP_V(1, 100), NULL);
    tp_stack(base, "gc;runtime.gcBgMarkWorker", TP_V(1, 100), NULL);
    tp_stack(target, "work;main", TP_V(1, 200), NULL);
    tp_stack(target, "gc;runtime.gcBgMarkWorker", TP_V(1, 200), NULL);
    pd_profile *d = NULL;
    pd_err err = {{0}};
    if (pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &d, &err) != 0)
        fail_msg("diff: %s", err.msg);
    char *s = svg(d, CPU, true);
    check_xml(s);
    assert_null(strstr(s, "\"-")); /* no negative coordinate */
    assert_null(strstr(s, ",-"));  /* nor colour component */
    char fill[64];
    fill_of(s, "total ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(255,0,0)"); /* +200 */
    fill_of(s, "main ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(255,110,110)"); /* +100 of 200 */
    char got[128];
    label_of(s, "total ", got, sizeof(got));
    assert_string_equal(got, "x=\"3\" y=\"12\">total"); /* black on red: 5.3:1 */
    free(s);
    pd_profile_free(d);

    /* everything shrank: deep blue, white text; pale blue keeps black */
    base = diff_side(10, 50, 40);
    target = diff_side(10, 20, 40);
    if (pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &d, &err) != 0)
        fail_msg("diff: %s", err.msg);
    s = svg(d, CPU, true);
    check_xml(s);
    fill_of(s, "shrink ", fill, sizeof(fill));
    assert_string_equal(fill, "rgb(0,0,255)");
    label_of(s, "shrink ", got, sizeof(got));
    assert_string_equal(got, "x=\"3\" y=\"12\" class=\"w\">shrink");
    assert_non_null(strstr(s, "text.w{fill:#fff}"));
    label_of(s, "same ", got, sizeof(got)); /* grey */
    assert_string_equal(got, "x=\"3\" y=\"12\">same");
    free(s);
    pd_profile_free(d);
}

/* --- errors ---------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    pd_profile *p = profile_a();
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_err err = {{0}};
    assert_int_equal(pd_render_folded(p, 2, &b, &err), -EINVAL);
    assert_string_equal(err.msg, "sample type index 2 out of range (profile has 2)");
    assert_int_equal(pd_render_top(p, -1, 0, &b, NULL), -EINVAL);
    assert_int_equal(pd_render_tree_json(p, 5, 0, &b, NULL), -EINVAL);
    assert_int_equal(pd_render_svg(p, 5, NULL, &b, NULL), -EINVAL);
    assert_int_equal(pd_render_svg_diff(p, 5, NULL, &b, NULL), -EINVAL);
    assert_int_equal(pd_render_top_diff(p, p, 5, 0, &b, NULL), -EINVAL);
    pd_profile *other = tp_new("samples/count,alloc_space/bytes", NULL, 0);
    assert_int_equal(pd_render_top_diff(p, other, CPU, 0, &b, NULL), -EINVAL);
    pd_profile_free(other);
    assert_int_equal(b.len, 0);

    /* a bounded buffer: -E2BIG and the buffer as it was */
    pd_buf_init(&b, 16);
    assert_int_equal(pd_buf_append(&b, "abc", 3), 0);
    pd_err_clear(&err);
    assert_int_equal(pd_render_folded(p, CPU, &b, &err), -E2BIG);
    assert_int_equal(b.len, 3);
    assert_string_equal(err.msg, "folded output exceeds 16 bytes");
    assert_int_equal(pd_render_top(p, CPU, 0, &b, NULL), -E2BIG);
    assert_int_equal(b.len, 3);
    assert_int_equal(pd_render_tree_json(p, CPU, 0, &b, NULL), -E2BIG);
    assert_int_equal(b.len, 3);
    assert_int_equal(pd_render_svg(p, CPU, NULL, &b, NULL), -E2BIG);
    assert_int_equal(b.len, 3);
    assert_int_equal(pd_render_svg_diff(p, CPU, NULL, &b, NULL), -E2BIG);
    assert_int_equal(b.len, 3);
    assert_int_equal(pd_render_top_diff(p, p, CPU, 0, &b, NULL), -E2BIG);
    assert_int_equal(b.len, 3);
    pd_buf_free(&b);
    pd_profile_free(p);
}

/* A deep stack must not recurse in the renderers, and a wide profile is
 * capped in JSON. */
static void test_deep_and_wide(void **state)
{
    (void)state;
    pd_profile *p = tp_new("samples/count", NULL, 0);
    enum { DEPTH = 10000 }; /* under the default cap of 20000 nodes */
    static uint32_t locs_one[2000];
    uint32_t *locs = calloc(DEPTH, sizeof(*locs));
    assert_non_null(locs);
    uint32_t a = tp_fnloc(p, "a"), bb = tp_fnloc(p, "b");
    for (uint32_t i = 0; i < DEPTH; i++)
        locs[i] = i % 2 ? a : bb;
    tp_sample_locs(p, locs, DEPTH, TP_V(1), NULL);
    free(locs);
    for (int i = 0; i < 300; i++) {
        char stack[32];
        snprintf(stack, sizeof(stack), "w%d;main", i);
        tp_stack(p, stack, TP_V(i + 1), NULL);
    }
    char *s = tree(p, 0, 0);
    assert_int_equal(count(s, "\"name\""), 1 + DEPTH + 1 + 300);
    free(s);
    s = tree(p, 0, 100);
    assert_int_equal(count(s, "\"name\""), 100 + 2); /* kept + one "other" each for 2 */
    free(s);
    pd_profile_free(p);

    /* the deep stack alone: every frame is full width */
    p = tp_new("samples/count", NULL, 0);
    for (uint32_t i = 0; i < 2000; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%u", i);
        locs_one[i] = tp_fnloc(p, name);
    }
    tp_sample_locs(p, locs_one, 2000, TP_V(3), NULL);
    s = svg(p, 0, false);
    check_xml(s);
    assert_int_equal(count(s, "<rect "), 2001);
    free(s);
    pd_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded),
        cmocka_unit_test(test_folded_inline_and_addresses),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_svg_truncation_and_tiny),
        cmocka_unit_test(test_svg_label_widths),
        cmocka_unit_test(test_svg_long_title),
        cmocka_unit_test(test_svg_hostile_strings),
        cmocka_unit_test(test_top_diff),
        cmocka_unit_test(test_svg_short_names),
        cmocka_unit_test(test_svg_diff),
        cmocka_unit_test(test_tree_diff),
        cmocka_unit_test(test_svg_diff_root_and_text),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_deep_and_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
