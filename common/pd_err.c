#include "pd_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pd_errf(pd_err *err, int code, const char *fmt, ...)
{
    if (err == NULL || err->msg[0] != '\0')
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void pd_err_prefix(pd_err *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char old[PD_ERR_MAX];
    memcpy(old, err->msg, sizeof(old));
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(err->msg) - 2)
        return;
    size_t used = (size_t)n;
    size_t room = sizeof(err->msg) - used;
    size_t olen = strnlen(old, sizeof(old) - 1);
    err->msg[used++] = ':';
    err->msg[used++] = ' ';
    room -= 2;
    if (olen >= room)
        olen = room - 1;
    memcpy(err->msg + used, old, olen);
    err->msg[used + olen] = '\0';
}

void pd_err_clear(pd_err *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}
