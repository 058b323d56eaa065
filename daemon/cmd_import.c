/* `pprofd import -c CONFIG --type T --job J [--label k=v]... FILE...`:
 * stores pprof files at their own time (time_nanos; the file's mtime when
 * the profile has none) into the config's database, as a push would, with
 * the config's external labels. The daemon may run meanwhile: each batch
 * is one transaction, and both writers take in what the other appended. */
#include "cli.h"

#include "pd_config.h"
#include "pd_file.h"
#include "pd_ingest.h"
#include "pd_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BATCH 64
#define MAX_LABELS 62 /* with job and type: the store's 64 */

typedef struct import_args {
    const char *config, *type, *job;
    const char *names[MAX_LABELS + 1], *values[MAX_LABELS + 1];
    char *owned[MAX_LABELS]; /* "k=v" copies the pointers split */
    size_t nlabels;
    char **files;
    int nfiles;
} import_args;

static int usage(void)
{
    fprintf(stderr, "usage: pprofd import -c CONFIG --type TYPE --job JOB [--label NAME=VALUE]... "
                    "FILE...\n");
    return PD_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, import_args *a)
{
    a->names[0] = "job";
    a->nlabels = 1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            return -1;
        const char *val = argv[++i];
        if (strcmp(opt, "-c") == 0 || strcmp(opt, "--config") == 0)
            a->config = val;
        else if (strcmp(opt, "--type") == 0)
            a->type = val;
        else if (strcmp(opt, "--job") == 0)
            a->job = val;
        else if (strcmp(opt, "--label") == 0 && a->nlabels <= MAX_LABELS) {
            char *kv = strdup(val);
            char *eq = kv ? strchr(kv, '=') : NULL;
            if (eq == NULL) {
                free(kv);
                fprintf(stderr, "pprofd import: --label %s: want NAME=VALUE\n", val);
                return -1;
            }
            *eq = '\0';
            a->owned[a->nlabels - 1] = kv;
            a->names[a->nlabels] = kv;
            a->values[a->nlabels] = eq + 1;
            a->nlabels++;
        } else
            return -1;
    }
    a->values[0] = a->job;
    a->files = argv + i;
    a->nfiles = argc - i;
    return a->config && a->type && a->job && a->nfiles > 0 ? 0 : -1;
}

static void args_free(import_args *a)
{
    for (size_t i = 0; i + 1 < a->nlabels; i++)
        free(a->owned[i]);
}

typedef struct batch {
    pd_ingest_out out[BATCH];
    pd_store_item items[BATCH];
    size_t n;
} batch;

/* Stores the batch unless rc says an earlier step failed; empties it. */
static int flush(pd_store *st, batch *b, size_t *stored, int rc)
{
    pd_err err = {{0}};
    if (rc == 0 && b->n > 0)
        rc = pd_store_put(st, b->items, b->n, NULL, &err);
    if (err.msg[0] != '\0')
        fprintf(stderr, "pprofd import: %s\n", err.msg);
    if (rc == 0)
        *stored += b->n;
    for (size_t i = 0; i < b->n; i++)
        pd_ingest_out_free(&b->out[i]);
    b->n = 0;
    return rc;
}

/* Reads and decodes one file into the batch's next slot; -1 after saying
 * why (the import stops: a half-imported history is worse than none). */
static int add_file(const char *path, const pd_config *cfg, pd_store_label *labels, size_t n,
                    batch *b)
{
    uint8_t *body = NULL;
    size_t len = 0;
    pd_err err = {{0}};
    if (pd_read_file(path, cfg->limits.max_profile_bytes, &body, &len, &err) < 0) {
        fprintf(stderr, "pprofd import: %s\n", err.msg);
        return -1;
    }
    pd_ingest_out *o = &b->out[b->n];
    pd_ingest_in in = {body, len, cfg->limits.max_profile_bytes, PD_PROFILE_GAUGE, NULL, 0};
    int rc = pd_ingest(&in, o, &err);
    free(body);
    if (rc < 0) {
        fprintf(stderr, "pprofd import: %s: %s\n", path, err.msg);
        return -1;
    }
    struct stat sb;
    if (o->p.time_ns == 0 && stat(path, &sb) == 0)
        o->p.time_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    b->items[b->n] = (pd_store_item){labels,
                                     n,
                                     o->p.time_ns,
                                     o->p.duration_ns,
                                     o->p.sample_types,
                                     o->p.default_type,
                                     o->p.totals,
                                     o->p.ntotals,
                                     o->p.profile};
    b->n++;
    return 0;
}

int pd_cmd_import(int argc, char **argv)
{
    import_args a;
    memset(&a, 0, sizeof(a));
    if (parse_args(argc, argv, &a) < 0) {
        args_free(&a);
        return usage();
    }
    pd_config *cfg = NULL;
    pd_store *st = NULL;
    pd_labels series;
    pd_labels_init(&series);
    pd_store_label *labels = NULL;
    pd_err err = {{0}};
    int rc = pd_config_load(a.config, &cfg, &err);
    if (rc == 0)
        rc = pd_ingest_push_series(a.type, a.names, a.values, a.nlabels,
                                   &cfg->global.external_labels, &series, &err);
    /* the series' labels as the store takes them, borrowed from `series` */
    labels = calloc(series.n + 1, sizeof(*labels));
    for (size_t i = 0; labels != NULL && i < series.n; i++)
        labels[i] = (pd_store_label){series.v[i].name, series.v[i].value};
    if (rc == 0)
        rc = pd_store_open(cfg->storage.path, &st, &err);
    if (rc < 0) {
        fprintf(stderr, "pprofd import: %s\n", err.msg);
        goto out;
    }
    batch *b = calloc(1, sizeof(*b));
    size_t stored = 0;
    for (int i = 0; b != NULL && i < a.nfiles && rc == 0; i++) {
        rc = add_file(a.files[i], cfg, labels, series.n, b);
        if (rc == 0 && b->n == BATCH)
            rc = flush(st, b, &stored, rc);
    }
    if (b != NULL)
        rc = flush(st, b, &stored, rc);
    free(b);
    char desc[1024];
    pd_labels_format(&series, desc, sizeof(desc));
    printf("imported %zu of %d profile%s into %s as %s\n", stored, a.nfiles,
           a.nfiles == 1 ? "" : "s", cfg->storage.path, desc);
out:
    pd_store_close(st);
    free(labels);
    pd_labels_free(&series);
    pd_config_free(cfg);
    args_free(&a);
    return rc == 0 ? PD_EXIT_OK : PD_EXIT_ERROR;
}
