/* gzip in and out, with the decompressed size bounded while inflating. */
#include "pd_profile.h"

#include "pd_buf.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

bool pd_is_gzip(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

int pd_gunzip(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
              pd_err *err)
{
    *out = NULL;
    *out_len = 0;
    if (max_out == 0)
        max_out = PD_PROFILE_DEFAULT_MAX_BYTES;

    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* 16 + MAX_WBITS: gzip wrapper only, as Go's gzip.Reader. */
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return pd_errf(err, -ENOMEM, "gzip: cannot initialise zlib");

    pd_buf b;
    pd_buf_init(&b, max_out); /* the buffer itself never grows past the cap */
    /* Start from a guess near typical ratios, capped by the limit. */
    size_t guess = len < max_out / 4 ? len * 4 + 1024 : max_out;
    if (guess > max_out)
        guess = max_out;
    int rc = 0;
    if (pd_buf_reserve(&b, guess) < 0) {
        rc = pd_errf(err, -ENOMEM, "gzip: cannot allocate %zu bytes", guess);
        goto out;
    }

    zs.next_in = (Bytef *)in;
    size_t in_left = len;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            zs.avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
            in_left -= zs.avail_in;
        }
        if (b.len == b.cap) {
            if (b.cap >= max_out) {
                rc = pd_errf(err, -E2BIG,
                             "gzip: decompressed size exceeds the limit of %zu bytes "
                             "(compressed %zu bytes; gzip bomb?)",
                             max_out, len);
                goto out;
            }
            size_t grow = b.cap < max_out - b.cap ? b.cap : max_out - b.cap;
            if (pd_buf_reserve(&b, grow) < 0) {
                rc = pd_errf(err, -ENOMEM, "gzip: cannot allocate output");
                goto out;
            }
        }
        size_t room = b.cap - b.len;
        zs.next_out = b.data + b.len;
        zs.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt before = zs.avail_out;
        int zrc = inflate(&zs, Z_NO_FLUSH);
        b.len += before - zs.avail_out;
        if (zrc == Z_STREAM_END) {
            size_t rest = zs.avail_in + in_left;
            if (rest == 0)
                break;
            /* Go's reader is multistream: another member may follow, anything
             * else is an error. */
            const uint8_t *next = zs.next_in;
            if (!pd_is_gzip(next, rest)) {
                rc = pd_errf(err, -EINVAL, "gzip: %zu bytes of trailing garbage after the stream",
                             rest);
                goto out;
            }
            if (inflateReset(&zs) != Z_OK) {
                rc = pd_errf(err, -EINVAL, "gzip: cannot reset stream");
                goto out;
            }
            continue;
        }
        if (zrc == Z_BUF_ERROR && zs.avail_out != 0) {
            rc = pd_errf(err, -EINVAL, "gzip: unexpected end of compressed data (truncated)");
            goto out;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = pd_errf(err, -EINVAL, "gzip: %s", zs.msg ? zs.msg : "corrupt data");
            goto out;
        }
        if (zrc == Z_OK && zs.avail_in == 0 && in_left == 0 && zs.avail_out != 0) {
            rc = pd_errf(err, -EINVAL, "gzip: unexpected end of compressed data (truncated)");
            goto out;
        }
    }
    *out = pd_buf_steal(&b, out_len);
out:
    inflateEnd(&zs);
    pd_buf_free(&b);
    return rc;
}

int pd_gzip(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    uint8_t *buf = pd_xmalloc(cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int zrc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (zrc != Z_STREAM_END) {
        free(buf);
        return -EIO;
    }
    *out = buf;
    *out_len = cap - zs.avail_out;
    return 0;
}

const char *pd_proto_zlib_version(void)
{
    return zlibVersion();
}
