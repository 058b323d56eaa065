/* Helpers shared by the config/ unit tests: parse YAML text and assert on
 * the result or on the first error line. */
#ifndef PD_CFG_TEST_H
#define PD_CFG_TEST_H

#include "pd_config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

static inline pd_config *parse_ok(const char *yaml)
{
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    int rc = pd_config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err);
    if (rc != 0)
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(cfg);
    return cfg;
}

/* Parses `yaml` expecting failure with exactly `want` as the first error. */
static inline void expect_error(const char *yaml, const char *want)
{
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    int rc = pd_config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err);
    if (rc == 0 || strcmp(err.msg, want) != 0)
        fprintf(stderr, "yaml:\n%s\nwant: %s\ngot:  %s (rc %d)\n", yaml, want, err.msg, rc);
    assert_true(rc < 0);
    assert_null(cfg);
    assert_string_equal(err.msg, want);
}

#endif
