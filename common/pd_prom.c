#include "pd_prom.h"

#include <inttypes.h>
#include <string.h>

static void put(pd_buf *out, const char *s)
{
    (void)pd_buf_append(out, s, strlen(s));
}

static void put_escaped(pd_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            put(out, "\\");
        if (*v == '\n') {
            put(out, "\\n");
            continue;
        }
        (void)pd_buf_append(out, v, 1);
    }
}

void pd_prom_family(pd_buf *out, const char *name, const char *type, const char *help)
{
    (void)pd_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void series(pd_buf *out, const char *name, const char *const *labels)
{
    put(out, name);
    if (labels == NULL || labels[0] == NULL)
        return;
    put(out, "{");
    for (size_t i = 0; labels[i] != NULL && labels[i + 1] != NULL; i += 2) {
        if (i > 0)
            put(out, ",");
        put(out, labels[i]);
        put(out, "=\"");
        put_escaped(out, labels[i + 1]);
        put(out, "\"");
    }
    put(out, "}");
}

void pd_prom_u64(pd_buf *out, const char *name, const char *const *labels, uint64_t value)
{
    series(out, name, labels);
    (void)pd_buf_printf(out, " %" PRIu64 "\n", value);
}

void pd_prom_seconds(pd_buf *out, const char *name, const char *const *labels, int64_t ms)
{
    series(out, name, labels);
    (void)pd_buf_printf(out, " %s%" PRId64 ".%03" PRId64 "\n", ms < 0 ? "-" : "",
                        (ms < 0 ? -ms : ms) / 1000, (ms < 0 ? -ms : ms) % 1000);
}
