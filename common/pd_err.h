/* Error reporting shared by every module.
 *
 * Functions that can fail return 0 on success or a negative errno-style code
 * (-EINVAL, -ENOMEM, -E2BIG, -EIO ...). Where the caller must show the user
 * why, they also take a `pd_err *` and fill it with one line of text that
 * names what is wrong. A NULL `pd_err *` is allowed: the message is dropped. */
#ifndef PD_ERR_H
#define PD_ERR_H

#include <errno.h>
#include <stddef.h>

#define PD_ERR_MAX 256

typedef struct pd_err {
    char msg[PD_ERR_MAX];
} pd_err;

/* Formats the message into `err` (unless err is NULL or already holds a
 * message: the first, innermost cause wins) and returns `code`, so a failing
 * path reads `return pd_errf(err, -EINVAL, "sample %u: ...", i);`. */
int pd_errf(pd_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to a message already set (e.g. the file name). */
void pd_err_prefix(pd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void pd_err_clear(pd_err *err);

#endif
