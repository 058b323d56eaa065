/* The SVG flame graphs, plain and differential (see pd_render.h). Layout:
 * the tree indexed by name gives each node an x offset in value units (a
 * parent's id is always below its children's, so one pass in id order
 * places every node); frames under 0.5 px are dropped with their subtree. */
#include "pd_render.h"

#include "pd_mem.h"
#include "rn_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PAD_X 10
#define PAD_TOP 40
#define PAD_BOTTOM 10
#define MIN_WIDTH_PX 0.5
#define CHAR_WIDTH_PX 7.08 /* 12px Verdana, as flamegraph.pl estimates */

typedef struct svg_ctx {
    const pd_profile *p;
    const rn_stacks *s;
    const rn_tree *t;
    int si;
    bool diff;
    double scale;      /* px per value unit */
    double *x;         /* per node, value units from the left */
    bool *visible;     /* per node */
    int64_t max_delta; /* diff: largest |total - base| of a visible frame */
    pd_buf *out;
} svg_ctx;

static int64_t pos(int64_t v)
{
    return v > 0 ? v : 0;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

/* Fills x and visible; returns the deepest visible depth. */
static uint32_t layout(svg_ctx *c)
{
    const rn_tree *t = c->t;
    uint32_t max_depth = 0;
    c->visible[0] = t->nodes[0].total > 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (!c->visible[i])
            continue;
        if (t->nodes[i].depth > max_depth)
            max_depth = t->nodes[i].depth;
        double cursor = c->x[i];
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            uint32_t ch = t->children[k];
            int64_t v = pos(t->nodes[ch].total);
            c->x[ch] = cursor;
            c->visible[ch] = v > 0 && (double)v * c->scale >= MIN_WIDTH_PX;
            cursor += (double)v;
            if (c->visible[ch] && c->diff) {
                int64_t d = abs64(rn_add(t->nodes[ch].total, -t->nodes[ch].base));
                if (d > c->max_delta)
                    c->max_delta = d;
            }
        }
    }
    return max_depth;
}

/* flamegraph.pl's "hot" palette, seeded by the name's hash. */
static void warm(const uint8_t *name, size_t len, int rgb[3])
{
    uint64_t h = pd_hash_bytes(name, len);
    rgb[0] = 205 + (int)((h & 0xff) * 50 / 255);
    rgb[1] = (int)(((h >> 8) & 0xff) * 230 / 255);
    rgb[2] = (int)(((h >> 16) & 0xff) * 55 / 255);
}

static void diff_colour(const svg_ctx *c, const rn_node *nd, int rgb[3])
{
    int64_t d = rn_add(nd->total, -nd->base);
    if (d == 0 || c->max_delta == 0) {
        rgb[0] = rgb[1] = rgb[2] = 220;
        return;
    }
    double i = (double)abs64(d) / (double)c->max_delta;
    int fade = (int)(220.0 * (1.0 - i));
    rgb[0] = d > 0 ? 255 : fade;
    rgb[1] = fade;
    rgb[2] = d > 0 ? fade : 255;
}

/* The name cut to `max_chars` code points with "..", or nothing if fewer
 * than 3 fit. */
static int label(pd_buf *out, const uint8_t *name, size_t len, int max_chars)
{
    size_t cps = 0, cut = 0;
    for (size_t i = 0; i < len; cps++) {
        size_t l = rn_utf8_len(name + i, len - i);
        i += l > 0 ? l : 1;
        if ((int)cps + 1 == max_chars - 2)
            cut = i;
    }
    if ((int)cps <= max_chars)
        return rn_xml_text(out, name, len);
    if (max_chars < 3)
        return 0;
    int rc = rn_xml_text(out, name, cut);
    if (rc == 0)
        rc = rn_puts(out, "..");
    return rc;
}

