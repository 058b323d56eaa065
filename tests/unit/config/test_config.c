/* config/: defaults, a full round trip, validation errors with positions,
 * durations and sizes. */
#include "cfg_test.h"

#include <stdlib.h>
#include <unistd.h>

#define S 1000LL
#define M (60 * S)
#define H (60 * M)
#define D (24 * H)

static void test_defaults(void **state)
{
    (void)state;
    pd_config *cfg = pd_config_default();
    assert_string_equal(cfg->server.listen, "127.0.0.1:7070");
    assert_string_equal(cfg->server.auth_token_file, "");
    assert_string_equal(cfg->storage.path, "./data/pprofd.db");
    assert_int_equal(cfg->storage.retention_ms, 15 * D);
    assert_int_equal(cfg->storage.max_size, 0);
    assert_int_equal(cfg->storage.rollup_retention_ms[0], 90 * D);
    assert_int_equal(cfg->storage.rollup_retention_ms[1], 365 * D);
    assert_int_equal(cfg->storage.rollup_retention_ms[2], 0);
    assert_int_equal(cfg->limits.max_concurrent_scrapes, 64);
    assert_int_equal(cfg->limits.max_profile_bytes, 64 << 20);
    assert_int_equal(cfg->limits.capture_budget.count, 3);
    assert_int_equal(cfg->limits.capture_budget.per_ms, 10 * M);
    assert_int_equal(cfg->limits.max_query_profiles, 1000000);
    assert_int_equal(cfg->global.scrape_interval_ms, 60 * S);
    assert_int_equal(cfg->global.scrape_timeout_ms, 0);
    assert_int_equal(cfg->global.external_labels.n, 0);
    assert_int_equal(cfg->njobs, 0);
    assert_int_equal(cfg->alerting.nprofiles, 3);
    assert_string_equal(cfg->alerting.profiles[0], "cpu");
    assert_string_equal(cfg->alerting.profiles[1], "goroutine");
    assert_string_equal(cfg->alerting.profiles[2], "heap");
    assert_int_equal(cfg->alerting.nmatch_labels, 2);
    assert_string_equal(cfg->alerting.match_labels[0], "instance");
    assert_string_equal(cfg->alerting.match_labels[1], "job");
    assert_int_equal(cfg->alerting.seconds, 0); /* the target's own */
    pd_config_free(cfg);

    /* an empty file and an empty mapping are the defaults too */
    cfg = parse_ok("");
    assert_string_equal(cfg->server.listen, "127.0.0.1:7070");
    assert_string_equal(cfg->source, "t.yaml");
    pd_config_free(cfg);
    cfg = parse_ok("# nothing\n{}\n");
    assert_int_equal(cfg->njobs, 0);
    pd_config_free(cfg);
}

static void test_job_defaults(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok("scrape_configs:\n  - job_name: api\n");
    assert_int_equal(cfg->njobs, 1);
    const pd_job *j = pd_config_job(cfg, "api");
    assert_non_null(j);
    assert_null(pd_config_job(cfg, "nope"));
    assert_int_equal(j->scrape_interval_ms, 60 * S);
    assert_int_equal(j->scrape_timeout_ms, 20 * S); /* cpu 10s + 10s */
    assert_string_equal(j->scheme, "http");
    assert_string_equal(j->path_prefix, "");
    assert_string_equal(j->bearer_token_file, "");
    assert_false(j->tls.insecure_skip_verify);
    assert_int_equal(j->nstatic_configs, 0);
    assert_int_equal(j->nrelabel_configs, 0);
    assert_int_equal(j->nprofiles, 7);
    static const struct {
        const char *name, *path;
        bool enabled;
        int64_t seconds;
        pd_profile_kind kind;
    } want[] = {
        {"cpu", "/debug/pprof/profile", true, 10, PD_PROFILE_WINDOW},
        {"heap", "/debug/pprof/heap", true, 0, PD_PROFILE_MIXED},
        {"allocs", "/debug/pprof/allocs", false, 0, PD_PROFILE_MIXED},
        {"goroutine", "/debug/pprof/goroutine", true, 0, PD_PROFILE_GAUGE},
        {"block", "/debug/pprof/block", false, 0, PD_PROFILE_CUMULATIVE},
        {"mutex", "/debug/pprof/mutex", false, 0, PD_PROFILE_CUMULATIVE},
        {"threadcreate", "/debug/pprof/threadcreate", false, 0, PD_PROFILE_CUMULATIVE},
    };
    for (size_t i = 0; i < 7; i++) {
        const pd_profile_cfg *p = &j->profiles[i];
        assert_string_equal(p->name, want[i].name);
        assert_string_equal(p->path, want[i].path);
        assert_int_equal(p->enabled, want[i].enabled);
        assert_int_equal(p->seconds, want[i].seconds);
        assert_int_equal(p->kind, want[i].kind);
        assert_false(p->custom);
        assert_ptr_equal(pd_job_profile(j, want[i].name), p);
    }
    assert_string_equal(pd_kind_name(PD_PROFILE_CUMULATIVE), "cumulative");
    pd_config_free(cfg);
}

