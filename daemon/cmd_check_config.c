/* `pprofd check-config FILE`: parse and validate a config as `run` would,
 * including the targets its static_configs yield after relabeling and the
 * file_sd files its patterns match today. */
#include "cli.h"

#include "pd_targets.h"

#include <stdio.h>
#include <string.h>

static void print_line(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

/* The targets of every job's static_configs; -EINVAL after printing each
 * invalid one. */
static int count_static(const pd_config *cfg, size_t *count)
{
    int rc = 0;
    *count = 0;
    for (size_t i = 0; i < cfg->njobs; i++) {
        pd_target_list l;
        memset(&l, 0, sizeof(l));
        pd_err err = {{0}};
        if (pd_targets_build_static(cfg, &cfg->jobs[i], &l, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            rc = -EINVAL;
        }
        *count += l.n;
        pd_target_list_free(&l);
    }
    return rc;
}

typedef struct sd_check {
    const pd_config *cfg;
    size_t job;
    int rc;
} sd_check;

static void check_one(void *ctx, size_t sd_index, const char *path, const pd_err *glob_err)
{
    sd_check *c = ctx;
    if (path == NULL) {
        fprintf(stderr, "%s: scrape_configs[%zu].file_sd_configs[%zu]: %s\n", c->cfg->source,
                c->job, sd_index, glob_err->msg);
        c->rc = -EINVAL;
        return;
    }
    pd_group_list groups;
    memset(&groups, 0, sizeof(groups));
    pd_err err = {{0}};
    if (pd_file_sd_load(path, &groups, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        c->rc = -EINVAL;
    }
    pd_group_list_free(&groups);
}

/* Parses every file the file_sd patterns match now; prints each error. */
static int check_file_sd(const pd_config *cfg)
{
    sd_check c = {cfg, 0, 0};
    for (c.job = 0; c.job < cfg->njobs; c.job++)
        pd_file_sd_each(&cfg->jobs[c.job], check_one, &c);
    return c.rc;
}

int pd_cmd_check_config(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '\0' || (argv[1][0] == '-' && argv[1][1] != '\0')) {
        fprintf(stderr, "usage: pprofd check-config FILE\n");
        return PD_EXIT_USAGE;
    }
    const char *path = argv[1];
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    if (pd_config_load_diag(path, &cfg, &err, print_line, NULL) < 0)
        return PD_EXIT_ERROR;
    size_t targets = 0;
    int rc = count_static(cfg, &targets);
    if (check_file_sd(cfg) < 0)
        rc = -EINVAL;
    if (rc == 0)
        printf("%s: ok: %zu job%s, %zu target%s\n", path, cfg->njobs, cfg->njobs == 1 ? "" : "s",
               targets, targets == 1 ? "" : "s");
    pd_config_free(cfg);
    return rc == 0 ? PD_EXIT_OK : PD_EXIT_ERROR;
}
