/* Query parameters of the API, parsed on the loop thread before
 * any work is queued: every error names its parameter ("from: invalid time
 * "x" at position 0") and answers 400. */
#include "api_int.h"

#include "pd_clock.h"
#include "pd_mem.h"
#include "pd_names.h"
#include "pd_time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_sel(const char *s, const char *name, pd_selector **out, char **text, pd_err *err)
{
    const char *src = s != NULL && *s != '\0' ? s : "{}";
    int rc = pd_selector_parse(src, out, err);
    if (rc < 0)
        pd_err_prefix(err, "%s", name);
    else
        *text = pd_xstrdup(src);
    return rc;
}

static int parse_time(const char *s, const char *name, int64_t now, int64_t *out, pd_err *err)
{
    int rc = pd_time_parse(s, now, out, err);
    if (rc < 0)
        pd_err_prefix(err, "%s", name);
    return rc;
}

static int parse_format(const char *s, api_format *f, pd_err *err)
{
    static const char *const names[] = {"pprof", "json", "folded", "top", "svg"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (api_format)i;
            return 0;
        }
    return pd_errf(err, -EINVAL,
                   "format: unknown format \"%.40s\" (want pprof, json, folded, "
                   "top or svg)",
                   s);
}

static int parse_bool(const char *s, const char *name, bool *out, pd_err *err)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *out = false;
        return 0;
    }
    return pd_errf(err, -EINVAL, "%s: want true or false, got \"%.40s\"", name, s);
}

static int parse_group_by(const char *s, api_query *q, pd_err *err)
{
    char *copy = pd_xstrdup(s);
    char *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!pd_label_name_valid(t) || q->ngroup_by >= PD_STORE_MAX_LABELS) {
            rc = pd_errf(err, -EINVAL, "group_by: invalid label name \"%.40s\"", t);
            break;
        }
        q->group_by = pd_xrealloc(q->group_by, (q->ngroup_by + 1) * sizeof(char *));
        q->group_by[q->ngroup_by++] = pd_xstrdup(t);
    }
    free(copy);
    return rc;
}

/* One hour before `to`, or the earliest time there is: `to` may be any
 * parsed time, as early as 1677, and must not overflow. */
static int64_t default_from(int64_t to)
{
    int64_t from;
    if (__builtin_sub_overflow(to, 3600LL * 1000000000, &from))
        from = INT64_MIN;
    return from;
}

/* A range is from <= to and to - from fits in int64, so that every handler
 * may subtract them (1677..2262 in full does not fit). */
static int check_range(int64_t from, int64_t to, const char *from_name, const char *to_name,
                       pd_err *err)
{
    int64_t span;
    if (from > to)
        return pd_errf(err, -EINVAL, "%s: after %s", from_name, to_name);
    if (__builtin_sub_overflow(to, from, &span))
        return pd_errf(err, -ERANGE, "%s: more than 292 years before %s", from_name, to_name);
    return 0;
}

int api_parse_query(api_arg_fn arg, void *conn, const char *what, api_query *q, pd_err *err)
{
    memset(q, 0, sizeof(*q));
    q->normalize = true;
    bool is_diff = strcmp(what, "diff") == 0;
    bool need_type = strcmp(what, "labels") != 0 && strcmp(what, "profiles") != 0;
    const char *v = arg(conn, "type");
    if (v != NULL && !pd_profile_name_valid(v))
        return pd_errf(err, -EINVAL, "type: invalid profile type \"%.40s\"", v);
    if (v == NULL && need_type)
        return pd_errf(err, -EINVAL, "type: missing (e.g. type=cpu)");
    q->type = v != NULL ? pd_xstrdup(v) : NULL;

    int rc = 0;
    if (is_diff) {
        const char *b = arg(conn, "base"), *t = arg(conn, "target");
        if (b == NULL)
            return pd_errf(err, -EINVAL, "base: missing (a selector)");
        if (t == NULL)
            return pd_errf(err, -EINVAL, "target: missing (a selector)");
        rc = parse_sel(b, "base", &q->sel, &q->sel_text, err);
        if (rc == 0)
            rc = parse_sel(t, "target", &q->sel2, &q->sel2_text, err);
    } else {
        rc = parse_sel(arg(conn, "query"), "query", &q->sel, &q->sel_text, err);
    }
    if (rc < 0)
        return rc;
    /* Captures are extra looks at a target, not more of it: merges, diffs
     * and series over a job would count them twice. They are in these
     * answers only when the query names `trigger`. */
    if (is_diff || strcmp(what, "merge") == 0 || strcmp(what, "series") == 0) {
        pd_selector_default_absent(q->sel, "trigger");
        if (q->sel2 != NULL)
            pd_selector_default_absent(q->sel2, "trigger");
    }

    int64_t now = pd_now_ns();
    q->to = now;
    if ((v = arg(conn, "to")) != NULL && (rc = parse_time(v, "to", now, &q->to, err)) < 0)
        return rc;
    q->from = default_from(q->to);
    if ((v = arg(conn, "from")) != NULL && (rc = parse_time(v, "from", now, &q->from, err)) < 0)
        return rc;
    if ((rc = check_range(q->from, q->to, "from", "to", err)) < 0)
        return rc;
    q->from2 = q->from;
    q->to2 = q->to;
    if (is_diff) {
        v = arg(conn, "base_to");
        if (v != NULL && (rc = parse_time(v, "base_to", now, &q->to2, err)) < 0)
            return rc;
        v = arg(conn, "base_from");
        if (v != NULL && (rc = parse_time(v, "base_from", now, &q->from2, err)) < 0)
            return rc;
        if ((rc = check_range(q->from2, q->to2, "base_from", "base_to", err)) < 0)
            return rc;
        v = arg(conn, "normalize");
        if (v != NULL && (rc = parse_bool(v, "normalize", &q->normalize, err)) < 0)
            return rc;
    }
    if ((v = arg(conn, "limit")) != NULL) {
        char *end = NULL;
        unsigned long long n = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end != '\0' || n > 1000000000ULL)
            return pd_errf(err, -EINVAL, "limit: want a non-negative integer, got \"%.40s\"", v);
        q->limit = (size_t)n;
    }
    if ((v = arg(conn, "format")) != NULL && (rc = parse_format(v, &q->format, err)) < 0)
        return rc;
    if ((v = arg(conn, "sample_type")) != NULL) {
        if (!pd_label_name_valid(v))
            return pd_errf(err, -EINVAL, "sample_type: invalid name \"%.40s\"", v);
        q->sample_type = pd_xstrdup(v);
    }
    if ((v = arg(conn, "aggregation")) != NULL) {
        if (strcmp(v, "sum") != 0 && strcmp(v, "avg") != 0)
            return pd_errf(err, -EINVAL, "aggregation: want avg or sum, got \"%.40s\"", v);
        q->agg_sum = strcmp(v, "sum") == 0;
    }
    if ((v = arg(conn, "step")) != NULL) {
        if ((rc = pd_step_parse(v, &q->step, err)) < 0) {
            pd_err_prefix(err, "step");
            return rc;
        }
    }
    if ((v = arg(conn, "group_by")) != NULL && (rc = parse_group_by(v, q, err)) < 0)
        return rc;
    return 0;
}

void api_query_free(api_query *q)
{
    free(q->type);
    pd_selector_free(q->sel);
    pd_selector_free(q->sel2);
    free(q->sel_text);
    free(q->sel2_text);
    free(q->sample_type);
    for (size_t i = 0; i < q->ngroup_by; i++)
        free(q->group_by[i]);
    free(q->group_by);
    free(q->name);
    memset(q, 0, sizeof(*q));
}
