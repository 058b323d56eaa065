/* config/relabel: each Prometheus action, $-expansion, hashmod against
 * md5 reference values, and rule checks. */
#include "pd_relabel.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* Builds a label set from "name=value" strings. */
static void labels_of(pd_labels *ls, const char *const *kv, size_t n)
{
    pd_labels_init(ls);
    for (size_t i = 0; i < n; i++) {
        char name[64];
        const char *eq = strchr(kv[i], '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq - kv[i]), kv[i]);
        pd_labels_set(ls, name, eq + 1);
    }
}

static void assert_labels(const pd_labels *ls, const char *want)
{
    char buf[512];
    pd_labels_format(ls, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "want %s\ngot  %s\n", want, buf);
    assert_string_equal(buf, want);
}

static const char *const base_kv[] = {"__address__=10.0.0.7:6060", "job=api", "env=prod",
                                      "__meta_team_owner=infra", "__meta_team_tier=1"};
#define BASE(ls) labels_of(ls, base_kv, sizeof(base_kv) / sizeof(base_kv[0]))

/* Compiles `r`, applies it to the base labels and checks the outcome. */
static void run(pd_relabel_rule *r, bool want_keep, const char *want)
{
    pd_err err = {{0}};
    int rc = pd_relabel_compile(r, &err);
    if (rc != 0)
        fprintf(stderr, "compile: %s\n", err.msg);
    assert_int_equal(rc, 0);
    pd_relabel_release(r); /* release then compile again: no leak */
    assert_int_equal(pd_relabel_compile(r, &err), 0);
    pd_labels ls;
    BASE(&ls);
    assert_int_equal(pd_relabel_apply(r, 1, &ls), want_keep);
    if (want != NULL)
        assert_labels(&ls, want);
    pd_labels_free(&ls);
    pd_relabel_release(r);
}

static const char *const addr[] = {"__address__"};
static const char *const addr_env[] = {"__address__", "env"};
static const char *const missing[] = {"nope"};

static void test_replace(void **state)
{
    (void)state;
    /* defaults: regex (.*), replacement $1 */
    pd_relabel_rule r = {.source_labels = addr_env, .nsource_labels = 2, .target_label = "x"};
    run(&r, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", job=\"api\", x=\"10.0.0.7:6060;prod\"}");
    /* groups, ${n}, literal text, $$ */
    pd_relabel_rule r2 = {.source_labels = addr,
                          .nsource_labels = 1,
                          .regex = "([^:]+):([0-9]+)",
                          .target_label = "host",
                          .replacement = "${1}_$2$$"};
    run(&r2, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", host=\"10.0.0.7_6060$\", job=\"api\"}");
    /* the regex is anchored: a partial match does nothing */
    pd_relabel_rule r3 = {
        .source_labels = addr, .nsource_labels = 1, .regex = "10\\.0", .target_label = "y"};
    run(&r3, true, NULL);
    pd_labels ls;
    BASE(&ls);
    assert_int_equal(pd_relabel_compile(&r3, NULL), 0);
    assert_true(pd_relabel_apply(&r3, 1, &ls));
    assert_null(pd_labels_get(&ls, "y"));
    pd_relabel_release(&r3);
    pd_labels_free(&ls);
    /* $1x is ${1x}, a group name that does not exist: empty, so the label is
     * deleted (Go's Expand); an empty result deletes the target label */
    pd_relabel_rule r4 = {
        .source_labels = addr, .nsource_labels = 1, .target_label = "env", .replacement = "$1x"};
    run(&r4, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "job=\"api\"}");
    /* target label from the match; a missing source label reads as "" */
    pd_relabel_rule r5 = {.source_labels = addr,
                          .nsource_labels = 1,
                          .regex = "([0-9]+)\\..*",
                          .target_label = "net_$1",
                          .replacement = "yes"};
    run(&r5, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", job=\"api\", net_10=\"yes\"}");
    pd_relabel_rule r6 = {.source_labels = missing,
                          .nsource_labels = 1,
                          .regex = "",
                          .target_label = "empty",
                          .replacement = "was-empty"};
    run(&r6, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "empty=\"was-empty\", env=\"prod\", job=\"api\"}");
    /* a malformed $ stays literal */
    pd_relabel_rule r7 = {
        .source_labels = addr, .nsource_labels = 1, .target_label = "m", .replacement = "a$-${b"};
    run(&r7, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", job=\"api\", m=\"a$-${b\"}");
}

/* Prometheus' regexes are Go's: named groups expand by name, (?i) and \d
 * work; shapes that took glibc minutes and gigabytes are refused at once. */
static void test_re2_syntax(void **state)
{
    (void)state;
    pd_relabel_rule r = {.source_labels = addr,
                         .nsource_labels = 1,
                         .regex = "(?P<host>[\\d.]+):(?P<port>\\d+)",
                         .target_label = "hp",
                         .replacement = "${port}@$host/${nope}$01${01}"};
    run(&r, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", hp=\"6060@10.0.0.7/\", job=\"api\"}");
    static const char *const env[] = {"env"};
    pd_relabel_rule k = {
        .action = PD_RELABEL_KEEP, .source_labels = env, .nsource_labels = 1, .regex = "(?i)PROD"};
    run(&k, true, NULL);
    const char *bombs[] = {"a++++++++++++++++++++++++\xc9+}", "((a{1000}){1000}){1000}",
                           "[\\]((a{1000}){1000}){1000}", "(a{200}){200}", "\\pL{1000}"};
    for (size_t i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
        pd_relabel_rule b = {.action = PD_RELABEL_KEEP, .regex = bombs[i]};
        pd_err err = {{0}};
        int rc = pd_relabel_compile(&b, &err);
        assert_true(rc == -EINVAL || rc == -E2BIG);
        assert_null(b.re);
        assert_non_null(strstr(err.msg, "invalid regex \""));
    }
}

static void test_keep_drop(void **state)
{
    (void)state;
    pd_relabel_rule keep = {.action = PD_RELABEL_KEEP,
                            .source_labels = addr_env,
                            .nsource_labels = 2,
                            .separator = "@",
                            .regex = "10\\.0\\.0\\.[0-9]+:6060@prod"};
    run(&keep, true, NULL);
    pd_relabel_rule keep2 = {
        .action = PD_RELABEL_KEEP, .source_labels = addr, .nsource_labels = 1, .regex = "10\\.0"};
    run(&keep2, false, NULL); /* anchored: no full match, dropped */
    pd_relabel_rule drop = {
        .action = PD_RELABEL_DROP, .source_labels = addr, .nsource_labels = 1, .regex = ".*:6060"};
    run(&drop, false, NULL);
    pd_relabel_rule drop2 = {
        .action = PD_RELABEL_DROP, .source_labels = addr, .nsource_labels = 1, .regex = "x|y"};
    run(&drop2, true, NULL);
    /* keep with a missing label matches the empty string */
    pd_relabel_rule keep3 = {
        .action = PD_RELABEL_KEEP, .source_labels = missing, .nsource_labels = 1, .regex = ""};
    run(&keep3, true, NULL);
}

static void test_hashmod(void **state)
{
    (void)state;
    /* Reference: printf %s 10.0.0.7:6060 | md5sum
     *   = 58a0123fc0f90088 ea2f9436ec2e41e3
     * Prometheus takes bytes 8..15 big-endian: 0xea2f9436ec2e41e3
     *   = 16875385186616557027; odd, so % 2 = 1; % 10 = 7; % 1000 = 187.
     * printf %s 10.0.0.8:6060 | md5sum = 6f1f9fbcdfcf8455 4ad1433a99bfd844
     *   -> 0x4ad1433a99bfd844 is even: % 2 = 0.
     * printf %s 'a;b' | md5sum = 45d17989299efc43 21960bf46f2ebd0a -> % 7 = 2.
     * printf '' | md5sum = d41d8cd98f00b204 e9800998ecf8427e -> % 3 = 1. */
    assert_int_equal(pd_relabel_hashmod("10.0.0.7:6060", 13, 2), 1);
    assert_int_equal(pd_relabel_hashmod("10.0.0.7:6060", 13, 10), 7);
    assert_int_equal(pd_relabel_hashmod("10.0.0.7:6060", 13, 1000), 187);
    assert_int_equal(pd_relabel_hashmod("10.0.0.8:6060", 13, 2), 0);
    assert_int_equal(pd_relabel_hashmod("a;b", 3, 7), 2);
    assert_int_equal(pd_relabel_hashmod("", 0, 3), 1);
    /* lengths around MD5's padding boundary (55, 56, 64 bytes) and longer,
     * against Python's hashlib: int.from_bytes(md5(s)[8:], 'big') % 1000003 */
    static const struct {
        size_t len;
        uint64_t want;
    } longs[] = {{55, 103167}, {56, 245266}, {64, 976806}, {119, 633968}, {200, 327342}};
    char xs[256];
    memset(xs, 'x', sizeof(xs));
    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
        assert_int_equal(pd_relabel_hashmod(xs, longs[i].len, 1000003), longs[i].want);

    pd_relabel_rule r = {.action = PD_RELABEL_HASHMOD,
                         .source_labels = addr,
                         .nsource_labels = 1,
                         .target_label = "__tmp_shard",
                         .modulus = 2};
    run(&r, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "__tmp_shard=\"1\", env=\"prod\", job=\"api\"}");
    /* the usual sharding pair: hashmod then keep the shard */
    pd_relabel_rule pair[2] = {r,
                               {.action = PD_RELABEL_KEEP,
                                .source_labels = (const char *const[]){"__tmp_shard"},
                                .nsource_labels = 1,
                                .regex = "0"}};
    assert_int_equal(pd_relabel_compile(&pair[0], NULL), 0);
    assert_int_equal(pd_relabel_compile(&pair[1], NULL), 0);
    pd_labels ls;
    BASE(&ls);
    assert_false(pd_relabel_apply(pair, 2, &ls)); /* shard 1: not ours */
    pd_labels_free(&ls);
    const char *kv[] = {"__address__=10.0.0.8:6060"};
    labels_of(&ls, kv, 1);
    assert_true(pd_relabel_apply(pair, 2, &ls)); /* shard 0 */
    pd_labels_free(&ls);
    pd_relabel_release(&pair[0]);
    pd_relabel_release(&pair[1]);
}

static void test_labelmap_drop_keep(void **state)
{
    (void)state;
    pd_relabel_rule map = {
        .action = PD_RELABEL_LABELMAP, .regex = "__meta_team_(.+)", .replacement = "team_$1"};
    run(&map, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", job=\"api\", team_owner=\"infra\", team_tier=\"1\"}");
    /* default replacement $1 */
    pd_relabel_rule map2 = {.action = PD_RELABEL_LABELMAP, .regex = "__meta_team_(.+)"};
    run(&map2, true,
        "{__address__=\"10.0.0.7:6060\", __meta_team_owner=\"infra\", __meta_team_tier=\"1\", "
        "env=\"prod\", job=\"api\", owner=\"infra\", tier=\"1\"}");
    pd_relabel_rule drop = {.action = PD_RELABEL_LABELDROP, .regex = "__meta_.*"};
    run(&drop, true, "{__address__=\"10.0.0.7:6060\", env=\"prod\", job=\"api\"}");
    pd_relabel_rule keep = {.action = PD_RELABEL_LABELKEEP, .regex = "job|env"};
    run(&keep, true, "{env=\"prod\", job=\"api\"}");
    /* labelkeep that keeps nothing: the set is empty but not "dropped" here;
     * target building drops empty sets */
    pd_relabel_rule none = {.action = PD_RELABEL_LABELKEEP, .regex = "zzz"};
    run(&none, true, "{}");
}

static void test_rule_checks(void **state)
{
    (void)state;
    static const struct {
        pd_relabel_rule r;
        const char *want;
    } bad[] = {
        {{.action = PD_RELABEL_REPLACE},
         "relabel configuration for replace action requires 'target_label' value"},
        {{.action = PD_RELABEL_REPLACE, .target_label = "a-b"},
         "\"a-b\" is invalid 'target_label' for replace action"},
        {{.action = PD_RELABEL_HASHMOD, .target_label = "s"},
         "relabel configuration for hashmod requires non-zero modulus"},
        {{.action = PD_RELABEL_HASHMOD, .target_label = "$1", .modulus = 2},
         "\"$1\" is invalid 'target_label' for hashmod action"},
        {{.action = PD_RELABEL_LABELDROP, .regex = "x", .separator = ","},
         "labeldrop action requires only 'regex', and no other fields"},
        {{.action = PD_RELABEL_LABELKEEP, .regex = "x", .replacement = "y"},
         "labelkeep action requires only 'regex', and no other fields"},
        {{.action = PD_RELABEL_LABELMAP, .regex = "x", .replacement = "a-b"},
         "\"a-b\" is invalid 'replacement' for labelmap action"},
        {{.action = PD_RELABEL_KEEP, .regex = "(a"}, "invalid regex \"(a\": missing ): (a"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pd_relabel_rule r = bad[i].r;
        pd_err err = {{0}};
        assert_int_equal(pd_relabel_compile(&r, &err), -EINVAL);
        assert_string_equal(err.msg, bad[i].want);
        assert_null(r.re);
        pd_relabel_release(&r); /* harmless on a failed rule */
    }
    pd_relabel_action a;
    assert_int_equal(pd_relabel_action_parse("LabelMap", &a), 0);
    assert_int_equal(a, PD_RELABEL_LABELMAP);
    assert_int_equal(pd_relabel_action_parse("keepequal", &a), -EINVAL);
    assert_string_equal(pd_relabel_action_name(PD_RELABEL_HASHMOD), "hashmod");
    /* a target label with $ is checked only after expansion */
    pd_relabel_rule ok = {.action = PD_RELABEL_REPLACE, .target_label = "${1}"};
    assert_int_equal(pd_relabel_compile(&ok, NULL), 0);
    pd_relabel_release(&ok);
}

static void test_labels(void **state)
{
    (void)state;
    pd_labels ls = PD_LABELS_INIT;
    pd_labels_set(&ls, "b", "2");
    pd_labels_set(&ls, "a", "1");
    pd_labels_set(&ls, "c", "3");
    pd_labels_set(&ls, "b", "22");
    assert_labels(&ls, "{a=\"1\", b=\"22\", c=\"3\"}");
    pd_labels_set(&ls, "a", pd_labels_get(&ls, "a")); /* self-assignment */
    pd_labels_set_default(&ls, "a", "x");
    pd_labels_set(&ls, "c", "");
    assert_labels(&ls, "{a=\"1\", b=\"22\"}");
    assert_false(pd_labels_del(&ls, "zz"));
    pd_labels cp;
    pd_labels_copy(&cp, &ls);
    assert_true(pd_labels_equal(&cp, &ls));
    assert_true(pd_labels_hash(&cp) == pd_labels_hash(&ls));
    assert_true(pd_labels_del(&cp, "a"));
    assert_false(pd_labels_equal(&cp, &ls));
    assert_true(pd_labels_hash(&cp) != pd_labels_hash(&ls));
    /* FNV-1a over a 0xff b 0xff...: fixed across builds and restarts */
    pd_labels one = PD_LABELS_INIT;
    assert_true(pd_labels_hash(&one) == 0xcbf29ce484222325ULL);
    pd_labels_free(&one);
    pd_labels_free(&cp);
    pd_labels_free(&ls);
    assert_labels(&ls, "{}");

    assert_true(pd_label_name_valid("_a9"));
    assert_true(pd_label_name_valid("__address__"));
    assert_false(pd_label_name_valid(""));
    assert_false(pd_label_name_valid("9a"));
    assert_false(pd_label_name_valid("a.b"));
    assert_true(pd_hostport_valid("10.0.0.7:6060"));
    assert_true(pd_hostport_valid("api-1.internal:80"));
    assert_true(pd_hostport_valid("[::1]:7070"));
    assert_true(pd_hostport_valid("localhost:65535"));
    assert_false(pd_hostport_valid("localhost:65536"));
    assert_false(pd_hostport_valid("localhost:0"));
    assert_false(pd_hostport_valid("localhost"));
    assert_false(pd_hostport_valid(":7070"));
    assert_false(pd_hostport_valid("::1:7070"));
    assert_false(pd_hostport_valid("a/b:80"));
    assert_false(pd_hostport_valid("host:"));
    assert_false(pd_hostport_valid("host:8o"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_re2_syntax),
        cmocka_unit_test(test_keep_drop),
        cmocka_unit_test(test_hashmod),
        cmocka_unit_test(test_labelmap_drop_keep),
        cmocka_unit_test(test_rule_checks),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
