/* proto/merge.c and merge_stream.c: profile.Merge of Go's pprof, rule by
 * rule — dedup keys, first-seen ids, headers, zero samples and compaction.
 * The expected results were checked against Go 1.19's profile.Merge. */
#include "pd_profile.h"
#include "tp.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pd_profile *merge_ok(pd_profile *const *ps, size_t n)
{
    pd_profile *out = NULL;
    pd_err err = {{0}};
    int rc = pd_profile_merge(ps, n, &out, &err);
    if (rc != 0)
        fail_msg("merge failed: %d %s", rc, err.msg);
    assert_non_null(out);
    assert_valid(out);
    return out;
}

static pd_profile *merge2(pd_profile *a, pd_profile *b)
{
    pd_profile *ps[2] = {a, b};
    return merge_ok(ps, 2);
}

static void free3(pd_profile *a, pd_profile *b, pd_profile *c)
{
    pd_profile_free(a);
    pd_profile_free(b);
    pd_profile_free(c);
}

static pd_profile *cpu(void)
{
    return tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10000000);
}

static pd_profile *one(void)
{
    return tp_new("samples/count", "cpu/nanoseconds", 10);
}

/* --- one profile: compaction and ids --------------------------------------- */

static void test_single_profile_compacts_and_renumbers(void **state)
{
    (void)state;
    pd_profile *p = one();
    uint32_t app = tp_map(p, 0x400000, 0x410000, 0, "/bin/app", "");
    tp_map(p, 0x500000, 0x510000, 0, "/lib/unused.so", "");
    uint32_t used = tp_map(p, 0x600000, 0x610000, 0, "/lib/used.so", "");
    tp_fn(p, "unused");
    tp_loc(p, app, 0x400050, "unused:1");
    uint32_t la = tp_loc(p, used, 0x600100, "a:5");
    uint32_t lb = tp_loc(p, app, 0x400100, "b:6");
    /* ids of any shape: the result numbers them 1..n */
    p->mappings[0].id = 70;
    p->mappings[1].id = 71;
    p->mappings[2].id = 1ull << 50;
    p->functions[0].id = 9;
    p->functions[1].id = 5;
    p->functions[2].id = 3;
    p->locations[0].id = 100;
    p->locations[1].id = 300;
    p->locations[2].id = 200;
    tp_sample_locs(p, (uint32_t[]){la, lb}, 2, TP_V(4), NULL);
    tp_sample_locs(p, (uint32_t[]){lb}, 1, TP_V(0), NULL);
    tp_sample_locs(p, (uint32_t[]){lb}, 1, TP_V(2), NULL);
    p->time_nanos = 77;
    p->duration_nanos = 88;

    pd_profile *out = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_compact(p, &out, &err), 0);
    assert_valid(out);
    /* the first mapping stays first; the unused mapping, function and
     * location are gone; ids are index + 1 in order of first use */
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "M2 0x600000-0x610000 off=0x0 file=/lib/used.so bid=\n"
                       "F1 a sys=a file= start=0\n"
                       "F2 b sys=b file= start=0\n"
                       "L1 M2 0x600100 F1:5\n"
                       "L2 M1 0x400100 F2:6\n"
                       "S L1,L2 = 4\n"
                       "S L2 = 2\n");
    assert_header(out, "types=samples/count period=cpu/nanoseconds:10 time=77 dur=88 comments= "
                       "default= drop= keep=");
    pd_profile_free(out);
    /* pd_profile_merge of one profile is the same thing */
    pd_profile *again = merge_ok(&p, 1);
    assert_tables(again, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                         "M2 0x600000-0x610000 off=0x0 file=/lib/used.so bid=\n"
                         "F1 a sys=a file= start=0\n"
                         "F2 b sys=b file= start=0\n"
                         "L1 M2 0x600100 F1:5\n"
                         "L2 M1 0x400100 F2:6\n"
                         "S L1,L2 = 4\n"
                         "S L2 = 2\n");
    pd_profile_free(again);
    pd_profile_free(p);
}

static void test_ids_follow_first_use(void **state)
{
    (void)state;
    /* lines of a location are mapped innermost first, locations leaf
     * first, samples in order */
    pd_profile *p = one();
    tp_fn(p, "z");
    tp_fn(p, "y");
    uint32_t l1 = tp_loc(p, 0, 0x30, "inl:3;outer:9");
    uint32_t l2 = tp_loc(p, 0, 0x20, "y:1");
    uint32_t l3 = tp_loc(p, 0, 0x10, "z:1;outer:4");
    tp_sample_locs(p, (uint32_t[]){l2, l1}, 2, TP_V(1), NULL);
    tp_sample_locs(p, (uint32_t[]){l3, l1}, 2, TP_V(1), NULL);
    pd_profile *out = merge_ok(&p, 1);
    assert_tables(out, "F1 y sys=y file= start=0\n"
                       "F2 inl sys=inl file= start=0\n"
                       "F3 outer sys=outer file= start=0\n"
                       "F4 z sys=z file= start=0\n"
                       "L1 M0 0x20 F1:1\n"
                       "L2 M0 0x30 F2:3,F3:9\n"
                       "L3 M0 0x10 F4:1,F3:4\n"
                       "S L1,L2 = 1\n"
                       "S L3,L2 = 1\n");
    pd_profile_free(out);
    pd_profile_free(p);
}

/* --- mappings ---------------------------------------------------------------- */

static void test_mapping_dedup_rebases_addresses(void **state)
{
    (void)state;
    pd_profile *a = one();
    uint32_t ma = tp_map(a, 0x400000, 0x410000, 0, "/bin/app", "");
    uint32_t a_main = tp_loc(a, ma, 0x400100, "main:1");
    uint32_t a_f = tp_loc(a, ma, 0x400200, "f:2");
    tp_sample_locs(a, (uint32_t[]){a_f, a_main}, 2, TP_V(1), NULL);

    /* the same binary loaded elsewhere (ASLR); its size rounds up to the
     * same 4 KiB multiple */
    pd_profile *b = one();
    uint32_t mb = tp_map(b, 0x7f0000, 0x7fff01, 0, "/bin/app", "");
    uint32_t b_main = tp_loc(b, mb, 0x7f0100, "main:1");
    uint32_t b_f = tp_loc(b, mb, 0x7f0200, "f:2");
    uint32_t b_g = tp_loc(b, mb, 0x7f0300, "g:3");
    tp_sample_locs(b, (uint32_t[]){b_f, b_main}, 2, TP_V(10), NULL);
    tp_sample_locs(b, (uint32_t[]){b_g, b_main}, 2, TP_V(2), NULL);

    pd_profile *out = merge2(a, b);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "F1 f sys=f file= start=0\n"
                       "F2 main sys=main file= start=0\n"
                       "F3 g sys=g file= start=0\n"
                       "L1 M1 0x400200 F1:2\n"
                       "L2 M1 0x400100 F2:1\n"
                       "L3 M1 0x400300 F3:3\n"
                       "S L1,L2 = 11\n"
                       "S L3,L2 = 2\n");
    free3(a, b, out);
}

