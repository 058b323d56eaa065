/* The query API's parameters: the first byte picks the endpoint, the rest is
 * a query string ("type=cpu&query=%7B%7D&from=now-1h"), split and
 * URL-decoded by libmicrohttpd's own unescape, as the server's arguments
 * are, then parsed as the handlers do. */
#include "fuzz.h"

#include "api_int.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

typedef struct args {
    char *kv[2 * MAX_ARGS];
    size_t n;
} args;

static const char *arg(void *ctx, const char *name)
{
    const args *a = ctx;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[2 * i], name) == 0)
            return a->kv[2 * i + 1];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const whats[] = {"merge", "diff", "series", "profiles", "labels", "values"};
    if (size < 1)
        return 0;
    const char *what = whats[data[0] % 6];
    char *qs = fuzz_cstr(data + 1, size - 1);
    args a = {.n = 0};
    char *save = NULL;
    for (char *t = strtok_r(qs, "&", &save); t != NULL && a.n < MAX_ARGS;
         t = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(t, '=');
        if (eq != NULL)
            *eq = '\0';
        a.kv[2 * a.n] = t;
        a.kv[2 * a.n + 1] = eq != NULL ? eq + 1 : "";
        MHD_http_unescape(a.kv[2 * a.n]);
        if (eq != NULL)
            MHD_http_unescape(eq + 1);
        a.n++;
    }
    api_query q;
    pd_err err = {{0}};
    if (api_parse_query(arg, &a, what, &q, &err) == 0) {
        int64_t span;
        if (q.from > q.to || __builtin_sub_overflow(q.to, q.from, &span))
            abort(); /* every handler subtracts them */
    }
    api_query_free(&q);
    free(qs);
    return 0;
}
