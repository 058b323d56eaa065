/* pd_store_put: a batch of profiles in one transaction, series found or
 * created through an in-memory cache of committed series ids. */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

/* The cache keeps memory bounded: past this many series it starts over. */
#define CACHE_MAX_SERIES (1u << 20)

void pd_st_cache_reset(pd_store *s)
{
    pd_keymap_free(&s->cache);
    pd_keymap_init(&s->cache, 0);
    s->nseries = 0;
}

static void cache_add(pd_store *s, const char *canon, int64_t id)
{
    if (s->nseries >= CACHE_MAX_SERIES)
        pd_st_cache_reset(s);
    pd_xgrow((void **)&s->series_ids, &s->capseries, s->nseries + 1, sizeof(int64_t));
    bool inserted = false;
    uint32_t idx =
        pd_keymap_intern(&s->cache, canon, strlen(canon), (uint32_t)s->nseries, &inserted, NULL);
    if (inserted)
        s->series_ids[s->nseries++] = id;
    else
        s->series_ids[idx] = id; /* defensive: callers look up first */
}

/* Everything about an item that needs no database. */
static int check_item(size_t i, const pd_store_item *it, pd_err *err)
{
    const char *type;
    int rc = pd_st_labels_check(it->labels, it->nlabels, &type, err);
    if (rc == 0 && it->profile == NULL)
        rc = pd_errf(err, -EINVAL, "no profile");
    if (rc == 0 && it->duration_ns < 0)
        rc = pd_errf(err, -EINVAL, "negative duration");
    if (rc == 0 && (it->sample_types == NULL || it->sample_types[0] == '\0'))
        rc = pd_errf(err, -EINVAL, "no sample types");
    if (rc == 0 && pd_st_count_list(it->sample_types) != it->ntotals)
        rc = pd_errf(err, -EINVAL, "%zu totals for %zu sample types", it->ntotals,
                     pd_st_count_list(it->sample_types));
    if (rc == 0 && it->ntotals > 0 && it->totals == NULL)
        rc = pd_errf(err, -EINVAL, "totals missing");
    if (rc != 0)
        pd_err_prefix(err, "item %zu", i);
    return rc;
}