typedef struct map_case {
    const char *a_file, *a_bid;
    uint64_t a_size, a_off;
    const char *b_file, *b_bid;
    uint64_t b_size, b_off;
    uint32_t want_maps;
} map_case;

static void test_mapping_key(void **state)
{
    (void)state;
    const map_case cases[] = {
        /* same size, file, offset: one mapping at any start */
        {"/bin/app", "", 0x10000, 0, "/bin/app", "", 0x10000, 0, 1},
        /* sizes equal after rounding up to 4 KiB */
        {"/bin/app", "", 0x10000, 0, "/bin/app", "", 0xf001, 0, 1},
        {"/bin/app", "", 0x1, 0, "/bin/app", "", 0x1000, 0, 1},
        /* one byte more is the next 4 KiB */
        {"/bin/app", "", 0x10000, 0, "/bin/app", "", 0x10001, 0, 2},
        /* offset and file are in the key */
        {"/bin/app", "", 0x10000, 0, "/bin/app", "", 0x10000, 0x1000, 2},
        {"/bin/app", "", 0x10000, 0, "/bin/other", "", 0x10000, 0, 2},
        /* a build id wins over the file name */
        {"/bin/app", "abc", 0x10000, 0, "/elsewhere/app", "abc", 0x10000, 0, 1},
        {"/bin/app", "abc", 0x10000, 0, "/bin/app", "abd", 0x10000, 0, 2},
        {"/bin/app", "", 0x10000, 0, "/bin/app", "x", 0x10000, 0, 2},
        /* build id of one equal to the file name of the other: same key */
        {"abc", "", 0x10000, 0, "zzz", "abc", 0x10000, 0, 1},
        /* neither file nor build id: fake mappings all merge */
        {"", "", 0x10000, 0, "", "", 0x10000, 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const map_case *c = &cases[i];
        pd_profile *a = one();
        uint32_t ma = tp_map(a, 0x400000, 0x400000 + c->a_size, c->a_off, c->a_file, c->a_bid);
        tp_sample_locs(a, (uint32_t[]){tp_loc(a, ma, 0x400010, "f:1")}, 1, TP_V(1), NULL);
        pd_profile *b = one();
        uint32_t mb = tp_map(b, 0x900000, 0x900000 + c->b_size, c->b_off, c->b_file, c->b_bid);
        tp_sample_locs(b, (uint32_t[]){tp_loc(b, mb, 0x900010, "f:1")}, 1, TP_V(2), NULL);
        pd_profile *out = merge2(a, b);
        if (out->nmappings != c->want_maps)
            fail_msg("case %zu: %u mappings, want %u", i, out->nmappings, c->want_maps);
        assert_pstr(out, out->mappings[0].file, c->a_file);
        if (c->want_maps == 1) {
            /* b's location was rebased onto a's mapping and deduplicated */
            assert_int_equal(out->nlocations, 1);
            assert_int_equal(out->locations[0].address, 0x400010);
            assert_render(out, "f 3\n");
        } else {
            assert_int_equal(out->nlocations, 2);
            assert_int_equal(out->locations[1].address, 0x900010);
            assert_int_equal(out->locations[1].mapping, 2);
            assert_render(out, "f 1\nf 2\n");
        }
        free3(a, b, out);
    }
}

static void test_first_mapping_is_kept_first(void **state)
{
    (void)state;
    /* the main binary (first mapping) is unused by any sample: still M1 */
    pd_profile *a = one();
    tp_map(a, 0x400000, 0x410000, 0, "/bin/app", "");
    uint32_t lib = tp_map(a, 0x500000, 0x510000, 0, "/lib/x.so", "");
    tp_sample_locs(a, (uint32_t[]){tp_loc(a, lib, 0x500010, "f:1")}, 1, TP_V(1), NULL);
    pd_profile *out = merge_ok(&a, 1);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "M2 0x500000-0x510000 off=0x0 file=/lib/x.so bid=\n"
                       "F1 f sys=f file= start=0\n"
                       "L1 M2 0x500010 F1:1\n"
                       "S L1 = 1\n");
    pd_profile_free(out);

    /* the first input has no mappings: the first one seen later leads */
    pd_profile *z = one();
    tp_stack(z, "g", TP_V(5), NULL);
    pd_profile *ps[2] = {z, a};
    out = merge_ok(ps, 2);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "M2 0x500000-0x510000 off=0x0 file=/lib/x.so bid=\n"
                       "F1 g sys=g file= start=0\n"
                       "F2 f sys=f file= start=0\n"
                       "L1 M0 0x0 F1:0\n"
                       "L2 M2 0x500010 F2:1\n"
                       "S L1 = 5\n"
                       "S L2 = 1\n");
    pd_profile_free(out);
    pd_profile_free(z);
    pd_profile_free(a);
}

typedef struct rebase_case {
    uint64_t a_start, b_start, b_addr;
} rebase_case;

