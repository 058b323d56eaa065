/* The flame-graph JSON trees (see pd_render.h), plain and differential.
 * Nodes are kept widest first (total, plus the base's total in a diff) from
 * the root down (a max-heap of the kept nodes' children), so the
 * kept set is always a subtree; the output is written iteratively (stacks
 * can be deep) with the dropped children of each node folded into "other". */
#include "pd_render.h"

#include "pd_mem.h"
#include "rn_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A node's width in the graph: a diff draws the union of base and target. */
static int64_t width(const rn_node *n)
{
    return rn_add(n->total, n->base);
}

/* Max-heap of node ids by width (ties: smaller id first, i.e. first seen). */
typedef struct tree_heap {
    uint32_t *v;
    size_t n, cap;
    const rn_node *nodes;
} tree_heap;

static bool above(const tree_heap *h, uint32_t a, uint32_t b)
{
    int64_t wa = width(&h->nodes[a]), wb = width(&h->nodes[b]);
    if (wa != wb)
        return wa > wb;
    return a < b;
}

static void heap_push(tree_heap *h, uint32_t x)
{
    pd_xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
    size_t i = h->n++;
    while (i > 0 && above(h, x, h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
}

static uint32_t heap_pop(tree_heap *h)
{
    uint32_t top = h->v[0], x = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && above(h, h->v[c + 1], h->v[c]))
            c++;
        if (!above(h, h->v[c], x))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0)
        h->v[i] = x;
    return top;
}

/* kept[n]: which nodes survive the cap. */
static bool *choose(const rn_tree *t, size_t max_nodes)
{
    bool *kept = pd_xcalloc(t->n, sizeof(*kept));
    tree_heap h = {.nodes = t->nodes};
    kept[0] = true;
    size_t count = 1;
    uint32_t node = 0;
    for (;;) {
        for (uint32_t c = t->child_off[node]; c < t->child_off[node + 1]; c++)
            heap_push(&h, t->children[c]);
        if (h.n == 0 || count >= max_nodes)
            break;
        node = heap_pop(&h);
        kept[node] = true;
        count++;
    }
    free(h.v);
    return kept;
}

/* What a node writes: its own values, or the sums of the dropped. */
typedef struct vals {
    int64_t self, total, base;
} vals;

static int open_node(pd_buf *out, bool diff, const uint8_t *name, size_t len, vals v)
{
    int rc = rn_puts(out, "{\"name\":");
    if (rc == 0)
        rc = rn_json_str(out, name, len);
    if (rc == 0)
        rc = rn_printf(out, ",\"self\":%" PRId64 ",\"total\":%" PRId64, v.self, v.total);
    if (rc == 0 && diff)
        rc = rn_printf(out, ",\"base\":%" PRId64, v.base);
    if (rc == 0)
        rc = rn_puts(out, ",\"children\":[");
    return rc;
}

/* One open node of the output walk. */
typedef struct walk_frame {
    uint32_t node;
    uint32_t next;  /* index into t->children */
    vals other;     /* sums of the dropped children (self = total) */
    bool has_other; /* some child was dropped and "other" is unwritten */
    bool wrote_child;
} walk_frame;

static walk_frame enter(const rn_tree *t, const bool *kept, uint32_t node)
{
    walk_frame f = {.node = node, .next = t->child_off[node]};
    for (uint32_t c = t->child_off[node]; c < t->child_off[node + 1]; c++) {
        const rn_node *nd = &t->nodes[t->children[c]];
        if (!kept[t->children[c]]) {
            f.other.total = rn_add(f.other.total, nd->total);
            f.other.base = rn_add(f.other.base, nd->base);
            f.has_other = true;
        }
    }
    return f;
}

static const uint8_t other_name[] = "other";

/* True if "other" (total f->other) sorts before kept child c. */
static bool other_first(const rn_tree *t, const rn_stacks *s, const walk_frame *f, uint32_t c)
{
    const rn_node *nd = &t->nodes[c];
    int64_t wo = rn_add(f->other.total, f->other.base), wc = width(nd);
    if (wo != wc)
        return wo > wc;
    size_t len = s->name_len[nd->name];
    int cmp = memcmp(other_name, s->name_ptr[nd->name], len < 5 ? len : 5);
    return cmp < 0 || (cmp == 0 && 5 <= len);
}

static vals node_vals(const rn_node *nd)
{
    return (vals){nd->self, nd->total, nd->base};
}

static int write_tree(const rn_tree *t, const rn_stacks *s, const bool *kept, bool diff,
                      pd_buf *out)
{
    walk_frame *stack = pd_xmalloc(sizeof(*stack) * 64);
    size_t depth = 0, cap = 64;
    int rc = open_node(out, diff, (const uint8_t *)"total", 5, node_vals(&t->nodes[0]));
    stack[depth++] = enter(t, kept, 0);
    while (rc == 0 && depth > 0) {
        walk_frame *f = &stack[depth - 1];
        uint32_t end = t->child_off[f->node + 1];
        while (f->next < end && !kept[t->children[f->next]])
            f->next++;
        bool more = f->next < end;
        if (f->has_other && (!more || other_first(t, s, f, t->children[f->next]))) {
            rc = rn_puts(out, f->wrote_child ? "," : "");
            if (rc == 0)
                rc = open_node(out, diff, other_name, 5,
                               (vals){f->other.total, f->other.total, f->other.base});
            if (rc == 0)
                rc = rn_puts(out, "]}");
            f->has_other = false;
            f->wrote_child = true;
            continue;
        }
        if (!more) {
            rc = rn_puts(out, "]}");
            depth--;
            continue;
        }
        uint32_t c = t->children[f->next++];
        const rn_node *nd = &t->nodes[c];
        rc = rn_puts(out, f->wrote_child ? "," : "");
        f->wrote_child = true;
        if (rc == 0)
            rc = open_node(out, diff, s->name_ptr[nd->name], s->name_len[nd->name], node_vals(nd));
        if (depth == cap)
            pd_xgrow((void **)&stack, &cap, depth + 1, sizeof(*stack));
        stack[depth++] = enter(t, kept, c);
    }
    free(stack);
    return rc;
}

static int render(const pd_profile *p, int si, size_t max_nodes, bool diff, pd_buf *out,
                  pd_err *err)
{
    rn_stacks s;
    rn_tree t;
    int rc = rn_tree_open(&t, &s, p, si, diff, RN_BY_TOTAL, err);
    if (rc < 0)
        return rc;
    if (max_nodes == 0)
        max_nodes = PD_RENDER_TREE_MAX_NODES;
    size_t mark = out->len;
    bool *kept = choose(&t, max_nodes);
    rc = write_tree(&t, &s, kept, diff, out);
    if (rc < 0) {
        out->len = mark;
        rc = pd_errf(err, rc, "json output exceeds %zu bytes", out->max);
    }
    free(kept);
    rn_tree_free(&t);
    rn_stacks_free(&s);
    return rc;
}

int pd_render_tree_json(const pd_profile *p, int si, size_t max_nodes, pd_buf *out, pd_err *err)
{
    return render(p, si, max_nodes, false, out, err);
}

int pd_render_tree_json_diff(const pd_profile *diff, int si, size_t max_nodes, pd_buf *out,
                             pd_err *err)
{
    return render(diff, si, max_nodes, true, out, err);
}
