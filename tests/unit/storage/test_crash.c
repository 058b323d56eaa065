/* storage/ crash safety: a child writes batches in a loop and
 * prints the last committed id after each commit; the parent kills it with
 * SIGKILL at a random moment, then reopens the database and checks that
 * PRAGMA integrity_check says ok and every id the child reported is there.
 * Five rounds on the same file, each with its own timing. The seed is
 * printed; PD_CRASH_SEED replays a run. Exit 0 = pass. */
#include "pd_store.h"
#include "pd_store_debug.h"
#include "tp.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 5, BATCH = 4, MAX_SECONDS = 5 };

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child: batches until killed, or MAX_SECONDS have passed. */
static void child(const char *path, int round)
{
    pd_store *s = NULL;
    pd_err err = {{0}};
    CHECK(pd_store_open(path, &s, &err) == 0, "child open: %s", err.msg);
    double end = now_s() + MAX_SECONDS;
    for (int64_t b = 0; now_s() < end; b++) {
        pd_store_label ls[3][2] = {{{"instance", "h1:1"}, {"type", "cpu"}},
                                   {{"instance", "h2:1"}, {"type", "cpu"}},
                                   {{"instance", "h3:1"}, {"type", "heap"}}};
        pd_store_item items[BATCH];
        pd_profile *profiles[BATCH];
        int64_t totals[BATCH];
        for (int i = 0; i < BATCH; i++) {
            totals[i] = b * BATCH + i;
            /* new functions in most batches: symbols are written all along */
            profiles[i] = tp_new("samples/count", NULL, 0);
            char stack[96];
            snprintf(stack, sizeof(stack), "f%lld_%d;g%d;main", (long long)(b % 500), i,
                     (int)((b * 7 + i) % 300));
            tp_stack(profiles[i], stack, TP_V(totals[i]), NULL);
            items[i] = (pd_store_item){.labels = ls[(b + i) % 3],
                                       .nlabels = 2,
                                       .time_ns = round * 1000000000LL + b * BATCH + i,
                                       .sample_types = "samples/count",
                                       .totals = &totals[i],
                                       .ntotals = 1,
                                       .profile = profiles[i]};
        }
        int64_t ids[BATCH];
        CHECK(pd_store_put(s, items, BATCH, ids, &err) == 0, "child put: %s", err.msg);
        /* rollups between the batches: the first step finds every bucket
         * done (the times are in 1970), later profiles join as late rows */
        if (b % 3 == 1) {
            bool more = false;
            CHECK(pd_store_compact_step(s, (int64_t)time(NULL) * 1000000000, 16, &more, NULL,
                                        &err) == 0,
                  "child compact: %s", err.msg);
        }
        for (int i = 0; i < BATCH; i++)
            pd_profile_free(profiles[i]);
        printf("%lld\n", (long long)ids[BATCH - 1]);
        fflush(stdout);
    }
    pd_store_close(s);
    exit(0);
}

typedef struct ids {
    long long *v;
    size_t n, cap;
} ids;

static void ids_add(ids *x, long long id)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 1024;
        x->v = realloc(x->v, x->cap * sizeof(*x->v));
        CHECK(x->v != NULL, "out of memory");
    }
    x->v[x->n++] = id;
}

/* One round: start the child, read `kill_after` lines, wait a little,
 * SIGKILL, read whatever it committed before dying. */
static void run_round(const char *path, int round, ids *reported)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        CHECK(dup2(fds[1], STDOUT_FILENO) >= 0, "dup2");
        close(fds[1]);
        child(path, round);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    CHECK(in != NULL, "fdopen");
    int kill_after = 100 + rand() % 400;
    useconds_t delay = (useconds_t)(rand() % 5000);
    char line[64];
    int lines = 0;
    size_t before = reported->n;
    bool killed = false;
    while (fgets(line, sizeof(line), in) != NULL) {
        ids_add(reported, atoll(line));
        if (!killed && ++lines >= kill_after) {
            usleep(delay);
            CHECK(kill(pid, SIGKILL) == 0, "kill: %s", strerror(errno));
            killed = true;
        }
    }
    fclose(in);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
              (WIFEXITED(status) && WEXITSTATUS(status) == 0),
          "child ended with status %d", status);
    printf("round %d: killed after %d+ batches (+%u us), %zu commits reported, %s\n", round,
           kill_after, (unsigned)delay, reported->n - before,
           WIFSIGNALED(status) ? "SIGKILL" : "child finished first");
}

