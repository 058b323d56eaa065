/* Internal to the renderings (render_*.c): frame names per sample, the
 * call tree, per-function flat/cum sums, and text escaping. Not part of the
 * module's interface. */
#ifndef RN_INT_H
#define RN_INT_H

#include "pd_buf.h"
#include "pd_err.h"
#include "pd_hash.h"
#include "pd_profile.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frame names of a profile's samples. Names are interned into ids
 * (0..nnames) so that equal names are one function, whatever their string
 * or function index. */
typedef struct rn_stacks {
    const pd_profile *p;
    pd_keymap map;            /* name bytes -> id; owns the bytes */
    const uint8_t **name_ptr; /* by id, into map's arena */
    uint32_t *name_len;
    uint32_t nnames, names_cap;
    uint32_t *loc_off;    /* nlocations + 1 offsets into loc_frames */
    uint32_t *loc_frames; /* per location its frame ids, caller first */
    uint32_t *stack;      /* scratch of rn_stack */
    size_t stack_cap;
} rn_stacks;

void rn_stacks_init(rn_stacks *s, const pd_profile *p);
void rn_stacks_free(rn_stacks *s);
/* Frame ids of sample i, root first (leaf last); *n (OUT) their count.
 * Valid until the next call. */
const uint32_t *rn_stack(rn_stacks *s, uint32_t i, uint32_t *n);

/* True if the sample carries the label pprof::base=true (a -diff_base
 * profile's base samples). */
bool rn_is_base(const pd_profile *p, const pd_sample *sm);

/* Wrapping addition: sums of hostile values must not be undefined. */
static inline int64_t rn_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Per function id: flat (leaf) and cum (anywhere, once per sample) sums of
 * sample type si into flat[nnames] and cum[nnames] (malloc'd, caller frees),
 * and the total of the sample type into *total. */
void rn_flat_cum(rn_stacks *s, int si, int64_t **flat, int64_t **cum, int64_t *total);

/* The call tree: node 0 is the root ("total"); a node per distinct path. */
typedef struct rn_node {
    uint32_t name; /* frame id (unused for the root) */
    uint32_t parent;
    uint32_t depth; /* root = 0 */
    int64_t self, total;
    int64_t base; /* split mode: the base's total (positive) */
} rn_node;

typedef struct rn_tree {
    rn_node *nodes;
    uint32_t n, cap;
    pd_keymap map;       /* (parent, name) -> node */
    uint32_t *child_off; /* n + 1 offsets into children (rn_tree_index) */
    uint32_t *children;
} rn_tree;

typedef enum { RN_BY_TOTAL, RN_BY_NAME } rn_order;

/* Builds the tree of sample type si. With split_base, samples that
 * rn_is_base add their negated value to `base` and nothing else; the others
 * add to self/total. */
void rn_tree_build(rn_tree *t, rn_stacks *s, int si, bool split_base);
/* Fills child_off/children, each node's children sorted by `order`:
 * RN_BY_TOTAL is width (total, plus base in split mode) descending, then
 * name; RN_BY_NAME is name. */
void rn_tree_index(rn_tree *t, const rn_stacks *s, rn_order order);
void rn_tree_free(rn_tree *t);
/* The start of every rendering: si checked against p (-EINVAL, err), then
 * s initialized (rn_stacks_open) and also t built and indexed
 * (rn_tree_open). On error nothing is to be freed. */
int rn_stacks_open(rn_stacks *s, const pd_profile *p, int si, pd_err *err);
int rn_tree_open(rn_tree *t, rn_stacks *s, const pd_profile *p, int si, bool split_base,
                 rn_order order, pd_err *err);

/* Text out. Each returns 0 or -E2BIG. */
int rn_printf(pd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rn_puts(pd_buf *b, const char *s);
/* A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
int rn_json_str(pd_buf *b, const uint8_t *s, size_t n);
/* XML character data / attribute text; invalid UTF-8 and control
 * characters become '?'. */
int rn_xml_text(pd_buf *b, const uint8_t *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
size_t rn_utf8_len(const uint8_t *s, size_t n);
/* Dumps `j` compactly (reals with 2 decimals rounded by the caller). */
int rn_json_dump(json_t *j, pd_buf *b);

/* pprof's short name of a Go function (graph.ShortenFunctionName): a /vN
 * major-version element dropped, then the package path before the last
 * '/' ("github.com/redis/go-redis/v9.(*baseClient).process" ->
 * "go-redis.(*baseClient).process"). Writes it into out and returns its
 * length; 0 when the name stays as it is (not a Go path, or a short name
 * longer than RN_SHORT_NAME_MAX, which no label has room for anyway). */
#define RN_SHORT_NAME_MAX 512
size_t rn_short_name(const uint8_t *name, size_t len, uint8_t out[RN_SHORT_NAME_MAX]);

/* Checks si against p; -EINVAL with a message if out of range. */
int rn_check_si(const pd_profile *p, int si, pd_err *err);
/* The profile's string i as a jansson string (invalid UTF-8 replaced). */
json_t *rn_json_string(const pd_profile *p, uint32_t i);
json_t *rn_json_stringn(const uint8_t *s, size_t n);
/* x rounded to 2 decimals, as a JSON real. */
json_t *rn_json_pct(double x);
/* jansson constructors and setters that abort on out of memory, as
 * pd_xmalloc does; the setters take the reference to `value`. */
json_t *rn_jobject(void);
json_t *rn_jarray(void);
json_t *rn_jint(int64_t v);
void rn_jset(json_t *obj, const char *key, json_t *value);
void rn_jappend(json_t *arr, json_t *value);

#endif
