#include "pd_duration.h"

#include <stdbool.h>
#include <string.h>

#define NS_PER_S INT64_C(1000000000)

/* Longest name first where one is a prefix of another ("ms" before "m");
 * `rank` orders them by size, biggest highest. */
static const struct {
    const char *name;
    int64_t ns;
    int rank;
} units[] = {
    {"y", 365 * 24 * 3600 * NS_PER_S, 6},
    {"w", 7 * 24 * 3600 * NS_PER_S, 5},
    {"d", 24 * 3600 * NS_PER_S, 4},
    {"h", 3600 * NS_PER_S, 3},
    {"ms", NS_PER_S / 1000, 0},
    {"m", 60 * NS_PER_S, 2},
    {"s", NS_PER_S, 1},
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static pd_duration_fault fault(pd_duration_fault f, size_t pos, int64_t *ns, size_t *at)
{
    *ns = 0;
    *at = pos;
    return f;
}

pd_duration_fault pd_duration_scan(const char *s, int64_t *ns, size_t *at)
{
    *ns = 0;
    *at = 0;
    if (strcmp(s, "0") == 0)
        return PD_DURATION_OK;
    if (s[0] == '\0')
        return fault(PD_DURATION_EMPTY, 0, ns, at);
    int64_t total = 0;
    int last_rank = (int)NUNITS;
    size_t pos = 0;
    while (s[pos] != '\0') {
        size_t start = pos;
        if (!is_digit(s[pos]))
            return fault(PD_DURATION_NO_NUMBER, pos, ns, at);
        int64_t n = 0;
        for (; is_digit(s[pos]); pos++)
            if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, s[pos] - '0', &n))
                return fault(PD_DURATION_RANGE, start, ns, at);
        if (s[pos] == '\0')
            return fault(PD_DURATION_NO_UNIT, pos, ns, at);
        size_t u = 0;
        while (u < NUNITS && strncmp(s + pos, units[u].name, strlen(units[u].name)) != 0)
            u++;
        if (u == NUNITS)
            return fault(PD_DURATION_BAD_UNIT, pos, ns, at);
        if (units[u].rank >= last_rank)
            return fault(PD_DURATION_ORDER, start, ns, at);
        last_rank = units[u].rank;
        pos += strlen(units[u].name);
        int64_t part;
        if (__builtin_mul_overflow(n, units[u].ns, &part) ||
            __builtin_add_overflow(total, part, &total))
            return fault(PD_DURATION_RANGE, start, ns, at);
    }
    *ns = total;
    return PD_DURATION_OK;
}
