/* proto/decode.c and encode.c: the wire format, and every rule of Go's
 * profile.Parse the decoder enforces. Malformed inputs are written field by
 * field with the tpw writer, so each test shows the exact bytes at fault. */
#include "pd_profile.h"
#include "tp.h"
#include "wire.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#define NEG1 UINT64_MAX /* -1 as a varint: ten bytes */

/* --- bytes of small messages -------------------------------------------- */

/* The string table every hand-written profile here uses: 9 entries. */
static const char *const STRS[] = {"",     "samples", "count", "main", "cpu", "nanoseconds",
                                   "file", "k",       "v"};
enum { S_SAMPLES = 1, S_COUNT, S_MAIN, S_CPU, S_NS, S_FILE, S_K, S_V, NSTRS };

static void strings(tpw *w)
{
    for (int i = 0; i < NSTRS; i++)
        tpw_s(w, F_STRING_TABLE, STRS[i]);
}

static void value_type(tpw *w, uint32_t field, uint64_t type, uint64_t unit)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, type);
    tpw_u(&m, 2, unit);
    tpw_msg(w, field, &m);
}

static void function(tpw *w, uint64_t id, uint64_t name)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, id);
    tpw_u(&m, 2, name);
    tpw_msg(w, F_FUNCTION, &m);
}

static void mapping(tpw *w, uint64_t id, uint64_t file)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, id);
    tpw_u(&m, 2, 0x400000);
    tpw_u(&m, 3, 0x800000);
    tpw_u(&m, 5, file);
    tpw_msg(w, F_MAPPING, &m);
}

/* A location with one line of function fn_id (0 = no function id field). */
static void location(tpw *w, uint64_t id, uint64_t mapping_id, uint64_t fn_id)
{
    tpw line;
    tpw_init(&line);
    if (fn_id != 0)
        tpw_u(&line, 1, fn_id);
    tpw_u(&line, 2, 7);
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, id);
    if (mapping_id != 0)
        tpw_u(&m, 2, mapping_id);
    tpw_u(&m, 3, 0x401000);
    tpw_msg(&m, 4, &line);
    tpw_msg(w, F_LOCATION, &m);
}

/* A sample on one location with one value. */
static void sample(tpw *w, uint64_t loc_id, int64_t value)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, loc_id);
    tpw_u(&m, 2, (uint64_t)value);
    tpw_msg(w, F_SAMPLE, &m);
}

/* A valid profile: samples/count, period cpu/nanoseconds 10, one function
 * "main" (id 1), one location (id 1), one sample of 5 on it. */
