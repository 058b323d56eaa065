/* Lifecycle of pd_profile and the small helpers every operation shares. */
#include "pd_profile.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

pd_profile *pd_profile_new(void)
{
    pd_profile *p = pd_xcalloc(1, sizeof(*p));
    p->arena = (pd_arena)PD_ARENA_INIT;
    p->strings_cap = 16;
    p->strings = pd_xcalloc(p->strings_cap, sizeof(pd_str));
    p->strings[0] = (pd_str){"", 0};
    p->nstrings = 1;
    return p;
}

void pd_profile_free(pd_profile *p)
{
    if (p == NULL)
        return;
    free(p->strings);
    free(p->backing);
    pd_arena_free(&p->arena);
    free(p);
}

bool pd_profile_str_eq(const pd_profile *p, uint32_t i, const char *s)
{
    size_t n = strlen(s);
    return i < p->nstrings && p->strings[i].len == n && memcmp(p->strings[i].ptr, s, n) == 0;
}

uint32_t pd_profile_intern(pd_profile *p, const char *s, size_t len)
{
    for (uint32_t i = 0; i < p->nstrings; i++)
        if (p->strings[i].len == len && memcmp(p->strings[i].ptr, s, len) == 0)
            return i;
    if (p->nstrings == p->strings_cap) {
        size_t cap = p->strings_cap;
        pd_xgrow((void **)&p->strings, &cap, (size_t)p->nstrings + 1, sizeof(pd_str));
        p->strings_cap = (uint32_t)cap;
    }
    char *copy = pd_arena_alloc(&p->arena, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    p->strings[p->nstrings] = (pd_str){copy, (uint32_t)len};
    return p->nstrings++;
}

/* Sums wrap on overflow, as Go's int64 arithmetic does (no UB). */
void pd_profile_totals(const pd_profile *p, int64_t *totals)
{
    memset(totals, 0, sizeof(int64_t) * p->nsample_types);
    for (uint32_t i = 0; i < p->nsamples; i++)
        for (uint32_t j = 0; j < p->nsample_types; j++)
            totals[j] = (int64_t)((uint64_t)totals[j] + (uint64_t)p->samples[i].values[j]);
}

int pd_profile_sample_type_index(const pd_profile *p, const char *name)
{
    if (p->nsample_types == 0)
        return -1;
    if (name == NULL) {
        if (p->default_sample_type != 0)
            for (uint32_t i = 0; i < p->nsample_types; i++)
                if (p->sample_types[i].type == p->default_sample_type)
                    return (int)i;
        return (int)p->nsample_types - 1;
    }
    for (uint32_t i = 0; i < p->nsample_types; i++)
        if (pd_profile_str_eq(p, p->sample_types[i].type, name))
            return (int)i;
    return -1;
}
