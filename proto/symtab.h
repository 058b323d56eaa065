/* Private to proto/: the symbol table's layout, shared by symtab.c (interning
 * and chunks) and unpack.c (rebuilding profiles). */
#ifndef PD_PROTO_SYMTAB_H
#define PD_PROTO_SYMTAB_H

#include "pd_hash.h"
#include "pd_stored.h"

typedef struct sy_loc {
    uint64_t address;
    uint32_t mapping; /* id + 1; 0 = none */
    uint32_t line_off, nlines;
    bool is_folded;
} sy_loc;

typedef struct sy_node {
    uint32_t parent; /* node id; 0 = root */
    uint32_t loc;    /* location id */
} sy_node;

typedef struct sy_span {
    uint32_t off, n;
} sy_span;

/* How many of each kind: the table's size, and a save point. */
typedef struct sy_counts {
    size_t strs, maps, fns, locs, lines, nodes, lsets, labs;
} sy_counts;

struct pd_symtab {
    pd_str *strs; /* [0] = "" */
    size_t strs_cap;
    pd_mapping *maps; /* file, build_id: string ids; `id` unused */
    size_t maps_cap;
    pd_function *fns; /* name, system_name, filename: string ids */
    size_t fns_cap;
    sy_loc *locs;
    size_t locs_cap;
    pd_line *lines; /* function: function id */
    size_t lines_cap;
    sy_node *nodes; /* node id n is nodes[n - 1] */
    size_t nodes_cap;
    sy_span *lsets; /* label set id n is lsets[n - 1] */
    size_t lsets_cap;
    pd_sample_label *labs; /* key, str, unit: string ids */
    size_t labs_cap;
    sy_counts n;     /* entries held */
    sy_counts saved; /* entries already in a chunk */
    pd_arena bytes;  /* every string's bytes (the index keeps copies of its own) */

    /* Interning maps, built on the first pd_symtab_add (readers never
     * need them). Values are ids. */
    bool indexed;
    pd_keymap strmap, mapmap, fnmap, locmap, nodemap, lsetmap;
};

#endif
