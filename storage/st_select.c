/* Which series match a query: the most selective equality matcher (or the
 * type) picks candidates through the (name, value) index; every matcher is
 * then checked in C on the candidate's full label set. */
#include "st_int.h"

#include "pd_arena.h"
#include "pd_mem.h"
#include "pd_names.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>

/* The labels of the series being read, as name\0value\0 pairs. */
typedef struct scratch {
    char *buf;
    size_t len, cap;
    size_t off[2 * PD_STORE_MAX_LABELS];
    size_t n; /* labels */
} scratch;

static void scratch_add(scratch *sc, const unsigned char *name, const unsigned char *value)
{
    if (sc->n == PD_STORE_MAX_LABELS) /* defensive: put never stores more */
        return;
    const char *p[2] = {name ? (const char *)name : "", value ? (const char *)value : ""};
    for (size_t k = 0; k < 2; k++) {
        size_t l = strlen(p[k]) + 1;
        pd_xgrow((void **)&sc->buf, &sc->cap, sc->len + l, 1);
        memcpy(sc->buf + sc->len, p[k], l);
        sc->off[2 * sc->n + k] = sc->len;
        sc->len += l;
    }
    sc->n++;
}

static const char *label_value(const pd_store_label *ls, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ls[i].name, name) == 0)
            return ls[i].value;
    return ""; /* as in Prometheus, an absent label is the empty string */
}