static void base(tpw *w)
{
    tpw_init(w);
    strings(w);
    value_type(w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
    value_type(w, F_PERIOD_TYPE, S_CPU, S_NS);
    tpw_u(w, F_PERIOD, 10);
    function(w, 1, S_MAIN);
    location(w, 1, 0, 1);
    sample(w, 1, 5);
}

/* Expects decoding to fail with -EINVAL and a message holding every one of
 * the substrings given. */
static void expect_err_at(tpw *w, const char *const *subs, int line)
{
    char msg[PD_ERR_MAX];
    int rc = tp_decode_err(w, msg);
    if (rc != -EINVAL)
        fail_msg("line %d: rc %d, want -EINVAL (%s)", line, rc, msg);
    for (const char *const *s = subs; *s != NULL; s++)
        tp_assert_contains(msg, *s, __FILE__, line);
    tpw_free(w);
}
#define expect_err(w, ...) expect_err_at((w), (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

/* --- round trip ------------------------------------------------------------ */

static pd_profile *rich_profile(void)
{
    pd_profile *p = tp_new("alloc_objects/count,alloc_space/bytes", "space/bytes", 524288);
    p->time_nanos = 1700000000123456789;
    p->duration_nanos = 30000000000;
    p->drop_frames = tp_str(p, "runtime\\..*");
    p->keep_frames = tp_str(p, "main\\..*");
    p->default_sample_type = tp_str(p, "alloc_space");
    tp_comment(p, "first comment");
    tp_comment(p, "second comment");
    uint32_t m1 = tp_map(p, 0x400000, 0x4a0000, 0x1000, "/usr/bin/app", "abc123");
    uint32_t m2 = tp_map(p, 0x7f0000000000, 0x7f0000100000, 0, "/lib/libc.so.6", "");
    p->mappings[0].has_filenames = true;
    p->mappings[0].has_line_numbers = true;
    p->mappings[0].has_inline_frames = true;
    p->mappings[1].has_functions = false;
    tp_fn_full(p, "main.main", "main.main", "/src/main.go", 10);
    tp_fn_full(p, "main.(*T).work", "main.(*T).work.sys", "/src/t.go", -3);
    uint32_t l1 = tp_loc(p, m1, 0x401234, "main.(*T).work:42;main.main:12");
    uint32_t l2 = tp_loc(p, m1, 0x401100, "main.main:15");
    uint32_t l3 = tp_loc(p, m2, 0x7f0000000100, NULL);
    uint32_t l4 = tp_loc(p, 0, 0x99, "main.main:0");
    p->locations[l2].is_folded = true;
    tp_sample_locs(p, (uint32_t[]){l1, l2}, 2, TP_V(1, 512), "bytes#512,span=a,span=b");
    tp_sample_locs(p, (uint32_t[]){l3, l1, l2}, 3, TP_V(-7, INT64_MIN), "size#-9@bytes");
    tp_sample_locs(p, (uint32_t[]){l4}, 1, TP_V(INT64_MAX, 0), "unitonly#0@seconds");
    tp_sample_locs(p, NULL, 0, TP_V(3, 4), NULL);
    /* a label value with a NUL byte inside */
    pd_sample *s = &p->samples[3];
    s->labels = pd_arena_calloc(&p->arena, 1, sizeof(pd_sample_label));
    s->labels[0] = (pd_sample_label){tp_str(p, "bin"), pd_profile_intern(p, "a\0b", 3), 0, 0};
    s->nlabels = 1;
    return p;
}

static bool same_str(const pd_profile *a, uint32_t i, const pd_profile *b, uint32_t j)
{
    return a->strings[i].len == b->strings[j].len &&
           memcmp(a->strings[i].ptr, b->strings[j].ptr, a->strings[i].len) == 0;
}

static void assert_same_profile(const pd_profile *a, const pd_profile *b)
{
    char *ha = tp_render_header(a);
    assert_header(b, ha);
    free(ha);
    char *ra = tp_render(a);
    assert_render(b, ra);
    free(ra);
    assert_int_equal(a->nmappings, b->nmappings);
    for (uint32_t i = 0; i < a->nmappings; i++) {
        const pd_mapping *x = &a->mappings[i], *y = &b->mappings[i];
        assert_int_equal(x->id, y->id);
        assert_int_equal(x->start, y->start);
        assert_int_equal(x->limit, y->limit);
        assert_int_equal(x->offset, y->offset);
        assert_true(same_str(a, x->file, b, y->file));
        assert_true(same_str(a, x->build_id, b, y->build_id));
        assert_int_equal(x->has_functions, y->has_functions);
        assert_int_equal(x->has_filenames, y->has_filenames);
        assert_int_equal(x->has_line_numbers, y->has_line_numbers);
        assert_int_equal(x->has_inline_frames, y->has_inline_frames);
    }
    assert_int_equal(a->nfunctions, b->nfunctions);
    for (uint32_t i = 0; i < a->nfunctions; i++) {
        const pd_function *x = &a->functions[i], *y = &b->functions[i];
        assert_int_equal(x->id, y->id);
        assert_true(same_str(a, x->name, b, y->name));
        assert_true(same_str(a, x->system_name, b, y->system_name));
        assert_true(same_str(a, x->filename, b, y->filename));
        assert_int_equal(x->start_line, y->start_line);
    }
    assert_int_equal(a->nlocations, b->nlocations);
    for (uint32_t i = 0; i < a->nlocations; i++) {
        const pd_location *x = &a->locations[i], *y = &b->locations[i];
        assert_int_equal(x->id, y->id);
        assert_int_equal(x->address, y->address);
        assert_int_equal(x->mapping, y->mapping);
        assert_int_equal(x->is_folded, y->is_folded);
        assert_int_equal(x->nlines, y->nlines);
        for (uint32_t j = 0; j < x->nlines; j++) {
            assert_int_equal(x->lines[j].function, y->lines[j].function);
            assert_int_equal(x->lines[j].line, y->lines[j].line);
        }
    }
    assert_int_equal(a->nsamples, b->nsamples);
    for (uint32_t i = 0; i < a->nsamples; i++) {
        assert_int_equal(a->samples[i].nlocs, b->samples[i].nlocs);
        for (uint32_t j = 0; j < a->samples[i].nlocs; j++)
            assert_int_equal(a->samples[i].locs[j], b->samples[i].locs[j]);
        assert_int_equal(a->samples[i].nlabels, b->samples[i].nlabels);
        for (uint32_t j = 0; j < a->samples[i].nlabels; j++) {
            const pd_sample_label *x = &a->samples[i].labels[j], *y = &b->samples[i].labels[j];
            assert_true(same_str(a, x->key, b, y->key));
            assert_true(same_str(a, x->str, b, y->str));
            assert_true(same_str(a, x->unit, b, y->unit));
            assert_int_equal(x->num, y->num);
        }
    }
}

static void test_roundtrip_preserves_everything(void **state)
{
    (void)state;
    pd_profile *p = rich_profile();
    assert_valid(p);
    pd_profile *q = tp_roundtrip(p);
    assert_valid(q);
    assert_same_profile(p, q);
    assert_header(q, "types=alloc_objects/count,alloc_space/bytes period=space/bytes:524288 "
                     "time=1700000000123456789 dur=30000000000 comments=first comment|second "
                     "comment default=alloc_space drop=runtime\\..* keep=main\\..*");
    assert_render(q, "main.(*T).work;main.main;main.main {bytes#512,span=a,span=b} 1 512\n"
                     "0x7f0000000100;main.(*T).work;main.main;main.main {size#-9[bytes]} -7 "
                     "-9223372036854775808\n"
                     "main.main {unitonly#0[seconds]} 9223372036854775807 0\n"
                     " {bin=a} 3 4\n");
    /* the NUL inside the label value survived (render stops at it) */
    pd_str v = q->strings[q->samples[3].labels[0].str];
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.ptr, "a\0b", 3);
    assert_int_equal(q->locations[2].mapping, 2);
    assert_int_equal(q->locations[3].mapping, 0);

    /* gzip round trip gives the same, and re-encoding is byte-stable */
    uint8_t *raw1 = NULL, *raw2 = NULL, *z = NULL;
    size_t n1 = 0, n2 = 0, nz = 0;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_encode(q, false, &raw1, &n1, &err), 0);
    assert_int_equal(pd_profile_encode(p, true, &z, &nz, &err), 0);
    pd_profile *g = NULL;
    assert_int_equal(pd_profile_decode(z, nz, 0, &g, &err), 0);
    assert_same_profile(p, g);
    assert_int_equal(pd_profile_encode(g, false, &raw2, &n2, &err), 0);
    assert_int_equal(n1, n2);
    assert_memory_equal(raw1, raw2, n1);
    free(raw1);
    free(raw2);
    free(z);
    pd_profile_free(g);
    pd_profile_free(q);
    pd_profile_free(p);
}

static void test_decode_owned_takes_ownership(void **state)
{
    (void)state;
    pd_profile *p = tp_new("samples/count", "cpu/nanoseconds", 1);
    tp_stack(p, "f;g", TP_V(2), "k=v");
    uint8_t *raw;
    size_t n;
    assert_int_equal(pd_profile_encode(p, false, &raw, &n, NULL), 0);
    pd_profile *q = NULL;
    assert_int_equal(pd_profile_decode_owned(raw, n, &q, NULL), 0); /* raw is q's now */
    assert_render(q, "f;g {k=v} 2\n");
    pd_profile_free(q);
    /* on failure it frees the bytes too (ASan would report a leak) */
    uint8_t *bad = malloc(3);
    memcpy(bad, "\x0a\x05x", 3);
    pd_err err = {{0}};
    q = p;
    assert_int_equal(pd_profile_decode_owned(bad, 3, &q, &err), -EINVAL);
    assert_null(q);
    uint8_t *empty = malloc(1);
    assert_int_equal(pd_profile_decode_owned(empty, 0, &q, NULL), -EINVAL);
    pd_profile_free(p);
}

static void test_base_profile_is_valid(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    pd_profile *p = tp_decode_ok(&w);
    assert_int_equal(p->nstrings, NSTRS);
    assert_header(p, "types=samples/count period=cpu/nanoseconds:10 time=0 dur=0 comments= "
                     "default= drop= keep=");
    assert_render(p, "main 5\n");
    assert_int_equal(p->locations[0].lines[0].line, 7);
    assert_int_equal(p->locations[0].address, 0x401000);
    pd_profile_free(p);
    tpw_free(&w);

    /* a profile of nothing but the string table [""] is valid, and empty */
    tpw_init(&w);
    tpw_s(&w, F_STRING_TABLE, "");
    p = tp_decode_ok(&w);
    assert_int_equal(p->nsamples + p->nsample_types + p->nlocations + p->nfunctions, 0);
    assert_int_equal(p->nstrings, 1);
    pd_profile_free(p);
    tpw_free(&w);
}

