/* Selectors: Prometheus label matchers such as
 *   {job="api",env=~"prod|stage",deployment!="v1",x!~"a.*"}
 * parsed into the pd_store_matcher array that storage queries take.
 *
 * Syntax (PromQL's, without a metric name): braces are required; `{}` is
 * the empty selector (matches everything); label names are
 * [a-zA-Z_][a-zA-Z0-9_]*; operators =, !=, =~, !~; values are "double",
 * 'single' (both with Go escapes: \a \b \f \n \r \t \v \\ \' \" \xhh \ooo
 * \uXXXX \UXXXXXXXX) or `raw` strings; whitespace may surround every token;
 * a trailing comma is allowed; a name may repeat (every matcher must hold).
 * Regexes are Prometheus' (pd_regex.h): RE2 syntax, fully anchored ("prod"
 * never matches "production"), at bounded cost: all of a selector's regexes
 * together get PD_SELECTOR_REGEX_MEM, and one that does not fit is an error.
 *
 * Errors name the 0-based byte position of the fault, e.g.
 *   unexpected "=" at position 12 (expected a label name)
 *   unterminated string at position 8
 *   invalid regex for env at position 9: missing ): (a
 * Messages carry no parameter name: the caller prefixes it
 * (pd_err_prefix(err, "query")), since the same grammar serves `query`,
 * `base` and `target`. */
#ifndef PD_SELECTOR_H
#define PD_SELECTOR_H

#include "pd_err.h"
#include "pd_store.h"

#include <stdbool.h>
#include <stddef.h>

/* At most this many matchers in one selector (-E2BIG past it). */
#define PD_SELECTOR_MAX_MATCHERS 64
/* The budget of all of one selector's regexes (pd_regex.h): memory split
 * evenly among them (each gets at least PD_REGEX_MIN_MEM), Unicode classes
 * in all. With it, compiling any selector takes under 10 ms. */
#define PD_SELECTOR_REGEX_MEM (256 * 1024)
#define PD_SELECTOR_REGEX_CLASSES 4

typedef struct pd_selector pd_selector;

/* Parses `s` (NUL-terminated). *out (OUT) receives a selector the caller
 * frees with pd_selector_free; on error *out is NULL, the result is -EINVAL
 * (or -E2BIG) and err says where. */
int pd_selector_parse(const char *s, pd_selector **out, pd_err *err);
void pd_selector_free(pd_selector *sel);

/* The matchers, in source order, for a pd_store_query; *n (OUT) receives
 * their count. Borrowed: valid (regexes included) until pd_selector_free. */
const pd_store_matcher *pd_selector_matchers(const pd_selector *sel, size_t *n);

/* Unless sel has a matcher on label `name`, adds name="" (the label is
 * absent): the API's aggregations leave captured profiles (trigger=...)
 * out unless a query names them. */
void pd_selector_default_absent(pd_selector *sel, const char *name);

/* True if the label set names[i]=values[i] (i < n) satisfies every matcher,
 * with Prometheus semantics: an absent label matches as "". If a name
 * repeats in the set, its first value counts. */
bool pd_selector_matches(const pd_selector *sel, const char *const *names,
                         const char *const *values, size_t n);

#endif
