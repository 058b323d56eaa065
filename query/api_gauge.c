/* Which values are snapshots. A gauge (goroutine counts, heap in use) says
 * how much there is at one moment: over time and over the profiles of one
 * series it is averaged, and only then summed across series. Every other
 * value counts what happened in its profile's window and is summed. */
#include "api_int.h"

#include <string.h>

bool api_type_has_gauges(const char *type)
{
    return strcmp(type, "goroutine") == 0 || strcmp(type, "heap") == 0 ||
           strcmp(type, "allocs") == 0;
}

bool api_sample_is_gauge(const char *type, const char *name, size_t len)
{
    if (strcmp(type, "goroutine") == 0)
        return true;
    return api_type_has_gauges(type) && len >= 6 && memcmp(name, "inuse_", 6) == 0;
}
