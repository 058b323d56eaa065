/* Private to proto/: the compatibility rule of pprof's merge, shared by the
 * merger (whose types live in its own string table) and
 * pd_profile_compatible (two decoded profiles). */
#ifndef PD_PROTO_TYPES_H
#define PD_PROTO_TYPES_H

#include "pd_profile.h"

typedef struct pd_types_view {
    const pd_str *strings;
    pd_value_type period_type;
    const pd_value_type *sample_types;
    uint32_t nsample_types;
} pd_types_view;

static inline pd_types_view pd_types_of(const pd_profile *p)
{
    return (pd_types_view){p->strings, p->period_type, p->sample_types, p->nsample_types};
}

/* Equal period type and sample types (type and unit strings), or an error
 * naming both. */
int pd_types_check(const pd_types_view *a, const pd_types_view *b, pd_err *err);

#endif
