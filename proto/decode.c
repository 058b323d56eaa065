/* Decoding and validation of pprof protobuf bytes into a pd_profile.
 *
 * A purpose-built two-pass reader rather than protobuf-c's generic unpack:
 * the first pass checks the framing and counts the repeated fields, the
 * second fills arrays of exact size in the profile's arena, with strings
 * pointing into the decompressed bytes (no copies). This is the hot path of
 * every merge, so it allocates a handful of blocks per profile instead of one
 * object per message. Validation follows Go's profile.Parse + CheckValid. */
#include "pd_profile.h"

#include "pd_hash.h"
#include "pd_mem.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

typedef struct dec {
    pd_profile *p;
    wire_rd top;
    pd_err *err;
    uint32_t nstrings; /* from the first pass, for index checks */
    /* Reused across submessages: the sample or location being read. */
    uint64_t *scratch; /* location ids */
    size_t scratch_cap;
    uint64_t *vscratch; /* values */
    size_t vscratch_cap;
    pd_sample_label *lscratch; /* labels */
    size_t lscratch_cap;
    pd_line *line_scratch; /* lines */
    size_t line_scratch_cap;
    wire_field *refs; /* every top-level field, parsed once by dec_count */
    size_t nrefs, refs_cap;
} dec;

static const char *wt_name(int wt)
{
    switch (wt) {
    case WT_VARINT:
        return "varint";
    case WT_I64:
        return "fixed64";
    case WT_LEN:
        return "length-delimited";
    case WT_I32:
        return "fixed32";
    }
    return "unknown";
}

static int want_wt(dec *d, const wire_field *f, int wt, const char *what)
{
    if (f->wt == wt)
        return 0;
    return pd_errf(d->err, -EINVAL, "%s (field %llu) at byte %zu has wire type %s, want %s", what,
                   (unsigned long long)f->num, f->offset, wt_name(f->wt), wt_name(wt));
}

/* A repeated number field: packed (LEN) or one varint. */
static int want_repeated(dec *d, const wire_field *f, const char *what)
{
    if (f->wt == WT_LEN || f->wt == WT_VARINT)
        return 0;
    return want_wt(d, f, WT_VARINT, what);
}

/* An upper bound on the varints in a packed field: the bytes that end a
 * varint, plus one for a truncated varint at the end. Not a validation:
 * read_packed checks each varint as it reads it. The truncated one must
 * count, or a field of only continuation bytes (a count of 0) leaves the
 * scratch array unallocated while read_packed still addresses it. */
static uint32_t count_packed(const wire_field *f)
{
    if (f->wt == WT_VARINT)
        return 1;
    uint32_t c = 0;
    for (size_t i = 0; i < f->len; i++)
        c += f->data[i] < 0x80;
    if (f->len > 0 && f->data[f->len - 1] >= 0x80)
        c++;
    return c;
}

static int read_packed(dec *d, const wire_rd *parent, const wire_field *f, uint64_t *out,
                       uint32_t *pos)
{
    if (f->wt == WT_VARINT) {
        out[(*pos)++] = f->u64;
        return 0;
    }
    wire_rd r = wire_sub(parent, f);
    while (r.p < r.end) {
        int rc = wire_varint(&r, &out[*pos], d->err);
        if (rc < 0)
            return rc;
        (*pos)++;
    }
    return 0;
}

static int str_index(dec *d, uint64_t v, uint32_t *out, const char *what, uint32_t n)
{
    int64_t i = (int64_t)v;
    if (i < 0 || i >= (int64_t)d->nstrings)
        return pd_errf(d->err, -EINVAL,
                       "%s %u: string index %lld out of range (string table has %u entries)", what,
                       n, (long long)i, d->nstrings);
    *out = (uint32_t)i;
    return 0;
}

/* Maps wire ids (any nonzero uint64) to table indices: a direct array when
 * the ids are dense, as Go writes them, a hash map otherwise. */
typedef struct idmap {
    uint32_t *dense; /* index + 1 by id; 0 = absent */
    uint64_t dense_n;
    pd_keymap sparse;
    bool is_sparse;
} idmap;

static void idmap_free(idmap *m)
{
    free(m->dense);
    if (m->is_sparse)
        pd_keymap_free(&m->sparse);
}

