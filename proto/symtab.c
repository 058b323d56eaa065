/* The symbol table: interning a profile's symbols and stacks, and saving and
 * loading what was added as chunks. */
#include "symtab.h"

#include "cols.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_VERSION 1
/* A chunk decompresses to at most this much (a partition adds far less). */
#define CHUNK_MAX_BYTES (256u * 1024 * 1024)
#define UNSET UINT32_MAX

pd_symtab *pd_symtab_new(void)
{
    pd_symtab *t = pd_xcalloc(1, sizeof(*t));
    pd_xgrow((void **)&t->strs, &t->strs_cap, 1, sizeof(pd_str));
    t->strs[0] = (pd_str){"", 0};
    t->n.strs = t->saved.strs = 1;
    return t;
}

static void drop_index(pd_symtab *t)
{
    if (!t->indexed)
        return;
    pd_keymap_free(&t->strmap);
    pd_keymap_free(&t->mapmap);
    pd_keymap_free(&t->fnmap);
    pd_keymap_free(&t->locmap);
    pd_keymap_free(&t->nodemap);
    pd_keymap_free(&t->lsetmap);
    t->indexed = false;
}

void pd_symtab_free(pd_symtab *t)
{
    if (t == NULL)
        return;
    drop_index(t);
    free(t->strs);
    free(t->maps);
    free(t->fns);
    free(t->locs);
    free(t->lines);
    free(t->nodes);
    free(t->lsets);
    free(t->labs);
    pd_arena_free(&t->bytes);
    free(t);
}

static size_t map_mem(const pd_keymap *m)
{
    return (m->mask + 1) * sizeof(pd_keymap_slot) + m->keys.total;
}

size_t pd_symtab_mem(const pd_symtab *t)
{
    size_t n = sizeof(*t) + t->strs_cap * sizeof(pd_str) + t->maps_cap * sizeof(pd_mapping) +
               t->fns_cap * sizeof(pd_function) + t->locs_cap * sizeof(sy_loc) +
               t->lines_cap * sizeof(pd_line) + t->nodes_cap * sizeof(sy_node) +
               t->lsets_cap * sizeof(sy_span) + t->labs_cap * sizeof(pd_sample_label) +
               t->bytes.total;
    if (t->indexed)
        n += map_mem(&t->strmap) + map_mem(&t->mapmap) + map_mem(&t->fnmap) + map_mem(&t->locmap) +
             map_mem(&t->nodemap) + map_mem(&t->lsetmap);
    return n;
}

size_t pd_symtab_nodes(const pd_symtab *t)
{
    return t->n.nodes;
}

/* --- keys: one byte string per entry, the same for interning and indexing */

static void key_u(pd_buf *k, uint64_t v)
{
    (void)pd_buf_append(k, &v, sizeof(v));
}

static void mapping_key(pd_buf *k, const pd_mapping *m)
{
    pd_buf_reset(k);
    key_u(k, m->start);
    key_u(k, m->limit);
    key_u(k, m->offset);
    key_u(k, ((uint64_t)m->file << 32) | m->build_id);
    key_u(k, (uint64_t)m->has_functions | (uint64_t)m->has_filenames << 1 |
                 (uint64_t)m->has_line_numbers << 2 | (uint64_t)m->has_inline_frames << 3);
}

static void function_key(pd_buf *k, const pd_function *f)
{
    pd_buf_reset(k);
    key_u(k, ((uint64_t)f->name << 32) | f->system_name);
    key_u(k, f->filename);
    key_u(k, (uint64_t)f->start_line);
}

static void location_key(pd_buf *k, uint64_t address, uint32_t mapping, bool folded,
                         const pd_line *lines, uint32_t nlines)
{
    pd_buf_reset(k);
    key_u(k, address);
    key_u(k, ((uint64_t)mapping << 1) | folded);
    for (uint32_t i = 0; i < nlines; i++) {
        key_u(k, lines[i].function);
        key_u(k, (uint64_t)lines[i].line);
    }
}