/* --- framing and wire types ---------------------------------------------- */

static void test_empty_input(void **state)
{
    (void)state;
    tpw w;
    tpw_init(&w);
    tpw_raw(&w, "", 0);
    expect_err(&w, "empty");
}

static void test_bad_varints(void **state)
{
    (void)state;
    tpw w;
    tpw_init(&w);
    for (int i = 0; i < 11; i++)
        tpw_raw(&w, "\xff", 1);
    expect_err(&w, "bad varint", "longer than 10 bytes", "byte 0");

    /* a varint value cut short after a valid key */
    base(&w);
    tpw_key(&w, F_PERIOD, WT_VARINT);
    tpw_raw(&w, "\x80\x80", 2);
    expect_err(&w, "bad varint", "truncated");

    /* eleven bytes inside a nested message */
    base(&w);
    tpw_key(&w, F_SAMPLE, WT_LEN);
    tpw_varint(&w, 12);
    tpw_key(&w, 2, WT_VARINT);
    for (int i = 0; i < 11; i++)
        tpw_raw(&w, "\xff", 1);
    expect_err(&w, "bad varint");

    /* a packed location_id / value field of only continuation bytes: no
     * complete varint, so the scratch array was never allocated and was
     * addressed through NULL (UBSan, found by fuzzing) */
    for (uint32_t field = 1; field <= 2; field++) {
        base(&w);
        tpw sub;
        tpw_init(&sub);
        tpw_b(&sub, field, "\x80\xff", 2);
        tpw_msg(&w, F_SAMPLE, &sub);
        expect_err(&w, "bad varint", "truncated");
    }
    base(&w);
    tpw_b(&w, F_COMMENT, "\xff", 1);
    expect_err(&w, "bad varint", "truncated");
}

static void test_truncated_length_delimited(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    tpw_key(&w, F_STRING_TABLE, WT_LEN);
    tpw_varint(&w, 10);
    tpw_raw(&w, "abc", 3);
    expect_err(&w, "truncated message", "field 6", "length 10", "only 3 bytes remain");

    /* inside a sample: the packed values claim more than the sample holds */
    base(&w);
    tpw sub;
    tpw_init(&sub);
    tpw_key(&sub, 2, WT_LEN);
    tpw_varint(&sub, 5);
    tpw_raw(&sub, "\x01", 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "truncated message", "field 2");

    /* a fixed64 and a fixed32 field cut short */
    base(&w);
    tpw_key(&w, 20, WT_I64);
    tpw_raw(&w, "1234567", 7);
    expect_err(&w, "truncated", "needs 8 bytes");
    base(&w);
    tpw_key(&w, 20, WT_I32);
    tpw_raw(&w, "123", 3);
    expect_err(&w, "truncated", "needs 4 bytes");
}

static void test_wrong_wire_types_for_known_fields(void **state)
{
    (void)state;
    tpw w;
    /* sample as a varint */
    base(&w);
    tpw_u(&w, F_SAMPLE, 1);
    expect_err(&w, "sample", "field 2", "wire type varint", "want length-delimited");
    /* time_nanos as length-delimited */
    base(&w);
    tpw_s(&w, F_TIME_NANOS, "12345678");
    expect_err(&w, "field 9", "wire type length-delimited", "want varint");
    /* period as fixed64 */
    base(&w);
    tpw_key(&w, F_PERIOD, WT_I64);
    tpw_raw(&w, "\x01\0\0\0\0\0\0\0", 8);
    expect_err(&w, "field 12", "wire type fixed64", "want varint");
    /* string table entry as a varint */
    base(&w);
    tpw_u(&w, F_STRING_TABLE, 3);
    expect_err(&w, "string_table", "wire type varint");
    /* period_type as fixed32 */
    base(&w);
    tpw_key(&w, F_PERIOD_TYPE, WT_I32);
    tpw_raw(&w, "\0\0\0\0", 4);
    expect_err(&w, "period_type", "wire type fixed32");
    /* comment as fixed64 (repeated numbers take varint or packed only) */
    base(&w);
    tpw_key(&w, F_COMMENT, WT_I64);
    tpw_raw(&w, "\x01\0\0\0\0\0\0\0", 8);
    expect_err(&w, "comment", "wire type fixed64");
    /* inside messages: a function name as bytes, a mapping id as fixed64,
     * a location line as a varint, a sample value as fixed32, a label key
     * as bytes, a value type field as bytes */
    base(&w);
    tpw sub;
    tpw_init(&sub);
    tpw_u(&sub, 1, 9);
    tpw_s(&sub, 2, "main");
    tpw_msg(&w, F_FUNCTION, &sub);
    expect_err(&w, "function field", "wire type length-delimited");
    base(&w);
    tpw_init(&sub);
    tpw_key(&sub, 1, WT_I64);
    tpw_raw(&sub, "\x02\0\0\0\0\0\0\0", 8);
    tpw_msg(&w, F_MAPPING, &sub);
    expect_err(&w, "mapping field", "wire type fixed64");
    base(&w);
    tpw_init(&sub);
    tpw_u(&sub, 1, 9);
    tpw_u(&sub, 4, 1);
    tpw_msg(&w, F_LOCATION, &sub);
    expect_err(&w, "location line", "wire type varint");
    base(&w);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_key(&sub, 2, WT_I32);
    tpw_raw(&sub, "\x05\0\0\0", 4);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "sample value", "wire type fixed32");
    base(&w);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 5);
    tpw lab;
    tpw_init(&lab);
    tpw_s(&lab, 1, "k");
    tpw_msg(&sub, 3, &lab);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "label field", "wire type length-delimited");
    base(&w);
    tpw_init(&sub);
    tpw_s(&sub, 1, "x");
    tpw_msg(&w, F_SAMPLE_TYPE, &sub);
    expect_err(&w, "value type field");
    /* a line's function id as bytes */
    base(&w);
    tpw line;
    tpw_init(&line);
    tpw_s(&line, 1, "1");
    tpw_init(&sub);
    tpw_u(&sub, 1, 9);
    tpw_msg(&sub, 4, &line);
    tpw_msg(&w, F_LOCATION, &sub);
    expect_err(&w, "line field", "wire type length-delimited");
}

