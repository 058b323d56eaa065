/* Internals of the target set shared by its files. Loop thread. */
#ifndef PD_TS_INT_H
#define PD_TS_INT_H

#include "pd_sd.h"
#include "pd_tset.h"

struct pd_tset {
    uv_loop_t *loop;
    const pd_config *cfg;
    pd_scraper *sc;
    pd_tset_body_fn body;
    void *ctx;
    pd_ttarget **targets;
    size_t ntargets, captargets;
    pd_ttarget **retired; /* replaced or removed, freed when idle */
    size_t nretired, capretired;
    pd_reg_target *regs; /* registered over the API (copies) */
    size_t nregs, capregs;
    uv_timer_t sd_poll; /* re-reads file_sd files when they change */
    uint64_t sd_fp;
    bool stopping;
    void (*done)(void *);
    void *done_arg;
};

/* ts_build.c: a target of `job` (cfg is the config it is built for, during
 * a reload not yet ts->cfg) with slots not started; NULL and err if its
 * secrets cannot be read. reg: the registration it comes from, or NULL. */
pd_ttarget *ts_target_new(pd_tset *ts, const pd_config *cfg, const pd_job *job, const pd_target *tg,
                          const pd_reg_target *reg, pd_err *err);
/* Every target of cfg's jobs and of the registrations that fit it (those
 * that do not are logged and left out). */
int ts_build_all(pd_tset *ts, const pd_config *cfg, pd_ttarget ***out, size_t *nout, pd_err *err);
/* The target registration r makes under cfg, or NULL and err. */
pd_ttarget *ts_reg_target(pd_tset *ts, const pd_config *cfg, const pd_reg_target *r, pd_err *err);
/* The job (configured, or *own with defaults, freed by the caller) and
 * the final labels (*list) registration r makes under cfg, checked. */
int ts_reg_build(const pd_config *cfg, const pd_reg_target *r, const pd_job **job, pd_job **own,
                 pd_target_list *list, pd_err *err);
const char *ts_instance(const pd_ttarget *t);

/* ts_set.c */
void ts_start_slots(pd_ttarget *t);
/* Stops t's slots; it is freed once they are closed and unreferenced. */
void ts_retire(pd_ttarget *t);
/* Slot s of a new target replaces o (same series): o's baseline (unless
 * its scrape still runs) and health. */
void ts_inherit(pd_tslot *s, pd_tslot *o);
/* Target t replaces old (same process): what is the same profile and
 * interval keeps its baseline, health and schedule; the rest starts. */
void ts_take_over(pd_ttarget *t, pd_ttarget *old);
void ts_target_free(pd_ttarget *t);

/* ts_sd.c: the groups of a job (static ones shared, `loaded` from its
 * file_sd files, freed by the caller); file_sd watching. */
pd_target_group *ts_job_groups(const pd_job *job, pd_group_list *loaded, size_t *n);
/* A fingerprint of every file_sd file of cfg (names, sizes, modification
 * times); *any: whether cfg has file_sd configs at all. */
uint64_t ts_sd_fingerprint(const pd_config *cfg, bool *any);

#endif