static void rebase_extreme(void *arg)
{
    const rebase_case *c = arg;
    pd_profile *a = one();
    uint32_t ma = tp_map(a, c->a_start, c->a_start + 0x1000, 0, "/bin/x", "");
    tp_sample_locs(a, (uint32_t[]){tp_loc(a, ma, c->a_start, "f")}, 1, TP_V(1), NULL);
    pd_profile *b = one();
    uint32_t mb = tp_map(b, c->b_start, c->b_start + 0x1000, 0, "/bin/x", "");
    tp_sample_locs(b, (uint32_t[]){tp_loc(b, mb, c->b_addr, "g")}, 1, TP_V(1), NULL);
    pd_profile *ps[2] = {a, b}, *out = NULL;
    if (pd_profile_merge(ps, 2, &out, NULL) != 0)
        _exit(2);
    /* Go: uint64(int64(src.Address) + offset), wrapping */
    uint64_t want = c->b_addr + (c->a_start - c->b_start);
    _exit(out->nlocations == 2 && out->locations[1].address == want ? 0 : 3);
}

/* BUG(proto/merge.c:237, open): rebasing a location onto the merged
 * mapping adds in signed arithmetic, `(int64_t)src->address + mr.offset`.
 * Addresses and mapping starts come from the profile (any uint64): with the
 * merged mapping at 0x7fffffffffff0000, the same binary at 0 in the next
 * input and a location at 0x7ffffffffffffff0 there, the sum overflows —
 * undefined behaviour the ASan+UBSan build aborts on. Go's
 * `uint64(int64(src.Address) + mi.offset)` wraps. Fix: add as uint64_t,
 * `src->address + (uint64_t)mr.offset`. Run in a child process so the abort
 * fails this test only; the release build passes by luck (it wraps). */
static void test_BUG_rebase_wraps_like_go(void **state)
{
    (void)state;
    const rebase_case cases[] = {
        {0x7fffffffffff0000, 0, 0x7ffffffffffffff0},
        {0, 0x8000000000000000, 0x10},
        {0x400000, 0x500000, 0x500010}, /* an ordinary one */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = tp_run_isolated(rebase_extreme, (void *)&cases[i]);
        if (st != 0)
            fail_msg("BUG: case %zu: rebasing 0x%llx by 0x%llx failed (status %d: %s)", i,
                     (unsigned long long)cases[i].b_addr,
                     (unsigned long long)(cases[i].a_start - cases[i].b_start), st,
                     st >= 1000 ? "killed by a signal"
                     : st == 3  ? "wrong address"
                                : "a sanitizer report or an error");
    }
}

/* --- functions and locations ----------------------------------------------- */