static void test_unknown_wire_types(void **state)
{
    (void)state;
    int wts[] = {WT_SGROUP, WT_EGROUP, 6, 7};
    const char *names[] = {"unknown wire type 3", "unknown wire type 4", "unknown wire type 6",
                           "unknown wire type 7"};
    for (int i = 0; i < 4; i++) {
        /* on an unknown field at the top */
        tpw w;
        base(&w);
        tpw_key(&w, 33, wts[i]);
        tpw_raw(&w, "\0\0\0\0\0\0\0\0", 8);
        expect_err(&w, names[i], "field 33");
        /* on a known field */
        base(&w);
        tpw_key(&w, F_SAMPLE, wts[i]);
        expect_err(&w, names[i], "field 2");
        /* as the very first byte: not a profile at all */
        tpw_init(&w);
        tpw_key(&w, 1, wts[i]);
        expect_err(&w, names[i], "byte 0", "not a protobuf profile");
        /* inside a function */
        base(&w);
        tpw sub;
        tpw_init(&sub);
        tpw_u(&sub, 1, 4);
        tpw_key(&sub, 9, wts[i]);
        tpw_msg(&w, F_FUNCTION, &sub);
        expect_err(&w, names[i], "field 9");
    }
}

static void test_unknown_fields_are_skipped(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    tpw_s(&w, 15, "https://example.com/doc"); /* doc_url of newer pprof */
    tpw_u(&w, 100, 12345);
    tpw_key(&w, 101, WT_I64);
    tpw_raw(&w, "12345678", 8);
    tpw_key(&w, 102, WT_I32);
    tpw_raw(&w, "1234", 4);
    tpw_u(&w, 0, 7); /* field number 0: nobody's field */
    /* unknown fields inside every message, and Line.column = 3 */
    tpw sub, line, lab;
    tpw_init(&sub);
    tpw_u(&sub, 1, 2);
    tpw_u(&sub, 2, S_CPU);
    tpw_s(&sub, 6, "future");
    tpw_key(&sub, 7, WT_I64);
    tpw_raw(&sub, "\0\0\0\0\0\0\0\0", 8);
    tpw_msg(&w, F_FUNCTION, &sub);
    tpw_init(&sub);
    tpw_u(&sub, 1, 5);
    tpw_u(&sub, 5, S_FILE);
    tpw_u(&sub, 11, 1);
    tpw_s(&sub, 12, "kernel");
    tpw_msg(&w, F_MAPPING, &sub);
    tpw_init(&line);
    tpw_u(&line, 1, 2);
    tpw_u(&line, 2, 33);
    tpw_u(&line, 3, 17); /* column */
    tpw_init(&sub);
    tpw_u(&sub, 1, 2);
    tpw_u(&sub, 2, 5);
    tpw_msg(&sub, 4, &line);
    tpw_s(&sub, 6, "?");
    tpw_msg(&w, F_LOCATION, &sub);
    tpw_init(&lab);
    tpw_u(&lab, 1, S_K);
    tpw_u(&lab, 2, S_V);
    tpw_u(&lab, 5, 99);
    tpw_init(&sub);
    tpw_u(&sub, 1, 2);
    tpw_u(&sub, 2, 3);
    tpw_msg(&sub, 3, &lab);
    tpw_s(&sub, 4, "?");
    tpw_u(&sub, 5, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    tpw_init(&sub);
    tpw_u(&sub, 1, S_CPU);
    tpw_u(&sub, 2, S_NS);
    tpw_u(&sub, 3, 42);
    tpw_msg(&w, F_PERIOD_TYPE, &sub);

    pd_profile *p = tp_decode_ok(&w);
    assert_render(p, "main 5\ncpu {k=v} 3\n");
    assert_int_equal(p->nmappings, 1);
    assert_int_equal(p->mappings[0].id, 5);
    assert_pstr(p, p->mappings[0].file, "file");
    assert_int_equal(p->locations[1].mapping, 1);
    assert_int_equal(p->locations[1].lines[0].line, 33);
    assert_header(p, "types=samples/count period=cpu/nanoseconds:10 time=0 dur=0 comments= "
                     "default= drop= keep=");
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_text_is_named_as_text(void **state)
{
    (void)state;
    /* an HTML error page or a ?debug=1 text profile handed in as a profile */
    const char *texts[] = {"<html><body>404 page not found</body></html>\n",
                           "heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\n"};
    for (int i = 0; i < 2; i++) {
        tpw w;
        tpw_init(&w);
        tpw_raw(&w, texts[i], strlen(texts[i]));
        char head[16];
        memcpy(head, texts[i], 10);
        head[10] = '\0';
        expect_err(&w, "not a protobuf profile", "text", head);
    }
}

/* --- the string table ------------------------------------------------------ */

static void test_string_table_rules(void **state)
{
    (void)state;
    /* no string table at all */
    tpw w;
    tpw_init(&w);
    tpw_u(&w, F_TIME_NANOS, 5);
    expect_err(&w, "no string table");
    /* a string table whose first entry is not "" */
    tpw_init(&w);
    tpw_s(&w, F_STRING_TABLE, "samples");
    tpw_s(&w, F_STRING_TABLE, "");
    expect_err(&w, "string_table[0] must be \"\"");
    /* strings may come anywhere in the message, even after their users */
    tpw_init(&w);
    value_type(&w, F_SAMPLE_TYPE, 1, 2);
    tpw sub;
    tpw_init(&sub);
    tpw_u(&sub, 2, 0);
    tpw_msg(&w, F_SAMPLE, &sub);
    tpw_s(&w, F_STRING_TABLE, "");
    tpw_s(&w, F_STRING_TABLE, "objects");
    tpw_s(&w, F_STRING_TABLE, "count");
    /* (a sample without locations is valid) */
    pd_profile *p = tp_decode_ok(&w);
    assert_header(p, "types=objects/count period=/:0 time=0 dur=0 comments= default= drop= keep=");
    pd_profile_free(p);
    tpw_free(&w);
}

/* Writes a base profile plus `extra` (a function adding the bad field). */
typedef void (*extra_fn)(tpw *w, uint64_t bad);

static void bad_function_name(tpw *w, uint64_t bad)
{
    function(w, 2, bad);
}
static void bad_function_system_name(tpw *w, uint64_t bad)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, 2);
    tpw_u(&m, 3, bad);
    tpw_msg(w, F_FUNCTION, &m);
}
static void bad_function_filename(tpw *w, uint64_t bad)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, 2);
    tpw_u(&m, 4, bad);
    tpw_msg(w, F_FUNCTION, &m);
}
static void bad_label(tpw *w, uint64_t bad, uint32_t field)
{
    tpw lab;
    tpw_init(&lab);
    tpw_u(&lab, 1, field == 1 ? bad : S_K);
    if (field != 1)
        tpw_u(&lab, field, bad);
    if (field == 4)
        tpw_u(&lab, 3, 10);
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, 1);
    tpw_u(&m, 2, 1);
    tpw_msg(&m, 3, &lab);
    tpw_msg(w, F_SAMPLE, &m);
}
static void bad_label_key(tpw *w, uint64_t bad)
{
    bad_label(w, bad, 1);
}
static void bad_label_str(tpw *w, uint64_t bad)
{
    bad_label(w, bad, 2);
}
static void bad_label_unit(tpw *w, uint64_t bad)
{
    bad_label(w, bad, 4);
}
static void bad_sample_type(tpw *w, uint64_t bad)
{
    /* a second sample type would break the value count: change the period
     * type instead for the unit, and add a type with a bad name to a
     * profile whose one sample gets a second value */
    value_type(w, F_SAMPLE_TYPE, bad, S_COUNT);
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, 1);
    tpw_u(&m, 2, 1);
    tpw_u(&m, 2, 2);
    tpw_msg(w, F_SAMPLE, &m);
}
static void bad_period_type(tpw *w, uint64_t bad)
{
    value_type(w, F_PERIOD_TYPE, S_CPU, bad);
}
static void bad_mapping_filename(tpw *w, uint64_t bad)
{
    mapping(w, 3, bad);
}
static void bad_mapping_build_id(tpw *w, uint64_t bad)
{
    tpw m;
    tpw_init(&m);
    tpw_u(&m, 1, 3);
    tpw_u(&m, 6, bad);
    tpw_msg(w, F_MAPPING, &m);
}
static void bad_comment(tpw *w, uint64_t bad)
{
    tpw_u(w, F_COMMENT, S_MAIN);
    tpw_u(w, F_COMMENT, bad);
}
static void bad_comment_packed(tpw *w, uint64_t bad)
{
    uint64_t v[3] = {S_MAIN, S_K, bad};
    tpw_packed(w, F_COMMENT, v, 3);
}
static void bad_default_sample_type(tpw *w, uint64_t bad)
{
    tpw_u(w, F_DEFAULT_SAMPLE_TYPE, bad);
}
static void bad_drop_frames(tpw *w, uint64_t bad)
{
    tpw_u(w, F_DROP_FRAMES, bad);
}
static void bad_keep_frames(tpw *w, uint64_t bad)
{
    tpw_u(w, F_KEEP_FRAMES, bad);
}