static const char full_yaml[] =
    "server:\n"
    "  listen: \"[::1]:9090\"\n"
    "  auth_token_file: /etc/pprofd/token\n"
    "storage:\n"
    "  path: /var/lib/pprofd/p.db\n"
    "  retention: 30d\n"
    "  max_size: 50GiB\n"
    "limits:\n"
    "  max_concurrent_scrapes: 8\n"
    "  max_profile_bytes: 16MiB\n"
    "  capture_budget: {count: 5, per: 1h}\n"
    "  max_query_profiles: 5000\n"
    "global:\n"
    "  scrape_interval: 30s\n"
    "  scrape_timeout: 25s\n"
    "  external_labels: {region: eu, cluster: c1}\n"
    "scrape_configs:\n"
    "  - job_name: api\n"
    "    scrape_interval: 1m30s\n"
    "    scrape_timeout: 40s\n"
    "    scheme: https\n"
    "    path_prefix: /internal/\n"
    "    bearer_token_file: tok\n"
    "    tls_config:\n"
    "      ca_file: ca.pem\n"
    "      cert_file: /abs/cert.pem\n"
    "      key_file: key.pem\n"
    "      insecure_skip_verify: true\n"
    "    static_configs:\n"
    "      - targets: ['10.0.0.7:6060', 'api-2.internal:6060']\n"
    "        labels: {env: prod, deployment: v1.4.2}\n"
    "      - targets: []\n"
    "    file_sd_configs:\n"
    "      - files: [targets/*.json, /etc/t/*.yaml]\n"
    "        refresh_interval: 30s\n"
    "      - files: [x.yml]\n"
    "    relabel_configs:\n"
    "      - source_labels: [__address__, env]\n"
    "        separator: '|'\n"
    "        regex: '(.*)\\|prod'\n"
    "        target_label: addr\n"
    "        replacement: '${1}'\n"
    "      - {source_labels: [__address__], modulus: 4, target_label: shard, action: HashMod}\n"
    "    profiles:\n"
    "      cpu: {enabled: true, seconds: 20}\n"
    "      heap: {enabled: false}\n"
    "      allocs: {enabled: true}\n"
    "      threadcreate: {enabled: true}\n"
    "      fgprof: {path: /debug/fgprof, seconds: 30}\n"
    "      trace_like: {enabled: false, path: /debug/x}\n"
    "  - job_name: web\n"
    "    basic_auth: {username: u, password_file: pw}\n"
    "alerting:\n"
    "  profiles: [cpu, fgprof]\n"
    "  match_labels: [pod]\n"
    "  seconds: 7\n";

