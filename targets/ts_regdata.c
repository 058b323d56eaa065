/* A registration's own data: copies, and its list of profiles. */
#include "pd_tset.h"

#include "pd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_reg_target_copy(pd_reg_target *dst, const pd_reg_target *src)
{
    dst->id = src->id;
    dst->job = pd_xstrdup(src->job);
    dst->address = pd_xstrdup(src->address);
    pd_labels_copy(&dst->labels, &src->labels);
    dst->profiles = pd_xstrdup(src->profiles ? src->profiles : "");
    dst->interval_ms = src->interval_ms;
    dst->changing = false;
}

void pd_reg_target_free(pd_reg_target *r)
{
    free(r->job);
    free(r->address);
    pd_labels_free(&r->labels);
    free(r->profiles);
    memset(r, 0, sizeof(*r));
}

bool pd_reg_next_profile(const char **p, char *buf, size_t size)
{
    if (*p == NULL || **p == '\0')
        return false;
    const char *e = strchr(*p, ',');
    size_t len = e ? (size_t)(e - *p) : strlen(*p);
    snprintf(buf, size, "%.*s", (int)len, *p);
    *p += len + (e != NULL);
    return true;
}
