/* Private to proto/: values summed per (partition, stack id, label set id)
 * in the order keys were first seen, for merges on ids (agg.c) and rollups
 * (sum.c). Open addressing on key indices. */
#ifndef PD_PROTO_SUMS_H
#define PD_PROTO_SUMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pd_sum_key {
    uint32_t part; /* the caller's index of a partition; 0 when one */
    uint32_t stack, lset;
} pd_sum_key;

typedef struct pd_sums {
    uint32_t nst;     /* values per key */
    pd_sum_key *keys; /* in order of first use */
    int64_t *vals;    /* nkeys * nst */
    size_t nkeys, keys_cap, vals_cap;
    uint32_t *slots; /* key index + 1; 0 = empty */
    size_t mask;
} pd_sums;

void pd_sums_init(pd_sums *s, uint32_t nst);
void pd_sums_free(pd_sums *s);
/* Adds v[nst] under k (wrapping like Go's int64 on overflow). */
void pd_sums_add(pd_sums *s, pd_sum_key k, const int64_t *v);
/* True if every one of v[nst] is 0: pprof's merge skips such samples. */
static inline int pd_sums_zero(const int64_t *v, uint32_t nst)
{
    for (uint32_t j = 0; j < nst; j++)
        if (v[j] != 0)
            return 0;
    return 1;
}

#endif
