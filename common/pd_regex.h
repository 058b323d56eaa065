/* Regular expressions as Prometheus has them in label matchers and relabel
 * rules: Go's RE2 syntax (no backreferences or lookaround; (?i) and the
 * other flags; named groups (?P<name>...)), `.` matching newline as
 * Prometheus' "^(?s:...)$" does, and every match anchored at both ends:
 * "prod" never matches "production".
 *
 * The cost of any pattern is bounded, whoever wrote it. RE2 refuses a
 * repeat over 1000 (also nested: (a{100}){100}), keeps the compiled program
 * and its match-time caches within the memory budget given (compiling takes
 * about 12 ms per MiB of budget at worst, measured) and matches in time
 * linear in the input. What RE2 does not bound is parsing a Unicode class
 * (\pL, \p{Greek}, \PN): each is a table of hundreds of ranges, up to
 * ~0.2 ms apiece, before any budget applies, so the budget also counts them.
 * A pattern past its budget is an error, never a slow compile.
 *
 * A compiled regex is read-only: matches may run on several threads at once.
 * This header is C; the engine (RE2, C++) stays inside pd_regex.cc. */
#ifndef PD_REGEX_H
#define PD_REGEX_H

#include "pd_err.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest pattern accepted, in bytes. */
#define PD_REGEX_MAX_LEN 4096
/* The smallest and the largest memory budget one regex may be given. */
#define PD_REGEX_MIN_MEM (8 * 1024)
#define PD_REGEX_MAX_MEM (1024 * 1024)

typedef struct pd_regex pd_regex;

/* What compiling one pattern may cost. */
typedef struct pd_regex_budget {
    size_t mem;       /* bytes, clamped to [PD_REGEX_MIN_MEM, PD_REGEX_MAX_MEM] */
    unsigned classes; /* Unicode classes the pattern may hold */
} pd_regex_budget;

/* A submatch: bytes [start, end) of the subject, or start = end = -1 for a
 * group that took no part in the match. */
typedef struct pd_regex_span {
    long start, end;
} pd_regex_span;

/* Compiles `pattern` within `budget`. *out (OUT) is freed with
 * pd_regex_free. On error *out is NULL and the result is -EINVAL (a syntax
 * error, with RE2's message: "missing ]: [a"), -E2BIG (longer than
 * PD_REGEX_MAX_LEN, or past the budget) or -ENOMEM. Messages name no
 * caller: prefix what the pattern is for. */
int pd_regex_compile(const char *pattern, const pd_regex_budget *budget, pd_regex **out,
                     pd_err *err);

/* The Unicode classes (\p and \P escapes) in `pattern`. */
unsigned pd_regex_classes(const char *pattern);
void pd_regex_free(pd_regex *re);

/* True if all of `s` (NUL-terminated) matches. */
bool pd_regex_match(const pd_regex *re, const char *s);

/* The number of capturing groups (the whole match not counted). */
size_t pd_regex_ngroups(const pd_regex *re);

/* The number of the group named name[0..len), or -1 if there is none. */
int pd_regex_group_named(const pd_regex *re, const char *name, size_t len);

/* Matches all of `s`; on a match fills spans[0] (the whole) to spans[n-1]
 * (group n-1; groups past pd_regex_ngroups are left unset as -1). */
bool pd_regex_match_groups(const pd_regex *re, const char *s, pd_regex_span *spans, size_t n);

#ifdef __cplusplus
}
#endif

#endif
