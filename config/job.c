/* One scrape_configs entry: fields, inheritance from global, and the checks
 * that tie them together (timeouts against intervals, profile seconds). */
#include "cfg_read.h"

#include "pd_duration.h"
#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FILE_SD_REFRESH_MS (5 * 60 * PD_MS_SECOND)
#define CPU_TIMEOUT_SLACK_MS (10 * PD_MS_SECOND)

static void free_rule(pd_relabel_rule *r)
{
    pd_relabel_release(r);
    cfg_str_list_free((char **)r->source_labels, r->nsource_labels);
    free((char *)r->separator);
    free((char *)r->regex);
    free((char *)r->target_label);
    free((char *)r->replacement);
}

void cfg_job_free(pd_job *job)
{
    free(job->name);
    free(job->scheme);
    free(job->path_prefix);
    free(job->bearer_token_file);
    free(job->basic_auth.username);
    free(job->basic_auth.password_file);
    free(job->tls.ca_file);
    free(job->tls.cert_file);
    free(job->tls.key_file);
    for (size_t i = 0; i < job->nstatic_configs; i++)
        pd_target_group_free(&job->static_configs[i]);
    free(job->static_configs);
    for (size_t i = 0; i < job->nfile_sd_configs; i++)
        cfg_str_list_free(job->file_sd_configs[i].files, job->file_sd_configs[i].nfiles);
    free(job->file_sd_configs);
    for (size_t i = 0; i < job->nrelabel_configs; i++)
        free_rule(&job->relabel_configs[i]);
    free(job->relabel_configs);
    for (size_t i = 0; i < job->nprofiles; i++) {
        free(job->profiles[i].name);
        free(job->profiles[i].path);
    }
    free(job->profiles);
    memset(job, 0, sizeof(*job));
}

static int relabel_rule(cfg_ctx *c, const yn *node, const char *path, pd_relabel_rule *r)
{
    static const char *const keys[] = {"source_labels", "separator", "regex",  "target_label",
                                       "replacement",   "modulus",   "action", NULL};
    if (yn_null(node))
        return cfg_fail(c, node, path, "empty relabel rule");
    if (cfg_check_map(c, node, path, keys) < 0)
        return -EINVAL;
    int rc = 0;
    char **src = NULL, *sep = NULL, *re = NULL, *target = NULL, *repl = NULL, *action = NULL;
    size_t nsrc = 0;
    uint64_t modulus = 0;
    rc |= cfg_str_list(c, node, path, "source_labels", &src, &nsrc);
    rc |= cfg_str(c, node, path, "separator", &sep);
    rc |= cfg_str(c, node, path, "regex", &re);
    rc |= cfg_str(c, node, path, "target_label", &target);
    rc |= cfg_str(c, node, path, "replacement", &repl);
    rc |= cfg_uint(c, node, path, "modulus", 0, UINT64_MAX / 2, &modulus);
    rc |= cfg_str(c, node, path, "action", &action);
    r->source_labels = (const char *const *)src;
    r->nsource_labels = nsrc;
    r->separator = sep;
    r->regex = re;
    r->target_label = target;
    r->replacement = repl;
    r->modulus = modulus;
    char p[CFG_PATH_MAX];
    if (action != NULL && pd_relabel_action_parse(action, &r->action) < 0) {
        cfg_join(p, path, "action");
        rc = cfg_fail(c, yn_get(node, "action"), p,
                      "unknown relabel action \"%s\": want replace, keep, drop, hashmod, "
                      "labelmap, labeldrop or labelkeep",
                      action);
    }
    free(action);
    if (rc < 0)
        return -EINVAL;
    pd_err e = {{0}};
    if (pd_relabel_compile(r, &e) < 0) {
        const yn *at = node;
        if (strncmp(e.msg, "invalid regex", 13) == 0) {
            at = yn_get(node, "regex");
            cfg_join(p, path, "regex");
            return cfg_fail(c, at, p, "%s", e.msg);
        }
        return cfg_fail(c, at, path, "%s", e.msg);
    }
    return 0;
}

