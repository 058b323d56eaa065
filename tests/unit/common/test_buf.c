/* common/pd_buf: the bounded growable buffer. */
#include "pd_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void test_init_is_empty(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    pd_buf_free(&b); /* freeing an unused buffer is fine */
    assert_null(b.data);
}

static void test_append_and_grow_unbounded(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 0);
    uint8_t chunk[1000];
    for (size_t i = 0; i < sizeof(chunk); i++)
        chunk[i] = (uint8_t)i;
    for (int i = 0; i < 100; i++)
        assert_int_equal(pd_buf_append(&b, chunk, sizeof(chunk)), 0);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len);
    for (int i = 0; i < 100; i++)
        assert_memory_equal(b.data + i * 1000, chunk, 1000);
    /* appending nothing is fine, even from NULL */
    assert_int_equal(pd_buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.len, 100000);
    pd_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_max_is_enforced_exactly(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 10);
    assert_int_equal(pd_buf_append(&b, "abcdef", 6), 0);
    assert_true(b.cap <= 10); /* never allocates past the maximum */
    assert_int_equal(pd_buf_append(&b, "ghijk", 5), -E2BIG);
    /* the failed append left the buffer as it was */
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "abcdef", 6);
    /* exactly up to the maximum is allowed */
    assert_int_equal(pd_buf_append(&b, "ghij", 4), 0);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "abcdefghij", 10);
    assert_int_equal(b.cap, 10);
    assert_int_equal(pd_buf_append(&b, "", 0), 0);
    assert_int_equal(pd_buf_append(&b, "x", 1), -E2BIG);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "abcdefghij", 10);
    pd_buf_free(&b);
}

static void test_first_append_over_max_allocates_nothing(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 8);
    assert_int_equal(pd_buf_append(&b, "123456789", 9), -E2BIG);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(pd_buf_reserve(&b, 9), -E2BIG);
    assert_null(b.data);
    pd_buf_free(&b);
}

static void test_reserve(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_reserve(&b, 5000), 0);
    assert_true(b.cap >= 5000 && b.cap <= (1 << 20));
    assert_int_equal(b.len, 0);
    /* a size that overflows len + extra fails rather than wrapping */
    assert_int_equal(pd_buf_append(&b, "ab", 2), 0);
    assert_int_equal(pd_buf_reserve(&b, SIZE_MAX), -E2BIG);
    assert_int_equal(pd_buf_reserve(&b, SIZE_MAX - 1), -E2BIG);
    assert_int_equal(b.len, 2);
    /* the whole maximum can be reserved, and not a byte more */
    assert_int_equal(pd_buf_reserve(&b, (1 << 20) - 2), 0);
    assert_int_equal(b.cap, 1 << 20);
    assert_int_equal(pd_buf_reserve(&b, (1 << 20) - 1), -E2BIG);
    pd_buf_free(&b);

    pd_buf u;
    pd_buf_init(&u, 0);
    assert_int_equal(pd_buf_append(&u, "ab", 2), 0);
    assert_int_equal(pd_buf_reserve(&u, SIZE_MAX), -E2BIG);
    assert_int_equal(u.len, 2);
    pd_buf_free(&u);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 100);
    assert_int_equal(pd_buf_append(&b, "hello", 5), 0);
    uint8_t *data = b.data;
    size_t cap = b.cap;
    pd_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    assert_int_equal(pd_buf_append(&b, "world", 5), 0);
    assert_memory_equal(b.data, "world", 5);
    /* after a reset the whole maximum is available again */
    pd_buf_reset(&b);
    char big[100];
    memset(big, 'z', sizeof(big));
    assert_int_equal(pd_buf_append(&b, big, 100), 0);
    pd_buf_free(&b);
}

static void test_steal(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 50);
    assert_int_equal(pd_buf_append(&b, "payload", 7), 0);
    size_t len = 0;
    uint8_t *d = pd_buf_steal(&b, &len);
    assert_non_null(d);
    assert_int_equal(len, 7);
    assert_memory_equal(d, "payload", 7);
    /* the buffer is empty and reusable, with its maximum kept */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 50);
    assert_int_equal(pd_buf_append(&b, "again", 5), 0);
    assert_memory_equal(b.data, "again", 5);
    assert_true(b.data != d);
    free(d); /* the caller owns the stolen bytes */
    pd_buf_free(&b);

    /* stealing from a buffer that never allocated gives NULL and 0 */
    pd_buf e;
    pd_buf_init(&e, 0);
    len = 99;
    assert_null(pd_buf_steal(&e, &len));
    assert_int_equal(len, 0);
}

static void test_printf(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 12);
    assert_int_equal(pd_buf_printf(&b, "%s=%d", "ab", 42), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "ab=42", 5);
    /* one past max is refused whole; exactly max fits */
    assert_int_equal(pd_buf_printf(&b, "%s", "12345678"), -E2BIG);
    assert_int_equal(b.len, 5);
    assert_int_equal(pd_buf_printf(&b, "%s", "1234567"), 0);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.data, "ab=421234567", 12);
    /* longer than the stack buffer */
    pd_buf big;
    pd_buf_init(&big, 0);
    assert_int_equal(pd_buf_printf(&big, "%0300d|", 7), 0);
    assert_int_equal(big.len, 301);
    assert_int_equal(big.data[299], '7');
    pd_buf_free(&big);
    pd_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_empty),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_append_and_grow_unbounded),
        cmocka_unit_test(test_max_is_enforced_exactly),
        cmocka_unit_test(test_first_append_over_max_allocates_nothing),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
