/* The selector parser: a hand-written scanner over the PromQL matcher
 * grammar (see pd_selector.h), one function per token kind. */
#include "pd_selector.h"

#include "pd_buf.h"
#include "pd_mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pd_selector {
    pd_store_matcher *matchers; /* names, values and regexes owned */
    size_t *value_at;           /* where each value starts in the source, for messages */
    size_t n;
};

typedef struct sel_parser {
    const char *s;
    size_t pos;
    pd_err *err;
} sel_parser;

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static void skip_ws(sel_parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
           p->s[p->pos] == '\r')
        p->pos++;
}

/* -EINVAL with "unexpected X at position N (expected WHAT)". */
static int unexpected(sel_parser *p, const char *what)
{
    unsigned char c = (unsigned char)p->s[p->pos];
    char shown[16];
    if (c == '\0')
        snprintf(shown, sizeof(shown), "end of input");
    else if (c >= 0x20 && c < 0x7f && c != '"')
        snprintf(shown, sizeof(shown), "\"%c\"", c);
    else if (c == '"')
        snprintf(shown, sizeof(shown), "'\"'");
    else
        snprintf(shown, sizeof(shown), "\"\\x%02x\"", c);
    return pd_errf(p->err, -EINVAL, "unexpected %s at position %zu (expected %s)", shown, p->pos,
                   what);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_utf8(pd_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return pd_buf_append(b, u, n);
}

/* One escape sequence; p->pos is at the backslash. Appends its bytes. */
static int parse_escape(sel_parser *p, pd_buf *b)
{
    size_t at = p->pos;
    char c = p->s[at + 1];
    static const char simple_in[] = "abfnrtv\\'\"";
    static const char simple_out[] = "\a\b\f\n\r\t\v\\'\"";
    const char *hit = c != '\0' ? strchr(simple_in, c) : NULL;
    if (hit != NULL) {
        p->pos += 2;
        return pd_buf_append(b, &simple_out[hit - simple_in], 1);
    }
    int digits = 0, base = 16;
    if (c == 'x')
        digits = 2;
    else if (c == 'u')
        digits = 4;
    else if (c == 'U')
        digits = 8;
    else if (c >= '0' && c <= '7')
        digits = 3, base = 8;
    if (digits == 0)
        return pd_errf(p->err, -EINVAL, "invalid escape \"\\%c\" at position %zu",
                       c >= 0x20 && c < 0x7f ? c : '?', at);
    size_t first = base == 8 ? at + 1 : at + 2;
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        int d = hexval(p->s[first + (size_t)i]);
        if (d < 0 || d >= base)
            return pd_errf(p->err, -EINVAL, "invalid escape at position %zu", at);
        v = v * (uint32_t)base + (uint32_t)d;
    }
    p->pos = first + (size_t)digits;
    if (v == 0)
        return pd_errf(p->err, -EINVAL, "escaped NUL at position %zu not allowed", at);
    if (c == 'x' || base == 8) {
        if (v > 0xff)
            return pd_errf(p->err, -EINVAL, "invalid escape at position %zu", at);
        uint8_t byte = (uint8_t)v;
        return pd_buf_append(b, &byte, 1);
    }
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return pd_errf(p->err, -EINVAL, "invalid escape at position %zu (not a code point)", at);
    return put_utf8(b, v);
}

/* A quoted string at p->pos; *out (OUT) is malloc'd. */
static int parse_string(sel_parser *p, char **out)
{
    char q = p->s[p->pos];
    if (q != '"' && q != '\'' && q != '`')
        return unexpected(p, "a quoted string");
    size_t open = p->pos;
    pd_buf b;
    pd_buf_init(&b, 0);
    int rc = 0;
    p->pos++;
    for (;;) {
        char c = p->s[p->pos];
        if (c == '\0' || (c == '\n' && q != '`')) {
            rc = pd_errf(p->err, -EINVAL, "unterminated string at position %zu", open);
            break;
        }
        if (c == q) {
            p->pos++;
            break;
        }
        if (c == '\\' && q != '`') {
            rc = parse_escape(p, &b);
            if (rc < 0)
                break;
            continue;
        }
        rc = pd_buf_append(&b, &c, 1);
        if (rc < 0)
            break;
        p->pos++;
    }
    if (rc == 0)
        rc = pd_buf_append(&b, "", 1);
    if (rc < 0) {
        pd_buf_free(&b);
        return rc;
    }
    size_t len;
    *out = (char *)pd_buf_steal(&b, &len);
    return 0;
}

static int parse_op(sel_parser *p, pd_match_op *op)
{
    const char *s = p->s + p->pos;
    if (s[0] == '=' && s[1] == '~')
        *op = PD_MATCH_RE;
    else if (s[0] == '!' && s[1] == '~')
        *op = PD_MATCH_NRE;
    else if (s[0] == '!' && s[1] == '=')
        *op = PD_MATCH_NEQ;
    else if (s[0] == '=')
        *op = PD_MATCH_EQ;
    else
        return unexpected(p, "one of \"=\", \"!=\", \"=~\", \"!~\"");
    p->pos += *op == PD_MATCH_EQ ? 1 : 2;
    return 0;
}

