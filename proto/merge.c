/* profile.Merge, rebuilt for speed with the same result.
 *
 * The merger keeps only the output: a string table, the merged mappings,
 * functions, locations and samples, and one hash map per kind keyed on
 * pprof's dedup key, with keys built from already-merged indices (so a key
 * is a few integers, not formatted strings). For each input it keeps
 * per-input remap arrays (input index -> merged index) filled on first use,
 * which is pprof's "ByID" memoization. Output order and ids are pprof's:
 * entries are appended when first referenced, ids are index + 1. */
#include "pd_profile.h"

#include "pd_buf.h"
#include "pd_hash.h"
#include "pd_mem.h"
#include "types.h"

#include <stdlib.h>
#include <string.h>

#define UNSET UINT32_MAX

typedef struct m_location {
    uint64_t address;
    uint32_t mapping; /* index + 1, 0 none */
    uint32_t line_off, nlines;
    bool is_folded;
} m_location;

typedef struct m_sample {
    uint32_t loc_off, nlocs;
    uint32_t lab_off, nlabels;
} m_sample;

typedef struct map_ref {
    uint32_t idx; /* merged index + 1; 0 = none; UNSET = not yet mapped */
    int64_t offset;
} map_ref;

struct pd_merger {
    bool started;
    bool failed;
    /* header, in merged string ids */
    uint32_t nst;
    pd_value_type *sample_types;
    pd_value_type period_type;
    uint32_t drop_frames, keep_frames, default_sample_type;
    int64_t time_nanos, duration_nanos, period;
    uint32_t *comments;
    size_t ncomments, comments_cap;

    /* string table */
    pd_keymap strmap;
    pd_str *strs;
    size_t nstrs, strs_cap;

    pd_mapping *maps;
    size_t nmaps, maps_cap;
    pd_function *fns;
    size_t nfns, fns_cap;
    m_location *locs;
    size_t nlocs, locs_cap;
    pd_line *lines;
    size_t nlines, lines_cap;
    m_sample *smps;
    size_t nsmps, smps_cap;
    int64_t *vals; /* nsmps * nst */
    size_t vals_cap;
    uint32_t *sloc; /* pool of samples' location indices */
    size_t nsloc, sloc_cap;
    pd_sample_label *slab; /* pool of samples' labels */
    size_t nslab, slab_cap;

    pd_keymap mapmap, fnmap, locmap, smpmap;

    /* per input */
    uint32_t *str_remap;
    size_t str_remap_cap;
    uint32_t *fn_remap;
    size_t fn_remap_cap;
    uint32_t *loc_remap;
    size_t loc_remap_cap;
    map_ref *map_remap;
    size_t map_remap_cap;
    pd_buf key;
    pd_sample_label *tmp_labels;
    size_t tmp_labels_cap;
    uint32_t *tmp_locs;
    size_t tmp_locs_cap;
};

pd_merger *pd_merger_new(void)
{
    pd_merger *m = pd_xcalloc(1, sizeof(*m));
    pd_keymap_init(&m->strmap, 1024);
    pd_keymap_init(&m->mapmap, 16);
    pd_keymap_init(&m->fnmap, 1024);
    pd_keymap_init(&m->locmap, 1024);
    pd_keymap_init(&m->smpmap, 1024);
    pd_buf_init(&m->key, 0);
    /* strings[0] is "" */
    pd_xgrow((void **)&m->strs, &m->strs_cap, 1, sizeof(pd_str));
    const uint8_t *stored;
    pd_keymap_intern(&m->strmap, "", 0, 0, NULL, &stored);
    m->strs[0] = (pd_str){(const char *)stored, 0};
    m->nstrs = 1;
    return m;
}