static bool matches(const pd_store_query *q, const pd_store_label *ls, size_t n)
{
    if (q->type != NULL && strcmp(label_value(ls, n, "type"), q->type) != 0)
        return false;
    for (size_t i = 0; i < q->nmatchers; i++) {
        const pd_store_matcher *m = &q->matchers[i];
        const char *v = label_value(ls, n, m->name);
        bool ok;
        switch (m->op) {
        case PD_MATCH_EQ:
            ok = strcmp(v, m->value) == 0;
            break;
        case PD_MATCH_NEQ:
            ok = strcmp(v, m->value) != 0;
            break;
        case PD_MATCH_RE:
            ok = pd_regex_match(m->re, v);
            break;
        default:
            ok = !pd_regex_match(m->re, v);
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Checks the series in the scratch and keeps it if it matches. */
static void flush(pd_st_series_set *set, const pd_store_query *q, int64_t id, scratch *sc)
{
    pd_store_label ls[PD_STORE_MAX_LABELS];
    for (size_t i = 0; i < sc->n; i++) {
        ls[i].name = sc->buf + sc->off[2 * i];
        ls[i].value = sc->buf + sc->off[2 * i + 1];
    }
    if (matches(q, ls, sc->n)) {
        pd_xgrow((void **)&set->v, &set->cap, set->n + 1, sizeof(pd_st_series));
        pd_st_series *s = &set->v[set->n++];
        s->id = id;
        char *canon = pd_st_labels_canonical(ls, sc->n);
        s->canonical = pd_arena_memdup(&set->mem, canon, strlen(canon) + 1);
        free(canon);
        char *text = pd_arena_memdup(&set->mem, sc->buf, sc->len ? sc->len : 1);
        s->labels = pd_arena_calloc(&set->mem, sc->n ? sc->n : 1, sizeof(pd_store_label));
        for (size_t i = 0; i < sc->n; i++) {
            s->labels[i].name = text + sc->off[2 * i];
            s->labels[i].value = text + sc->off[2 * i + 1];
        }
        s->nlabels = sc->n;
    }
    sc->len = 0;
    sc->n = 0;
}

static int check_matchers(const pd_store_query *q, pd_err *err)
{
    if (q->nmatchers > 0 && q->matchers == NULL)
        return pd_errf(err, -EINVAL, "matchers missing");
    for (size_t i = 0; i < q->nmatchers; i++) {
        const pd_store_matcher *m = &q->matchers[i];
        if (!pd_label_name_valid(m->name))
            return pd_errf(err, -EINVAL, "matcher %zu: invalid label name \"%s\"", i,
                           m->name ? m->name : "(null)");
        bool re = m->op == PD_MATCH_RE || m->op == PD_MATCH_NRE;
        if (m->op != PD_MATCH_EQ && m->op != PD_MATCH_NEQ && !re)
            return pd_errf(err, -EINVAL, "matcher %zu (%s): unknown operator", i, m->name);
        if (re ? m->re == NULL : m->value == NULL)
            return pd_errf(err, -EINVAL, "matcher %zu (%s): no %s", i, m->name,
                           re ? "regex" : "value");
    }
    return 0;
}

/* *st (OUT): the candidate statement, bound. Uses the (name, value) pair
 * with the fewest series; without one, every series. */
static int candidates(pd_st_db *d, const pd_store_query *q, sqlite3_stmt **st, pd_err *err)
{
    const char *best_name = NULL, *best_value = NULL;
    int64_t best = INT64_MAX;
    for (size_t i = 0; i <= q->nmatchers; i++) {
        const char *name = "type", *value = q->type;
        if (i < q->nmatchers) {
            if (q->matchers[i].op != PD_MATCH_EQ)
                continue;
            name = q->matchers[i].name;
            value = q->matchers[i].value;
        }
        if (value == NULL || value[0] == '\0') /* ="" matches absent labels */
            continue;
        sqlite3_stmt *c;
        int rc = pd_st_stmt(d, PD_ST_COUNT_NV, &c, err);
        if (rc != 0)
            return rc;
        int step = sqlite3_bind_text(c, 1, name, -1, SQLITE_STATIC);
        if (step == SQLITE_OK)
            step = sqlite3_bind_text(c, 2, value, -1, SQLITE_STATIC);
        if (step == SQLITE_OK)
            step = sqlite3_step(c);
        int64_t count = step == SQLITE_ROW ? sqlite3_column_int64(c, 0) : 0;
        sqlite3_reset(c);
        if (step != SQLITE_ROW)
            return pd_st_err(d, step, "select series", err);
        if (count < best) {
            best = count;
            best_name = name;
            best_value = value;
        }
    }
    int rc = pd_st_stmt(d, best_name ? PD_ST_LABELS_BY_NV : PD_ST_LABELS_ALL, st, err);
    if (rc != 0 || best_name == NULL)
        return rc;
    int b = sqlite3_bind_text(*st, 1, best_name, -1, SQLITE_STATIC);
    if (b == SQLITE_OK)
        b = sqlite3_bind_text(*st, 2, best_value, -1, SQLITE_STATIC);
    return b == SQLITE_OK ? 0 : pd_st_err(d, b, "select series", err);
}

int pd_st_select_series(pd_st_db *d, const pd_store_query *q, pd_st_series_set *set, pd_err *err)
{
    memset(set, 0, sizeof(*set));
    scratch sc = {0};
    sqlite3_stmt *st = NULL;
    int rc = check_matchers(q, err);
    if (rc == 0)
        rc = candidates(d, q, &st, err);
    if (rc != 0)
        goto out;
    int64_t cur = 0;
    bool have = false;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t sid = sqlite3_column_int64(st, 0);
        if (have && sid != cur)
            flush(set, q, cur, &sc);
        cur = sid;
        have = true;
        scratch_add(&sc, sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
    }
    if (step != SQLITE_DONE) {
        rc = pd_st_err(d, step, "select series", err);
        goto out;
    }
    if (have)
        flush(set, q, cur, &sc);
out:
    if (st != NULL)
        sqlite3_reset(st);
    free(sc.buf);
    if (rc != 0)
        pd_st_series_set_free(set);
    return rc;
}

void pd_st_series_set_free(pd_st_series_set *set)
{
    free(set->v);
    pd_arena_free(&set->mem);
    memset(set, 0, sizeof(*set));
}

const pd_st_series *pd_st_series_find(const pd_st_series_set *set, int64_t id)
{
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->v[mid].id == id)
            return &set->v[mid];
        if (set->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int pd_st_with_series(pd_st_db *d, const pd_store_query *q, pd_st_series_fn fn, void *ctx,
                      pd_err *err)
{
    if (q->from_ns > q->to_ns)
        return 0;
    pd_st_series_set set;
    bool began = false;
    int rc = pd_st_read_begin(d, &began, err);
    if (rc != 0)
        return rc;
    rc = pd_st_select_series(d, q, &set, err);
    if (rc == 0) {
        rc = fn(d, q, &set, ctx, err);
        pd_st_series_set_free(&set);
    }
    pd_st_read_end(d, began);
    return rc;
}
