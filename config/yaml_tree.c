#include "yaml_tree.h"

#include <jansson.h>
#include <yaml.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define YN_MAX_DEPTH 64
#define YN_MAX_NODES (1u << 20) /* after alias expansion */

typedef struct conv {
    yn_doc *doc;
    size_t budget;
} conv;

static yn *new_node(yn_doc *doc, yn_kind kind, unsigned line, unsigned col)
{
    yn *n = pd_arena_calloc(&doc->arena, 1, sizeof(*n));
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

static void set_str(yn_doc *doc, yn *n, const char *s, size_t len)
{
    char *p = pd_arena_alloc(&doc->arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    n->str = p;
    n->len = len;
}

static bool yaml_null_text(const char *s, size_t len)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strlen(nulls[i]) == len && memcmp(nulls[i], s, len) == 0)
            return true;
    return false;
}

static yn *from_yaml(conv *c, yaml_document_t *d, int index, int depth)
{
    yaml_node_t *node = yaml_document_get_node(d, index);
    if (node == NULL || depth > YN_MAX_DEPTH || c->budget == 0)
        return NULL;
    c->budget--;
    unsigned line = (unsigned)node->start_mark.line + 1,
             col = (unsigned)node->start_mark.column + 1;
    yn *n = NULL;
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        n = new_node(c->doc, YN_SCALAR, line, col);
        const char *s = (const char *)node->data.scalar.value;
        size_t len = node->data.scalar.length;
        set_str(c->doc, n, s, len);
        n->plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->is_null = n->plain && yaml_null_text(s, len);
        return n;
    }
    case YAML_SEQUENCE_NODE: {
        n = new_node(c->doc, YN_SEQ, line, col);
        yaml_node_item_t *it = node->data.sequence.items.start;
        size_t count = (size_t)(node->data.sequence.items.top - it);
        n->items = pd_arena_calloc(&c->doc->arena, count ? count : 1, sizeof(yn *));
        for (size_t i = 0; i < count; i++) {
            n->items[i] = from_yaml(c, d, it[i], depth + 1);
            if (n->items[i] == NULL)
                return NULL;
        }
        n->n = count;
        return n;
    }
    case YAML_MAPPING_NODE: {
        n = new_node(c->doc, YN_MAP, line, col);
        yaml_node_pair_t *p = node->data.mapping.pairs.start;
        size_t count = (size_t)(node->data.mapping.pairs.top - p);
        n->items = pd_arena_calloc(&c->doc->arena, count ? 2 * count : 1, sizeof(yn *));
        for (size_t i = 0; i < count; i++) {
            n->items[2 * i] = from_yaml(c, d, p[i].key, depth + 1);
            n->items[2 * i + 1] = from_yaml(c, d, p[i].value, depth + 1);
            if (n->items[2 * i] == NULL || n->items[2 * i + 1] == NULL)
                return NULL;
        }
        n->n = count;
        return n;
    }
    default:
        return NULL;
    }
}

