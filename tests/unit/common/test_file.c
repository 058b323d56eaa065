/* common/pd_file: pd_read_secret, what scrape auth and the API token read. */
#include "pd_file.h"

#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary file holding n bytes of `text` (repeated as needed). */
static char *tmp_file(const char *text, size_t n)
{
    char *path = strdup("/tmp/pd-secret-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t tl = strlen(text);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(write(fd, &text[i % tl], 1), 1);
    assert_int_equal(close(fd), 0);
    return path;
}

static void test_trailing_whitespace_cut(void **state)
{
    (void)state;
    char *path = tmp_file("s3cret \t\r\n", 10);
    char *s = NULL;
    pd_err err = {{0}};
    assert_int_equal(pd_read_secret(path, &s, &err), 0);
    assert_string_equal(s, "s3cret");
    free(s);
    unlink(path);
    free(path);
}

static void test_unset_and_empty(void **state)
{
    (void)state;
    char *s = (char *)1;
    pd_err err = {{0}};
    assert_int_equal(pd_read_secret(NULL, &s, &err), 0);
    assert_null(s);
    assert_int_equal(pd_read_secret("", &s, &err), 0);
    assert_null(s);
    char *path = tmp_file("\n", 1);
    assert_int_equal(pd_read_secret(path, &s, &err), 0);
    assert_string_equal(s, ""); /* the caller decides whether empty is an error */
    free(s);
    unlink(path);
    free(path);
}

static void test_missing_and_too_large(void **state)
{
    (void)state;
    char *s = NULL;
    pd_err err = {{0}};
    assert_true(pd_read_secret("/nonexistent/secret", &s, &err) < 0);
    assert_null(s);
    assert_non_null(strstr(err.msg, "/nonexistent/secret"));
    /* 4 KiB is read whole; one byte more is refused, not cut */
    char *path = tmp_file("x", 4096);
    assert_int_equal(pd_read_secret(path, &s, &err), 0);
    assert_int_equal(strlen(s), 4096);
    free(s);
    s = NULL;
    unlink(path);
    free(path);
    path = tmp_file("x", 4097);
    pd_err_clear(&err);
    assert_int_equal(pd_read_secret(path, &s, &err), -E2BIG);
    assert_null(s);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trailing_whitespace_cut),
        cmocka_unit_test(test_unset_and_empty),
        cmocka_unit_test(test_missing_and_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
