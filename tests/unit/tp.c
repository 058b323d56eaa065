/* Test helpers: see tp.h. */
#include "tp.h"

#include "pd_mem.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- a string builder ------------------------------------------------------ */

typedef struct sb {
    char *s;
    size_t len, cap;
} sb;

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sb *b, const char *fmt, ...)
{
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        b->s = pd_xrealloc(b->s, cap);
        b->cap = cap;
    }
}

static void sb_str(sb *b, const pd_profile *p, uint32_t i)
{
    if (i >= p->nstrings) {
        sb_printf(b, "<bad string %u>", i);
        return;
    }
    sb_printf(b, "%.*s", (int)p->strings[i].len, p->strings[i].ptr);
}

static char *sb_take(sb *b)
{
    if (b->s == NULL)
        sb_printf(b, "%s", "");
    return b->s;
}

/* --- building -------------------------------------------------------------- */

/* Arrays built here have an implicit capacity: 4 up to 4 entries, then the
 * next power of two. A new array is taken from the arena when full. */
static void *grow(pd_arena *a, void *arr, uint32_t n, size_t size)
{
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
        return arr;
    size_t cap = n == 0 ? 4 : (size_t)n * 2;
    void *na = pd_arena_calloc(a, cap, size);
    if (n > 0)
        memcpy(na, arr, (size_t)n * size);
    return na;
}

uint32_t tp_str(pd_profile *p, const char *s)
{
    return pd_profile_intern(p, s, strlen(s));
}

static uint32_t tp_strn(pd_profile *p, const char *s, size_t n)
{
    return pd_profile_intern(p, s, n);
}

static pd_value_type parse_vt(pd_profile *p, const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    assert_non_null(slash);
    pd_value_type vt = {tp_strn(p, s, (size_t)(slash - s)),
                        tp_strn(p, slash + 1, n - (size_t)(slash - s) - 1)};
    return vt;
}

pd_profile *tp_new(const char *sample_types, const char *period_type, int64_t period)
{
    pd_profile *p = pd_profile_new();
    const char *s = sample_types;
    while (*s != '\0') {
        size_t n = strcspn(s, ",");
        p->sample_types = grow(&p->arena, p->sample_types, p->nsample_types, sizeof(pd_value_type));
        p->sample_types[p->nsample_types++] = parse_vt(p, s, n);
        s += n;
        if (*s == ',')
            s++;
    }
    if (period_type != NULL)
        p->period_type = parse_vt(p, period_type, strlen(period_type));
    p->period = period;
    return p;
}

uint32_t tp_fn_full(pd_profile *p, const char *name, const char *system_name, const char *filename,
                    int64_t start_line)
{
    p->functions = grow(&p->arena, p->functions, p->nfunctions, sizeof(pd_function));
    uint32_t i = p->nfunctions++;
    p->functions[i] = (pd_function){i + 1, tp_str(p, name), tp_str(p, system_name),
                                    tp_str(p, filename), start_line};
    return i;
}

uint32_t tp_fn(pd_profile *p, const char *name)
{
    for (uint32_t i = 0; i < p->nfunctions; i++)
        if (pd_profile_str_eq(p, p->functions[i].name, name))
            return i;
    return tp_fn_full(p, name, name, "", 0);
}

uint32_t tp_map(pd_profile *p, uint64_t start, uint64_t limit, uint64_t offset, const char *file,
                const char *build_id)
{
    p->mappings = grow(&p->arena, p->mappings, p->nmappings, sizeof(pd_mapping));
    uint32_t i = p->nmappings++;
    p->mappings[i] = (pd_mapping){.id = i + 1,
                                  .start = start,
                                  .limit = limit,
                                  .offset = offset,
                                  .file = tp_str(p, file),
                                  .build_id = tp_str(p, build_id),
                                  .has_functions = true};
    return i + 1;
}

