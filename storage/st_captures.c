/* Finished captures, kept so that GET /api/v1/captures/{id} answers the
 * same after a restart. The daemon stores each capture's final answer as
 * an opaque JSON document; only the newest `keep` are kept. Rare writes:
 * statements are prepared per call. */
#include "st_int.h"

#include <sqlite3.h>

typedef struct put_arg {
    int64_t id, created_ns;
    const char *doc;
    size_t keep;
} put_arg;

static int put(pd_st_db *d, void *arg, pd_err *err)
{
    const put_arg *a = arg;
    sqlite3_stmt *st = NULL;
    int rc = pd_st_prepare(
        d, "INSERT OR REPLACE INTO captures(id, created_ns, doc) VALUES (?, ?, ?)", &st, err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_int64(st, 2, a->created_ns);
        sqlite3_bind_text(st, 3, a->doc, -1, SQLITE_STATIC);
        rc = pd_st_step_done(d, st, "insert capture", err);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* Ids grow with time: the oldest are the lowest. */
    if (rc == 0)
        rc = pd_st_prepare(d,
                           "DELETE FROM captures WHERE id < (SELECT min(id) FROM"
                           " (SELECT id FROM captures ORDER BY id DESC LIMIT ?))",
                           &st, err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)a->keep);
        rc = pd_st_step_done(d, st, "prune captures", err);
    }
    sqlite3_finalize(st);
    return rc;
}

int pd_store_capture_put(pd_store *s, int64_t id, int64_t created_ns, const char *doc, size_t keep,
                         pd_err *err)
{
    if (id <= 0)
        return pd_errf(err, -EINVAL, "capture id %lld: not positive", (long long)id);
    if (doc == NULL || doc[0] == '\0')
        return pd_errf(err, -EINVAL, "capture %lld: empty document", (long long)id);
    if (keep == 0)
        return pd_errf(err, -EINVAL, "capture %lld: keep is 0", (long long)id);
    return pd_st_write_tx(&s->d, put, &(put_arg){id, created_ns, doc, keep}, err);
}

int pd_store_captures_list(pd_store_reader *r, size_t limit, pd_store_capture_cb cb, void *ctx,
                           pd_err *err)
{
    pd_st_db *d = &r->d;
    sqlite3_stmt *st = NULL;
    bool began = false;
    int rc = pd_st_read_begin(d, &began, err);
    if (rc == 0)
        rc = pd_st_prepare(
            d,
            "SELECT id, created_ns, doc FROM (SELECT id, created_ns, doc FROM captures"
            " ORDER BY id DESC LIMIT ?) ORDER BY id",
            &st, err);
    int step = SQLITE_DONE;
    if (rc == 0)
        sqlite3_bind_int64(st, 1, limit > 0 ? (sqlite3_int64)limit : -1);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *doc = sqlite3_column_text(st, 2);
        if (cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
               doc ? (const char *)doc : ""))
            break;
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = pd_st_err(d, step, "captures", err);
    sqlite3_finalize(st);
    pd_st_read_end(d, began);
    return rc;
}
