#include "cfg_read.h"

#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfg_fail(cfg_ctx *c, const yn *at, const char *path, const char *fmt, ...)
{
    char msg[PD_ERR_MAX], line[PD_ERR_MAX + CFG_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *sep = path[0] ? ": " : "";
    if (at != NULL && at->line > 0)
        snprintf(line, sizeof(line), "%s:%u:%u: %s%s%s", c->file, at->line, at->col, path, sep,
                 msg);
    else
        snprintf(line, sizeof(line), "%s: %s%s%s", c->file, path, sep, msg);
    if (c->nerr == 0)
        pd_errf(c->err, -EINVAL, "%s", line);
    if (c->diag != NULL && c->nerr < CFG_MAX_DIAG)
        c->diag(c->ud, line);
    c->nerr++;
    return -EINVAL;
}

/* Paths longer than CFG_PATH_MAX are cut short: they only name things. */
static size_t append(char *buf, size_t off, const char *s)
{
    size_t n = strlen(s);
    if (n > CFG_PATH_MAX - 1 - off)
        n = CFG_PATH_MAX - 1 - off;
    memmove(buf + off, s, n);
    buf[off + n] = '\0';
    return off + n;
}

void cfg_join(char *buf, const char *parent, const char *key)
{
    size_t off = append(buf, 0, parent);
    if (parent[0] != '\0')
        off = append(buf, off, ".");
    append(buf, off, key);
}

void cfg_index(char *buf, const char *parent, size_t i)
{
    char idx[32];
    snprintf(idx, sizeof(idx), "[%zu]", i);
    append(buf, append(buf, 0, parent), idx);
}

int cfg_check_map(cfg_ctx *c, const yn *node, const char *path, const char *const *keys)
{
    if (yn_null(node))
        return 0;
    if (node->kind != YN_MAP)
        return cfg_fail(c, node, path, "want a mapping, got %s", yn_kind_name(node));
    for (size_t i = 0; i < node->n; i++) {
        const yn *k = node->items[2 * i];
        char p[CFG_PATH_MAX];
        if (k->kind != YN_SCALAR) {
            cfg_fail(c, k, path, "keys must be strings, got %s", yn_kind_name(k));
            continue;
        }
        cfg_join(p, path, k->str);
        bool known = false;
        for (size_t j = 0; keys[j] != NULL && !known; j++)
            known = strcmp(keys[j], k->str) == 0;
        if (!known) {
            cfg_fail(c, k, p, "unknown field \"%s\"", k->str);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const yn *prev = node->items[2 * j];
            if (prev->kind == YN_SCALAR && strcmp(prev->str, k->str) == 0) {
                cfg_fail(c, k, p, "field \"%s\" already set at line %u", k->str, prev->line);
                break;
            }
        }
    }
    return 0;
}

int cfg_check_seq(cfg_ctx *c, const yn *node, const char *path)
{
    if (yn_null(node) || node->kind == YN_SEQ)
        return 0;
    return cfg_fail(c, node, path, "want a list, got %s", yn_kind_name(node));
}

/* The scalar at map[key], or NULL (absent or null). *bad when not a scalar. */
static const yn *scalar(cfg_ctx *c, const yn *map, const char *path, const char *key, bool *bad)
{
    const yn *v = yn_get(map, key);
    *bad = false;
    if (yn_null(v))
        return NULL;
    if (v->kind != YN_SCALAR) {
        char p[CFG_PATH_MAX];
        cfg_join(p, path, key);
        cfg_fail(c, v, p, "want a value, got %s", yn_kind_name(v));
        *bad = true;
        return NULL;
    }
    return v;
}

int cfg_str(cfg_ctx *c, const yn *map, const char *path, const char *key, char **out)
{
    bool bad;
    const yn *v = scalar(c, map, path, key, &bad);
    if (v == NULL)
        return bad ? -EINVAL : 0;
    free(*out);
    *out = pd_xstrdup(v->str);
    return 0;
}

char *cfg_resolve(const cfg_ctx *c, const char *file)
{
    if (file[0] == '\0' || file[0] == '/' || c->dir == NULL)
        return pd_xstrdup(file);
    size_t n = strlen(c->dir) + strlen(file) + 2;
    char *p = pd_xmalloc(n);
    snprintf(p, n, "%s/%s", c->dir, file);
    return p;
}

int cfg_file(cfg_ctx *c, const yn *map, const char *path, const char *key, char **out)
{
    char *s = NULL;
    int rc = cfg_str(c, map, path, key, &s);
    if (rc == 0 && s != NULL) {
        free(*out);
        *out = cfg_resolve(c, s);
    }
    free(s);
    return rc;
}

int cfg_bool(cfg_ctx *c, const yn *map, const char *path, const char *key, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    bool bad;
    const yn *v = scalar(c, map, path, key, &bad);
    if (v == NULL)
        return bad ? -EINVAL : 0;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(v->str, yes[i]) == 0 || strcmp(v->str, no[i]) == 0) {
            *out = strcmp(v->str, yes[i]) == 0;
            return 0;
        }
    }
    char p[CFG_PATH_MAX];
    cfg_join(p, path, key);
    return cfg_fail(c, v, p, "invalid boolean \"%s\": want true or false", v->str);
}

/* A scalar parsed by `parse`, whose error is reported at the value. */
typedef int parse_fn(const char *s, void *out, pd_err *err);

