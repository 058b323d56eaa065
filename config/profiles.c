/* The profiles a job scrapes: Go's seven with their defaults and
 * custom ones, which need a path. */
#include "cfg_read.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SECONDS 3600

typedef struct go_profile {
    const char *name;
    const char *path;
    bool enabled;
    int64_t seconds;
} go_profile;

static const go_profile go_profiles[] = {
    {"cpu", "/debug/pprof/profile", true, PD_DEFAULT_SECONDS},
    {"heap", "/debug/pprof/heap", true, 0},
    {"allocs", "/debug/pprof/allocs", false, 0},
    {"goroutine", "/debug/pprof/goroutine", true, 0},
    {"block", "/debug/pprof/block", false, 0},
    {"mutex", "/debug/pprof/mutex", false, 0},
    {"threadcreate", "/debug/pprof/threadcreate", false, 0},
};
#define NGO (sizeof(go_profiles) / sizeof(go_profiles[0]))

void cfg_profiles_default(pd_job *job)
{
    job->profiles = pd_xcalloc(NGO, sizeof(pd_profile_cfg));
    job->nprofiles = NGO;
    for (size_t i = 0; i < NGO; i++) {
        pd_profile_cfg *p = &job->profiles[i];
        p->name = pd_xstrdup(go_profiles[i].name);
        p->path = pd_xstrdup(go_profiles[i].path);
        p->enabled = go_profiles[i].enabled;
        p->seconds = go_profiles[i].seconds;
        (void)pd_kind_of_go(p->name, &p->kind);
    }
}

int64_t pd_default_seconds(int64_t bound_ms)
{
    int64_t s = bound_ms / 1250; /* 80%, in seconds */
    if (bound_ms < 2000)
        return 0;
    return s < PD_DEFAULT_SECONDS ? s : PD_DEFAULT_SECONDS;
}

int64_t pd_profile_seconds(const pd_profile_cfg *p, int64_t bound_ms)
{
    if (p->seconds_set || p->kind != PD_PROFILE_WINDOW)
        return p->seconds;
    return pd_default_seconds(bound_ms);
}

