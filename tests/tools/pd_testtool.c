/* Test and benchmark helper.
 *
 *   pd_testtool setunit IN OUT IDX UNIT DIVISOR
 *     Rewrites a real profile the way another profiler would have recorded
 *     it, to test what go tool pprof must reconcile: sample type IDX (or the
 *     period type for IDX = -1) gets unit UNIT and its values are divided by
 *     DIVISOR (rounded toward zero), e.g. nanoseconds -> microseconds with
 *     DIVISOR 1000.
 *
 *   pd_testtool fill [-n SERIES] [-i INTERVAL_S] [-d SECONDS] [-e END_UNIX_S]
 *                    [-j JOB] [-t TYPE] [-m MANIFEST] DB FILE...
 *     Fills the database DB (created if absent) the way `pprofd run` would
 *     have, had it scraped TYPE (default cpu) from SERIES targets (default
 *     100) every INTERVAL_S seconds (default 10) for SECONDS (default 3600)
 *     up to END_UNIX_S (default now). Target i is the series
 *     {instance="host-II:6060",job="JOB",type="TYPE"} (JOB default "bench"),
 *     scraped at END - k*INTERVAL - i*INTERVAL/SERIES for k = 0 .. n-1 (so
 *     the targets are spread over the interval as the scheduler spreads
 *     them); n = SECONDS / INTERVAL. Each stored row is what the daemon's
 *     ingest (pd_ingest, ingest/in_pipeline.c) makes of the FILEs, taken in turn
 *     (the k-th profile stored in time order is FILE[k % #FILEs]): the
 *     body as fetched (Go's gzip), its sample types, default sample type,
 *     totals and duration. Only the row's time is the scrape time above
 *     rather than the profile's own time_nanos, which is left as recorded.
 *     Rows go in as the daemon's writer puts them: one transaction per batch
 *     of at most 64, in time order. MANIFEST (optional) receives one line
 *     per stored profile in time order: "time_ns id FILE".
 *
 *   pd_testtool retime [-n SERIES] [-k FIRST] [-m MANIFEST] OUT_DIR START_UNIX_S STEP_S
 *                      COUNT FILE...
 *     Writes copies of the FILEs (pprof, gzip or raw) whose only change is
 *     their time_nanos, for `pprofd import`, which stores a file at its own
 *     time: SERIES (default 1) series of COUNT profiles each, one every
 *     STEP_S seconds from START_UNIX_S. Copy k (0 .. COUNT-1) of series i
 *     (0 .. SERIES-1) is OUT_DIR/II-KKKKKK.pb.gz (II at least two digits, as
 *     fill's host-II; KKKKKK six), gzip, with time_nanos
 *     START + k*STEP - i*STEP/SERIES: the series spread over the step as
 *     fill spreads its targets. The FILEs are taken in turn in time order,
 *     starting at FILE[FIRST % #FILEs] (FIRST default 0): copy k of series i
 *     is FILE[(FIRST + k*SERIES + SERIES-1-i) % #FILEs], so successive calls
 *     with FIRST += COUNT*SERIES continue one turn, as one fill would. Each
 *     FILE is decoded once and re-encoded (gzip level 1) per copy. OUT_DIR is
 *     created if absent. MANIFEST (optional) receives one line per copy in
 *     time order: "time_ns OUT_FILE SOURCE_FILE".
 */
#include "tt_hammer.h"
#include "tt_upload.h"
#include "pd_ingest.h"
#include "pd_file.h"
#include "pd_profile.h"
#include "pd_store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int die(const char *what, const pd_err *err)
{
    fprintf(stderr, "pd_testtool: %s: %s\n", what, err->msg);
    return 1;
}

static int setunit(char **argv)
{
    pd_err err = {{0}};
    uint8_t *data = NULL;
    size_t len = 0;
    if (pd_read_file(argv[0], 0, &data, &len, &err) < 0)
        return die("read", &err);
    pd_profile *p = NULL;
    int rc = pd_profile_decode(data, len, 0, &p, &err);
    free(data);
    if (rc < 0)
        return die(argv[0], &err);
    long idx = strtol(argv[2], NULL, 10);
    long long div = strtoll(argv[4], NULL, 10);
    if (div == 0 || idx < -1 || idx >= (long)p->nsample_types) {
        fprintf(stderr, "pd_testtool: bad index or divisor\n");
        pd_profile_free(p);
        return 2;
    }
    uint32_t unit = pd_profile_intern(p, argv[3], strlen(argv[3]));
    if (idx < 0) {
        p->period_type.unit = unit;
        p->period /= div;
    } else {
        p->sample_types[idx].unit = unit;
        for (uint32_t i = 0; i < p->nsamples; i++)
            p->samples[i].values[idx] /= div;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    rc = pd_profile_encode(p, true, &out, &out_len, &err);
    if (rc == 0)
        rc = pd_write_file(argv[1], out, out_len, &err);
    free(out);
    pd_profile_free(p);
    return rc < 0 ? die(argv[1], &err) : 0;
}

#define FILL_BATCH 64 /* the writer's batch_max */

static int fill_usage(void)
{
    fprintf(stderr, "usage: pd_testtool fill [-n SERIES] [-i INTERVAL_S] [-d SECONDS] "
                    "[-e END_UNIX_S] [-j JOB] [-t TYPE] [-m MANIFEST] DB FILE...\n");
    return 2;
}

static bool parse_ll(const char *s, long long min, long long *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min)
        return false;
    *out = v;
    return true;
}

