/* Reading typed fields out of a yn tree with errors that carry the file,
 * line, column and field path. Internal to config/.
 *
 * Every reader takes the parent map, its path ("scrape_configs[0]") and a
 * key. An absent or null value leaves *out at its default and succeeds. On a
 * bad value the reader records "FILE:LINE:COL: PATH.KEY: message" and
 * returns -EINVAL, leaving *out unchanged, so parsing can go on and report
 * further errors. */
#ifndef PD_CFG_READ_H
#define PD_CFG_READ_H

#include "pd_config.h"
#include "yaml_tree.h"

#include <stdarg.h>

#define CFG_PATH_MAX 192
#define CFG_MAX_DIAG 100

typedef struct cfg_ctx {
    const char *file;
    char *dir; /* directory of the file, for relative paths; NULL = as written */
    pd_err *err;
    pd_config_diag_fn *diag;
    void *ud;
    unsigned nerr;
} cfg_ctx;

/* Records an error at `at` (its position; none if NULL or unknown). Returns
 * -EINVAL. */
int cfg_fail(cfg_ctx *c, const yn *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "parent.key" (or "key" at the top). */
void cfg_join(char *buf, const char *parent, const char *key);
/* "parent[i]". */
void cfg_index(char *buf, const char *parent, size_t i);

/* Checks that `node` is a map (or null) whose keys are scalars from `keys`
 * (NULL-terminated), each at most once. Returns -EINVAL only when `node` is
 * not a map; a bad key is recorded (c->nerr) and reading the known fields
 * goes on. */
int cfg_check_map(cfg_ctx *c, const yn *node, const char *path, const char *const *keys);
/* Checks that `node` is a list (or null). */
int cfg_check_seq(cfg_ctx *c, const yn *node, const char *path);

int cfg_str(cfg_ctx *c, const yn *map, const char *path, const char *key, char **out);
/* A string naming a file: resolved against the config file's directory. */
int cfg_file(cfg_ctx *c, const yn *map, const char *path, const char *key, char **out);
char *cfg_resolve(const cfg_ctx *c, const char *file);
int cfg_bool(cfg_ctx *c, const yn *map, const char *path, const char *key, bool *out);
int cfg_duration(cfg_ctx *c, const yn *map, const char *path, const char *key, int64_t *out);
int cfg_size(cfg_ctx *c, const yn *map, const char *path, const char *key, uint64_t *out);
/* A decimal integer in [min, max]. */
int cfg_uint(cfg_ctx *c, const yn *map, const char *path, const char *key, uint64_t min,
             uint64_t max, uint64_t *out);
/* A list of strings; replaces *out (the old list is freed). */
int cfg_str_list(cfg_ctx *c, const yn *map, const char *path, const char *key, char ***out,
                 size_t *n);
/* A map of label names to values, names checked. Appends to *out. */
int cfg_labels(cfg_ctx *c, const yn *map, const char *path, const char *key, pd_labels *out);

/* One {targets: [...], labels: {...}} group; `source` names it. */
int cfg_group(cfg_ctx *c, const yn *node, const char *path, const char *source,
              pd_target_group *out);

void cfg_str_list_free(char **v, size_t n);

/* Parses the profiles map of a job into job->profiles (which holds the
 * defaults on entry). */
int cfg_profiles(cfg_ctx *c, const yn *node, const char *path, pd_job *job);
void cfg_profiles_default(pd_job *job);
/* One scrape_configs entry; `cfg` holds the global section already. */
int cfg_job(cfg_ctx *c, const yn *node, const char *path, const pd_config *cfg, pd_job *job);
void cfg_job_free(pd_job *job);

#endif
