/* Hashing and an interning hash map from byte strings to uint32 values.
 *
 * The map copies each key it keeps into its own arena, so a key may be built
 * in a scratch buffer; the copy stays at the same address until the map is
 * freed (string tables point at it). Open addressing, linear probing, the
 * full 64-bit hash kept per slot so most mismatches never touch the key. */
#ifndef PD_HASH_H
#define PD_HASH_H

#include "pd_arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t pd_hash_bytes(const void *p, size_t n);

typedef struct pd_keymap_slot {
    uint64_t hash; /* 0 = empty (real hashes are forced non-zero) */
    const uint8_t *key;
    uint32_t len;
    uint32_t val;
} pd_keymap_slot;

typedef struct pd_keymap {
    pd_keymap_slot *slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    size_t count;
    pd_arena keys;
} pd_keymap;

void pd_keymap_init(pd_keymap *m, size_t expected);
void pd_keymap_free(pd_keymap *m);

/* Returns the value stored for key. If the key is absent it is inserted with
 * value `val_if_new`, and *inserted (if not NULL) is set to true. *stored (if
 * not NULL) receives the map's own copy of the key. */
uint32_t pd_keymap_intern(pd_keymap *m, const void *key, size_t len, uint32_t val_if_new,
                          bool *inserted, const uint8_t **stored);
/* True and *val set if present. */
bool pd_keymap_get(const pd_keymap *m, const void *key, size_t len, uint32_t *val);

#endif
