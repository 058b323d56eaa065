/* Text output helpers of the renderings (see rn_int.h): formatted appends,
 * JSON and XML escaping with UTF-8 validation, jansson glue. */
#include "rn_int.h"

#include "pd_mem.h"
#include "pd_utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rn_printf(pd_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    if ((size_t)n < sizeof(small))
        return pd_buf_append(b, small, (size_t)n);
    char *big = pd_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = pd_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

int rn_puts(pd_buf *b, const char *s)
{
    return pd_buf_append(b, s, strlen(s));
}

size_t rn_utf8_len(const uint8_t *s, size_t n)
{
    return pd_utf8_len(s, n);
}

int rn_json_str(pd_buf *b, const uint8_t *s, size_t n)
{
    int rc = pd_buf_append(b, "\"", 1);
    size_t i = 0;
    while (rc == 0 && i < n) {
        uint8_t c = s[i];
        size_t len = rn_utf8_len(s + i, n - i);
        if (len == 0) {
            rc = rn_puts(b, "\\ufffd");
            i++;
        } else if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = pd_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20) {
            rc = rn_printf(b, "\\u%04x", c);
            i++;
        } else {
            rc = pd_buf_append(b, s + i, len);
            i += len;
        }
    }
    if (rc == 0)
        rc = pd_buf_append(b, "\"", 1);
    return rc;
}

/* U+FFFE and U+FFFF: valid UTF-8, but outside XML 1.0's Char production,
 * so a parser (and a browser showing an SVG) rejects the whole document. */
static bool xml_nonchar(const uint8_t *s, size_t len)
{
    return len == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe;
}

int rn_xml_text(pd_buf *b, const uint8_t *s, size_t n)
{
    int rc = 0;
    size_t i = 0;
    while (rc == 0 && i < n) {
        uint8_t c = s[i];
        size_t len = rn_utf8_len(s + i, n - i);
        const char *ent = NULL;
        if (c == '&')
            ent = "&amp;";
        else if (c == '<')
            ent = "&lt;";
        else if (c == '>')
            ent = "&gt;";
        else if (c == '"')
            ent = "&quot;";
        else if (c == '\'')
            ent = "&apos;";
        else if (len == 0 || c < 0x20 || c == 0x7f || xml_nonchar(s + i, len))
            ent = "?";
        if (ent != NULL) {
            rc = rn_puts(b, ent);
            i += len > 0 ? len : 1;
        } else {
            rc = pd_buf_append(b, s + i, len);
            i += len;
        }
    }
    return rc;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return pd_buf_append(data, buffer, size) == 0 ? 0 : -1;
}

int rn_json_dump(json_t *j, pd_buf *b)
{
    size_t mark = b->len;
    if (json_dump_callback(j, dump_cb, b,
                           JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0) {
        b->len = mark;
        return -E2BIG;
    }
    return 0;
}

int rn_check_si(const pd_profile *p, int si, pd_err *err)
{
    if (si < 0 || (uint32_t)si >= p->nsample_types)
        return pd_errf(err, -EINVAL, "sample type index %d out of range (profile has %u)", si,
                       p->nsample_types);
    return 0;
}

static json_t *must(json_t *j)
{
    if (j == NULL) {
        fprintf(stderr, "pprofd: out of memory (jansson)\n");
        abort();
    }
    return j;
}

json_t *rn_json_stringn(const uint8_t *s, size_t n)
{
    /* jansson refuses invalid UTF-8: replace it (at most 3 bytes each). */
    char *clean = pd_xmalloc(n * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = rn_utf8_len(s + i, n - i);
        if (len == 0) {
            memcpy(clean + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(clean + o, s + i, len);
            o += len;
            i += len;
        }
    }
    json_t *j = must(json_stringn(clean, o));
    free(clean);
    return j;
}

json_t *rn_json_string(const pd_profile *p, uint32_t i)
{
    return rn_json_stringn((const uint8_t *)p->strings[i].ptr, p->strings[i].len);
}

json_t *rn_json_pct(double x)
{
    if (!isfinite(x))
        x = 0;
    return must(json_real(round(x * 100) / 100));
}

json_t *rn_jobject(void)
{
    return must(json_object());
}

json_t *rn_jarray(void)
{
    return must(json_array());
}

json_t *rn_jint(int64_t v)
{
    return must(json_integer((json_int_t)v));
}

void rn_jset(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0)
        must(NULL);
}

void rn_jappend(json_t *arr, json_t *value)
{
    if (json_array_append_new(arr, value) != 0)
        must(NULL);
}

/* The length of pprof's goVerRegExp match "/vN" at name[i], followed by
 * '.' or '/' (N is 2..9 or two or more digits not starting with 0), or 0. */
static size_t version_at(const uint8_t *name, size_t len, size_t i)
{
    if (i + 2 >= len || name[i] != '/' || name[i + 1] != 'v')
        return 0;
    size_t d = i + 2;
    while (d < len && name[d] >= '0' && name[d] <= '9')
        d++;
    size_t nd = d - (i + 2);
    bool ok = nd == 1 ? name[i + 2] >= '2' : nd >= 2 && name[i + 2] != '0';
    if (!ok || d >= len || (name[d] != '.' && name[d] != '/'))
        return 0;
    return d - i;
}

static bool path_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* Go 1.19's pprof: goVerRegExp, ^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$
 * replaced by $1$2, then goRegExp, ^(?:[\w\-\.]+\/)+(.+): the most path
 * elements (each a non-empty run of path characters and a '/') before a
 * non-empty rest. (Its Java and C++ rules are left out: these are Go
 * profiles, and other names keep their whole.) */
size_t rn_short_name(const uint8_t *name, size_t len, uint8_t out[RN_SHORT_NAME_MAX])
{
    if (len == 0 || len > RN_SHORT_NAME_MAX)
        return 0;
    size_t n = 0;
    bool dropped = false;
    for (size_t i = 0; i < len; i++) {
        size_t v = dropped ? 0 : version_at(name, len, i);
        if (v > 0) {
            dropped = true; /* the lazy (.*?): the first one only */
            i += v - 1;
            continue;
        }
        out[n++] = name[i];
    }
    /* The cuts after each '/' whose path so far is all well-formed elements. */
    size_t cuts[RN_SHORT_NAME_MAX];
    size_t ncuts = 0, seg = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '/') {
            if (seg == 0)
                break; /* an empty element ("/usr", "a//b"): no path from here */
            cuts[ncuts++] = i + 1;
            seg = 0;
        } else if (path_char(out[i])) {
            seg++;
        } else {
            break;
        }
    }
    for (size_t k = ncuts; k-- > 0;) {
        size_t c = cuts[k];
        if (c < n) {
            memmove(out, out + c, n - c);
            return n - c;
        }
    }
    return dropped ? n : 0;
}
