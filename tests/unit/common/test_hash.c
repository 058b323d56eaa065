/* common/pd_hash: the hash function and the interning key map. */
#include "pd_hash.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

static void test_hash_is_deterministic_and_nonzero(void **state)
{
    (void)state;
    assert_true(pd_hash_bytes("abc", 3) == pd_hash_bytes("abc", 3));
    assert_true(pd_hash_bytes("abc", 3) != pd_hash_bytes("abd", 3));
    /* the length is part of the hash: a prefix differs */
    assert_true(pd_hash_bytes("abc", 2) != pd_hash_bytes("abc", 3));
    /* trailing NULs are not ignored */
    assert_true(pd_hash_bytes("a\0\0", 3) != pd_hash_bytes("a\0", 2));
    assert_true(pd_hash_bytes("", 0) != 0);
    /* 0 is reserved for empty slots: no input of these hashes to it */
    for (uint64_t i = 0; i < 100000; i++)
        assert_true(pd_hash_bytes(&i, sizeof(i)) != 0);
}

static void test_hash_spreads_word_keys(void **state)
{
    (void)state;
    /* Keys that differ in one bit land in different low-bit buckets often
     * enough for linear probing: check all 4096 buckets of 12 bits get hit
     * by 1 << 16 consecutive integers. */
    static uint8_t seen[4096];
    memset(seen, 0, sizeof(seen));
    for (uint32_t i = 0; i < (1u << 16); i++) {
        uint64_t k = i;
        seen[pd_hash_bytes(&k, sizeof(k)) & 4095] = 1;
    }
    unsigned hit = 0;
    for (size_t i = 0; i < sizeof(seen); i++)
        hit += seen[i];
    assert_int_equal(hit, 4096);
}

static void test_keymap_insert_and_get(void **state)
{
    (void)state;
    pd_keymap m;
    pd_keymap_init(&m, 0);
    bool inserted = false;
    const uint8_t *stored = NULL;
    assert_int_equal(pd_keymap_intern(&m, "alpha", 5, 7, &inserted, &stored), 7);
    assert_true(inserted);
    assert_non_null(stored);
    assert_memory_equal(stored, "alpha", 5);
    assert_int_equal(stored[5], 0); /* a spare NUL after every key */
    const uint8_t *first = stored;

    /* the second intern returns the first value, not val_if_new */
    assert_int_equal(pd_keymap_intern(&m, "alpha", 5, 99, &inserted, &stored), 7);
    assert_false(inserted);
    assert_ptr_equal(stored, first);

    assert_int_equal(pd_keymap_intern(&m, "beta", 4, 8, &inserted, NULL), 8);
    assert_true(inserted);
    assert_int_equal(m.count, 2);

    uint32_t v = 12345;
    assert_true(pd_keymap_get(&m, "alpha", 5, &v));
    assert_int_equal(v, 7);
    assert_true(pd_keymap_get(&m, "beta", 4, &v));
    assert_int_equal(v, 8);
    v = 12345;
    assert_false(pd_keymap_get(&m, "gamma", 5, &v));
    assert_false(pd_keymap_get(&m, "alph", 4, &v));
    assert_false(pd_keymap_get(&m, "alphab", 6, &v));
    assert_int_equal(v, 12345); /* untouched on a miss */

    /* NULL out-parameters are allowed */
    assert_int_equal(pd_keymap_intern(&m, "beta", 4, 0, NULL, NULL), 8);
    pd_keymap_free(&m);
    assert_null(m.slots);
    assert_int_equal(m.count, 0);
}

static void test_keymap_keys_copied(void **state)
{
    (void)state;
    pd_keymap m;
    pd_keymap_init(&m, 4);
    char scratch[16];
    strcpy(scratch, "key-one");
    pd_keymap_intern(&m, scratch, strlen(scratch), 1, NULL, NULL);
    /* the caller reuses its buffer: the map must have its own copy */
    strcpy(scratch, "key-two");
    pd_keymap_intern(&m, scratch, strlen(scratch), 2, NULL, NULL);
    uint32_t v = 0;
    assert_true(pd_keymap_get(&m, "key-one", 7, &v));
    assert_int_equal(v, 1);
    assert_true(pd_keymap_get(&m, "key-two", 7, &v));
    assert_int_equal(v, 2);
    pd_keymap_free(&m);
}

