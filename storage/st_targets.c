/* Targets registered over the API: a row per target and its labels, kept
 * so that a restart scrapes them again. Rare writes: statements are
 * prepared per call rather than cached. */
#include "st_int.h"

#include "pd_clock.h"
#include "pd_mem.h"
#include "pd_names.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int check(const pd_store_target *t, pd_err *err)
{
    if (t->job == NULL || t->job[0] == '\0')
        return pd_errf(err, -EINVAL, "job: empty");
    if (t->address == NULL || t->address[0] == '\0')
        return pd_errf(err, -EINVAL, "address: empty");
    if (t->nlabels > PD_STORE_MAX_LABELS)
        return pd_errf(err, -EINVAL, "%zu labels, more than %d", t->nlabels, PD_STORE_MAX_LABELS);
    for (size_t i = 0; i < t->nlabels; i++) {
        const pd_store_label *l = &t->labels[i];
        if (!pd_label_name_valid(l->name))
            return pd_errf(err, -EINVAL, "label \"%s\": invalid name", l->name ? l->name : "");
        if (l->value == NULL || l->value[0] == '\0')
            return pd_errf(err, -EINVAL, "label %s: empty value", l->name);
        if (strlen(l->value) > PD_STORE_MAX_LABEL_VALUE)
            return pd_errf(err, -EINVAL, "label %s: value longer than %d bytes", l->name,
                           PD_STORE_MAX_LABEL_VALUE);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->labels[k].name, l->name) == 0)
                return pd_errf(err, -EINVAL, "label %s: duplicate name", l->name);
    }
    return 0;
}

static int put_labels(pd_st_db *d, int64_t id, const pd_store_target *t, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = pd_st_prepare(d, "DELETE FROM target_labels WHERE target_id = ?", &st, err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, id);
        rc = pd_st_step_done(d, st, "target labels", err);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0)
        rc = pd_st_prepare(d, "INSERT INTO target_labels(target_id, name, value) VALUES (?, ?, ?)",
                           &st, err);
    for (size_t i = 0; rc == 0 && i < t->nlabels; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, t->labels[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, t->labels[i].value, -1, SQLITE_STATIC);
        rc = pd_st_step_done(d, st, "target labels", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* *id (OUT): the target registered as (job, address), or -ENOENT. */
static int find(pd_st_db *d, const char *job, const char *address, int64_t *id, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = pd_st_prepare(d, "SELECT id FROM targets WHERE job = ? AND address = ?", &st, err);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            *id = sqlite3_column_int64(st, 0);
        else if (step == SQLITE_DONE)
            rc = -ENOENT;
        else
            rc = pd_st_err(d, step, "find target", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* What a write on targets works on: the target, and where an insert puts
 * its new id. */
typedef struct tx {
    const pd_store_target *t;
    int64_t *id;
} tx;

static int do_insert(pd_st_db *d, void *arg, pd_err *err)
{
    const pd_store_target *t = ((tx *)arg)->t;
    int64_t old = 0;
    int rc = find(d, t->job, t->address, &old, err);
    if (rc == 0)
        return pd_errf(err, -EEXIST, "target %s of job %s is registered (id %lld)", t->address,
                       t->job, (long long)old);
    if (rc != -ENOENT)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = pd_st_prepare(d,
                       "INSERT INTO targets(job, address, profiles, scrape_interval_ms, created_ns,"
                       " updated_ns) VALUES (?, ?, ?, ?, ?, ?)",
                       &st, err);
    if (rc == 0) {
        int64_t now = pd_now_ns();
        sqlite3_bind_text(st, 1, t->job, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->address, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, t->profiles ? t->profiles : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, t->scrape_interval_ms);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int64(st, 6, now);
        rc = pd_st_step_done(d, st, "insert target", err);
    }
    sqlite3_finalize(st);
    if (rc == 0) {
        int64_t id = sqlite3_last_insert_rowid(d->db);
        *((tx *)arg)->id = id;
        rc = put_labels(d, id, t, err);
    }
    return rc;
}

static int do_update(pd_st_db *d, void *arg, pd_err *err)
{
    const pd_store_target *t = ((tx *)arg)->t;
    sqlite3_stmt *st = NULL;
    int rc = pd_st_prepare(d,
                           "UPDATE targets SET profiles = ?, scrape_interval_ms = ?, updated_ns = ?"
                           " WHERE id = ?",
                           &st, err);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, t->profiles ? t->profiles : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, t->scrape_interval_ms);
        sqlite3_bind_int64(st, 3, pd_now_ns());
        sqlite3_bind_int64(st, 4, t->id);
        rc = pd_st_step_done(d, st, "update target", err);
    }
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_changes(d->db) == 0)
        rc = pd_errf(err, -ENOENT, "no registered target %lld", (long long)t->id);
    if (rc == 0)
        rc = put_labels(d, t->id, t, err);
    return rc;
}

static int do_delete(pd_st_db *d, void *arg, pd_err *err)
{
    const pd_store_target *t = ((tx *)arg)->t;
    sqlite3_stmt *st = NULL;
    int rc = pd_st_prepare(d, "DELETE FROM targets WHERE id = ?", &st, err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, t->id);
        rc = pd_st_step_done(d, st, "delete target", err);
    }
    sqlite3_finalize(st);
    if (rc == 0 && sqlite3_changes(d->db) == 0)
        rc = pd_errf(err, -ENOENT, "no registered target %lld", (long long)t->id);
    return rc;
}

