/* Test-only helper: rewrites real profiles the way another profiler would
 * have recorded them, to test what go tool pprof must reconcile.
 *
 *   pd_testtool setunit IN OUT IDX UNIT DIVISOR
 *     sample type IDX (or the period type for IDX = -1) gets unit UNIT and
 *     its values are divided by DIVISOR (rounded toward zero), e.g.
 *     nanoseconds -> microseconds with DIVISOR 1000.
 */
#include "pd_file.h"
#include "pd_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(const char *what, const pd_err *err)
{
    fprintf(stderr, "pd_testtool: %s: %s\n", what, err->msg);
    return 1;
}

static int setunit(char **argv)
{
    pd_err err = {{0}};
    uint8_t *data = NULL;
    size_t len = 0;
    if (pd_read_file(argv[0], 0, &data, &len, &err) < 0)
        return die("read", &err);
    pd_profile *p = NULL;
    int rc = pd_profile_decode(data, len, 0, &p, &err);
    free(data);
    if (rc < 0)
        return die(argv[0], &err);
    long idx = strtol(argv[2], NULL, 10);
    long long div = strtoll(argv[4], NULL, 10);
    if (div == 0 || idx < -1 || idx >= (long)p->nsample_types) {
        fprintf(stderr, "pd_testtool: bad index or divisor\n");
        pd_profile_free(p);
        return 2;
    }
    uint32_t unit = pd_profile_intern(p, argv[3], strlen(argv[3]));
    if (idx < 0) {
        p->period_type.unit = unit;
        p->period /= div;
    } else {
        p->sample_types[idx].unit = unit;
        for (uint32_t i = 0; i < p->nsamples; i++)
            p->samples[i].values[idx] /= div;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    rc = pd_profile_encode(p, true, &out, &out_len, &err);
    if (rc == 0)
        rc = pd_write_file(argv[1], out, out_len, &err);
    free(out);
    pd_profile_free(p);
    return rc < 0 ? die(argv[1], &err) : 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "setunit") == 0)
        return setunit(argv + 2);
    fprintf(stderr, "usage: pd_testtool setunit IN OUT IDX UNIT DIVISOR\n");
    return 2;
}
