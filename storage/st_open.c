/* The writer handle: open (directory, pragmas, schema), close, sizes. */
#include "st_int.h"
#include "pd_store_debug.h"

#include "pd_mem.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p of the directory part of `path` (nothing if it has none). */
static int make_parent(const char *path, pd_err *err)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return 0;
    size_t n = (size_t)(slash - path);
    char *dir = pd_xmalloc(n + 1);
    memcpy(dir, path, n);
    dir[n] = '\0';
    int rc = 0;
    for (size_t i = 1; i <= n; i++) {
        if (dir[i] != '/' && dir[i] != '\0')
            continue;
        char saved = dir[i];
        dir[i] = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
            rc = pd_errf(err, -errno, "create directory %s: %s", dir, strerror(errno));
            goto out;
        }
        dir[i] = saved;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        rc = pd_errf(err, -ENOTDIR, "%s: not a directory", dir);
out:
    free(dir);
    return rc;
}

int pd_store_open(const char *path, pd_store **out, pd_err *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return pd_errf(err, -EINVAL, "storage path is empty");
    pd_store *s = pd_xcalloc(1, sizeof(*s));
    pd_keymap_init(&s->cache, 0);
    pd_st_parts_init(&s->parts);
    int rc = make_parent(path, err);
    if (rc == 0)
        rc = pd_st_db_open(&s->d, path, true, err);
    if (rc == 0)
        rc = pd_st_schema_migrate(&s->d, err);
    if (rc == 0)
        rc = pd_st_meta_get(&s->d, "total_bytes", &s->total_bytes, err);
    pd_st_reset_all(&s->d);
    if (rc != 0) {
        pd_err_prefix(err, "%s", path);
        pd_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void pd_store_close(pd_store *s)
{
    if (s == NULL)
        return;
    pd_st_db_close(&s->d);
    pd_keymap_free(&s->cache);
    pd_st_parts_free(&s->parts);
    free(s->series_ids);
    free(s);
}

/* One integer answer of a pragma or query; *val (OUT). */
static int pragma_int(pd_store *s, const char *sql, int64_t *val, pd_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->d.db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = pd_st_err(&s->d, rc, sql, err);
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = pd_st_err(&s->d, rc, sql, err);
        goto out;
    }
    *val = sqlite3_column_int64(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int pd_store_size(pd_store *s, int64_t *data_bytes, int64_t *file_bytes, pd_err *err)
{
    *data_bytes = s->total_bytes;
    if (file_bytes == NULL)
        return 0;
    int64_t pages = 0, page_size = 0;
    int rc = pragma_int(s, "PRAGMA page_count", &pages, err);
    if (rc == 0)
        rc = pragma_int(s, "PRAGMA page_size", &page_size, err);
    *file_bytes = rc == 0 ? pages * page_size : 0;
    return rc;
}

int pd_store_exec(pd_store *s, const char *sql, pd_err *err)
{
    return pd_st_exec(&s->d, sql, err);
}

int pd_store_debug_int(pd_store *s, const char *sql, int64_t *val, pd_err *err)
{
    return pragma_int(s, sql, val, err);
}
