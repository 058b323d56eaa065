/* A bump allocator: many small allocations, one free. A decoded profile puts
 * every array it owns in one arena, so freeing a profile is freeing a handful
 * of blocks. Allocations are 8-byte aligned and abort on out-of-memory. */
#ifndef PD_ARENA_H
#define PD_ARENA_H

#include <stddef.h>

typedef struct pd_arena_block pd_arena_block;

typedef struct pd_arena {
    pd_arena_block *head; /* current block; older ones follow via ->next */
    size_t used;          /* bytes used in head */
    size_t total;         /* bytes of all blocks, for accounting */
} pd_arena;

#define PD_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void *pd_arena_alloc(pd_arena *a, size_t n);
void *pd_arena_calloc(pd_arena *a, size_t count, size_t size);
void *pd_arena_memdup(pd_arena *a, const void *src, size_t n);
/* Frees every block; the arena is empty and reusable afterwards. */
void pd_arena_free(pd_arena *a);

#endif