static void test_full_round_trip(void **state)
{
    (void)state;
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    assert_int_equal(
        pd_config_parse(full_yaml, strlen(full_yaml), "/etc/pprofd/pprofd.yaml", &cfg, &err), 0);
    assert_string_equal(cfg->server.listen, "[::1]:9090");
    assert_string_equal(cfg->server.auth_token_file, "/etc/pprofd/token");
    assert_string_equal(cfg->storage.path, "/var/lib/pprofd/p.db");
    assert_int_equal(cfg->storage.retention_ms, 30 * D);
    assert_int_equal(cfg->storage.max_size, 50ULL << 30);
    assert_int_equal(cfg->limits.max_concurrent_scrapes, 8);
    assert_int_equal(cfg->limits.max_profile_bytes, 16 << 20);
    assert_int_equal(cfg->limits.capture_budget.count, 5);
    assert_int_equal(cfg->limits.capture_budget.per_ms, H);
    assert_int_equal(cfg->limits.max_query_profiles, 5000);
    assert_int_equal(cfg->global.scrape_interval_ms, 30 * S);
    assert_int_equal(cfg->global.scrape_timeout_ms, 25 * S);
    assert_string_equal(pd_labels_get(&cfg->global.external_labels, "region"), "eu");
    assert_string_equal(pd_labels_get(&cfg->global.external_labels, "cluster"), "c1");
    assert_int_equal(cfg->njobs, 2);

    const pd_job *j = &cfg->jobs[0];
    assert_string_equal(j->name, "api");
    assert_int_equal(j->scrape_interval_ms, 90 * S);
    assert_int_equal(j->scrape_timeout_ms, 40 * S);
    assert_string_equal(j->scheme, "https");
    assert_string_equal(j->path_prefix, "/internal"); /* trailing slash dropped */
    /* relative paths resolve against the config's directory */
    assert_string_equal(j->bearer_token_file, "/etc/pprofd/tok");
    assert_string_equal(j->tls.ca_file, "/etc/pprofd/ca.pem");
    assert_string_equal(j->tls.cert_file, "/abs/cert.pem");
    assert_string_equal(j->tls.key_file, "/etc/pprofd/key.pem");
    assert_true(j->tls.insecure_skip_verify);
    assert_int_equal(j->nstatic_configs, 2);
    assert_int_equal(j->static_configs[0].ntargets, 2);
    assert_string_equal(j->static_configs[0].targets[0], "10.0.0.7:6060");
    assert_string_equal(j->static_configs[0].targets[1], "api-2.internal:6060");
    assert_string_equal(pd_labels_get(&j->static_configs[0].labels, "env"), "prod");
    assert_string_equal(pd_labels_get(&j->static_configs[0].labels, "deployment"), "v1.4.2");
    assert_int_equal(j->static_configs[1].ntargets, 0);
    assert_int_equal(j->nfile_sd_configs, 2);
    assert_int_equal(j->file_sd_configs[0].nfiles, 2);
    assert_string_equal(j->file_sd_configs[0].files[0], "/etc/pprofd/targets/*.json");
    assert_string_equal(j->file_sd_configs[0].files[1], "/etc/t/*.yaml");
    assert_int_equal(j->file_sd_configs[0].refresh_interval_ms, 30 * S);
    assert_int_equal(j->file_sd_configs[1].refresh_interval_ms, 5 * M);
    assert_int_equal(j->nrelabel_configs, 2);
    const pd_relabel_rule *r = &j->relabel_configs[0];
    assert_int_equal(r->action, PD_RELABEL_REPLACE);
    assert_int_equal(r->nsource_labels, 2);
    assert_string_equal(r->source_labels[1], "env");
    assert_string_equal(r->separator, "|");
    assert_string_equal(r->regex, "(.*)\\|prod");
    assert_string_equal(r->target_label, "addr");
    assert_string_equal(r->replacement, "${1}");
    assert_non_null(r->re);
    r = &j->relabel_configs[1];
    assert_int_equal(r->action, PD_RELABEL_HASHMOD);
    assert_int_equal(r->modulus, 4);
    assert_int_equal(j->nprofiles, 9);
    assert_int_equal(pd_job_profile(j, "cpu")->seconds, 20);
    assert_false(pd_job_profile(j, "heap")->enabled);
    assert_true(pd_job_profile(j, "allocs")->enabled);
    assert_true(pd_job_profile(j, "threadcreate")->enabled);
    assert_true(pd_job_profile(j, "goroutine")->enabled); /* untouched default */
    const pd_profile_cfg *f = pd_job_profile(j, "fgprof");
    assert_true(f->custom);
    assert_true(f->enabled); /* a custom profile is on unless disabled */
    assert_string_equal(f->path, "/debug/fgprof");
    assert_int_equal(f->seconds, 30);
    assert_int_equal(f->kind, PD_PROFILE_WINDOW);
    f = pd_job_profile(j, "trace_like");
    assert_false(f->enabled);
    assert_int_equal(f->kind, PD_PROFILE_GAUGE);

    j = &cfg->jobs[1];
    assert_string_equal(j->name, "web");
    assert_int_equal(j->scrape_interval_ms, 30 * S); /* global */
    assert_int_equal(j->scrape_timeout_ms, 25 * S);  /* global */
    assert_string_equal(j->basic_auth.username, "u");
    assert_string_equal(j->basic_auth.password_file, "/etc/pprofd/pw");

    assert_int_equal(cfg->alerting.nprofiles, 2);
    assert_string_equal(cfg->alerting.profiles[1], "fgprof");
    assert_int_equal(cfg->alerting.nmatch_labels, 1);
    assert_string_equal(cfg->alerting.match_labels[0], "pod");
    assert_int_equal(cfg->alerting.seconds, 7);
    pd_config_free(cfg);
}

