/* A growable byte buffer that knows its maximum (after curl's dynbuf): an
 * append that would pass `max` fails with -E2BIG and leaves the buffer as it
 * was, so untrusted input can never make it grow without bound. */
#ifndef PD_BUF_H
#define PD_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct pd_buf {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* 0 = no limit */
} pd_buf;

void pd_buf_init(pd_buf *b, size_t max);
/* Ensures room for `extra` more bytes; -E2BIG past max. */
int pd_buf_reserve(pd_buf *b, size_t extra);
int pd_buf_append(pd_buf *b, const void *src, size_t n);
/* Appends printf-style text; -E2BIG past max (the buffer unchanged). */
int pd_buf_printf(pd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pd_buf_reset(pd_buf *b); /* len = 0, memory kept */
void pd_buf_free(pd_buf *b);
/* Hands the bytes to the caller (who frees them) and empties the buffer. */
uint8_t *pd_buf_steal(pd_buf *b, size_t *len);

#endif
