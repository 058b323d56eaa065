#include "pd_kind.h"

#include <string.h>

static const struct {
    const char *name;
    pd_profile_kind kind;
} go_kinds[] = {
    {"cpu", PD_PROFILE_WINDOW},
    {"heap", PD_PROFILE_MIXED},
    {"allocs", PD_PROFILE_MIXED},
    {"goroutine", PD_PROFILE_GAUGE},
    {"block", PD_PROFILE_CUMULATIVE},
    {"mutex", PD_PROFILE_CUMULATIVE},
    {"threadcreate", PD_PROFILE_CUMULATIVE},
};

bool pd_kind_of_go(const char *name, pd_profile_kind *kind)
{
    for (size_t i = 0; i < sizeof(go_kinds) / sizeof(go_kinds[0]); i++)
        if (strcmp(go_kinds[i].name, name) == 0) {
            *kind = go_kinds[i].kind;
            return true;
        }
    return false;
}

pd_profile_kind pd_kind_of_type(const char *name)
{
    pd_profile_kind k = PD_PROFILE_WINDOW;
    return pd_kind_of_go(name, &k) ? k : PD_PROFILE_WINDOW;
}

const char *pd_kind_name(pd_profile_kind kind)
{
    switch (kind) {
    case PD_PROFILE_WINDOW:
        return "window";
    case PD_PROFILE_CUMULATIVE:
        return "cumulative";
    case PD_PROFILE_GAUGE:
        return "gauge";
    case PD_PROFILE_MIXED:
        return "mixed";
    }
    return "window";
}

bool pd_kind_has_cumulative(pd_profile_kind kind)
{
    return kind == PD_PROFILE_CUMULATIVE || kind == PD_PROFILE_MIXED;
}

bool pd_kind_has_gauges(pd_profile_kind kind)
{
    return kind == PD_PROFILE_GAUGE || kind == PD_PROFILE_MIXED;
}

/* In a mixed profile (heap, allocs) Go names the counts since start alloc_*. */
static bool alloc_sample(const char *name, size_t len)
{
    return len >= 6 && memcmp(name, "alloc_", 6) == 0;
}

bool pd_kind_sample_cumulative(pd_profile_kind kind, const char *name, size_t len)
{
    return kind == PD_PROFILE_CUMULATIVE || (kind == PD_PROFILE_MIXED && alloc_sample(name, len));
}

bool pd_kind_sample_gauge(pd_profile_kind kind, const char *name, size_t len)
{
    return kind == PD_PROFILE_GAUGE || (kind == PD_PROFILE_MIXED && !alloc_sample(name, len));
}