int pd_store_target_insert(pd_store *s, const pd_store_target *t, int64_t *id, pd_err *err)
{
    *id = 0;
    int rc = check(t, err);
    return rc < 0 ? rc : pd_st_write_tx(&s->d, do_insert, &(tx){t, id}, err);
}

int pd_store_target_update(pd_store *s, const pd_store_target *t, pd_err *err)
{
    int rc = check(t, err);
    return rc < 0 ? rc : pd_st_write_tx(&s->d, do_update, &(tx){t, NULL}, err);
}

int pd_store_target_delete(pd_store *s, int64_t id, pd_err *err)
{
    pd_store_target t = {0};
    t.id = id;
    return pd_st_write_tx(&s->d, do_delete, &(tx){&t, NULL}, err);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    return pd_xstrdup(v ? (const char *)v : "");
}

/* The labels of target `id`, sorted: *out (OUT, malloc'd, strings too). */
static int labels_of(pd_st_db *d, sqlite3_stmt *st, int64_t id, pd_store_label **out, size_t *n,
                     pd_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        pd_xgrow((void **)out, &cap, *n + 1, sizeof(pd_store_label));
        (*out)[*n].name = col_dup(st, 0);
        (*out)[*n].value = col_dup(st, 1);
        (*n)++;
    }
    return step == SQLITE_DONE ? 0 : pd_st_err(d, step, "target labels", err);
}

static void labels_free(pd_store_label *ls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)ls[i].name);
        free((char *)ls[i].value);
    }
    free(ls);
}

int pd_store_targets_list(pd_store_reader *r, pd_store_target_cb cb, void *ctx, pd_err *err)
{
    pd_st_db *d = &r->d;
    sqlite3_stmt *st = NULL, *lst = NULL;
    bool began = false;
    int rc = pd_st_read_begin(d, &began, err);
    if (rc == 0)
        rc = pd_st_prepare(d,
                           "SELECT id, job, address, profiles, scrape_interval_ms FROM targets"
                           " ORDER BY id",
                           &st, err);
    if (rc == 0)
        rc = pd_st_prepare(
            d, "SELECT name, value FROM target_labels WHERE target_id = ? ORDER BY name", &lst,
            err);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        pd_store_target t = {0};
        t.id = sqlite3_column_int64(st, 0);
        char *job = col_dup(st, 1), *address = col_dup(st, 2), *profiles = col_dup(st, 3);
        t.job = job;
        t.address = address;
        t.profiles = profiles;
        t.scrape_interval_ms = sqlite3_column_int64(st, 4);
        pd_store_label *ls = NULL;
        rc = labels_of(d, lst, t.id, &ls, &t.nlabels, err);
        t.labels = ls;
        int stop = rc == 0 ? cb(ctx, &t) : 0;
        labels_free(ls, t.nlabels);
        free(job);
        free(address);
        free(profiles);
        if (stop)
            break;
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = pd_st_err(d, step, "targets", err);
    sqlite3_finalize(st);
    sqlite3_finalize(lst);
    pd_st_read_end(d, began);
    return rc;
}