uint32_t tp_loc(pd_profile *p, uint32_t mapping, uint64_t address, const char *lines)
{
    assert_true(mapping <= p->nmappings);
    p->locations = grow(&p->arena, p->locations, p->nlocations, sizeof(pd_location));
    uint32_t i = p->nlocations++;
    pd_location *l = &p->locations[i];
    *l = (pd_location){.id = i + 1, .address = address, .mapping = mapping};
    uint32_t n = 0;
    if (lines != NULL && *lines != '\0') {
        n = 1;
        for (const char *c = lines; *c; c++)
            n += *c == ';';
    }
    l->lines = n ? pd_arena_calloc(&p->arena, n, sizeof(pd_line)) : NULL;
    const char *s = lines;
    for (uint32_t k = 0; k < n; k++) {
        size_t len = strcspn(s, ";");
        char name[256];
        assert_true(len < sizeof(name));
        memcpy(name, s, len);
        name[len] = '\0';
        int64_t line = 0;
        char *colon = strchr(name, ':');
        if (colon != NULL) {
            *colon = '\0';
            line = strtoll(colon + 1, NULL, 10);
        }
        /* tp_fn may move p->functions, never p->locations. */
        uint32_t f = tp_fn(p, name);
        p->locations[i].lines[k] = (pd_line){f, line};
        s += len;
        if (*s == ';')
            s++;
    }
    p->locations[i].nlines = n;
    return i;
}

uint32_t tp_fnloc(pd_profile *p, const char *name)
{
    uint32_t f = tp_fn(p, name);
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *l = &p->locations[i];
        if (l->mapping == 0 && l->nlines == 1 && l->lines[0].function == f && l->lines[0].line == 0)
            return i;
    }
    return tp_loc(p, 0, 0, name);
}

static uint32_t parse_labels(pd_profile *p, const char *spec, pd_sample_label **out)
{
    *out = NULL;
    if (spec == NULL || *spec == '\0')
        return 0;
    uint32_t n = 1;
    for (const char *c = spec; *c; c++)
        n += *c == ',';
    pd_sample_label *ls = pd_arena_calloc(&p->arena, n, sizeof(pd_sample_label));
    const char *s = spec;
    for (uint32_t k = 0; k < n; k++) {
        size_t len = strcspn(s, ",");
        char item[256];
        assert_true(len < sizeof(item));
        memcpy(item, s, len);
        item[len] = '\0';
        char *eq = strchr(item, '=');
        char *hash = strchr(item, '#');
        if (eq != NULL) {
            *eq = '\0';
            ls[k] = (pd_sample_label){tp_str(p, item), tp_str(p, eq + 1), 0, 0};
        } else {
            assert_non_null(hash);
            *hash = '\0';
            char *at = strchr(hash + 1, '@');
            if (at != NULL)
                *at = '\0';
            ls[k] = (pd_sample_label){tp_str(p, item), 0, at ? tp_str(p, at + 1) : 0,
                                      strtoll(hash + 1, NULL, 10)};
        }
        s += len;
        if (*s == ',')
            s++;
    }
    *out = ls;
    return n;
}

uint32_t tp_sample_locs(pd_profile *p, const uint32_t *locs, uint32_t nlocs, const int64_t *values,
                        const char *labels)
{
    pd_sample_label *ls;
    uint32_t nl = parse_labels(p, labels, &ls);
    p->samples = grow(&p->arena, p->samples, p->nsamples, sizeof(pd_sample));
    uint32_t i = p->nsamples++;
    pd_sample *s = &p->samples[i];
    s->locs = nlocs ? pd_arena_memdup(&p->arena, locs, sizeof(uint32_t) * nlocs) : NULL;
    s->nlocs = nlocs;
    s->values = pd_arena_calloc(&p->arena, p->nsample_types + 1, sizeof(int64_t));
    if (p->nsample_types > 0)
        memcpy(s->values, values, sizeof(int64_t) * p->nsample_types);
    s->labels = ls;
    s->nlabels = nl;
    return i;
}

uint32_t tp_stack(pd_profile *p, const char *stack, const int64_t *values, const char *labels)
{
    uint32_t locs[64];
    uint32_t n = 0;
    const char *s = stack;
    while (s != NULL && *s != '\0') {
        size_t len = strcspn(s, ";");
        char name[256];
        assert_true(len < sizeof(name) && n < 64);
        memcpy(name, s, len);
        name[len] = '\0';
        locs[n++] = tp_fnloc(p, name);
        s += len;
        if (*s == ';')
            s++;
    }
    return tp_sample_locs(p, locs, n, values, labels);
}

