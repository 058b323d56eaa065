/* Symbol partitions: the tables profiles are stored against, one per job
 * and main binary, kept as append-only chunks in `symbols` and cached in
 * memory by each connection. */
#include "st_int.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

/* Past this much memory a connection's cache starts over (the writer's
 * partitions are few and small; a reader reloads what a query needs). */
#define PARTS_MAX_MEM (64u * 1024 * 1024)

void pd_st_parts_init(pd_st_parts *ps)
{
    memset(ps, 0, sizeof(*ps));
    pd_keymap_init(&ps->map, 0);
}

void pd_st_parts_free(pd_st_parts *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        pd_symtab_free(ps->v[i].t);
    free(ps->v);
    pd_keymap_free(&ps->map);
}

void pd_st_parts_reset(pd_st_parts *ps)
{
    pd_st_parts_free(ps);
    pd_st_parts_init(ps);
}

static size_t parts_mem(const pd_st_parts *ps)
{
    size_t m = 0;
    for (size_t i = 0; i < ps->n; i++)
        m += pd_symtab_mem(ps->v[i].t);
    return m;
}

static bool any_touched(const pd_st_parts *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].touched)
            return true;
    return false;
}

/* A new entry for key (absent from the map), its table empty. Entries
 * move: pointers to others are stale after this. */
static pd_st_part *parts_add(pd_st_parts *ps, const void *key, size_t len, int64_t id)
{
    /* never while a transaction holds unsaved entries */
    if (parts_mem(ps) > PARTS_MAX_MEM && !any_touched(ps))
        pd_st_parts_reset(ps);
    pd_xgrow((void **)&ps->v, &ps->cap, ps->n + 1, sizeof(pd_st_part));
    pd_keymap_intern(&ps->map, key, len, (uint32_t)ps->n, NULL, NULL);
    pd_st_part *p = &ps->v[ps->n++];
    memset(p, 0, sizeof(*p));
    p->id = id;
    p->t = pd_symtab_new();
    return p;
}

char *pd_st_part_key(const char *job, const pd_profile *p)
{
    const char *bin = "";
    uint32_t len = 0;
    if (p->nmappings > 0) {
        const pd_mapping *m = &p->mappings[0];
        uint32_t s = p->strings[m->build_id].len > 0 ? m->build_id : m->file;
        bin = p->strings[s].ptr;
        len = p->strings[s].len;
    }
    /* job \x1f binary: a \x1f inside a job name could only make two jobs
     * share a partition, which is correct, only less compact */
    const char *j = job ? job : "";
    size_t jl = strlen(j);
    char *key = pd_xmalloc(jl + 1 + len + 1);
    memcpy(key, j, jl);
    key[jl] = '\x1f';
    if (len > 0)
        memcpy(key + jl + 1, bin, len);
    key[jl + 1 + len] = '\0';
    return key;
}

/* Loads the chunks of p newer than what it holds. */
static int load_chunks(pd_st_db *d, pd_st_part *p, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_PART_CHUNKS, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, p->id);
    if (step == SQLITE_OK)
        step = sqlite3_bind_int64(st, 2, p->last_chunk);
    while (rc == 0 && (step == SQLITE_OK || step == SQLITE_ROW)) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        int64_t cid = sqlite3_column_int64(st, 0);
        const uint8_t *data = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        rc = pd_symtab_load(p->t, data, len, err);
        if (rc != 0)
            pd_err_prefix(err, "partition %lld chunk %lld", (long long)p->id, (long long)cid);
        else
            p->last_chunk = cid;
    }
    sqlite3_reset(st);
    if (rc == 0 && step != SQLITE_DONE)
        rc = pd_st_err(d, step, "load symbols", err);
    return rc;
}