static int relabel_configs(cfg_ctx *c, const yn *job, const char *path, pd_job *out)
{
    const yn *list = yn_get(job, "relabel_configs");
    char p[CFG_PATH_MAX];
    cfg_join(p, path, "relabel_configs");
    if (yn_null(list))
        return 0;
    if (cfg_check_seq(c, list, p) < 0)
        return -EINVAL;
    out->relabel_configs = pd_xcalloc(list->n ? list->n : 1, sizeof(pd_relabel_rule));
    int rc = 0;
    for (size_t i = 0; i < list->n; i++) {
        char pi[CFG_PATH_MAX];
        cfg_index(pi, p, i);
        /* a failed rule still owns its strings: count it so free finds them */
        if (relabel_rule(c, list->items[i], pi, &out->relabel_configs[i]) < 0)
            rc = -EINVAL;
        out->nrelabel_configs = i + 1;
    }
    return rc;
}

static int static_configs(cfg_ctx *c, const yn *job, const char *path, pd_job *out)
{
    const yn *list = yn_get(job, "static_configs");
    char p[CFG_PATH_MAX];
    cfg_join(p, path, "static_configs");
    if (yn_null(list))
        return 0;
    if (cfg_check_seq(c, list, p) < 0)
        return -EINVAL;
    out->static_configs = pd_xcalloc(list->n ? list->n : 1, sizeof(pd_target_group));
    int rc = 0;
    for (size_t i = 0; i < list->n; i++) {
        char pi[CFG_PATH_MAX];
        cfg_index(pi, p, i);
        /* where later errors (after relabeling) point */
        char source[CFG_PATH_MAX + 64];
        const yn *g = list->items[i];
        snprintf(source, sizeof(source), "%s:%u:%u: %s", c->file, g->line, g->col, pi);
        if (cfg_group(c, g, pi, source, &out->static_configs[i]) < 0)
            rc = -EINVAL;
        out->nstatic_configs = i + 1;
    }
    return rc;
}

static bool sd_extension_ok(const char *f)
{
    static const char *const exts[] = {".json", ".yml", ".yaml"};
    size_t n = strlen(f);
    for (size_t i = 0; i < 3; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcmp(f + n - e, exts[i]) == 0)
            return true;
    }
    return false;
}

static int file_sd_configs(cfg_ctx *c, const yn *job, const char *path, pd_job *out)
{
    static const char *const keys[] = {"files", "refresh_interval", NULL};
    const yn *list = yn_get(job, "file_sd_configs");
    char p[CFG_PATH_MAX];
    cfg_join(p, path, "file_sd_configs");
    if (yn_null(list))
        return 0;
    if (cfg_check_seq(c, list, p) < 0)
        return -EINVAL;
    out->file_sd_configs = pd_xcalloc(list->n ? list->n : 1, sizeof(pd_file_sd_cfg));
    int rc = 0;
    for (size_t i = 0; i < list->n; i++) {
        const yn *node = list->items[i];
        pd_file_sd_cfg *sd = &out->file_sd_configs[i];
        out->nfile_sd_configs = i + 1;
        sd->refresh_interval_ms = DEFAULT_FILE_SD_REFRESH_MS;
        char pi[CFG_PATH_MAX], pf[CFG_PATH_MAX];
        cfg_index(pi, p, i);
        cfg_join(pf, pi, "files");
        if (cfg_check_map(c, node, pi, keys) < 0) {
            rc = -EINVAL;
            continue;
        }
        if (cfg_str_list(c, node, pi, "files", &sd->files, &sd->nfiles) < 0 ||
            cfg_duration(c, node, pi, "refresh_interval", &sd->refresh_interval_ms) < 0) {
            rc = -EINVAL;
            continue;
        }
        if (sd->nfiles == 0) {
            rc = cfg_fail(c, node, pf, "at least one file pattern is required");
            continue;
        }
        for (size_t j = 0; j < sd->nfiles; j++) {
            char pj[CFG_PATH_MAX];
            cfg_index(pj, pf, j);
            if (!sd_extension_ok(sd->files[j])) {
                rc = cfg_fail(c, yn_get(node, "files")->items[j], pj,
                              "file \"%s\" must have one of .json, .yml, .yaml extension",
                              sd->files[j]);
                continue;
            }
            char *abs = cfg_resolve(c, sd->files[j]);
            free(sd->files[j]);
            sd->files[j] = abs;
        }
    }
    return rc;
}

