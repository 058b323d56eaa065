/* config/file_sd: JSON and YAML target groups, malformed files, globs. */
#include "cfg_test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *text, const char *name, pd_group_list *l, pd_err *err)
{
    memset(l, 0, sizeof(*l));
    return pd_file_sd_parse(text, strlen(text), name, l, err);
}

static void test_json(void **state)
{
    (void)state;
    static const char json[] = "[\n"
                               "  {\"targets\": [\"10.0.0.7:6060\", \"10.0.0.8:6060\"],\n"
                               "   \"labels\": {\"env\": \"prod\", \"__meta_zone\": \"a\"}},\n"
                               "  {\"targets\": [\"[::1]:6060\"]},\n"
                               "  {\"targets\": [], \"labels\": {}}\n"
                               "]\n";
    pd_group_list l;
    pd_err err = {{0}};
    assert_int_equal(parse(json, "/etc/sd/api.json", &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].ntargets, 2);
    assert_string_equal(l.v[0].targets[1], "10.0.0.8:6060");
    assert_string_equal(pd_labels_get(&l.v[0].labels, "env"), "prod");
    assert_string_equal(pd_labels_get(&l.v[0].labels, "__meta_zone"), "a");
    /* Prometheus adds the file the group came from */
    assert_string_equal(pd_labels_get(&l.v[0].labels, "__meta_filepath"), "/etc/sd/api.json");
    assert_string_equal(l.v[0].source, "/etc/sd/api.json[0]");
    assert_string_equal(l.v[1].targets[0], "[::1]:6060");
    assert_int_equal(l.v[1].labels.n, 1);
    assert_int_equal(l.v[2].ntargets, 0);
    pd_group_list_free(&l);
    /* an empty list is fine */
    assert_int_equal(parse("[]", "e.json", &l, &err), 0);
    assert_int_equal(l.n, 0);
    pd_group_list_free(&l);
}

static void test_yaml(void **state)
{
    (void)state;
    static const char yaml[] = "- targets:\n"
                               "    - 10.0.0.7:6060\n"
                               "    - api-2.internal:6060\n"
                               "  labels:\n"
                               "    env: prod\n"
                               "    port: 6060\n"
                               "- targets: ['b:1']\n";
    pd_group_list l;
    pd_err err = {{0}};
    assert_int_equal(parse(yaml, "sd/api.yml", &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].targets[1], "api-2.internal:6060");
    /* YAML scalars are strings to Prometheus too */
    assert_string_equal(pd_labels_get(&l.v[0].labels, "port"), "6060");
    assert_string_equal(l.v[0].source, "sd/api.yml:1:3");
    assert_string_equal(l.v[1].source, "sd/api.yml:7:3");
    pd_group_list_free(&l);
    assert_int_equal(parse("", "empty.yaml", &l, &err), 0);
    assert_int_equal(l.n, 0);
    pd_group_list_free(&l);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *want;
    } cases[] = {
        {"a.json", "[{\"targets\": [\"a:1\"]", "a.json:1:20: json: '}' expected near end of file"},
        {"a.json", "[{\"targets\": [\"a:1\"], \"targets\": []}]",
         "a.json:1:31: json: duplicate object key near '\"targets\"'"},
        {"a.json", "{\"targets\": [\"a:1\"]}",
         "a.json: want a list of target groups, got a mapping"},
        {"a.json", "[{\"targets\": [\"a:1\", \"b\"]}]",
         "a.json: [0].targets[1]: invalid target \"b\": want host:port"},
        {"a.json", "[{\"targets\": [\"a:1\"], \"labels\": {\"a b\": \"x\"}}]",
         "a.json: [0].labels: invalid label name \"a b\": want [a-zA-Z_][a-zA-Z0-9_]*"},
        {"a.json", "[{\"targets\": [\"a:1\"], \"labels\": {\"n\": 5}}]",
         "a.json: [0].labels.n: label value must be a string, got a number or boolean"},
        {"a.json", "[{\"targets\": [\"a:1\"], \"lables\": {}}]",
         "a.json: [0].lables: unknown field \"lables\""},
        {"a.json", "[{\"targets\": \"a:1\"}]", "a.json: [0].targets: want a list, got a scalar"},
        {"b.yaml", "- targets: [a:1\n",
         "b.yaml:2:1: yaml: did not find expected ',' or ']' "
         "while parsing a flow sequence"},
        {"b.yaml", "- targets: ['a:1']\n- targets: ['x:99999']\n",
         "b.yaml:2:13: [1].targets[0]: invalid target \"x:99999\": want host:port"},
        {"b.yaml", "- targets: ['a:1']\n  labels: {env: [prod]}\n",
         "b.yaml:2:17: [0].labels.env: label value must be a string, got a list"},
        {"c.txt", "[]", "c.txt: want a .json, .yml or .yaml file"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_group_list l;
        pd_err err = {{0}};
        int rc = parse(cases[i].text, cases[i].name, &l, &err);
        if (rc == 0 || strcmp(err.msg, cases[i].want) != 0)
            fprintf(stderr, "case %zu: want %s\n         got  %s\n", i, cases[i].want, err.msg);
        assert_true(rc < 0);
        assert_string_equal(err.msg, cases[i].want);
        pd_group_list_free(&l);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_glob_and_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/pd_sd_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[64], b[64], c[64], pat1[64], pat2[64], pat3[64];
    snprintf(a, sizeof(a), "%s/b-web.json", dir);
    snprintf(b, sizeof(b), "%s/a-api.json", dir);
    snprintf(c, sizeof(c), "%s/c.yaml", dir);
    write_file(a, "[{\"targets\": [\"w:1\"]}]");
    write_file(b, "[{\"targets\": [\"a:1\", \"a:2\"]}]");
    write_file(c, "- targets: [c:1]\n");
    snprintf(pat1, sizeof(pat1), "%s/*.json", dir);
    snprintf(pat2, sizeof(pat2), "%s/*-api.json", dir); /* overlaps: no duplicate */
    snprintf(pat3, sizeof(pat3), "%s/none/*.yaml", dir);
    const char *pats[] = {pat1, pat2, pat3};
    char **paths = NULL;
    size_t n = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_file_sd_glob(pats, 3, &paths, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(paths[0], b); /* sorted */
    assert_string_equal(paths[1], a);
    pd_group_list l;
    memset(&l, 0, sizeof(l));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pd_file_sd_load(paths[i], &l, &err), 0);
    assert_int_equal(pd_file_sd_load(c, &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].ntargets, 2);
    assert_string_equal(l.v[2].targets[0], "c:1");
    assert_string_equal(pd_labels_get(&l.v[2].labels, "__meta_filepath"), c);
    pd_group_list_free(&l);
    pd_file_sd_paths_free(paths, n);
    char missing[80];
    snprintf(missing, sizeof(missing), "%s/missing.json", dir);
    memset(&l, 0, sizeof(l));
    assert_int_equal(pd_file_sd_load(missing, &l, &err), -ENOENT);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_glob_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