static int frame(svg_ctx *c, uint32_t id, int height)
{
    const rn_node *nd = &c->t->nodes[id];
    const uint8_t *name = (const uint8_t *)"total";
    size_t len = 5;
    if (id != 0) {
        name = c->s->name_ptr[nd->name];
        len = c->s->name_len[nd->name];
    }
    int rgb[3];
    if (c->diff)
        diff_colour(c, nd, rgb);
    else
        warm(name, len, rgb);
    double x = PAD_X + c->x[id] * c->scale, w = (double)nd->total * c->scale;
    int y = height - PAD_BOTTOM - (int)(nd->depth + 1) * PD_RENDER_SVG_FRAME_HEIGHT;
    const pd_str *unit = &c->p->strings[c->p->sample_types[c->si].unit];
    double pct = (double)nd->total * 100.0 / (double)c->t->nodes[0].total;

    int rc = rn_puts(c->out, "<g><title>");
    if (rc == 0)
        rc = rn_xml_text(c->out, name, len);
    if (rc == 0)
        rc = rn_printf(c->out, " (%" PRId64 " %.*s, %.2f%%", nd->total, (int)unit->len, unit->ptr,
                       pct);
    if (rc == 0 && c->diff)
        rc = rn_printf(c->out, "; base %" PRId64 ", delta %+" PRId64, nd->base,
                       rn_add(nd->total, -nd->base));
    if (rc == 0)
        rc = rn_printf(c->out,
                       ")</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                       "fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/>",
                       x, y, w, PD_RENDER_SVG_FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2]);
    int max_chars = (int)((w - 6) / CHAR_WIDTH_PX);
    if (rc == 0 && max_chars >= 3) {
        rc = rn_printf(c->out, "<text x=\"%.1f\" y=\"%d\">", x + 3, y + 12);
        if (rc == 0)
            rc = label(c->out, name, len, max_chars);
        if (rc == 0)
            rc = rn_puts(c->out, "</text>");
    }
    if (rc == 0)
        rc = rn_puts(c->out, "</g>\n");
    return rc;
}

static int header(pd_buf *out, int height, const char *title)
{
    int rc = rn_printf(out,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                       "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                       "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
                       "g:hover rect{stroke:#000;stroke-width:0.5}</style>\n",
                       PD_RENDER_SVG_WIDTH, height, PD_RENDER_SVG_WIDTH, height);
    if (rc == 0 && title != NULL) {
        rc = rn_printf(out,
                       "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" "
                       "style=\"font-size:17px\">",
                       PD_RENDER_SVG_WIDTH / 2);
        if (rc == 0)
            rc = rn_xml_text(out, (const uint8_t *)title, strlen(title));
        if (rc == 0)
            rc = rn_puts(out, "</text>\n");
    }
    return rc;
}

static int render(const pd_profile *p, int si, const char *title, bool diff, pd_buf *out,
                  pd_err *err)
{
    int rc = rn_check_si(p, si, err);
    if (rc < 0)
        return rc;
    size_t mark = out->len;
    rn_stacks s;
    rn_stacks_init(&s, p);
    rn_tree t;
    rn_tree_build(&t, &s, si, diff);
    rn_tree_index(&t, &s, RN_BY_NAME);
    svg_ctx c = {.p = p, .s = &s, .t = &t, .si = si, .diff = diff, .out = out};
    c.x = pd_xcalloc(t.n, sizeof(*c.x));
    c.visible = pd_xcalloc(t.n, sizeof(*c.visible));
    if (t.nodes[0].total > 0)
        c.scale = (double)(PD_RENDER_SVG_WIDTH - 2 * PAD_X) / (double)t.nodes[0].total;
    uint32_t max_depth = layout(&c);
    int height = PAD_TOP + PAD_BOTTOM + (int)(max_depth + 1) * PD_RENDER_SVG_FRAME_HEIGHT;
    rc = header(out, height, title);
    if (rc == 0 && !c.visible[0])
        rc = rn_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">No samples</text>\n",
                       PD_RENDER_SVG_WIDTH / 2, height - PAD_BOTTOM - 4);
    for (uint32_t i = 0; rc == 0 && i < t.n; i++)
        if (c.visible[i])
            rc = frame(&c, i, height);
    if (rc == 0)
        rc = rn_puts(out, "</svg>\n");
    if (rc < 0) {
        out->len = mark;
        rc = pd_errf(err, rc, "svg output exceeds %zu bytes", out->max);
    }
    free(c.x);
    free(c.visible);
    rn_tree_free(&t);
    rn_stacks_free(&s);
    return rc;
}

int pd_render_svg(const pd_profile *p, int si, const char *title, pd_buf *out, pd_err *err)
{
    return render(p, si, title, false, out, err);
}

int pd_render_svg_diff(const pd_profile *diff, int si, const char *title, pd_buf *out, pd_err *err)
{
    return render(diff, si, title, true, out, err);
}
