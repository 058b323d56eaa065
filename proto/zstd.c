/* zstd for the stored form. Level 3 (zstd's default): on stored profiles it
 * is both smaller and faster than deflate at level 6 (bench/README.md). */
#include "pd_stored.h"

#include "pd_mem.h"

#include <zstd.h>

#include <stdio.h>
#include <stdlib.h>

#define LEVEL 3

void pd_zstd_compress(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    uint8_t *buf = pd_xmalloc(cap + 1);
    size_t n = ZSTD_compress(buf, cap, in, len, LEVEL);
    if (ZSTD_isError(n)) { /* defensive: the buffer is the bound, so only memory fails */
        fprintf(stderr, "pprofd: zstd: %s\n", ZSTD_getErrorName(n));
        abort();
    }
    *out = buf;
    *out_len = n;
}

int pd_zstd_decompress(const uint8_t *in, size_t len, size_t max_out, uint8_t **out,
                       size_t *out_len, pd_err *err)
{
    *out = NULL;
    *out_len = 0;
    unsigned long long size = ZSTD_getFrameContentSize(in, len);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
        return pd_errf(err, -EINVAL, "zstd: not a frame with a known size");
    if (size > max_out)
        return pd_errf(err, -E2BIG, "zstd: %llu bytes, more than %zu", size, max_out);
    uint8_t *buf = pd_xmalloc((size_t)size + 1);
    size_t n = ZSTD_decompress(buf, (size_t)size, in, len);
    if (ZSTD_isError(n) || n != size) {
        free(buf);
        return pd_errf(err, -EINVAL, "zstd: %s",
                       ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
    }
    *out = buf;
    *out_len = n;
    return 0;
}
