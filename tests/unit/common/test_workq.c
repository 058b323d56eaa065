/* common/pd_workq: the bound on running and waiting items, FIFO order,
 * cancellation, driven by a real libuv loop. */
#include "pd_workq.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

typedef struct item {
    pd_work w; /* first: the queue hands it back */
    int id;
    int status;
    bool done;
    int started; /* the how-manieth to start */
} item;

static atomic_int now_running, max_running, starts;
static int order[16], norder;

static void work(pd_work *w)
{
    ((item *)w)->started = atomic_fetch_add(&starts, 1);
    int n = atomic_fetch_add(&now_running, 1) + 1;
    int m = atomic_load(&max_running);
    while (n > m && !atomic_compare_exchange_weak(&max_running, &m, n))
        ;
    /* Long enough that the items overlap if the bound let them. */
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    atomic_fetch_sub(&now_running, 1);
}

static void done(pd_work *w, int status)
{
    item *it = (item *)w;
    it->status = status;
    it->done = true;
    order[norder++] = it->id;
}

static void test_bounds_and_order(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    pd_workq q;
    pd_workq_init(&q, &loop, 2, 2);
    item it[5];
    memset(it, 0, sizeof(it));
    norder = 0;
    atomic_store(&max_running, 0);
    atomic_store(&starts, 0);
    for (int i = 0; i < 4; i++) {
        it[i].id = i;
        assert_int_equal(pd_workq_submit(&q, &it[i].w, work, done), 0);
    }
    assert_int_equal(pd_workq_running(&q), 2);
    assert_int_equal(pd_workq_waiting(&q), 2);
    assert_true(pd_workq_full(&q));
    it[4].id = 4;
    assert_int_equal(pd_workq_submit(&q, &it[4].w, work, done), -EAGAIN);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    for (int i = 0; i < 4; i++) {
        assert_true(it[i].done);
        assert_int_equal(it[i].status, 0);
    }
    assert_false(it[4].done); /* refused: never called */
    assert_true(atomic_load(&max_running) <= 2);
    /* The waiting ones start in order, after the first two. */
    assert_true(it[0].started < 2 && it[1].started < 2);
    assert_int_equal(it[2].started, 2);
    assert_int_equal(it[3].started, 3);
    assert_int_equal(pd_workq_running(&q), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_cancel_waiting(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    pd_workq q;
    pd_workq_init(&q, &loop, 1, PD_WORKQ_UNBOUNDED);
    item it[4];
    memset(it, 0, sizeof(it));
    norder = 0;
    for (int i = 0; i < 4; i++) {
        it[i].id = i;
        assert_int_equal(pd_workq_submit(&q, &it[i].w, work, done), 0);
    }
    assert_int_equal(pd_workq_waiting(&q), 3);
    assert_false(pd_workq_full(&q));
    pd_workq_cancel_waiting(&q);
    /* Cancelled at once, in order; the running one is not touched. */
    assert_int_equal(norder, 3);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(order[i - 1], i);
        assert_int_equal(it[i].status, -ECANCELED);
    }
    assert_false(it[0].done);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_true(it[0].done);
    assert_int_equal(it[0].status, 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds_and_order),
        cmocka_unit_test(test_cancel_waiting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
