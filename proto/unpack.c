/* Rebuilding a profile from its stored form and its symbol table. Only what
 * the samples use is copied out (and the profile's own mapping list), so the
 * cost follows the profile, not the table. Ids are given by first use. */
#include "unpack.h"

#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static void idmap_init(pd_idmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap <<= 1;
    m->keys = pd_xcalloc(cap, sizeof(uint32_t));
    m->vals = pd_xmalloc(cap * sizeof(uint32_t));
    m->mask = cap - 1;
    m->count = 0;
}

static void idmap_free(pd_idmap *m)
{
    free(m->keys);
    free(m->vals);
}

static inline size_t idmap_slot(uint32_t id)
{
    return (size_t)((id + 1) * 0x9E3779B1u);
}

/* *val for id; false if absent. */
static bool idmap_get(const pd_idmap *m, uint32_t id, uint32_t *val)
{
    for (size_t i = idmap_slot(id) & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == 0)
            return false;
        if (m->keys[i] == id + 1) {
            *val = m->vals[i];
            return true;
        }
    }
}

static void idmap_put(pd_idmap *m, uint32_t id, uint32_t val)
{
    if ((m->count + 1) * 2 > m->mask + 1) {
        pd_idmap old = *m;
        idmap_init(m, (old.mask + 1));
        for (size_t i = 0; i <= old.mask; i++)
            if (old.keys[i] != 0)
                idmap_put(m, old.keys[i] - 1, old.vals[i]);
        idmap_free(&old);
    }
    size_t i = idmap_slot(id) & m->mask;
    while (m->keys[i] != 0)
        i = (i + 1) & m->mask;
    m->keys[i] = id + 1;
    m->vals[i] = val;
    m->count++;
}

static uint32_t str_of(pd_up *u, uint32_t id)
{
    if (id == 0)
        return 0;
    if (id >= u->t->n.strs) {
        u->bad = true;
        return 0;
    }
    uint32_t v;
    if (idmap_get(&u->strs, id, &v))
        return v;
    pd_profile *p = u->p;
    if (p->nstrings == p->strings_cap) {
        size_t cap = p->strings_cap;
        pd_xgrow((void **)&p->strings, &cap, (size_t)p->nstrings + 1, sizeof(pd_str));
        p->strings_cap = (uint32_t)cap;
    }
    pd_str s = u->t->strs[id];
    char *copy = pd_arena_alloc(&p->arena, (size_t)s.len + 1);
    memcpy(copy, s.ptr, s.len);
    copy[s.len] = '\0';
    p->strings[p->nstrings] = (pd_str){copy, s.len};
    idmap_put(&u->strs, id, p->nstrings);
    return p->nstrings++;
}

/* Output mapping index + 1 of table mapping id. */
static uint32_t map_of(pd_up *u, uint32_t id)
{
    if (id >= u->t->n.maps) {
        u->bad = true;
        return 0;
    }
    uint32_t v;
    if (idmap_get(&u->maps, id, &v))
        return v + 1;
    pd_mapping m = u->t->maps[id];
    m.id = u->nmaps + 1;
    m.file = str_of(u, m.file);
    m.build_id = str_of(u, m.build_id);
    pd_xgrow((void **)&u->omaps, &u->maps_cap, u->nmaps + 1, sizeof(pd_mapping));
    u->omaps[u->nmaps] = m;
    idmap_put(&u->maps, id, (uint32_t)u->nmaps);
    return (uint32_t)++u->nmaps;
}

static uint32_t fn_of(pd_up *u, uint32_t id)
{
    uint32_t v;
    if (idmap_get(&u->fns, id, &v))
        return v;
    const pd_function *f = &u->t->fns[id];
    pd_function o = {u->nfns + 1, str_of(u, f->name), str_of(u, f->system_name),
                     str_of(u, f->filename), f->start_line};
    pd_xgrow((void **)&u->ofns, &u->fns_cap, u->nfns + 1, sizeof(pd_function));
    u->ofns[u->nfns] = o;
    idmap_put(&u->fns, id, (uint32_t)u->nfns);
    return (uint32_t)u->nfns++;
}

static uint32_t loc_of(pd_up *u, uint32_t id)
{
    uint32_t v;
    if (idmap_get(&u->locs, id, &v))
        return v;
    const sy_loc *l = &u->t->locs[id];
    pd_location o = {u->nlocs + 1, l->address, 0, l->nlines, NULL, l->is_folded};
    if (l->mapping != 0)
        o.mapping = map_of(u, l->mapping - 1);
    o.lines = pd_arena_alloc(&u->p->arena, ((size_t)l->nlines + 1) * sizeof(pd_line));
    for (uint32_t i = 0; i < l->nlines; i++) {
        const pd_line *src = &u->t->lines[l->line_off + i];
        o.lines[i] = (pd_line){fn_of(u, src->function), src->line};
    }
    pd_xgrow((void **)&u->olocs, &u->locs_cap, u->nlocs + 1, sizeof(pd_location));
    u->olocs[u->nlocs] = o;
    idmap_put(&u->locs, id, (uint32_t)u->nlocs);
    return (uint32_t)u->nlocs++;
}