/* ids[i] is the id of entry i (stride bytes apart). Rejects 0 and duplicates. */
static int idmap_build(dec *d, idmap *m, const void *first, size_t stride, uint32_t n,
                       const char *what)
{
    memset(m, 0, sizeof(*m));
    uint64_t max = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t id;
        memcpy(&id, (const uint8_t *)first + i * stride, sizeof(id));
        if (id == 0)
            return pd_errf(d->err, -EINVAL, "%s %u has the reserved id 0", what, i);
        if (id > max)
            max = id;
    }
    m->is_sparse = max > (uint64_t)n * 2 + 64;
    if (m->is_sparse)
        pd_keymap_init(&m->sparse, n);
    else {
        m->dense_n = max + 1;
        m->dense = pd_xcalloc((size_t)m->dense_n, sizeof(uint32_t));
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t id;
        memcpy(&id, (const uint8_t *)first + i * stride, sizeof(id));
        bool fresh = true;
        if (m->is_sparse)
            pd_keymap_intern(&m->sparse, &id, sizeof(id), i + 1, &fresh, NULL);
        else if (m->dense[id] != 0)
            fresh = false;
        else
            m->dense[id] = i + 1;
        if (!fresh)
            return pd_errf(d->err, -EINVAL, "duplicate %s id %llu", what, (unsigned long long)id);
    }
    return 0;
}

/* Index + 1 of the entry with this id, 0 if none. */
static uint32_t idmap_get(const idmap *m, uint64_t id)
{
    if (!m->is_sparse)
        return id < m->dense_n ? m->dense[id] : 0;
    uint32_t v = 0;
    if (!pd_keymap_get(&m->sparse, &id, sizeof(id), &v))
        return 0;
    return v;
}

static int dec_line(dec *d, const wire_rd *parent, const wire_field *f, pd_line *ln,
                    const idmap *functions, uint64_t loc_id)
{
    wire_rd r = wire_sub(parent, f);
    uint64_t fid = 0;
    ln->line = 0;
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && (g.num == 1 || g.num == 2))
            rc = want_wt(d, &g, WT_VARINT, "line field");
        if (rc < 0)
            return rc;
        if (g.num == 1)
            fid = g.u64;
        else if (g.num == 2)
            ln->line = (int64_t)g.u64;
    }
    uint32_t fi = fid ? idmap_get(functions, fid) : 0;
    if (fi == 0)
        return pd_errf(d->err, -EINVAL, "location id %llu has a line with %s function id %llu",
                       (unsigned long long)loc_id, fid ? "unknown" : "no", (unsigned long long)fid);
    ln->function = fi - 1;
    return 0;
}

static int dec_value_type(dec *d, const wire_rd *parent, const wire_field *f, pd_value_type *vt,
                          const char *what, uint32_t n)
{
    wire_rd r = wire_sub(parent, f);
    uint64_t type = 0, unit = 0; /* a repeated scalar: the last one counts, as in Go */
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && (g.num == 1 || g.num == 2))
            rc = want_wt(d, &g, WT_VARINT, "value type field");
        if (rc < 0)
            return rc;
        if (g.num == 1)
            type = g.u64;
        else if (g.num == 2)
            unit = g.u64;
    }
    int rc = str_index(d, type, &vt->type, what, n);
    return rc < 0 ? rc : str_index(d, unit, &vt->unit, what, n);
}

static int dec_label(dec *d, const wire_rd *parent, const wire_field *f, pd_sample_label *l,
                     uint32_t n)
{
    wire_rd r = wire_sub(parent, f);
    uint64_t v[5] = {0, 0, 0, 0, 0};
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && g.num >= 1 && g.num <= 4) {
            rc = want_wt(d, &g, WT_VARINT, "label field");
            v[g.num] = g.u64;
        }
        if (rc < 0)
            return rc;
    }
    int rc = str_index(d, v[1], &l->key, "label key of sample", n);
    if (rc == 0 && v[2] != 0)
        rc = str_index(d, v[2], &l->str, "label value of sample", n);
    /* Like Go, a string label's unit is ignored, not checked. */
    if (rc == 0 && v[2] == 0 && v[4] != 0)
        rc = str_index(d, v[4], &l->unit, "label unit of sample", n);
    if (rc < 0)
        return rc;
    if (v[2] == 0)
        l->str = 0;
    if (v[4] == 0 || v[2] != 0)
        l->unit = 0;
    l->num = v[2] != 0 ? 0 : (int64_t)v[3];
    return 0;
}

