#include "pd_mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "level=fatal msg=\"out of memory\" bytes=%zu\n", n);
    abort();
}

void *pd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *pd_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        oom(count * size);
    return p;
}

void *pd_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

void pd_xgrow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 8;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            oom(SIZE_MAX);
        c *= 2;
    }
    if (c > SIZE_MAX / size)
        oom(SIZE_MAX);
    *array = pd_xrealloc(*array, c * size);
    *cap = c;
}

char *pd_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = pd_xmalloc(n);
    memcpy(d, s, n);
    return d;
}