static void lset_key(pd_buf *k, const pd_sample_label *l, uint32_t n)
{
    pd_buf_reset(k);
    if (n > 0)
        (void)pd_buf_append(k, l, n * sizeof(*l));
}

/* Builds the interning maps from the entries held (once, before adding). */
static void build_index(pd_symtab *t)
{
    if (t->indexed)
        return;
    t->indexed = true;
    pd_keymap_init(&t->strmap, t->n.strs);
    pd_keymap_init(&t->mapmap, t->n.maps);
    pd_keymap_init(&t->fnmap, t->n.fns);
    pd_keymap_init(&t->locmap, t->n.locs);
    pd_keymap_init(&t->nodemap, t->n.nodes);
    pd_keymap_init(&t->lsetmap, t->n.lsets);
    pd_buf k;
    pd_buf_init(&k, 0);
    for (size_t i = 0; i < t->n.strs; i++)
        pd_keymap_intern(&t->strmap, t->strs[i].ptr, t->strs[i].len, (uint32_t)i, NULL, NULL);
    for (size_t i = 0; i < t->n.maps; i++) {
        mapping_key(&k, &t->maps[i]);
        pd_keymap_intern(&t->mapmap, k.data, k.len, (uint32_t)i, NULL, NULL);
    }
    for (size_t i = 0; i < t->n.fns; i++) {
        function_key(&k, &t->fns[i]);
        pd_keymap_intern(&t->fnmap, k.data, k.len, (uint32_t)i, NULL, NULL);
    }
    for (size_t i = 0; i < t->n.locs; i++) {
        const sy_loc *l = &t->locs[i];
        location_key(&k, l->address, l->mapping, l->is_folded, t->lines + l->line_off, l->nlines);
        pd_keymap_intern(&t->locmap, k.data, k.len, (uint32_t)i, NULL, NULL);
    }
    for (size_t i = 0; i < t->n.nodes; i++)
        pd_keymap_intern(&t->nodemap, &t->nodes[i], sizeof(sy_node), (uint32_t)i + 1, NULL, NULL);
    for (size_t i = 0; i < t->n.lsets; i++) {
        lset_key(&k, t->labs + t->lsets[i].off, t->lsets[i].n);
        pd_keymap_intern(&t->lsetmap, k.data, k.len, (uint32_t)i + 1, NULL, NULL);
    }
    pd_buf_free(&k);
}

/* --- interning a profile ----------------------------------------------- */

typedef struct sy_add {
    pd_symtab *t;
    const pd_profile *p;
    uint32_t *str, *map, *fn, *loc; /* input index -> id, UNSET until used */
    pd_buf key;
} sy_add;

static uint32_t add_str(sy_add *a, uint32_t i)
{
    if (i == 0)
        return 0;
    if (a->str[i] != UNSET)
        return a->str[i];
    pd_symtab *t = a->t;
    pd_str s = a->p->strings[i];
    bool fresh;
    uint32_t id = pd_keymap_intern(&t->strmap, s.ptr, s.len, (uint32_t)t->n.strs, &fresh, NULL);
    if (fresh) {
        /* the table's own copy: the index (and its copies) may be dropped */
        char *copy = pd_arena_alloc(&t->bytes, (size_t)s.len + 1);
        memcpy(copy, s.ptr, s.len);
        copy[s.len] = '\0';
        pd_xgrow((void **)&t->strs, &t->strs_cap, t->n.strs + 1, sizeof(pd_str));
        t->strs[t->n.strs++] = (pd_str){copy, s.len};
    }
    return a->str[i] = id;
}

static uint32_t add_mapping(sy_add *a, uint32_t i)
{
    if (a->map[i] != UNSET)
        return a->map[i];
    pd_symtab *t = a->t;
    pd_mapping m = a->p->mappings[i];
    m.id = 0;
    m.file = add_str(a, m.file);
    m.build_id = add_str(a, m.build_id);
    mapping_key(&a->key, &m);
    bool fresh;
    uint32_t id =
        pd_keymap_intern(&t->mapmap, a->key.data, a->key.len, (uint32_t)t->n.maps, &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&t->maps, &t->maps_cap, t->n.maps + 1, sizeof(pd_mapping));
        t->maps[t->n.maps++] = m;
    }
    return a->map[i] = id;
}

