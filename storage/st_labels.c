/* Label validation, the canonical series string, and the small encodings
 * stored with a profile. */
#include "st_int.h"

#include "pd_mem.h"
#include "pd_names.h"
#include "pd_utf8.h"

#include <string.h>

int pd_st_labels_check(const pd_store_label *ls, size_t n, const char **type, pd_err *err)
{
    *type = NULL;
    if (n > PD_STORE_MAX_LABELS)
        return pd_errf(err, -EINVAL, "%zu labels, more than %d", n, PD_STORE_MAX_LABELS);
    if (n > 0 && ls == NULL)
        return pd_errf(err, -EINVAL, "labels missing");
    for (size_t i = 0; i < n; i++) {
        const char *name = ls[i].name;
        const char *value = ls[i].value;
        if (!pd_label_name_valid(name))
            return pd_errf(err, -EINVAL, "label \"%s\": invalid name", name ? name : "(null)");
        if (value == NULL || value[0] == '\0')
            return pd_errf(err, -EINVAL, "label %s: empty value", name);
        if (strlen(value) > PD_STORE_MAX_LABEL_VALUE)
            return pd_errf(err, -EINVAL, "label %s: value longer than %d bytes", name,
                           PD_STORE_MAX_LABEL_VALUE);
        if (!pd_utf8_valid(value))
            return pd_errf(err, -EINVAL, "label %s: value is not valid UTF-8", name);
        if (i > 0) {
            int c = strcmp(ls[i - 1].name, name);
            if (c == 0)
                return pd_errf(err, -EINVAL, "label %s: duplicate name", name);
            if (c > 0)
                return pd_errf(err, -EINVAL, "label %s: not sorted (after %s)", name,
                               ls[i - 1].name);
        }
        if (strcmp(name, "type") == 0)
            *type = value;
    }
    if (*type == NULL)
        return pd_errf(err, -EINVAL, "no \"type\" label");
    return 0;
}

/* Bytes `value` takes once escaped. */
static size_t escaped_len(const char *value)
{
    size_t n = 0;
    for (const char *p = value; *p != '\0'; p++)
        n += (*p == '\\' || *p == '"' || *p == '\n') ? 2 : 1;
    return n;
}

char *pd_st_labels_canonical(const pd_store_label *ls, size_t n)
{
    size_t len = 3; /* { } NUL */
    for (size_t i = 0; i < n; i++)
        len += strlen(ls[i].name) + escaped_len(ls[i].value) + 4; /* ="", */
    char *out = pd_xmalloc(len);
    char *w = out;
    *w++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *w++ = ',';
        size_t nl = strlen(ls[i].name);
        memcpy(w, ls[i].name, nl);
        w += nl;
        *w++ = '=';
        *w++ = '"';
        for (const char *p = ls[i].value; *p != '\0'; p++) {
            if (*p == '\\' || *p == '"') {
                *w++ = '\\';
                *w++ = *p;
            } else if (*p == '\n') {
                *w++ = '\\';
                *w++ = 'n';
            } else {
                *w++ = *p;
            }
        }
        *w++ = '"';
    }
    *w++ = '}';
    *w = '\0';
    return out;
}

size_t pd_st_count_list(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    size_t n = 1;
    for (const char *p = s; *p != '\0'; p++)
        n += *p == ',';
    return n;
}

uint8_t *pd_st_totals_encode(const int64_t *v, size_t n)
{
    uint8_t *blob = pd_xmalloc(n * 8);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)v[i];
        for (size_t b = 0; b < 8; b++)
            blob[i * 8 + b] = (uint8_t)(u >> (8 * b));
    }
    return blob;
}

size_t pd_st_totals_decode(const uint8_t *blob, size_t len, int64_t *out)
{
    size_t n = len / 8;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = 0;
        for (size_t b = 0; b < 8; b++)
            u |= (uint64_t)blob[i * 8 + b] << (8 * b);
        out[i] = (int64_t)u;
    }
    return n;
}
