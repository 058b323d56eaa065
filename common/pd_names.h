/* The names pprofd accepts, one rule each, for every module that checks
 * one: the config, storage, selectors, query parameters, registration and
 * push.
 *  - label names, Prometheus': [a-zA-Z_][a-zA-Z0-9_]*;
 *  - profile type names (cpu, heap, a custom "fgprof" or "Custom"): a
 *    label name of at most PD_PROFILE_NAME_MAX bytes, since the type is
 *    also the `type` label of every series;
 *  - target addresses, host:port. */
#ifndef PD_NAMES_H
#define PD_NAMES_H

#include <stdbool.h>

#define PD_PROFILE_NAME_MAX 63

/* name may be NULL (not valid). */
bool pd_label_name_valid(const char *name);
bool pd_profile_name_valid(const char *name);
/* "host:port": a non-empty host name, IPv4 address or bracketed IPv6 address,
 * and a decimal port in 1..65535. */
bool pd_hostport_valid(const char *s);

#endif