static void test_function_key(void **state)
{
    (void)state;
    struct {
        const char *name, *sys, *file;
        int64_t start;
        uint32_t want;
    } cases[] = {
        {"f", "f_sys", "a.go", 1, 1}, {"g", "f_sys", "a.go", 1, 2}, {"f", "g_sys", "a.go", 1, 2},
        {"f", "f_sys", "b.go", 1, 2}, {"f", "f_sys", "a.go", 2, 2}, {"f", "", "a.go", 1, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *a = one();
        tp_fn_full(a, "f", "f_sys", "a.go", 1);
        a->functions[0].id = 17;
        tp_sample_locs(a, (uint32_t[]){tp_loc(a, 0, 0x10, "f:1")}, 1, TP_V(1), NULL);
        pd_profile *b = one();
        tp_fn_full(b, "pad", "pad", "", 0);
        tp_fn_full(b, cases[i].name, cases[i].sys, cases[i].file, cases[i].start);
        char spec[32];
        snprintf(spec, sizeof(spec), "%s:1", cases[i].name);
        uint32_t l = tp_loc(b, 0, 0x10, spec);
        assert_int_equal(b->locations[l].lines[0].function, 1);
        tp_sample_locs(b, &l, 1, TP_V(2), NULL);
        pd_profile *out = merge2(a, b);
        if (out->nfunctions != cases[i].want)
            fail_msg("case %zu: %u functions, want %u", i, out->nfunctions, cases[i].want);
        /* a different function makes a different location and sample */
        assert_int_equal(out->nlocations, cases[i].want);
        assert_int_equal(out->nsamples, cases[i].want);
        assert_int_equal(out->samples[0].values[0], cases[i].want == 1 ? 3 : 1);
        assert_pstr(out, out->functions[0].system_name, "f_sys");
        assert_int_equal(out->functions[0].start_line, 1);
        assert_pstr(out, out->functions[0].filename, "a.go");
        free3(a, b, out);
    }
}

static void test_location_key(void **state)
{
    (void)state;
    struct {
        uint64_t addr;
        const char *lines;
        bool folded, mapped;
        uint32_t want;
    } cases[] = {
        {0x10, "f:1;g:2", false, false, 1}, /* identical */
        {0x20, "f:1;g:2", false, false, 2}, /* address */
        {0x10, "f:1;g:3", false, false, 2}, /* a line number */
        {0x10, "g:2;f:1", false, false, 2}, /* order of lines */
        {0x10, "f:1", false, false, 2},     /* fewer lines */
        {0x10, "f:1;g:2", true, false, 2},  /* folded */
        {0x10, "f:1;g:2", false, true, 2},  /* in a mapping */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *a = one();
        tp_sample_locs(a, (uint32_t[]){tp_loc(a, 0, 0x10, "f:1;g:2")}, 1, TP_V(1), NULL);
        pd_profile *b = one();
        uint32_t m = cases[i].mapped ? tp_map(b, 0, 0x1000, 0, "x", "") : 0;
        uint32_t l = tp_loc(b, m, cases[i].addr, cases[i].lines);
        b->locations[l].is_folded = cases[i].folded;
        tp_sample_locs(b, &l, 1, TP_V(2), NULL);
        pd_profile *out = merge2(a, b);
        if (out->nlocations != cases[i].want)
            fail_msg("case %zu: %u locations, want %u", i, out->nlocations, cases[i].want);
        assert_int_equal(out->nsamples, cases[i].want);
        /* functions are shared by name whatever the location */
        assert_int_equal(out->nfunctions, 2);
        free3(a, b, out);
    }

    /* locations without lines dedup on the address alone */
    pd_profile *a = one();
    uint32_t l1 = tp_loc(a, 0, 0xabc, NULL);
    uint32_t l2 = tp_loc(a, 0, 0xabc, NULL);
    uint32_t l3 = tp_loc(a, 0, 0xabd, NULL);
    tp_sample_locs(a, &l1, 1, TP_V(1), NULL);
    tp_sample_locs(a, &l2, 1, TP_V(2), NULL);
    tp_sample_locs(a, &l3, 1, TP_V(4), NULL);
    pd_profile *out = merge_ok(&a, 1);
    assert_render(out, "0xabc 3\n0xabd 4\n");
    assert_int_equal(out->nlocations, 2);
    pd_profile_free(out);
    pd_profile_free(a);
}

/* --- samples and labels ---------------------------------------------------- */

static void test_sample_key_labels(void **state)
{
    (void)state;
    pd_profile *p = one();
    const char *labels[] = {
        "x=1,y=2",
        "y=2,x=1", /* order across keys: same */
        "k=p,k=q",
        "k=q,k=p", /* order under one key: differs */
        "k=p,k=q",
        "n#5",
        "n#5@bytes", /* a unit differs */
        "n#5",
        "n=5", /* a string is not a number */
        NULL,
        "x=1", /* a subset differs */
        "x=1,n#5,y=2",
        "n#5,y=2,x=1", /* numbers and strings mixed */
        "n#1,n#2",
        "n#2,n#1", /* order of numbers */
        "n#1@bytes,n#2",
        "n#1,n#2@bytes", /* which number has the unit */
        "n#1,n#2",
    };
    size_t n = sizeof(labels) / sizeof(labels[0]);
    for (size_t i = 0; i < n; i++)
        tp_stack(p, "a;main", TP_V((int64_t)1 << i), labels[i]);
    pd_profile *out = merge_ok(&p, 1);
    assert_render(out, "a;main {x=1,y=2} 3\n"
                       "a;main {k=p,k=q} 20\n"
                       "a;main {k=q,k=p} 8\n"
                       "a;main {n#5} 160\n"
                       "a;main {n#5[bytes]} 64\n"
                       "a;main {n=5} 256\n"
                       "a;main 512\n"
                       "a;main {x=1} 1024\n"
                       "a;main {n#5,x=1,y=2} 6144\n"
                       "a;main {n#1,n#2} 139264\n"
                       "a;main {n#2,n#1} 16384\n"
                       "a;main {n#1[bytes],n#2} 32768\n"
                       "a;main {n#1,n#2[bytes]} 65536\n");
    pd_profile_free(out);
    pd_profile_free(p);
}

static void test_labels_match_by_content_not_index(void **state)
{
    (void)state;
    pd_profile *a = one();
    tp_stack(a, "f", TP_V(1), "key=val,num#3@bytes");
    pd_profile *b = one();
    /* the same strings at other indices */
    tp_str(b, "padding");
    tp_str(b, "bytes");
    tp_str(b, "val");
    tp_str(b, "more");
    tp_str(b, "key");
    tp_stack(b, "f", TP_V(2), "num#3@bytes,key=val");
    assert_true(a->samples[0].labels[0].key != b->samples[0].labels[1].key);
    pd_profile *out = merge2(a, b);
    assert_render(out, "f {key=val,num#3[bytes]} 3\n");
    free3(a, b, out);
}

static void test_samples_sum_per_value_and_stack_order_matters(void **state)
{
    (void)state;
    pd_profile *a = cpu();
    tp_stack(a, "a;b", TP_V(1, 100), NULL);
    tp_stack(a, "b;a", TP_V(2, 200), NULL);
    tp_stack(a, "a", TP_V(3, 300), NULL);
    tp_stack(a, NULL, TP_V(9, 900), NULL); /* no stack at all */
    pd_profile *b = cpu();
    tp_stack(b, "a", TP_V(30, 3000), NULL);
    tp_stack(b, "a;b", TP_V(10, -1000), NULL);
    tp_stack(b, "a;b;a", TP_V(1, 1), NULL);
    tp_stack(b, NULL, TP_V(1, 1), NULL);
    pd_profile *out = merge2(a, b);
    assert_render(out, "a;b 11 -900\n"
                       "b;a 2 200\n"
                       "a 33 3300\n"
                       " 10 901\n"
                       "a;b;a 1 1\n");
    free3(a, b, out);
}

/* --- headers ----------------------------------------------------------------- */

static void test_headers_combine(void **state)
{
    (void)state;
    pd_profile *p1 = cpu(), *p2 = cpu(), *p3 = cpu();
    p1->time_nanos = 500;
    p1->duration_nanos = 10;
    p1->period = 100;
    tp_comment(p1, "c1");
    tp_comment(p1, "c2");
    p1->drop_frames = tp_str(p1, "d1");
    p2->time_nanos = 300;
    p2->duration_nanos = 20;
    p2->period = 50;
    tp_comment(p2, "c2");
    tp_comment(p2, "c3");
    p2->default_sample_type = tp_str(p2, "cpu");
    p2->drop_frames = tp_str(p2, "d2");
    p2->keep_frames = tp_str(p2, "k2");
    p3->time_nanos = 400;
    p3->duration_nanos = 30;
    p3->period = 200;
    tp_comment(p3, "c1");
    tp_comment(p3, "c4");
    p3->default_sample_type = tp_str(p3, "samples");
    pd_profile *ps[3] = {p1, p2, p3};
    pd_profile *out = merge_ok(ps, 3);
    /* drop/keep frames come from the first profile alone, even if empty */
    assert_header(out, "types=samples/count,cpu/nanoseconds period=cpu/nanoseconds:200 time=300 "
                       "dur=60 comments=c1|c2|c3|c4 default=cpu drop=d1 keep=");
    assert_int_equal(out->nsamples, 0);
    pd_profile_free(out);
    free3(p1, p2, p3);
}

static void test_time_and_period_rules(void **state)
{
    (void)state;
    /* time: the earliest, but a zero resets it (Go's `timeNanos == 0 ||
     * s.TimeNanos < timeNanos`); period: the largest, with the same reset */
    struct {
        int64_t v[3];
        size_t n;
        int64_t want_time, want_period;
    } cases[] = {
        {{5, 3, 7}, 3, 3, 7},     {{0, 5, 0}, 2, 5, 5},    {{5, 0, 7}, 3, 7, 7},
        {{5, 0, 0}, 2, 0, 5},     {{0, 0, 0}, 2, 0, 0},    {{-5, 3, 0}, 2, -5, 3},
        {{-5, 0, 0}, 2, -5, 0},   {{0, -5, 0}, 2, -5, -5}, {{-3, 0, -5}, 3, -5, -5},
        {{-5, -3, 0}, 2, -5, -3}, {{10, 5, 0}, 2, 5, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *ps[3];
        for (size_t j = 0; j < cases[i].n; j++) {
            ps[j] = one();
            ps[j]->time_nanos = cases[i].v[j];
            ps[j]->period = cases[i].v[j];
        }
        pd_profile *out = merge_ok(ps, cases[i].n);
        if (out->time_nanos != cases[i].want_time || out->period != cases[i].want_period)
            fail_msg("case %zu: time %lld period %lld, want %lld %lld", i,
                     (long long)out->time_nanos, (long long)out->period,
                     (long long)cases[i].want_time, (long long)cases[i].want_period);
        pd_profile_free(out);
        for (size_t j = 0; j < cases[i].n; j++)
            pd_profile_free(ps[j]);
    }
}

static void test_default_sample_type_first_non_empty(void **state)
{
    (void)state;
    pd_profile *a = cpu(), *b = cpu(), *c = cpu();
    b->default_sample_type = tp_str(b, "samples");
    c->default_sample_type = tp_str(c, "cpu");
    pd_profile *ps[3] = {a, b, c};
    pd_profile *out = merge_ok(ps, 3);
    assert_pstr(out, out->default_sample_type, "samples");
    pd_profile_free(out);
    free3(a, b, c);
}

static void test_incompatible_profiles(void **state)
{
    (void)state;
    pd_profile *a = one();
    tp_stack(a, "f", TP_V(1), NULL);
    struct {
        pd_profile *b;
        const char *msg;
    } cases[] = {
        {tp_new("samples/count", "space/bytes", 10),
         "incompatible period types cpu/nanoseconds and space/bytes"},
        {tp_new("samples/count", NULL, 10), "incompatible period types cpu/nanoseconds and /"},
        {tp_new("samples/bytes", "cpu/nanoseconds", 10),
         "incompatible sample types samples/count and samples/bytes"},
        {tp_new("sample/count", "cpu/nanoseconds", 10),
         "incompatible sample types samples/count and sample/count"},
        {tp_new("samples/count,cpu/nanoseconds", "cpu/nanoseconds", 10), "1 and 2"},
        {tp_new("", "cpu/nanoseconds", 10), "1 and 0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pd_profile *b = cases[i].b;
        pd_profile *out = a;
        pd_err err = {{0}};
        pd_profile *ps[2] = {a, b};
        assert_int_equal(pd_profile_merge(ps, 2, &out, &err), -EINVAL);
        assert_null(out);
        assert_contains(err.msg, cases[i].msg);
        assert_contains(err.msg, "incompatible");
        pd_err_clear(&err);
        assert_int_equal(pd_profile_compatible(a, b, &err), -EINVAL);
        assert_contains(err.msg, cases[i].msg);
        pd_profile_free(b);
    }
    pd_err err = {{0}};
    assert_int_equal(pd_profile_compatible(a, a, &err), 0);
    assert_string_equal(err.msg, "");

    /* a merger that refused an input refuses everything after */
    pd_merger *m = pd_merger_new();
    pd_profile *b = tp_new("samples/count", "wall/nanoseconds", 10);
    assert_int_equal(pd_merger_add(m, a, NULL, &err), 0);
    assert_int_equal(pd_merger_add(m, b, NULL, &err), -EINVAL);
    assert_contains(err.msg, "incompatible period types cpu/nanoseconds and wall/nanoseconds");
    pd_err_clear(&err);
    assert_int_equal(pd_merger_add(m, a, NULL, &err), -EINVAL);
    assert_contains(err.msg, "failed");
    pd_profile *out = a;
    pd_err_clear(&err);
    assert_int_equal(pd_merger_finish(m, &out, &err), -EINVAL);
    assert_null(out);
    assert_true(err.msg[0] != '\0');
    pd_merger_free(m);
    pd_profile_free(b);
    pd_profile_free(a);
}

static void test_nothing_to_merge(void **state)
{
    (void)state;
    pd_profile dummy;
    pd_profile *out = &dummy;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_merge(NULL, 0, &out, &err), -EINVAL);
    assert_null(out);
    assert_contains(err.msg, "no profiles to merge");
    pd_merger *m = pd_merger_new();
    assert_int_equal(pd_merger_sample_count(m), 0);
    pd_err_clear(&err);
    assert_int_equal(pd_merger_finish(m, &out, &err), -EINVAL);
    assert_contains(err.msg, "no profiles to merge");
    pd_merger_free(m);
    /* freeing an unused merger, and NULL, is fine */
    pd_merger_free(pd_merger_new());
    pd_merger_free(NULL);
}

/* --- zero samples and compaction ------------------------------------------- */

static void test_zero_input_samples_dropped(void **state)
{
    (void)state;
    pd_profile *a = cpu();
    tp_stack(a, "a;main", TP_V(0, 0), NULL);
    tp_stack(a, "b;main", TP_V(0, 5), NULL);
    tp_stack(a, "c", TP_V(0, 0), "k=v");
    tp_stack(a, "d", TP_V(-1, 0), NULL);
    pd_profile *out = merge_ok(&a, 1);
    /* never seen: nothing of a or c is added */
    assert_tables(out, "F1 b sys=b file= start=0\n"
                       "F2 main sys=main file= start=0\n"
                       "F3 d sys=d file= start=0\n"
                       "L1 M0 0x0 F1:0\n"
                       "L2 M0 0x0 F2:0\n"
                       "L3 M0 0x0 F3:0\n"
                       "S L1,L2 = 0 5\n"
                       "S L3 = -1 0\n");
    pd_profile_free(out);
    pd_profile_free(a);
}

static pd_profile *two_libs(uint64_t app_start, uint64_t lib_start, int64_t sign, bool with_g)
{
    pd_profile *p = one();
    uint32_t app = tp_map(p, app_start, app_start + 0x10000, 0, "/bin/app", "");
    uint32_t lib = tp_map(p, lib_start, lib_start + 0x10000, 0, "/lib/x.so", "");
    uint32_t lf = tp_loc(p, lib, lib_start + 0x10, "f");
    uint32_t lm = tp_loc(p, app, app_start + 0x10, "main");
    uint32_t lh = tp_loc(p, lib, lib_start + 0x20, "h");
    tp_sample_locs(p, (uint32_t[]){lf, lm}, 2, TP_V(5 * sign), NULL);
    if (with_g) {
        uint32_t lg = tp_loc(p, app, app_start + 0x20, "g");
        tp_sample_locs(p, (uint32_t[]){lg, lm}, 2, TP_V(3 * sign), NULL);
    }
    tp_sample_locs(p, (uint32_t[]){lh, lm}, 2, TP_V(1 * sign), NULL);
    return p;
}

static void test_cancelled_samples_compact(void **state)
{
    (void)state;
    /* f;main and h;main cancel: the lib mapping, f, h and their locations
     * go, g and main are renumbered from 1 */
    pd_profile *a = two_libs(0x400000, 0x500000, 1, true);
    pd_profile *b = two_libs(0x800000, 0x900000, -1, false);
    pd_profile *out = merge2(a, b);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "F1 g sys=g file= start=0\n"
                       "F2 main sys=main file= start=0\n"
                       "L1 M1 0x400020 F1:0\n"
                       "L2 M1 0x400010 F2:0\n"
                       "S L1,L2 = 3\n");
    free3(a, b, out);

    /* everything cancels: an empty profile, but the first mapping stays
     * (Go's re-merge always maps Mapping[0] first) */
    a = two_libs(0x400000, 0x500000, 1, true);
    b = two_libs(0x400000, 0x500000, -1, true);
    b->time_nanos = 42;
    out = merge2(a, b);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n");
    assert_header(out, "types=samples/count period=cpu/nanoseconds:10 time=42 dur=0 comments= "
                       "default= drop= keep=");
    free3(a, b, out);
}

static void test_first_mapping_survives_compaction_unreferenced(void **state)
{
    (void)state;
    /* only the main binary's samples cancel: it stays M1, unreferenced */
    pd_profile *a = one();
    uint32_t app = tp_map(a, 0x400000, 0x410000, 0, "/bin/app", "");
    uint32_t lib = tp_map(a, 0x500000, 0x510000, 0, "/lib/x.so", "");
    tp_sample_locs(a, (uint32_t[]){tp_loc(a, app, 0x400010, "main")}, 1, TP_V(4), NULL);
    tp_sample_locs(a, (uint32_t[]){tp_loc(a, lib, 0x500010, "f")}, 1, TP_V(6), NULL);
    pd_profile *b = one();
    app = tp_map(b, 0x400000, 0x410000, 0, "/bin/app", "");
    tp_sample_locs(b, (uint32_t[]){tp_loc(b, app, 0x400010, "main")}, 1, TP_V(-4), NULL);
    pd_profile *out = merge2(a, b);
    assert_tables(out, "M1 0x400000-0x410000 off=0x0 file=/bin/app bid=\n"
                       "M2 0x500000-0x510000 off=0x0 file=/lib/x.so bid=\n"
                       "F1 f sys=f file= start=0\n"
                       "L1 M2 0x500010 F1:0\n"
                       "S L1 = 6\n");
    free3(a, b, out);
}

/* --- the merger: weights, counts, streaming -------------------------------- */

static void test_merger_weights(void **state)
{
    (void)state;
    pd_profile *p = tp_new("a/count,b/count", NULL, 0);
    tp_stack(p, "x", TP_V(3, 4), NULL);
    tp_stack(p, "y", TP_V(5, 0), NULL);
    tp_stack(p, "z", TP_V(0, 7), NULL);
    pd_merger *m = pd_merger_new();
    pd_err err = {{0}};
    assert_int_equal(pd_merger_add(m, p, TP_V(2, -1), &err), 0);
    assert_int_equal(pd_merger_sample_count(m), 3);
    /* all-zero weights: every sample is zero, nothing is added */
    assert_int_equal(pd_merger_add(m, p, TP_V(0, 0), &err), 0);
    assert_int_equal(pd_merger_sample_count(m), 3);
    /* z is zero once weighted, so it adds nothing either */
    assert_int_equal(pd_merger_add(m, p, TP_V(-2, 0), &err), 0);
    assert_int_equal(pd_merger_sample_count(m), 3);
    pd_profile *out = NULL;
    assert_int_equal(pd_merger_finish(m, &out, &err), 0);
    pd_merger_free(m);
    /* y summed to zero: compacted away, z renumbered */
    assert_tables(out, "F1 x sys=x file= start=0\n"
                       "F2 z sys=z file= start=0\n"
                       "L1 M0 0x0 F1:0\n"
                       "L2 M0 0x0 F2:0\n"
                       "S L1 = 0 -4\n"
                       "S L2 = 0 -7\n");
    /* the input was not modified */
    assert_render(p, "x 3 4\ny 5 0\nz 0 7\n");
    pd_profile_free(out);

    /* NULL weights are weights of one */
    m = pd_merger_new();
    assert_int_equal(pd_merger_add(m, p, NULL, &err), 0);
    assert_int_equal(pd_merger_add(m, p, TP_V(1, 1), &err), 0);
    assert_int_equal(pd_merger_finish(m, &out, &err), 0);
    pd_merger_free(m);
    assert_render(out, "x 6 8\ny 10 0\nz 0 14\n");
    pd_profile_free(out);
    pd_profile_free(p);
}

static void test_merger_sample_count_grows(void **state)
{
    (void)state;
    pd_profile *a = one();
    tp_stack(a, "f", TP_V(1), NULL);
    tp_stack(a, "g", TP_V(1), NULL);
    pd_profile *b = one();
    tp_stack(b, "g", TP_V(1), NULL);
    tp_stack(b, "h", TP_V(1), NULL);
    pd_merger *m = pd_merger_new();
    assert_int_equal(pd_merger_add(m, a, NULL, NULL), 0);
    assert_int_equal(pd_merger_sample_count(m), 2);
    assert_int_equal(pd_merger_add(m, b, NULL, NULL), 0);
    assert_int_equal(pd_merger_sample_count(m), 3);
    pd_profile *out;
    assert_int_equal(pd_merger_finish(m, &out, NULL), 0);
    pd_merger_free(m);
    assert_render(out, "f 1\ng 2\nh 1\n");
    pd_profile_free(out);
    pd_profile_free(a);
    pd_profile_free(b);
}

static void test_merged_profile_encodes(void **state)
{
    (void)state;
    pd_profile *a = two_libs(0x400000, 0x500000, 1, true);
    tp_comment(a, "hello");
    pd_profile *b = two_libs(0x700000, 0x800000, 2, true);
    tp_stack(b, "extra", TP_V(1), "k=v,n#3@bytes");
    pd_profile *out = merge2(a, b);
    pd_profile *q = tp_roundtrip(out);
    char *want = tp_render(out);
    assert_render(q, want);
    free(want);
    assert_render(q, "f;main 15\ng;main 9\nh;main 3\nextra {k=v,n#3[bytes]} 1\n");
    assert_int_equal(q->nmappings, 2);
    pd_profile_free(q);
    free3(a, b, out);
}

static void test_many_profiles(void **state)
{
    (void)state;
    /* 300 profiles of 40 samples over 60 functions: sums and counts */
    enum { NP = 300, NS = 40 };
    pd_merger *m = pd_merger_new();
    int64_t want_total = 0;
    uint32_t seed = 1;
    for (int i = 0; i < NP; i++) {
        pd_profile *p = cpu();
        p->time_nanos = 1000000 - i;
        for (int s = 0; s < NS; s++) {
            char stack[64];
            seed = seed * 1664525u + 1013904223u;
            snprintf(stack, sizeof(stack), "f%u;g%u;main", (seed >> 8) % 20, (seed >> 16) % 3);
            int64_t v = (int64_t)((seed >> 4) % 7);
            want_total += v;
            tp_stack(p, stack, TP_V(v, v * 10), NULL);
        }
        assert_int_equal(pd_merger_add(m, p, NULL, NULL), 0);
        pd_profile_free(p);
    }
    assert_true(pd_merger_sample_count(m) <= 60);
    pd_profile *out = NULL;
    assert_int_equal(pd_merger_finish(m, &out, NULL), 0);
    pd_merger_free(m);
    assert_valid(out);
    int64_t totals[2];
    pd_profile_totals(out, totals);
    assert_int_equal(totals[0], want_total);
    assert_int_equal(totals[1], want_total * 10);
    assert_true(out->nfunctions <= 24);
    assert_int_equal(out->time_nanos, 1000000 - (NP - 1));
    for (uint32_t i = 0; i < out->nsamples; i++)
        assert_true(out->samples[i].values[0] != 0);
    pd_profile_free(out);
}

/* A pd_profile_source over generated profiles. */
typedef struct gen_src {
    int next, n, fail_at;
} gen_src;

static int gen_next(void *ctx, pd_profile **p, pd_err *err)
{
    gen_src *g = ctx;
    if (g->next == g->fail_at)
        return pd_errf(err, -EIO, "source failed at %d", g->next);
    if (g->next == g->n)
        return 0;
    int i = g->next++;
    /* alternate microseconds and nanoseconds: each chunk is unit-scaled */
    bool us = i % 2 == 0;
    pd_profile *q = tp_new(us ? "samples/count,cpu/microseconds" : "samples/count,cpu/nanoseconds",
                           us ? "cpu/microseconds" : "cpu/nanoseconds", us ? 10000 : 10000000);
    q->time_nanos = 5000 - i;
    tp_stack(q, "f;main", TP_V(1, us ? 2 : 2000), NULL);
    char name[16];
    snprintf(name, sizeof(name), "g%d", i % 3);
    tp_stack(q, name, TP_V(i, 0), NULL);
    *p = q;
    return 1;
}

static void test_merge_stream_chunks(void **state)
{
    (void)state;
    gen_src g = {0, 130, -1};
    pd_profile *out = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_merge_stream(gen_next, &g, &out, &err), 0);
    assert_int_equal(g.next, 130);
    assert_valid(out);
    /* The g samples of the microsecond inputs (even i) vanish: scaling
     * them to nanoseconds is ScaleN({1, 1000}), which keeps a sample only
     * if a value whose ratio is not 1 is nonzero, and their cpu value is 0.
     * So g1 = 1+7+...+127, g0 = 3+9+...+129, g2 = 5+11+...+125, in the
     * order first seen (i = 1, 3, 5). */
    assert_render(out, "f;main 130 260000\ng1 1408 0\ng0 1452 0\ng2 1365 0\n");
    assert_header(out, "types=samples/count,cpu/nanoseconds period=cpu/nanoseconds:10000000 "
                       "time=4871 dur=0 comments= default= drop= keep=");
    pd_profile_free(out);

    /* an input that fails ends the merge with its error; nothing leaks */
    gen_src bad = {0, 130, 70};
    out = (pd_profile *)&bad;
    pd_err_clear(&err);
    assert_int_equal(pd_profile_merge_stream(gen_next, &bad, &out, &err), -EIO);
    assert_null(out);
    assert_string_equal(err.msg, "source failed at 70");
    bad = (gen_src){0, 130, 3};
    assert_int_equal(pd_profile_merge_stream(gen_next, &bad, &out, NULL), -EIO);

    /* no inputs at all */
    gen_src none = {0, 0, -1};
    pd_err_clear(&err);
    assert_int_equal(pd_profile_merge_stream(gen_next, &none, &out, &err), -EINVAL);
    assert_contains(err.msg, "no profiles to merge");
}

