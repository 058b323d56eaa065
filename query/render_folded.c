/* Collapsed stacks ("folded"), see pd_render.h: each sample's frames
 * joined with ';' are interned, their values summed, then the lines are
 * written sorted. */
#include "pd_render.h"

#include "pd_mem.h"
#include "rn_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct folded_line {
    const uint8_t *stack;
    uint32_t len;
    int64_t value;
} folded_line;

static int cmp_line(const void *x, const void *y)
{
    const folded_line *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->stack, b->stack, n);
    if (c != 0)
        return c;
    return a->len < b->len ? -1 : (a->len > b->len);
}

/* Joins the frames of a stack into `key` (reset first). */
static int join(pd_buf *key, const rn_stacks *s, const uint32_t *st, uint32_t depth)
{
    pd_buf_reset(key);
    int rc = 0;
    for (uint32_t k = 0; rc == 0 && k < depth; k++) {
        if (k > 0)
            rc = pd_buf_append(key, ";", 1);
        if (rc == 0)
            rc = pd_buf_append(key, s->name_ptr[st[k]], s->name_len[st[k]]);
    }
    return rc;
}

int pd_render_folded(const pd_profile *p, int si, pd_buf *out, pd_err *err)
{
    rn_stacks s;
    int rc = rn_stacks_open(&s, p, si, err);
    if (rc < 0)
        return rc;
    size_t mark = out->len;
    pd_keymap stacks;
    pd_keymap_init(&stacks, p->nsamples + 1);
    folded_line *lines = NULL;
    size_t nlines = 0, cap = 0;
    pd_buf key;
    pd_buf_init(&key, 0);
    for (uint32_t i = 0; rc == 0 && i < p->nsamples; i++) {
        int64_t v = p->samples[i].values[si];
        uint32_t depth;
        const uint32_t *st = rn_stack(&s, i, &depth);
        if (v == 0 || depth == 0)
            continue;
        rc = join(&key, &s, st, depth);
        if (rc < 0)
            break;
        bool inserted = false;
        const uint8_t *stored = NULL;
        uint32_t at =
            pd_keymap_intern(&stacks, key.data, key.len, (uint32_t)nlines, &inserted, &stored);
        if (inserted) {
            pd_xgrow((void **)&lines, &cap, nlines + 1, sizeof(*lines));
            lines[nlines++] = (folded_line){stored, (uint32_t)key.len, 0};
        }
        lines[at].value = rn_add(lines[at].value, v);
    }
    if (nlines > 0)
        qsort(lines, nlines, sizeof(*lines), cmp_line);
    for (size_t i = 0; rc == 0 && i < nlines; i++) {
        if (lines[i].value == 0)
            continue;
        rc = pd_buf_append(out, lines[i].stack, lines[i].len);
        if (rc == 0)
            rc = rn_printf(out, " %" PRId64 "\n", lines[i].value);
    }
    if (rc < 0) {
        out->len = mark;
        rc = pd_errf(err, rc, "folded output exceeds %zu bytes", out->max);
    }
    pd_buf_free(&key);
    free(lines);
    pd_keymap_free(&stacks);
    rn_stacks_free(&s);
    return rc;
}
