/* config/targets: final target labels from groups, relabeling, external
 * labels, instance defaulting, "__" labels dropped, dedup and hashes. */
#include "cfg_test.h"

#include "pd_targets.h"

static void assert_labels(const pd_labels *ls, const char *want)
{
    char buf[512];
    pd_labels_format(ls, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "want %s\ngot  %s\n", want, buf);
    assert_string_equal(buf, want);
}

static void test_static_targets(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok("global:\n"
                              "  external_labels: {region: eu, env: default}\n"
                              "scrape_configs:\n"
                              "  - job_name: api\n"
                              "    scheme: https\n"
                              "    path_prefix: /x\n"
                              "    static_configs:\n"
                              "      - targets: ['10.0.0.7:6060', '10.0.0.8:6060']\n"
                              "        labels: {env: prod, __meta_rack: r1}\n"
                              "      - targets: ['10.0.0.9:6060']\n"
                              "        labels: {instance: pod-9, job: other}\n");
    pd_target_list l;
    memset(&l, 0, sizeof(l));
    pd_err err = {{0}};
    assert_int_equal(pd_targets_build_static(cfg, &cfg->jobs[0], &l, &err), 0);
    assert_int_equal(l.n, 3);
    /* group labels win over external labels; instance defaults to the
     * address; "__" labels are gone */
    assert_labels(&l.v[0].labels,
                  "{env=\"prod\", instance=\"10.0.0.7:6060\", job=\"api\", region=\"eu\"}");
    assert_string_equal(l.v[0].address, "10.0.0.7:6060");
    assert_string_equal(l.v[0].scheme, "https");
    assert_string_equal(l.v[0].path_prefix, "/x");
    assert_true(l.v[0].hash == pd_labels_hash(&l.v[0].labels));
    assert_true(l.v[0].hash != l.v[1].hash);
    /* a group may set instance and even job, as in Prometheus */
    assert_labels(&l.v[2].labels,
                  "{env=\"default\", instance=\"pod-9\", job=\"other\", region=\"eu\"}");
    assert_string_equal(l.v[2].address, "10.0.0.9:6060");
    uint64_t h0 = l.v[0].hash;
    pd_target_list_free(&l);

    /* the hash is stable: the same config gives the same value */
    pd_config *again = parse_ok("global:\n"
                                "  external_labels: {env: default, region: eu}\n"
                                "scrape_configs:\n"
                                "  - job_name: api\n"
                                "    static_configs:\n"
                                "      - targets: ['10.0.0.7:6060']\n"
                                "        labels: {env: prod}\n");
    memset(&l, 0, sizeof(l));
    assert_int_equal(pd_targets_build_static(again, &again->jobs[0], &l, &err), 0);
    assert_true(l.v[0].hash == h0);
    pd_target_list_free(&l);
    pd_config_free(again);
    pd_config_free(cfg);
}

static void test_relabeled_targets(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok(
        "scrape_configs:\n"
        "  - job_name: api\n"
        "    static_configs:\n"
        "      - targets: ['10.0.0.7:6060', '10.0.0.8:6060', 'skip.me:1', 'dup:1', 'dup:1']\n"
        "        labels: {__meta_pod: pod-a}\n"
        "    relabel_configs:\n"
        "      - {source_labels: [__address__], regex: 'skip\\..*', action: drop}\n"
        "      - {source_labels: [__address__], modulus: 2, target_label: __tmp_shard, "
        "action: hashmod}\n"
        "      - {source_labels: [__tmp_shard], target_label: shard}\n"
        "      - {source_labels: [__meta_pod], target_label: instance}\n"
        "      - {source_labels: [__address__], regex: '(.*):6060', target_label: __address__, "
        "replacement: '${1}:7070'}\n"
        "      - {source_labels: [__address__], regex: '(dup):1', target_label: instance, "
        "replacement: '$1'}\n"
        "      - {replacement: https, target_label: __scheme__}\n");
    pd_target_list l;
    memset(&l, 0, sizeof(l));
    pd_err err = {{0}};
    assert_int_equal(pd_targets_build_static(cfg, &cfg->jobs[0], &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.ndropped, 2); /* skip.me by relabeling, the second dup:1 */
    /* hashmod shards from test_relabel: 10.0.0.7:6060 -> 1, 10.0.0.8:6060 -> 0 */
    assert_labels(&l.v[0].labels, "{instance=\"pod-a\", job=\"api\", shard=\"1\"}");
    assert_string_equal(l.v[0].address, "10.0.0.7:7070");
    assert_string_equal(l.v[0].scheme, "https");
    assert_labels(&l.v[1].labels, "{instance=\"pod-a\", job=\"api\", shard=\"0\"}");
    assert_labels(&l.v[2].labels, "{instance=\"dup\", job=\"api\", shard=\"1\"}");
    pd_target_list_free(&l);
    pd_config_free(cfg);
}

static void test_invalid_after_relabel(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok("scrape_configs:\n"
                              "  - job_name: api\n"
                              "    static_configs:\n"
                              "      - targets: ['a:1', 'b:2']\n"
                              "    relabel_configs:\n"
                              "      - {source_labels: [__address__], regex: 'a:1', "
                              "target_label: __address__, replacement: 'nope'}\n"
                              "      - {source_labels: [__address__], regex: 'b:2', "
                              "target_label: __scheme__, replacement: 'ftp'}\n");
    pd_target_list l;
    memset(&l, 0, sizeof(l));
    pd_err err = {{0}};
    assert_int_equal(pd_targets_build_static(cfg, &cfg->jobs[0], &l, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:4:9: scrape_configs[0].static_configs[0]: target "
                                 "\"a:1\": invalid __address__ \"nope\" after relabeling: want "
                                 "host:port");
    assert_int_equal(l.n, 0);
    assert_int_equal(l.ninvalid, 2);
    pd_target_list_free(&l);
    pd_config_free(cfg);
}

static void test_discovered_groups(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok("scrape_configs:\n"
                              "  - job_name: workers\n"
                              "    relabel_configs:\n"
                              "      - source_labels: [__meta_filepath]\n"
                              "        regex: '.*/([a-z]+)\\.json'\n"
                              "        target_label: pool\n"
                              "      - {action: labeldrop, regex: 'drop_.*'}\n");
    pd_group_list groups;
    memset(&groups, 0, sizeof(groups));
    pd_err err = {{0}};
    static const char json[] = "[{\"targets\": [\"w1:6060\"], \"labels\": {\"drop_me\": \"x\"}}]";
    assert_int_equal(pd_file_sd_parse(json, strlen(json), "/sd/blue.json", &groups, &err), 0);
    pd_target_list l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(pd_targets_build(cfg, &cfg->jobs[0], groups.v, groups.n, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_labels(&l.v[0].labels, "{instance=\"w1:6060\", job=\"workers\", pool=\"blue\"}");
    assert_string_equal(l.v[0].scheme, "http");
    pd_target_list_free(&l);
    pd_group_list_free(&groups);
    pd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_targets),
        cmocka_unit_test(test_relabeled_targets),
        cmocka_unit_test(test_invalid_after_relabel),
        cmocka_unit_test(test_discovered_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