static int cfg_parsed(cfg_ctx *c, const yn *map, const char *path, const char *key, parse_fn *parse,
                      void *out)
{
    bool bad;
    const yn *v = scalar(c, map, path, key, &bad);
    if (v == NULL)
        return bad ? -EINVAL : 0;
    pd_err e = {{0}};
    if (parse(v->str, out, &e) < 0) {
        char p[CFG_PATH_MAX];
        cfg_join(p, path, key);
        return cfg_fail(c, v, p, "%s", e.msg);
    }
    return 0;
}

static int parse_duration(const char *s, void *out, pd_err *err)
{
    return pd_parse_duration(s, out, err);
}

static int parse_size(const char *s, void *out, pd_err *err)
{
    return pd_parse_size(s, out, err);
}

int cfg_duration(cfg_ctx *c, const yn *map, const char *path, const char *key, int64_t *out)
{
    return cfg_parsed(c, map, path, key, parse_duration, out);
}

int cfg_size(cfg_ctx *c, const yn *map, const char *path, const char *key, uint64_t *out)
{
    return cfg_parsed(c, map, path, key, parse_size, out);
}

int cfg_uint(cfg_ctx *c, const yn *map, const char *path, const char *key, uint64_t min,
             uint64_t max, uint64_t *out)
{
    bool bad;
    const yn *v = scalar(c, map, path, key, &bad);
    if (v == NULL)
        return bad ? -EINVAL : 0;
    uint64_t x = 0;
    bool ok = v->len > 0 && v->len <= 19;
    for (size_t i = 0; ok && i < v->len; i++) {
        ok = v->str[i] >= '0' && v->str[i] <= '9';
        x = x * 10 + (uint64_t)(v->str[i] - '0');
    }
    if (ok && x >= min && x <= max) {
        *out = x;
        return 0;
    }
    char p[CFG_PATH_MAX];
    cfg_join(p, path, key);
    return cfg_fail(c, v, p, "invalid number \"%s\": want an integer from %llu to %llu", v->str,
                    (unsigned long long)min, (unsigned long long)max);
}

void cfg_str_list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int cfg_str_list(cfg_ctx *c, const yn *map, const char *path, const char *key, char ***out,
                 size_t *n)
{
    const yn *v = yn_get(map, key);
    char p[CFG_PATH_MAX];
    cfg_join(p, path, key);
    if (yn_null(v))
        return 0;
    if (cfg_check_seq(c, v, p) < 0)
        return -EINVAL;
    int rc = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != YN_SCALAR || v->items[i]->is_null) {
            char pi[CFG_PATH_MAX];
            cfg_index(pi, p, i);
            rc = cfg_fail(c, v->items[i], pi, "want a string, got %s", yn_kind_name(v->items[i]));
        }
    }
    if (rc < 0)
        return rc;
    char **list = pd_xcalloc(v->n ? v->n : 1, sizeof(char *));
    for (size_t i = 0; i < v->n; i++)
        list[i] = pd_xstrdup(v->items[i]->str);
    cfg_str_list_free(*out, *n);
    *out = list;
    *n = v->n;
    return 0;
}

int cfg_labels(cfg_ctx *c, const yn *map, const char *path, const char *key, pd_labels *out)
{
    const yn *v = yn_get(map, key);
    char p[CFG_PATH_MAX];
    cfg_join(p, path, key);
    if (yn_null(v))
        return 0;
    if (v->kind != YN_MAP)
        return cfg_fail(c, v, p, "want a mapping of label names to values, got %s",
                        yn_kind_name(v));
    int rc = 0;
    for (size_t i = 0; i < v->n; i++) {
        const yn *k = v->items[2 * i], *val = v->items[2 * i + 1];
        char pk[CFG_PATH_MAX];
        if (k->kind != YN_SCALAR || !pd_label_name_valid(k->str)) {
            rc = cfg_fail(c, k, p, "invalid label name \"%s\": want [a-zA-Z_][a-zA-Z0-9_]*",
                          k->kind == YN_SCALAR ? k->str : "?");
            continue;
        }
        cfg_join(pk, p, k->str);
        if (pd_labels_get(out, k->str) != NULL) {
            rc = cfg_fail(c, k, pk, "duplicate label");
            continue;
        }
        if (val->kind != YN_SCALAR || val->nonstring) {
            rc = cfg_fail(c, val, pk, "label value must be a string, got %s",
                          val->nonstring ? "a number or boolean" : yn_kind_name(val));
            continue;
        }
        pd_labels_set(out, k->str, val->is_null ? "" : val->str);
    }
    return rc;
}

int cfg_group(cfg_ctx *c, const yn *node, const char *path, const char *source,
              pd_target_group *out)
{
    static const char *const keys[] = {"targets", "labels", NULL};
    memset(out, 0, sizeof(*out));
    out->source = pd_xstrdup(source);
    if (yn_null(node))
        return 0;
    unsigned nerr = c->nerr;
    if (cfg_check_map(c, node, path, keys) < 0)
        return -EINVAL;
    int rc = c->nerr > nerr ? -EINVAL : 0;
    if (cfg_str_list(c, node, path, "targets", &out->targets, &out->ntargets) < 0)
        rc = -EINVAL;
    const yn *list = yn_get(node, "targets");
    for (size_t i = 0; i < out->ntargets; i++) {
        if (!pd_hostport_valid(out->targets[i])) {
            char p[CFG_PATH_MAX], pi[CFG_PATH_MAX];
            cfg_join(p, path, "targets");
            cfg_index(pi, p, i);
            rc = cfg_fail(c, list->items[i], pi, "invalid target \"%s\": want host:port",
                          out->targets[i]);
        }
    }
    if (cfg_labels(c, node, path, "labels", &out->labels) < 0)
        rc = -EINVAL;
    return rc;
}
