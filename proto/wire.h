/* A bounds-checked reader of the protobuf wire format, private to proto/.
 * Every read checks the remaining length; errors name the byte offset from
 * the start of the message so a broken file can be inspected. */
#ifndef PD_WIRE_H
#define PD_WIRE_H

#include "pd_err.h"

#include <stddef.h>
#include <stdint.h>

/* Wire types; groups (3, 4) are only named to be refused. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

/* Field numbers of the Profile message of profile.proto (the decoder's,
 * and the unit tests' that build messages byte by byte). */
enum {
    F_SAMPLE_TYPE = 1,
    F_SAMPLE = 2,
    F_MAPPING = 3,
    F_LOCATION = 4,
    F_FUNCTION = 5,
    F_STRING_TABLE = 6,
    F_DROP_FRAMES = 7,
    F_KEEP_FRAMES = 8,
    F_TIME_NANOS = 9,
    F_DURATION_NANOS = 10,
    F_PERIOD_TYPE = 11,
    F_PERIOD = 12,
    F_COMMENT = 13,
    F_DEFAULT_SAMPLE_TYPE = 14,
};

typedef struct wire_rd {
    const uint8_t *p;
    const uint8_t *end;
    const uint8_t *origin; /* start of the whole buffer, for offsets */
} wire_rd;

/* One decoded field: for WT_LEN, data/len; otherwise u64. */
typedef struct wire_field {
    uint64_t num;
    int wt;
    uint64_t u64;
    const uint8_t *data;
    size_t len;
    size_t offset; /* of the field's key */
} wire_field;

static inline __attribute__((always_inline)) int wire_varint(wire_rd *r, uint64_t *v, pd_err *err)
{
    uint64_t u = 0;
    const uint8_t *p = r->p;
    if (p < r->end && p[0] < 0x80) { /* most varints in a profile are one byte */
        *v = p[0];
        r->p = p + 1;
        return 0;
    }
    for (int i = 0;; i++) {
        if (i >= 10 || p + i >= r->end)
            return pd_errf(err, -EINVAL, "bad varint at byte %zu (%s)", (size_t)(p - r->origin),
                           i >= 10 ? "longer than 10 bytes" : "truncated");
        u |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            r->p = p + i + 1;
            *v = u;
            return 0;
        }
    }
}

/* Reads the next field; r must not be at its end. */
static inline __attribute__((always_inline)) int wire_next(wire_rd *r, wire_field *f, pd_err *err)
{
    uint64_t key = 0;
    f->offset = (size_t)(r->p - r->origin);
    int rc = wire_varint(r, &key, err);
    if (rc < 0)
        return rc;
    f->num = key >> 3;
    f->wt = (int)(key & 7);
    f->data = NULL;
    f->len = 0;
    f->u64 = 0;
    switch (f->wt) {
    case WT_VARINT:
        return wire_varint(r, &f->u64, err);
    case WT_I64:
        if (r->end - r->p < 8)
            return pd_errf(err, -EINVAL, "truncated message: field %llu needs 8 bytes at byte %zu",
                           (unsigned long long)f->num, f->offset);
        f->u64 = 0;
        for (int i = 7; i >= 0; i--)
            f->u64 = (f->u64 << 8) | r->p[i];
        r->p += 8;
        return 0;
    case WT_I32:
        if (r->end - r->p < 4)
            return pd_errf(err, -EINVAL, "truncated message: field %llu needs 4 bytes at byte %zu",
                           (unsigned long long)f->num, f->offset);
        f->u64 = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 | (uint64_t)r->p[2] << 16 |
                 (uint64_t)r->p[3] << 24;
        r->p += 4;
        return 0;
    case WT_LEN: {
        uint64_t n = 0;
        rc = wire_varint(r, &n, err);
        if (rc < 0)
            return rc;
        if (n > (uint64_t)(r->end - r->p))
            return pd_errf(err, -EINVAL,
                           "truncated message: field %llu at byte %zu has length %llu but only "
                           "%zu bytes remain",
                           (unsigned long long)f->num, f->offset, (unsigned long long)n,
                           (size_t)(r->end - r->p));
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        return 0;
    }
    default:
        return pd_errf(err, -EINVAL, "unknown wire type %d at byte %zu (field %llu)%s", f->wt,
                       f->offset, (unsigned long long)f->num,
                       f->offset == 0 ? "; not a protobuf profile" : "");
    }
}

static inline wire_rd wire_sub(const wire_rd *parent, const wire_field *f)
{
    wire_rd r = {f->data, f->data + f->len, parent->origin};
    return r;
}

#endif
