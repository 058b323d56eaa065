/* Target groups and Prometheus file-based service discovery (file_sd).
 *
 * A group is what static_configs and file_sd files hold: addresses
 * ("host:port") sharing a set of labels. file_sd files are JSON (.json) or
 * YAML (.yml, .yaml): a list of {targets: [...], labels: {...}}. Parsing is
 * pure: the daemon decides when to read the files again. */
#ifndef PD_SD_H
#define PD_SD_H

#include "pd_err.h"
#include "pd_labels.h"

#include <stddef.h>

typedef struct pd_target_group {
    char **targets; /* "host:port", validated */
    size_t ntargets;
    pd_labels labels; /* group labels; file_sd adds __meta_filepath */
    /* where the group came from, to prefix errors found later: "FILE:LINE:COL"
     * (YAML file_sd), "FILE[i]" (JSON file_sd) or
     * "FILE:LINE:COL: scrape_configs[j].static_configs[i]" */
    char *source;
} pd_target_group;

typedef struct pd_group_list {
    pd_target_group *v;
    size_t n;
    size_t cap;
} pd_group_list;

void pd_target_group_free(pd_target_group *g);
void pd_group_list_free(pd_group_list *l);

/* Parses file_sd content (JSON or YAML by the extension of `name`) and
 * appends its groups to `out` (which the caller initializes to zeroes and
 * frees, also on error). Errors name the file, the position (line:col for
 * YAML and for JSON syntax errors; the element path otherwise) and the fault:
 * "targets.json: [0].targets[1]: invalid target \"x\": want host:port". */
int pd_file_sd_parse(const char *text, size_t len, const char *name, pd_group_list *out,
                     pd_err *err);
/* Reads `path` (at most 16 MiB) and parses it as above. */
int pd_file_sd_load(const char *path, pd_group_list *out, pd_err *err);

/* Expands the glob patterns of a file_sd config (glob(3)), appending the
 * matching paths, sorted per pattern and without duplicates, to *paths
 * (*n entries, malloc'd strings; the caller frees with pd_file_sd_paths_free).
 * A pattern that matches nothing is not an error. */
int pd_file_sd_glob(const char *const *patterns, size_t npatterns, char ***paths, size_t *n,
                    pd_err *err);
void pd_file_sd_paths_free(char **paths, size_t n);

#endif