bool pd_up_sample(pd_up *u, uint32_t leaf, uint32_t lset, const int64_t *values, uint32_t nst,
                  pd_sample *o)
{
    const pd_symtab *t = u->t;
    pd_arena *a = &u->p->arena;
    if (leaf > t->n.nodes || lset > t->n.lsets) {
        u->bad = true;
        return false;
    }
    uint32_t depth = 0;
    for (uint32_t n = leaf; n != 0; n = t->nodes[n - 1].parent)
        depth++;
    o->nlocs = depth;
    o->locs = pd_arena_alloc(a, ((size_t)depth + 1) * sizeof(uint32_t));
    uint32_t k = 0;
    for (uint32_t n = leaf; n != 0; n = t->nodes[n - 1].parent)
        o->locs[k++] = loc_of(u, t->nodes[n - 1].loc);
    o->values = pd_arena_memdup(a, values, ((size_t)nst + 1) * sizeof(int64_t));
    o->nlabels = 0;
    o->labels = NULL;
    if (lset != 0) {
        sy_span sp = t->lsets[lset - 1];
        o->nlabels = sp.n;
        o->labels = pd_arena_alloc(a, ((size_t)sp.n + 1) * sizeof(pd_sample_label));
        for (uint32_t j = 0; j < sp.n; j++) {
            const pd_sample_label *l = &t->labs[sp.off + j];
            o->labels[j] =
                (pd_sample_label){str_of(u, l->key), str_of(u, l->str), str_of(u, l->unit), l->num};
        }
    }
    return !u->bad;
}

static void *arena_copy(pd_arena *a, const void *src, size_t n, size_t size)
{
    void *d = pd_arena_alloc(a, (n + 1) * size);
    if (n > 0)
        memcpy(d, src, n * size);
    return d;
}

void pd_up_begin(pd_up *u, pd_profile *p, size_t expected)
{
    memset(u, 0, sizeof(*u));
    u->p = p;
    u->expected = expected;
}

void pd_up_table(pd_up *u, const pd_symtab *t)
{
    if (u->t != NULL) {
        idmap_free(&u->strs);
        idmap_free(&u->maps);
        idmap_free(&u->fns);
        idmap_free(&u->locs);
    }
    u->t = t;
    if (t == NULL)
        return;
    idmap_init(&u->strs, u->expected);
    idmap_init(&u->maps, 8);
    idmap_init(&u->fns, u->expected);
    idmap_init(&u->locs, u->expected);
}

void pd_up_header(pd_up *u, const pd_stored *s)
{
    pd_profile *p = u->p;
    pd_arena *a = &p->arena;
    p->time_nanos = s->time_nanos;
    p->duration_nanos = s->duration_nanos;
    p->period = s->period;
    p->period_type = (pd_value_type){str_of(u, s->period_type[0]), str_of(u, s->period_type[1])};
    p->nsample_types = s->nsample_types;
    p->sample_types = pd_arena_alloc(a, ((size_t)s->nsample_types + 1) * sizeof(pd_value_type));
    for (uint32_t i = 0; i < s->nsample_types; i++)
        p->sample_types[i] = (pd_value_type){str_of(u, s->sample_types[2 * i]),
                                             str_of(u, s->sample_types[2 * i + 1])};
    p->default_sample_type = str_of(u, s->default_sample_type);
    p->drop_frames = str_of(u, s->drop_frames);
    p->keep_frames = str_of(u, s->keep_frames);
    p->ncomments = s->ncomments;
    p->comments = pd_arena_alloc(a, ((size_t)s->ncomments + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < s->ncomments; i++)
        p->comments[i] = str_of(u, s->comments[i]);
    /* The mapping list first, in its order: mapping ids come back as sent
     * and the main binary stays first. */
    for (uint32_t i = 0; i < s->nmappings && !u->bad; i++)
        (void)map_of(u, s->mappings[i]);
}

int pd_up_end(pd_up *u, pd_err *err)
{
    pd_up_table(u, NULL);
    pd_profile *p = u->p;
    pd_arena *a = &p->arena;
    int rc = 0;
    if (u->bad) {
        rc = pd_errf(err, -EINVAL, "stored profile refers to symbols the table does not hold");
    } else {
        p->nmappings = (uint32_t)u->nmaps;
        p->mappings = arena_copy(a, u->omaps, u->nmaps, sizeof(pd_mapping));
        p->nfunctions = (uint32_t)u->nfns;
        p->functions = arena_copy(a, u->ofns, u->nfns, sizeof(pd_function));
        p->nlocations = (uint32_t)u->nlocs;
        p->locations = arena_copy(a, u->olocs, u->nlocs, sizeof(pd_location));
    }
    free(u->omaps);
    free(u->ofns);
    free(u->olocs);
    u->omaps = NULL;
    u->ofns = NULL;
    u->olocs = NULL;
    return rc;
}

/* The header, and the samples too when `samples`. */
static int unpack(const pd_symtab *t, const pd_stored *s, bool samples, pd_profile **out,
                  pd_err *err)
{
    *out = NULL;
    pd_profile *p = pd_profile_new();
    pd_up u;
    pd_up_begin(&u, p, samples ? 256 : 8);
    pd_up_table(&u, t);
    pd_up_header(&u, s);
    if (samples) {
        p->nsamples = s->nsamples;
        p->samples = pd_arena_calloc(&p->arena, (size_t)s->nsamples + 1, sizeof(pd_sample));
        uint32_t nst = s->nsample_types;
        for (uint32_t i = 0; i < s->nsamples && !u.bad; i++)
            pd_up_sample(&u, s->stacks[i], s->labelsets[i], s->values + (size_t)i * nst, nst,
                         &p->samples[i]);
    }
    int rc = pd_up_end(&u, err);
    if (rc < 0) {
        pd_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int pd_symtab_unpack(const pd_symtab *t, const pd_stored *s, pd_profile **out, pd_err *err)
{
    return unpack(t, s, true, out, err);
}

int pd_symtab_unpack_header(const pd_symtab *t, const pd_stored *s, pd_profile **out, pd_err *err)
{
    return unpack(t, s, false, out, err);
}
