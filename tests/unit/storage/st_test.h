/* Helpers shared by the storage/ tests: a scratch directory per test, items
 * built from a label string, and find results collected into arrays. */
#ifndef PD_ST_TEST_H
#define PD_ST_TEST_H

#include "pd_store.h"
#include "pd_store_debug.h"
#include "tp.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *st_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/pd-storage-XXXXXX", base && base[0] ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = strdup(dir);
    assert_non_null(copy);
    return copy;
}

/* Removes path and, for a directory, everything under it. */
static inline void st_rm_r(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            size_t n = strlen(path) + strlen(e->d_name) + 2;
            char *child = malloc(n);
            assert_non_null(child);
            snprintf(child, n, "%s/%s", path, e->d_name);
            st_rm_r(child);
            free(child);
        }
        closedir(d);
    }
    assert_int_equal(remove(path), 0);
}

/* Removes dir and everything under it, and frees the string. */
static inline void st_rmtree(char *dir)
{
    if (dir == NULL)
        return;
    st_rm_r(dir);
    free(dir);
}

/* Returns dir/name (malloc'd). */
static inline char *st_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Profiles made for items live until the test program exits. */
static pd_profile **st_profiles;
static size_t st_nprofiles;

static inline void st_profiles_free(void)
{
    for (size_t i = 0; i < st_nprofiles; i++)
        pd_profile_free(st_profiles[i]);
    free(st_profiles);
    st_profiles = NULL;
    st_nprofiles = 0;
}

/* A CPU profile of the binary /bin/app with `n` samples whose values
 * follow `time_ns` (so two profiles differ), its stacks f0..f6 on main. */
static inline pd_profile *st_profile(int64_t time_ns, size_t n)
{
    if (st_nprofiles == 0)
        atexit(st_profiles_free);
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
    uint32_t app = tp_map(p, 0x400000, 0x480000, 0, "/bin/app", "");
    uint32_t main_loc = tp_loc(p, app, 0x400100, "main");
    for (size_t i = 0; i < n; i++) {
        char fn[32];
        snprintf(fn, sizeof(fn), "f%zu", i % 7);
        uint32_t leaf = tp_loc(p, app, 0x401000 + 16 * (i % 7), fn);
        tp_sample_locs(p, (uint32_t[]){leaf, main_loc}, 2,
                       TP_V(time_ns + (int64_t)i, (time_ns + (int64_t)i) * 10), NULL);
    }
    p->time_nanos = time_ns;
    st_profiles = realloc(st_profiles, (st_nprofiles + 1) * sizeof(*st_profiles));
    assert_non_null(st_profiles);
    st_profiles[st_nprofiles++] = p;
    return p;
}

/* An item and the storage behind its pointers. `labels` is
 * "name=value,name=value" (sorted by the caller; no commas in values). */
typedef struct st_item {
    pd_store_item it;
    pd_store_label ls[16];
    char text[512];
    int64_t totals[2];
} st_item;

/* `samples` 0 leaves the item without a profile. */
static inline void st_item_init(st_item *x, const char *labels, int64_t time_ns, size_t samples)
{
    memset(x, 0, sizeof(*x));
    snprintf(x->text, sizeof(x->text), "%s", labels);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(x->text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        x->ls[n].name = tok;
        x->ls[n].value = eq + 1;
        n++;
    }
    x->totals[0] = time_ns;
    x->totals[1] = -time_ns * 1000;
    x->it.labels = x->ls;
    x->it.nlabels = n;
    x->it.time_ns = time_ns;
    x->it.duration_ns = 10;
    x->it.sample_types = "samples/count,cpu/nanoseconds";
    x->it.default_sample_type = "cpu";
    x->it.totals = x->totals;
    x->it.ntotals = 2;
    x->it.profile = samples > 0 ? st_profile(time_ns, samples) : NULL;
}

