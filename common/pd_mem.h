/* Allocation helpers. pprofd treats out-of-memory as fatal: these print a
 * message naming the size and abort rather than return NULL, so callers need
 * no NULL checks for them. Anything sized by untrusted input must be bounded
 * before it gets here (see the decoders' caps). */
#ifndef PD_MEM_H
#define PD_MEM_H

#include <stddef.h>

void *pd_xmalloc(size_t n);
void *pd_xcalloc(size_t count, size_t size);
void *pd_xrealloc(void *p, size_t n);
/* Grows *array (of *cap elements of `size` bytes) to hold at least `need`
 * elements, doubling; new memory is not zeroed. */
void pd_xgrow(void **array, size_t *cap, size_t need, size_t size);
char *pd_xstrdup(const char *s);

#endif
