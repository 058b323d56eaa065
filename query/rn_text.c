/* Text output helpers of the renderings (see rn_int.h): formatted appends,
 * JSON and XML escaping with UTF-8 validation, jansson glue. */
#include "rn_int.h"

#include "pd_mem.h"

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
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
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

/* What pprof's ShortenFunctionName strips from Go names: path segments
 * ([\w.-]+/)+ before a name that still holds a '.' after some other
 * character. The path ends at the first character no path may hold ('(',
 * '[', '*', ...), so a '/' inside a closure's or a type argument's name is
 * kept. */
size_t rn_short_name(const uint8_t *name, size_t len)
{
    size_t cut = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        bool path = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '/';
        if (!path)
            break;
        if (c == '/')
            cut = i + 1;
    }
    if (cut == 0 || cut >= len || name[cut] == '.')
        return 0;
    for (size_t i = cut + 1; i < len; i++)
        if (name[i] == '.')
            return i + 1 < len ? cut : 0;
    return 0;
}
