/* file_sd: the groups a job's files hold now, and a fingerprint of the
 * files to notice a change by. */
#include "ts_int.h"

#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct groups_ctx {
    const pd_job *job;
    pd_group_list *loaded;
} groups_ctx;

/* A file that cannot be read or parsed is logged and left out. */
static void load_one(void *ctx, size_t sd_index, const char *path, const pd_err *glob_err)
{
    (void)sd_index;
    groups_ctx *g = ctx;
    if (path == NULL) {
        pd_log_warn("file_sd failed", "job=%s error=\"%s\"", g->job->name, glob_err->msg);
        return;
    }
    pd_group_list one = {0};
    pd_err err = {{0}};
    if (pd_file_sd_load(path, &one, &err) < 0) {
        pd_log_warn("file_sd failed", "job=%s file=%s error=\"%s\"", g->job->name, path, err.msg);
        return;
    }
    pd_group_list *l = g->loaded;
    pd_xgrow((void **)&l->v, &l->cap, l->n + one.n, sizeof(pd_target_group));
    memcpy(l->v + l->n, one.v, sizeof(pd_target_group) * one.n);
    l->n += one.n;
    free(one.v); /* the groups themselves moved into `loaded` */
}

pd_target_group *ts_job_groups(const pd_job *job, pd_group_list *loaded, size_t *n)
{
    memset(loaded, 0, sizeof(*loaded));
    groups_ctx g = {job, loaded};
    pd_file_sd_each(job, load_one, &g);
    *n = job->nstatic_configs + loaded->n;
    pd_target_group *all = pd_xcalloc(*n + 1, sizeof(pd_target_group));
    if (job->nstatic_configs > 0)
        memcpy(all, job->static_configs, sizeof(pd_target_group) * job->nstatic_configs);
    if (loaded->n > 0)
        memcpy(all + job->nstatic_configs, loaded->v, sizeof(pd_target_group) * loaded->n);
    return all;
}

/* Names, sizes and modification times, chained in order (a rename changes
 * the list). */
static void hash_one(void *ctx, size_t sd_index, const char *path, const pd_err *glob_err)
{
    (void)sd_index;
    (void)glob_err;
    uint64_t *h = ctx;
    if (path == NULL)
        return;
    struct stat st;
    uint64_t v[3] = {0, 0, 0};
    if (stat(path, &st) == 0) {
        v[0] = (uint64_t)st.st_size;
        v[1] = (uint64_t)st.st_mtim.tv_sec;
        v[2] = (uint64_t)st.st_mtim.tv_nsec;
    }
    *h = pd_hash_bytes(path, strlen(path)) ^ (*h * 31);
    *h = pd_hash_bytes(v, sizeof(v)) ^ (*h * 31);
}

uint64_t ts_sd_fingerprint(const pd_config *cfg, bool *any)
{
    uint64_t h = 0;
    *any = false;
    for (size_t j = 0; j < cfg->njobs; j++) {
        *any = *any || cfg->jobs[j].nfile_sd_configs > 0;
        pd_file_sd_each(&cfg->jobs[j], hash_one, &h);
    }
    return h;
}
