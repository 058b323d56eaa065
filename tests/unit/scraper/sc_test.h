/* Helpers shared by the scraper/ tests: the fault server (tests/faultserver)
 * started as a child process, a loop with a fetcher per test, and results
 * collected by a callback.
 *
 * The server's path comes from the environment (PD_FAULTSERVER, set by
 * CMake). It runs with -duration 60s and PR_SET_PDEATHSIG, and the group
 * teardown kills and reaps it, so no test leaves it running. */
#ifndef PD_SC_TEST_H
#define PD_SC_TEST_H

#include "pd_fetch.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>

typedef struct sct_server {
    pid_t pid;
    int port;
} sct_server;

/* One test's loop and fetcher. */
typedef struct sct_fx {
    uv_loop_t loop;
    pd_fetcher *f;
} sct_fx;

/* What a callback got: the result as passed (body owned here). */
typedef struct sct_got {
    int calls;
    pd_fetch_result res;
} sct_got;

/* cmocka group setup/teardown: start and stop the server (*state unused by
 * the tests, which use sct_srv). */
int sct_group_setup(void **state);
int sct_group_teardown(void **state);
/* Per test: a fresh loop and fetcher in *state (an sct_fx); teardown closes
 * the fetcher, runs the loop and asserts that uv_loop_close succeeds. */
int sct_setup(void **state);
int sct_teardown(void **state);

extern sct_server sct_srv;

/* "http://127.0.0.1:PORT" + path into buf (static storage per call site is
 * the caller's). */
const char *sct_url(char *buf, size_t cap, const char *path);
/* Default options for path: timeout 5 s, max_body 4 MiB. */
pd_fetch_opts sct_opts(char *buf, size_t cap, const char *path);

/* pd_fetch_cb that records into the sct_got at ctx. */
void sct_collect(void *ctx, pd_fetch_result *res);
void sct_got_free(sct_got *g);

/* Runs the loop until *calls >= n (or 20 s pass: then the test fails). */
void sct_run_until(sct_fx *fx, const int *calls, int n);
void sct_loop_until(uv_loop_t *loop, const int *v, int n);
/* Starts one fetch and runs the loop until its callback ran. */
void sct_fetch(sct_fx *fx, const pd_fetch_opts *o, sct_got *got);
/* GET path with default options, expecting "ok"; returns the body as a
 * number (for /count, /conns). */
long sct_fetch_number(sct_fx *fx, const char *path);

double sct_now_ms(void);

#endif
