#include "pd_labels.h"

#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_labels_init(pd_labels *ls)
{
    ls->v = NULL;
    ls->n = 0;
    ls->cap = 0;
}

void pd_labels_free(pd_labels *ls)
{
    for (size_t i = 0; i < ls->n; i++) {
        free(ls->v[i].name);
        free(ls->v[i].value);
    }
    free(ls->v);
    pd_labels_init(ls);
}

void pd_labels_copy(pd_labels *dst, const pd_labels *src)
{
    pd_labels_init(dst);
    if (src->n == 0)
        return;
    dst->v = pd_xcalloc(src->n, sizeof(pd_label));
    dst->cap = src->n;
    for (size_t i = 0; i < src->n; i++) {
        dst->v[i].name = pd_xstrdup(src->v[i].name);
        dst->v[i].value = pd_xstrdup(src->v[i].value);
    }
    dst->n = src->n;
}

/* Index of `name`, or of where it would be inserted (with *found false). */
static size_t find(const pd_labels *ls, const char *name, bool *found)
{
    size_t lo = 0, hi = ls->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ls->v[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const char *pd_labels_get(const pd_labels *ls, const char *name)
{
    bool found;
    size_t i = find(ls, name, &found);
    return found ? ls->v[i].value : NULL;
}

bool pd_labels_del(pd_labels *ls, const char *name)
{
    bool found;
    size_t i = find(ls, name, &found);
    if (!found)
        return false;
    free(ls->v[i].name);
    free(ls->v[i].value);
    memmove(&ls->v[i], &ls->v[i + 1], (ls->n - i - 1) * sizeof(pd_label));
    ls->n--;
    return true;
}

void pd_labels_set(pd_labels *ls, const char *name, const char *value)
{
    if (value[0] == '\0') {
        pd_labels_del(ls, name);
        return;
    }
    bool found;
    size_t i = find(ls, name, &found);
    if (found) {
        char *v = pd_xstrdup(value); /* value may point into this set */
        free(ls->v[i].value);
        ls->v[i].value = v;
        return;
    }
    pd_xgrow((void **)&ls->v, &ls->cap, ls->n + 1, sizeof(pd_label));
    memmove(&ls->v[i + 1], &ls->v[i], (ls->n - i) * sizeof(pd_label));
    ls->v[i].name = pd_xstrdup(name);
    ls->v[i].value = pd_xstrdup(value);
    ls->n++;
}

void pd_labels_set_default(pd_labels *ls, const char *name, const char *value)
{
    if (pd_labels_get(ls, name) == NULL)
        pd_labels_set(ls, name, value);
}

bool pd_labels_equal(const pd_labels *a, const pd_labels *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].name, b->v[i].name) != 0 || strcmp(a->v[i].value, b->v[i].value) != 0)
            return false;
    return true;
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t pd_labels_hash(const pd_labels *ls)
{
    static const char sep = '\xff';
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < ls->n; i++) {
        h = fnv1a(h, ls->v[i].name, strlen(ls->v[i].name));
        h = fnv1a(h, &sep, 1);
        h = fnv1a(h, ls->v[i].value, strlen(ls->v[i].value));
        h = fnv1a(h, &sep, 1);
    }
    return h;
}

void pd_labels_format(const pd_labels *ls, char *buf, size_t size)
{
    size_t off = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i <= ls->n && off < size; i++) {
        int k;
        if (i == ls->n)
            k = snprintf(buf + off, size - off, "}");
        else
            k = snprintf(buf + off, size - off, "%s%s=\"%s\"", i ? ", " : "{", ls->v[i].name,
                         ls->v[i].value);
        if (k < 0)
            return;
        off += (size_t)k;
    }
    if (ls->n == 0 && size > 2)
        snprintf(buf, size, "{}");
}