/* One pass over the sample: numbers into the decoder's scratch arrays,
 * then exact-size copies into the arena. */
static int dec_sample(dec *d, const wire_field *f, pd_sample *s, const idmap *locations,
                      uint32_t idx)
{
    pd_arena *a = &d->p->arena;
    uint32_t nloc = 0, nval = 0, nlab = 0;
    wire_rd r = wire_sub(&d->top, f);
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && g.num == 1) {
            rc = want_repeated(d, &g, "sample location_id");
            pd_xgrow((void **)&d->scratch, &d->scratch_cap, nloc + count_packed(&g),
                     sizeof(uint64_t));
            if (rc == 0)
                rc = read_packed(d, &r, &g, d->scratch, &nloc);
        } else if (rc == 0 && g.num == 2) {
            rc = want_repeated(d, &g, "sample value");
            pd_xgrow((void **)&d->vscratch, &d->vscratch_cap, nval + count_packed(&g),
                     sizeof(uint64_t));
            if (rc == 0)
                rc = read_packed(d, &r, &g, d->vscratch, &nval);
        } else if (rc == 0 && g.num == 3) {
            rc = want_wt(d, &g, WT_LEN, "sample label");
            pd_xgrow((void **)&d->lscratch, &d->lscratch_cap, nlab + 1, sizeof(pd_sample_label));
            pd_sample_label *l = &d->lscratch[nlab];
            if (rc == 0)
                rc = dec_label(d, &r, &g, l, idx);
            /* pprof drops a label with neither string, number nor unit. */
            if (rc == 0 && (l->str != 0 || l->num != 0 || l->unit != 0))
                nlab++;
        }
        if (rc < 0)
            return rc;
    }
    if (nval != d->p->nsample_types)
        return pd_errf(d->err, -EINVAL,
                       "sample %u has %u values but the profile has %u sample types", idx, nval,
                       d->p->nsample_types);
    s->values = pd_arena_alloc(a, sizeof(int64_t) * (nval ? nval : 1));
    if (nval > 0)
        memcpy(s->values, d->vscratch, sizeof(int64_t) * nval);
    s->nlabels = nlab;
    s->labels = nlab ? pd_arena_memdup(a, d->lscratch, sizeof(pd_sample_label) * nlab) : NULL;
    s->nlocs = nloc;
    s->locs = nloc ? pd_arena_alloc(a, sizeof(uint32_t) * nloc) : NULL;
    for (uint32_t i = 0; i < nloc; i++) {
        uint32_t li = idmap_get(locations, d->scratch[i]);
        if (li == 0)
            return pd_errf(d->err, -EINVAL, "sample %u refers to unknown location id %llu", idx,
                           (unsigned long long)d->scratch[i]);
        s->locs[i] = li - 1;
    }
    return 0;
}

static int dec_mapping(dec *d, const wire_field *f, pd_mapping *m, uint32_t idx)
{
    wire_rd r = wire_sub(&d->top, f);
    memset(m, 0, sizeof(*m));
    uint64_t file = 0, build_id = 0; /* string indices, checked once read */
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && g.num >= 1 && g.num <= 10)
            rc = want_wt(d, &g, WT_VARINT, "mapping field");
        if (rc < 0)
            return rc;
        switch (g.num) {
        case 1:
            m->id = g.u64;
            break;
        case 2:
            m->start = g.u64;
            break;
        case 3:
            m->limit = g.u64;
            break;
        case 4:
            m->offset = g.u64;
            break;
        case 5:
            file = g.u64;
            break;
        case 6:
            build_id = g.u64;
            break;
        case 7:
            m->has_functions = g.u64 != 0;
            break;
        case 8:
            m->has_filenames = g.u64 != 0;
            break;
        case 9:
            m->has_line_numbers = g.u64 != 0;
            break;
        case 10:
            m->has_inline_frames = g.u64 != 0;
            break;
        }
        if (rc < 0)
            return rc;
    }
    int rc = str_index(d, file, &m->file, "filename of mapping", idx);
    return rc < 0 ? rc : str_index(d, build_id, &m->build_id, "build_id of mapping", idx);
}

