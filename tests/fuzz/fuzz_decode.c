/* The pprof decoder on any bytes, gzip or raw; on success the algebra the
 * daemon runs on what it decodes: encode (raw and gzip, which must decode
 * again), merge with itself, delta against itself, diff in both modes. */
#include "fuzz.h"

#include "pd_profile.h"

#include <stdlib.h>

#define MAX_BYTES (32u << 20)

static pd_profile *again(const uint8_t *enc, size_t n)
{
    pd_profile *p = NULL;
    pd_err err = {{0}};
    if (pd_profile_decode(enc, n, MAX_BYTES, &p, &err) < 0)
        abort(); /* what we encode must decode */
    return p;
}

static void algebra(const pd_profile *p, const uint8_t *enc, size_t n)
{
    pd_profile *q = again(enc, n);
    pd_profile *both[2] = {(pd_profile *)p, q};
    pd_profile *m = NULL;
    if (pd_profile_merge(both, 2, &m, NULL) == 0)
        pd_profile_free(m);

    bool *mask = calloc(p->nsample_types + 1, sizeof(bool));
    for (uint32_t i = 0; i < p->nsample_types; i += 2)
        mask[i] = true;
    pd_profile *d = NULL;
    bool restarted = false;
    if (pd_profile_delta(q, p, mask, &d, &restarted, NULL) == 0)
        pd_profile_free(d);
    free(mask);
    pd_profile_free(q);

    for (int mode = PD_DIFF_BASE; mode <= PD_DIFF_DIFF_BASE; mode++) {
        pd_profile *diff = NULL;
        if (pd_profile_diff(again(enc, n), again(enc, n), (pd_diff_mode)mode, mode == PD_DIFF_BASE,
                            &diff, NULL) == 0)
            pd_profile_free(diff);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_profile *p = NULL;
    if (pd_profile_decode(data, size, MAX_BYTES, &p, NULL) < 0)
        return 0;
    uint8_t *enc = NULL;
    size_t n = 0;
    if (pd_profile_encode(p, true, &enc, &n, NULL) == 0) {
        pd_profile_free(again(enc, n));
        free(enc);
    }
    if (pd_profile_encode(p, false, &enc, &n, NULL) == 0) {
        algebra(p, enc, n);
        free(enc);
    }
    pd_profile_free(p);
    return 0;
}
