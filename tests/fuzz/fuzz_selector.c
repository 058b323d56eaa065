/* The selector parser (and with it the regex engine) on any text; a
 * selector that parses is matched against label sets, one of them made of
 * the input itself. */
#include "fuzz.h"

#include "pd_selector.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    pd_selector *sel = NULL;
    pd_err err = {{0}};
    if (pd_selector_parse(s, &sel, &err) == 0) {
        pd_selector_default_absent(sel, "trigger");
        const char *names[] = {"job", "instance", "env", "x", "trigger"};
        const char *values[] = {"api", "127.0.0.1:6060", "prod\nx", s, ""};
        pd_selector_matches(sel, names, values, 5);
        pd_selector_matches(sel, names, values, 0);
        const char *odd[] = {s, s, s, s, s};
        pd_selector_matches(sel, odd, odd, 5);
        pd_selector_free(sel);
    }
    free(s);
    return 0;
}
