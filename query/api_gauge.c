/* Which values are snapshots, by the profile kind's rule (pd_kind.h): a
 * gauge (goroutine counts, heap in use) says how much there is at one
 * moment: over time and over the profiles of one series it is averaged,
 * and only then summed across series. Every other value counts what
 * happened in its profile's window and is summed. */
#include "api_int.h"

#include "pd_kind.h"

bool api_type_has_gauges(const char *type)
{
    return pd_kind_has_gauges(pd_kind_of_type(type));
}

bool api_sample_is_gauge(const char *type, const char *name, size_t len)
{
    return pd_kind_sample_gauge(pd_kind_of_type(type), name, len);
}
