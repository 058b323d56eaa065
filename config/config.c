/* The top of the config: sections, defaults, load and free. */
#include "cfg_read.h"

#include "pd_duration.h"
#include "pd_file.h"
#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONFIG_BYTES (16u << 20)

static char **str_list(const char *const *v, size_t n)
{
    char **out = pd_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = pd_xstrdup(v[i]);
    return out;
}

pd_config *pd_config_default(void)
{
    static const char *const alert_profiles[] = {"cpu", "goroutine", "heap"};
    static const char *const match_labels[] = {"instance", "job"};
    pd_config *cfg = pd_xcalloc(1, sizeof(*cfg));
    cfg->source = pd_xstrdup("");
    cfg->server.listen = pd_xstrdup("127.0.0.1:7070");
    cfg->server.auth_token_file = pd_xstrdup("");
    cfg->storage.path = pd_xstrdup("./data/pprofd.db");
    cfg->storage.retention_ms = 15 * PD_MS_DAY;
    cfg->storage.rollup_retention_ms[0] = 90 * PD_MS_DAY;
    cfg->storage.rollup_retention_ms[1] = PD_MS_YEAR;
    cfg->storage.rollup_retention_ms[2] = 0;
    cfg->storage.max_size = 0;
    cfg->limits.max_concurrent_scrapes = 64;
    cfg->limits.max_profile_bytes = 64u << 20;
    cfg->limits.capture_budget.count = 3;
    cfg->limits.capture_budget.per_ms = 10 * PD_MS_MINUTE;
    cfg->limits.max_query_profiles = PD_CONFIG_MAX_QUERY_ROWS;
    cfg->global.scrape_interval_ms = 60 * PD_MS_SECOND;
    cfg->global.scrape_timeout_ms = 0;
    pd_labels_init(&cfg->global.external_labels);
    cfg->alerting.profiles = str_list(alert_profiles, 3);
    cfg->alerting.nprofiles = 3;
    cfg->alerting.match_labels = str_list(match_labels, 2);
    cfg->alerting.nmatch_labels = 2;
    return cfg;
}

void pd_config_free(pd_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->source);
    free(cfg->server.listen);
    free(cfg->server.auth_token_file);
    free(cfg->storage.path);
    pd_labels_free(&cfg->global.external_labels);
    for (size_t i = 0; i < cfg->njobs; i++)
        cfg_job_free(&cfg->jobs[i]);
    free(cfg->jobs);
    cfg_str_list_free(cfg->alerting.profiles, cfg->alerting.nprofiles);
    cfg_str_list_free(cfg->alerting.match_labels, cfg->alerting.nmatch_labels);
    free(cfg);
}

const pd_job *pd_config_job(const pd_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->njobs; i++)
        if (strcmp(cfg->jobs[i].name, name) == 0)
            return &cfg->jobs[i];
    return NULL;
}

/* host:port, where port 0 asks the system for a free port (tests, and
 * several daemons on one machine). */
static bool listen_valid(const char *listen)
{
    size_t n = strlen(listen);
    if (n >= 2 && strcmp(listen + n - 2, ":0") == 0) {
        char probe[300];
        if (n + 4 >= sizeof(probe))
            return false;
        memcpy(probe, listen, n - 1);
        memcpy(probe + n - 1, "1", 2);
        return pd_hostport_valid(probe);
    }
    return pd_hostport_valid(listen);
}

static int server(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"listen", "auth_token_file", NULL};
    if (cfg_check_map(c, node, "server", keys) < 0)
        return -EINVAL;
    int rc = cfg_str(c, node, "server", "listen", &cfg->server.listen);
    if (rc == 0 && !listen_valid(cfg->server.listen))
        rc = cfg_fail(c, yn_get(node, "listen"), "server.listen",
                      "invalid address \"%s\": want host:port", cfg->server.listen);
    rc |= cfg_file(c, node, "server", "auth_token_file", &cfg->server.auth_token_file);
    return rc;
}