static void test_timeouts(void **state)
{
    (void)state;
    /* derived: cpu seconds + 10s, capped at the interval */
    pd_config *cfg = parse_ok("scrape_configs:\n"
                              "  - {job_name: a, scrape_interval: 15s}\n"
                              "  - {job_name: b, scrape_interval: 2m, profiles: {cpu: {seconds: "
                              "30}}}\n"
                              "  - {job_name: c, profiles: {cpu: {enabled: false}}}\n"
                              "  - {job_name: d, scrape_interval: 5s, profiles: {cpu: {enabled: "
                              "false}}}\n");
    assert_int_equal(cfg->jobs[0].scrape_timeout_ms, 15 * S);
    assert_int_equal(cfg->jobs[1].scrape_timeout_ms, 40 * S);
    assert_int_equal(cfg->jobs[2].scrape_timeout_ms, 10 * S);
    assert_int_equal(cfg->jobs[3].scrape_timeout_ms, 5 * S);
    pd_config_free(cfg);
    /* a global timeout over a job's shorter interval is capped, as Prometheus */
    cfg = parse_ok("global: {scrape_interval: 1m, scrape_timeout: 50s}\n"
                   "scrape_configs:\n"
                   "  - {job_name: a, scrape_interval: 30s, profiles: {cpu: {seconds: 5}}}\n");
    assert_int_equal(cfg->jobs[0].scrape_timeout_ms, 30 * S);
    pd_config_free(cfg);
}

/* Rollup retention: each resolution at least as long as the finer ones; a
 * default follows a longer finer one instead of refusing the config. */
static void test_rollup_retention(void **state)
{
    (void)state;
    pd_config *cfg = parse_ok("storage: {rollup_retention: {5m: 30d, 1h: 400d, 1d: 10y}}\n");
    assert_int_equal(cfg->storage.rollup_retention_ms[0], 30 * D);
    assert_int_equal(cfg->storage.rollup_retention_ms[1], 400 * D);
    assert_int_equal(cfg->storage.rollup_retention_ms[2], 3650 * D);
    pd_config_free(cfg);
    /* raw kept 200 days: the 5m default (90d) follows, 1h stays a year */
    cfg = parse_ok("storage: {retention: 200d}\n");
    assert_int_equal(cfg->storage.rollup_retention_ms[0], 200 * D);
    assert_int_equal(cfg->storage.rollup_retention_ms[1], 365 * D);
    pd_config_free(cfg);
    /* raw kept forever: so is every rollup left to its default */
    cfg = parse_ok("storage: {retention: 0}\n");
    assert_int_equal(cfg->storage.rollup_retention_ms[0], 0);
    assert_int_equal(cfg->storage.rollup_retention_ms[1], 0);
    assert_int_equal(cfg->storage.rollup_retention_ms[2], 0);
    pd_config_free(cfg);
}

/* cpu seconds that the config does not write follow the interval (or a
 * shorter explicit timeout): 10, or 80% of a shorter bound, none under 2 s;
 * every interval from 1 s up is valid with the default profiles. */