static int fill(int argc, char **argv)
{
    long long nseries = 100, interval_s = 10, seconds = 3600, end_s = (long long)time(NULL);
    const char *job = "bench", *type = "cpu", *manifest = NULL;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "n:i:d:e:j:t:m:")) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = parse_ll(optarg, 1, &nseries) && nseries <= 100000;
            break;
        case 'i':
            ok = parse_ll(optarg, 1, &interval_s);
            break;
        case 'd':
            ok = parse_ll(optarg, 1, &seconds);
            break;
        case 'e':
            ok = parse_ll(optarg, 0, &end_s);
            break;
        case 'j':
            job = optarg;
            break;
        case 't':
            type = optarg;
            break;
        case 'm':
            manifest = optarg;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok)
            return fill_usage();
    }
    if (argc - optind < 2 || seconds < interval_s)
        return fill_usage();
    const char *db = argv[optind];
    char **files = argv + optind + 1;
    size_t nfiles = (size_t)(argc - optind - 1);
    size_t nslots = (size_t)(seconds / interval_s);
    size_t total = nslots * (size_t)nseries;

    /* Each file once through the daemon's ingest (a CPU profile is a window
     * profile: kept as fetched, described, not delta'd). */
    pd_ingest_out *outs = calloc(nfiles, sizeof(*outs));
    if (outs == NULL)
        return 1;
    pd_err err = {{0}};
    for (size_t f = 0; f < nfiles; f++) {
        uint8_t *data = NULL;
        size_t len = 0;
        if (pd_read_file(files[f], 0, &data, &len, &err) < 0)
            return die(files[f], &err);
        pd_ingest_in in = {data, len, 0, PD_PROFILE_WINDOW, NULL, 0};
        int rc = pd_ingest(&in, &outs[f], &err);
        free(data);
        if (rc < 0)
            return die(files[f], &err);
        if (!outs[f].store) {
            fprintf(stderr, "pd_testtool: %s: ingest would not store it\n", files[f]);
            return 1;
        }
    }

    pd_store *st = NULL;
    if (pd_store_open(db, &st, &err) < 0)
        return die(db, &err);
    FILE *mf = NULL;
    if (manifest != NULL && (mf = fopen(manifest, "w")) == NULL) {
        perror(manifest);
        pd_store_close(st);
        return 1;
    }
    /* Labels of target i, sorted by name as the store wants them. */
    char(*inst)[32] = calloc((size_t)nseries, sizeof(*inst));
    pd_store_label(*labels)[3] = calloc((size_t)nseries, sizeof(*labels));
    for (long long i = 0; i < nseries; i++) {
        snprintf(inst[i], sizeof(inst[i]), "host-%02lld:6060", i);
        labels[i][0] = (pd_store_label){"instance", inst[i]};
        labels[i][1] = (pd_store_label){"job", job};
        labels[i][2] = (pd_store_label){"type", type};
    }
    pd_store_item items[FILL_BATCH];
    const char *names[FILL_BATCH];
    int64_t ids[FILL_BATCH];
    const int64_t end_ns = end_s * 1000000000LL, step_ns = interval_s * 1000000000LL;
    const int64_t stagger_ns = step_ns / nseries;
    size_t nb = 0, k = 0;
    int rc = 0;
    /* In time order: oldest slot first; within a slot, the target scraped
     * earliest (the highest i) first. */
    for (size_t slot = nslots; slot-- > 0 && rc == 0;) {
        for (long long i = nseries; i-- > 0 && rc == 0;) {
            const pd_ingest_out *o = &outs[k % nfiles];
            names[nb] = files[k % nfiles];
            k++;
            items[nb++] = (pd_store_item){
                .labels = labels[i],
                .nlabels = 3,
                .time_ns = end_ns - (int64_t)slot * step_ns - i * stagger_ns,
                .duration_ns = o->p.duration_ns,
                .sample_types = o->p.sample_types,
                .default_sample_type = o->p.default_type,
                .totals = o->p.totals,
                .ntotals = o->p.ntotals,
                .profile = o->p.profile,
            };
            if (nb == FILL_BATCH || k == total) {
                rc = pd_store_put(st, items, nb, ids, &err);
                for (size_t b = 0; rc == 0 && mf != NULL && b < nb; b++)
                    fprintf(mf, "%lld %lld %s\n", (long long)items[b].time_ns, (long long)ids[b],
                            names[b]);
                nb = 0;
            }
        }
    }
    pd_store_close(st);
    if (mf != NULL && fclose(mf) != 0 && rc == 0) {
        perror(manifest);
        rc = -1;
    }
    for (size_t f = 0; f < nfiles; f++)
        pd_ingest_out_free(&outs[f]);
    free(outs);
    free(inst);
    free(labels);
    if (rc < 0)
        return err.msg[0] ? die(db, &err) : 1;
    printf("stored %zu profiles: %lld series x %zu every %llds up to %lld\n", total, nseries,
           nslots, interval_s, end_s);
    return 0;
}