void pd_merger_free(pd_merger *m)
{
    if (m == NULL)
        return;
    free(m->sample_types);
    free(m->comments);
    pd_keymap_free(&m->strmap);
    free(m->strs);
    free(m->maps);
    free(m->fns);
    free(m->locs);
    free(m->lines);
    free(m->smps);
    free(m->vals);
    free(m->sloc);
    free(m->slab);
    pd_keymap_free(&m->mapmap);
    pd_keymap_free(&m->fnmap);
    pd_keymap_free(&m->locmap);
    pd_keymap_free(&m->smpmap);
    free(m->str_remap);
    free(m->fn_remap);
    free(m->loc_remap);
    free(m->map_remap);
    pd_buf_free(&m->key);
    free(m->tmp_labels);
    free(m->tmp_locs);
    free(m);
}

static uint32_t intern_bytes(pd_merger *m, const char *s, uint32_t len)
{
    bool fresh;
    const uint8_t *stored;
    uint32_t id = pd_keymap_intern(&m->strmap, s, len, (uint32_t)m->nstrs, &fresh, &stored);
    if (fresh) {
        pd_xgrow((void **)&m->strs, &m->strs_cap, m->nstrs + 1, sizeof(pd_str));
        m->strs[m->nstrs++] = (pd_str){(const char *)stored, len};
    }
    return id;
}

/* The merged id of the input's string i. */
static inline uint32_t map_str(pd_merger *m, const pd_profile *p, uint32_t i)
{
    if (i == 0)
        return 0;
    if (m->str_remap[i] == UNSET)
        m->str_remap[i] = intern_bytes(m, p->strings[i].ptr, p->strings[i].len);
    return m->str_remap[i];
}

static inline void key_put(pd_merger *m, const void *v, size_t n)
{
    /* The key buffer has no maximum: reserve cannot fail. */
    if (m->key.cap - m->key.len < n)
        (void)pd_buf_reserve(&m->key, n);
    memcpy(m->key.data + m->key.len, v, n);
    m->key.len += n;
}

static map_ref map_mapping(pd_merger *m, const pd_profile *p, uint32_t mi)
{
    map_ref *r = &m->map_remap[mi];
    if (r->idx != UNSET)
        return *r;
    const pd_mapping *src = &p->mappings[mi];
    /* pprof's mappingKey: size rounded up to 4 KiB, offset, build id or else
     * file name. The start address is left out so ASLR does not split. */
    uint64_t size = src->limit - src->start;
    size = size + 0x1000 - 1;
    size = size - (size % 0x1000);
    uint32_t ident =
        src->build_id != 0 && p->strings[src->build_id].len != 0 ? src->build_id : src->file;
    uint32_t ident_m = map_str(m, p, ident);
    pd_buf_reset(&m->key);
    key_put(m, &size, sizeof(size));
    key_put(m, &src->offset, sizeof(src->offset));
    key_put(m, &ident_m, sizeof(ident_m));
    bool fresh;
    uint32_t idx =
        pd_keymap_intern(&m->mapmap, m->key.data, m->key.len, (uint32_t)m->nmaps, &fresh, NULL);
    if (!fresh) {
        r->idx = idx + 1;
        r->offset = (int64_t)(m->maps[idx].start - src->start);
        return *r;
    }
    pd_xgrow((void **)&m->maps, &m->maps_cap, m->nmaps + 1, sizeof(pd_mapping));
    pd_mapping *o = &m->maps[m->nmaps++];
    *o = *src;
    o->id = m->nmaps;
    o->file = map_str(m, p, src->file);
    o->build_id = map_str(m, p, src->build_id);
    r->idx = idx + 1;
    r->offset = 0;
    return *r;
}

static uint32_t map_function(pd_merger *m, const pd_profile *p, uint32_t fi)
{
    if (m->fn_remap[fi] != UNSET)
        return m->fn_remap[fi];
    const pd_function *src = &p->functions[fi];
    struct {
        int64_t start_line;
        uint32_t name, system_name, filename, pad;
    } k = {src->start_line, map_str(m, p, src->name), map_str(m, p, src->system_name),
           map_str(m, p, src->filename), 0};
    bool fresh;
    uint32_t idx = pd_keymap_intern(&m->fnmap, &k, sizeof(k), (uint32_t)m->nfns, &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&m->fns, &m->fns_cap, m->nfns + 1, sizeof(pd_function));
        m->fns[m->nfns] =
            (pd_function){m->nfns + 1, k.name, k.system_name, k.filename, src->start_line};
        m->nfns++;
    }
    m->fn_remap[fi] = idx;
    return idx;
}