static uint32_t add_function(sy_add *a, uint32_t i)
{
    if (a->fn[i] != UNSET)
        return a->fn[i];
    pd_symtab *t = a->t;
    const pd_function *src = &a->p->functions[i];
    pd_function f = {0, add_str(a, src->name), add_str(a, src->system_name),
                     add_str(a, src->filename), src->start_line};
    function_key(&a->key, &f);
    bool fresh;
    uint32_t id =
        pd_keymap_intern(&t->fnmap, a->key.data, a->key.len, (uint32_t)t->n.fns, &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&t->fns, &t->fns_cap, t->n.fns + 1, sizeof(pd_function));
        t->fns[t->n.fns++] = f;
    }
    return a->fn[i] = id;
}

static uint32_t add_location(sy_add *a, uint32_t i)
{
    if (a->loc[i] != UNSET)
        return a->loc[i];
    pd_symtab *t = a->t;
    const pd_location *src = &a->p->locations[i];
    uint32_t mapping = src->mapping ? add_mapping(a, src->mapping - 1) + 1 : 0;
    /* The lines go to the pool first; they stay only if the location is new. */
    size_t off = t->n.lines;
    pd_xgrow((void **)&t->lines, &t->lines_cap, off + src->nlines + 1, sizeof(pd_line));
    for (uint32_t j = 0; j < src->nlines; j++)
        t->lines[off + j] = (pd_line){add_function(a, src->lines[j].function), src->lines[j].line};
    location_key(&a->key, src->address, mapping, src->is_folded, t->lines + off, src->nlines);
    bool fresh;
    uint32_t id =
        pd_keymap_intern(&t->locmap, a->key.data, a->key.len, (uint32_t)t->n.locs, &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&t->locs, &t->locs_cap, t->n.locs + 1, sizeof(sy_loc));
        t->locs[t->n.locs++] =
            (sy_loc){src->address, mapping, (uint32_t)off, src->nlines, src->is_folded};
        t->n.lines += src->nlines;
    }
    return a->loc[i] = id;
}

static uint32_t add_stack(sy_add *a, const pd_sample *s)
{
    pd_symtab *t = a->t;
    uint32_t node = 0;
    for (uint32_t i = s->nlocs; i-- > 0;) {
        sy_node k = {node, add_location(a, s->locs[i])};
        bool fresh;
        node = pd_keymap_intern(&t->nodemap, &k, sizeof(k), (uint32_t)t->n.nodes + 1, &fresh, NULL);
        if (fresh) {
            pd_xgrow((void **)&t->nodes, &t->nodes_cap, t->n.nodes + 1, sizeof(sy_node));
            t->nodes[t->n.nodes++] = k;
        }
    }
    return node;
}

static uint32_t add_labels(sy_add *a, const pd_sample *s)
{
    if (s->nlabels == 0)
        return 0;
    pd_symtab *t = a->t;
    size_t off = t->n.labs;
    pd_xgrow((void **)&t->labs, &t->labs_cap, off + s->nlabels, sizeof(pd_sample_label));
    pd_sample_label *l = t->labs + off;
    for (uint32_t i = 0; i < s->nlabels; i++) {
        const pd_sample_label *src = &s->labels[i];
        memset(&l[i], 0, sizeof(l[i])); /* the key hashes the padding too */
        l[i].key = add_str(a, src->key);
        l[i].str = add_str(a, src->str);
        l[i].unit = add_str(a, src->unit);
        l[i].num = src->num;
    }
    lset_key(&a->key, l, s->nlabels);
    bool fresh;
    uint32_t id = pd_keymap_intern(&t->lsetmap, a->key.data, a->key.len, (uint32_t)t->n.lsets + 1,
                                   &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&t->lsets, &t->lsets_cap, t->n.lsets + 1, sizeof(sy_span));
        t->lsets[t->n.lsets++] = (sy_span){(uint32_t)off, s->nlabels};
        t->n.labs += s->nlabels;
    }
    return id;
}

