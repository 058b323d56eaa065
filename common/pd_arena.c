#include "pd_arena.h"

#include "pd_mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK (64 * 1024)

struct pd_arena_block {
    pd_arena_block *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

void *pd_arena_alloc(pd_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (a->head == NULL || a->head->size - a->used < n) {
        size_t size = a->head ? a->head->size * 2 : ARENA_MIN_BLOCK;
        if (size > 8 * 1024 * 1024)
            size = 8 * 1024 * 1024;
        if (size < n)
            size = n;
        if (size > SIZE_MAX - sizeof(pd_arena_block)) {
            fprintf(stderr, "level=fatal msg=\"arena allocation too large\" bytes=%zu\n", n);
            abort();
        }
        pd_arena_block *b = pd_xmalloc(sizeof(*b) + size);
        b->size = size;
        b->next = a->head;
        a->head = b;
        a->used = 0;
        a->total += size;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    return p;
}

void *pd_arena_calloc(pd_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        fprintf(stderr, "level=fatal msg=\"arena allocation overflow\"\n");
        abort();
    }
    void *p = pd_arena_alloc(a, count * size);
    memset(p, 0, count * size);
    return p;
}

void *pd_arena_memdup(pd_arena *a, const void *src, size_t n)
{
    void *p = pd_arena_alloc(a, n);
    if (n > 0)
        memcpy(p, src, n);
    return p;
}

void pd_arena_free(pd_arena *a)
{
    pd_arena_block *b = a->head;
    while (b != NULL) {
        pd_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}