static uint32_t map_location(pd_merger *m, const pd_profile *p, uint32_t li)
{
    if (m->loc_remap[li] != UNSET)
        return m->loc_remap[li];
    const pd_location *src = &p->locations[li];
    map_ref mr = {0, 0};
    if (src->mapping != 0)
        mr = map_mapping(m, p, src->mapping - 1);
    uint64_t address = src->address + (uint64_t)mr.offset; /* wraps, as Go does */
    /* Lines are mapped (functions added) even when the location turns out
     * to be a duplicate, as pprof does. */
    size_t line_off = m->nlines;
    pd_xgrow((void **)&m->lines, &m->lines_cap, m->nlines + src->nlines, sizeof(pd_line));
    for (uint32_t i = 0; i < src->nlines; i++) {
        m->lines[line_off + i].function = map_function(m, p, src->lines[i].function);
        m->lines[line_off + i].line = src->lines[i].line;
    }
    /* pprof's locationKey: address relative to the merged mapping, mapping
     * id, folded flag, and (function id, line) of every line. */
    uint64_t key_addr = address;
    uint32_t map_id = mr.idx;
    if (mr.idx != 0)
        key_addr -= m->maps[mr.idx - 1].start;
    uint32_t folded = src->is_folded;
    pd_buf_reset(&m->key);
    key_put(m, &key_addr, sizeof(key_addr));
    key_put(m, &map_id, sizeof(map_id));
    key_put(m, &folded, sizeof(folded));
    for (uint32_t i = 0; i < src->nlines; i++) {
        key_put(m, &m->lines[line_off + i].line, sizeof(int64_t));
        key_put(m, &m->lines[line_off + i].function, sizeof(uint32_t));
    }
    bool fresh;
    uint32_t idx =
        pd_keymap_intern(&m->locmap, m->key.data, m->key.len, (uint32_t)m->nlocs, &fresh, NULL);
    if (fresh) {
        pd_xgrow((void **)&m->locs, &m->locs_cap, m->nlocs + 1, sizeof(m_location));
        m->locs[m->nlocs++] =
            (m_location){address, mr.idx, (uint32_t)line_off, src->nlines, src->is_folded};
        m->nlines += src->nlines;
    }
    m->loc_remap[li] = idx;
    return idx;
}

/* Orders labels for the sample key: string labels before numeric ones, by
 * key, keeping the order of values under one key (pprof keys on
 * map[key][]values, where that order counts). Insertion sort: a sample has
 * a handful of labels. */
static void sort_labels(pd_sample_label *l, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        pd_sample_label x = l[i];
        uint64_t kx = ((uint64_t)(x.str == 0) << 32) | x.key;
        uint32_t j = i;
        while (j > 0) {
            uint64_t kj = ((uint64_t)(l[j - 1].str == 0) << 32) | l[j - 1].key;
            if (kj <= kx)
                break;
            l[j] = l[j - 1];
            j--;
        }
        l[j] = x;
    }
}