/* --- merge_stream equals pprof's chunked merge ---------------------------- */

static int series_next(void *ctx, pd_profile **p, pd_err *err)
{
    (void)err;
    int *st = ctx; /* {next, n, plain} */
    if (st[0] == st[1])
        return 0;
    *p = tp_series(st[0]++, st[2]);
    return 1;
}

/* pprof's driver, from the primitives: chunks of 64 unit-scaled and merged,
 * each folded into the total with another unit-scaled merge. */
static pd_profile *pprof_chunked(int n, int mode)
{
    pd_profile *total = NULL;
    for (int start = 0; start < n; start += 64) {
        int end = start + 64 < n ? start + 64 : n;
        pd_profile *chunk[64];
        for (int i = start; i < end; i++)
            chunk[i - start] = tp_series(i, mode);
        pd_profile *merged = NULL;
        pd_err err = {{0}};
        if (pd_profiles_scale_units(chunk, (size_t)(end - start), &err) != 0 ||
            pd_profile_merge(chunk, (size_t)(end - start), &merged, &err) != 0)
            fail_msg("reference chunk: %s", err.msg);
        for (int i = start; i < end; i++)
            pd_profile_free(chunk[i - start]);
        if (total == NULL) {
            total = merged;
            continue;
        }
        pd_profile *pair[2] = {total, merged}, *t2 = NULL;
        if (pd_profiles_scale_units(pair, 2, &err) != 0 ||
            pd_profile_merge(pair, 2, &t2, &err) != 0)
            fail_msg("reference fold: %s", err.msg);
        pd_profile_free(total);
        pd_profile_free(merged);
        total = t2;
    }
    return total;
}

