/* Converting a version-3 file's rows (gzip pprof) into the stored form, in
 * small steps on the writer connection: each step converts a few rows in
 * one transaction and moves meta.convert_next past them, so a crash loses
 * at most one step and the next open goes on from there. Readers read both
 * kinds of rows meanwhile. */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

typedef struct conv_row {
    int64_t id;
    uint8_t *data;
    size_t len;
    char *job; /* NULL: the series has none */
} conv_row;

static void rows_free(conv_row *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].data);
        free(v[i].job);
    }
    free(v);
}

/* v (OUT, rows_free) and *n (OUT): up to batch unconverted rows from `from`. */
static int pick(pd_store *s, int64_t from, int64_t last, size_t batch, conv_row **v, size_t *n,
                pd_err *err)
{
    *v = NULL;
    *n = 0;
    size_t cap = 0;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, PD_ST_CONV_ROWS, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, from);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, last);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 3, (int64_t)batch);
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        pd_xgrow((void **)v, &cap, *n + 1, sizeof(conv_row));
        conv_row *r = &(*v)[(*n)++];
        r->id = sqlite3_column_int64(st, 0);
        r->len = (size_t)sqlite3_column_bytes(st, 1);
        r->data = pd_xmalloc(r->len + 1);
        if (r->len > 0)
            memcpy(r->data, sqlite3_column_blob(st, 1), r->len);
        const unsigned char *job = sqlite3_column_text(st, 2);
        r->job = job ? pd_xstrdup((const char *)job) : NULL;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return pd_st_err(&s->d, step, "convert: select", err);
    return 0;
}

/* Rewrites row r in the stored form; *delta (OUT): bytes it changed by.
 * A row that does not decode is left as it is. */
static int convert_row(pd_store *s, const conv_row *r, int64_t *delta, pd_err *err)
{
    *delta = 0;
    pd_profile *p = NULL;
    pd_err derr = {{0}};
    if (pd_profile_decode(r->data, r->len, 0, &p, &derr) != 0)
        return 0;
    char *key = pd_st_part_key(r->job, p);
    pd_st_part *part = NULL;
    int rc = pd_st_part_writer(s, key, &part, err);
    free(key);
    uint8_t *blob = NULL;
    size_t len = 0;
    if (rc == 0) {
        pd_stored cols;
        pd_symtab_add(part->t, p, &cols);
        part->touched = true;
        pd_stored_encode(&cols, &blob, &len);
        pd_stored_free(&cols);
    }
    pd_profile_free(p);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = pd_st_stmt(&s->d, PD_ST_CONV_UPDATE, &st, err);
    if (rc == 0) {
        int b = sqlite3_bind_int64(st, 1, r->id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(st, 2, part->id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_blob64(st, 3, blob, len, SQLITE_STATIC);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(st, 4, (int64_t)len);
        rc = b == SQLITE_OK ? pd_st_step_done(&s->d, st, "convert: update", err)
                            : pd_st_err(&s->d, b, "convert: update", err);
        sqlite3_clear_bindings(st); /* blob is freed next */
    }
    free(blob);
    if (rc == 0) {
        part->new_profiles++;
        part->new_bytes += (int64_t)len;
        *delta = (int64_t)len - (int64_t)r->len;
    }
    return rc;
}

/* *added (OUT): what the step changed total_bytes by, once committed. */
static int run_step(pd_store *s, size_t batch, size_t *converted, int64_t *left, int64_t *added,
                    pd_err *err)
{
    int64_t next = 0, last = 0;
    int rc = pd_st_meta_get(&s->d, "convert_next", &next, err);
    if (rc == 0)
        rc = pd_st_meta_get(&s->d, "convert_last", &last, err);
    if (rc != 0)
        return rc;
    conv_row *v = NULL;
    size_t n = 0;
    if (next <= last)
        rc = pick(s, next, last, batch, &v, &n, err);
    int64_t delta = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t d = 0;
        rc = convert_row(s, &v[i], &d, err);
        delta += d;
    }
    int64_t symbols = 0;
    if (rc == 0)
        rc = pd_st_parts_save(s, &symbols, err);
    /* A short batch means nothing is left up to `last`. */
    int64_t new_next = n < batch ? last + 1 : v[n - 1].id + 1;
    if (rc == 0 && next <= last)
        rc = pd_st_meta_set(&s->d, "convert_next", new_next, err);
    if (rc == 0)
        rc = pd_st_meta_set(&s->d, "total_bytes", s->total_bytes + delta + symbols, err);
    if (rc == 0) {
        *converted = n;
        *added = delta + symbols;
        *left = new_next > last ? 0 : last - new_next + 1;
    }
    rows_free(v, n);
    return rc;
}

int pd_store_convert_step(pd_store *s, size_t batch, size_t *converted, int64_t *left, pd_err *err)
{
    *converted = 0;
    *left = 0;
    if (batch == 0)
        return pd_errf(err, -EINVAL, "convert: batch 0");
    if (!sqlite3_get_autocommit(s->d.db))
        return pd_errf(err, -EBUSY, "convert: a transaction is already open");
    if (s->converted_all)
        return 0;
    int rc = pd_st_run(&s->d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    int64_t added = 0;
    rc = pd_st_write_end(s, run_step(s, batch, converted, left, &added, err), err);
    if (rc != 0) {
        *converted = 0;
        return rc;
    }
    s->total_bytes += added;
    s->converted_all = *left == 0;
    return 0;
}
