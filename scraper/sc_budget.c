#include "pd_budget.h"

#include "pd_mem.h"

#include <math.h>
#include <stdlib.h>

typedef struct bucket {
    uint64_t key;
    double tokens;
    int64_t at_ms;
} bucket;

struct pd_budget {
    bucket *v;
    size_t n, cap;
};

pd_budget *pd_budget_new(void)
{
    return pd_xcalloc(1, sizeof(pd_budget));
}

void pd_budget_free(pd_budget *b)
{
    if (b == NULL)
        return;
    free(b->v);
    free(b);
}

size_t pd_budget_size(const pd_budget *b)
{
    return b->n;
}

int64_t pd_budget_take(pd_budget *b, uint64_t key, int64_t now_ms, uint32_t count, int64_t per_ms)
{
    if (count == 0)
        return per_ms > 0 ? (per_ms + 999) / 1000 : 1;
    double rate = (double)count / (double)(per_ms > 0 ? per_ms : 1); /* tokens per ms */
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
        bucket *x = &b->v[i];
        if (x->key != key && x->tokens + (double)(now_ms - x->at_ms) * rate >= count)
            continue;
        b->v[w++] = *x;
    }
    b->n = w;
    bucket *x = NULL;
    for (size_t i = 0; i < b->n && x == NULL; i++)
        if (b->v[i].key == key)
            x = &b->v[i];
    if (x == NULL) {
        pd_xgrow((void **)&b->v, &b->cap, b->n + 1, sizeof(bucket));
        x = &b->v[b->n++];
        *x = (bucket){key, (double)count, now_ms};
    }
    x->tokens += (double)(now_ms - x->at_ms) * rate;
    if (x->tokens > count)
        x->tokens = count;
    x->at_ms = now_ms;
    if (x->tokens >= 1.0) {
        x->tokens -= 1.0;
        return 0;
    }
    /* Per token, per_ms / count: dividing by the rate instead would round
     * a whole second up. */
    double ms = (1.0 - x->tokens) * (double)per_ms / (double)count;
    int64_t s = (int64_t)ceil(ms / 1000.0 - 1e-9);
    return s > 0 ? s : 1;
}