void tp_comment(pd_profile *p, const char *comment)
{
    p->comments = grow(&p->arena, p->comments, p->ncomments, sizeof(uint32_t));
    p->comments[p->ncomments++] = tp_str(p, comment);
}

/* --- inspecting ------------------------------------------------------------ */

const char *tp_s(const pd_profile *p, uint32_t i)
{
    static char bufs[8][512];
    static unsigned next;
    char *b = bufs[next++ % 8];
    if (i >= p->nstrings) {
        snprintf(b, 512, "<bad string %u>", i);
        return b;
    }
    size_t n = p->strings[i].len < 511 ? p->strings[i].len : 511;
    memcpy(b, p->strings[i].ptr, n);
    b[n] = '\0';
    return b;
}

static int cmp_str(const pd_profile *p, uint32_t a, uint32_t b)
{
    pd_str x = p->strings[a], y = p->strings[b];
    size_t n = x.len < y.len ? x.len : y.len;
    int c = memcmp(x.ptr, y.ptr, n);
    if (c != 0)
        return c;
    return x.len < y.len ? -1 : x.len > y.len;
}

/* A location in full, for comparisons that do not depend on its id:
 * [0xADDR mapping-file/build-id fn|system|file|start:line,... folded] */
static void render_location(sb *b, const pd_profile *p, const pd_location *l)
{
    sb_printf(b, "[0x%" PRIx64 " ", l->address);
    if (l->mapping != 0) {
        const pd_mapping *m = &p->mappings[l->mapping - 1];
        sb_str(b, p, m->file);
        sb_printf(b, "/");
        sb_str(b, p, m->build_id);
        sb_printf(b, "@0x%" PRIx64 "-0x%" PRIx64 "+0x%" PRIx64, m->start, m->limit, m->offset);
    }
    for (uint32_t j = 0; j < l->nlines; j++) {
        const pd_function *f = &p->functions[l->lines[j].function];
        sb_printf(b, "%s", j ? "," : " ");
        sb_str(b, p, f->name);
        sb_printf(b, "|");
        sb_str(b, p, f->system_name);
        sb_printf(b, "|");
        sb_str(b, p, f->filename);
        sb_printf(b, "|%" PRId64 ":%" PRId64, f->start_line, l->lines[j].line);
    }
    sb_printf(b, "%s]", l->is_folded ? " folded" : "");
}

