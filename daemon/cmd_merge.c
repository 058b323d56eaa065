/* `pprofd merge` and `pprofd diff`: the offline profile algebra over files,
 * with the same results as `go tool pprof -proto`. */
#include "cli.h"

#include "pd_file.h"
#include "pd_profile.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct file_source {
    char **paths;
    int n;
    int next;
    size_t max_bytes;
    char first_types[256]; /* sample types of the first file, to name a misfit */
    pd_prefetch *pf;       /* decodes files ahead on worker threads */
} file_source;

/* "samples/count,cpu/nanoseconds" */
static void describe_types(const pd_profile *p, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < p->nsample_types && off < size; i++) {
        pd_str t = p->strings[p->sample_types[i].type];
        pd_str u = p->strings[p->sample_types[i].unit];
        int n = snprintf(buf + off, size - off, "%s%.*s/%.*s", i ? "," : "", (int)t.len, t.ptr,
                         (int)u.len, u.ptr);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

/* Type names must agree across files (units may differ: the merge scales
 * them). Checked here, where the file names are known. */
static int check_types(file_source *s, const char *path, const pd_profile *p, pd_err *err)
{
    char types[256];
    describe_types(p, types, sizeof(types));
    if (s->next == 1) {
        memcpy(s->first_types, types, sizeof(types));
        return 0;
    }
    const char *a = s->first_types, *b = types;
    bool same = true;
    /* compare the type names, not the units */
    while (same && (*a || *b)) {
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        same = la == lb && strncmp(a, b, la) == 0;
        a += strcspn(a, ",");
        b += strcspn(b, ",");
        if (*a)
            a++;
        if (*b)
            b++;
    }
    if (same)
        return 0;
    return pd_errf(err, -EINVAL, "%s: incompatible sample types [%s]; %s has [%s]", path, types,
                   s->paths[0], s->first_types);
}

static int load(const char *path, size_t max_bytes, pd_profile **p, pd_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = pd_read_file(path, max_bytes, &data, &len, err);
    if (rc < 0)
        return rc;
    rc = pd_profile_decode(data, len, max_bytes, p, err);
    free(data);
    if (rc < 0)
        pd_err_prefix(err, "%s", path);
    return rc;
}

static int load_nth(void *ctx, size_t i, pd_profile **p, pd_err *err)
{
    file_source *s = ctx;
    return load(s->paths[i], s->max_bytes, p, err);
}

static int next_file(void *ctx, pd_profile **p, pd_err *err)
{
    file_source *s = ctx;
    int rc = pd_prefetch_next(s->pf, p, err);
    if (rc <= 0)
        return rc;
    const char *path = s->paths[s->next++];
    rc = check_types(s, path, *p, err);
    if (rc < 0) {
        pd_profile_free(*p);
        *p = NULL;
        return rc;
    }
    return 1;
}

static int write_profile(const pd_profile *p, const char *out, pd_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = pd_profile_encode(p, true, &data, &len, err);
    if (rc == 0)
        rc = pd_write_file(out, data, len, err);
    free(data);
    return rc;
}

static int fail(const char *cmd, const pd_err *err)
{
    fprintf(stderr, "pprofd %s: %s\n", cmd, err->msg[0] ? err->msg : "failed");
    return PD_EXIT_ERROR;
}

/* Parses "-o OUT" and the flags in `flags` (NULL-terminated; each found sets
 * the matching bool); the remaining arguments are compacted into argv[0..].
 * Returns their count, or -1 on a usage error. */
static int parse_args(int argc, char **argv, const char **out, const char *const *flags, bool *set)
{
    int n = 0;
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = true;
        } else if (!only_files && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)) {
            if (i + 1 >= argc)
                return -1;
            *out = argv[++i];
        } else if (!only_files && a[0] == '-' && a[1] != '\0') {
            int k = 0;
            while (flags && flags[k] && strcmp(flags[k], a) != 0)
                k++;
            if (flags == NULL || flags[k] == NULL) {
                fprintf(stderr, "pprofd: unknown option %s\n", a);
                return -1;
            }
            set[k] = true;
        } else {
            argv[n++] = argv[i];
        }
    }
    return n;
}

/* Merges the files as go tool pprof -proto would, decoding on all cores. */
static int merge_files(char **paths, int n, pd_profile **out, pd_err *err)
{
    file_source src = {paths, n, 0, PD_PROFILE_DEFAULT_MAX_BYTES, "", NULL};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 1 ? (unsigned)(cores > 8 ? 8 : cores) : 1;
    src.pf = pd_prefetch_start(load_nth, &src, (size_t)n, threads, 128);
    int rc = pd_profile_merge_stream(next_file, &src, out, err);
    pd_prefetch_stop(src.pf);
    return rc;
}

int pd_cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    int n = parse_args(argc, argv, &out, NULL, NULL);
    if (n < 1) {
        fprintf(stderr, "usage: pprofd merge [-o OUT] FILE...\n");
        return PD_EXIT_USAGE;
    }
    pd_err err = {{0}};
    pd_profile *merged = NULL;
    if (merge_files(argv, n, &merged, &err) < 0)
        return fail("merge", &err);
    int rc = write_profile(merged, out, &err);
    pd_profile_free(merged);
    return rc < 0 ? fail("merge", &err) : PD_EXIT_OK;
}

/* One side of a diff goes through the same path as a merge of one file, as
 * pprof grabs each side before subtracting. */
static int load_side(char *path, pd_profile **p, pd_err *err)
{
    char *one[1] = {path};
    return merge_files(one, 1, p, err);
}

int pd_cmd_diff(int argc, char **argv)
{
    const char *out = NULL;
    static const char *const flags[] = {"--normalize", "--base", NULL};
    bool set[2] = {false, false};
    int n = parse_args(argc, argv, &out, flags, set);
    if (n != 2) {
        fprintf(stderr, "usage: pprofd diff [-o OUT] [--normalize] [--base] BASE TARGET\n");
        return PD_EXIT_USAGE;
    }
    pd_err err = {{0}};
    pd_profile *base = NULL, *target = NULL, *diff = NULL;
    if (load_side(argv[0], &base, &err) < 0)
        return fail("diff", &err);
    if (load_side(argv[1], &target, &err) < 0) {
        pd_profile_free(base);
        return fail("diff", &err);
    }
    pd_diff_mode mode = set[1] ? PD_DIFF_BASE : PD_DIFF_DIFF_BASE;
    if (pd_profile_diff(base, target, mode, set[0], &diff, &err) < 0)
        return fail("diff", &err);
    int rc = write_profile(diff, out, &err);
    pd_profile_free(diff);
    return rc < 0 ? fail("diff", &err) : PD_EXIT_OK;
}