static void map_sample(pd_merger *m, const pd_profile *p, const pd_sample *src,
                       const int64_t *values)
{
    uint32_t nst = m->nst;
    pd_xgrow((void **)&m->tmp_locs, &m->tmp_locs_cap, src->nlocs + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < src->nlocs; i++)
        m->tmp_locs[i] = map_location(m, p, src->locs[i]);
    pd_xgrow((void **)&m->tmp_labels, &m->tmp_labels_cap, (size_t)src->nlabels * 2 + 1,
             sizeof(pd_sample_label));
    pd_sample_label *mapped = m->tmp_labels;
    pd_sample_label *sorted = m->tmp_labels + src->nlabels;
    for (uint32_t i = 0; i < src->nlabels; i++) {
        const pd_sample_label *l = &src->labels[i];
        mapped[i] = (pd_sample_label){map_str(m, p, l->key), map_str(m, p, l->str),
                                      map_str(m, p, l->unit), l->str ? 0 : l->num};
        sorted[i] = mapped[i];
    }
    sort_labels(sorted, src->nlabels);

    pd_buf_reset(&m->key);
    key_put(m, &src->nlocs, sizeof(uint32_t));
    key_put(m, m->tmp_locs, sizeof(uint32_t) * src->nlocs);
    for (uint32_t i = 0; i < src->nlabels; i++) {
        const pd_sample_label *l = &sorted[i];
        if (l->str != 0) {
            uint32_t kv[2] = {l->key, l->str};
            key_put(m, kv, sizeof(kv));
        } else {
            uint32_t kv[2] = {l->key | 0x80000000u, l->unit};
            key_put(m, kv, sizeof(kv));
            key_put(m, &l->num, sizeof(l->num));
        }
    }
    bool fresh;
    uint32_t idx =
        pd_keymap_intern(&m->smpmap, m->key.data, m->key.len, (uint32_t)m->nsmps, &fresh, NULL);
    if (!fresh) {
        int64_t *dst = &m->vals[(size_t)idx * nst];
        for (uint32_t i = 0; i < nst; i++)
            dst[i] = (int64_t)((uint64_t)dst[i] + (uint64_t)values[i]);
        return;
    }
    pd_xgrow((void **)&m->smps, &m->smps_cap, m->nsmps + 1, sizeof(m_sample));
    pd_xgrow((void **)&m->vals, &m->vals_cap, (m->nsmps + 1) * nst + 1, sizeof(int64_t));
    pd_xgrow((void **)&m->sloc, &m->sloc_cap, m->nsloc + src->nlocs, sizeof(uint32_t));
    pd_xgrow((void **)&m->slab, &m->slab_cap, m->nslab + src->nlabels, sizeof(pd_sample_label));
    m->smps[m->nsmps] =
        (m_sample){(uint32_t)m->nsloc, src->nlocs, (uint32_t)m->nslab, src->nlabels};
    memcpy(&m->vals[m->nsmps * nst], values, sizeof(int64_t) * nst);
    if (src->nlocs)
        memcpy(&m->sloc[m->nsloc], m->tmp_locs, sizeof(uint32_t) * src->nlocs);
    if (src->nlabels)
        memcpy(&m->slab[m->nslab], mapped, sizeof(pd_sample_label) * src->nlabels);
    m->nsloc += src->nlocs;
    m->nslab += src->nlabels;
    m->nsmps++;
}

/* combineHeaders: the first profile gives the types; later ones must match. */
static int merge_header(pd_merger *m, const pd_profile *p, pd_err *err)
{
    if (!m->started) {
        m->started = true;
        m->nst = p->nsample_types;
        m->sample_types = pd_xmalloc(sizeof(pd_value_type) * (m->nst + 1));
        for (uint32_t i = 0; i < m->nst; i++)
            m->sample_types[i] = (pd_value_type){map_str(m, p, p->sample_types[i].type),
                                                 map_str(m, p, p->sample_types[i].unit)};
        m->period_type =
            (pd_value_type){map_str(m, p, p->period_type.type), map_str(m, p, p->period_type.unit)};
        m->drop_frames = map_str(m, p, p->drop_frames);
        m->keep_frames = map_str(m, p, p->keep_frames);
    } else {
        pd_types_view first = {m->strs, m->period_type, m->sample_types, m->nst};
        pd_types_view next = pd_types_of(p);
        int rc = pd_types_check(&first, &next, err);
        if (rc < 0)
            return rc;
    }
    if (m->time_nanos == 0 || p->time_nanos < m->time_nanos)
        m->time_nanos = p->time_nanos;
    m->duration_nanos = (int64_t)((uint64_t)m->duration_nanos + (uint64_t)p->duration_nanos);
    if (m->period == 0 || m->period < p->period)
        m->period = p->period;
    for (uint32_t i = 0; i < p->ncomments; i++) {
        uint32_t c = map_str(m, p, p->comments[i]);
        bool seen = false;
        for (size_t j = 0; j < m->ncomments && !seen; j++)
            seen = m->comments[j] == c;
        if (!seen) {
            pd_xgrow((void **)&m->comments, &m->comments_cap, m->ncomments + 1, sizeof(uint32_t));
            m->comments[m->ncomments++] = c;
        }
    }
    if (m->default_sample_type == 0 || m->strs[m->default_sample_type].len == 0)
        m->default_sample_type = map_str(m, p, p->default_sample_type);
    return 0;
}

