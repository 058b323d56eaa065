/* The renderings of a decoded profile: folded, top, tree JSON and SVG for
 * each sample type (at most 3), then the diff renderings of the profile
 * against itself: top diff and the differential SVG. */
#include "fuzz.h"

#include "pd_buf.h"
#include "pd_profile.h"
#include "pd_render.h"

#include <stdlib.h>

#define MAX_BYTES (32u << 20)

static void render(const pd_profile *p, int si)
{
    pd_buf b;
    pd_buf_init(&b, 0);
    pd_render_folded(p, si, &b, NULL);
    pd_buf_reset(&b);
    pd_render_top(p, si, 20, &b, NULL);
    pd_buf_reset(&b);
    pd_render_tree_json(p, si, 500, &b, NULL);
    pd_buf_reset(&b);
    pd_render_svg(p, si, "cpu {job=\"<&>\"} \xff", &b, NULL);
    pd_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_profile *p = NULL;
    if (pd_profile_decode(data, size, MAX_BYTES, &p, NULL) < 0)
        return 0;
    int n = (int)(p->nsample_types < 3 ? p->nsample_types : 3);
    for (int si = 0; si < n; si++)
        render(p, si);

    pd_buf b;
    pd_buf_init(&b, 0);
    pd_render_top_diff(p, p, 0, 20, &b, NULL);
    pd_profile *base = NULL, *target = NULL, *diff = NULL;
    if (pd_profile_decode(data, size, MAX_BYTES, &base, NULL) == 0 &&
        pd_profile_decode(data, size, MAX_BYTES, &target, NULL) == 0) {
        pd_profile_scale(base, 0.5);
        if (pd_profile_diff(base, target, PD_DIFF_DIFF_BASE, false, &diff, NULL) == 0) {
            pd_buf_reset(&b);
            pd_render_svg_diff(diff, 0, "diff", &b, NULL);
            pd_profile_free(diff);
        }
    } else {
        pd_profile_free(base);
        pd_profile_free(target);
    }
    pd_buf_free(&b);
    pd_profile_free(p);
    return 0;
}
