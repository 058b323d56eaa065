/* The capture budget: a token bucket per process (its address: a process
 * is one budget whatever job or labels it has), `count` tokens refilled
 * evenly over `per_ms`. Pure arithmetic on the time given, so it is tested
 * without waiting; the caller passes the loop's monotonic clock, so a
 * wall-clock step neither refills nor drains budgets. */
#ifndef PD_BUDGET_H
#define PD_BUDGET_H

#include <stddef.h>
#include <stdint.h>

typedef struct pd_budget pd_budget;

pd_budget *pd_budget_new(void);
void pd_budget_free(pd_budget *b);

/* Takes a token for process `key` at `now_ms`: 0, or the whole seconds
 * (>= 1) until one is there. count 0 refuses everything. Buckets that
 * have refilled are dropped on the way (a new one starts full anyway),
 * so memory follows the processes captured within one period. */
int64_t pd_budget_take(pd_budget *b, uint64_t key, int64_t now_ms, uint32_t count, int64_t per_ms);

/* Buckets kept now (for tests). */
size_t pd_budget_size(const pd_budget *b);

#endif
