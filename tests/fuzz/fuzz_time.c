/* Times, durations, steps and sizes as the query API and the config read
 * them. A parsed time must format (pd_time_format, as the profile list and
 * the SVG headings do) and parse back to the same nanosecond. */
#include "fuzz.h"

#include "pd_config.h"
#include "pd_time.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    int64_t t = 0, d = 0, ms = 0;
    uint64_t bytes = 0;
    const int64_t now = 1764633600LL * 1000000000; /* 2025-12-02 */
    if (pd_time_parse(s, now, &t, NULL) == 0) {
        char text[PD_TIME_FORMAT_MAX];
        int64_t back = 0;
        if (pd_time_format(t, text, sizeof(text)) != 0 ||
            pd_time_parse(text, 0, &back, NULL) != 0 || back != t)
            abort();
    }
    pd_time_parse(s, INT64_MAX, &t, NULL);
    pd_time_parse(s, INT64_MIN, &t, NULL);
    if (pd_duration_parse(s, &d, NULL) == 0 && d < 0)
        abort();
    if (pd_step_parse(s, &d, NULL) == 0 && d <= 0)
        abort();
    pd_parse_duration(s, &ms, NULL);
    pd_parse_size(s, &bytes, NULL);
    free(s);
    return 0;
}