static int dec_location(dec *d, const wire_field *f, pd_location *l, const idmap *mappings,
                        const idmap *functions)
{
    memset(l, 0, sizeof(*l));
    uint32_t nlines = 0;
    wire_rd r = wire_sub(&d->top, f);
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && g.num == 4) {
            rc = want_wt(d, &g, WT_LEN, "location line");
            pd_xgrow((void **)&d->line_scratch, &d->line_scratch_cap, nlines + 1, sizeof(pd_line));
            if (rc == 0)
                rc = dec_line(d, &r, &g, &d->line_scratch[nlines++], functions, l->id);
        } else if (rc == 0 && g.num >= 1 && g.num <= 5) {
            rc = want_wt(d, &g, WT_VARINT, "location field");
        }
        if (rc < 0)
            return rc;
        switch (g.num) {
        case 1:
            l->id = g.u64;
            break;
        case 2:
            /* An unknown mapping id is no error for Go: no mapping. */
            l->mapping = idmap_get(mappings, g.u64);
            break;
        case 3:
            l->address = g.u64;
            break;
        case 5:
            l->is_folded = g.u64 != 0;
            break;
        }
    }
    l->nlines = nlines;
    l->lines =
        nlines ? pd_arena_memdup(&d->p->arena, d->line_scratch, sizeof(pd_line) * nlines) : NULL;
    return 0;
}

static int dec_function(dec *d, const wire_field *f, pd_function *fn, uint32_t idx)
{
    memset(fn, 0, sizeof(*fn));
    uint64_t name = 0, system_name = 0, filename = 0; /* checked once read */
    wire_rd r = wire_sub(&d->top, f);
    while (r.p < r.end) {
        wire_field g;
        int rc = wire_next(&r, &g, d->err);
        if (rc == 0 && g.num >= 1 && g.num <= 5)
            rc = want_wt(d, &g, WT_VARINT, "function field");
        if (rc < 0)
            return rc;
        switch (g.num) {
        case 1:
            fn->id = g.u64;
            break;
        case 2:
            name = g.u64;
            break;
        case 3:
            system_name = g.u64;
            break;
        case 4:
            filename = g.u64;
            break;
        case 5:
            fn->start_line = (int64_t)g.u64;
            break;
        }
        if (rc < 0)
            return rc;
    }
    int rc = str_index(d, name, &fn->name, "name of function", idx);
    if (rc == 0)
        rc = str_index(d, system_name, &fn->system_name, "system_name of function", idx);
    if (rc == 0)
        rc = str_index(d, filename, &fn->filename, "filename of function", idx);
    return rc;
}

