#include "pd_buf.h"

#include "pd_err.h"
#include "pd_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_buf_init(pd_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int pd_buf_reserve(pd_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len)
        return -E2BIG;
    size_t need = b->len + extra;
    if (b->max != 0 && need > b->max)
        return -E2BIG;
    if (need <= b->cap)
        return 0;
    size_t c = b->cap ? b->cap : 4096;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : c * 2;
    if (b->max != 0 && c > b->max)
        c = b->max;
    b->data = pd_xrealloc(b->data, c);
    b->cap = c;
    return 0;
}

int pd_buf_append(pd_buf *b, const void *src, size_t n)
{
    int rc = pd_buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

int pd_buf_printf(pd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    /* Formatted aside, so that vsnprintf's NUL never counts against max. */
    char small[256];
    char *text = (size_t)n < sizeof(small) ? small : pd_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = pd_buf_append(b, text, (size_t)n);
    if (text != small)
        free(text);
    return rc;
}

void pd_buf_reset(pd_buf *b)
{
    b->len = 0;
}

void pd_buf_free(pd_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

uint8_t *pd_buf_steal(pd_buf *b, size_t *len)
{
    uint8_t *d = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return d;
}
