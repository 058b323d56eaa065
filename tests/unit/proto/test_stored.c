/* The stored form: symbols and stacks interned once, profiles as columns,
 * and the way back, losslessly. */
#include "pd_stored.h"
#include "tp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A profile with everything the stored form must keep: two mappings (one
 * unreferenced), an inlined location, string and numeric labels, a repeated
 * sample, an empty stack, comments and every header field. */
static pd_profile *rich(int64_t scale)
{
    pd_profile *p = tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
    uint32_t app = tp_map(p, 0x400000, 0x480000, 0, "/bin/app", "b1d");
    tp_map(p, 0x7f0000, 0x7f1000, 0x1000, "[vdso]", "");
    uint32_t inl = tp_loc(p, app, 0x401000, "inner:12;outer:40");
    uint32_t m = tp_loc(p, app, 0x402000, "main.main:7");
    uint32_t g = tp_loc(p, 0, 0x403000, "");
    tp_sample_locs(p, (uint32_t[]){inl, m}, 2, TP_V(1 * scale, 10 * scale),
                   "span=a,bytes#64@bytes");
    tp_sample_locs(p, (uint32_t[]){g, inl, m}, 3, TP_V(2 * scale, 20 * scale), NULL);
    tp_sample_locs(p, (uint32_t[]){inl, m}, 2, TP_V(3 * scale, 30 * scale),
                   "span=a,bytes#64@bytes");
    tp_sample_locs(p, NULL, 0, TP_V(4, -40), "span=b");
    tp_comment(p, "first");
    tp_comment(p, "second");
    p->time_nanos = 1700000000123456789;
    p->duration_nanos = 10000000000;
    p->default_sample_type = tp_str(p, "cpu");
    p->drop_frames = tp_str(p, "runtime\\..*");
    p->keep_frames = tp_str(p, "main\\..*");
    return p;
}

/* Packs p into t, then rebuilds it through a fresh table loaded from t's
 * chunks (all of them, saved so far in *chunks) and the encoded blob. */
typedef struct saved {
    uint8_t *data[8];
    size_t len[8];
    size_t n;
} saved;

static void saved_free(saved *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->data[i]);
    s->n = 0;
}

static pd_profile *through_store(pd_symtab *t, saved *chunks, const pd_profile *p, size_t *blob_len)
{
    pd_stored st;
    pd_symtab_add(t, p, &st);
    uint8_t *blob;
    size_t len;
    pd_stored_encode(&st, &blob, &len);
    pd_stored_free(&st);
    if (blob_len != NULL)
        *blob_len = len;
    assert_true(chunks->n < 8);
    pd_symtab_chunk(t, &chunks->data[chunks->n], &chunks->len[chunks->n]);
    if (chunks->len[chunks->n] > 0)
        chunks->n++;

    pd_symtab *fresh = pd_symtab_new();
    pd_err err = {0};
    for (size_t i = 0; i < chunks->n; i++)
        assert_int_equal(pd_symtab_load(fresh, chunks->data[i], chunks->len[i], &err), 0);
    pd_stored back;
    assert_int_equal(pd_stored_decode(blob, len, 0, &back, &err), 0);
    free(blob);
    pd_profile *out = NULL;
    assert_int_equal(pd_symtab_unpack(fresh, &back, &out, &err), 0);
    pd_stored_free(&back);
    pd_symtab_free(fresh);
    assert_valid(out);
    return out;
}

static void assert_same(const pd_profile *got, const pd_profile *want)
{
    assert_lossless(got, want);
}

static void test_round_trip_is_lossless(void **state)
{
    (void)state;
    pd_profile *p = rich(1);
    pd_symtab *t = pd_symtab_new();
    saved chunks = {0};
    pd_profile *back = through_store(t, &chunks, p, NULL);
    assert_same(back, p);
    /* the unreferenced mapping comes back too, in its place */
    assert_int_equal(back->nmappings, 2);
    assert_pstr(back, back->mappings[1].file, "[vdso]");
    pd_profile_free(back);
    saved_free(&chunks);
    pd_symtab_free(t);
    pd_profile_free(p);
}