static void test_merge_stream_equals_pprof_chunking(void **state)
{
    (void)state;
    int sizes[] = {1, 2, 63, 64, 65, 130, 200};
    for (int mode = 0; mode < 3; mode++) {
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            int n = sizes[k];
            int st[3] = {0, n, mode};
            pd_profile *got = NULL;
            pd_err err = {{0}};
            int rc = pd_profile_merge_stream(series_next, st, &got, &err);
            if (rc != 0)
                fail_msg("%d inputs, mode %d: %s", n, mode, err.msg);
            assert_valid(got);
            pd_profile *want = pprof_chunked(n, mode);
            assert_same_merge(got, want);
            pd_profile_free(got);
            pd_profile_free(want);
        }
    }
}

/* Inputs loaded by pd_prefetch workers: input i is tp_series(i, mode), and
 * input fail_at fails. */
typedef struct load_cfg {
    int mode, fail_at;
} load_cfg;

static int series_load(void *ctx, size_t i, pd_profile **p, pd_err *err)
{
    const load_cfg *cfg = ctx;
    if ((int)i == cfg->fail_at)
        return pd_errf(err, -EIO, "load %zu failed", i);
    *p = tp_series((int)i, cfg->mode);
    return 0;
}

static void test_prefetch_feeds_merge_stream_in_order(void **state)
{
    (void)state;
    pd_profile *want[3];
    for (int mode = 0; mode < 3; mode++)
        want[mode] = pprof_chunked(130, mode);
    const struct {
        unsigned threads;
        size_t window;
    } runs[] = {{1, 1}, {4, 3}, {2, 64}};
    for (int mode = 0; mode < 3; mode++) {
        for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
            load_cfg cfg = {mode, -1};
            pd_prefetch *pf =
                pd_prefetch_start(series_load, &cfg, 130, runs[r].threads, runs[r].window);
            pd_profile *got = NULL;
            pd_err err = {{0}};
            int rc = pd_profile_merge_stream(pd_prefetch_next, pf, &got, &err);
            pd_prefetch_stop(pf);
            if (rc != 0)
                fail_msg("mode %d, %u threads, window %zu: %s", mode, runs[r].threads,
                         runs[r].window, err.msg);
            assert_same_merge(got, want[mode]);
            pd_profile_free(got);
        }
    }
    for (int mode = 0; mode < 3; mode++)
        pd_profile_free(want[mode]);
}

