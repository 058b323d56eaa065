/* proto/gzip.c: bounded gunzip with Go's multistream semantics, and gzip. */
#include "pd_profile.h"
#include "tp.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* Every pd_xmalloc and pd_xrealloc the library makes passes here (linked
 * with -Wl,--wrap=...): the largest size asked for shows whether the output
 * buffer ever grew past the cap. A few bytes over it are allowed (room for
 * a terminator, say): CAP_SLACK. */
void *__real_pd_xrealloc(void *p, size_t n);
void *__wrap_pd_xrealloc(void *p, size_t n);
void *__real_pd_xmalloc(size_t n);
void *__wrap_pd_xmalloc(size_t n);
static size_t largest_alloc;
#define CAP_SLACK 4096

void *__wrap_pd_xrealloc(void *p, size_t n)
{
    if (n > largest_alloc)
        largest_alloc = n;
    return __real_pd_xrealloc(p, n);
}

void *__wrap_pd_xmalloc(size_t n)
{
    if (n > largest_alloc)
        largest_alloc = n;
    return __real_pd_xmalloc(n);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        /* compressible but not trivially: text-like bytes */
        d[i] = (uint8_t)("abcdefgh \n"[(x >> 16) % 10]);
    }
    return d;
}

static void gz(const void *in, size_t len, uint8_t **out, size_t *out_len)
{
    assert_int_equal(pd_gzip(in, len, 6, out, out_len), 0);
    assert_non_null(*out);
    assert_true(pd_is_gzip(*out, *out_len));
}

static void cat(uint8_t **buf, size_t *len, const void *more, size_t n)
{
    *buf = realloc(*buf, *len + n);
    memcpy(*buf + *len, more, n);
    *len += n;
}

static void test_is_gzip(void **state)
{
    (void)state;
    const uint8_t magic[] = {0x1f, 0x8b, 0x08};
    assert_true(pd_is_gzip(magic, 2));
    assert_true(pd_is_gzip(magic, 3));
    assert_false(pd_is_gzip(magic, 1));
    assert_false(pd_is_gzip(magic, 0));
    const uint8_t other[] = {0x1f, 0x8c};
    assert_false(pd_is_gzip(other, 2));
    const uint8_t proto[] = {0x0a, 0x04};
    assert_false(pd_is_gzip(proto, 2));
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 100, 4096, 300000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        uint8_t *in = pattern(n);
        uint8_t *z = NULL, *out = NULL;
        size_t zlen = 0, out_len = 99;
        gz(in, n, &z, &zlen);
        pd_err err = {{0}};
        assert_int_equal(pd_gunzip(z, zlen, 0, &out, &out_len, &err), 0);
        assert_string_equal(err.msg, "");
        assert_int_equal(out_len, n);
        if (n > 0)
            assert_memory_equal(out, in, n);
        free(in);
        free(z);
        free(out);
    }
}

static void test_multi_member_concatenation(void **state)
{
    (void)state;
    /* Go's gzip.Reader is multistream: members decode one after another. */
    uint8_t *all = NULL;
    size_t all_len = 0;
    const char *parts[] = {"hello ", "", "gzip ", "world"};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *z;
        size_t zlen;
        gz(parts[i], strlen(parts[i]), &z, &zlen);
        cat(&all, &all_len, z, zlen);
        free(z);
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(all, all_len, 0, &out, &out_len, &err), 0);
    assert_int_equal(out_len, 16);
    assert_memory_equal(out, "hello gzip world", 16);
    free(out);
    free(all);
}

static void test_multi_member_large(void **state)
{
    (void)state;
    /* members larger than the first output guess, so the buffer grows
     * between members */
    uint8_t *a = pattern(200000), *b = pattern(150000);
    b[0] = 'X';
    uint8_t *all = NULL, *z;
    size_t all_len = 0, zlen;
    gz(a, 200000, &z, &zlen);
    cat(&all, &all_len, z, zlen);
    free(z);
    gz(b, 150000, &z, &zlen);
    cat(&all, &all_len, z, zlen);
    free(z);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(pd_gunzip(all, all_len, 0, &out, &out_len, NULL), 0);
    assert_int_equal(out_len, 350000);
    assert_memory_equal(out, a, 200000);
    assert_memory_equal(out + 200000, b, 150000);
    free(out);
    free(all);
    free(a);
    free(b);
}

