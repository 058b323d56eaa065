/* Test helpers for proto/: build pd_profile values by hand, write protobuf
 * bytes field by field, and render a profile as canonical text so a test
 * can state the whole expected result in one string.
 *
 * Building: tp_new() makes a profile with sample types and a period type
 * given as "type/unit" lists; tp_fn / tp_map / tp_loc / tp_sample append
 * functions, mappings, locations and samples with ids = index + 1 (a test
 * may overwrite an id afterwards). Everything lives in the profile (its
 * arena and string table) and goes with pd_profile_free. Out of memory
 * aborts, as in the library.
 *
 * Stack specs name functions leaf first, separated by ';' ("leaf;main").
 * In tp_stack each name is one location without mapping, with one line of
 * that function (created on first use, reused after). A location spec
 * (tp_loc) lists the lines of one location, innermost first:
 * "inlined:12;caller:40".
 *
 * Label specs are comma-separated: "k=v" is a string label, "k#5" a number,
 * "k#5@bytes" a number with a unit; values keep the order given. */
#ifndef PD_TEST_TP_H
#define PD_TEST_TP_H

#include "pd_profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An int64 array literal, for sample values: TP_V(1, 10). */
#define TP_V(...) ((const int64_t[]){__VA_ARGS__})

/* --- building profiles ---------------------------------------------------- */

/* sample_types: "samples/count,cpu/nanoseconds" ("" = none); period_type:
 * "cpu/nanoseconds" or NULL for none. */
pd_profile *tp_new(const char *sample_types, const char *period_type, int64_t period);
uint32_t tp_str(pd_profile *p, const char *s);
/* Function index of a function with this name (and system_name = name,
 * filename "", start_line 0), created if absent. */
uint32_t tp_fn(pd_profile *p, const char *name);
/* Always appends a function; returns its index. */
uint32_t tp_fn_full(pd_profile *p, const char *name, const char *system_name, const char *filename,
                    int64_t start_line);
/* Appends a mapping; returns its index + 1, the value a location stores. */
uint32_t tp_map(pd_profile *p, uint64_t start, uint64_t limit, uint64_t offset, const char *file,
                const char *build_id);
/* Appends a location (mapping: index + 1 or 0); lines from a spec, may be
 * NULL or "" for a location without lines. Returns the location index. */
uint32_t tp_loc(pd_profile *p, uint32_t mapping, uint64_t address, const char *lines);
/* Location index of the mapping-less one-line location of function `name`
 * that tp_stack uses, created if absent. */
uint32_t tp_fnloc(pd_profile *p, const char *name);
/* Appends a sample on the locations (indices) given, leaf first, with
 * values[nsample_types] and labels from a spec (NULL = none). */
uint32_t tp_sample_locs(pd_profile *p, const uint32_t *locs, uint32_t nlocs, const int64_t *values,
                        const char *labels);
/* Appends a sample whose stack is a spec of function names. */
uint32_t tp_stack(pd_profile *p, const char *stack, const int64_t *values, const char *labels);
void tp_comment(pd_profile *p, const char *comment);

/* --- inspecting ------------------------------------------------------------ */

/* String i of p as a NUL-terminated copy in one of a few rotating static
 * buffers (long strings are cut), for messages and comparisons. */
const char *tp_s(const pd_profile *p, uint32_t i);
/* The samples as text, one line each in sample order:
 *   leaf;caller {k=v,m#3[bytes],n#5} 1 10
 * A location contributes its lines innermost first (function names), or
 * "0x<address>" if it has none. Labels are sorted by key (stable, so values
 * under one key keep their order); numbers print as key#N or key#N[unit].
 * Returns malloc'd text; the caller frees. */
char *tp_render(const pd_profile *p);
/* tp_render with its lines sorted: the samples, whatever their order. */
char *tp_render_sorted(const pd_profile *p);
/* Header fields as one line:
 *   types=samples/count,cpu/nanoseconds period=cpu/nanoseconds:10 time=1 dur=2
 *   comments=a|b default=x drop=y keep=z
 * (fields that are empty/zero are still printed). malloc'd. */
char *tp_render_header(const pd_profile *p);
/* The tables with their ids, one entry a line, in table order:
 *   M1 0x400000-0x410000 off=0x0 file=/bin/app bid=b1
 *   F1 main.f sys=main.f file=main.go start=10
 *   L1 M1 0x400100 F1:12,F2:40 folded     (M0 = no mapping; "folded" if so)
 *   S L1,L2 = 1 10                         (location ids of each sample)
 * malloc'd. */
