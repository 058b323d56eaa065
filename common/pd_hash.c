#include "pd_hash.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* A MurmurHash3-style mix over 8-byte words: fast on the short, word-aligned
 * keys the merge builds (ids and indices), good enough spread for linear
 * probing. Not for adversarial inputs across trust boundaries of its own:
 * keys come from profiles already bounded in size. */
uint64_t pd_hash_bytes(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x87c37b91114253d5ULL);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        k *= 0x87c37b91114253d5ULL;
        k = rotl64(k, 31);
        k *= 0x4cf5ad432745937fULL;
        h ^= k;
        h = rotl64(h, 27) * 5 + 0x52dce729;
        s += 8;
        n -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t |= (uint64_t)s[i] << (8 * i);
    h ^= fmix64(t ^ 0x2545f4914f6cdd1dULL);
    h = fmix64(h);
    return h ? h : 1;
}

void pd_keymap_init(pd_keymap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    m->slots = pd_xcalloc(cap, sizeof(*m->slots));
    m->mask = cap - 1;
    m->count = 0;
    m->keys = (pd_arena)PD_ARENA_INIT;
}

void pd_keymap_free(pd_keymap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
    pd_arena_free(&m->keys);
}

static void keymap_grow(pd_keymap *m)
{
    size_t cap = (m->mask + 1) * 2;
    pd_keymap_slot *slots = pd_xcalloc(cap, sizeof(*slots));
    for (size_t i = 0; i <= m->mask; i++) {
        pd_keymap_slot *s = &m->slots[i];
        if (s->hash == 0)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].hash != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->mask = cap - 1;
}

static pd_keymap_slot *keymap_find(const pd_keymap *m, const void *key, size_t len, uint64_t h)
{
    size_t i = h & m->mask;
    for (;;) {
        pd_keymap_slot *s = &m->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
        i = (i + 1) & m->mask;
    }
}

uint32_t pd_keymap_intern(pd_keymap *m, const void *key, size_t len, uint32_t val_if_new,
                          bool *inserted, const uint8_t **stored)
{
    uint64_t h = pd_hash_bytes(key, len);
    pd_keymap_slot *s = keymap_find(m, key, len, h);
    if (s->hash != 0) {
        if (inserted)
            *inserted = false;
        if (stored)
            *stored = s->key;
        return s->val;
    }
    if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
        keymap_grow(m);
        s = keymap_find(m, key, len, h);
    }
    /* One spare NUL after the key so string keys can be used as C strings. */
    uint8_t *copy = pd_arena_alloc(&m->keys, len + 1);
    if (len > 0)
        memcpy(copy, key, len);
    copy[len] = 0;
    s->hash = h;
    s->key = copy;
    s->len = (uint32_t)len;
    s->val = val_if_new;
    m->count++;
    if (inserted)
        *inserted = true;
    if (stored)
        *stored = copy;
    return val_if_new;
}

bool pd_keymap_get(const pd_keymap *m, const void *key, size_t len, uint32_t *val)
{
    uint64_t h = pd_hash_bytes(key, len);
    pd_keymap_slot *s = keymap_find(m, key, len, h);
    if (s->hash == 0)
        return false;
    *val = s->val;
    return true;
}
