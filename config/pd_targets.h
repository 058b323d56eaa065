/* The targets of a job, built from its static and discovered groups the way
 * Prometheus does (scrape/target.go PopulateLabels):
 *   1. each address gets __address__, then the group labels, then, where
 *      absent, job, __scheme__, __path_prefix__ and the external labels;
 *   2. the job's relabel_configs run; a dropped target is left out;
 *   3. __address__ must still be host:port; instance defaults to it;
 *   4. labels starting with "__" are removed from the final set.
 * Targets with the same final labels are kept once (the first). */
#ifndef PD_TARGETS_H
#define PD_TARGETS_H

#include "pd_config.h"

typedef struct pd_target {
    pd_labels labels; /* final: job, instance, ... no "__" labels */
    char *address;    /* host:port after relabeling */
    char *scheme;     /* http or https after relabeling */
    char *path_prefix;
    uint64_t hash; /* pd_labels_hash(labels): stable scheduling offset seed */
} pd_target;

typedef struct pd_target_list {
    pd_target *v;
    size_t n;
    size_t cap;
    size_t ndropped; /* dropped by relabeling or duplicates */
    size_t ninvalid; /* left out because __address__ was no longer host:port */
} pd_target_list;

/* Appends the targets of `groups` for `job` to `out` (zeroed by the caller,
 * freed with pd_target_list_free). Returns 0, or -EINVAL when some target
 * was invalid after relabeling: err names the first (with its group's
 * source); the valid targets are in `out` all the same. */
int pd_targets_build(const pd_config *cfg, const pd_job *job, const pd_target_group *groups,
                     size_t ngroups, pd_target_list *out, pd_err *err);
/* The job's static_configs targets. */
int pd_targets_build_static(const pd_config *cfg, const pd_job *job, pd_target_list *out,
                            pd_err *err);
void pd_target_list_free(pd_target_list *l);

#endif