static void test_header_fields_are_skipped(void **state)
{
    (void)state;
    /* a member with a file name, a comment, an extra field and a header
     * CRC (gzip -N, nginx's gzip_static) reads as any other */
    const char *text = "a profile with a named gzip header";
    uint8_t z[512];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = z;
    zs.avail_out = sizeof(z);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t plain_len = sizeof(z) - zs.avail_out;
    deflateEnd(&zs);
    /* Rebuild the member with FEXTRA, FNAME and FCOMMENT fields after the
     * 10-byte fixed header (built by hand: zlib's own header API trips
     * ASan inside Debian's zlib). */
    static const uint8_t extra[] = {6, 0, 'X', 'Y', 2, 0, 'a', 'b'}; /* XLEN, subfield XY */
    static const char name[] = "profile.pb";
    static const char comment[] = "made by a test";
    uint8_t g[1024];
    size_t zlen = 0;
    memcpy(g, z, 10);
    g[3] = 0x04 | 0x08 | 0x10;
    zlen = 10;
    memcpy(g + zlen, extra, sizeof(extra));
    zlen += sizeof(extra);
    memcpy(g + zlen, name, sizeof(name));
    zlen += sizeof(name);
    memcpy(g + zlen, comment, sizeof(comment));
    zlen += sizeof(comment);
    memcpy(g + zlen, z + 10, plain_len - 10);
    zlen += plain_len - 10;
    memcpy(z, g, zlen);
    uint8_t *out = NULL;
    size_t out_len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(z, zlen, 0, &out, &out_len, &err), 0);
    assert_int_equal(out_len, strlen(text));
    assert_memory_equal(out, text, out_len);
    free(out);
}

static void test_trailing_garbage_is_an_error(void **state)
{
    (void)state;
    uint8_t *z;
    size_t zlen;
    gz("profile", 7, &z, &zlen);
    const char *tails[] = {"junk", "\0", "\0\0\0\0\0\0\0\0", "\x1f"};
    size_t tail_lens[] = {4, 1, 8, 1};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        cat(&buf, &len, z, zlen);
        cat(&buf, &len, tails[i], tail_lens[i]);
        uint8_t *out = (uint8_t *)buf;
        size_t out_len = 7;
        pd_err err = {{0}};
        assert_int_equal(pd_gunzip(buf, len, 0, &out, &out_len, &err), -EINVAL);
        assert_null(out);
        assert_int_equal(out_len, 0);
        assert_contains(err.msg, "gzip:");
        assert_contains(err.msg, "trailing garbage");
        free(buf);
    }
    free(z);
}

static void test_truncated_stream_is_an_error(void **state)
{
    (void)state;
    uint8_t *in = pattern(4000);
    uint8_t *z;
    size_t zlen;
    gz(in, 4000, &z, &zlen);
    /* every proper prefix fails: header, deflate data, trailer */
    for (size_t cut = 0; cut < zlen; cut++) {
        uint8_t *out = z;
        size_t out_len = 1;
        pd_err err = {{0}};
        int rc = pd_gunzip(z, cut, 1u << 20, &out, &out_len, &err);
        if (rc != -EINVAL)
            fail_msg("prefix of %zu/%zu bytes: rc %d (%s)", cut, zlen, rc, err.msg);
        assert_null(out);
        assert_int_equal(out_len, 0);
        assert_contains(err.msg, "gzip:");
    }
    /* cut in the middle of the data and in the trailer: named as truncation */
    size_t cuts[] = {zlen / 2, zlen - 4, zlen - 1};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *out = NULL;
        size_t out_len = 0;
        pd_err err = {{0}};
        assert_int_equal(pd_gunzip(z, cuts[i], 0, &out, &out_len, &err), -EINVAL);
        assert_contains(err.msg, "truncated");
    }
    free(in);
    free(z);
}

