/* gzip in and out, with the decompressed size bounded.
 *
 * libdeflate rather than zlib: profiles are small whole buffers, where its
 * one-shot decompressor is about three times faster than zlib's streaming
 * inflate (measured on 1000 real CPU profiles, see bench/README.md), and a
 * merge spends much of its time here. */
#include "pd_profile.h"
#include "pd_stored.h"

#include "pd_mem.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

bool pd_is_gzip(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* The size the last member says it decompresses to (mod 2^32). */
static size_t gzip_isize(const uint8_t *in, size_t len)
{
    if (len < 18)
        return 0;
    const uint8_t *p = in + len - 4;
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

static const char *result_name(enum libdeflate_result r)
{
    switch (r) {
    case LIBDEFLATE_BAD_DATA:
        return "corrupt or truncated data";
    case LIBDEFLATE_SHORT_OUTPUT:
        return "short output";
    case LIBDEFLATE_INSUFFICIENT_SPACE:
        return "output too large";
    default:
        return "error";
    }
}

/* One decompressor per thread, kept for the thread's life: allocating one
 * costs more than inflating a typical profile. */
static pthread_key_t decomp_key;
static pthread_once_t decomp_once = PTHREAD_ONCE_INIT;

static void decomp_free(void *d)
{
    libdeflate_free_decompressor(d);
}

static void decomp_key_init(void)
{
    if (pthread_key_create(&decomp_key, decomp_free) != 0)
        abort(); /* only at the limit of thread keys: a broken process */
}

static struct libdeflate_decompressor *thread_decompressor(void)
{
    pthread_once(&decomp_once, decomp_key_init);
    struct libdeflate_decompressor *d = pthread_getspecific(decomp_key);
    if (d == NULL) {
        d = libdeflate_alloc_decompressor();
        if (d != NULL && pthread_setspecific(decomp_key, d) != 0) {
            libdeflate_free_decompressor(d);
            d = NULL;
        }
    }
    return d;
}

int pd_gunzip(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
              pd_err *err)
{
    *out = NULL;
    *out_len = 0;
    if (max_out == 0)
        max_out = PD_PROFILE_DEFAULT_MAX_BYTES;
    if (!pd_is_gzip(in, len))
        return pd_errf(err, -EINVAL, "gzip: not gzip data");
    struct libdeflate_decompressor *d = thread_decompressor();
    if (d == NULL)
        return pd_errf(err, -ENOMEM, "gzip: cannot allocate a decompressor");
    /* The trailer records the (last member's) size: the right buffer at once
     * for an honest file. A truncated or corrupt one may claim anything, so
     * the claim only sizes the buffer (untouched pages cost nothing); the
     * limit is enforced by the room given to the decompressor. */
    size_t hint = gzip_isize(in, len);
    size_t cap = hint > 0 ? hint : (len < max_out / 4 ? len * 4 + 1024 : max_out);
    if (cap > max_out)
        cap = max_out;
    uint8_t *buf = pd_xmalloc(cap + 1);
    size_t produced = 0, consumed = 0;
    int rc = 0;
    /* Go's reader is multistream: members follow one another until the end. */
    while (consumed < len) {
        if (!pd_is_gzip(in + consumed, len - consumed)) {
            rc = pd_errf(err, -EINVAL, "gzip: %zu bytes of trailing garbage after the stream",
                         len - consumed);
            break;
        }
        size_t in_used = 0, out_used = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            d, in + consumed, len - consumed, buf + produced, cap - produced, &in_used, &out_used);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
            if (cap >= max_out) {
                rc = pd_errf(err, -E2BIG,
                             "gzip: decompressed size exceeds the limit of %zu bytes "
                             "(compressed %zu bytes; gzip bomb?)",
                             max_out, len);
                break;
            }
            cap = cap > max_out / 2 ? max_out : cap * 2;
            buf = pd_xrealloc(buf, cap + 1);
            continue; /* this member again, with room */
        }
        if (r != LIBDEFLATE_SUCCESS) {
            rc = pd_errf(err, -EINVAL, "gzip: %s at compressed byte %zu%s", result_name(r),
                         consumed, r == LIBDEFLATE_BAD_DATA ? " (truncated or corrupted?)" : "");
            break;
        }
        consumed += in_used;
        produced += out_used;
    }
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = produced;
    return 0;
}

int pd_gzip(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (c == NULL)
        return -ENOMEM;
    size_t cap = libdeflate_gzip_compress_bound(c, len);
    uint8_t *buf = pd_xmalloc(cap);
    size_t n = libdeflate_gzip_compress(c, in, len, buf, cap);
    libdeflate_free_compressor(c);
    if (n == 0) {
        free(buf);
        return -EIO;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

/* The stored form's blobs: the raw length as a varint, then raw deflate.
 * Measured on stored profiles and symbol chunks (bench/README.md), level 6
 * deflate is 4% smaller than zstd level 3 at the same speed: on blobs of a
 * few hundred bytes zstd's frame costs more than its better coder saves. */
#define PACK_LEVEL 6

static pthread_key_t comp_key;
static pthread_once_t comp_once = PTHREAD_ONCE_INIT;

static void comp_free(void *c)
{
    libdeflate_free_compressor(c);
}

static void comp_key_init(void)
{
    if (pthread_key_create(&comp_key, comp_free) != 0)
        abort(); /* only at the limit of thread keys: a broken process */
}

void pd_pack(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    pthread_once(&comp_once, comp_key_init);
    struct libdeflate_compressor *c = pthread_getspecific(comp_key);
    if (c == NULL) {
        c = libdeflate_alloc_compressor(PACK_LEVEL);
        if (c == NULL || pthread_setspecific(comp_key, c) != 0)
            abort(); /* out of memory, as pd_xmalloc treats it */
    }
    size_t cap = libdeflate_deflate_compress_bound(c, len) + 10;
    uint8_t *buf = pd_xmalloc(cap);
    size_t h = 0;
    for (uint64_t v = len; h == 0 || v > 0; v >>= 7)
        buf[h++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    size_t n = libdeflate_deflate_compress(c, in, len, buf + h, cap - h);
    if (n == 0)
        abort(); /* defensive: the buffer is the bound */
    *out = buf;
    *out_len = h + n;
}

int pd_unpack(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
              pd_err *err)
{
    *out = NULL;
    *out_len = 0;
    uint64_t size = 0;
    size_t h = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (h >= len || shift >= 64)
            return pd_errf(err, -EINVAL, "packed blob: bad length");
        size |= (uint64_t)(in[h] & 0x7f) << shift;
        if (in[h++] < 0x80)
            break;
    }
    if (size > max_out)
        return pd_errf(err, -E2BIG, "packed blob: %llu bytes, more than %zu",
                       (unsigned long long)size, max_out);
    struct libdeflate_decompressor *d = thread_decompressor();
    if (d == NULL)
        return pd_errf(err, -ENOMEM, "packed blob: no decompressor");
    uint8_t *buf = pd_xmalloc((size_t)size + 1);
    size_t got = 0;
    enum libdeflate_result r =
        libdeflate_deflate_decompress(d, in + h, len - h, buf, (size_t)size, &got);
    if (r != LIBDEFLATE_SUCCESS || got != size) {
        free(buf);
        return pd_errf(err, -EINVAL, "packed blob: corrupt (%s)",
                       r == LIBDEFLATE_SUCCESS ? "short" : result_name(r));
    }
    *out = buf;
    *out_len = got;
    return 0;
}

const char *pd_proto_deflate_version(void)
{
    return LIBDEFLATE_VERSION_STRING;
}