static void test_string_index_out_of_range(void **state)
{
    (void)state;
    struct {
        extra_fn add;
        const char *what;
    } cases[] = {
        {bad_function_name, "name of function"},
        {bad_function_system_name, "system_name of function"},
        {bad_function_filename, "filename of function"},
        {bad_label_key, "label key"},
        {bad_label_str, "label value"},
        {bad_label_unit, "label unit"},
        {bad_sample_type, "sample_type"},
        {bad_period_type, "period_type"},
        {bad_mapping_filename, "filename of mapping"},
        {bad_mapping_build_id, "build_id of mapping"},
        {bad_comment, "comment"},
        {bad_comment_packed, "comment"},
        {bad_default_sample_type, "default_sample_type"},
        {bad_drop_frames, "drop_frames"},
        {bad_keep_frames, "keep_frames"},
    };
    uint64_t bads[] = {NSTRS, NSTRS + 1000, NEG1, (uint64_t)-5, 1ull << 40};
    const char *shown[] = {"string index 9 out of range", "string index 1009 out of range",
                           "string index -1 out of range", "string index -5 out of range",
                           "string index 1099511627776 out of range"};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (size_t b = 0; b < sizeof(bads) / sizeof(bads[0]); b++) {
            tpw w;
            base(&w);
            cases[c].add(&w, bads[b]);
            expect_err(&w, cases[c].what, shown[b], "string table has 9 entries");
        }
        /* the last valid index is accepted */
        tpw w;
        base(&w);
        cases[c].add(&w, NSTRS - 1);
        char msg[PD_ERR_MAX] = "";
        pd_profile *p = NULL;
        pd_err err = {{0}};
        int rc = pd_profile_decode(w.data, w.len, 0, &p, &err);
        memcpy(msg, err.msg, sizeof(msg));
        pd_profile_free(p);
        tpw_free(&w);
        if (rc != 0 && strstr(msg, "string index") != NULL)
            fail_msg("%s: index %d refused: %s", cases[c].what, NSTRS - 1, msg);
    }
}

static void test_label_key_checked_even_when_label_is_dropped(void **state)
{
    (void)state;
    /* Go resolves every label key before it looks at the rest */
    tpw w;
    base(&w);
    tpw lab, sub;
    tpw_init(&lab);
    tpw_u(&lab, 1, 99);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 1);
    tpw_msg(&sub, 3, &lab);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "label key", "string index 99 out of range");
}

/* Go's postDecode reads num_unit only for numeric labels (str == 0): for a
 * string label it never looks at it, so a string label whose num_unit index
 * is out of range is accepted (profile.ParseData of Go 1.19 yields
 * Label{k:[v]} for exactly these bytes). */
static void test_string_label_unit_is_not_read_like_go(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    tpw lab, sub;
    tpw_init(&lab);
    tpw_u(&lab, 1, S_K);
    tpw_u(&lab, 2, S_V);
    tpw_u(&lab, 4, 99);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 1);
    tpw_msg(&sub, 3, &lab);
    tpw_msg(&w, F_SAMPLE, &sub);
    pd_profile *p = NULL;
    pd_err err = {{0}};
    int rc = pd_profile_decode(w.data, w.len, 0, &p, &err);
    tpw_free(&w);
    if (rc != 0)
        fail_msg("refused a profile Go accepts: %s", err.msg);
    assert_render(p, "main 5\nmain {k=v} 1\n");
    assert_int_equal(p->samples[1].labels[0].unit, 0);
    pd_profile_free(p);
}

/* A non-repeated field that occurs twice takes its last value (protobuf's
 * rule, and Go's decoder: decodeInt64 overwrites), and Go's postDecode
 * range-checks only that final value: default_sample_type 99 then 0 is a
 * valid profile for Go 1.19's profile.ParseData. The same holds for
 * drop_frames, keep_frames, a second period_type message, and the string
 * fields of a mapping or function. (Found by differential fuzzing against
 * ParseData; the decoder used to check every occurrence as it read it.) */