static int auth(cfg_ctx *c, const yn *job, const char *path, pd_job *out)
{
    static const char *const ba_keys[] = {"username", "password_file", NULL};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file",
                                           "insecure_skip_verify", NULL};
    char p[CFG_PATH_MAX];
    int rc = cfg_file(c, job, path, "bearer_token_file", &out->bearer_token_file);
    const yn *ba = yn_get(job, "basic_auth");
    cfg_join(p, path, "basic_auth");
    if (cfg_check_map(c, ba, p, ba_keys) < 0) {
        rc = -EINVAL;
    } else {
        rc |= cfg_str(c, ba, p, "username", &out->basic_auth.username);
        rc |= cfg_file(c, ba, p, "password_file", &out->basic_auth.password_file);
        if (rc == 0 && !yn_null(ba) && out->bearer_token_file[0] != '\0')
            rc = cfg_fail(c, ba, p, "at most one of basic_auth and bearer_token_file may be set");
        if (rc == 0 && !yn_null(ba) && out->basic_auth.username[0] == '\0')
            rc = cfg_fail(c, ba, p, "basic_auth needs a username");
    }
    const yn *tls = yn_get(job, "tls_config");
    cfg_join(p, path, "tls_config");
    if (cfg_check_map(c, tls, p, tls_keys) < 0)
        return -EINVAL;
    rc |= cfg_file(c, tls, p, "ca_file", &out->tls.ca_file);
    rc |= cfg_file(c, tls, p, "cert_file", &out->tls.cert_file);
    rc |= cfg_file(c, tls, p, "key_file", &out->tls.key_file);
    rc |= cfg_bool(c, tls, p, "insecure_skip_verify", &out->tls.insecure_skip_verify);
    if (rc == 0 && (out->tls.cert_file[0] == '\0') != (out->tls.key_file[0] == '\0'))
        rc = cfg_fail(c, tls, p, "cert_file and key_file must be set together");
    return rc < 0 ? -EINVAL : 0;
}

