// The regex engine behind pd_regex.h: RE2, the engine Go's regexp is a port
// of, so patterns mean what they mean to Prometheus. The only C++ in the
// tree: nothing of RE2 crosses this file's C interface, and no exception
// does either (compiling reports out of memory; matching aborts on it, as
// pd_xmalloc does).
extern "C" {
#include "pd_regex.h"
#include "pd_utf8.h"
}

#include <re2/re2.h>

#include <map>
#include <stdio.h>
#include <stdlib.h>
#include <new>
#include <string>
#include <string.h>

// Submatches beyond this many are reported as unset (relabel uses ten).
#define MAX_SPANS 64

struct pd_regex {
    RE2 *re;
};

static size_t clamp_mem(size_t m)
{
    if (m < PD_REGEX_MIN_MEM)
        return PD_REGEX_MIN_MEM;
    if (m > PD_REGEX_MAX_MEM)
        return PD_REGEX_MAX_MEM;
    return m;
}

// What the escapes outside \Q...\E hold: Unicode classes (\p, \P) to
// count, and \C, one byte even inside a character, which Go refuses and
// RE2 accepts.
typedef struct escapes {
    unsigned classes;
    bool any_byte;
} escapes;

static escapes scan(const char *pattern)
{
    escapes e = {0, false};
    bool quoted = false; // inside \Q...\E everything up to \E is literal
    for (const char *p = pattern; *p != '\0'; p++) {
        if (*p != '\\' || p[1] == '\0')
            continue;
        if (quoted) {
            if (p[1] == 'E')
                quoted = false, p++;
            continue;
        }
        if (p[1] == 'Q')
            quoted = true;
        else if (p[1] == 'p' || p[1] == 'P')
            e.classes++;
        else if (p[1] == 'C')
            e.any_byte = true;
        p++; // the escaped character
    }
    return e;
}

extern "C" unsigned pd_regex_classes(const char *pattern)
{
    return scan(pattern).classes;
}

// Matching allocates only in RE2's caches; out of memory there is fatal.
[[noreturn]] static void out_of_memory()
{
    fputs("pprofd: out of memory in the regex engine\n", stderr);
    abort();
}

static int compile(const char *pattern, size_t max_mem, pd_regex **out, pd_err *err)
{
    RE2::Options o;
    o.set_log_errors(false); // errors are the caller's to report
    o.set_dot_nl(true);      // Prometheus wraps patterns in (?s:...)
    o.set_max_mem((int64_t)clamp_mem(max_mem));
    RE2 *re = new RE2(re2::StringPiece(pattern, strlen(pattern)), o);
    if (re->ok()) {
        *out = new (std::nothrow) pd_regex{re};
        if (*out != NULL)
            return 0;
        delete re;
        return pd_errf(err, -ENOMEM, "out of memory");
    }
    int rc = -EINVAL;
    if (re->error_code() == RE2::ErrorPatternTooLarge)
        rc = pd_errf(err, -E2BIG, "too complex (its compiled form is over %zu KiB)",
                     clamp_mem(max_mem) / 1024);
    else
        rc = pd_errf(err, -EINVAL, "%.200s", re->error().c_str());
    if (err != NULL) // the message quotes the pattern, maybe cut mid-character
        pd_utf8_scrub(err->msg);
    delete re;
    return rc;
}

extern "C" int pd_regex_compile(const char *pattern, const pd_regex_budget *budget, pd_regex **out,
                                pd_err *err)
{
    *out = NULL;
    if (strlen(pattern) > PD_REGEX_MAX_LEN)
        return pd_errf(err, -E2BIG, "longer than %d bytes", PD_REGEX_MAX_LEN);
    escapes e = scan(pattern);
    if (e.any_byte)
        return pd_errf(err, -EINVAL, "invalid escape sequence: \\C");
    if (e.classes > budget->classes)
        return pd_errf(err, -E2BIG, "%u Unicode classes (\\p, \\P), more than the %u allowed",
                       e.classes, budget->classes);
    try {
        return compile(pattern, budget->mem, out, err);
    } catch (const std::bad_alloc &) {
        return pd_errf(err, -ENOMEM, "out of memory");
    }
}

extern "C" void pd_regex_free(pd_regex *re)
{
    if (re == NULL)
        return;
    delete re->re;
    delete re;
}

extern "C" bool pd_regex_match(const pd_regex *re, const char *s)
{
    re2::StringPiece text(s, strlen(s));
    try {
        return re->re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, NULL, 0);
    } catch (...) {
        out_of_memory();
    }
}

extern "C" size_t pd_regex_ngroups(const pd_regex *re)
{
    return (size_t)re->re->NumberOfCapturingGroups();
}

extern "C" int pd_regex_group_named(const pd_regex *re, const char *name, size_t len)
{
    try {
        const std::map<std::string, int> &names = re->re->NamedCapturingGroups();
        auto it = names.find(std::string(name, len));
        return it == names.end() ? -1 : it->second;
    } catch (const std::bad_alloc &) {
        return -1;
    }
}

extern "C" bool pd_regex_match_groups(const pd_regex *re, const char *s, pd_regex_span *spans,
                                      size_t n)
{
    re2::StringPiece text(s, strlen(s));
    size_t want = n;
    size_t have = pd_regex_ngroups(re) + 1;
    if (want > have)
        want = have;
    if (want > MAX_SPANS)
        want = MAX_SPANS;
    re2::StringPiece sub[MAX_SPANS];
    try {
        if (!re->re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, sub, (int)want))
            return false;
    } catch (...) {
        out_of_memory();
    }
    for (size_t i = 0; i < n; i++) {
        if (i < want && sub[i].data() != NULL) {
            spans[i].start = (long)(sub[i].data() - s);
            spans[i].end = spans[i].start + (long)sub[i].size();
        } else {
            spans[i].start = spans[i].end = -1;
        }
    }
    return true;
}