static void test_symbols_are_stored_once(void **state)
{
    (void)state;
    pd_symtab *t = pd_symtab_new();
    saved chunks = {0};
    pd_profile *a = rich(1), *b = rich(5);
    size_t blob_a, blob_b;
    pd_profile *back = through_store(t, &chunks, a, &blob_a);
    pd_profile_free(back);
    size_t nodes = pd_symtab_nodes(t);
    assert_int_equal(nodes, 3); /* main, inl;main, g;inl;main share their prefixes */
    /* the same stacks again: nothing new to save */
    back = through_store(t, &chunks, b, &blob_b);
    assert_int_equal(chunks.n, 1);
    assert_int_equal(pd_symtab_nodes(t), nodes);
    assert_same(back, b);
    pd_profile_free(back);

    /* one new frame on top of a known stack: one node, one small chunk */
    pd_profile *c = rich(1);
    uint32_t h = tp_loc(c, 1, 0x404000, "hot:3");
    tp_sample_locs(c, (uint32_t[]){h, 0, 1}, 3, TP_V(1, 10), NULL);
    back = through_store(t, &chunks, c, NULL);
    assert_int_equal(chunks.n, 2);
    assert_int_equal(pd_symtab_nodes(t), nodes + 1);
    assert_same(back, c);
    pd_profile_free(back);

    pd_profile_free(a);
    pd_profile_free(b);
    pd_profile_free(c);
    saved_free(&chunks);
    pd_symtab_free(t);
}

static void test_rollback_forgets_unsaved(void **state)
{
    (void)state;
    pd_symtab *t = pd_symtab_new();
    saved chunks = {0};
    pd_profile *a = rich(1);
    pd_profile_free(through_store(t, &chunks, a, NULL));
    size_t nodes = pd_symtab_nodes(t);

    /* a profile added, then its transaction failed */
    pd_profile *c = tp_new("samples/count", NULL, 0);
    tp_stack(c, "x;y;z", TP_V(1), "k=v");
    pd_stored st;
    pd_symtab_add(t, c, &st);
    pd_stored_free(&st);
    assert_int_equal(pd_symtab_nodes(t), nodes + 3);
    pd_symtab_rollback(t);
    assert_int_equal(pd_symtab_nodes(t), nodes);
    uint8_t *chunk;
    size_t len;
    pd_symtab_chunk(t, &chunk, &len);
    assert_null(chunk);
    assert_int_equal(len, 0);

    /* added again after the rollback, it gets the same ids and is saved */
    pd_profile *back = through_store(t, &chunks, c, NULL);
    assert_int_equal(pd_symtab_nodes(t), nodes + 3);
    assert_same(back, c);
    pd_profile_free(back);
    pd_profile_free(a);
    pd_profile_free(c);
    saved_free(&chunks);
    pd_symtab_free(t);
}

static void test_loaded_table_interns_further(void **state)
{
    (void)state;
    /* A writer that restarts loads its partition and goes on interning:
     * known stacks keep their ids. */
    pd_symtab *t = pd_symtab_new();
    saved chunks = {0};
    pd_profile *a = rich(1);
    pd_profile_free(through_store(t, &chunks, a, NULL));
    pd_stored before;
    pd_symtab_add(t, a, &before);

    pd_symtab *again = pd_symtab_new();
    pd_err err = {0};
    assert_int_equal(pd_symtab_load(again, chunks.data[0], chunks.len[0], &err), 0);
    pd_stored after;
    pd_symtab_add(again, a, &after);
    assert_int_equal(after.nsamples, before.nsamples);
    assert_memory_equal(after.stacks, before.stacks, before.nsamples * sizeof(uint32_t));
    assert_memory_equal(after.labelsets, before.labelsets, before.nsamples * sizeof(uint32_t));
    assert_memory_equal(after.mappings, before.mappings, before.nmappings * sizeof(uint32_t));
    uint8_t *chunk;
    size_t len;
    pd_symtab_chunk(again, &chunk, &len);
    assert_int_equal(len, 0);
    pd_stored_free(&before);
    pd_stored_free(&after);
    pd_symtab_free(again);
    pd_profile_free(a);
    saved_free(&chunks);
    pd_symtab_free(t);
}