static void test_corrupt_crc_is_an_error(void **state)
{
    (void)state;
    uint8_t *z;
    size_t zlen;
    gz("some profile bytes", 18, &z, &zlen);
    z[zlen - 8] ^= 0xff; /* CRC32 of the trailer */
    uint8_t *out = NULL;
    size_t out_len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(z, zlen, 0, &out, &out_len, &err), -EINVAL);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_contains(err.msg, "gzip:");
    /* and a corrupt length (ISIZE) */
    z[zlen - 8] ^= 0xff;
    z[zlen - 1] ^= 0x01;
    pd_err_clear(&err);
    assert_int_equal(pd_gunzip(z, zlen, 0, &out, &out_len, &err), -EINVAL);
    assert_null(out);
    /* and a flipped bit in the deflate data */
    z[zlen - 1] ^= 0x01;
    z[12] ^= 0x10;
    pd_err_clear(&err);
    assert_int_equal(pd_gunzip(z, zlen, 0, &out, &out_len, &err), -EINVAL);
    assert_null(out);
    free(z);
}

static void test_not_gzip_is_an_error(void **state)
{
    (void)state;
    /* a zlib (RFC 1950) stream is not gzip: Go's reader refuses it too */
    uint8_t zbuf[64];
    uLongf zl = sizeof(zbuf);
    assert_int_equal(compress(zbuf, &zl, (const Bytef *)"abc", 3), Z_OK);
    uint8_t *out = NULL;
    size_t out_len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(zbuf, zl, 0, &out, &out_len, &err), -EINVAL);
    assert_null(out);
    assert_contains(err.msg, "gzip:");
    pd_err_clear(&err);
    assert_int_equal(pd_gunzip((const uint8_t *)"", 0, 0, &out, &out_len, &err), -EINVAL);
    assert_null(out);
}

static void test_cap_exact_size_is_allowed(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *in = pattern(n);
    uint8_t *z, *out = NULL;
    size_t zlen, out_len = 0;
    gz(in, n, &z, &zlen);
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(z, zlen, n, &out, &out_len, &err), 0);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, in, n);
    free(out);
    /* a power-of-two cap one byte short of the output is refused */
    uint8_t *zz;
    size_t zzlen;
    uint8_t *big = pattern(65537);
    gz(big, 65537, &zz, &zzlen);
    out = zz;
    assert_int_equal(pd_gunzip(zz, zzlen, 65536, &out, &out_len, &err), -E2BIG);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_contains(err.msg, "exceeds the limit of 65536 bytes");
    free(zz);
    free(big);
    free(z);
    free(in);
}

/* A single gzip member of `mib` MiB of zeros, made in milliseconds: one
 * full-flushed block of 1 MiB of zeros compresses to the same bytes every
 * time, so it is repeated, and the trailer is computed with crc32_combine. */
static uint8_t *zero_bomb(unsigned mib, size_t *len)
{
    static uint8_t zeros[1 << 20];
    size_t cap = 64 * 1024;
    uint8_t *o1 = malloc(cap), *o2 = malloc(cap), *o3 = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uint8_t *outs[3] = {o1, o2, o3};
    size_t lens[3];
    for (int i = 0; i < 3; i++) {
        zs.next_in = zeros;
        zs.avail_in = i < 2 ? sizeof(zeros) : 0;
        zs.next_out = outs[i];
        zs.avail_out = (uInt)cap;
        int zrc = deflate(&zs, i < 2 ? Z_FULL_FLUSH : Z_FINISH);
        assert_int_equal(zrc, i < 2 ? Z_OK : Z_STREAM_END);
        lens[i] = cap - zs.avail_out;
    }
    deflateEnd(&zs);
    /* o1 = gzip header + block, o2 = block, o3 = final block + trailer */
    assert_true(lens[0] > lens[1] && lens[2] > 8);
    assert_memory_equal(o1 + lens[0] - lens[1], o2, lens[1]);
    uLong crc1 = crc32(0, zeros, sizeof(zeros));
    uLong crc = crc1;
    for (unsigned i = 1; i < mib; i++)
        crc = crc32_combine(crc, crc1, sizeof(zeros));
    uint32_t isize = (uint32_t)((uint64_t)mib << 20);
    size_t n = lens[0] + (size_t)(mib - 1) * lens[1] + lens[2];
    uint8_t *b = malloc(n);
    size_t off = 0;
    memcpy(b, o1, lens[0]);
    off += lens[0];
    for (unsigned i = 1; i < mib; i++) {
        memcpy(b + off, o2, lens[1]);
        off += lens[1];
    }
    memcpy(b + off, o3, lens[2] - 8);
    off += lens[2] - 8;
    for (int i = 0; i < 4; i++)
        b[off++] = (uint8_t)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        b[off++] = (uint8_t)(isize >> (8 * i));
    assert_int_equal(off, n);
    free(o1);
    free(o2);
    free(o3);
    *len = n;
    return b;
}