static int connection(cfg_ctx *c, const yn *job, const char *path, pd_job *out)
{
    char p[CFG_PATH_MAX];
    int rc = cfg_str(c, job, path, "scheme", &out->scheme);
    cfg_join(p, path, "scheme");
    if (rc == 0 && strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
        rc = cfg_fail(c, yn_get(job, "scheme"), p, "invalid scheme \"%s\": want http or https",
                      out->scheme);
    if (cfg_str(c, job, path, "path_prefix", &out->path_prefix) < 0)
        return -EINVAL;
    cfg_join(p, path, "path_prefix");
    if (out->path_prefix[0] != '\0' && out->path_prefix[0] != '/')
        return cfg_fail(c, yn_get(job, "path_prefix"), p, "path_prefix \"%s\" must start with /",
                        out->path_prefix);
    size_t n = strlen(out->path_prefix);
    while (n > 0 && out->path_prefix[n - 1] == '/')
        out->path_prefix[--n] = '\0';
    return rc;
}

/* The position to blame for a value that may have been inherited. */
static const yn *blame(const yn *job, const char *key)
{
    const yn *v = yn_get(job, key);
    return v != NULL ? v : job;
}

/* Window profiles whose seconds the config does not write get them from
 * the bound of the job's scrapes; one that no whole second fits is off. */
static void derive_seconds(pd_job *job, int64_t bound_ms)
{
    for (size_t i = 0; i < job->nprofiles; i++) {
        pd_profile_cfg *p = &job->profiles[i];
        p->seconds = pd_profile_seconds(p, bound_ms);
        if (p->kind == PD_PROFILE_WINDOW && p->seconds == 0)
            p->enabled = false;
    }
}

static int timing(cfg_ctx *c, const yn *node, const char *path, const pd_config *cfg, pd_job *job)
{
    char interval[32], timeout[32], pi[CFG_PATH_MAX], pt[CFG_PATH_MAX];
    cfg_join(pi, path, "scrape_interval");
    cfg_join(pt, path, "scrape_timeout");
    if (job->scrape_interval_ms <= 0)
        return cfg_fail(c, blame(node, "scrape_interval"), pi, "must be greater than 0");
    pd_format_duration(job->scrape_interval_ms, interval, sizeof(interval));
    bool explicit_timeout = job->scrape_timeout_ms > 0;
    if (!explicit_timeout && cfg->global.scrape_timeout_ms > 0) {
        job->scrape_timeout_ms = cfg->global.scrape_timeout_ms;
        if (job->scrape_timeout_ms > job->scrape_interval_ms)
            job->scrape_timeout_ms = job->scrape_interval_ms;
        explicit_timeout = true;
    }
    if (job->scrape_timeout_ms > job->scrape_interval_ms) {
        pd_format_duration(job->scrape_timeout_ms, timeout, sizeof(timeout));
        return cfg_fail(c, blame(node, "scrape_timeout"), pt,
                        "scrape_timeout %s is greater than scrape_interval %s", timeout, interval);
    }
    job->scrape_timeout_set = explicit_timeout;
    derive_seconds(job, pd_job_seconds_bound(job, job->scrape_interval_ms));
    int64_t max_seconds_ms = 0;
    for (size_t i = 0; i < job->nprofiles; i++) {
        const pd_profile_cfg *p = &job->profiles[i];
        if (!p->enabled || p->seconds == 0)
            continue;
        int64_t s = p->seconds * PD_MS_SECOND;
        if (!p->seconds_set) { /* derived to fit */
            max_seconds_ms = s > max_seconds_ms ? s : max_seconds_ms;
            continue;
        }
        char ps[CFG_PATH_MAX], pprof[CFG_PATH_MAX], pp[CFG_PATH_MAX];
        cfg_join(pprof, path, "profiles");
        cfg_join(pp, pprof, p->name);
        cfg_join(ps, pp, "seconds");
        const yn *at = yn_get(yn_get(yn_get(node, "profiles"), p->name), "seconds");
        if (at == NULL)
            at = blame(node, "scrape_interval");
        if (s >= job->scrape_interval_ms)
            return cfg_fail(c, at, ps, "%llds must be less than scrape_interval %s",
                            (long long)p->seconds, interval);
        if (explicit_timeout && s >= job->scrape_timeout_ms) {
            pd_format_duration(job->scrape_timeout_ms, timeout, sizeof(timeout));
            return cfg_fail(c, at, ps, "%llds must be less than scrape_timeout %s",
                            (long long)p->seconds, timeout);
        }
        if (s > max_seconds_ms)
            max_seconds_ms = s;
    }
    if (!explicit_timeout) {
        job->scrape_timeout_ms = max_seconds_ms + CPU_TIMEOUT_SLACK_MS;
        if (job->scrape_timeout_ms > job->scrape_interval_ms)
            job->scrape_timeout_ms = job->scrape_interval_ms;
    }
    return 0;
}

/* The fields every job starts from, before its YAML is read. */
static void job_defaults(const pd_config *cfg, pd_job *job)
{
    memset(job, 0, sizeof(*job));
    job->name = pd_xstrdup("");
    job->scheme = pd_xstrdup("http");
    job->path_prefix = pd_xstrdup("");
    job->bearer_token_file = pd_xstrdup("");
    job->basic_auth.username = pd_xstrdup("");
    job->basic_auth.password_file = pd_xstrdup("");
    job->tls.ca_file = pd_xstrdup("");
    job->tls.cert_file = pd_xstrdup("");
    job->tls.key_file = pd_xstrdup("");
    job->scrape_interval_ms = cfg->global.scrape_interval_ms;
    cfg_profiles_default(job);
}

int64_t pd_job_seconds_bound(const pd_job *job, int64_t interval_ms)
{
    if (job->scrape_timeout_set && job->scrape_timeout_ms < interval_ms)
        return job->scrape_timeout_ms;
    return interval_ms;
}

int64_t pd_job_timeout_ms(const pd_config *cfg, int64_t interval_ms, int64_t max_seconds)
{
    int64_t t = cfg->global.scrape_timeout_ms;
    if (t <= 0)
        t = max_seconds * PD_MS_SECOND + CPU_TIMEOUT_SLACK_MS;
    return t > interval_ms ? interval_ms : t;
}

pd_job *pd_job_default(const pd_config *cfg, const char *name)
{
    pd_job *job = pd_xcalloc(1, sizeof(*job));
    job_defaults(cfg, job);
    free(job->name);
    job->name = pd_xstrdup(name);
    /* An explicit global timeout first: it bounds the derived seconds. */
    job->scrape_timeout_set = cfg->global.scrape_timeout_ms > 0;
    job->scrape_timeout_ms = pd_job_timeout_ms(cfg, job->scrape_interval_ms, 0);
    derive_seconds(job, pd_job_seconds_bound(job, job->scrape_interval_ms));
    int64_t max_seconds = 0;
    for (size_t i = 0; i < job->nprofiles; i++)
        if (job->profiles[i].enabled && job->profiles[i].seconds > max_seconds)
            max_seconds = job->profiles[i].seconds;
    job->scrape_timeout_ms = pd_job_timeout_ms(cfg, job->scrape_interval_ms, max_seconds);
    return job;
}

void pd_job_free(pd_job *job)
{
    if (job == NULL)
        return;
    cfg_job_free(job);
    free(job);
}

int cfg_job(cfg_ctx *c, const yn *node, const char *path, const pd_config *cfg, pd_job *job)
{
    static const char *const keys[] = {"job_name",
                                       "scrape_interval",
                                       "scrape_timeout",
                                       "scheme",
                                       "path_prefix",
                                       "bearer_token_file",
                                       "basic_auth",
                                       "tls_config",
                                       "static_configs",
                                       "file_sd_configs",
                                       "relabel_configs",
                                       "profiles",
                                       NULL};
    job_defaults(cfg, job);
    if (yn_null(node) || node->kind != YN_MAP)
        return cfg_fail(c, node, path, "want a mapping with job_name, got %s", yn_kind_name(node));
    if (cfg_check_map(c, node, path, keys) < 0)
        return -EINVAL;
    int rc = cfg_str(c, node, path, "job_name", &job->name);
    char p[CFG_PATH_MAX];
    cfg_join(p, path, "job_name");
    if (rc == 0 && job->name[0] == '\0')
        rc = cfg_fail(c, blame(node, "job_name"), p, "job_name is required");
    rc |= cfg_duration(c, node, path, "scrape_interval", &job->scrape_interval_ms);
    rc |= cfg_duration(c, node, path, "scrape_timeout", &job->scrape_timeout_ms);
    rc |= connection(c, node, path, job);
    rc |= auth(c, node, path, job);
    rc |= static_configs(c, node, path, job);
    rc |= file_sd_configs(c, node, path, job);
    rc |= relabel_configs(c, node, path, job);
    cfg_join(p, path, "profiles");
    rc |= cfg_profiles(c, yn_get(node, "profiles"), p, job);
    if (rc < 0)
        return -EINVAL;
    return timing(c, node, path, cfg, job);
}