static void test_corrupt_input_is_refused(void **state)
{
    (void)state;
    pd_symtab *t = pd_symtab_new();
    pd_profile *a = rich(1);
    pd_stored st;
    pd_symtab_add(t, a, &st);
    uint8_t *chunk, *blob;
    size_t clen, blen;
    pd_symtab_chunk(t, &chunk, &clen);
    pd_stored_encode(&st, &blob, &blen);
    pd_err err = {0};

    /* not a packed blob, a truncated one */
    pd_symtab *r = pd_symtab_new();
    assert_int_equal(pd_symtab_load(r, (const uint8_t *)"nonsense", 8, &err), -EINVAL);
    err = (pd_err){0};
    assert_int_not_equal(pd_symtab_load(r, chunk, clen - 3, &err), 0);
    assert_int_equal(pd_symtab_nodes(r), 0);

    /* a profile whose ids the table does not hold */
    pd_stored back;
    err = (pd_err){0};
    assert_int_equal(pd_stored_decode(blob, blen, 0, &back, &err), 0);
    pd_profile *out = (pd_profile *)1;
    err = (pd_err){0};
    assert_int_equal(pd_symtab_unpack(r, &back, &out, &err), -EINVAL);
    assert_null(out);
    assert_contains(err.msg, "symbols the table does not hold");
    pd_stored_free(&back);

    /* the sample cap */
    err = (pd_err){0};
    assert_int_equal(pd_stored_decode(blob, blen, 2, &back, &err), -E2BIG);

    /* a blob re-compressed with a byte cut from its columns */
    uint8_t *raw;
    size_t rawlen;
    assert_int_equal(pd_unpack(blob, blen, 1 << 20, &raw, &rawlen, &err), 0);
    uint8_t *cut;
    size_t cutlen;
    pd_pack(raw, rawlen - 1, &cut, &cutlen);
    err = (pd_err){0};
    assert_int_equal(pd_stored_decode(cut, cutlen, 0, &back, &err), -EINVAL);
    free(cut);
    free(raw);

    /* a chunk that refers to strings it does not bring fails whole */
    pd_symtab *t2 = pd_symtab_new();
    pd_profile *b = tp_new("samples/count", NULL, 0);
    tp_stack(b, "only", TP_V(1), NULL);
    pd_stored st2;
    pd_symtab_add(t2, b, &st2);
    pd_symtab_chunk(t2, &raw, &rawlen); /* first chunk of t2, loaded nowhere */
    pd_stored_free(&st2);
    pd_profile *b2 = tp_new("samples/count", NULL, 0);
    tp_stack(b2, "only;caller", TP_V(1), NULL);
    pd_symtab_add(t2, b2, &st2);
    uint8_t *second;
    size_t second_len;
    pd_symtab_chunk(t2, &second, &second_len);
    err = (pd_err){0};
    assert_int_equal(pd_symtab_load(r, second, second_len, &err), -EINVAL);
    assert_int_equal(pd_symtab_nodes(r), 0);
    err = (pd_err){0};
    assert_int_equal(pd_symtab_load(r, raw, rawlen, &err), 0); /* in order, both load */
    assert_int_equal(pd_symtab_load(r, second, second_len, &err), 0);
    assert_int_equal(pd_symtab_nodes(r), 3); /* only; caller; caller>only */

    free(second);
    free(raw);
    pd_stored_free(&st2);
    pd_profile_free(b);
    pd_profile_free(b2);
    pd_symtab_free(t2);
    free(chunk);
    free(blob);
    pd_stored_free(&st);
    pd_profile_free(a);
    pd_symtab_free(r);
    pd_symtab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_is_lossless),
        cmocka_unit_test(test_symbols_are_stored_once),
        cmocka_unit_test(test_rollback_forgets_unsaved),
        cmocka_unit_test(test_loaded_table_interns_further),
        cmocka_unit_test(test_corrupt_input_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