static int insert_series(pd_store *s, const pd_store_item *it, const char *type, const char *canon,
                         int64_t *id, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(&s->d, PD_ST_SERIES_INSERT, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(st, 2, canon, -1, SQLITE_STATIC);
    if (b != SQLITE_OK)
        return pd_st_err(&s->d, b, "insert series", err);
    rc = pd_st_step_done(&s->d, st, "insert series", err);
    if (rc != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(s->d.db);
    for (size_t i = 0; i < it->nlabels; i++) {
        rc = pd_st_stmt(&s->d, PD_ST_SERIES_LABEL_INSERT, &st, err);
        if (rc != 0)
            return rc;
        b = sqlite3_bind_int64(st, 1, *id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_text(st, 2, it->labels[i].name, -1, SQLITE_STATIC);
        if (b == SQLITE_OK)
            b = sqlite3_bind_text(st, 3, it->labels[i].value, -1, SQLITE_STATIC);
        if (b != SQLITE_OK)
            return pd_st_err(&s->d, b, "insert label", err);
        rc = pd_st_step_done(&s->d, st, "insert label", err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* *id (OUT): the series of the item's labels, created if new. */
static int series_id(pd_store *s, const pd_store_item *it, int64_t *id, pd_err *err)
{
    const char *type = NULL;
    for (size_t i = 0; i < it->nlabels; i++)
        if (strcmp(it->labels[i].name, "type") == 0)
            type = it->labels[i].value;
    char *canon = pd_st_labels_canonical(it->labels, it->nlabels);
    uint32_t idx;
    int rc = 0;
    if (pd_keymap_get(&s->cache, canon, strlen(canon), &idx)) {
        *id = s->series_ids[idx];
        goto out;
    }
    rc = pd_st_lookup(&s->d, PD_ST_SERIES_BY_LABELS, canon, id, "find series", err);
    if (rc == -ENOENT) {
        pd_err_clear(err); /* absent: not an error, it is made */
        rc = insert_series(s, it, type, canon, id, err);
    }
    if (rc == 0)
        cache_add(s, canon, *id);
out:
    free(canon);
    return rc;
}

static const char *label_value(const pd_store_item *it, const char *name)
{
    for (size_t i = 0; i < it->nlabels; i++)
        if (strcmp(it->labels[i].name, name) == 0)
            return it->labels[i].value;
    return NULL;
}

/* The item's columns against its partition's table: *blob (OUT,
 * malloc'd) and *part (OUT, valid until the next partition lookup). */
static int pack(pd_store *s, const pd_store_item *it, pd_st_part **part, uint8_t **blob,
                size_t *len, pd_err *err)
{
    char *key = pd_st_part_key(label_value(it, "job"), it->profile);
    int rc = pd_st_part_writer(s, key, part, err);
    free(key);
    if (rc != 0)
        return rc;
    pd_stored st;
    pd_symtab_add((*part)->t, it->profile, &st);
    (*part)->touched = true;
    pd_stored_encode(&st, blob, len);
    pd_stored_free(&st);
    return 0;
}

/* A profile for a bucket a rollup level has done goes into that level as
 * a row of its own, so the level still sums everything below it. */
static int add_late(pd_store *s, const pd_st_rollup_mark *m, const pd_store_item *it, int64_t sid,
                    int64_t partition_id, uint8_t *blob, size_t len, int64_t *size, pd_err *err)
{
    for (int level = 1; level <= PD_STORE_LEVELS; level++) {
        if (!pd_st_rollup_has(m, level, it->time_ns, sid))
            continue;
        pd_st_rollup_row row = {sid,
                                level,
                                it->time_ns,
                                1,
                                it->duration_ns,
                                it->sample_types,
                                it->default_sample_type,
                                it->totals,
                                it->ntotals,
                                blob,
                                len,
                                partition_id};
        int rc = pd_st_rollup_insert(s, &row, err);
        if (rc == 0)
            rc = pd_st_rollup_late(s, level, sid, it->time_ns, err);
        if (rc != 0)
            return rc;
        *size += (int64_t)len;
    }
    return 0;
}

static int insert_profile(pd_store *s, const pd_st_rollup_mark *m, const pd_store_item *it,
                          int64_t sid, int64_t *id, int64_t *size, pd_err *err)
{
    pd_st_part *part = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc = pack(s, it, &part, &blob, &len, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st;
    rc = pd_st_stmt(&s->d, PD_ST_PROFILE_INSERT, &st, err);
    if (rc != 0) {
        free(blob);
        return rc;
    }
    const char *dst = it->default_sample_type ? it->default_sample_type : "";
    uint8_t *totals = pd_st_totals_encode(it->totals, it->ntotals);
    int b = sqlite3_bind_int64(st, 1, sid);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 2, it->time_ns);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 3, it->duration_ns);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(st, 4, it->sample_types, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(st, 5, dst, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_blob64(st, 6, totals, it->ntotals * 8, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 7, (int64_t)len);
    if (b == SQLITE_OK)
        b = sqlite3_bind_blob64(st, 8, blob, len, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 9, part->id);
    if (b != SQLITE_OK)
        rc = pd_st_err(&s->d, b, "insert profile", err);
    else
        rc = pd_st_step_done(&s->d, st, "insert profile", err);
    if (rc == 0) {
        *id = sqlite3_last_insert_rowid(s->d.db);
        *size = (int64_t)len;
        part->new_profiles++;
        part->new_bytes += (int64_t)len;
        rc = add_late(s, m, it, sid, part->id, blob, len, size, err);
    }
    sqlite3_clear_bindings(st); /* totals and blob are freed next */
    free(totals);
    free(blob);
    return rc;
}

/* After a failed transaction: the caches may hold what it rolled back. */
void pd_st_forget(pd_store *s)
{
    pd_st_cache_reset(s);
    pd_st_parts_reset(&s->parts);
}

int pd_store_put(pd_store *s, const pd_store_item *items, size_t n, int64_t *ids_out, pd_err *err)
{
    if (n == 0)
        return 0;
    if (items == NULL)
        return pd_errf(err, -EINVAL, "put: no items");
    for (size_t i = 0; i < n; i++) {
        int rc = check_item(i, &items[i], err);
        if (rc != 0)
            return rc;
    }
    if (!sqlite3_get_autocommit(s->d.db))
        return pd_errf(err, -EBUSY, "put: a transaction is already open");
    int rc = pd_st_run(&s->d, PD_ST_BEGIN_WRITE, err);
    if (rc != 0)
        return rc;
    int64_t added = 0;
    pd_st_rollup_mark marks;
    rc = pd_st_rollup_progress(&s->d, &marks, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t sid = 0, pid = 0, size = 0;
        rc = series_id(s, &items[i], &sid, err);
        if (rc == 0)
            rc = insert_profile(s, &marks, &items[i], sid, &pid, &size, err);
        if (rc != 0) {
            pd_err_prefix(err, "item %zu", i);
            break;
        }
        added += size;
        if (ids_out != NULL)
            ids_out[i] = pid;
    }
    int64_t symbols = 0;
    if (rc == 0)
        rc = pd_st_parts_save(s, &symbols, err);
    if (rc == 0)
        rc = pd_st_meta_set(&s->d, "total_bytes", s->total_bytes + added + symbols, err);
    rc = pd_st_write_end(s, rc, err);
    if (rc == 0)
        s->total_bytes += added + symbols;
    return rc;
}

int pd_st_write_end(pd_store *s, int rc, pd_err *err)
{
    pd_st_reset_all(&s->d);
    if (rc == 0)
        rc = pd_st_run(&s->d, PD_ST_COMMIT, err);
    if (rc != 0) {
        pd_st_run(&s->d, PD_ST_ROLLBACK, NULL);
        pd_st_forget(s);
    }
    return rc;
}

void pd_store_profile_free(pd_store_profile *p)
{
    pd_profile_free(p->profile);
    free(p->totals);
    memset(p, 0, sizeof(*p));
}