static void test_cpu_seconds_derived(void **state)
{
    (void)state;
    static const struct {
        const char *interval;
        int64_t seconds, timeout_ms;
        bool on;
    } cases[] = {
        {"1s", 0, 1 * S, false},  {"2s", 1, 2 * S, true},    {"5s", 4, 5 * S, true},
        {"10s", 8, 10 * S, true}, {"15s", 10, 15 * S, true}, {"1m", 10, 20 * S, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[128];
        snprintf(yaml, sizeof(yaml),
                 "global: {scrape_interval: %s}\nscrape_configs:\n"
                 "  - job_name: a\n",
                 cases[i].interval);
        pd_config *cfg = parse_ok(yaml);
        const pd_profile_cfg *cpu = pd_job_profile(&cfg->jobs[0], "cpu");
        assert_int_equal(cpu->enabled, cases[i].on);
        assert_int_equal(cpu->seconds, cases[i].seconds);
        assert_false(cpu->seconds_set);
        assert_int_equal(cfg->jobs[0].scrape_timeout_ms, cases[i].timeout_ms);
        /* a job the config does not name (a registration) follows the same rule */
        pd_job *own = pd_job_default(cfg, "other");
        assert_int_equal(pd_job_profile(own, "cpu")->seconds, cases[i].seconds);
        pd_job_free(own);
        pd_config_free(cfg);
    }
    /* an explicit timeout shorter than the interval bounds them too */
    pd_config *cfg = parse_ok("scrape_configs:\n  - {job_name: a, scrape_timeout: 5s}\n");
    assert_int_equal(pd_job_profile(&cfg->jobs[0], "cpu")->seconds, 4);
    pd_config_free(cfg);
    /* written seconds are kept as written */
    cfg = parse_ok("scrape_configs:\n  - {job_name: a, scrape_interval: 10s, "
                   "profiles: {cpu: {seconds: 3}}}\n");
    assert_int_equal(pd_job_profile(&cfg->jobs[0], "cpu")->seconds, 3);
    assert_true(pd_job_profile(&cfg->jobs[0], "cpu")->seconds_set);
    pd_config_free(cfg);
    assert_int_equal(pd_default_seconds(1999), 0);
    assert_int_equal(pd_default_seconds(3000), 2);
    assert_int_equal(pd_default_seconds(INT64_MAX / 2), 10);
}

typedef struct err_case {
    const char *yaml;
    const char *want;
} err_case;

static const err_case err_cases[] = {
    /* unknown keys, at the key */
    {"server:\n  listen: 127.0.0.1:7070\n  lisen: x\n",
     "t.yaml:3:3: server.lisen: unknown field \"lisen\""},
    {"scrape_configs:\n  - job_name: a\n    static_config: []\n",
     "t.yaml:3:5: scrape_configs[0].static_config: unknown field \"static_config\""},
    {"nope: 1\n", "t.yaml:1:1: nope: unknown field \"nope\""},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: keep\n        "
     "regexp: x\n",
     "t.yaml:5:9: scrape_configs[0].relabel_configs[0].regexp: unknown field \"regexp\""},
    {"storage:\n  path: a\n  path: b\n", "t.yaml:3:3: storage.path: field \"path\" already set at "
                                         "line 2"},
    /* durations */
    {"global:\n  scrape_interval: 5x\n",
     "t.yaml:2:20: global.scrape_interval: invalid duration \"5x\": unknown unit \"x\""},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5x\n",
     "t.yaml:3:22: scrape_configs[0].scrape_interval: invalid duration \"5x\": unknown unit "
     "\"x\""},
    {"storage: {retention: -1d}\n",
     "t.yaml:1:22: storage.retention: invalid duration \"-1d\": negative"},
    {"storage:\n  retention: ''\n", "t.yaml:2:14: storage.retention: invalid duration \"\": empty"},
    {"storage: {rollup_retention: {5m: 7d}}\n",
     "t.yaml:1:34: storage.rollup_retention.5m: must be 0 (forever) or at least storage.retention "
     "(a coarser resolution is kept as long as a finer one)"},
    {"storage: {retention: 0, rollup_retention: {1h: 30d}}\n",
     "t.yaml:1:48: storage.rollup_retention.1h: must be 0 (forever) or at least "
     "storage.rollup_retention.5m (a coarser resolution is kept as long as a finer one)"},
    {"storage: {rollup_retention: {10m: 7d}}\n",
     "t.yaml:1:30: storage.rollup_retention.10m: unknown field \"10m\""},
    {"global: {scrape_interval: 60}\n",
     "t.yaml:1:27: global.scrape_interval: invalid duration \"60\": missing unit"},
    {"global: {scrape_interval: 0s}\n",
     "t.yaml:1:27: global.scrape_interval: must be greater than 0"},
    /* sizes */
    {"storage:\n  max_size: 5 GiB\n",
     "t.yaml:2:13: storage.max_size: invalid size \"5 GiB\": unknown unit \" GiB\""},
    {"limits:\n  max_profile_bytes: 64Mb\n",
     "t.yaml:2:22: limits.max_profile_bytes: invalid size \"64Mb\": unknown unit \"Mb\""},
    {"limits: {max_profile_bytes: 0}\n",
     "t.yaml:1:29: limits.max_profile_bytes: must be greater than 0"},
    /* jobs */
    {"scrape_configs:\n  - job_name: api\n  - job_name: web\n  - job_name: api\n",
     "t.yaml:4:15: scrape_configs[2].job_name: duplicate job_name \"api\" (first at line 2)"},
    {"scrape_configs:\n  - scrape_interval: 10s\n",
     "t.yaml:2:5: scrape_configs[0].job_name: job_name is required"},
    {"scrape_configs:\n  - job_name: ''\n",
     "t.yaml:2:15: scrape_configs[0].job_name: job_name is required"},
    {"scrape_configs:\n  - api\n",
     "t.yaml:2:5: scrape_configs[0]: want a mapping with job_name, got a scalar"},
    {"scrape_configs: {job_name: a}\n", "t.yaml:1:17: scrape_configs: want a list, got a mapping"},
    /* labels and targets */
    {"global:\n  external_labels:\n    bad-name: x\n",
     "t.yaml:3:5: global.external_labels: invalid label name \"bad-name\": want "
     "[a-zA-Z_][a-zA-Z0-9_]*"},
    {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\"a:1\"]\n"
     "        labels: {9x: y}\n",
     "t.yaml:5:18: scrape_configs[0].static_configs[0].labels: invalid label name \"9x\": want "
     "[a-zA-Z_][a-zA-Z0-9_]*"},
    {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets:\n"
     "          - 10.0.0.1:80\n          - http://10.0.0.2:80\n",
     "t.yaml:6:13: scrape_configs[0].static_configs[0].targets[1]: invalid target "
     "\"http://10.0.0.2:80\": want host:port"},
    {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h:0']\n",
     "t.yaml:4:19: scrape_configs[0].static_configs[0].targets[0]: invalid target \"h:0\": want "
     "host:port"},
    {"server: {listen: 7070}\n",
     "t.yaml:1:18: server.listen: invalid address \"7070\": want host:port"},
    {"alerting: {match_labels: [job, 'a.b']}\n",
     "t.yaml:1:32: alerting.match_labels[1]: invalid label name \"a.b\": want "
     "[a-zA-Z_][a-zA-Z0-9_]*"},
    {"alerting: {profiles: [cpu, fgprof]}\n",
     "t.yaml:1:28: alerting.profiles[1]: unknown profile \"fgprof\""},
    {"alerting: {profiles: []}\n",
     "t.yaml:1:22: alerting.profiles: empty: an alert would capture nothing"},
    {"alerting: {profiles: [cpu, heap, cpu]}\n",
     "t.yaml:1:34: alerting.profiles[2]: \"cpu\" twice"},
    {"alerting: {profiles: [cpu, heap, goroutine, allocs, block, mutex, threadcreate, cpu, heap,"
     " goroutine, allocs, block, mutex, threadcreate, cpu, heap, goroutine]}\n",
     "t.yaml:1:22: alerting.profiles: more than 16 profiles"},
    {"alerting: {seconds: 61}\n",
     "t.yaml:1:21: alerting.seconds: invalid number \"61\": want an integer from 1 to 60"},
    /* timing */
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: 30s\n    scrape_timeout: 31s\n",
     "t.yaml:4:21: scrape_configs[0].scrape_timeout: scrape_timeout 31s is greater than "
     "scrape_interval 30s"},
    {"global:\n  scrape_interval: 10s\n  scrape_timeout: 1m\n",
     "t.yaml:3:19: global.scrape_timeout: scrape_timeout 1m is greater than scrape_interval 10s"},
    {"scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    profiles:\n"
     "      cpu: {seconds: 10}\n",
     "t.yaml:5:22: scrape_configs[0].profiles.cpu.seconds: 10s must be less than "
     "scrape_interval 10s"},
    /* only written seconds are refused (test_cpu_seconds_derived) */
    {"scrape_configs:\n  - job_name: a\n    scrape_timeout: 5s\n    profiles:\n"
     "      cpu: {seconds: 10}\n",
     "t.yaml:5:22: scrape_configs[0].profiles.cpu.seconds: 10s must be less than "
     "scrape_timeout 5s"},
    {"global: {scrape_interval: 1s}\n"
     "scrape_configs:\n  - {job_name: a, profiles: {cpu: {seconds: 1}}}\n",
     "t.yaml:3:45: scrape_configs[0].profiles.cpu.seconds: 1s must be less than "
     "scrape_interval 1s"},
    /* profiles */
    {"scrape_configs:\n  - job_name: a\n    profiles:\n      fgprof: {enabled: true}\n",
     "t.yaml:4:15: scrape_configs[0].profiles.fgprof: custom profile \"fgprof\" needs a path "
     "(e.g. path: /debug/fgprof)"},
    {"scrape_configs:\n  - job_name: a\n    profiles:\n      heap: {seconds: 5}\n",
     "t.yaml:4:14: scrape_configs[0].profiles.heap.seconds: unknown field \"seconds\""},
    {"scrape_configs:\n  - job_name: a\n    profiles:\n      cpu: {enabled: yes please}\n",
     "t.yaml:4:22: scrape_configs[0].profiles.cpu.enabled: invalid boolean \"yes please\": want "
     "true or false"},
    {"scrape_configs:\n  - job_name: a\n    profiles:\n      cpu: {seconds: 0}\n",
     "t.yaml:4:22: scrape_configs[0].profiles.cpu.seconds: invalid number \"0\": want an integer "
     "from 1 to 3600"},
    {"scrape_configs:\n  - job_name: a\n    profiles:\n      x: {path: debug/x}\n",
     "t.yaml:4:17: scrape_configs[0].profiles.x.path: path \"debug/x\" must start with /"},
    /* connection */
    {"scrape_configs:\n  - job_name: a\n    scheme: ftp\n",
     "t.yaml:3:13: scrape_configs[0].scheme: invalid scheme \"ftp\": want http or https"},
    {"scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c.pem}\n",
     "t.yaml:3:17: scrape_configs[0].tls_config: cert_file and key_file must be set together"},
    {"scrape_configs:\n  - job_name: a\n    bearer_token_file: t\n    basic_auth: {username: "
     "u}\n",
     "t.yaml:4:17: scrape_configs[0].basic_auth: at most one of basic_auth and bearer_token_file "
     "may be set"},
    {"scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [targets.txt]\n",
     "t.yaml:4:17: scrape_configs[0].file_sd_configs[0].files[0]: file \"targets.txt\" must have "
     "one of .json, .yml, .yaml extension"},
    /* relabel */
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n",
     "t.yaml:4:17: scrape_configs[0].relabel_configs[0].action: unknown relabel action "
     "\"explode\": want replace, keep, drop, hashmod, labelmap, labeldrop or labelkeep"},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n"
     "        target_label: s\n",
     "t.yaml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod "
     "requires non-zero modulus"},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [a]\n",
     "t.yaml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for replace "
     "action requires 'target_label' value"},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: keep, regex: "
     "'a(b'}\n",
     "t.yaml:4:31: scrape_configs[0].relabel_configs[0].regex: invalid regex \"a(b\": "
     "missing ): a(b"},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: labeldrop, "
     "regex: x, target_label: y}\n",
     "t.yaml:4:9: scrape_configs[0].relabel_configs[0]: labeldrop action requires only "
     "'regex', and no other fields"},
    {"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {source_labels: ['a-b'], "
     "action: keep}\n",
     "t.yaml:4:9: scrape_configs[0].relabel_configs[0]: \"a-b\" is not a valid label name in "
     "source_labels"},
    /* syntax */
    {"server:\n  listen: [127.0.0.1:7070\n",
     "t.yaml:3:1: yaml: did not find expected ',' or ']' while parsing a flow sequence"},
    {"- a\n- b\n", "t.yaml:1:1: want a mapping, got a list"},
    {"server: x\n", "t.yaml:1:9: server: want a mapping, got a scalar"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
        expect_error(err_cases[i].yaml, err_cases[i].want);
}