/* Streams the whole member through zlib into a small window: proves the
 * bomb is a valid gzip stream of exactly that many zero bytes. */
static void check_bomb_valid(const uint8_t *b, size_t len, uint64_t want)
{
    static uint8_t window[1 << 16];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
    zs.next_in = (Bytef *)b;
    zs.avail_in = (uInt)len;
    uint64_t total = 0;
    int zrc;
    do {
        zs.next_out = window;
        zs.avail_out = sizeof(window);
        zrc = inflate(&zs, Z_NO_FLUSH);
        assert_true(zrc == Z_OK || zrc == Z_STREAM_END);
        total += sizeof(window) - zs.avail_out;
    } while (zrc != Z_STREAM_END);
    inflateEnd(&zs);
    assert_int_equal(zs.avail_in, 0);
    assert_true(total == want);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_gzip_bomb_fails_fast_within_cap(void **state)
{
    (void)state;
    /* the generator makes valid streams (checked on a small one; a full
     * check of 100 MiB would take longer than the test itself) */
    size_t small_len;
    uint8_t *small = zero_bomb(8, &small_len);
    check_bomb_valid(small, small_len, 8ull << 20);
    free(small);

    size_t len;
    uint8_t *bomb = zero_bomb(100, &len);
    assert_true(len < 200 * 1024); /* 100 MiB in well under 1/500 of it */

    size_t cap = 1u << 20;
    largest_alloc = 0;
    uint8_t *out = NULL;
    size_t out_len = 5;
    pd_err err = {{0}};
    double t0 = now();
    int rc = pd_gunzip(bomb, len, cap, &out, &out_len, &err);
    double took = now() - t0;
    assert_int_equal(rc, -E2BIG);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_contains(err.msg, "exceeds the limit of 1048576 bytes");
    /* the output buffer never grew past the cap */
    assert_true(largest_alloc > 0);
    if (largest_alloc > cap + CAP_SLACK)
        fail_msg("pd_gunzip asked for %zu bytes under a cap of %zu", largest_alloc, cap);
    /* and it stopped at the cap instead of inflating 100 MiB */
    if (took > 0.25)
        fail_msg("gzip bomb took %.3f s to refuse", took);

    /* the same through pd_profile_decode's cap */
    largest_alloc = 0;
    pd_profile *p = (pd_profile *)bomb;
    pd_err_clear(&err);
    assert_int_equal(pd_profile_decode(bomb, len, cap, &p, &err), -E2BIG);
    assert_null(p);
    assert_contains(err.msg, "gzip");
    assert_true(largest_alloc <= cap + CAP_SLACK);
    free(bomb);
}

static void test_multi_member_bomb_is_capped(void **state)
{
    (void)state;
    /* 16 members of 1 MiB of zeros: the cap counts the total output */
    size_t one_len;
    uint8_t *one = zero_bomb(1, &one_len);
    uint8_t *all = NULL;
    size_t all_len = 0;
    for (int i = 0; i < 16; i++)
        cat(&all, &all_len, one, one_len);
    largest_alloc = 0;
    uint8_t *out = NULL;
    size_t out_len = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_gunzip(all, all_len, 4u << 20, &out, &out_len, &err), -E2BIG);
    assert_null(out);
    assert_contains(err.msg, "exceeds the limit of 4194304 bytes");
    if (largest_alloc > (4u << 20) + CAP_SLACK)
        fail_msg("pd_gunzip asked for %zu bytes under a cap of %u", largest_alloc, 4u << 20);
    /* with room for everything it decodes to 16 MiB of zeros */
    pd_err_clear(&err);
    assert_int_equal(pd_gunzip(all, all_len, 16u << 20, &out, &out_len, &err), 0);
    assert_int_equal(out_len, 16u << 20);
    for (size_t i = 0; i < out_len; i += 4093)
        assert_int_equal(out[i], 0);
    free(out);
    free(all);
    free(one);
}

/* The cap holds whatever its value, not only where the output buffer's
 * doubling happens to land on it: the buffer never takes room past the cap
 * and inflate is never handed more than the cap allows. (Found while writing
 * these tests: the buffer used to round up to a power of two and accept
 * output of almost twice the cap.) */
