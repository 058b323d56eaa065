/* Private to proto/: rebuilding profiles from symbol tables, used by
 * unpack.c for one stored profile and by agg.c for samples summed over many
 * profiles of several tables. The output profile takes whatever the
 * samples use, one table at a time: switching tables keeps what was copied
 * out (an output may hold the same string or function twice, from two
 * tables; a merge folds them) and forgets the table's id maps. */
#ifndef PD_PROTO_UNPACK_H
#define PD_PROTO_UNPACK_H

#include "symtab.h"

/* Table ids -> output indices (open addressing). */
typedef struct pd_idmap {
    uint32_t *keys; /* id + 1; 0 = empty */
    uint32_t *vals;
    size_t mask, count;
} pd_idmap;

typedef struct pd_up {
    const pd_symtab *t;
    pd_profile *p; /* borrowed: the output */
    size_t expected;
    pd_idmap strs, maps, fns, locs;
    pd_mapping *omaps;
    size_t nmaps, maps_cap;
    pd_function *ofns;
    size_t nfns, fns_cap;
    pd_location *olocs;
    size_t nlocs, locs_cap;
    bool bad;
} pd_up;

/* Starts filling p (new, empty); `expected` sizes the id maps. */
void pd_up_begin(pd_up *u, pd_profile *p, size_t expected);
/* Ids from now on refer to t (NULL: none). */
void pd_up_table(pd_up *u, const pd_symtab *t);
/* p's header and mapping list from s. */
void pd_up_header(pd_up *u, const pd_stored *s);
/* *o from a stack, label set and nst values (copied); false if the ids are
 * not in the table. */
bool pd_up_sample(pd_up *u, uint32_t leaf, uint32_t lset, const int64_t *values, uint32_t nst,
                  pd_sample *o);
/* Gives p its mappings, functions and locations; -EINVAL if any id was
 * not in its table. The samples are the caller's to set. */
int pd_up_end(pd_up *u, pd_err *err);

#endif