char *tp_render_tables(const pd_profile *p);
/* Checks p's structural invariants (every index in range, ids nonzero and
 * unique); on failure returns false and writes why into why[256]. */
bool tp_check(const pd_profile *p, char *why);

/* Encode then decode; asserts success. The result is a new profile. */
pd_profile *tp_roundtrip(const pd_profile *p);

/* cmocka assertions on the renderings (and on one string of a profile). */
void tp_assert_render(const pd_profile *p, const char *want, const char *file, int line);
void tp_assert_header(const pd_profile *p, const char *want, const char *file, int line);
void tp_assert_tables(const pd_profile *p, const char *want, const char *file, int line);
void tp_assert_str(const pd_profile *p, uint32_t i, const char *want, const char *file, int line);
void tp_assert_valid(const pd_profile *p, const char *file, int line);
void tp_assert_contains(const char *haystack, const char *needle, const char *file, int line);
/* got has want's header and samples, in any order (tables not compared). */
void tp_assert_same_samples(const pd_profile *got, const pd_profile *want, const char *file,
                            int line);
/* got is want as the store keeps it: the header, the mappings in order,
 * and every sample with each location in full (address, mapping, lines,
 * functions), labels and values, in any sample order and whatever the
 * location and function ids. */
void tp_assert_lossless(const pd_profile *got, const pd_profile *want, const char *file, int line);
/* got equals want in its tables (ids and order), samples and header. */
void tp_assert_same(const pd_profile *got, const pd_profile *want, const char *file, int line);
#define assert_render(p, want) tp_assert_render((p), (want), __FILE__, __LINE__)
#define assert_header(p, want) tp_assert_header((p), (want), __FILE__, __LINE__)
#define assert_same_samples(got, want) tp_assert_same_samples((got), (want), __FILE__, __LINE__)
#define assert_lossless(got, want) tp_assert_lossless((got), (want), __FILE__, __LINE__)
#define assert_same_merge(got, want) tp_assert_same((got), (want), __FILE__, __LINE__)
#define assert_tables(p, want) tp_assert_tables((p), (want), __FILE__, __LINE__)
#define assert_pstr(p, i, want) tp_assert_str((p), (i), (want), __FILE__, __LINE__)
#define assert_valid(p) tp_assert_valid((p), __FILE__, __LINE__)
#define assert_contains(s, needle) tp_assert_contains((s), (needle), __FILE__, __LINE__)

/* --- writing protobuf bytes by hand ------------------------------------- */

typedef struct tpw {
    uint8_t *data; /* malloc'd */
    size_t len, cap;
} tpw;

void tpw_init(tpw *w);
void tpw_free(tpw *w);
void tpw_raw(tpw *w, const void *bytes, size_t n);
void tpw_varint(tpw *w, uint64_t v);
void tpw_key(tpw *w, uint32_t field, int wire_type);
/* field as a varint */
void tpw_u(tpw *w, uint32_t field, uint64_t v);
/* field as length-delimited bytes */
void tpw_b(tpw *w, uint32_t field, const void *bytes, size_t n);
void tpw_s(tpw *w, uint32_t field, const char *s);
/* field as a length-delimited sub-message; frees `sub` */
void tpw_msg(tpw *w, uint32_t field, tpw *sub);
/* field as packed varints */
void tpw_packed(tpw *w, uint32_t field, const uint64_t *v, size_t n);

/* Runs fn(arg) in a child process, so a crash (or a sanitizer abort) in
 * the code under test fails one test instead of ending the whole file.
 * fn must not use cmocka assertions (the child would go on running the
 * other tests): it reports a wrong result with _exit(code != 0). Returns
 * the child's exit status as 0..255, or 1000 + the signal that ended it. */
int tp_run_isolated(void (*fn)(void *), void *arg);

/* Decodes raw bytes (not gzip) expecting failure; returns the error code
 * and copies the message into msg[PD_ERR_MAX]. Asserts *out stays NULL. */
int tp_decode_err(const tpw *w, char *msg);
/* Decodes raw bytes expecting success; asserts it. */
pd_profile *tp_decode_ok(const tpw *w);

/* Input i of a generated series of CPU profiles, as merges see them. Mode 1
 * (plain): what real scrapes look like (nonzero times, no negative values,
 * one set of units), with mappings that move (ASLR), inputs without the
 * main mapping, labels and comments. Mode 0: every few inputs has a zero
 * time, a negative value or microseconds. Mode 2: plain, but inputs 64..127
 * (pprof's second chunk) are in microseconds. Caller frees. */
pd_profile *tp_series(int i, int mode);

#endif
