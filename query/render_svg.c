/* The SVG flame graphs, plain and differential (see pd_render.h). Layout:
 * the tree indexed by name gives each node an x offset in value units (a
 * parent's id is always below its children's, so one pass in id order
 * places every node); frames under 0.5 px are dropped with their subtree.
 * A frame is as wide as its value; in a diff, as its base and target
 * values together, so that what only the base had is drawn too. */
#include "pd_render.h"

#include "pd_mem.h"
#include "rn_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD_X 10
#define PAD_TOP 56      /* the title, then the total under it */
#define PAD_TOP_DIFF 76 /* and the legend */
#define TOTAL_Y 42      /* the total's baseline */
#define LEGEND_Y 52     /* the legend's boxes' top */
#define PAD_BOTTOM 10
#define MIN_WIDTH_PX 0.5
#define FONT_PX 12       /* frame labels */
#define TITLE_PX 17      /* the heading */
#define TEXT_INSET 3     /* label to frame edge, px */
#define TEXT_BASELINE 12 /* from the frame's top, px */

/* Advance widths of ASCII ' '..'~' at FONT_PX, in tenths of a pixel, to cut
 * labels before they overflow their frame: DejaVu Sans as Chromium measures
 * it (the style names it after Verdana, which has nearly its metrics, so
 * that Linux does not fall back to a narrower Arial), raised to Verdana's
 * where that is wider (I, J and the punctuation of Go names). One average width of 7.08 px, as
 * flamegraph.pl uses, lets "WWW" or "MMM" run two thirds past the estimate. */
static const uint8_t ADVANCE[95] = {
    39,  49, 56, 101, 77, 129, 94, 33,  55, 55, 77, 101, 44,  52,  44,  55, /*  !"#$%&'()*+,-./ */
    77,  77, 77, 77,  77, 77,  77, 77,  77, 77, 55, 55,  101, 101, 101, 64, /* 0-9 :;<=>? */
    120, 83, 83, 84,  93, 76,  69, 93,  91, 51, 55, 79,  67,  104, 90,  95, /* @A-O */
    73,  95, 84, 77,  74, 88,  83, 119, 83, 74, 83, 55,  55,  55,  101, 77, /* P-Z [\]^_ */
    60,  74, 77, 66,  77, 74,  43, 77,  77, 34, 34, 70,  34,  117, 77,  74, /* `a-o */
    77,  77, 50, 63,  48, 77,  71, 99,  71, 71, 63, 77,  55,  77,  101,     /* p-z {|}~ */
};

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

/* A frame's width in value units. */
static int64_t width_of(const svg_ctx *c, const rn_node *nd)
{
    return c->diff ? rn_add(pos(nd->total), pos(nd->base)) : pos(nd->total);
}

/* Fills x, visible and max_delta; returns the deepest visible depth. The
 * root counts for max_delta like any frame: without normalization its
 * delta is the sum of its children's and may exceed each of them. */
static uint32_t layout(svg_ctx *c)
{
    const rn_tree *t = c->t;
    uint32_t max_depth = 0;
    c->visible[0] = width_of(c, &t->nodes[0]) > 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (!c->visible[i])
            continue;
        if (t->nodes[i].depth > max_depth)
            max_depth = t->nodes[i].depth;
        int64_t d = abs64(rn_add(t->nodes[i].total, -t->nodes[i].base));
        if (c->diff && d > c->max_delta)
            c->max_delta = d;
        double cursor = c->x[i];
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            uint32_t ch = t->children[k];
            int64_t v = pos(width_of(c, &t->nodes[ch]));
            c->x[ch] = cursor;
            c->visible[ch] = v > 0 && (double)v * c->scale >= MIN_WIDTH_PX;
            cursor += (double)v;
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
    /* fabs of the double: abs64(INT64_MIN) is negative. Over 1 only for
     * such hostile values; never emit rgb(255,-9,-9). */
    double i = fabs((double)d) / (double)c->max_delta;
    if (i > 1)
        i = 1;
    int fade = (int)(220.0 * (1.0 - i));
    rgb[0] = d > 0 ? 255 : fade;
    rgb[1] = fade;
    rgb[2] = d > 0 ? fade : 255;
}

/* Estimated width in px, at font size `px`, of the code point at s; *step
 * (OUT) its length in bytes, as rn_xml_text steps. Other than ASCII counts
 * a full em: CJK is that wide, and too wide only cuts a label early. */
static double glyph_px(const uint8_t *s, size_t len, double px, size_t *step)
{
    size_t l = rn_utf8_len(s, len);
    *step = l > 0 ? l : 1;
    if (s[0] >= ' ' && s[0] <= '~')
        return ADVANCE[s[0] - ' '] / 10.0 * px / FONT_PX;
    return px;
}

/* How many bytes of the name to show in `avail` px at font size `px`: all
 * of them (*whole set), or the longest prefix that fits with "..", or 0 if
 * not even one character does. */