typedef struct lines {
    char text[2048];
    int n;
} lines;

static void collect(void *ud, const char *line)
{
    lines *l = ud;
    size_t off = strlen(l->text);
    snprintf(l->text + off, sizeof(l->text) - off, "%s\n", line);
    l->n++;
}

static void test_all_errors_reported(void **state)
{
    (void)state;
    static const char yaml[] = "server: {listen: nope, extra: 1}\n"
                               "scrape_configs:\n"
                               "  - job_name: a\n"
                               "    scrape_interval: 1x\n"
                               "  - job_name: a\n";
    lines l = {{0}, 0};
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_config_parse_diag(yaml, strlen(yaml), "m.yaml", &cfg, &err, collect, &l),
                     -EINVAL);
    assert_null(cfg);
    assert_string_equal(l.text,
                        "m.yaml:1:24: server.extra: unknown field \"extra\"\n"
                        "m.yaml:1:18: server.listen: invalid address \"nope\": want host:port\n"
                        "m.yaml:4:22: scrape_configs[0].scrape_interval: invalid duration "
                        "\"1x\": unknown unit \"x\"\n"
                        "m.yaml:5:15: scrape_configs[1].job_name: duplicate job_name \"a\" "
                        "(first at line 3)\n");
    assert_string_equal(err.msg, "m.yaml:1:24: server.extra: unknown field \"extra\"");
}