/* storage.rollup_retention: how long each rollup resolution is kept. A
 * coarser one is kept at least as long as the finer ones (and the raw
 * profiles), or a query would find a hole where the finer one still is. */
static int rollup_retention(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"5m", "1h", "1d", NULL};
    const yn *r = yn_get(node, "rollup_retention");
    if (cfg_check_map(c, r, "storage.rollup_retention", keys) < 0)
        return -EINVAL;
    int rc = 0;
    int64_t finer = cfg->storage.retention_ms;
    const char *finer_name = "storage.retention";
    char path[64];
    for (int i = 0; i < 3; i++) {
        int64_t *v = &cfg->storage.rollup_retention_ms[i];
        bool given = !yn_null(yn_get(r, keys[i]));
        rc |= cfg_duration(c, r, "storage.rollup_retention", keys[i], v);
        snprintf(path, sizeof(path), "storage.rollup_retention.%s", keys[i]);
        /* a default follows a longer finer retention rather than refuse it */
        if (!given && *v != 0 && (finer == 0 || *v < finer))
            *v = finer;
        if (rc == 0 && *v != 0 && (finer == 0 || *v < finer))
            rc = cfg_fail(c, yn_get(r, keys[i]), path,
                          "must be 0 (forever) or at least %s (a coarser resolution is kept as long"
                          " as a finer one)",
                          finer_name);
        finer = *v;
        finer_name = i == 0 ? "storage.rollup_retention.5m" : "storage.rollup_retention.1h";
    }
    return rc;
}

static int storage(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"path", "retention", "max_size", "rollup_retention", NULL};
    if (cfg_check_map(c, node, "storage", keys) < 0)
        return -EINVAL;
    int rc = cfg_str(c, node, "storage", "path", &cfg->storage.path);
    if (rc == 0 && cfg->storage.path[0] == '\0')
        rc = cfg_fail(c, yn_get(node, "path"), "storage.path", "must not be empty");
    rc |= cfg_duration(c, node, "storage", "retention", &cfg->storage.retention_ms);
    rc |= cfg_size(c, node, "storage", "max_size", &cfg->storage.max_size);
    if (rc == 0)
        rc = rollup_retention(c, node, cfg);
    return rc;
}

static int limits(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"max_concurrent_scrapes", "max_profile_bytes",
                                       "capture_budget", "max_query_profiles", NULL};
    static const char *const budget_keys[] = {"count", "per", NULL};
    if (cfg_check_map(c, node, "limits", keys) < 0)
        return -EINVAL;
    uint64_t scrapes = cfg->limits.max_concurrent_scrapes;
    int rc = cfg_uint(c, node, "limits", "max_concurrent_scrapes", 1, 65535, &scrapes);
    cfg->limits.max_concurrent_scrapes = (uint32_t)scrapes;
    rc |= cfg_size(c, node, "limits", "max_profile_bytes", &cfg->limits.max_profile_bytes);
    if (rc == 0 && cfg->limits.max_profile_bytes == 0)
        rc = cfg_fail(c, yn_get(node, "max_profile_bytes"), "limits.max_profile_bytes",
                      "must be greater than 0");
    rc |= cfg_uint(c, node, "limits", "max_query_profiles", 1, UINT32_MAX,
                   &cfg->limits.max_query_profiles);
    const yn *b = yn_get(node, "capture_budget");
    if (cfg_check_map(c, b, "limits.capture_budget", budget_keys) < 0)
        return -EINVAL;
    uint64_t count = cfg->limits.capture_budget.count;
    rc |= cfg_uint(c, b, "limits.capture_budget", "count", 0, 1000000, &count);
    cfg->limits.capture_budget.count = (uint32_t)count;
    rc |= cfg_duration(c, b, "limits.capture_budget", "per", &cfg->limits.capture_budget.per_ms);
    if (rc == 0 && cfg->limits.capture_budget.per_ms <= 0)
        rc = cfg_fail(c, yn_get(b, "per"), "limits.capture_budget.per", "must be greater than 0");
    return rc;
}