/* full: every location in full (render_location) instead of its names. */
static void render_sample(sb *b, const pd_profile *p, const pd_sample *s, bool full)
{
    bool first = true;
    for (uint32_t i = 0; i < s->nlocs; i++) {
        const pd_location *l = &p->locations[s->locs[i]];
        if (full) {
            render_location(b, p, l);
            continue;
        }
        if (l->nlines == 0) {
            sb_printf(b, "%s0x%" PRIx64, first ? "" : ";", l->address);
            first = false;
        }
        for (uint32_t j = 0; j < l->nlines; j++) {
            sb_printf(b, "%s", first ? "" : ";");
            sb_str(b, p, p->functions[l->lines[j].function].name);
            first = false;
        }
    }
    if (s->nlabels > 0) {
        /* stable insertion sort of label positions by key string */
        uint32_t idx[64];
        assert_true(s->nlabels <= 64);
        for (uint32_t i = 0; i < s->nlabels; i++) {
            uint32_t j = i;
            while (j > 0 && cmp_str(p, s->labels[idx[j - 1]].key, s->labels[i].key) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = i;
        }
        sb_printf(b, " {");
        for (uint32_t i = 0; i < s->nlabels; i++) {
            const pd_sample_label *l = &s->labels[idx[i]];
            sb_printf(b, "%s", i ? "," : "");
            sb_str(b, p, l->key);
            if (l->str != 0) {
                sb_printf(b, "=");
                sb_str(b, p, l->str);
            } else {
                sb_printf(b, "#%" PRId64, l->num);
                if (l->unit != 0) {
                    sb_printf(b, "[");
                    sb_str(b, p, l->unit);
                    sb_printf(b, "]");
                }
            }
        }
        sb_printf(b, "}");
    }
    for (uint32_t i = 0; i < p->nsample_types; i++)
        sb_printf(b, " %" PRId64, s->values[i]);
    sb_printf(b, "\n");
}

char *tp_render(const pd_profile *p)
{
    sb b = {0};
    for (uint32_t i = 0; i < p->nsamples; i++)
        render_sample(&b, p, &p->samples[i], false);
    return sb_take(&b);
}

static char *render_full(const pd_profile *p)
{
    sb b = {0};
    for (uint32_t i = 0; i < p->nsamples; i++)
        render_sample(&b, p, &p->samples[i], true);
    return sb_take(&b);
}

char *tp_render_header(const pd_profile *p)
{
    sb b = {0};
    sb_printf(&b, "types=");
    for (uint32_t i = 0; i < p->nsample_types; i++) {
        sb_printf(&b, "%s", i ? "," : "");
        sb_str(&b, p, p->sample_types[i].type);
        sb_printf(&b, "/");
        sb_str(&b, p, p->sample_types[i].unit);
    }
    sb_printf(&b, " period=");
    sb_str(&b, p, p->period_type.type);
    sb_printf(&b, "/");
    sb_str(&b, p, p->period_type.unit);
    sb_printf(&b, ":%" PRId64 " time=%" PRId64 " dur=%" PRId64 " comments=", p->period,
              p->time_nanos, p->duration_nanos);
    for (uint32_t i = 0; i < p->ncomments; i++) {
        sb_printf(&b, "%s", i ? "|" : "");
        sb_str(&b, p, p->comments[i]);
    }
    sb_printf(&b, " default=");
    sb_str(&b, p, p->default_sample_type);
    sb_printf(&b, " drop=");
    sb_str(&b, p, p->drop_frames);
    sb_printf(&b, " keep=");
    sb_str(&b, p, p->keep_frames);
    return sb_take(&b);
}

char *tp_render_tables(const pd_profile *p)
{
    sb b = {0};
    for (uint32_t i = 0; i < p->nmappings; i++) {
        const pd_mapping *m = &p->mappings[i];
        sb_printf(&b, "M%" PRIu64 " 0x%" PRIx64 "-0x%" PRIx64 " off=0x%" PRIx64 " file=", m->id,
                  m->start, m->limit, m->offset);
        sb_str(&b, p, m->file);
        sb_printf(&b, " bid=");
        sb_str(&b, p, m->build_id);
        sb_printf(&b, "\n");
    }
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const pd_function *f = &p->functions[i];
        sb_printf(&b, "F%" PRIu64 " ", f->id);
        sb_str(&b, p, f->name);
        sb_printf(&b, " sys=");
        sb_str(&b, p, f->system_name);
        sb_printf(&b, " file=");
        sb_str(&b, p, f->filename);
        sb_printf(&b, " start=%" PRId64 "\n", f->start_line);
    }
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *l = &p->locations[i];
        sb_printf(&b, "L%" PRIu64 " M%" PRIu64 " 0x%" PRIx64, l->id,
                  l->mapping ? p->mappings[l->mapping - 1].id : 0, l->address);
        for (uint32_t j = 0; j < l->nlines; j++)
            sb_printf(&b, "%sF%" PRIu64 ":%" PRId64, j ? "," : " ",
                      p->functions[l->lines[j].function].id, l->lines[j].line);
        sb_printf(&b, "%s\n", l->is_folded ? " folded" : "");
    }
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const pd_sample *s = &p->samples[i];
        sb_printf(&b, "S");
        for (uint32_t j = 0; j < s->nlocs; j++)
            sb_printf(&b, "%sL%" PRIu64, j ? "," : " ", p->locations[s->locs[j]].id);
        sb_printf(&b, " =");
        for (uint32_t j = 0; j < p->nsample_types; j++)
            sb_printf(&b, " %" PRId64, s->values[j]);
        sb_printf(&b, "\n");
    }
    return sb_take(&b);
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(why, 256, __VA_ARGS__);                                                       \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