static void test_alias_bomb_is_bounded(void **state)
{
    (void)state;
    /* 9 levels of 10 aliases each: 10^9 nodes once expanded */
    char yaml[2048] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'j'; c++) {
        char line[128];
        char p = (char)(c - 1);
        snprintf(line, sizeof(line), "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                 c, c, p, p, p, p, p, p, p, p, p, p);
        strcat(yaml, line);
    }
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_config_parse(yaml, strlen(yaml), "b.yaml", &cfg, &err), -E2BIG);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, "b.yaml: yaml: document nested deeper"));
}

static void test_load_file(void **state)
{
    (void)state;
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_config_load("/nonexistent/pprofd.yaml", &cfg, &err), -ENOENT);
    assert_null(cfg);
    assert_string_equal(err.msg, "/nonexistent/pprofd.yaml: No such file or directory");
    char path[] = "/tmp/pd_cfg_XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("scrape_configs:\n  - job_name: x\n    scrape_interval: 2w\n", f);
    fclose(f);
    pd_err_clear(&err);
    assert_int_equal(pd_config_load(path, &cfg, &err), 0);
    assert_string_equal(cfg->source, path);
    assert_int_equal(cfg->jobs[0].scrape_interval_ms, 14 * D);
    pd_config_free(cfg);
    unlink(path);
}

