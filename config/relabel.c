#include "pd_relabel.h"

#include "md5.h"
#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_SEPARATOR ";"
#define DEFAULT_REGEX "(.*)"
#define DEFAULT_REPLACEMENT "$1"
#define MAX_GROUPS 32 /* capture groups honoured in $n references */

static const char *const action_names[] = {
    [PD_RELABEL_REPLACE] = "replace",     [PD_RELABEL_KEEP] = "keep",
    [PD_RELABEL_DROP] = "drop",           [PD_RELABEL_HASHMOD] = "hashmod",
    [PD_RELABEL_LABELMAP] = "labelmap",   [PD_RELABEL_LABELDROP] = "labeldrop",
    [PD_RELABEL_LABELKEEP] = "labelkeep",
};

int pd_relabel_action_parse(const char *name, pd_relabel_action *out)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (strcasecmp(name, action_names[i]) == 0) {
            *out = (pd_relabel_action)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *pd_relabel_action_name(pd_relabel_action a)
{
    return action_names[a];
}

static const char *or_default(const char *s, const char *def)
{
    return s != NULL ? s : def;
}

/* What Prometheus' relabelTarget pattern accepts for labelmap replacements:
 * label-name characters and $name / ${name} references, not starting with a
 * digit. */
static bool labelmap_replacement_valid(const char *s)
{
    if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool word =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (word)
            continue;
        if (c != '$')
            return false;
        if (p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (end == NULL || end == p + 2)
                return false;
            p = end;
        } else if (p[1] == '\0') {
            return false;
        }
    }
    return true;
}

static int check(const pd_relabel_rule *r, pd_err *err)
{
    const char *act = action_names[r->action];
    const char *target = or_default(r->target_label, "");
    bool needs_target = r->action == PD_RELABEL_REPLACE || r->action == PD_RELABEL_HASHMOD;
    if (needs_target && target[0] == '\0')
        return pd_errf(err, -EINVAL,
                       "relabel configuration for %s action requires "
                       "'target_label' value",
                       act);
    if (r->action == PD_RELABEL_REPLACE && strchr(target, '$') == NULL &&
        !pd_label_name_valid(target))
        return pd_errf(err, -EINVAL, "\"%s\" is invalid 'target_label' for %s action", target, act);
    if (r->action == PD_RELABEL_HASHMOD) {
        if (r->modulus == 0)
            return pd_errf(err, -EINVAL,
                           "relabel configuration for hashmod requires non-zero "
                           "modulus");
        if (!pd_label_name_valid(target))
            return pd_errf(err, -EINVAL, "\"%s\" is invalid 'target_label' for %s action", target,
                           act);
    }
    if (r->action == PD_RELABEL_LABELMAP &&
        !labelmap_replacement_valid(or_default(r->replacement, DEFAULT_REPLACEMENT)))
        return pd_errf(err, -EINVAL, "\"%s\" is invalid 'replacement' for %s action",
                       r->replacement, act);
    if (r->action == PD_RELABEL_LABELDROP || r->action == PD_RELABEL_LABELKEEP) {
        if (r->nsource_labels > 0 || target[0] != '\0' || r->modulus != 0 ||
            strcmp(or_default(r->separator, DEFAULT_SEPARATOR), DEFAULT_SEPARATOR) != 0 ||
            strcmp(or_default(r->replacement, DEFAULT_REPLACEMENT), DEFAULT_REPLACEMENT) != 0)
            return pd_errf(err, -EINVAL, "%s action requires only 'regex', and no other fields",
                           act);
    }
    for (size_t i = 0; i < r->nsource_labels; i++)
        if (!pd_label_name_valid(r->source_labels[i]))
            return pd_errf(err, -EINVAL, "\"%s\" is not a valid label name in source_labels",
                           r->source_labels[i]);
    return 0;
}

int pd_relabel_compile(pd_relabel_rule *r, pd_err *err)
{
    r->re = NULL;
    int rc = check(r, err);
    if (rc < 0)
        return rc;
    const char *src = or_default(r->regex, DEFAULT_REGEX);
    static const pd_regex_budget budget = {PD_RELABEL_REGEX_MEM, PD_RELABEL_REGEX_CLASSES};
    rc = pd_regex_compile(src, &budget, &r->re, err);
    if (rc < 0) {
        pd_err_prefix(err, "invalid regex \"%.100s\"", src);
        return rc;
    }
    return 0;
}

void pd_relabel_release(pd_relabel_rule *r)
{
    pd_regex_free(r->re);
    r->re = NULL;
}

uint64_t pd_relabel_hashmod(const char *s, size_t len, uint64_t modulus)
{
    uint8_t sum[16];
    pd_md5(s, len, sum);
    uint64_t v = 0;
    for (int i = 8; i < 16; i++)
        v = v << 8 | sum[i];
    return v % modulus;
}

/* A growable string for expansions. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    pd_xgrow((void **)&b->p, &b->cap, b->n + n + 1, 1);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static bool name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

/* Go's regexp.Expand of `tmpl` against the match m[] of `src`: $k and ${k}
 * are group k, $name and ${name} the group (?P<name>...); a group that does
 * not exist or took no part expands to nothing. */
