/* The call tree behind the flame graphs (see rn_int.h): a node per
 * distinct root-first path, found through a (parent, frame) map; children
 * listed per node in a sorted index built afterwards. */
#include "rn_int.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static uint32_t child_of(rn_tree *t, uint32_t parent, uint32_t name)
{
    uint32_t key[2] = {parent, name};
    bool inserted = false;
    uint32_t id = pd_keymap_intern(&t->map, key, sizeof(key), t->n, &inserted, NULL);
    if (inserted) {
        if (t->n == t->cap) {
            size_t cap = t->cap;
            pd_xgrow((void **)&t->nodes, &cap, (size_t)t->n + 1, sizeof(*t->nodes));
            t->cap = (uint32_t)cap;
        }
        rn_node *nd = &t->nodes[id];
        memset(nd, 0, sizeof(*nd));
        nd->name = name;
        nd->parent = parent;
        nd->depth = t->nodes[parent].depth + 1;
        t->n++;
    }
    return id;
}

void rn_tree_build(rn_tree *t, rn_stacks *s, int si, bool split_base)
{
    memset(t, 0, sizeof(*t));
    pd_keymap_init(&t->map, 1024);
    t->cap = 1024;
    t->nodes = pd_xcalloc(t->cap, sizeof(*t->nodes));
    t->n = 1; /* the root */
    const pd_profile *p = s->p;
    for (uint32_t i = 0; i < p->nsamples; i++) {
        int64_t v = p->samples[i].values[si];
        if (v == 0)
            continue;
        bool base = split_base && rn_is_base(p, &p->samples[i]);
        uint32_t depth;
        const uint32_t *st = rn_stack(s, i, &depth);
        uint32_t node = 0;
        for (uint32_t k = 0;; k++) {
            rn_node *nd = &t->nodes[node];
            if (base) {
                nd->base = rn_add(nd->base, -v);
            } else {
                nd->total = rn_add(nd->total, v);
                if (k == depth)
                    nd->self = rn_add(nd->self, v);
            }
            if (k == depth)
                break;
            node = child_of(t, node, st[k]);
        }
    }
}

/* Sort record for the children index. */
typedef struct rn_child {
    uint32_t parent, node;
    int64_t total; /* the node's width: total, plus base in split mode */
    const uint8_t *name;
    uint32_t len;
} rn_child;

static int cmp_name(const rn_child *a, const rn_child *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n > 0 ? memcmp(a->name, b->name, n) : 0;
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->node < b->node ? -1 : (a->node > b->node);
}

static int cmp_by_name(const void *x, const void *y)
{
    const rn_child *a = x, *b = y;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    return cmp_name(a, b);
}

static int cmp_by_total(const void *x, const void *y)
{
    const rn_child *a = x, *b = y;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return cmp_name(a, b);
}

void rn_tree_index(rn_tree *t, const rn_stacks *s, rn_order order)
{
    free(t->child_off);
    free(t->children);
    t->child_off = pd_xcalloc((size_t)t->n + 1, sizeof(*t->child_off));
    t->children = pd_xcalloc(t->n, sizeof(*t->children));
    size_t nc = t->n - 1;
    rn_child *cs = pd_xcalloc(nc > 0 ? nc : 1, sizeof(*cs));
    for (uint32_t i = 1; i < t->n; i++) {
        const rn_node *nd = &t->nodes[i];
        cs[i - 1] = (rn_child){nd->parent, i, rn_add(nd->total, nd->base), s->name_ptr[nd->name],
                               s->name_len[nd->name]};
    }
    qsort(cs, nc, sizeof(*cs), order == RN_BY_NAME ? cmp_by_name : cmp_by_total);
    /* child_off[p] = first index of p's children; counts first. */
    for (size_t i = 0; i < nc; i++)
        t->child_off[cs[i].parent + 1]++;
    for (uint32_t i = 0; i < t->n; i++)
        t->child_off[i + 1] += t->child_off[i];
    for (size_t i = 0; i < nc; i++)
        t->children[i] = cs[i].node;
    free(cs);
}

void rn_tree_free(rn_tree *t)
{
    pd_keymap_free(&t->map);
    free(t->nodes);
    free(t->child_off);
    free(t->children);
    memset(t, 0, sizeof(*t));
}

int rn_stacks_open(rn_stacks *s, const pd_profile *p, int si, pd_err *err)
{
    int rc = rn_check_si(p, si, err);
    if (rc == 0)
        rn_stacks_init(s, p);
    return rc;
}

int rn_tree_open(rn_tree *t, rn_stacks *s, const pd_profile *p, int si, bool split_base,
                 rn_order order, pd_err *err)
{
    int rc = rn_stacks_open(s, p, si, err);
    if (rc < 0)
        return rc;
    rn_tree_build(t, s, si, split_base);
    rn_tree_index(t, s, order);
    return 0;
}