static int global(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"scrape_interval", "scrape_timeout", "external_labels",
                                       NULL};
    if (cfg_check_map(c, node, "global", keys) < 0)
        return -EINVAL;
    int rc = cfg_duration(c, node, "global", "scrape_interval", &cfg->global.scrape_interval_ms);
    rc |= cfg_duration(c, node, "global", "scrape_timeout", &cfg->global.scrape_timeout_ms);
    rc |= cfg_labels(c, node, "global", "external_labels", &cfg->global.external_labels);
    if (rc < 0)
        return rc;
    if (cfg->global.scrape_interval_ms <= 0)
        return cfg_fail(c, yn_get(node, "scrape_interval"), "global.scrape_interval",
                        "must be greater than 0");
    if (cfg->global.scrape_timeout_ms > cfg->global.scrape_interval_ms) {
        char t[32], i[32];
        pd_format_duration(cfg->global.scrape_timeout_ms, t, sizeof(t));
        pd_format_duration(cfg->global.scrape_interval_ms, i, sizeof(i));
        return cfg_fail(c, yn_get(node, "scrape_timeout"), "global.scrape_timeout",
                        "scrape_timeout %s is greater than scrape_interval %s", t, i);
    }
    return 0;
}

static int jobs(cfg_ctx *c, const yn *list, pd_config *cfg)
{
    if (yn_null(list))
        return 0;
    if (cfg_check_seq(c, list, "scrape_configs") < 0)
        return -EINVAL;
    cfg->jobs = pd_xcalloc(list->n ? list->n : 1, sizeof(pd_job));
    int rc = 0;
    for (size_t i = 0; i < list->n; i++) {
        char p[CFG_PATH_MAX];
        cfg_index(p, "scrape_configs", i);
        if (cfg_job(c, list->items[i], p, cfg, &cfg->jobs[i]) < 0)
            rc = -EINVAL;
        cfg->njobs = i + 1;
        for (size_t j = 0; j < i && cfg->jobs[i].name[0] != '\0'; j++) {
            if (strcmp(cfg->jobs[j].name, cfg->jobs[i].name) != 0)
                continue;
            char pn[CFG_PATH_MAX];
            cfg_join(pn, p, "job_name");
            const yn *first = yn_get(list->items[j], "job_name");
            rc = cfg_fail(c, yn_get(list->items[i], "job_name"), pn,
                          "duplicate job_name \"%s\" (first at line %u)", cfg->jobs[i].name,
                          first != NULL ? first->line : 0);
            break;
        }
    }
    return rc;
}

static int alerting(cfg_ctx *c, const yn *node, pd_config *cfg)
{
    static const char *const keys[] = {"profiles", "match_labels", "seconds", NULL};
    if (cfg_check_map(c, node, "alerting", keys) < 0)
        return -EINVAL;
    int rc = cfg_str_list(c, node, "alerting", "profiles", &cfg->alerting.profiles,
                          &cfg->alerting.nprofiles);
    rc |= cfg_str_list(c, node, "alerting", "match_labels", &cfg->alerting.match_labels,
                       &cfg->alerting.nmatch_labels);
    uint64_t secs = 0;
    rc |= cfg_uint(c, node, "alerting", "seconds", 1, PD_CAPTURE_MAX_SECONDS, &secs);
    cfg->alerting.seconds = (int64_t)secs;
    if (rc < 0)
        return rc;
    char p[CFG_PATH_MAX];
    const yn *list = yn_get(node, "profiles");
    if (list != NULL && cfg->alerting.nprofiles == 0)
        rc = cfg_fail(c, list, "alerting.profiles", "empty: an alert would capture nothing");
    if (cfg->alerting.nprofiles > PD_CAPTURE_MAX_PROFILES)
        rc = cfg_fail(c, list, "alerting.profiles", "more than %d profiles",
                      PD_CAPTURE_MAX_PROFILES);
    for (size_t i = 0; list != NULL && i < cfg->alerting.nprofiles; i++) {
        const char *name = cfg->alerting.profiles[i];
        cfg_index(p, "alerting.profiles", i);
        if (!pd_config_profile_known(cfg, name))
            rc = cfg_fail(c, list->items[i], p, "unknown profile \"%s\"", name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->alerting.profiles[j], name) == 0)
                rc = cfg_fail(c, list->items[i], p, "\"%s\" twice", name);
    }
    for (size_t i = 0; i < cfg->alerting.nmatch_labels; i++) {
        if (pd_label_name_valid(cfg->alerting.match_labels[i]))
            continue;
        cfg_index(p, "alerting.match_labels", i);
        rc = cfg_fail(c, yn_get(node, "match_labels")->items[i], p,
                      "invalid label name \"%s\": want [a-zA-Z_][a-zA-Z0-9_]*",
                      cfg->alerting.match_labels[i]);
    }
    return rc;
}