/* Puts one item, asserting success; returns its id. */
static inline int64_t st_put1(pd_store *s, const char *labels, int64_t time_ns, size_t samples)
{
    st_item x;
    st_item_init(&x, labels, time_ns, samples);
    int64_t id = 0;
    pd_err err = {{0}};
    int rc = pd_store_put(s, &x.it, 1, &id, &err);
    if (rc != 0)
        fprintf(stderr, "put: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_true(id > 0);
    return id;
}

typedef struct st_found {
    int64_t ids[256];
    int64_t series_ids[256];
    char series[256][128];
    size_t n;
    size_t stop_after; /* 0 = never stop */
} st_found;

static inline int st_found_cb(void *ctx, const pd_store_meta *m)
{
    st_found *f = ctx;
    assert_true(f->n < 256);
    f->ids[f->n] = m->id;
    f->series_ids[f->n] = m->series_id;
    snprintf(f->series[f->n], sizeof(f->series[0]), "%s", m->series);
    f->n++;
    return f->stop_after != 0 && f->n >= f->stop_after;
}

/* Strings from a label query, joined with spaces. */
typedef struct st_strings {
    char joined[1024];
} st_strings;

static inline int st_strings_cb(void *ctx, const char *s)
{
    st_strings *o = ctx;
    size_t l = strlen(o->joined);
    snprintf(o->joined + l, sizeof(o->joined) - l, "%s%s", l ? " " : "", s);
    return 0;
}

static inline int64_t st_count(pd_store_reader *r)
{
    int64_t n = -1;
    pd_err err = {{0}};
    assert_int_equal(pd_store_count(r, &n, &err), 0);
    return n;
}

/* The fixture most tests share: a fresh folder with pprofd.db, and, as
 * asked, the writer and a reader open on it. */
typedef struct st_fx {
    char *dir;
    char *path;
    pd_store *s;        /* NULL unless opened */
    pd_store_reader *r; /* NULL unless opened */
} st_fx;

static inline st_fx *st_fx_new(bool open_writer, bool open_reader)
{
    st_fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = st_tmpdir();
    f->path = st_path(f->dir, "pprofd.db");
    pd_err err = {{0}};
    if (open_writer)
        assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    if (open_reader)
        assert_int_equal(pd_store_reader_open(f->path, &f->r, &err), 0);
    return f;
}

/* Turns f's open database into a version-3 file: every profile's data
 * back to gzip pprof (the row kept otherwise), the stored form's tables
 * and column gone. */
static inline void st_fx_downgrade_to_3(st_fx *f)
{
    pd_err err = {{0}};
    pd_store_reader *r = NULL;
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    int64_t n = 0;
    assert_int_equal(
        pd_store_debug_int(f->s, "SELECT coalesce(max(id), 0) FROM profiles", &n, &err), 0);
    for (int64_t id = 1; id <= n; id++) {
        pd_profile *p = NULL;
        int rc = pd_store_load(r, id, &p, &err);
        if (rc == -ENOENT)
            continue;
        assert_int_equal(rc, 0);
        uint8_t *gz = NULL;
        size_t len = 0;
        assert_int_equal(pd_profile_encode(p, true, &gz, &len, &err), 0);
        pd_profile_free(p);
        char *sql = malloc(len * 2 + 128);
        assert_non_null(sql);
        int off = snprintf(sql, 128, "UPDATE profiles SET size = %zu, data = X'", len);
        for (size_t i = 0; i < len; i++)
            off += sprintf(sql + off, "%02x", gz[i]);
        sprintf(sql + off, "' WHERE id = %lld", (long long)id);
        assert_int_equal(pd_store_exec(f->s, sql, &err), 0);
        free(sql);
        free(gz);
    }
    pd_store_reader_close(r);
    assert_int_equal(pd_store_exec(f->s,
                                   "DROP TABLE rollups; DROP TABLE rollup_late; DELETE FROM meta "
                                   "WHERE key LIKE 'rollup_%';"
                                   " DROP TABLE symbols; DROP TABLE partitions;"
                                   " ALTER TABLE profiles DROP COLUMN partition_id;"
                                   " DELETE FROM meta WHERE key LIKE 'convert_%';"
                                   " UPDATE meta SET value = (SELECT sum(size) FROM profiles)"
                                   " WHERE key = 'total_bytes';"
                                   " UPDATE meta SET value = 3 WHERE key = 'schema_version'",
                                   &err),
                     0);
}

/* Turns f's open database into what schema `version` looked like (`sql`
 * drops what came later), checks that a reader refuses it as older, and
 * reopens it for writing, which migrates it; then checks that the profile
 * `pid` stored before is still there and the file is intact. */
static inline void st_fx_migrate_from(st_fx *f, const char *sql, int version, int64_t pid)
{
    pd_err err = {{0}};
    st_fx_downgrade_to_3(f);
    char set[128];
    snprintf(set, sizeof(set), "UPDATE meta SET value = %d WHERE key = 'schema_version'", version);
    assert_int_equal(pd_store_exec(f->s, sql, &err), 0);
    assert_int_equal(pd_store_exec(f->s, set, &err), 0);
    pd_store_close(f->s);
    f->s = NULL;
    pd_store_reader *r = NULL;
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "older"));
    assert_int_equal(pd_store_open(f->path, &f->s, &err), 0);
    assert_int_equal(pd_store_reader_open(f->path, &r, &err), 0);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(pd_store_get(r, pid, &data, &len, NULL, &err), 0);
    free(data);
    assert_int_equal(pd_store_integrity_check(r, &err), 0);
    pd_store_reader_close(r);
}

static inline int st_fx_teardown(void **state)
{
    st_fx *f = *state;
    if (f->r != NULL)
        pd_store_reader_close(f->r);
    if (f->s != NULL)
        pd_store_close(f->s);
    free(f->path);
    st_rmtree(f->dir);
    free(f);
    return 0;
}

#endif
