#include "pd_clock.h"

#include <time.h>

int64_t pd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