static bool unique_ids(const void *first, size_t stride, uint32_t n, const char *what, char *why)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a;
        memcpy(&a, (const uint8_t *)first + i * stride, sizeof(a));
        CHECK(a != 0, "%s %u has id 0", what, i);
        for (uint32_t j = 0; j < i; j++) {
            uint64_t b;
            memcpy(&b, (const uint8_t *)first + j * stride, sizeof(b));
            CHECK(a != b, "%s %u and %u share id %" PRIu64, what, j, i, a);
        }
    }
    return true;
}

bool tp_check(const pd_profile *p, char *why)
{
    uint32_t ns = p->nstrings;
    CHECK(ns >= 1 && p->strings[0].len == 0, "strings[0] is not \"\"");
    for (uint32_t i = 0; i < p->nsample_types; i++)
        CHECK(p->sample_types[i].type < ns && p->sample_types[i].unit < ns, "sample type %u", i);
    CHECK(p->period_type.type < ns && p->period_type.unit < ns, "period type");
    CHECK(p->drop_frames < ns && p->keep_frames < ns && p->default_sample_type < ns, "header");
    for (uint32_t i = 0; i < p->ncomments; i++)
        CHECK(p->comments[i] < ns, "comment %u", i);
    for (uint32_t i = 0; i < p->nsamples; i++) {
        const pd_sample *s = &p->samples[i];
        for (uint32_t j = 0; j < s->nlocs; j++)
            CHECK(s->locs[j] < p->nlocations, "sample %u location %u out of range", i, j);
        for (uint32_t j = 0; j < s->nlabels; j++) {
            const pd_sample_label *l = &s->labels[j];
            CHECK(l->key < ns && l->str < ns && l->unit < ns, "sample %u label %u", i, j);
            CHECK(l->str != 0 || l->num != 0 || l->unit != 0, "sample %u has empty label %u", i, j);
        }
    }
    for (uint32_t i = 0; i < p->nmappings; i++)
        CHECK(p->mappings[i].file < ns && p->mappings[i].build_id < ns, "mapping %u", i);
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const pd_function *f = &p->functions[i];
        CHECK(f->name < ns && f->system_name < ns && f->filename < ns, "function %u", i);
    }
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *l = &p->locations[i];
        CHECK(l->mapping <= p->nmappings, "location %u mapping out of range", i);
        for (uint32_t j = 0; j < l->nlines; j++)
            CHECK(l->lines[j].function < p->nfunctions, "location %u line %u", i, j);
    }
    if (!unique_ids(p->nmappings ? &p->mappings[0].id : NULL, sizeof(pd_mapping), p->nmappings,
                    "mapping", why))
        return false;
    if (!unique_ids(p->nfunctions ? &p->functions[0].id : NULL, sizeof(pd_function), p->nfunctions,
                    "function", why))
        return false;
    return unique_ids(p->nlocations ? &p->locations[0].id : NULL, sizeof(pd_location),
                      p->nlocations, "location", why);
}

pd_profile *tp_roundtrip(const pd_profile *p)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    pd_err err = {{0}};
    int rc = pd_profile_encode(p, false, &raw, &len, &err);
    if (rc != 0)
        fail_msg("encode failed: %d %s", rc, err.msg);
    pd_profile *q = NULL;
    rc = pd_profile_decode(raw, len, 0, &q, &err);
    free(raw);
    if (rc != 0)
        fail_msg("decode of encoded profile failed: %d %s", rc, err.msg);
    return q;
}

static char *scratch_copy(char *s)
{
    static char buf[1 << 16];
    snprintf(buf, sizeof(buf), "%s", s);
    free(s);
    return buf;
}

void tp_assert_render(const pd_profile *p, const char *want, const char *file, int line)
{
    _assert_string_equal(scratch_copy(tp_render(p)), want, file, line);
}

void tp_assert_header(const pd_profile *p, const char *want, const char *file, int line)
{
    _assert_string_equal(scratch_copy(tp_render_header(p)), want, file, line);
}

void tp_assert_tables(const pd_profile *p, const char *want, const char *file, int line)
{
    _assert_string_equal(scratch_copy(tp_render_tables(p)), want, file, line);
}

void tp_assert_str(const pd_profile *p, uint32_t i, const char *want, const char *file, int line)
{
    _assert_string_equal(tp_s(p, i), want, file, line);
}

