/* Encoding a pd_profile with the protobuf-c code generated from our
 * profile.proto. Encoding happens once per answer, so the generic packer's
 * speed is plenty; the message structs live in a scratch arena. */
#include "pd_profile.h"

#include "pd_mem.h"
#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__ValueType PbValueType;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;

static PbValueType *enc_value_type(pd_arena *a, pd_value_type vt)
{
    PbValueType *v = pd_arena_alloc(a, sizeof(*v));
    perftools__profiles__value_type__init(v);
    v->type = vt.type;
    v->unit = vt.unit;
    return v;
}

static void enc_samples(const pd_profile *p, pd_arena *a, PbProfile *pb)
{
    pb->n_sample = p->nsamples;
    pb->sample = pd_arena_alloc(a, sizeof(PbSample *) * (p->nsamples + 1));
    PbSample *ss = pd_arena_alloc(a, sizeof(PbSample) * (p->nsamples + 1));
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const pd_sample *s = &p->samples[i];
        PbSample *o = &ss[i];
        perftools__profiles__sample__init(o);
        o->n_location_id = s->nlocs;
        o->location_id = pd_arena_alloc(a, sizeof(uint64_t) * (s->nlocs + 1));
        for (uint32_t j = 0; j < s->nlocs; j++)
            o->location_id[j] = p->locations[s->locs[j]].id;
        o->n_value = p->nsample_types;
        o->value = s->values;
        o->n_label = 0;
        o->label = pd_arena_alloc(a, sizeof(PbLabel *) * (s->nlabels + 1));
        for (uint32_t j = 0; j < s->nlabels; j++) {
            const pd_sample_label *l = &s->labels[j];
            if (l->str == 0 && l->num == 0 && l->unit == 0)
                continue; /* never emit what pprof would drop */
            PbLabel *lo = pd_arena_alloc(a, sizeof(*lo));
            perftools__profiles__label__init(lo);
            lo->key = l->key;
            lo->str = l->str;
            lo->num = l->str ? 0 : l->num;
            lo->num_unit = l->str ? 0 : l->unit;
            o->label[o->n_label++] = lo;
        }
        pb->sample[i] = o;
    }
}

static void enc_tables(const pd_profile *p, pd_arena *a, PbProfile *pb)
{
    pb->n_mapping = p->nmappings;
    pb->mapping = pd_arena_alloc(a, sizeof(PbMapping *) * (p->nmappings + 1));
    for (uint32_t i = 0; i < p->nmappings; i++) {
        const pd_mapping *m = &p->mappings[i];
        PbMapping *o = pd_arena_alloc(a, sizeof(*o));
        perftools__profiles__mapping__init(o);
        o->id = m->id;
        o->memory_start = m->start;
        o->memory_limit = m->limit;
        o->file_offset = m->offset;
        o->filename = m->file;
        o->build_id = m->build_id;
        o->has_functions = m->has_functions;
        o->has_filenames = m->has_filenames;
        o->has_line_numbers = m->has_line_numbers;
        o->has_inline_frames = m->has_inline_frames;
        pb->mapping[i] = o;
    }
    pb->n_location = p->nlocations;
    pb->location = pd_arena_alloc(a, sizeof(PbLocation *) * (p->nlocations + 1));
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *l = &p->locations[i];
        PbLocation *o = pd_arena_alloc(a, sizeof(*o));
        perftools__profiles__location__init(o);
        o->id = l->id;
        o->mapping_id = l->mapping ? p->mappings[l->mapping - 1].id : 0;
        o->address = l->address;
        o->is_folded = l->is_folded;
        o->n_line = l->nlines;
        o->line = pd_arena_alloc(a, sizeof(PbLine *) * (l->nlines + 1));
        for (uint32_t j = 0; j < l->nlines; j++) {
            PbLine *ln = pd_arena_alloc(a, sizeof(*ln));
            perftools__profiles__line__init(ln);
            ln->function_id = p->functions[l->lines[j].function].id;
            ln->line = l->lines[j].line;
            o->line[j] = ln;
        }
        pb->location[i] = o;
    }
    pb->n_function = p->nfunctions;
    pb->function = pd_arena_alloc(a, sizeof(PbFunction *) * (p->nfunctions + 1));
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const pd_function *f = &p->functions[i];
        PbFunction *o = pd_arena_alloc(a, sizeof(*o));
        perftools__profiles__function__init(o);
        o->id = f->id;
        o->name = f->name;
        o->system_name = f->system_name;
        o->filename = f->filename;
        o->start_line = f->start_line;
        pb->function[i] = o;
    }
}

int pd_profile_encode(const pd_profile *p, bool gzip, uint8_t **out, size_t *out_len, pd_err *err)
{
    *out = NULL;
    *out_len = 0;
    if (p->nstrings == 0 || p->strings[0].len != 0)
        return pd_errf(err, -EINVAL, "encode: string_table[0] must be \"\"");
    pd_arena a = PD_ARENA_INIT;
    PbProfile pb;
    perftools__profiles__profile__init(&pb);
    pb.n_sample_type = p->nsample_types;
    pb.sample_type = pd_arena_alloc(&a, sizeof(PbValueType *) * (p->nsample_types + 1));
    for (uint32_t i = 0; i < p->nsample_types; i++)
        pb.sample_type[i] = enc_value_type(&a, p->sample_types[i]);
    enc_samples(p, &a, &pb);
    enc_tables(p, &a, &pb);
    pb.n_string_table = p->nstrings;
    pb.string_table = pd_arena_alloc(&a, sizeof(ProtobufCBinaryData) * p->nstrings);
    for (uint32_t i = 0; i < p->nstrings; i++) {
        pb.string_table[i].len = p->strings[i].len;
        pb.string_table[i].data = (uint8_t *)p->strings[i].ptr;
    }
    pb.drop_frames = p->drop_frames;
    pb.keep_frames = p->keep_frames;
    pb.time_nanos = p->time_nanos;
    pb.duration_nanos = p->duration_nanos;
    pb.period_type = enc_value_type(&a, p->period_type);
    pb.period = p->period;
    pb.n_comment = p->ncomments;
    pb.comment = pd_arena_alloc(&a, sizeof(int64_t) * (p->ncomments + 1));
    for (uint32_t i = 0; i < p->ncomments; i++)
        pb.comment[i] = p->comments[i];
    pb.default_sample_type = p->default_sample_type;

    size_t n = perftools__profiles__profile__get_packed_size(&pb);
    uint8_t *raw = pd_xmalloc(n);
    size_t packed = perftools__profiles__profile__pack(&pb, raw);
    pd_arena_free(&a);
    if (packed != n) {
        free(raw);
        return pd_errf(err, -EIO, "encode: packed %zu bytes, expected %zu", packed, n);
    }
    if (!gzip) {
        *out = raw;
        *out_len = n;
        return 0;
    }
    /* Level 1: answers are made once and read once; speed beats size. */
    int rc = pd_gzip(raw, n, 1, out, out_len);
    free(raw);
    if (rc < 0)
        return pd_errf(err, rc, "encode: gzip failed");
    return 0;
}

const char *pd_proto_protobuf_c_version(void)
{
    return protobuf_c_version();
}