typedef struct dur_case {
    const char *in;
    int rc;
    int64_t ms;
    const char *formatted; /* NULL = same as in */
} dur_case;

static void test_durations(void **state)
{
    (void)state;
    static const dur_case cases[] = {
        {"0", 0, 0, "0s"},
        {"0s", 0, 0, NULL},
        {"500ms", 0, 500, NULL},
        {"1s", 0, 1000, NULL},
        {"90s", 0, 90 * S, "1m30s"},
        {"1h30m", 0, 90 * M, NULL},
        {"15d", 0, 15 * D, NULL}, /* weeks and years only when exact */
        {"14d", 0, 14 * D, "2w"},
        {"1w", 0, 7 * D, NULL},
        {"1y", 0, 365 * D, NULL},
        {"1y2w3d4h5m6s7ms", 0, 365 * D + 14 * D + 3 * D + 4 * H + 5 * M + 6 * S + 7,
         "382d4h5m6s7ms"},
        {"10m", 0, 10 * M, NULL},
        {"90d", 0, 90 * D, "90d"},
        {"", -EINVAL, 0, NULL},
        {"-5s", -EINVAL, 0, NULL},
        {"5", -EINVAL, 0, NULL},
        {"5x", -EINVAL, 0, NULL},
        {"s", -EINVAL, 0, NULL},
        {"1.5h", -EINVAL, 0, NULL},
        {"1m1h", -EINVAL, 0, NULL}, /* units out of order */
        {"1s1s", -EINVAL, 0, NULL}, /* repeated unit */
        {"5 s", -EINVAL, 0, NULL},
        {"1us", -EINVAL, 0, NULL}, /* below millisecond resolution */
        {"300y", -ERANGE, 0, NULL},
        {"99999999999999999999s", -ERANGE, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = -1;
        pd_err err = {{0}};
        int rc = pd_parse_duration(cases[i].in, &ms, &err);
        if (rc != cases[i].rc)
            fprintf(stderr, "duration \"%s\": rc %d (%s)\n", cases[i].in, rc, err.msg);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(ms, cases[i].ms);
            char buf[64];
            pd_format_duration(ms, buf, sizeof(buf));
            assert_string_equal(buf, cases[i].formatted ? cases[i].formatted : cases[i].in);
        } else {
            assert_non_null(strstr(err.msg, "invalid duration \""));
        }
    }
}

typedef struct size_case {
    const char *in;
    int rc;
    uint64_t bytes;
} size_case;

static void test_sizes(void **state)
{
    (void)state;
    static const size_case cases[] = {
        {"0", 0, 0},
        {"123", 0, 123},
        {"10B", 0, 10},
        {"1KB", 0, 1024},
        {"1KiB", 0, 1024},
        {"64MiB", 0, 64ULL << 20},
        {"3MB", 0, 3ULL << 20},
        {"50GiB", 0, 50ULL << 30},
        {"2GB", 0, 2ULL << 30},
        {"1TiB", 0, 1ULL << 40},
        {"4TB", 0, 4ULL << 40},
        {"18446744073709551615", 0, UINT64_MAX},
        {"", -EINVAL, 0},
        {"-1", -EINVAL, 0},
        {"MiB", -EINVAL, 0},
        {"1.5GiB", -EINVAL, 0},
        {"10 MiB", -EINVAL, 0},
        {"10mib", -EINVAL, 0},
        {"1PiB", -EINVAL, 0},
        {"18446744073709551616", -ERANGE, 0},
        {"20000000TiB", -ERANGE, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t b = 7;
        pd_err err = {{0}};
        int rc = pd_parse_size(cases[i].in, &b, &err);
        if (rc != cases[i].rc)
            fprintf(stderr, "size \"%s\": rc %d (%s)\n", cases[i].in, rc, err.msg);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0)
            assert_true(b == cases[i].bytes);
        else
            assert_non_null(strstr(err.msg, "invalid size \""));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_job_defaults),
        cmocka_unit_test(test_full_round_trip),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_rollup_retention),
        cmocka_unit_test(test_cpu_seconds_derived),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_alias_bomb_is_bounded),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