static int parse_matcher(sel_parser *p, pd_selector *sel)
{
    if (!is_name_start(p->s[p->pos]))
        return unexpected(p, "a label name");
    if (sel->n == PD_SELECTOR_MAX_MATCHERS)
        return pd_errf(p->err, -E2BIG, "too many matchers at position %zu (at most %d)", p->pos,
                       PD_SELECTOR_MAX_MATCHERS);
    size_t start = p->pos;
    while (is_name_char(p->s[p->pos]))
        p->pos++;
    pd_store_matcher *m = &sel->matchers[sel->n];
    char *name = pd_xmalloc(p->pos - start + 1);
    memcpy(name, p->s + start, p->pos - start);
    name[p->pos - start] = '\0';
    skip_ws(p);
    pd_match_op op = PD_MATCH_EQ;
    int rc = parse_op(p, &op);
    if (rc < 0) {
        free(name);
        return rc;
    }
    skip_ws(p);
    size_t at = p->pos;
    char *value = NULL;
    rc = parse_string(p, &value);
    if (rc < 0) {
        free(name);
        return rc;
    }
    m->name = name;
    m->op = op;
    m->value = value;
    m->re = NULL;
    sel->value_at[sel->n] = at;
    sel->n++;
    return 0;
}

static bool is_regex(pd_match_op op)
{
    return op == PD_MATCH_RE || op == PD_MATCH_NRE;
}

/* Compiles the regexes once the whole selector is parsed: they share one
 * budget however many there are, the memory split evenly, the Unicode
 * classes taken in order. */
static int compile_regexes(pd_selector *sel, pd_err *err)
{
    size_t nre = 0;
    for (size_t i = 0; i < sel->n; i++)
        nre += is_regex(sel->matchers[i].op);
    pd_regex_budget b = {.mem = nre ? PD_SELECTOR_REGEX_MEM / nre : 0,
                         .classes = PD_SELECTOR_REGEX_CLASSES};
    for (size_t i = 0; i < sel->n; i++) {
        pd_store_matcher *m = &sel->matchers[i];
        if (!is_regex(m->op))
            continue;
        pd_regex *re = NULL;
        int rc = pd_regex_compile(m->value, &b, &re, err);
        if (rc < 0) {
            pd_err_prefix(err, "invalid regex for %s at position %zu", m->name, sel->value_at[i]);
            return rc;
        }
        b.classes -= pd_regex_classes(m->value);
        m->re = re;
    }
    return 0;
}

static int parse_body(sel_parser *p, pd_selector *sel)
{
    skip_ws(p);
    if (p->s[p->pos] != '{')
        return unexpected(p, "\"{\"");
    p->pos++;
    skip_ws(p);
    while (p->s[p->pos] != '}') {
        int rc = parse_matcher(p, sel);
        if (rc < 0)
            return rc;
        skip_ws(p);
        if (p->s[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
        } else if (p->s[p->pos] != '}') {
            return unexpected(p, "\",\" or \"}\"");
        }
    }
    p->pos++;
    skip_ws(p);
    if (p->s[p->pos] != '\0')
        return unexpected(p, "end of input");
    return 0;
}

int pd_selector_parse(const char *s, pd_selector **out, pd_err *err)
{
    *out = NULL;
    pd_selector *sel = pd_xcalloc(1, sizeof(*sel));
    /* one more than parsing allows: room for pd_selector_default_absent */
    sel->matchers = pd_xcalloc(PD_SELECTOR_MAX_MATCHERS + 1, sizeof(*sel->matchers));
    sel->value_at = pd_xcalloc(PD_SELECTOR_MAX_MATCHERS + 1, sizeof(*sel->value_at));
    sel_parser p = {.s = s, .pos = 0, .err = err};
    int rc = parse_body(&p, sel);
    if (rc == 0)
        rc = compile_regexes(sel, err);
    if (rc < 0) {
        pd_selector_free(sel);
        return rc;
    }
    *out = sel;
    return 0;
}

void pd_selector_default_absent(pd_selector *sel, const char *name)
{
    for (size_t i = 0; i < sel->n; i++)
        if (strcmp(sel->matchers[i].name, name) == 0)
            return;
    if (sel->n > PD_SELECTOR_MAX_MATCHERS)
        return; /* defensive: the one spare place is taken */
    pd_store_matcher *m = &sel->matchers[sel->n++];
    m->name = pd_xstrdup(name);
    m->op = PD_MATCH_EQ;
    m->value = pd_xstrdup("");
    m->re = NULL;
}

void pd_selector_free(pd_selector *sel)
{
    if (sel == NULL)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free((char *)sel->matchers[i].name);
        free((char *)sel->matchers[i].value);
        pd_regex_free((pd_regex *)sel->matchers[i].re);
    }
    free(sel->matchers);
    free(sel->value_at);
    free(sel);
}

const pd_store_matcher *pd_selector_matchers(const pd_selector *sel, size_t *n)
{
    *n = sel->n;
    return sel->matchers;
}

static bool matcher_holds(const pd_store_matcher *m, const char *value)
{
    switch (m->op) {
    case PD_MATCH_EQ:
        return strcmp(value, m->value) == 0;
    case PD_MATCH_NEQ:
        return strcmp(value, m->value) != 0;
    case PD_MATCH_RE:
        return pd_regex_match(m->re, value);
    case PD_MATCH_NRE:
        return !pd_regex_match(m->re, value);
    }
    return false;
}

bool pd_selector_matches(const pd_selector *sel, const char *const *names,
                         const char *const *values, size_t n)
{
    for (size_t i = 0; i < sel->n; i++) {
        const char *value = "";
        for (size_t j = 0; j < n; j++) {
            if (strcmp(names[j], sel->matchers[i].name) == 0) {
                value = values[j];
                break;
            }
        }
        if (!matcher_holds(&sel->matchers[i], value))
            return false;
    }
    return true;
}
