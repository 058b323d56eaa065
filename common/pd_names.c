#include "pd_names.h"

#include <string.h>

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool pd_label_name_valid(const char *name)
{
    if (name == NULL || !name_start(name[0]))
        return false;
    for (const char *p = name + 1; *p != '\0'; p++)
        if (!name_start(*p) && !(*p >= '0' && *p <= '9'))
            return false;
    return true;
}

bool pd_profile_name_valid(const char *name)
{
    return pd_label_name_valid(name) && strlen(name) <= PD_PROFILE_NAME_MAX;
}
