/* Whole-file I/O with bounds, for the offline commands and tests. */
#ifndef PD_FILE_H
#define PD_FILE_H

#include "pd_err.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

/* Reads `path` ("-" = stdin) into *out (malloc'd, caller frees). Files over
 * `max` bytes fail with -E2BIG without being read whole. */
int pd_read_file(const char *path, size_t max, uint8_t **out, size_t *len, pd_err *err);
/* A secret (a token, a password) from file `path`: *out (OUT, malloc'd,
 * caller frees) without trailing whitespace; NULL for a NULL or empty
 * path. Files over 4 KiB are refused (-E2BIG), never cut. */
int pd_read_secret(const char *path, char **out, pd_err *err);
/* Writes atomically: a temporary file next to `path`, then rename. "-" or
 * NULL = stdout. */
int pd_write_file(const char *path, const uint8_t *data, size_t len, pd_err *err);

#endif