void tp_assert_valid(const pd_profile *p, const char *file, int line)
{
    char why[256] = "";
    if (!tp_check(p, why)) {
        print_error("%s:%d: invalid profile: %s\n", file, line, why);
        _fail(file, line);
    }
}

void tp_assert_contains(const char *haystack, const char *needle, const char *file, int line)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL) {
        print_error("%s:%d: \"%s\" does not contain \"%s\"\n", file, line,
                    haystack ? haystack : "(null)", needle);
        _fail(file, line);
    }
}

/* --- protobuf writer ------------------------------------------------------- */

void tpw_init(tpw *w)
{
    w->data = NULL;
    w->len = 0;
    w->cap = 0;
}

void tpw_free(tpw *w)
{
    free(w->data);
    tpw_init(w);
}

void tpw_raw(tpw *w, const void *bytes, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 64;
        while (cap < w->len + n)
            cap *= 2;
        w->data = pd_xrealloc(w->data, cap);
        w->cap = cap;
    }
    if (n > 0)
        memcpy(w->data + w->len, bytes, n);
    w->len += n;
}

void tpw_varint(tpw *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b[n] |= 0x80;
        n++;
    } while (v != 0);
    tpw_raw(w, b, n);
}

void tpw_key(tpw *w, uint32_t field, int wire_type)
{
    tpw_varint(w, ((uint64_t)field << 3) | (uint64_t)wire_type);
}

void tpw_u(tpw *w, uint32_t field, uint64_t v)
{
    tpw_key(w, field, 0);
    tpw_varint(w, v);
}

void tpw_b(tpw *w, uint32_t field, const void *bytes, size_t n)
{
    tpw_key(w, field, 2);
    tpw_varint(w, n);
    tpw_raw(w, bytes, n);
}

void tpw_s(tpw *w, uint32_t field, const char *s)
{
    tpw_b(w, field, s, strlen(s));
}

void tpw_msg(tpw *w, uint32_t field, tpw *sub)
{
    tpw_b(w, field, sub->data, sub->len);
    tpw_free(sub);
}

void tpw_packed(tpw *w, uint32_t field, const uint64_t *v, size_t n)
{
    tpw body;
    tpw_init(&body);
    for (size_t i = 0; i < n; i++)
        tpw_varint(&body, v[i]);
    tpw_msg(w, field, &body);
}