static int64_t max_id(const ids *x)
{
    long long m = 0;
    for (size_t i = 0; i < x->n; i++)
        m = x->v[i] > m ? x->v[i] : m;
    return m;
}

/* After a crash: integrity ok, every reported id present, writer reopens.
 * Returns the rollup rows found. */
static int64_t verify(const char *path, const ids *reported)
{
    pd_store_reader *r = NULL;
    pd_err err = {{0}};
    CHECK(pd_store_reader_open(path, &r, &err) == 0, "reader open: %s", err.msg);
    CHECK(pd_store_integrity_check(r, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < reported->n; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        int rc = pd_store_get(r, reported->v[i], &data, &len, NULL, &err);
        CHECK(rc == 0, "reported id %lld: %s", reported->v[i], err.msg);
        free(data);
    }
    int64_t n = 0;
    CHECK(pd_store_count(r, &n, &err) == 0, "count: %s", err.msg);
    CHECK(n >= max_id(reported), "%lld profiles, last reported id %lld", (long long)n,
          (long long)max_id(reported));
    /* Every committed profile, not only the reported ones, finds every
     * symbol it refers to: symbols commit with the profiles. */
    for (int64_t id = 1; id <= n; id++) {
        pd_profile *p = NULL;
        int rc = pd_store_load(r, id, &p, &err);
        CHECK(rc == 0, "profile %lld: %s", (long long)id, err.msg);
        CHECK(p->nsamples == 1 && p->samples[0].nlocs == 3, "profile %lld: wrong shape",
              (long long)id);
        pd_profile_free(p);
    }
    /* Rollups commit with what they sum: each level holds every profile
     * once, or (killed before the first step) nothing yet. */
    pd_store *s = NULL;
    CHECK(pd_store_open(path, &s, &err) == 0, "writer reopen: %s", err.msg);
    int64_t rollups = 0;
    CHECK(pd_store_debug_int(s, "SELECT count(*) FROM rollups", &rollups, &err) == 0, "%s",
          err.msg);
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        char sql[96];
        int64_t sum = 0;
        snprintf(sql, sizeof(sql), "SELECT coalesce(sum(count), 0) FROM rollups WHERE level = %d",
                 level);
        CHECK(pd_store_debug_int(s, sql, &sum, &err) == 0, "%s", err.msg);
        CHECK(sum == n || rollups == 0, "level %d sums %lld of %lld profiles", level,
              (long long)sum, (long long)n);
    }
    int64_t last_rollup = 0;
    CHECK(pd_store_debug_int(s, "SELECT coalesce(max(id), 0) FROM rollups", &last_rollup, &err) ==
              0,
          "%s", err.msg);
    for (int64_t id = 1; id <= last_rollup; id++) {
        pd_profile *p = NULL;
        int rc = pd_store_load_rollup(r, id, &p, &err);
        CHECK(rc == 0 || rc == -ENOENT, "rollup %lld: %s", (long long)id, err.msg);
        pd_err_clear(&err);
        pd_profile_free(p);
    }
    pd_store_reader_close(r);
    int64_t bytes = 0;
    CHECK(pd_store_size(s, &bytes, NULL, &err) == 0, "size: %s", err.msg);
    CHECK(bytes >= n, "size %lld for %lld profiles", (long long)bytes, (long long)n);
    pd_store_close(s);
    return rollups;
}

int main(void)
{
    const char *env = getenv("PD_CRASH_SEED");
    unsigned seed =
        env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("seed %u (PD_CRASH_SEED=%u replays)\n", seed, seed);
    srand(seed);
    const char *base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/pd-crash-XXXXXX", base && base[0] ? base : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    char path[600];
    snprintf(path, sizeof(path), "%s/pprofd.db", dir);
    ids reported = {0};
    for (int round = 0; round < ROUNDS; round++) {
        run_round(path, round, &reported);
        CHECK(reported.n > 0, "round %d: the child reported no commit", round);
        int64_t rollups = verify(path, &reported);
        /* every round commits 100+ batches: compaction ran */
        CHECK(rollups > 0, "round %d: no rollup was committed", round);
    }
    printf("ok: %zu commits checked over %d rounds\n", reported.n, ROUNDS);
    free(reported.v);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[620];
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
    return 0;
}