/* A scratch file: written in place, no fsync (pd_write_file's atomic
 * rename and fsync cost more than the encode, over 28,800 files a day). */
static int write_plain(const char *path, const uint8_t *data, size_t len, pd_err *err)
{
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(err->msg, sizeof(err->msg), "%s", strerror(errno));
    return ok ? 0 : -1;
}

static int retime_usage(void)
{
    fprintf(stderr, "usage: pd_testtool retime [-n SERIES] [-k FIRST] [-m MANIFEST] OUT_DIR "
                    "START_UNIX_S STEP_S COUNT FILE...\n");
    return 2;
}

static int retime(int argc, char **argv)
{
    long long nseries = 1, first = 0, start_s = 0, step_s = 0, count = 0;
    const char *manifest = NULL;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "n:k:m:")) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = parse_ll(optarg, 1, &nseries) && nseries <= 10000;
            break;
        case 'k':
            ok = parse_ll(optarg, 0, &first);
            break;
        case 'm':
            manifest = optarg;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok)
            return retime_usage();
    }
    if (argc - optind < 5 || !parse_ll(argv[optind + 1], 0, &start_s) ||
        !parse_ll(argv[optind + 2], 1, &step_s) || !parse_ll(argv[optind + 3], 1, &count) ||
        count > 1000000)
        return retime_usage();
    const char *out_dir = argv[optind];
    char **files = argv + optind + 4;
    size_t nfiles = (size_t)(argc - optind - 4);
    if (mkdir(out_dir, 0777) < 0 && errno != EEXIST) {
        perror(out_dir);
        return 1;
    }
    pd_err err = {{0}};
    pd_profile **ps = calloc(nfiles, sizeof(*ps));
    if (ps == NULL)
        return 1;
    int rc = 0;
    for (size_t f = 0; f < nfiles && rc == 0; f++) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = pd_read_file(files[f], 0, &data, &len, &err);
        if (rc == 0)
            rc = pd_profile_decode(data, len, 0, &ps[f], &err);
        free(data);
        if (rc < 0)
            die(files[f], &err);
    }
    FILE *mf = NULL;
    if (rc == 0 && manifest != NULL && (mf = fopen(manifest, "w")) == NULL) {
        perror(manifest);
        rc = -1;
    }
    const int64_t step_ns = step_s * 1000000000LL, stagger_ns = step_ns / nseries;
    char path[4096];
    /* In time order: slot by slot; within a slot, the highest i first. */
    for (long long k = 0; k < count && rc == 0; k++) {
        for (long long i = nseries; i-- > 0 && rc == 0;) {
            size_t f = (size_t)((first + k * nseries + (nseries - 1 - i)) % (long long)nfiles);
            pd_profile *p = ps[f];
            p->time_nanos = start_s * 1000000000LL + k * step_ns - i * stagger_ns;
            uint8_t *out = NULL;
            size_t out_len = 0;
            snprintf(path, sizeof(path), "%s/%02lld-%06lld.pb.gz", out_dir, i, k);
            rc = pd_profile_encode(p, true, &out, &out_len, &err);
            if (rc == 0)
                rc = write_plain(path, out, out_len, &err);
            free(out);
            if (rc < 0)
                die(path, &err);
            else if (mf != NULL)
                fprintf(mf, "%lld %s %s\n", (long long)p->time_nanos, path, files[f]);
        }
    }
    if (mf != NULL && fclose(mf) != 0 && rc == 0) {
        perror(manifest);
        rc = -1;
    }
    for (size_t f = 0; f < nfiles; f++)
        pd_profile_free(ps[f]);
    free(ps);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "setunit") == 0)
        return setunit(argv + 2);
    if (argc >= 2 && strcmp(argv[1], "fill") == 0)
        return fill(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "retime") == 0)
        return retime(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "hammer") == 0)
        return tt_hammer(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "upload") == 0)
        return tt_upload(argc - 1, argv + 1);
    fprintf(stderr,
            "usage: pd_testtool setunit IN OUT IDX UNIT DIVISOR\n"
            "       pd_testtool fill [options] DB FILE...  (see the source)\n"
            "       pd_testtool retime [options] OUT_DIR START_UNIX_S STEP_S COUNT FILE...\n"
            "       pd_testtool hammer PORT PATH CONNS SECONDS [HEADER]\n"
            "       pd_testtool upload PORT PATH BYTES\n");
    return 2;
}