int tp_run_isolated(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(arg);
        fflush(NULL);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    if (WIFSIGNALED(status))
        return 1000 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int tp_decode_err(const tpw *w, char *msg)
{
    pd_err err = {{0}};
    pd_profile *out = (pd_profile *)&err; /* must be reset to NULL */
    int rc = pd_profile_decode(w->data, w->len, 0, &out, &err);
    if (rc == 0) {
        pd_profile_free(out);
        fail_msg("decode succeeded but an error was expected");
    }
    assert_null(out);
    memcpy(msg, err.msg, PD_ERR_MAX);
    return rc;
}

pd_profile *tp_decode_ok(const tpw *w)
{
    pd_err err = {{0}};
    pd_profile *out = NULL;
    int rc = pd_profile_decode(w->data, w->len, 0, &out, &err);
    if (rc != 0)
        fail_msg("decode failed: %d %s", rc, err.msg);
    assert_non_null(out);
    return out;
}

/* The generated series: see tp.h. */
pd_profile *tp_series(int i, int mode)
{
    bool plain = mode != 0;
    bool us = mode == 0 ? i % 7 == 3 : mode == 2 && i >= 64 && i < 128;
    pd_profile *p = tp_new(us ? "samples/count,cpu/microseconds" : "samples/count,cpu/nanoseconds",
                           us ? "cpu/microseconds" : "cpu/nanoseconds", 100 + i % 5);
    p->time_nanos = (!plain && i % 11 == 4) ? 0 : 100000 - (i * 7919) % 1000;
    p->duration_nanos = i;
    if (i % 9 == 2)
        tp_comment(p, i % 2 ? "odd" : "even");
    if (i == 5)
        p->default_sample_type = tp_str(p, "cpu");
    /* ASLR: the mappings move from input to input */
    uint64_t app_start = 0x400000 + (uint64_t)(i % 3) * 0x1000000;
    uint64_t lib_start = 0x7f0000000000 + (uint64_t)(i % 4) * 0x1000000;
    uint32_t app = i % 13 == 6 ? 0 : tp_map(p, app_start, app_start + 0x80000, 0, "/bin/app", "");
    uint32_t lib = tp_map(p, lib_start, lib_start + 0x20000, 0x1000, "/lib/libc.so.6", "");
    for (int s = 0; s < 6; s++) {
        int k = (i * 31 + s * 17) % 10;
        char leaf[32];
        snprintf(leaf, sizeof(leaf), "fn%d:%d", k, k * 3);
        uint32_t l1 =
            tp_loc(p, k < 3 ? lib : app, (k < 3 ? lib_start : app_start) + 0x100 * (k + 1), leaf);
        uint32_t l2 = tp_loc(p, app, app_start + 0x40, "main.main:12;runtime.main:250");
        int64_t v0 = 1 + (i + s) % 4, v1 = (int64_t)(1000 * ((i * s) % 5));
        if (!plain && (i + s) % 17 == 0)
            v1 = -v1 - 5;
        if (us)
            v1 /= 1000;
        const char *labels = s == 2   ? "thread=a"
                             : s == 3 ? (i % 2 ? "thread=b" : "bytes#64")
                                      : NULL;
        tp_sample_locs(p, (uint32_t[]){l1, l2}, 2, TP_V(v0, v1), labels);
    }
    return p;
}

void tp_assert_same(const pd_profile *got, const pd_profile *want, const char *file, int line)
{
    char *t = tp_render_tables(want);
    tp_assert_tables(got, t, file, line);
    free(t);
    t = tp_render(want);
    tp_assert_render(got, t, file, line);
    free(t);
    t = tp_render_header(want);
    tp_assert_header(got, t, file, line);
    free(t);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* text's lines sorted; takes text. */
static char *sort_lines(char *text)
{
    size_t len = strlen(text) + 2;
    size_t n = 0, cap = 16;
    char **lines = malloc(cap * sizeof(char *));
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (n == cap)
            lines = realloc(lines, (cap *= 2) * sizeof(char *));
        lines[n++] = l;
    }
    qsort(lines, n, sizeof(char *), cmp_line);
    char *out = calloc(1, len + n);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(lines);
    free(text);
    return out;
}

char *tp_render_sorted(const pd_profile *p)
{
    return sort_lines(tp_render(p));
}

void tp_assert_same_samples(const pd_profile *got, const pd_profile *want, const char *file,
                            int line)
{
    char *w = tp_render_header(want);
    tp_assert_header(got, w, file, line);
    free(w);
    char *ws = tp_render_sorted(want), *gs = tp_render_sorted(got);
    if (strcmp(gs, ws) != 0) {
        print_error("%s:%d: samples differ\nwant:\n%s\ngot:\n%s\n", file, line, ws, gs);
        _fail(file, line);
    }
    free(ws);
    free(gs);
}

/* Cuts tp_render_tables text after its M lines. */
static void keep_mapping_lines(char *t)
{
    while (*t == 'M')
        t = strchr(t, '\n') + 1;
    *t = '\0';
}

void tp_assert_lossless(const pd_profile *got, const pd_profile *want, const char *file, int line)
{
    char *w = tp_render_header(want);
    tp_assert_header(got, w, file, line);
    free(w);
    /* the mapping list, in order: pprof takes the first as the main binary */
    char *wt = tp_render_tables(want), *gt = tp_render_tables(got);
    keep_mapping_lines(wt);
    keep_mapping_lines(gt);
    if (strcmp(wt, gt) != 0) {
        print_error("%s:%d: mappings differ\nwant:\n%s\ngot:\n%s\n", file, line, wt, gt);
        _fail(file, line);
    }
    free(wt);
    free(gt);
    char *ws = sort_lines(render_full(want)), *gs = sort_lines(render_full(got));
    if (strcmp(gs, ws) != 0) {
        print_error("%s:%d: samples differ\nwant:\n%s\ngot:\n%s\n", file, line, ws, gs);
        _fail(file, line);
    }
    free(ws);
    free(gs);
}
