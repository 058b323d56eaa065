/* Maintenance and test access to the writer's connection. Not for the
 * daemon's normal paths: nothing here validates what it is given. */
#ifndef PD_STORE_DEBUG_H
#define PD_STORE_DEBUG_H

#include "pd_store.h"

/* Runs `sql` (one or more statements, results discarded) on the writer
 * connection. A transaction begun here stays open until a later call ends
 * it; pd_store_put and pd_store_retention_step fail while one is open. */
int pd_store_exec(pd_store *s, const char *sql, pd_err *err);
/* *val (OUT): the integer the first row of `sql` starts with. */
int pd_store_debug_int(pd_store *s, const char *sql, int64_t *val, pd_err *err);

#endif