static void test_cap_is_exact_for_any_cap(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *in = pattern(n);
    uint8_t *z, *out = NULL;
    size_t zlen, out_len = 0;
    gz(in, n, &z, &zlen);
    pd_err err = {{0}};
    int rc = pd_gunzip(z, zlen, n - 1, &out, &out_len, &err);
    free(out);
    free(z);
    free(in);
    if (rc != -E2BIG)
        fail_msg("%zu bytes of output accepted under a cap of %zu (rc %d, out_len %zu)", n, n - 1,
                 rc, out_len);

    /* 4 MiB of zeros under a 3 MiB cap */
    size_t blen;
    uint8_t *bomb = zero_bomb(4, &blen);
    largest_alloc = 0;
    out = NULL;
    pd_err_clear(&err);
    rc = pd_gunzip(bomb, blen, 3u << 20, &out, &out_len, &err);
    free(out);
    free(bomb);
    if (rc != -E2BIG)
        fail_msg("4 MiB accepted under a cap of 3 MiB (rc %d, out_len %zu)", rc, out_len);
    if (largest_alloc > (3u << 20) + CAP_SLACK)
        fail_msg("pd_gunzip asked for %zu bytes under a cap of %u", largest_alloc, 3u << 20);

    /* and through pd_profile_decode: a profile one byte over the cap */
    pd_profile *p = tp_new("samples/count", "cpu/nanoseconds", 10);
    tp_stack(p, "a;main", TP_V(3), NULL);
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    assert_int_equal(pd_profile_encode(p, false, &raw, &raw_len, &err), 0);
    assert_int_equal(pd_profile_encode(p, true, &z, &zlen, &err), 0);
    pd_profile *q = NULL;
    pd_err_clear(&err);
    rc = pd_profile_decode(z, zlen, raw_len - 1, &q, &err);
    pd_profile_free(q);
    pd_profile_free(p);
    free(raw);
    free(z);
    if (rc != -E2BIG)
        fail_msg("a profile of %zu bytes decoded under a cap of %zu (rc %d)", raw_len, raw_len - 1,
                 rc);
}

static void test_decode_reads_gzip_and_caps_raw(void **state)
{
    (void)state;
    pd_profile *p = tp_new("samples/count", "cpu/nanoseconds", 10);
    tp_stack(p, "a;main", TP_V(3), NULL);
    uint8_t *z = NULL;
    size_t zlen = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_encode(p, true, &z, &zlen, &err), 0);
    assert_true(pd_is_gzip(z, zlen));
    pd_profile *q = NULL;
    assert_int_equal(pd_profile_decode(z, zlen, 0, &q, &err), 0);
    assert_render(q, "a;main 3\n");
    pd_profile_free(q);

    /* raw bytes over the cap (gzip over the cap: see the tests above) */
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    assert_int_equal(pd_profile_encode(p, false, &raw, &raw_len, &err), 0);
    pd_err_clear(&err);
    q = p;
    assert_int_equal(pd_profile_decode(raw, raw_len, raw_len - 1, &q, &err), -E2BIG);
    assert_null(q);
    assert_contains(err.msg, "exceeds the limit");
    /* exactly at the cap, both ways */
    assert_int_equal(pd_profile_decode(raw, raw_len, raw_len, &q, &err), 0);
    pd_profile_free(q);
    assert_int_equal(pd_profile_decode(z, zlen, raw_len, &q, &err), 0);
    pd_profile_free(q);
    free(raw);
    free(z);
    pd_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_gzip),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_multi_member_concatenation),
        cmocka_unit_test(test_multi_member_large),
        cmocka_unit_test(test_header_fields_are_skipped),
        cmocka_unit_test(test_trailing_garbage_is_an_error),
        cmocka_unit_test(test_truncated_stream_is_an_error),
        cmocka_unit_test(test_corrupt_crc_is_an_error),
        cmocka_unit_test(test_not_gzip_is_an_error),
        cmocka_unit_test(test_cap_exact_size_is_allowed),
        cmocka_unit_test(test_gzip_bomb_fails_fast_within_cap),
        cmocka_unit_test(test_multi_member_bomb_is_capped),
        cmocka_unit_test(test_decode_reads_gzip_and_caps_raw),
        cmocka_unit_test(test_cap_is_exact_for_any_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