/* The id of the partition of key, inserted if absent. */
static int part_id(pd_st_db *d, const char *key, int64_t *id, pd_err *err)
{
    int rc = pd_st_lookup(d, PD_ST_PART_BY_KEY, key, id, "find partition", err);
    if (rc != -ENOENT)
        return rc;
    pd_err_clear(err); /* absent: not an error, it is made */
    sqlite3_stmt *st;
    rc = pd_st_stmt(d, PD_ST_PART_INSERT, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (b != SQLITE_OK)
        return pd_st_err(d, b, "insert partition", err);
    rc = pd_st_step_done(d, st, "insert partition", err);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(d->db);
    return rc;
}

int pd_st_part_writer(pd_store *s, const char *key, pd_st_part **out, pd_err *err)
{
    uint32_t idx;
    if (pd_keymap_get(&s->parts.map, key, strlen(key), &idx)) {
        pd_st_part *p = &s->parts.v[idx];
        if (p->touched) {
            *out = p;
            return 0;
        }
        /* First use in this transaction: another writer (pprofd import
         * beside the daemon) may have appended to the partition, or its
         * retention deleted it. Ids stay dense only if every writer
         * appends to the table as the file holds it. */
        int64_t id = 0;
        int rc = part_id(&s->d, key, &id, err);
        if (rc == 0 && id == p->id) {
            rc = load_chunks(&s->d, p, err);
            if (rc == 0) {
                *out = p;
                return 0;
            }
        }
        pd_st_parts_reset(&s->parts);
        if (rc != 0)
            return rc;
    }
    int64_t id = 0;
    int rc = part_id(&s->d, key, &id, err);
    if (rc != 0)
        return rc;
    pd_st_part *p = parts_add(&s->parts, key, strlen(key), id);
    rc = load_chunks(&s->d, p, err);
    if (rc != 0) {
        pd_st_parts_reset(&s->parts); /* the half-loaded entry goes too */
        return rc;
    }
    *out = p;
    return 0;
}

int pd_st_part_count(pd_st_db *d, int64_t id, int64_t n, int64_t bytes, pd_err *err)
{
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_PART_ADD, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_int64(st, 1, id);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 2, n);
    if (b == SQLITE_OK)
        b = sqlite3_bind_int64(st, 3, bytes);
    if (b != SQLITE_OK)
        return pd_st_err(d, b, "count partition", err);
    return pd_st_step_done(d, st, "count partition", err);
}

static int save_one(pd_st_db *d, pd_st_part *p, int64_t *bytes, pd_err *err)
{
    uint8_t *chunk = NULL;
    size_t len = 0;
    pd_symtab_chunk(p->t, &chunk, &len);
    int rc = 0;
    if (len > 0) {
        sqlite3_stmt *st;
        rc = pd_st_stmt(d, PD_ST_PART_CHUNK_INSERT, &st, err);
        int b = SQLITE_OK;
        if (rc == 0)
            b = sqlite3_bind_int64(st, 1, p->id);
        if (rc == 0 && b == SQLITE_OK)
            b = sqlite3_bind_blob64(st, 2, chunk, len, SQLITE_STATIC);
        if (rc == 0 && b != SQLITE_OK)
            rc = pd_st_err(d, b, "insert symbols", err);
        if (rc == 0)
            rc = pd_st_step_done(d, st, "insert symbols", err);
        if (rc == 0)
            p->last_chunk = sqlite3_last_insert_rowid(d->db);
        if (rc == 0)
            sqlite3_clear_bindings(st); /* chunk is freed next */
    }
    free(chunk);
    if (rc == 0)
        rc = pd_st_part_count(d, p->id, p->new_profiles, p->new_bytes + (int64_t)len, err);
    *bytes += (int64_t)len;
    return rc;
}

int pd_st_parts_save(pd_store *s, int64_t *bytes, pd_err *err)
{
    *bytes = 0;
    int rc = 0;
    for (size_t i = 0; i < s->parts.n && rc == 0; i++) {
        pd_st_part *p = &s->parts.v[i];
        if (!p->touched)
            continue;
        rc = save_one(&s->d, p, bytes, err);
        p->touched = false;
        p->new_profiles = p->new_bytes = 0;
    }
    return rc;
}

int pd_st_part_gc(pd_st_db *d, int64_t id, int64_t *freed, bool *gone_out, pd_err *err)
{
    *freed = 0;
    *gone_out = false;
    sqlite3_stmt *st;
    int rc = pd_st_stmt(d, PD_ST_PART_GC, &st, err);
    if (rc != 0)
        return rc;
    int step = sqlite3_bind_int64(st, 1, id);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    bool gone = step == SQLITE_ROW;
    if (gone)
        *freed = sqlite3_column_int64(st, 0);
    if (gone)
        step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return pd_st_err(d, step, "delete partition", err);
    if (!gone)
        return 0;
    *gone_out = true;
    rc = pd_st_stmt(d, PD_ST_PART_GC_SYMBOLS, &st, err);
    if (rc != 0)
        return rc;
    int b = sqlite3_bind_int64(st, 1, id);
    if (b != SQLITE_OK)
        return pd_st_err(d, b, "delete symbols", err);
    return pd_st_step_done(d, st, "delete symbols", err);
}

int pd_st_part_reader(pd_store_reader *r, int64_t id, const pd_symtab **out, pd_err *err)
{
    uint32_t idx;
    pd_st_part *p;
    if (pd_keymap_get(&r->parts.map, &id, sizeof(id), &idx))
        p = &r->parts.v[idx];
    else
        p = parts_add(&r->parts, &id, sizeof(id), id);
    int rc = load_chunks(&r->d, p, err);
    if (rc != 0) {
        pd_st_parts_reset(&r->parts);
        return rc;
    }
    *out = p->t;
    return 0;
}
