/* Prometheus file_sd: files of target groups in JSON or YAML, and the glob
 * patterns that name them. */
#include "cfg_read.h"

#include "pd_file.h"
#include "pd_mem.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SD_FILE_BYTES (16u << 20)
#define META_FILEPATH "__meta_filepath"

void pd_target_group_free(pd_target_group *g)
{
    cfg_str_list_free(g->targets, g->ntargets);
    pd_labels_free(&g->labels);
    free(g->source);
    memset(g, 0, sizeof(*g));
}

void pd_group_list_free(pd_group_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        pd_target_group_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int pd_file_sd_parse(const char *text, size_t len, const char *name, pd_group_list *out,
                     pd_err *err)
{
    yn_doc doc;
    int rc;
    if (has_suffix(name, ".json"))
        rc = yn_parse_json(text, len, name, &doc, err);
    else if (has_suffix(name, ".yml") || has_suffix(name, ".yaml"))
        rc = yn_parse_yaml(text, len, name, &doc, err);
    else
        return pd_errf(err, -EINVAL, "%s: want a .json, .yml or .yaml file", name);
    if (rc < 0)
        return rc;
    cfg_ctx c = {name, NULL, err, NULL, NULL, 0};
    const yn *root = doc.root;
    if (!yn_null(root) && root->kind != YN_SEQ) {
        rc = cfg_fail(&c, root, "", "want a list of target groups, got %s", yn_kind_name(root));
        goto out;
    }
    for (size_t i = 0; root != NULL && i < root->n; i++) {
        char path[CFG_PATH_MAX], source[CFG_PATH_MAX + 64];
        const yn *g = root->items[i];
        cfg_index(path, "", i);
        if (g->line > 0)
            snprintf(source, sizeof(source), "%s:%u:%u", name, g->line, g->col);
        else
            snprintf(source, sizeof(source), "%s%s", name, path);
        pd_xgrow((void **)&out->v, &out->cap, out->n + 1, sizeof(pd_target_group));
        pd_target_group *tg = &out->v[out->n++];
        if (cfg_group(&c, g, path, source, tg) < 0) {
            rc = -EINVAL;
            goto out;
        }
        pd_labels_set(&tg->labels, META_FILEPATH, name);
    }
out:
    yn_doc_free(&doc);
    return rc;
}

int pd_file_sd_load(const char *path, pd_group_list *out, pd_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = pd_read_file(path, MAX_SD_FILE_BYTES, &data, &len, err);
    if (rc < 0)
        return rc;
    rc = pd_file_sd_parse((const char *)data, len, path, out, err);
    free(data);
    return rc;
}

void pd_file_sd_paths_free(char **paths, size_t n)
{
    cfg_str_list_free(paths, n);
}

void pd_file_sd_each(const pd_job *job, pd_file_sd_fn fn, void *ctx)
{
    for (size_t i = 0; i < job->nfile_sd_configs; i++) {
        const pd_file_sd_cfg *sd = &job->file_sd_configs[i];
        char **paths = NULL;
        size_t n = 0;
        pd_err err = {{0}};
        if (pd_file_sd_glob((const char *const *)sd->files, sd->nfiles, &paths, &n, &err) < 0)
            fn(ctx, i, NULL, &err);
        for (size_t k = 0; k < n; k++)
            fn(ctx, i, paths[k], NULL);
        pd_file_sd_paths_free(paths, n);
    }
}

int pd_file_sd_glob(const char *const *patterns, size_t npatterns, char ***paths, size_t *n,
                    pd_err *err)
{
    size_t cap = *n;
    for (size_t i = 0; i < npatterns; i++) {
        glob_t g;
        memset(&g, 0, sizeof(g));
        int rc = glob(patterns[i], 0, NULL, &g); /* like Go: unreadable dirs match nothing */
        if (rc == GLOB_NOMATCH) {
            globfree(&g);
            continue;
        }
        if (rc != 0) {
            globfree(&g);
            return pd_errf(err, rc == GLOB_NOSPACE ? -ENOMEM : -EIO, "%s: cannot expand pattern",
                           patterns[i]);
        }
        for (size_t j = 0; j < g.gl_pathc; j++) {
            bool dup = false;
            for (size_t k = 0; k < *n && !dup; k++)
                dup = strcmp((*paths)[k], g.gl_pathv[j]) == 0;
            if (dup)
                continue;
            pd_xgrow((void **)paths, &cap, *n + 1, sizeof(char *));
            (*paths)[(*n)++] = pd_xstrdup(g.gl_pathv[j]);
        }
        globfree(&g);
    }
    return 0;
}