/* Pass 1: framing, wire types and counts of the top-level fields. */
static int dec_count(dec *d, uint32_t count[16])
{
    wire_rd r = d->top;
    memset(count, 0, sizeof(uint32_t) * 16);
    while (r.p < r.end) {
        wire_field f;
        int rc = wire_next(&r, &f, d->err);
        if (rc < 0)
            return rc;
        pd_xgrow((void **)&d->refs, &d->refs_cap, d->nrefs + 1, sizeof(wire_field));
        d->refs[d->nrefs++] = f;
        uint32_t c = 0;
        switch (f.num) {
        case F_SAMPLE_TYPE:
        case F_SAMPLE:
        case F_MAPPING:
        case F_LOCATION:
        case F_FUNCTION:
        case F_STRING_TABLE:
        case F_PERIOD_TYPE: {
            static const char *names[] = {
                "",         "sample_type",  "sample", "mapping", "location",
                "function", "string_table", "",       "",        "",
                "",         "period_type"};
            rc = want_wt(d, &f, WT_LEN, names[f.num]);
            count[f.num]++;
            break;
        }
        case F_DROP_FRAMES:
        case F_KEEP_FRAMES:
        case F_TIME_NANOS:
        case F_DURATION_NANOS:
        case F_PERIOD:
        case F_DEFAULT_SAMPLE_TYPE:
            rc = want_wt(d, &f, WT_VARINT, "profile header field");
            break;
        case F_COMMENT:
            rc = want_repeated(d, &f, "comment");
            c = count_packed(&f);
            count[F_COMMENT] += c;
            break;
        default:
            break; /* unknown fields are skipped, as every protobuf reader does */
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Pass 2: strings, headers, sample types, mappings, functions. */
static int dec_tables(dec *d, idmap *mappings, idmap *functions)
{
    pd_profile *p = d->p;
    const wire_rd *r = &d->top;
    bool seen_time = false;
    uint32_t ns = 0, nst = 0, nm = 0, nf = 0, nc = 0;
    uint64_t drop = 0, keep = 0, dflt = 0;
    const wire_field *period_type = NULL;
    /* Strings first: every other field checks its indices against them. */
    for (size_t i = 0; i < d->nrefs; i++) {
        const wire_field *f = &d->refs[i];
        if (f->num == F_STRING_TABLE)
            p->strings[ns++] = (pd_str){(const char *)f->data, (uint32_t)f->len};
    }
    if (ns == 0 || p->strings[0].len != 0)
        return pd_errf(d->err, -EINVAL, "%s",
                       ns == 0 ? "no string table (string_table[0] must be \"\")"
                               : "string_table[0] must be \"\"");
    p->nstrings = ns;
    for (size_t k = 0; k < d->nrefs; k++) {
        const wire_field f = d->refs[k];
        int rc = 0;
        switch (f.num) {
        case F_SAMPLE_TYPE:
            rc = dec_value_type(d, r, &f, &p->sample_types[nst], "sample_type", nst);
            nst++;
            break;
        case F_MAPPING:
            rc = dec_mapping(d, &f, &p->mappings[nm], nm);
            nm++;
            break;
        case F_FUNCTION:
            rc = dec_function(d, &f, &p->functions[nf], nf);
            nf++;
            break;
        case F_DROP_FRAMES:
            drop = f.u64;
            break;
        case F_KEEP_FRAMES:
            keep = f.u64;
            break;
        case F_TIME_NANOS:
            /* Go reads a second time_nanos as two profiles glued together. */
            if (seen_time && p->time_nanos != 0)
                return pd_errf(d->err, -EINVAL,
                               "concatenated profiles detected (second time_nanos at byte %zu)",
                               f.offset);
            seen_time = true;
            p->time_nanos = (int64_t)f.u64;
            break;
        case F_DURATION_NANOS:
            p->duration_nanos = (int64_t)f.u64;
            break;
        case F_PERIOD_TYPE:
            period_type = &d->refs[k]; /* a message given twice: the last one counts */
            break;
        case F_PERIOD:
            p->period = (int64_t)f.u64;
            break;
        case F_COMMENT: {
            uint32_t start = nc;
            uint64_t *tmp = pd_xmalloc(sizeof(uint64_t) * (p->ncomments - start + 1));
            uint32_t got = 0;
            rc = read_packed(d, r, &f, tmp, &got);
            for (uint32_t i = 0; rc == 0 && i < got; i++)
                rc = str_index(d, tmp[i], &p->comments[nc++], "comment", start + i);
            free(tmp);
            break;
        }
        case F_DEFAULT_SAMPLE_TYPE:
            dflt = f.u64;
            break;
        }
        if (rc < 0)
            return rc;
    }
    /* Repeated scalars: the last one counts, and only it is checked. */
    int rc = 0;
    if (period_type != NULL)
        rc = dec_value_type(d, r, period_type, &p->period_type, "period_type", 0);
    if (rc == 0)
        rc = str_index(d, drop, &p->drop_frames, "drop_frames", 0);
    if (rc == 0)
        rc = str_index(d, keep, &p->keep_frames, "keep_frames", 0);
    if (rc == 0)
        rc = str_index(d, dflt, &p->default_sample_type, "default_sample_type", 0);
    if (rc == 0)
        rc = idmap_build(d, mappings, &p->mappings[0].id, sizeof(pd_mapping), nm, "mapping");
    if (rc == 0)
        rc = idmap_build(d, functions, &p->functions[0].id, sizeof(pd_function), nf, "function");
    return rc;
}

static int dec_locations(dec *d, const idmap *mappings, const idmap *functions, idmap *locations)
{
    pd_profile *p = d->p;
    uint32_t n = 0;
    for (size_t k = 0; k < d->nrefs; k++) {
        if (d->refs[k].num != F_LOCATION)
            continue;
        int rc = dec_location(d, &d->refs[k], &p->locations[n], mappings, functions);
        n++;
        if (rc < 0)
            return rc;
    }
    return idmap_build(d, locations, &p->locations[0].id, sizeof(pd_location), n, "location");
}

static int dec_samples(dec *d, const idmap *locations)
{
    pd_profile *p = d->p;
    uint32_t n = 0;
    for (size_t k = 0; k < d->nrefs; k++) {
        if (d->refs[k].num != F_SAMPLE)
            continue;
        int rc = dec_sample(d, &d->refs[k], &p->samples[n], locations, n);
        n++;
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* True when the first bytes are printable text: an HTML error page, a
 * `?debug=1` text profile. Only consulted once decoding failed: valid
 * protobuf often starts with a printable byte too. */
static bool looks_like_text(const uint8_t *d, size_t len, char *head, size_t head_size)
{
    size_t n = len < 48 ? len : 48;
    for (size_t i = 0; i < n; i++)
        if (!((d[i] >= 0x20 && d[i] < 0x7f) || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
            return false;
    size_t h = 0;
    for (size_t i = 0; i < n && i < 24 && h + 1 < head_size; i++)
        head[h++] =
            (d[i] == '\n' || d[i] == '\r' || d[i] == '\t' || d[i] == '"') ? ' ' : (char)d[i];
    head[h] = '\0';
    return n > 0;
}

int pd_profile_decode_owned(uint8_t *raw, size_t len, pd_profile **out, pd_err *err)
{
    *out = NULL;
    if (len == 0) {
        free(raw);
        return pd_errf(err, -EINVAL, "empty profile (no data)");
    }
    pd_profile *p = pd_xcalloc(1, sizeof(*p));
    p->arena = (pd_arena)PD_ARENA_INIT;
    p->backing = raw;
    dec d = {.p = p, .top = {raw, raw + len, raw}, .err = err};
    uint32_t count[16];
    idmap mappings = {0}, functions = {0}, locations = {0};
    int rc = dec_count(&d, count);
    if (rc < 0)
        goto out;
    if (count[F_SAMPLE] > 0 && count[F_SAMPLE_TYPE] == 0) {
        rc = pd_errf(err, -EINVAL, "%u samples but no sample_type", count[F_SAMPLE]);
        goto out;
    }
    d.nstrings = count[F_STRING_TABLE];
    pd_arena *a = &p->arena;
    p->strings_cap = d.nstrings + 1;
    p->strings = pd_xmalloc(sizeof(pd_str) * p->strings_cap);
    p->nsample_types = count[F_SAMPLE_TYPE];
    p->sample_types = pd_arena_calloc(a, p->nsample_types + 1, sizeof(pd_value_type));
    p->nsamples = count[F_SAMPLE];
    p->samples = pd_arena_calloc(a, p->nsamples + 1, sizeof(pd_sample));
    p->nmappings = count[F_MAPPING];
    p->mappings = pd_arena_calloc(a, p->nmappings + 1, sizeof(pd_mapping));
    p->nlocations = count[F_LOCATION];
    p->locations = pd_arena_calloc(a, p->nlocations + 1, sizeof(pd_location));
    p->nfunctions = count[F_FUNCTION];
    p->functions = pd_arena_calloc(a, p->nfunctions + 1, sizeof(pd_function));
    p->ncomments = count[F_COMMENT];
    p->comments = pd_arena_calloc(a, p->ncomments + 1, sizeof(uint32_t));

    rc = dec_tables(&d, &mappings, &functions);
    if (rc == 0)
        rc = dec_locations(&d, &mappings, &functions, &locations);
    if (rc == 0)
        rc = dec_samples(&d, &locations);
out:
    idmap_free(&mappings);
    idmap_free(&functions);
    idmap_free(&locations);
    free(d.scratch);
    free(d.vscratch);
    free(d.lscratch);
    free(d.line_scratch);
    free(d.refs);
    if (rc < 0) {
        char head[32];
        if (looks_like_text(raw, len, head, sizeof(head))) {
            pd_err_clear(err);
            pd_errf(err, rc,
                    "not a protobuf profile: the data is text starting with \"%s\" "
                    "(an HTML page or a ?debug=1 text profile?)",
                    head);
        }
        pd_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int pd_profile_decode(const uint8_t *data, size_t len, size_t max_bytes, pd_profile **out,
                      pd_err *err)
{
    *out = NULL;
    if (max_bytes == 0)
        max_bytes = PD_PROFILE_DEFAULT_MAX_BYTES;
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    if (pd_is_gzip(data, len)) {
        int rc = pd_gunzip(data, len, max_bytes, &raw, &raw_len, err);
        if (rc < 0)
            return rc;
    } else {
        if (len > max_bytes)
            return pd_errf(err, -E2BIG, "profile of %zu bytes exceeds the limit of %zu bytes", len,
                           max_bytes);
        raw = pd_xmalloc(len ? len : 1);
        if (len > 0)
            memcpy(raw, data, len);
        raw_len = len;
    }
    return pd_profile_decode_owned(raw, raw_len, out, err);
}
