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

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool host_valid(const char *h, size_t n)
{
    if (n == 0)
        return false;
    if (h[0] == '[') {
        if (n < 3 || h[n - 1] != ']')
            return false;
        for (size_t i = 1; i + 1 < n; i++) {
            char c = h[i];
            bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex && c != ':' && c != '.' && c != '%')
                return false;
        }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!name_start(c) && !is_digit(c) && c != '-' && c != '.')
            return false;
    }
    return true;
}

bool pd_hostport_valid(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL)
        return false;
    if (!host_valid(s, (size_t)(colon - s)))
        return false;
    if (s[0] != '[' && memchr(s, ':', (size_t)(colon - s)) != NULL)
        return false; /* an IPv6 address needs brackets */
    const char *p = colon + 1;
    if (*p == '\0' || strlen(p) > 5)
        return false;
    unsigned port = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return false;
        port = port * 10 + (unsigned)(*p - '0');
    }
    return port >= 1 && port <= 65535;
}