static void test_keymap_keys_with_nuls_and_empty(void **state)
{
    (void)state;
    pd_keymap m;
    pd_keymap_init(&m, 0);
    assert_int_equal(pd_keymap_intern(&m, "a\0b", 3, 1, NULL, NULL), 1);
    assert_int_equal(pd_keymap_intern(&m, "a\0c", 3, 2, NULL, NULL), 2);
    assert_int_equal(pd_keymap_intern(&m, "a", 1, 3, NULL, NULL), 3);
    assert_int_equal(pd_keymap_intern(&m, "a\0", 2, 4, NULL, NULL), 4);
    assert_int_equal(pd_keymap_intern(&m, "", 0, 5, NULL, NULL), 5);
    assert_int_equal(pd_keymap_intern(&m, "\0\0\0\0\0\0\0\0\0", 9, 6, NULL, NULL), 6);
    assert_int_equal(pd_keymap_intern(&m, "\0\0\0\0\0\0\0\0", 8, 7, NULL, NULL), 7);
    assert_int_equal(m.count, 7);
    uint32_t v = 0;
    assert_true(pd_keymap_get(&m, "a\0b", 3, &v));
    assert_int_equal(v, 1);
    assert_true(pd_keymap_get(&m, "a\0c", 3, &v));
    assert_int_equal(v, 2);
    assert_true(pd_keymap_get(&m, "a\0", 2, &v));
    assert_int_equal(v, 4);
    assert_true(pd_keymap_get(&m, "", 0, &v));
    assert_int_equal(v, 5);
    assert_true(pd_keymap_get(&m, "\0\0\0\0\0\0\0\0\0", 9, &v));
    assert_int_equal(v, 6);
    assert_true(pd_keymap_get(&m, "\0\0\0\0\0\0\0\0", 8, &v));
    assert_int_equal(v, 7);
    assert_false(pd_keymap_get(&m, "a\0d", 3, &v));
    assert_false(pd_keymap_get(&m, "\0", 1, &v));
    pd_keymap_free(&m);
}

static void test_keymap_grows_and_keeps_every_key(void **state)
{
    (void)state;
    enum { N = 50000 };
    pd_keymap m;
    pd_keymap_init(&m, 0);
    size_t initial_cap = m.mask + 1;
    assert_int_equal(initial_cap, 16);
    const uint8_t *first_stored = NULL;
    char key[32];
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "k%u", i);
        bool inserted = false;
        const uint8_t *stored = NULL;
        assert_int_equal(pd_keymap_intern(&m, key, (size_t)n, i * 3, &inserted, &stored), i * 3);
        assert_true(inserted);
        if (i == 0)
            first_stored = stored;
        /* the load factor stays at or below 3/4 */
        assert_true(m.count * 4 <= (m.mask + 1) * 3);
    }
    assert_int_equal(m.count, N);
    assert_true(m.mask + 1 >= N * 4 / 3);
    assert_true(((m.mask + 1) & m.mask) == 0); /* a power of two */
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "k%u", i);
        uint32_t v = 0;
        assert_true(pd_keymap_get(&m, key, (size_t)n, &v));
        assert_int_equal(v, i * 3);
        bool inserted = true;
        assert_int_equal(pd_keymap_intern(&m, key, (size_t)n, 1, &inserted, NULL), i * 3);
        assert_false(inserted);
    }
    /* stored keys do not move when the table grows */
    const uint8_t *again = NULL;
    pd_keymap_intern(&m, "k0", 2, 0, NULL, &again);
    assert_ptr_equal(again, first_stored);
    assert_memory_equal(again, "k0", 3);
    for (uint32_t i = N; i < N + 1000; i++) {
        int n = snprintf(key, sizeof(key), "k%u", i);
        uint32_t v;
        assert_false(pd_keymap_get(&m, key, (size_t)n, &v));
    }
    pd_keymap_free(&m);
}

static void test_keymap_binary_word_keys(void **state)
{
    (void)state;
    /* The merge keys maps on packed integers: many keys of equal length
     * that differ in a few bits only. */
    pd_keymap m;
    pd_keymap_init(&m, 1000);
    assert_true(m.mask + 1 >= 2000);
    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t k[2] = {i << 40, i & 3};
        pd_keymap_intern(&m, k, sizeof(k), (uint32_t)i, NULL, NULL);
    }
    assert_int_equal(m.count, 20000);
    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t k[2] = {i << 40, i & 3};
        uint32_t v = 0;
        assert_true(pd_keymap_get(&m, k, sizeof(k), &v));
        assert_int_equal(v, i);
        k[1] ^= 4;
        assert_false(pd_keymap_get(&m, k, sizeof(k), &v));
    }
    pd_keymap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_deterministic_and_nonzero),
        cmocka_unit_test(test_hash_spreads_word_keys),
        cmocka_unit_test(test_keymap_insert_and_get),
        cmocka_unit_test(test_keymap_keys_copied),
        cmocka_unit_test(test_keymap_keys_with_nuls_and_empty),
        cmocka_unit_test(test_keymap_grows_and_keeps_every_key),
        cmocka_unit_test(test_keymap_binary_word_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
