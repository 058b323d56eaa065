/* Sums per (partition, stack, label set): see sums.h. */
#include "sums.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

void pd_sums_init(pd_sums *s, uint32_t nst)
{
    memset(s, 0, sizeof(*s));
    s->nst = nst;
    s->mask = 1023;
    s->slots = pd_xcalloc(s->mask + 1, sizeof(uint32_t));
}

void pd_sums_free(pd_sums *s)
{
    free(s->keys);
    free(s->vals);
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

static size_t key_hash(pd_sum_key k)
{
    uint64_t h = ((uint64_t)k.stack << 32 | k.lset) * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)k.part * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29));
}

static void grow_slots(pd_sums *s)
{
    free(s->slots);
    s->mask = s->mask * 2 + 1;
    s->slots = pd_xcalloc(s->mask + 1, sizeof(uint32_t));
    for (size_t k = 0; k < s->nkeys; k++) {
        size_t i = key_hash(s->keys[k]) & s->mask;
        while (s->slots[i] != 0)
            i = (i + 1) & s->mask;
        s->slots[i] = (uint32_t)k + 1;
    }
}

void pd_sums_add(pd_sums *s, pd_sum_key k, const int64_t *v)
{
    size_t i = key_hash(k) & s->mask;
    for (; s->slots[i] != 0; i = (i + 1) & s->mask) {
        uint32_t idx = s->slots[i] - 1;
        const pd_sum_key *e = &s->keys[idx];
        if (e->stack == k.stack && e->lset == k.lset && e->part == k.part) {
            int64_t *dst = &s->vals[(size_t)idx * s->nst];
            for (uint32_t j = 0; j < s->nst; j++)
                dst[j] = (int64_t)((uint64_t)dst[j] + (uint64_t)v[j]);
            return;
        }
    }
    pd_xgrow((void **)&s->keys, &s->keys_cap, s->nkeys + 1, sizeof(pd_sum_key));
    pd_xgrow((void **)&s->vals, &s->vals_cap, (s->nkeys + 1) * s->nst + 1, sizeof(int64_t));
    s->keys[s->nkeys] = k;
    if (s->nst > 0)
        memcpy(&s->vals[s->nkeys * s->nst], v, s->nst * sizeof(int64_t));
    s->slots[i] = (uint32_t)++s->nkeys;
    if (s->nkeys * 2 > s->mask)
        grow_slots(s);
}
