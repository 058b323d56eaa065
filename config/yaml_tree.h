/* A small read-only document tree with source positions, built from YAML
 * (libyaml) or JSON (jansson) so that the config and file_sd readers walk one
 * shape and can name the line and column of every value. Internal to
 * config/: no third-party type leaks through this header.
 *
 * Every node and string lives in the document's arena; yn_doc_free releases
 * all of it at once. */
#ifndef PD_YAML_TREE_H
#define PD_YAML_TREE_H

#include "pd_arena.h"
#include "pd_err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum { YN_SCALAR, YN_SEQ, YN_MAP } yn_kind;

typedef struct yn {
    yn_kind kind;
    unsigned line, col; /* 1-based; 0 when the source has no positions (JSON) */
    /* YN_SCALAR: NUL-terminated text. `plain` is true for an unquoted YAML
     * scalar and for JSON numbers, booleans and null; `is_null` for YAML's
     * null spellings ("", "~", "null") and JSON null. */
    const char *str;
    size_t len;
    bool plain;
    bool is_null;
    bool nonstring; /* JSON number or boolean: not acceptable where a string is */
    /* YN_SEQ: items[0..n). YN_MAP: items[2i] is a key, items[2i+1] its value. */
    struct yn **items;
    size_t n;
} yn;

typedef struct yn_doc {
    pd_arena arena;
    yn *root; /* NULL for an empty document */
} yn_doc;

/* Parses the first YAML document of text[0..len). On error returns -EINVAL
 * with "NAME:LINE:COL: yaml: problem" in err and leaves *doc empty. Aliases
 * are expanded; depth and total node count are bounded so that an alias bomb
 * fails instead of exhausting memory. */
int yn_parse_yaml(const char *text, size_t len, const char *name, yn_doc *doc, pd_err *err);

/* Same for JSON (positions of values are unknown: line and col are 0). */
int yn_parse_json(const char *text, size_t len, const char *name, yn_doc *doc, pd_err *err);

void yn_doc_free(yn_doc *doc);

/* True for a null node or a NULL pointer (an absent value). */
bool yn_null(const yn *n);
/* The value for `key` in a map, NULL if absent or not a map. */
const yn *yn_get(const yn *map, const char *key);

const char *yn_kind_name(const yn *n);

#endif