static void test_repeated_scalar_last_one_wins_like_go(void **state)
{
    (void)state;
    struct {
        const char *what;
        int kind;
    } cases[] = {
        {"default_sample_type", 0}, {"drop_frames", 1},   {"period_type", 2},
        {"mapping filename", 3},    {"function name", 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tpw w;
        base(&w);
        tpw m;
        switch (cases[i].kind) {
        case 0:
            tpw_u(&w, F_DEFAULT_SAMPLE_TYPE, 99);
            tpw_u(&w, F_DEFAULT_SAMPLE_TYPE, S_SAMPLES);
            break;
        case 1:
            tpw_u(&w, F_DROP_FRAMES, 99);
            tpw_u(&w, F_DROP_FRAMES, S_MAIN);
            break;
        case 2:
            value_type(&w, F_PERIOD_TYPE, 99, 99);
            value_type(&w, F_PERIOD_TYPE, S_CPU, S_NS);
            break;
        case 3:
            tpw_init(&m);
            tpw_u(&m, 1, 3);
            tpw_u(&m, 5, 99);
            tpw_u(&m, 5, S_FILE);
            tpw_msg(&w, F_MAPPING, &m);
            break;
        case 4:
            tpw_init(&m);
            tpw_u(&m, 1, 2);
            tpw_u(&m, 2, 99);
            tpw_u(&m, 2, S_CPU);
            tpw_msg(&w, F_FUNCTION, &m);
            break;
        }
        pd_profile *p = NULL;
        pd_err err = {{0}};
        int rc = pd_profile_decode(w.data, w.len, 0, &p, &err);
        tpw_free(&w);
        if (rc != 0)
            fail_msg("%s given twice (99, then valid): refused a profile Go accepts: %s",
                     cases[i].what, err.msg);
        switch (cases[i].kind) {
        case 0:
            assert_pstr(p, p->default_sample_type, "samples");
            break;
        case 1:
            assert_pstr(p, p->drop_frames, "main");
            break;
        case 2:
            assert_pstr(p, p->period_type.unit, "nanoseconds");
            break;
        case 3:
            assert_pstr(p, p->mappings[0].file, "file");
            break;
        case 4:
            assert_pstr(p, p->functions[1].name, "cpu");
            break;
        }
        pd_profile_free(p);
    }
}

/* --- ids and references ---------------------------------------------------- */

static void test_zero_and_duplicate_ids(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    mapping(&w, 0, S_FILE);
    expect_err(&w, "mapping 0 has the reserved id 0");
    base(&w);
    mapping(&w, 4, S_FILE);
    mapping(&w, 4, S_MAIN);
    expect_err(&w, "duplicate mapping id 4");
    base(&w);
    function(&w, 0, S_MAIN);
    expect_err(&w, "function 1 has the reserved id 0");
    base(&w);
    function(&w, 1, S_CPU);
    expect_err(&w, "duplicate function id 1");
    base(&w);
    location(&w, 0, 0, 1);
    expect_err(&w, "location 1 has the reserved id 0");
    base(&w);
    location(&w, 1, 0, 1);
    expect_err(&w, "duplicate location id 1");
    /* duplicates among sparse ids, too */
    base(&w);
    function(&w, 1ull << 60, S_CPU);
    function(&w, 1ull << 60, S_NS);
    expect_err(&w, "duplicate function id 1152921504606846976");
    base(&w);
    location(&w, UINT64_MAX, 0, 1);
    location(&w, UINT64_MAX, 0, 1);
    expect_err(&w, "duplicate location id 18446744073709551615");
    /* a location without an id field has id 0 */
    base(&w);
    tpw sub;
    tpw_init(&sub);
    tpw_u(&sub, 3, 0x1234);
    tpw_msg(&w, F_LOCATION, &sub);
    expect_err(&w, "reserved id 0");
}

static void test_unresolved_references(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    sample(&w, 99, 1);
    expect_err(&w, "sample 1 refers to unknown location id 99");
    base(&w);
    sample(&w, 1ull << 62, 1);
    expect_err(&w, "unknown location id 4611686018427387904");
    /* an unknown id among packed ids */
    base(&w);
    tpw sub;
    tpw_init(&sub);
    uint64_t ids[3] = {1, 1, 2};
    tpw_packed(&sub, 1, ids, 3);
    tpw_u(&sub, 2, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "unknown location id 2");
    /* a line referring to an unknown function, or to none */
    base(&w);
    location(&w, 2, 0, 42);
    expect_err(&w, "location id 2", "unknown function id 42");
    base(&w);
    location(&w, 2, 0, 0);
    expect_err(&w, "location id 2", "function id 0");
    base(&w);
    location(&w, 2, 0, 1ull << 61);
    expect_err(&w, "unknown function id 2305843009213693952");
}

static void test_value_counts(void **state)
{
    (void)state;
    tpw w;
    /* one value too many */
    base(&w);
    tpw sub;
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    uint64_t v[2] = {1, 2};
    tpw_packed(&sub, 2, v, 2);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "sample 1 has 2 values but the profile has 1 sample types");
    /* no values at all */
    base(&w);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "sample 1 has 0 values but the profile has 1 sample types");
    /* samples but no sample types */
    tpw_init(&w);
    strings(&w);
    function(&w, 1, S_MAIN);
    location(&w, 1, 0, 1);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    expect_err(&w, "1 samples but no sample_type");
    /* sample types after the samples still count */
    tpw_init(&w);
    strings(&w);
    function(&w, 1, S_MAIN);
    location(&w, 1, 0, 1);
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 4);
    tpw_u(&sub, 2, 6);
    tpw_msg(&w, F_SAMPLE, &sub);
    value_type(&w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
    value_type(&w, F_SAMPLE_TYPE, S_CPU, S_NS);
    pd_profile *p = tp_decode_ok(&w);
    assert_render(p, "main 4 6\n");
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_time_nanos_twice_is_concatenation(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    tpw_u(&w, F_TIME_NANOS, 100);
    tpw_u(&w, F_TIME_NANOS, 200);
    expect_err(&w, "concatenated profiles");
    /* two whole profiles back to back */
    tpw a, b;
    base(&a);
    tpw_u(&a, F_TIME_NANOS, 100);
    base(&b);
    tpw_u(&b, F_TIME_NANOS, 100);
    tpw_raw(&a, b.data, b.len);
    tpw_free(&b);
    expect_err(&a, "concatenated profiles");
    /* Go only objects when the first was nonzero: 0 then t is fine, and a
     * repeated zero too */
    base(&w);
    tpw_u(&w, F_TIME_NANOS, 0);
    tpw_u(&w, F_TIME_NANOS, 300);
    pd_profile *p = tp_decode_ok(&w);
    assert_int_equal(p->time_nanos, 300);
    pd_profile_free(p);
    tpw_free(&w);
    base(&w);
    tpw_u(&w, F_TIME_NANOS, 0);
    tpw_u(&w, F_TIME_NANOS, 0);
    p = tp_decode_ok(&w);
    assert_int_equal(p->time_nanos, 0);
    pd_profile_free(p);
    tpw_free(&w);
    /* and t then 0 is still two times */
    base(&w);
    tpw_u(&w, F_TIME_NANOS, 300);
    tpw_u(&w, F_TIME_NANOS, 0);
    expect_err(&w, "concatenated profiles");
}

/* --- accepted variations --------------------------------------------------- */

static void test_packed_and_unpacked_repeated_fields(void **state)
{
    (void)state;
    tpw w;
    tpw_init(&w);
    strings(&w);
    value_type(&w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
    value_type(&w, F_SAMPLE_TYPE, S_CPU, S_NS);
    value_type(&w, F_SAMPLE_TYPE, S_K, S_V);
    function(&w, 1, S_MAIN);
    function(&w, 2, S_CPU);
    function(&w, 3, S_FILE);
    location(&w, 1, 0, 1);
    location(&w, 2, 0, 2);
    location(&w, 3, 0, 3);
    /* unpacked locations and values */
    tpw sub;
    tpw_init(&sub);
    tpw_u(&sub, 1, 3);
    tpw_u(&sub, 1, 2);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 1);
    tpw_u(&sub, 2, 2);
    tpw_u(&sub, 2, (uint64_t)-3);
    tpw_msg(&w, F_SAMPLE, &sub);
    /* packed */
    tpw_init(&sub);
    uint64_t locs[3] = {1, 2, 3};
    uint64_t vals[3] = {4, 5, (uint64_t)INT64_MIN};
    tpw_packed(&sub, 1, locs, 3);
    tpw_packed(&sub, 2, vals, 3);
    tpw_msg(&w, F_SAMPLE, &sub);
    /* mixed within one field: packed runs and single values add up */
    tpw_init(&sub);
    tpw_packed(&sub, 1, locs, 2);
    tpw_u(&sub, 1, 3);
    tpw_packed(&sub, 1, locs, 1);
    tpw_u(&sub, 2, 7);
    tpw_packed(&sub, 2, vals, 2);
    tpw_packed(&sub, 2, vals, 0); /* an empty packed run */
    tpw_msg(&w, F_SAMPLE, &sub);
    /* comments both ways */
    tpw_u(&w, F_COMMENT, S_K);
    uint64_t cs[2] = {S_V, S_FILE};
    tpw_packed(&w, F_COMMENT, cs, 2);
    tpw_u(&w, F_COMMENT, S_MAIN);

    pd_profile *p = tp_decode_ok(&w);
    assert_render(p, "file;cpu;main 1 2 -3\n"
                     "main;cpu;file 4 5 -9223372036854775808\n"
                     "main;cpu;file;main 7 4 5\n");
    assert_header(p, "types=samples/count,cpu/nanoseconds,k/v period=/:0 time=0 dur=0 "
                     "comments=k|v|file|main default= drop= keep=");
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_empty_labels_dropped(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    tpw sub, lab;
    tpw_init(&sub);
    tpw_u(&sub, 1, 1);
    tpw_u(&sub, 2, 9);
    /* key only */
    tpw_init(&lab);
    tpw_u(&lab, 1, S_K);
    tpw_msg(&sub, 3, &lab);
    /* key with explicit zeros */
    tpw_init(&lab);
    tpw_u(&lab, 1, S_K);
    tpw_u(&lab, 2, 0);
    tpw_u(&lab, 3, 0);
    tpw_u(&lab, 4, 0);
    tpw_msg(&sub, 3, &lab);
    /* an entirely empty label message */
    tpw_init(&lab);
    tpw_msg(&sub, 3, &lab);
    /* kept: a number, a unit alone, a string */
    tpw_init(&lab);
    tpw_u(&lab, 1, S_K);
    tpw_u(&lab, 3, (uint64_t)-4);
    tpw_msg(&sub, 3, &lab);
    tpw_init(&lab);
    tpw_u(&lab, 1, S_CPU);
    tpw_u(&lab, 4, S_NS);
    tpw_msg(&sub, 3, &lab);
    tpw_init(&lab);
    tpw_u(&lab, 1, S_FILE);
    tpw_u(&lab, 2, S_V);
    tpw_u(&lab, 3, 77); /* a number beside a string is ignored, as in Go */
    tpw_msg(&sub, 3, &lab);
    tpw_msg(&w, F_SAMPLE, &sub);

    pd_profile *p = tp_decode_ok(&w);
    assert_int_equal(p->samples[1].nlabels, 3);
    assert_render(p, "main 5\nmain {cpu#0[nanoseconds],file=v,k#-4} 9\n");
    assert_int_equal(p->samples[1].labels[2].num, 0);
    /* and encode never writes an empty label (a hand-made one here) */
    p->samples[0].labels = pd_arena_calloc(&p->arena, 2, sizeof(pd_sample_label));
    p->samples[0].labels[0] = (pd_sample_label){S_K, 0, 0, 0};
    p->samples[0].labels[1] = (pd_sample_label){S_K, S_MAIN, 0, 0};
    p->samples[0].nlabels = 2;
    pd_profile *q = tp_roundtrip(p);
    assert_int_equal(q->samples[0].nlabels, 1);
    assert_render(q, "main {k=main} 5\nmain {cpu#0[nanoseconds],file=v,k#-4} 9\n");
    pd_profile_free(q);
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_unknown_mapping_id_means_no_mapping(void **state)
{
    (void)state;
    tpw w;
    base(&w);
    mapping(&w, 1, S_FILE);
    location(&w, 2, 1, 1);          /* known mapping */
    location(&w, 3, 77, 1);         /* unknown: no mapping, as in Go */
    location(&w, 4, 1ull << 50, 1); /* unknown, far out of the dense range */
    tpw sub;
    tpw_init(&sub);
    uint64_t ids[3] = {2, 3, 4};
    tpw_packed(&sub, 1, ids, 3);
    tpw_u(&sub, 2, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    pd_profile *p = tp_decode_ok(&w);
    assert_int_equal(p->nlocations, 4);
    assert_int_equal(p->locations[1].mapping, 1);
    assert_int_equal(p->locations[2].mapping, 0);
    assert_int_equal(p->locations[3].mapping, 0);
    assert_render(p, "main 5\nmain;main;main 1\n");
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_ids_in_any_order_and_sparse(void **state)
{
    (void)state;
    /* ids out of order, dense: references resolve by id, not position */
    tpw w;
    tpw_init(&w);
    strings(&w);
    value_type(&w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
    function(&w, 3, S_CPU);
    function(&w, 1, S_MAIN);
    function(&w, 2, S_FILE);
    location(&w, 2, 0, 1);
    location(&w, 1, 0, 2);
    location(&w, 3, 0, 3);
    tpw sub;
    tpw_init(&sub);
    uint64_t ids[3] = {1, 2, 3};
    tpw_packed(&sub, 1, ids, 3);
    tpw_u(&sub, 2, 1);
    tpw_msg(&w, F_SAMPLE, &sub);
    pd_profile *p = tp_decode_ok(&w);
    assert_render(p, "file;main;cpu 1\n");
    assert_int_equal(p->locations[0].id, 2);
    assert_int_equal(p->functions[0].id, 3);
    pd_profile_free(p);
    tpw_free(&w);

    /* sparse huge ids, and the largest id there is */
    uint64_t big[3] = {1ull << 60, (1ull << 60) + 1, UINT64_MAX};
    tpw_init(&w);
    strings(&w);
    value_type(&w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
    mapping(&w, big[2], S_FILE);
    function(&w, big[0], S_MAIN);
    function(&w, big[2], S_CPU);
    location(&w, big[1], big[2], big[0]);
    location(&w, big[2], 0, big[2]);
    location(&w, big[0], big[2], big[2]);
    tpw_init(&sub);
    uint64_t sids[3] = {big[1], big[2], big[0]};
    tpw_packed(&sub, 1, sids, 3);
    tpw_u(&sub, 2, 6);
    tpw_msg(&w, F_SAMPLE, &sub);
    p = tp_decode_ok(&w);
    assert_render(p, "main;cpu;cpu 6\n");
    assert_int_equal(p->mappings[0].id, UINT64_MAX);
    assert_int_equal(p->locations[0].mapping, 1);
    assert_int_equal(p->locations[1].mapping, 0);
    assert_int_equal(p->locations[2].id, 1ull << 60);
    /* ids survive a round trip */
    pd_profile *q = tp_roundtrip(p);
    assert_int_equal(q->locations[0].id, (1ull << 60) + 1);
    assert_int_equal(q->functions[1].id, UINT64_MAX);
    assert_render(q, "main;cpu;cpu 6\n");
    pd_profile_free(q);
    pd_profile_free(p);
    tpw_free(&w);
}

static void test_dense_sparse_boundary(void **state)
{
    (void)state;
    /* ids around where the decoder switches from a direct table to a hash */
    for (uint64_t id = 60; id < 200; id++) {
        tpw w;
        tpw_init(&w);
        strings(&w);
        value_type(&w, F_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
        function(&w, id, S_MAIN);
        function(&w, 1, S_CPU);
        location(&w, id + 1, 0, id);
        location(&w, 1, 0, 1);
        tpw sub;
        tpw_init(&sub);
        uint64_t ids[2] = {id + 1, 1};
        tpw_packed(&sub, 1, ids, 2);
        tpw_u(&sub, 2, 1);
        tpw_msg(&w, F_SAMPLE, &sub);
        sample(&w, id + 1, 2);
        sample(&w, 1, 3);
        pd_profile *p = tp_decode_ok(&w);
        assert_render(p, "main;cpu 1\nmain 2\ncpu 3\n");
        pd_profile_free(p);
        /* and an unknown id next to it is still unknown */
        sample(&w, id + 2, 1);
        expect_err(&w, "unknown location id");
    }
}

static void test_encode_refuses_bad_string_table(void **state)
{
    (void)state;
    pd_profile *p = tp_new("samples/count", NULL, 0);
    p->strings[0] = (pd_str){"x", 1};
    uint8_t *out = (uint8_t *)p;
    size_t n = 5;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_encode(p, false, &out, &n, &err), -EINVAL);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_contains(err.msg, "string_table[0]");
    p->strings[0] = (pd_str){"", 0};
    pd_profile_free(p);
}

static void test_encode_writes_has_flags_and_time(void **state)
{
    (void)state;
    /* a header-only profile: the fields a decoder cares about survive */
    pd_profile *p = tp_new("", "goroutine/count", 1);
    p->time_nanos = -5; /* negative times are int64 on the wire */
    tp_map(p, 0, 0, 0, "", "");
    p->mappings[0].has_functions = false;
    p->mappings[0].has_inline_frames = true;
    pd_profile *q = tp_roundtrip(p);
    assert_int_equal(q->time_nanos, -5);
    assert_int_equal(q->nmappings, 1);
    assert_false(q->mappings[0].has_functions);
    assert_true(q->mappings[0].has_inline_frames);
    assert_header(q, "types= period=goroutine/count:1 time=-5 dur=0 comments= default= drop= "
                     "keep=");
    pd_profile_free(q);
    pd_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_preserves_everything),
        cmocka_unit_test(test_decode_owned_takes_ownership),
        cmocka_unit_test(test_base_profile_is_valid),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_bad_varints),
        cmocka_unit_test(test_truncated_length_delimited),
        cmocka_unit_test(test_wrong_wire_types_for_known_fields),
        cmocka_unit_test(test_unknown_wire_types),
        cmocka_unit_test(test_unknown_fields_are_skipped),
        cmocka_unit_test(test_text_is_named_as_text),
        cmocka_unit_test(test_string_table_rules),
        cmocka_unit_test(test_string_index_out_of_range),
        cmocka_unit_test(test_label_key_checked_even_when_label_is_dropped),
        cmocka_unit_test(test_string_label_unit_is_not_read_like_go),
        cmocka_unit_test(test_repeated_scalar_last_one_wins_like_go),
        cmocka_unit_test(test_zero_and_duplicate_ids),
        cmocka_unit_test(test_unresolved_references),
        cmocka_unit_test(test_value_counts),
        cmocka_unit_test(test_time_nanos_twice_is_concatenation),
        cmocka_unit_test(test_packed_and_unpacked_repeated_fields),
        cmocka_unit_test(test_empty_labels_dropped),
        cmocka_unit_test(test_unknown_mapping_id_means_no_mapping),
        cmocka_unit_test(test_ids_in_any_order_and_sparse),
        cmocka_unit_test(test_dense_sparse_boundary),
        cmocka_unit_test(test_encode_refuses_bad_string_table),
        cmocka_unit_test(test_encode_writes_has_flags_and_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