static void test_prefetch_errors_and_early_stop(void **state)
{
    (void)state;
    /* a failing input ends the merge with its error; the loaded inputs
     * not taken are freed by stop (ASan would report them) */
    load_cfg cfg = {1, 70};
    pd_prefetch *pf = pd_prefetch_start(series_load, &cfg, 130, 4, 8);
    pd_profile *got = (pd_profile *)&cfg;
    pd_err err = {{0}};
    assert_int_equal(pd_profile_merge_stream(pd_prefetch_next, pf, &got, &err), -EIO);
    assert_null(got);
    assert_string_equal(err.msg, "load 70 failed");
    pd_prefetch_stop(pf);

    /* the consumer takes three inputs and stops: in order, nothing leaks */
    cfg = (load_cfg){1, -1};
    pf = pd_prefetch_start(series_load, &cfg, 50, 3, 10);
    for (int i = 0; i < 3; i++) {
        pd_profile *p = NULL;
        assert_int_equal(pd_prefetch_next(pf, &p, NULL), 1);
        assert_int_equal(p->duration_nanos, i); /* tp_series(i) has duration i */
        pd_profile_free(p);
    }
    pd_prefetch_stop(pf);

    /* no inputs: the source is empty at once */
    pf = pd_prefetch_start(series_load, &cfg, 0, 2, 4);
    pd_profile *p = (pd_profile *)&cfg;
    assert_int_equal(pd_prefetch_next(pf, &p, NULL), 0);
    assert_null(p);
    pd_prefetch_stop(pf);
    pd_prefetch_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_profile_compacts_and_renumbers),
        cmocka_unit_test(test_ids_follow_first_use),
        cmocka_unit_test(test_mapping_dedup_rebases_addresses),
        cmocka_unit_test(test_mapping_key),
        cmocka_unit_test(test_first_mapping_is_kept_first),
        cmocka_unit_test(test_BUG_rebase_wraps_like_go),
        cmocka_unit_test(test_function_key),
        cmocka_unit_test(test_location_key),
        cmocka_unit_test(test_sample_key_labels),
        cmocka_unit_test(test_labels_match_by_content_not_index),
        cmocka_unit_test(test_samples_sum_per_value_and_stack_order_matters),
        cmocka_unit_test(test_headers_combine),
        cmocka_unit_test(test_time_and_period_rules),
        cmocka_unit_test(test_default_sample_type_first_non_empty),
        cmocka_unit_test(test_incompatible_profiles),
        cmocka_unit_test(test_nothing_to_merge),
        cmocka_unit_test(test_zero_input_samples_dropped),
        cmocka_unit_test(test_cancelled_samples_compact),
        cmocka_unit_test(test_first_mapping_survives_compaction_unreferenced),
        cmocka_unit_test(test_merger_weights),
        cmocka_unit_test(test_merger_sample_count_grows),
        cmocka_unit_test(test_merged_profile_encodes),
        cmocka_unit_test(test_many_profiles),
        cmocka_unit_test(test_merge_stream_chunks),
        cmocka_unit_test(test_merge_stream_equals_pprof_chunking),
        cmocka_unit_test(test_prefetch_feeds_merge_stream_in_order),
        cmocka_unit_test(test_prefetch_errors_and_early_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
