/* Targets of a job from its groups, as Prometheus' PopulateLabels. */
#include "pd_targets.h"

#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L_ADDRESS "__address__"
#define L_SCHEME "__scheme__"
#define L_PATH_PREFIX "__path_prefix__"

static void target_free(pd_target *t)
{
    pd_labels_free(&t->labels);
    free(t->address);
    free(t->scheme);
    free(t->path_prefix);
}

void pd_target_list_free(pd_target_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        target_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static bool seen(const pd_target_list *l, const pd_labels *ls, uint64_t hash)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].hash == hash && pd_labels_equal(&l->v[i].labels, ls))
            return true;
    return false;
}

static const char *get_or(const pd_labels *ls, const char *name, const char *def)
{
    const char *v = pd_labels_get(ls, name);
    return v != NULL ? v : def;
}

/* Builds one target into *t. Returns 1 if kept, 0 if dropped, -EINVAL if
 * invalid (err says why). */
static int one(const pd_config *cfg, const pd_job *job, const pd_target_group *g, const char *addr,
               pd_target *t, pd_err *err)
{
    pd_labels ls;
    pd_labels_init(&ls);
    pd_labels_set(&ls, L_ADDRESS, addr);
    for (size_t i = 0; i < g->labels.n; i++)
        pd_labels_set(&ls, g->labels.v[i].name, g->labels.v[i].value);
    pd_labels_set_default(&ls, "job", job->name);
    pd_labels_set_default(&ls, L_SCHEME, job->scheme);
    pd_labels_set_default(&ls, L_PATH_PREFIX, job->path_prefix);
    const pd_labels *ext = &cfg->global.external_labels;
    for (size_t i = 0; i < ext->n; i++)
        pd_labels_set_default(&ls, ext->v[i].name, ext->v[i].value);

    if (!pd_relabel_apply(job->relabel_configs, job->nrelabel_configs, &ls) || ls.n == 0) {
        pd_labels_free(&ls);
        return 0;
    }
    int rc = 1;
    const char *a = pd_labels_get(&ls, L_ADDRESS);
    const char *scheme = get_or(&ls, L_SCHEME, "http");
    if (a == NULL || !pd_hostport_valid(a)) {
        rc = pd_errf(err, -EINVAL,
                     "%s: target \"%s\": invalid __address__ \"%s\" after "
                     "relabeling: want host:port",
                     g->source, addr, a != NULL ? a : "");
        goto out;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        rc = pd_errf(err, -EINVAL, "%s: target \"%s\": invalid __scheme__ \"%s\" after relabeling",
                     g->source, addr, scheme);
        goto out;
    }
    t->address = pd_xstrdup(a);
    t->scheme = pd_xstrdup(scheme);
    t->path_prefix = pd_xstrdup(get_or(&ls, L_PATH_PREFIX, ""));
    pd_labels_set_default(&ls, "instance", t->address);
    pd_labels_init(&t->labels);
    for (size_t i = 0; i < ls.n; i++)
        if (strncmp(ls.v[i].name, "__", 2) != 0)
            pd_labels_set(&t->labels, ls.v[i].name, ls.v[i].value);
    t->hash = pd_labels_hash(&t->labels);
out:
    pd_labels_free(&ls);
    return rc;
}

int pd_targets_build(const pd_config *cfg, const pd_job *job, const pd_target_group *groups,
                     size_t ngroups, pd_target_list *out, pd_err *err)
{
    int result = 0;
    for (size_t gi = 0; gi < ngroups; gi++) {
        const pd_target_group *g = &groups[gi];
        for (size_t i = 0; i < g->ntargets; i++) {
            pd_target t;
            memset(&t, 0, sizeof(t));
            int rc = one(cfg, job, g, g->targets[i], &t, err);
            if (rc < 0) {
                out->ninvalid++;
                result = rc;
                continue;
            }
            if (rc == 0 || seen(out, &t.labels, t.hash)) {
                out->ndropped++;
                target_free(&t);
                continue;
            }
            pd_xgrow((void **)&out->v, &out->cap, out->n + 1, sizeof(pd_target));
            out->v[out->n++] = t;
        }
    }
    return result;
}

int pd_targets_build_static(const pd_config *cfg, const pd_job *job, pd_target_list *out,
                            pd_err *err)
{
    return pd_targets_build(cfg, job, job->static_configs, job->nstatic_configs, out, err);
}
