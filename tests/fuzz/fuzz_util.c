#include "fuzz.h"

#include "pd_mem.h"

#include <string.h>

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = pd_xmalloc(size + 1);
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