static char *expand(const pd_regex *re, const char *tmpl, const char *src, const pd_regex_span *m,
                    size_t nm)
{
    sbuf b = {NULL, 0, 0};
    sb_put(&b, "", 0);
    const char *t = tmpl;
    for (;;) {
        const char *d = strchr(t, '$');
        if (d == NULL)
            break;
        sb_put(&b, t, (size_t)(d - t));
        t = d + 1;
        if (*t == '$') {
            sb_put(&b, "$", 1);
            t++;
            continue;
        }
        bool brace = *t == '{';
        const char *name = brace ? t + 1 : t;
        size_t len = 0;
        while (name[len] != '\0' && name_char((unsigned char)name[len]))
            len++;
        if (len == 0 || (brace && name[len] != '}')) {
            sb_put(&b, "$", 1); /* malformed: the $ is literal */
            continue;
        }
        t = name + len + (brace ? 1 : 0);
        long num = 0;
        for (size_t i = 0; i < len && num >= 0; i++) {
            if (name[i] < '0' || name[i] > '9' || num >= 100000000)
                num = -1;
            else
                num = num * 10 + (name[i] - '0');
        }
        if (name[0] == '0' && len > 1)
            num = -1; /* Go: "$01" names a group "01", which none can be */
        if (num < 0)
            num = pd_regex_group_named(re, name, len);
        size_t g = (size_t)num;
        if (num >= 0 && g < nm && m[g].start >= 0)
            sb_put(&b, src + m[g].start, (size_t)(m[g].end - m[g].start));
    }
    sb_put(&b, t, strlen(t));
    return b.p;
}

static size_t nmatch(const pd_relabel_rule *r)
{
    size_t n = pd_regex_ngroups(r->re) + 1;
    return n > MAX_GROUPS ? MAX_GROUPS : n;
}

static bool matches(const pd_relabel_rule *r, const char *s)
{
    return pd_regex_match(r->re, s);
}

static char *join_sources(const pd_relabel_rule *r, const pd_labels *ls)
{
    sbuf b = {NULL, 0, 0};
    sb_put(&b, "", 0);
    const char *sep = or_default(r->separator, DEFAULT_SEPARATOR);
    for (size_t i = 0; i < r->nsource_labels; i++) {
        const char *v = pd_labels_get(ls, r->source_labels[i]);
        if (i > 0)
            sb_put(&b, sep, strlen(sep));
        if (v != NULL)
            sb_put(&b, v, strlen(v));
    }
    return b.p;
}

static void do_replace(const pd_relabel_rule *r, const char *val, pd_labels *ls)
{
    pd_regex_span m[MAX_GROUPS];
    size_t nm = nmatch(r);
    if (!pd_regex_match_groups(r->re, val, m, nm))
        return;
    char *target = expand(r->re, or_default(r->target_label, ""), val, m, nm);
    if (pd_label_name_valid(target)) {
        char *res = expand(r->re, or_default(r->replacement, DEFAULT_REPLACEMENT), val, m, nm);
        pd_labels_set(ls, target, res); /* "" deletes */
        free(res);
    }
    free(target);
}

/* labelmap, labeldrop, labelkeep: over a snapshot of the names, so that
 * labels added on the way are not visited. */
static void over_names(const pd_relabel_rule *r, pd_labels *ls)
{
    pd_labels snap;
    pd_labels_copy(&snap, ls);
    for (size_t i = 0; i < snap.n; i++) {
        const char *name = snap.v[i].name;
        if (r->action == PD_RELABEL_LABELMAP) {
            pd_regex_span m[MAX_GROUPS];
            size_t nm = nmatch(r);
            if (!pd_regex_match_groups(r->re, name, m, nm))
                continue;
            char *to = expand(r->re, or_default(r->replacement, DEFAULT_REPLACEMENT), name, m, nm);
            if (pd_label_name_valid(to))
                pd_labels_set(ls, to, snap.v[i].value);
            free(to);
        } else {
            bool hit = matches(r, name);
            if (hit == (r->action == PD_RELABEL_LABELDROP))
                pd_labels_del(ls, name);
        }
    }
    pd_labels_free(&snap);
}

static bool apply_one(const pd_relabel_rule *r, pd_labels *ls)
{
    bool keep = true;
    char *val = join_sources(r, ls);
    switch (r->action) {
    case PD_RELABEL_DROP:
        keep = !matches(r, val);
        break;
    case PD_RELABEL_KEEP:
        keep = matches(r, val);
        break;
    case PD_RELABEL_REPLACE:
        do_replace(r, val, ls);
        break;
    case PD_RELABEL_HASHMOD: {
        char num[24];
        snprintf(num, sizeof(num), "%llu",
                 (unsigned long long)pd_relabel_hashmod(val, strlen(val), r->modulus));
        pd_labels_set(ls, r->target_label, num);
        break;
    }
    case PD_RELABEL_LABELMAP:
    case PD_RELABEL_LABELDROP:
    case PD_RELABEL_LABELKEEP:
        over_names(r, ls);
        break;
    }
    free(val);
    return keep;
}

bool pd_relabel_apply(const pd_relabel_rule *rules, size_t n, pd_labels *ls)
{
    for (size_t i = 0; i < n; i++)
        if (!apply_one(&rules[i], ls))
            return false;
    return true;
}