static size_t fit(const uint8_t *name, size_t len, double avail, double px, bool *whole)
{
    size_t step, cut = 0;
    double dots = 2 * glyph_px((const uint8_t *)".", 1, px, &step), w = 0;
    *whole = false;
    for (size_t i = 0; i < len;) {
        w += glyph_px(name + i, len - i, px, &step);
        if (w > avail)
            return cut;
        i += step;
        if (w + dots <= avail)
            cut = i;
    }
    *whole = true;
    return len;
}

/* The name fitted to `avail` px as <text>, with `attrs` (or nothing at all
 * if no character fits). */
static int label(pd_buf *out, const char *attrs, const uint8_t *name, size_t len, double avail,
                 double px)
{
    bool whole;
    size_t n = fit(name, len, avail, px, &whole);
    if (n == 0)
        return 0;
    int rc = rn_printf(out, "<text %s>", attrs);
    if (rc == 0)
        rc = rn_xml_text(out, name, n);
    if (rc == 0 && !whole)
        rc = rn_puts(out, "..");
    if (rc == 0)
        rc = rn_puts(out, "</text>");
    return rc;
}

/* Black text, unless its contrast with the fill would be under 3:1 (WCAG
 * relative luminance), as on the deepest blues of a diff: white there. */
static bool dark_fill(const int rgb[3])
{
    static const double weight[3] = {0.2126, 0.7152, 0.0722};
    double l = 0;
    for (int i = 0; i < 3; i++) {
        double v = rgb[i] / 255.0;
        l += weight[i] * (v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
    }
    return (l + 0.05) / 0.05 < 3.0;
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
    double x = PAD_X + c->x[id] * c->scale, w = (double)width_of(c, nd) * c->scale;
    int y = height - PAD_BOTTOM - (int)(nd->depth + 1) * PD_RENDER_SVG_FRAME_HEIGHT;
    const pd_str *unit = &c->p->strings[c->p->sample_types[c->si].unit];
    int64_t all = c->t->nodes[0].total; /* a diff's target may have none */
    double pct = all != 0 ? (double)nd->total * 100.0 / (double)all : 0;

    /* The label shows the short name, the hover title the whole one. */
    uint8_t shortname[RN_SHORT_NAME_MAX];
    size_t short_len = id != 0 ? rn_short_name(name, len, shortname) : 0;
    const uint8_t *shown = short_len > 0 ? shortname : name;
    size_t shown_len = short_len > 0 ? short_len : len;
    int rc = rn_puts(c->out, "<g><title>");
    if (rc == 0)
        rc = rn_xml_text(c->out, name, len);
    if (rc == 0)
        rc = rn_printf(c->out, " (%" PRId64 " ", nd->total);
    if (rc == 0) /* the profile's own string: escaped like a name */
        rc = rn_xml_text(c->out, (const uint8_t *)unit->ptr, unit->len);
    if (rc == 0)
        rc = rn_printf(c->out, ", %.2f%%", pct);
    if (rc == 0 && c->diff)
        rc = rn_printf(c->out, "; base %" PRId64 ", delta %+" PRId64, nd->base,
                       rn_add(nd->total, -nd->base));
    if (rc == 0)
        rc = rn_printf(c->out,
                       ")</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                       "fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/>",
                       x, y, w, PD_RENDER_SVG_FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2]);
    /* The label sits in a nested <svg> of the frame's size, which clips
     * (overflow is hidden on inner viewports): the widths are estimates,
     * and a font wider than them must not spill over the neighbours. */
    size_t mark = c->out->len;
    if (rc == 0)
        rc = rn_printf(c->out, "<svg x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">", x, y, w,
                       PD_RENDER_SVG_FRAME_HEIGHT - 1);
    size_t inner = c->out->len;
    char attrs[48];
    snprintf(attrs, sizeof(attrs), "x=\"%d\" y=\"%d\"%s", TEXT_INSET, TEXT_BASELINE,
             dark_fill(rgb) ? " class=\"w\"" : "");
    if (rc == 0)
        rc = label(c->out, attrs, shown, shown_len, w - 2 * TEXT_INSET, FONT_PX);
    if (rc == 0 && c->out->len == inner)
        c->out->len = mark; /* no label: no viewport either */
    else if (rc == 0)
        rc = rn_puts(c->out, "</svg>");
    if (rc == 0)
        rc = rn_puts(c->out, "</g>\n");
    return rc;
}

/* Under a diff's heading: what the colours and widths mean. */
static int legend(pd_buf *out)
{
    static const struct {
        const char *fill, *what;
    } keys[] = {{"rgb(255,80,80)", "grew in the target"},
                {"rgb(80,80,255)", "shrank (or only in the base)"},
                {"rgb(220,220,220)", "unchanged"}};
    int rc = 0;
    int x = PAD_X;
    for (size_t i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
        rc = rn_printf(out,
                       "<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                       "fill=\"%s\"/>"
                       "<text x=\"%d\" y=\"%d\">%s</text>\n",
                       x, LEGEND_Y, keys[i].fill, x + 16, LEGEND_Y + 10, keys[i].what);
        x += 16 + 8 * (int)strlen(keys[i].what) + 24;
    }
    if (rc == 0)
        rc = rn_printf(out, "<text x=\"%d\" y=\"%d\">width: base + target</text>\n", x,
                       LEGEND_Y + 10);
    return rc;
}