static uint32_t *unset_array(size_t n)
{
    uint32_t *v = pd_xmalloc((n + 1) * sizeof(uint32_t));
    memset(v, 0xff, (n + 1) * sizeof(uint32_t));
    return v;
}

void pd_symtab_add(pd_symtab *t, const pd_profile *p, pd_stored *out)
{
    build_index(t);
    memset(out, 0, sizeof(*out));
    sy_add a = {t,
                p,
                unset_array(p->nstrings),
                unset_array(p->nmappings),
                unset_array(p->nfunctions),
                unset_array(p->nlocations),
                {0}};
    pd_buf_init(&a.key, 0);

    out->time_nanos = p->time_nanos;
    out->duration_nanos = p->duration_nanos;
    out->period = p->period;
    out->period_type[0] = add_str(&a, p->period_type.type);
    out->period_type[1] = add_str(&a, p->period_type.unit);
    out->nsample_types = p->nsample_types;
    out->sample_types = pd_xmalloc((2 * (size_t)p->nsample_types + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < p->nsample_types; i++) {
        out->sample_types[2 * i] = add_str(&a, p->sample_types[i].type);
        out->sample_types[2 * i + 1] = add_str(&a, p->sample_types[i].unit);
    }
    out->default_sample_type = add_str(&a, p->default_sample_type);
    out->drop_frames = add_str(&a, p->drop_frames);
    out->keep_frames = add_str(&a, p->keep_frames);
    out->ncomments = p->ncomments;
    out->comments = pd_xmalloc(((size_t)p->ncomments + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < p->ncomments; i++)
        out->comments[i] = add_str(&a, p->comments[i]);
    out->nmappings = p->nmappings;
    out->mappings = pd_xmalloc(((size_t)p->nmappings + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < p->nmappings; i++)
        out->mappings[i] = add_mapping(&a, i);

    size_t nst = p->nsample_types;
    out->nsamples = p->nsamples;
    out->stacks = pd_xmalloc(((size_t)p->nsamples + 1) * sizeof(uint32_t));
    out->labelsets = pd_xmalloc(((size_t)p->nsamples + 1) * sizeof(uint32_t));
    out->values = pd_xmalloc(((size_t)p->nsamples * nst + 1) * sizeof(int64_t));
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const pd_sample *s = &p->samples[i];
        out->stacks[i] = add_stack(&a, s);
        out->labelsets[i] = add_labels(&a, s);
        if (nst > 0)
            memcpy(out->values + i * nst, s->values, nst * sizeof(int64_t));
    }
    free(a.str);
    free(a.map);
    free(a.fn);
    free(a.loc);
    pd_buf_free(&a.key);
}

void pd_stored_free(pd_stored *s)
{
    if (s == NULL)
        return;
    free(s->sample_types);
    free(s->comments);
    free(s->mappings);
    free(s->stacks);
    free(s->labelsets);
    free(s->values);
    memset(s, 0, sizeof(*s));
}

/* --- chunks ------------------------------------------------------------ */

void pd_symtab_chunk(pd_symtab *t, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const sy_counts *f = &t->saved, *n = &t->n;
    if (memcmp(f, n, sizeof(*f)) == 0)
        return;
    pd_buf b;
    pd_buf_init(&b, 0);
    cols_put_u(&b, CHUNK_VERSION);
    cols_put_u(&b, n->strs - f->strs);
    for (size_t i = f->strs; i < n->strs; i++)
        cols_put_bytes(&b, t->strs[i].ptr, t->strs[i].len);
    cols_put_u(&b, n->maps - f->maps);
    for (size_t i = f->maps; i < n->maps; i++) {
        const pd_mapping *m = &t->maps[i];
        cols_put_u(&b, m->start);
        cols_put_u(&b, m->limit);
        cols_put_u(&b, m->offset);
        cols_put_u(&b, m->file);
        cols_put_u(&b, m->build_id);
        cols_put_u(&b, (uint64_t)m->has_functions | (uint64_t)m->has_filenames << 1 |
                           (uint64_t)m->has_line_numbers << 2 |
                           (uint64_t)m->has_inline_frames << 3);
    }
    cols_put_u(&b, n->fns - f->fns);
    for (size_t i = f->fns; i < n->fns; i++) {
        cols_put_u(&b, t->fns[i].name);
        cols_put_u(&b, t->fns[i].system_name);
        cols_put_u(&b, t->fns[i].filename);
        cols_put_s(&b, t->fns[i].start_line);
    }
    cols_put_u(&b, n->locs - f->locs);
    for (size_t i = f->locs; i < n->locs; i++) {
        const sy_loc *l = &t->locs[i];
        cols_put_u(&b, l->address);
        cols_put_u(&b, ((uint64_t)l->mapping << 1) | l->is_folded);
        cols_put_u(&b, l->nlines);
        for (uint32_t j = 0; j < l->nlines; j++) {
            cols_put_u(&b, t->lines[l->line_off + j].function);
            cols_put_s(&b, t->lines[l->line_off + j].line);
        }
    }
    /* Nodes by distance to their parent, which is small for deep stacks. */
    cols_put_u(&b, n->nodes - f->nodes);
    for (size_t i = f->nodes; i < n->nodes; i++) {
        cols_put_u(&b, t->nodes[i].parent ? i + 1 - t->nodes[i].parent : 0);
        cols_put_u(&b, t->nodes[i].loc);
    }
    cols_put_u(&b, n->lsets - f->lsets);
    for (size_t i = f->lsets; i < n->lsets; i++) {
        cols_put_u(&b, t->lsets[i].n);
        for (uint32_t j = 0; j < t->lsets[i].n; j++) {
            const pd_sample_label *l = &t->labs[t->lsets[i].off + j];
            cols_put_u(&b, l->key);
            cols_put_u(&b, l->str);
            cols_put_u(&b, l->unit);
            cols_put_s(&b, l->num);
        }
    }
    pd_pack(b.data, b.len, out, len);
    pd_buf_free(&b);
    t->saved = t->n;
}

void pd_symtab_rollback(pd_symtab *t)
{
    if (memcmp(&t->saved, &t->n, sizeof(t->n)) == 0)
        return;
    t->n = t->saved;
    drop_index(t); /* it holds ids that are gone; rebuilt on the next add */
}

static bool ref_ok(uint64_t v, size_t n)
{
    return v < n;
}

/* Appends the entries of a decompressed chunk; on failure the caller
 * truncates back to `before`. */
static int load_entries(pd_symtab *t, cols_rd *r, pd_err *err)
{
    if (cols_u(r) != CHUNK_VERSION)
        return pd_errf(err, -EINVAL, "symbols: unknown chunk version");
    uint32_t c = cols_count(r);
    pd_xgrow((void **)&t->strs, &t->strs_cap, t->n.strs + c, sizeof(pd_str));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        uint32_t len = cols_u32(r);
        const uint8_t *s = cols_bytes(r, len);
        if (s != NULL) {
            char *copy = pd_arena_memdup(&t->bytes, s, (size_t)len + 1);
            copy[len] = '\0';
            t->strs[t->n.strs++] = (pd_str){copy, len};
        }
    }
    c = cols_count(r);
    pd_xgrow((void **)&t->maps, &t->maps_cap, t->n.maps + c, sizeof(pd_mapping));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        pd_mapping m = {0};
        m.start = cols_u(r);
        m.limit = cols_u(r);
        m.offset = cols_u(r);
        m.file = cols_u32(r);
        m.build_id = cols_u32(r);
        uint64_t flags = cols_u(r);
        m.has_functions = flags & 1;
        m.has_filenames = flags & 2;
        m.has_line_numbers = flags & 4;
        m.has_inline_frames = flags & 8;
        if (!ref_ok(m.file, t->n.strs) || !ref_ok(m.build_id, t->n.strs))
            r->bad = true;
        t->maps[t->n.maps++] = m;
    }
    c = cols_count(r);
    pd_xgrow((void **)&t->fns, &t->fns_cap, t->n.fns + c, sizeof(pd_function));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        pd_function f = {0};
        f.name = cols_u32(r);
        f.system_name = cols_u32(r);
        f.filename = cols_u32(r);
        f.start_line = cols_s(r);
        if (!ref_ok(f.name, t->n.strs) || !ref_ok(f.system_name, t->n.strs) ||
            !ref_ok(f.filename, t->n.strs))
            r->bad = true;
        t->fns[t->n.fns++] = f;
    }
    c = cols_count(r);
    pd_xgrow((void **)&t->locs, &t->locs_cap, t->n.locs + c, sizeof(sy_loc));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        sy_loc l = {0};
        l.address = cols_u(r);
        uint64_t mf = cols_u(r);
        l.mapping = (uint32_t)(mf >> 1);
        l.is_folded = mf & 1;
        if ((mf >> 1) > t->n.maps)
            r->bad = true;
        l.nlines = cols_count(r);
        l.line_off = (uint32_t)t->n.lines;
        pd_xgrow((void **)&t->lines, &t->lines_cap, t->n.lines + l.nlines + 1, sizeof(pd_line));
        for (uint32_t j = 0; j < l.nlines && !r->bad; j++) {
            pd_line *ln = &t->lines[t->n.lines + j];
            ln->function = cols_u32(r);
            ln->line = cols_s(r);
            if (!ref_ok(ln->function, t->n.fns))
                r->bad = true;
        }
        t->n.lines += l.nlines;
        t->locs[t->n.locs++] = l;
    }
    c = cols_count(r);
    pd_xgrow((void **)&t->nodes, &t->nodes_cap, t->n.nodes + c, sizeof(sy_node));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        uint64_t id = t->n.nodes + 1;
        uint64_t back = cols_u(r);
        uint32_t loc = cols_u32(r);
        if (back >= id || !ref_ok(loc, t->n.locs))
            r->bad = true;
        t->nodes[t->n.nodes++] = (sy_node){back ? (uint32_t)(id - back) : 0, loc};
    }
    c = cols_count(r);
    pd_xgrow((void **)&t->lsets, &t->lsets_cap, t->n.lsets + c, sizeof(sy_span));
    for (uint32_t i = 0; i < c && !r->bad; i++) {
        uint32_t n = cols_count(r);
        pd_xgrow((void **)&t->labs, &t->labs_cap, t->n.labs + n + 1, sizeof(pd_sample_label));
        for (uint32_t j = 0; j < n && !r->bad; j++) {
            pd_sample_label *l = &t->labs[t->n.labs + j];
            memset(l, 0, sizeof(*l));
            l->key = cols_u32(r);
            l->str = cols_u32(r);
            l->unit = cols_u32(r);
            l->num = cols_s(r);
            if (!ref_ok(l->key, t->n.strs) || !ref_ok(l->str, t->n.strs) ||
                !ref_ok(l->unit, t->n.strs))
                r->bad = true;
        }
        t->lsets[t->n.lsets++] = (sy_span){(uint32_t)t->n.labs, n};
        t->n.labs += n;
    }
    if (r->bad)
        return pd_errf(err, -EINVAL, "symbols: chunk is corrupt");
    if (r->p != r->end)
        return pd_errf(err, -EINVAL, "symbols: %zu trailing bytes in chunk",
                       (size_t)(r->end - r->p));
    return 0;
}

int pd_symtab_load(pd_symtab *t, const uint8_t *chunk, size_t len, pd_err *err)
{
    if (memcmp(&t->n, &t->saved, sizeof(t->n)) != 0)
        return pd_errf(err, -EINVAL, "symbols: load over unsaved entries");
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    int rc = pd_unpack(chunk, len, CHUNK_MAX_BYTES, &raw, &rawlen, err);
    if (rc < 0)
        return rc;
    sy_counts before = t->n;
    cols_rd r = {raw, raw + rawlen, false};
    rc = load_entries(t, &r, err);
    free(raw);
    if (rc < 0) {
        t->n = before;
        return rc;
    }
    t->saved = t->n;
    drop_index(t); /* the next add rebuilds it with the loaded entries */
    return 0;
}
