/* Renderings of a (merged) profile for the query API: folded stacks, a
 * `top` table, a flame-graph JSON tree and an SVG flame graph, plus the
 * differential `top` and SVG of §5.4.
 *
 * Every function renders sample type `si` (an index into the profile's
 * sample_types; see pd_profile_sample_type_index) and appends the bytes to
 * `out`, whose maximum bounds the output: past it the call fails with
 * -E2BIG. On any error `out` is left at the length it had. -EINVAL for a
 * bad index. The profile is only read.
 *
 * Frames. A sample's stack is read root first: its locations from last
 * (root) to first (leaf), and within a location its lines from caller to
 * innermost, so inlined frames appear expanded and the innermost one is
 * nearest the leaf. A frame's name is its function's name (system name if
 * the name is empty, "?" if both are); a location without lines is
 * "0x<address>". Functions are identified by name: equal names aggregate.
 * Samples whose value is 0 are ignored. */
#ifndef PD_RENDER_H
#define PD_RENDER_H

#include "pd_buf.h"
#include "pd_err.h"
#include "pd_profile.h"

#include <stddef.h>

/* Default node cap of pd_render_tree_json. */
#define PD_RENDER_TREE_MAX_NODES 20000
/* The SVG's fixed geometry. */
#define PD_RENDER_SVG_WIDTH 1200
#define PD_RENDER_SVG_FRAME_HEIGHT 16

/* Brendan Gregg's collapsed stacks: one line per distinct stack,
 * "root;caller;leaf VALUE\n", values of equal stacks summed, stacks summing
 * to 0 (and samples without frames) omitted, lines sorted bytewise. */
int pd_render_folded(const pd_profile *p, int si, pd_buf *out, pd_err *err);

/* `go tool pprof -top` as JSON:
 *   {"sample_type":"cpu","unit":"nanoseconds","total":N,
 *    "rows":[{"function":"f","flat":N,"flat_pct":x,"cum":N,"cum_pct":x},...]}
 * flat: value of the samples whose leaf frame is the function; cum: value
 * of the samples where it appears anywhere (once per sample). Percentages
 * are of `total` (the sum of the sample type), rounded to 2 decimals.
 * Rows sorted as pprof sorts them: |flat| descending, then |cum|
 * descending, then name; at most `limit` rows (0 = all). */
int pd_render_top(const pd_profile *p, int si, size_t limit, pd_buf *out, pd_err *err);

/* The flame-graph tree as compact JSON:
 *   {"name":"total","self":0,"total":N,"children":[{"name":"main",...}]}
 * from a root named "total" down; "self" is the value of samples ending in
 * that node; children sorted by total descending, then name. At most
 * `max_nodes` (0 = PD_RENDER_TREE_MAX_NODES) nodes are kept, chosen largest
 * first from the root down; the children a kept node loses are summed
 * into one child named "other" (self = total, no children), so the output
 * has at most 2 * max_nodes nodes and totals stay exact. */
int pd_render_tree_json(const pd_profile *p, int si, size_t max_nodes, pd_buf *out, pd_err *err);

/* The same tree of the profile pd_profile_diff builds in PD_DIFF_DIFF_BASE
 * mode, each node also with "base": the base's total there (positive;
 * "total" and "self" are the target's). Nodes are chosen and children
 * sorted by width, total + base, so frames only in the base are kept. */
int pd_render_tree_json_diff(const pd_profile *diff, int si, size_t max_nodes, pd_buf *out,
                             pd_err *err);

/* A self-contained SVG flame graph (no scripts, no external resources):
 * root at the bottom, PD_RENDER_SVG_WIDTH wide, a frame per
 * PD_RENDER_SVG_FRAME_HEIGHT row, widths proportional to value, children
 * left to right by name, frames narrower than 0.5 px omitted (with their
 * descendants). Each frame is <g><title>name (value unit, pct%)</title>
 * <rect/><svg><text/></svg></g>: the text is the name, cut with ".." to
 * the width estimated for the font, inside a nested <svg> of the frame's
 * size that clips it (no <svg><text/></svg> where not one character fits).
 * Colours are warm and fixed per name. Labels show pprof's short name
 * (promql.(*evaluator).rangeEval, without the package path), titles the
 * whole. `title` (NULL = none) and the total ("TITLE, total 1.25 s") head
 * the graph, cut like the names to the graph's width. */
int pd_render_svg(const pd_profile *p, int si, const char *title, pd_buf *out, pd_err *err);

/* The diff `top`: functions ranked by the change of their flat share of the
 * total, target share - base share in percentage points, largest growth
 * first (then cum change, then name); at most `limit` rows (0 = all):
 *   {"sample_type":..,"unit":..,"base_total":N,"target_total":N,
 *    "rows":[{"function":"f","flat_delta_pct":x,"cum_delta_pct":x,
 *             "base_flat":N,"base_flat_pct":x,"target_flat":N,
 *             "target_flat_pct":x,"base_cum":N,"base_cum_pct":x,
 *             "target_cum":N,"target_cum_pct":x},...]}
 * Each profile's shares are of its own total, so scaling (normalize) does
 * not change the ranking. Both must name sample type `si` alike (after
 * pd_profiles_scale_units). */
int pd_render_top_diff(const pd_profile *base, const pd_profile *target, int si, size_t limit,
                       pd_buf *out, pd_err *err);

/* The differential flame graph, from the profile pd_profile_diff builds in
 * PD_DIFF_DIFF_BASE mode (what format=pprof returns): samples labelled
 * pprof::base=true are the base (negated), the others the target. A frame
 * is as wide as its base and target values together, so the graph is the
 * union: a frame only in the base is drawn (blue). Its colour follows its
 * delta (target - base of that node): red where it grew, blue where it
 * shrank, deeper with |delta| relative to the largest |delta| of any frame,
 * grey if unchanged; white text where black would contrast under 3:1. A
 * legend under the heading says so; the heading gives both totals.
 * Titles read "name (value unit, pct%; base B, delta +D)". */
int pd_render_svg_diff(const pd_profile *diff, int si, const char *title, pd_buf *out, pd_err *err);

#endif