static void reset_remaps(pd_merger *m, const pd_profile *p)
{
    pd_xgrow((void **)&m->str_remap, &m->str_remap_cap, p->nstrings + 1, sizeof(uint32_t));
    memset(m->str_remap, 0xff, sizeof(uint32_t) * p->nstrings);
    pd_xgrow((void **)&m->fn_remap, &m->fn_remap_cap, p->nfunctions + 1, sizeof(uint32_t));
    memset(m->fn_remap, 0xff, sizeof(uint32_t) * p->nfunctions);
    pd_xgrow((void **)&m->loc_remap, &m->loc_remap_cap, p->nlocations + 1, sizeof(uint32_t));
    memset(m->loc_remap, 0xff, sizeof(uint32_t) * p->nlocations);
    pd_xgrow((void **)&m->map_remap, &m->map_remap_cap, p->nmappings + 1, sizeof(map_ref));
    for (uint32_t i = 0; i < p->nmappings; i++)
        m->map_remap[i].idx = UNSET;
}

int pd_merger_add(pd_merger *m, const pd_profile *p, const int64_t *weights, pd_err *err)
{
    if (m->failed)
        return pd_errf(err, -EINVAL, "merge: merger already failed");
    reset_remaps(m, p);
    int rc = merge_header(m, p, err);
    if (rc < 0) {
        m->failed = true;
        return rc;
    }
    if (m->nmaps == 0 && p->nmappings > 0)
        map_mapping(m, p, 0); /* the first mapping is the main binary: keep it first */
    int64_t *wv = NULL;
    if (weights != NULL)
        wv = pd_xmalloc(sizeof(int64_t) * (m->nst + 1));
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const pd_sample *s = &p->samples[i];
        const int64_t *v = s->values;
        if (weights != NULL) {
            for (uint32_t j = 0; j < m->nst; j++)
                wv[j] = (int64_t)((uint64_t)s->values[j] * (uint64_t)weights[j]);
            v = wv;
        }
        bool zero = true;
        for (uint32_t j = 0; j < m->nst && zero; j++)
            zero = v[j] == 0;
        if (!zero)
            map_sample(m, p, s, v);
    }
    free(wv);
    return 0;
}

bool pd_merger_same_types(const pd_merger *m, const pd_profile *p)
{
    if (!m->started)
        return true;
    pd_types_view mine = {m->strs, m->period_type, m->sample_types, m->nst};
    pd_types_view theirs = pd_types_of(p);
    return pd_types_check(&mine, &theirs, NULL) == 0;
}

uint32_t pd_merger_sample_count(const pd_merger *m)
{
    return (uint32_t)m->nsmps;
}

/* A copy of count elements in the arena, with room for one more so empty
 * tables are valid pointers too. */
static void *dup_array(pd_arena *a, const void *src, size_t count, size_t size)
{
    void *d = pd_arena_alloc(a, (count + 1) * size);
    if (count > 0)
        memcpy(d, src, count * size);
    return d;
}