const pd_profile_cfg *pd_profile_find(const pd_profile_cfg *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

const pd_profile_cfg *pd_job_profile(const pd_job *job, const char *name)
{
    return pd_profile_find(job->profiles, job->nprofiles, name);
}

bool pd_config_profile_known(const pd_config *cfg, const char *name)
{
    for (size_t i = 0; i < NGO; i++)
        if (strcmp(go_profiles[i].name, name) == 0)
            return true;
    for (size_t j = 0; j < cfg->njobs; j++)
        if (pd_job_profile(&cfg->jobs[j], name) != NULL)
            return true;
    return false;
}

/* godeltaprof's endpoint for a Go profile it serves as deltas, or NULL. */
static const char *delta_path(const char *name)
{
    if (strcmp(name, "heap") == 0 || strcmp(name, "allocs") == 0)
        return "/debug/pprof/delta_heap";
    if (strcmp(name, "block") == 0)
        return "/debug/pprof/delta_block";
    if (strcmp(name, "mutex") == 0)
        return "/debug/pprof/delta_mutex";
    return NULL;
}

static int read_go_profile(cfg_ctx *c, const yn *v, const char *path, pd_profile_cfg *p)
{
    static const char *const cpu_keys[] = {"enabled", "seconds", NULL};
    static const char *const delta_keys[] = {"enabled", "godeltaprof", NULL};
    static const char *const keys[] = {"enabled", NULL};
    bool cpu = strcmp(p->name, "cpu") == 0;
    const char *dpath = delta_path(p->name);
    if (cfg_check_map(c, v, path, cpu ? cpu_keys : dpath ? delta_keys : keys) < 0)
        return -EINVAL;
    int rc = cfg_bool(c, v, path, "enabled", &p->enabled);
    /* The target imports godeltaprof (as for Pyroscope): its delta_*
     * endpoint subtracts itself, so no baseline is kept here. */
    bool delta = false;
    if (dpath != NULL && cfg_bool(c, v, path, "godeltaprof", &delta) < 0)
        rc = -EINVAL;
    if (delta) {
        free(p->path);
        p->path = pd_xstrdup(dpath);
        p->server_delta = true;
    }
    uint64_t s = (uint64_t)p->seconds;
    if (cpu && cfg_uint(c, v, path, "seconds", 1, MAX_SECONDS, &s) < 0)
        rc = -EINVAL;
    p->seconds = (int64_t)s;
    p->seconds_set = cpu && yn_get(v, "seconds") != NULL;
    return rc;
}

static int custom_profile(cfg_ctx *c, const yn *v, const char *path, pd_profile_cfg *p)
{
    static const char *const keys[] = {"enabled", "path", "seconds", NULL};
    p->custom = true;
    p->enabled = true;
    p->path = pd_xstrdup("");
    if (cfg_check_map(c, v, path, keys) < 0)
        return -EINVAL;
    int rc = cfg_bool(c, v, path, "enabled", &p->enabled);
    if (cfg_str(c, v, path, "path", &p->path) < 0)
        rc = -EINVAL;
    uint64_t s = 0;
    if (cfg_uint(c, v, path, "seconds", 1, MAX_SECONDS, &s) < 0)
        rc = -EINVAL;
    p->seconds = (int64_t)s;
    p->seconds_set = true; /* a custom profile has no default */
    /* With seconds the target profiles a window (fgprof); without, a snapshot. */
    p->kind = s > 0 ? PD_PROFILE_WINDOW : PD_PROFILE_GAUGE;
    char pp[CFG_PATH_MAX];
    cfg_join(pp, path, "path");
    if (rc == 0 && p->path[0] == '\0')
        rc = cfg_fail(c, v, path, "custom profile \"%s\" needs a path (e.g. path: /debug/%s)",
                      p->name, p->name);
    else if (rc == 0 && p->path[0] != '/')
        rc = cfg_fail(c, yn_get(v, "path"), pp, "path \"%s\" must start with /", p->path);
    return rc;
}

int cfg_profiles(cfg_ctx *c, const yn *node, const char *path, pd_job *job)
{
    if (yn_null(node))
        return 0;
    if (node->kind != YN_MAP)
        return cfg_fail(c, node, path, "want a mapping of profile names, got %s",
                        yn_kind_name(node));
    int rc = 0;
    for (size_t i = 0; i < node->n; i++) {
        const yn *k = node->items[2 * i], *v = node->items[2 * i + 1];
        if (k->kind != YN_SCALAR || !pd_profile_name_valid(k->str)) {
            rc = cfg_fail(c, k, path,
                          "invalid profile name \"%.80s\": want [a-zA-Z_][a-zA-Z0-9_]*, at most "
                          "%d characters",
                          k->kind == YN_SCALAR ? k->str : "?", PD_PROFILE_NAME_MAX);
            continue;
        }
        char p[CFG_PATH_MAX];
        cfg_join(p, path, k->str);
        pd_profile_cfg *prof = (pd_profile_cfg *)pd_job_profile(job, k->str);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = node->items[2 * j]->kind == YN_SCALAR &&
                   strcmp(node->items[2 * j]->str, k->str) == 0;
        if (seen) {
            rc = cfg_fail(c, k, p, "profile \"%s\" already set", k->str);
            continue;
        }
        if (prof != NULL) {
            if (read_go_profile(c, v, p, prof) < 0)
                rc = -EINVAL;
            continue;
        }
        job->profiles = pd_xrealloc(job->profiles, (job->nprofiles + 1) * sizeof(pd_profile_cfg));
        prof = &job->profiles[job->nprofiles++];
        memset(prof, 0, sizeof(*prof));
        prof->name = pd_xstrdup(k->str);
        if (custom_profile(c, v, p, prof) < 0)
            rc = -EINVAL;
    }
    return rc;
}
