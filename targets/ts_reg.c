/* Targets registered over the API, kept beside the configured ones: a
 * registration is kept even when it does not fit the config now (a reload
 * may make it fit); its target is then left out. */
#include "ts_int.h"

#include "pd_log.h"
#include "pd_mem.h"
#include "pd_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pd_tset_reg_check(pd_tset *ts, const pd_reg_target *r, int64_t except_id, pd_err *err)
{
    const pd_job *job = NULL;
    pd_job *own_job = NULL;
    pd_target_list list = {0};
    int rc = ts_reg_build(ts->cfg, r, &job, &own_job, &list, err);
    for (size_t i = 0; rc == 0 && i < ts->ntargets; i++) {
        const pd_ttarget *t = ts->targets[i];
        if (except_id > 0 && t->reg_id == except_id)
            continue;
        if (strcmp(t->job, job->name) == 0 &&
            strcmp(ts_instance(t), pd_labels_get(&list.v[0].labels, "instance")) == 0)
            rc = pd_errf(err, -EEXIST, "job %s already has instance %s (target %s)", t->job,
                         ts_instance(t), t->id);
    }
    pd_target_list_free(&list);
    pd_job_free(own_job);
    return rc;
}

static size_t target_index(const pd_tset *ts, int64_t reg_id)
{
    for (size_t i = 0; i < ts->ntargets; i++)
        if (ts->targets[i]->reg_id == reg_id)
            return i;
    return SIZE_MAX;
}

int pd_tset_reg_set(pd_tset *ts, const pd_reg_target *r, pd_err *err)
{
    size_t k = 0;
    while (k < ts->nregs && ts->regs[k].id != r->id)
        k++;
    if (k == ts->nregs)
        pd_xgrow((void **)&ts->regs, &ts->capregs, ++ts->nregs, sizeof(pd_reg_target));
    else
        pd_reg_target_free(&ts->regs[k]);
    pd_reg_target_copy(&ts->regs[k], r);
    pd_ttarget *t = ts_reg_target(ts, ts->cfg, r, err);
    size_t i = target_index(ts, r->id);
    pd_ttarget *old = i != SIZE_MAX ? ts->targets[i] : NULL;
    if (t == NULL) {
        if (old != NULL) {
            ts_retire(old);
            ts->targets[i] = ts->targets[--ts->ntargets];
        }
        return -EINVAL;
    }
    ts_take_over(t, old);
    if (old != NULL) {
        ts_retire(old);
        ts->targets[i] = t;
    } else {
        pd_xgrow((void **)&ts->targets, &ts->captargets, ts->ntargets + 1, sizeof(pd_ttarget *));
        ts->targets[ts->ntargets++] = t;
    }
    return 0;
}

int pd_tset_reg_remove(pd_tset *ts, int64_t id)
{
    size_t k = 0;
    while (k < ts->nregs && ts->regs[k].id != id)
        k++;
    if (k == ts->nregs)
        return -ENOENT;
    pd_reg_target_free(&ts->regs[k]);
    ts->regs[k] = ts->regs[--ts->nregs];
    size_t i = target_index(ts, id);
    if (i != SIZE_MAX) {
        ts_retire(ts->targets[i]);
        ts->targets[i] = ts->targets[--ts->ntargets];
    }
    return 0;
}

const pd_reg_target *pd_tset_reg_get(const pd_tset *ts, int64_t id)
{
    for (size_t k = 0; k < ts->nregs; k++)
        if (ts->regs[k].id == id)
            return &ts->regs[k];
    return NULL;
}

bool pd_tset_reg_changing(pd_tset *ts, int64_t id, bool changing)
{
    for (size_t k = 0; k < ts->nregs; k++)
        if (ts->regs[k].id == id) {
            if (changing && ts->regs[k].changing)
                return false;
            ts->regs[k].changing = changing;
            return true;
        }
    return false;
}

bool pd_tset_is_configured(const pd_tset *ts, const char *id)
{
    for (size_t i = 0; i < ts->ntargets; i++)
        if (ts->targets[i]->reg_id == 0 && strcmp(ts->targets[i]->id, id) == 0)
            return true;
    return false;
}

typedef struct load_ctx {
    pd_tset *ts;
    size_t n, failed;
} load_ctx;

static int load_one(void *ctx, const pd_store_target *t)
{
    load_ctx *l = ctx;
    pd_reg_target r = {0};
    r.id = t->id;
    r.job = (char *)t->job;
    r.address = (char *)t->address;
    r.profiles = (char *)t->profiles;
    r.interval_ms = t->scrape_interval_ms;
    pd_labels_init(&r.labels);
    for (size_t i = 0; i < t->nlabels; i++)
        pd_labels_set(&r.labels, t->labels[i].name, t->labels[i].value);
    pd_err err = {{0}};
    if (pd_tset_reg_set(l->ts, &r, &err) < 0) {
        /* Kept in the database: a later config may fit it again. */
        pd_log_warn("registered target left out", "id=%lld error=\"%s\"", (long long)t->id,
                    err.msg);
        l->failed++;
    }
    l->n++;
    pd_labels_free(&r.labels);
    return 0;
}

int pd_tset_reg_load(pd_tset *ts, const char *db_path, pd_err *err)
{
    pd_store_reader *rd = NULL;
    int rc = pd_store_reader_open(db_path, &rd, err);
    if (rc < 0)
        return rc;
    load_ctx l = {ts, 0, 0};
    rc = pd_store_targets_list(rd, load_one, &l, err);
    pd_store_reader_close(rd);
    if (rc == 0 && l.n > 0)
        pd_log_info("registered targets loaded", "targets=%zu left_out=%zu", l.n, l.failed);
    return rc;
}
