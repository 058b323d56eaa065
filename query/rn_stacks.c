/* Frame names per sample (see rn_int.h): each location's frames are
 * resolved once, then a sample's stack is the concatenation of its
 * locations' frames, root first. */
#include "rn_int.h"

#include "pd_mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t intern(rn_stacks *s, const void *bytes, size_t len)
{
    bool inserted = false;
    const uint8_t *stored = NULL;
    uint32_t id = pd_keymap_intern(&s->map, bytes, len, s->nnames, &inserted, &stored);
    if (inserted) {
        if (s->nnames == s->names_cap) {
            size_t cap = s->names_cap;
            pd_xgrow((void **)&s->name_ptr, &cap, s->nnames + 1, sizeof(*s->name_ptr));
            s->name_len = pd_xrealloc(s->name_len, cap * sizeof(*s->name_len));
            s->names_cap = (uint32_t)cap;
        }
        s->name_ptr[id] = stored;
        s->name_len[id] = (uint32_t)len;
        s->nnames++;
    }
    return id;
}

static uint32_t function_frame(rn_stacks *s, const pd_function *f)
{
    const pd_str *name = &s->p->strings[f->name];
    if (name->len == 0)
        name = &s->p->strings[f->system_name];
    if (name->len == 0)
        return intern(s, "?", 1);
    return intern(s, name->ptr, name->len);
}

void rn_stacks_init(rn_stacks *s, const pd_profile *p)
{
    memset(s, 0, sizeof(*s));
    s->p = p;
    pd_keymap_init(&s->map, p->nfunctions + 16);
    size_t nframes = 0;
    for (uint32_t i = 0; i < p->nlocations; i++)
        nframes += p->locations[i].nlines > 0 ? p->locations[i].nlines : 1;
    s->loc_off = pd_xcalloc((size_t)p->nlocations + 1, sizeof(*s->loc_off));
    s->loc_frames = pd_xcalloc(nframes > 0 ? nframes : 1, sizeof(*s->loc_frames));
    uint32_t at = 0;
    for (uint32_t i = 0; i < p->nlocations; i++) {
        const pd_location *loc = &p->locations[i];
        s->loc_off[i] = at;
        if (loc->nlines == 0) {
            char addr[32];
            int n = snprintf(addr, sizeof(addr), "0x%" PRIx64, loc->address);
            s->loc_frames[at++] = intern(s, addr, (size_t)n);
            continue;
        }
        for (uint32_t l = loc->nlines; l-- > 0;)
            s->loc_frames[at++] = function_frame(s, &p->functions[loc->lines[l].function]);
    }
    s->loc_off[p->nlocations] = at;
}

void rn_stacks_free(rn_stacks *s)
{
    pd_keymap_free(&s->map);
    free(s->name_ptr);
    free(s->name_len);
    free(s->loc_off);
    free(s->loc_frames);
    free(s->stack);
    memset(s, 0, sizeof(*s));
}

const uint32_t *rn_stack(rn_stacks *s, uint32_t i, uint32_t *n)
{
    const pd_sample *sm = &s->p->samples[i];
    size_t len = 0;
    for (uint32_t k = 0; k < sm->nlocs; k++)
        len += s->loc_off[sm->locs[k] + 1] - s->loc_off[sm->locs[k]];
    if (len > s->stack_cap)
        pd_xgrow((void **)&s->stack, &s->stack_cap, len, sizeof(*s->stack));
    size_t at = 0;
    for (uint32_t k = sm->nlocs; k-- > 0;) {
        uint32_t from = s->loc_off[sm->locs[k]], to = s->loc_off[sm->locs[k] + 1];
        memcpy(s->stack + at, s->loc_frames + from, (to - from) * sizeof(*s->stack));
        at += to - from;
    }
    *n = (uint32_t)len;
    return s->stack;
}

bool rn_is_base(const pd_profile *p, const pd_sample *sm)
{
    for (uint32_t i = 0; i < sm->nlabels; i++) {
        const pd_sample_label *l = &sm->labels[i];
        if (l->str != 0 && pd_profile_str_eq(p, l->key, "pprof::base") &&
            pd_profile_str_eq(p, l->str, "true"))
            return true;
    }
    return false;
}

void rn_flat_cum(rn_stacks *s, int si, int64_t **flat, int64_t **cum, int64_t *total)
{
    size_t n = s->nnames > 0 ? s->nnames : 1;
    int64_t *f = pd_xcalloc(n, sizeof(*f));
    int64_t *c = pd_xcalloc(n, sizeof(*c));
    uint32_t *seen = pd_xcalloc(n, sizeof(*seen)); /* sample number + 1 */
    int64_t sum = 0;
    for (uint32_t i = 0; i < s->p->nsamples; i++) {
        int64_t v = s->p->samples[i].values[si];
        if (v == 0)
            continue;
        sum = rn_add(sum, v);
        uint32_t depth;
        const uint32_t *st = rn_stack(s, i, &depth);
        if (depth == 0)
            continue;
        f[st[depth - 1]] = rn_add(f[st[depth - 1]], v);
        for (uint32_t k = 0; k < depth; k++) {
            if (seen[st[k]] == i + 1)
                continue;
            seen[st[k]] = i + 1;
            c[st[k]] = rn_add(c[st[k]], v);
        }
    }
    free(seen);
    *flat = f;
    *cum = c;
    *total = sum;
}
