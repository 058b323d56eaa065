/* The wall clock, read in one place: unix time in nanoseconds, the unit
 * of profiles' times. (Schedules run on the loop's monotonic clock.) */
#ifndef PD_CLOCK_H
#define PD_CLOCK_H

#include <stdint.h>

int64_t pd_now_ns(void);

#endif
