/* Private to proto/: the varint codec of the stored form (symbol chunks and
 * sample columns). Writers append to a pd_buf without a maximum; readers
 * check every byte against the end and remember the first failure, so a
 * decoder reads on and tests `bad` once. */
#ifndef PD_PROTO_COLS_H
#define PD_PROTO_COLS_H

#include "pd_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void cols_put_u(pd_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    (void)pd_buf_append(b, tmp, n); /* no maximum: cannot fail */
}

static inline void cols_put_s(pd_buf *b, int64_t v)
{
    cols_put_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static inline void cols_put_bytes(pd_buf *b, const void *p, size_t n)
{
    cols_put_u(b, n);
    if (n > 0)
        (void)pd_buf_append(b, p, n);
}

typedef struct cols_rd {
    const uint8_t *p, *end;
    bool bad;
} cols_rd;

static inline uint64_t cols_u(cols_rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80)
            return v;
    }
    r->bad = true;
    return 0;
}

static inline int64_t cols_s(cols_rd *r)
{
    uint64_t u = cols_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A 32-bit id or count; larger values mark the reader bad. */
static inline uint32_t cols_u32(cols_rd *r)
{
    uint64_t v = cols_u(r);
    if (v > UINT32_MAX) {
        r->bad = true;
        return 0;
    }
    return (uint32_t)v;
}

/* n bytes in place (borrowed from the input), NULL if past the end. */
static inline const uint8_t *cols_bytes(cols_rd *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

/* A count of entries that each take at least one byte: more than the bytes
 * left cannot be honest, so no allocation is sized by a lie. */
static inline uint32_t cols_count(cols_rd *r)
{
    uint32_t n = cols_u32(r);
    if (n > (size_t)(r->end - r->p)) {
        r->bad = true;
        return 0;
    }
    return n;
}

#endif