/* v in `unit` as people read it: nanoseconds and bytes scaled to the
 * largest unit under v ("1.25 s", "312.00 MiB"), anything else as it is. */
static void human(int64_t v, const pd_str *unit, char *buf, size_t size)
{
    static const struct {
        const char *unit;
        double scale[4];
        const char *name[4];
    } kinds[] = {
        {"nanoseconds", {1e9, 1e6, 1e3, 1}, {"s", "ms", "us", "ns"}},
        {"bytes", {1073741824.0, 1048576.0, 1024.0, 1}, {"GiB", "MiB", "KiB", "B"}},
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (unit->len != strlen(kinds[k].unit) || memcmp(unit->ptr, kinds[k].unit, unit->len) != 0)
            continue;
        for (int i = 0; i < 3; i++)
            if (fabs((double)v) >= kinds[k].scale[i]) {
                snprintf(buf, size, "%.2f %s", (double)v / kinds[k].scale[i], kinds[k].name[i]);
                return;
            }
        snprintf(buf, size, "%" PRId64 " %s", v, kinds[k].name[3]);
        return;
    }
    snprintf(buf, size, "%" PRId64 " %.*s", v, (int)(unit->len < 40 ? unit->len : 40), unit->ptr);
}

/* What the graph holds in all: "total 1.23 s" (a diff: the target's and
 * the base's), on a line of its own under the title. */
static void total_line(const svg_ctx *c, char *buf, size_t size)
{
    const pd_str *unit = &c->p->strings[c->p->sample_types[c->si].unit];
    const rn_node *root = &c->t->nodes[0];
    char total[64], base[64];
    human(root->total, unit, total, sizeof(total));
    if (!c->diff) {
        snprintf(buf, size, "total %s", total);
        return;
    }
    human(root->base, unit, base, sizeof(base));
    snprintf(buf, size, "target total %s, base total %s", total, base);
}

static int header(pd_buf *out, int height, const char *title, const char *total)
{
    int rc = rn_printf(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
        "<style>text{font-family:Verdana,'DejaVu Sans',sans-serif;font-size:12px;fill:#000}"
        "text.w{fill:#fff}g:hover rect{stroke:#000;stroke-width:0.5}</style>\n",
        PD_RENDER_SVG_WIDTH, height, PD_RENDER_SVG_WIDTH, height);
    if (rc == 0 && title != NULL) {
        /* centred, so a title wider than the graph would lose both ends */
        char attrs[96];
        snprintf(attrs, sizeof(attrs),
                 "x=\"%d\" y=\"24\" text-anchor=\"middle\" style=\"font-size:%dpx\"",
                 PD_RENDER_SVG_WIDTH / 2, TITLE_PX);
        rc = label(out, attrs, (const uint8_t *)title, strlen(title),
                   PD_RENDER_SVG_WIDTH - 2 * PAD_X, TITLE_PX);
        if (rc == 0)
            rc = rn_puts(out, "\n");
    }
    if (rc == 0) /* the unit is the profile's own string: escaped */
        rc = rn_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                       PD_RENDER_SVG_WIDTH / 2, TOTAL_Y);
    if (rc == 0)
        rc = rn_xml_text(out, (const uint8_t *)total, strlen(total));
    if (rc == 0)
        rc = rn_puts(out, "</text>\n");
    return rc;
}

static int render(const pd_profile *p, int si, const char *title, bool diff, pd_buf *out,
                  pd_err *err)
{
    rn_stacks s;
    rn_tree t;
    int rc = rn_tree_open(&t, &s, p, si, diff, RN_BY_NAME, err);
    if (rc < 0)
        return rc;
    size_t mark = out->len;
    svg_ctx c = {.p = p, .s = &s, .t = &t, .si = si, .diff = diff, .out = out};
    c.x = pd_xcalloc(t.n, sizeof(*c.x));
    c.visible = pd_xcalloc(t.n, sizeof(*c.visible));
    int64_t root = width_of(&c, &t.nodes[0]);
    if (root > 0)
        c.scale = (double)(PD_RENDER_SVG_WIDTH - 2 * PAD_X) / (double)root;
    uint32_t max_depth = layout(&c);
    int height = (diff ? PAD_TOP_DIFF : PAD_TOP) + PAD_BOTTOM +
                 (int)(max_depth + 1) * PD_RENDER_SVG_FRAME_HEIGHT;
    char total[160];
    total_line(&c, total, sizeof(total));
    rc = header(out, height, title, total);
    if (rc == 0 && diff)
        rc = legend(out);
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