/* Moves the merged tables into a new profile. */
static pd_profile *build(pd_merger *m)
{
    pd_profile *p = pd_xcalloc(1, sizeof(*p));
    /* The string bytes live in the string map's arena: the profile takes it. */
    p->arena = m->strmap.keys;
    m->strmap.keys = (pd_arena)PD_ARENA_INIT;
    pd_arena *a = &p->arena;
    p->strings_cap = (uint32_t)m->nstrs + 1;
    p->strings = pd_xmalloc(sizeof(pd_str) * p->strings_cap);
    memcpy(p->strings, m->strs, sizeof(pd_str) * m->nstrs);
    p->nstrings = (uint32_t)m->nstrs;

    uint32_t nst = m->nst;
    p->nsample_types = nst;
    p->sample_types = dup_array(a, m->sample_types, nst, sizeof(pd_value_type));
    p->period_type = m->period_type;
    p->drop_frames = m->drop_frames;
    p->keep_frames = m->keep_frames;
    p->default_sample_type = m->default_sample_type;
    p->time_nanos = m->time_nanos;
    p->duration_nanos = m->duration_nanos;
    p->period = m->period;
    p->ncomments = (uint32_t)m->ncomments;
    p->comments = dup_array(a, m->comments, m->ncomments, sizeof(uint32_t));

    p->nmappings = (uint32_t)m->nmaps;
    p->mappings = dup_array(a, m->maps, m->nmaps, sizeof(pd_mapping));
    p->nfunctions = (uint32_t)m->nfns;
    p->functions = dup_array(a, m->fns, m->nfns, sizeof(pd_function));
    pd_line *lines = dup_array(a, m->lines, m->nlines, sizeof(pd_line));
    p->nlocations = (uint32_t)m->nlocs;
    p->locations = pd_arena_calloc(a, m->nlocs + 1, sizeof(pd_location));
    for (size_t i = 0; i < m->nlocs; i++) {
        const m_location *l = &m->locs[i];
        p->locations[i] = (pd_location){
            i + 1,       l->address, l->mapping, l->nlines, l->nlines ? lines + l->line_off : NULL,
            l->is_folded};
    }
    uint32_t *sloc = dup_array(a, m->sloc, m->nsloc, sizeof(uint32_t));
    pd_sample_label *slab = dup_array(a, m->slab, m->nslab, sizeof(pd_sample_label));
    int64_t *vals = dup_array(a, m->vals, m->nsmps * nst, sizeof(int64_t));
    p->nsamples = (uint32_t)m->nsmps;
    p->samples = pd_arena_calloc(a, m->nsmps + 1, sizeof(pd_sample));
    for (size_t i = 0; i < m->nsmps; i++) {
        const m_sample *s = &m->smps[i];
        p->samples[i] =
            (pd_sample){sloc + s->loc_off, vals + i * nst, slab + s->lab_off, s->nlocs, s->nlabels};
    }
    return p;
}

int pd_merger_finish(pd_merger *m, pd_profile **out, pd_err *err)
{
    *out = NULL;
    if (m->failed)
        return pd_errf(err, -EINVAL, "merge: an input was rejected");
    if (!m->started)
        return pd_errf(err, -EINVAL, "no profiles to merge");
    bool has_zero = false;
    for (size_t i = 0; i < m->nsmps && !has_zero; i++) {
        bool zero = true;
        for (uint32_t j = 0; j < m->nst && zero; j++)
            zero = m->vals[i * m->nst + j] == 0;
        has_zero = zero;
    }
    pd_profile *p = build(m);
    if (!has_zero) {
        *out = p;
        return 0;
    }
    /* Samples that summed to zero (a diff): merge once more to drop them
     * and everything only they referenced, renumbering as pprof does. */
    int rc = pd_profile_compact(p, out, err);
    pd_profile_free(p);
    return rc;
}

int pd_profile_merge(pd_profile *const *ps, size_t n, pd_profile **out, pd_err *err)
{
    *out = NULL;
    if (n == 0)
        return pd_errf(err, -EINVAL, "no profiles to merge");
    pd_merger *m = pd_merger_new();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = pd_merger_add(m, ps[i], NULL, err);
    if (rc == 0)
        rc = pd_merger_finish(m, out, err);
    pd_merger_free(m);
    return rc;
}

int pd_profile_compact(const pd_profile *p, pd_profile **out, pd_err *err)
{
    pd_profile *const one[1] = {(pd_profile *)p};
    return pd_profile_merge(one, 1, out, err);
}