int yn_parse_yaml(const char *text, size_t len, const char *name, yn_doc *doc, pd_err *err)
{
    memset(doc, 0, sizeof(*doc));
    yaml_parser_t parser;
    yaml_document_t d;
    int rc = 0;
    if (!yaml_parser_initialize(&parser))
        return pd_errf(err, -ENOMEM, "%s: yaml: cannot initialize parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &d)) {
        yaml_mark_t m = parser.problem_mark;
        rc = pd_errf(err, -EINVAL, "%s:%zu:%zu: yaml: %s%s%s", name, m.line + 1, m.column + 1,
                     parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                     parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return rc;
    }
    if (yaml_document_get_root_node(&d) != NULL) {
        conv c = {doc, YN_MAX_NODES};
        doc->root = from_yaml(&c, &d, 1, 0);
        if (doc->root == NULL) {
            rc = pd_errf(err, -E2BIG,
                         "%s: yaml: document nested deeper than %d or larger than %u "
                         "nodes after alias expansion",
                         name, YN_MAX_DEPTH, YN_MAX_NODES);
            yn_doc_free(doc);
        }
    }
    yaml_document_delete(&d);
    yaml_parser_delete(&parser);
    return rc;
}

static yn *from_json(conv *c, json_t *j, int depth)
{
    if (depth > YN_MAX_DEPTH || c->budget == 0)
        return NULL;
    c->budget--;
    yn *n;
    char num[64];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        n = new_node(c->doc, YN_MAP, 0, 0);
        size_t count = json_object_size(j), i = 0;
        n->items = pd_arena_calloc(&c->doc->arena, count ? 2 * count : 1, sizeof(yn *));
        const char *key;
        json_t *val;
        json_object_foreach(j, key, val)
        {
            yn *k = new_node(c->doc, YN_SCALAR, 0, 0);
            set_str(c->doc, k, key, strlen(key));
            n->items[2 * i] = k;
            n->items[2 * i + 1] = from_json(c, val, depth + 1);
            if (n->items[2 * i + 1] == NULL)
                return NULL;
            i++;
        }
        n->n = i;
        return n;
    }
    case JSON_ARRAY: {
        n = new_node(c->doc, YN_SEQ, 0, 0);
        size_t count = json_array_size(j);
        n->items = pd_arena_calloc(&c->doc->arena, count ? count : 1, sizeof(yn *));
        for (size_t i = 0; i < count; i++) {
            n->items[i] = from_json(c, json_array_get(j, i), depth + 1);
            if (n->items[i] == NULL)
                return NULL;
        }
        n->n = count;
        return n;
    }
    case JSON_STRING:
        n = new_node(c->doc, YN_SCALAR, 0, 0);
        set_str(c->doc, n, json_string_value(j), json_string_length(j));
        return n;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        break;
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(j));
        break;
    case JSON_TRUE:
        snprintf(num, sizeof(num), "true");
        break;
    case JSON_FALSE:
        snprintf(num, sizeof(num), "false");
        break;
    default:
        n = new_node(c->doc, YN_SCALAR, 0, 0);
        set_str(c->doc, n, "", 0);
        n->plain = true;
        n->is_null = true;
        return n;
    }
    n = new_node(c->doc, YN_SCALAR, 0, 0);
    set_str(c->doc, n, num, strlen(num));
    n->plain = true;
    n->nonstring = true;
    return n;
}

int yn_parse_json(const char *text, size_t len, const char *name, yn_doc *doc, pd_err *err)
{
    memset(doc, 0, sizeof(*doc));
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (j == NULL)
        return pd_errf(err, -EINVAL, "%s:%d:%d: json: %s", name, je.line, je.column, je.text);
    conv c = {doc, YN_MAX_NODES};
    doc->root = from_json(&c, j, 0);
    json_decref(j);
    if (doc->root == NULL) {
        yn_doc_free(doc);
        return pd_errf(err, -E2BIG,
                       "%s: json: document nested deeper than %d or larger than %u "
                       "values",
                       name, YN_MAX_DEPTH, YN_MAX_NODES);
    }
    return 0;
}

void yn_doc_free(yn_doc *doc)
{
    pd_arena_free(&doc->arena);
    doc->root = NULL;
}

bool yn_null(const yn *n)
{
    return n == NULL || (n->kind == YN_SCALAR && n->is_null);
}

const yn *yn_get(const yn *map, const char *key)
{
    if (map == NULL || map->kind != YN_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const yn *k = map->items[2 * i];
        if (k->kind == YN_SCALAR && strcmp(k->str, key) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

const char *yn_kind_name(const yn *n)
{
    if (yn_null(n))
        return "null";
    switch (n->kind) {
    case YN_SCALAR:
        return "a scalar";
    case YN_SEQ:
        return "a list";
    default:
        return "a mapping";
    }
}