static char *dir_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    if (slash == NULL)
        return NULL; /* relative to the working directory already */
    if (slash == name)
        return pd_xstrdup("/");
    size_t n = (size_t)(slash - name);
    char *d = pd_xmalloc(n + 1);
    memcpy(d, name, n);
    d[n] = '\0';
    return d;
}

int pd_config_parse_diag(const char *text, size_t len, const char *name, pd_config **out,
                         pd_err *err, pd_config_diag_fn *diag, void *ud)
{
    static const char *const keys[] = {"server",         "storage",  "limits", "global",
                                       "scrape_configs", "alerting", NULL};
    pd_err local = {{0}};
    if (err == NULL)
        err = &local;
    *out = NULL;
    yn_doc doc;
    int rc = yn_parse_yaml(text, len, name, &doc, err);
    if (rc < 0) {
        if (diag != NULL)
            diag(ud, err->msg);
        return rc;
    }
    cfg_ctx c = {name, dir_of(name), err, diag, ud, 0};
    pd_config *cfg = pd_config_default();
    free(cfg->source);
    cfg->source = pd_xstrdup(name);
    const yn *root = doc.root;
    if (cfg_check_map(&c, root, "", keys) == 0) {
        server(&c, yn_get(root, "server"), cfg);
        storage(&c, yn_get(root, "storage"), cfg);
        limits(&c, yn_get(root, "limits"), cfg);
        /* jobs inherit from global: skip them if global is wrong */
        if (global(&c, yn_get(root, "global"), cfg) == 0)
            jobs(&c, yn_get(root, "scrape_configs"), cfg);
        if (c.nerr == 0)
            alerting(&c, yn_get(root, "alerting"), cfg);
    }
    free(c.dir);
    yn_doc_free(&doc);
    if (c.nerr > 0) {
        pd_config_free(cfg);
        return -EINVAL;
    }
    *out = cfg;
    return 0;
}

int pd_config_parse(const char *text, size_t len, const char *name, pd_config **out, pd_err *err)
{
    return pd_config_parse_diag(text, len, name, out, err, NULL, NULL);
}

int pd_config_load_diag(const char *path, pd_config **out, pd_err *err, pd_config_diag_fn *diag,
                        void *ud)
{
    pd_err local = {{0}};
    if (err == NULL)
        err = &local;
    uint8_t *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = pd_read_file(path, MAX_CONFIG_BYTES, &data, &len, err);
    if (rc < 0) {
        if (diag != NULL)
            diag(ud, err->msg);
        return rc;
    }
    rc = pd_config_parse_diag((const char *)data, len, path, out, err, diag, ud);
    free(data);
    return rc;
}

int pd_config_load(const char *path, pd_config **out, pd_err *err)
{
    return pd_config_load_diag(path, out, err, NULL, NULL);
}
