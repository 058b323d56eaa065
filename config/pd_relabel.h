/* Prometheus relabeling (relabel_configs) over a label set.
 *
 * A rule's strings are borrowed: the config that holds the rule owns them.
 * pd_relabel_compile fills in the Prometheus defaults, checks the rule as
 * Prometheus does and compiles the regex, which is anchored at both ends
 * (pd_regex.h: RE2 syntax, as Prometheus). pd_relabel_release frees what
 * compile made. A compiled rule is read-only: apply may run on several
 * threads at once. */
#ifndef PD_RELABEL_H
#define PD_RELABEL_H

#include "pd_err.h"
#include "pd_labels.h"
#include "pd_regex.h"

#include <stdbool.h>
#include <stdint.h>

/* The budget of one rule's regex (pd_regex.h): under 10 ms to compile. */
#define PD_RELABEL_REGEX_MEM (256 * 1024)
#define PD_RELABEL_REGEX_CLASSES 4

typedef enum {
    PD_RELABEL_REPLACE, /* the default */
    PD_RELABEL_KEEP,
    PD_RELABEL_DROP,
    PD_RELABEL_HASHMOD,
    PD_RELABEL_LABELMAP,
    PD_RELABEL_LABELDROP,
    PD_RELABEL_LABELKEEP,
} pd_relabel_action;

typedef struct pd_relabel_rule {
    pd_relabel_action action;
    const char *const *source_labels;
    size_t nsource_labels;
    const char *separator;    /* NULL = ";" */
    const char *regex;        /* NULL = "(.*)" */
    const char *target_label; /* NULL = none */
    const char *replacement;  /* NULL = "$1" */
    uint64_t modulus;         /* hashmod only, > 0 */
    /* set by pd_relabel_compile */
    pd_regex *re; /* NULL until compiled */
} pd_relabel_rule;

/* Parses an action name (case-insensitive, as Prometheus); -EINVAL if unknown. */
int pd_relabel_action_parse(const char *name, pd_relabel_action *out);
const char *pd_relabel_action_name(pd_relabel_action a);

/* Checks the rule and compiles its regex. On error returns -EINVAL with a
 * message (without position: the caller adds it) and nothing to release. */
int pd_relabel_compile(pd_relabel_rule *r, pd_err *err);
void pd_relabel_release(pd_relabel_rule *r);

/* Applies rules[0..n) in order to `ls`. Returns false as soon as a keep or
 * drop rule discards the set (ls is then left as it was at that point), true
 * if the set is kept. */
bool pd_relabel_apply(const pd_relabel_rule *rules, size_t n, pd_labels *ls);

/* Prometheus' hashmod: md5(s), bytes 8..15 as a big-endian uint64, mod m. */
uint64_t pd_relabel_hashmod(const char *s, size_t len, uint64_t modulus);

#endif
