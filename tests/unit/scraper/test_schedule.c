/* scraper/pd_schedule: when scrapes are due. Pure arithmetic: a fleet
 * spread over the interval, the phase taken from the wall clock once, missed
 * ticks skipped and counted, back-off capped by the interval. */
#include "pd_schedule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_offset_spreads_a_fleet(void **state)
{
    (void)state;
    /* 1000 targets whose seeds differ in a few low bits (as label hashes of
     * similar targets do) land in every tenth of a 10 s interval. */
    int tenths[10] = {0};
    for (uint64_t seed = 0; seed < 1000; seed++) {
        int64_t off = pd_sched_offset(seed, 10000);
        assert_true(off >= 0 && off < 10000);
        tenths[off / 1000]++;
    }
    for (int i = 0; i < 10; i++)
        assert_in_range(tenths[i], 60, 140);
    /* Stable: the same seed, the same phase (a restarted daemon keeps it). */
    assert_int_equal(pd_sched_offset(42, 15000), pd_sched_offset(42, 15000));
    assert_int_equal(pd_sched_offset(42, 0), 0);
}

static void test_first_due_at_the_wall_clock_phase(void **state)
{
    (void)state;
    /* Wall clock at 10:00:03.500 (phase 3500 of a 10 s interval), offset
     * 5000: due in 1.5 s on the monotonic clock, whatever it reads. */
    int64_t wall = 1764669603500LL, mono = 777;
    assert_int_equal(pd_sched_first_due(mono, wall, 5000, 10000), mono + 1500);
    /* Offset already passed this interval: the next one. */
    assert_int_equal(pd_sched_first_due(mono, wall, 1000, 10000), mono + 7500);
    /* Exactly at the phase: now. */
    assert_int_equal(pd_sched_first_due(mono, wall, 3500, 10000), mono);
    /* A wall clock before 1970 still gives a phase in range. */
    assert_int_equal(pd_sched_first_due(0, -2500, 0, 10000), 2500);
}

static void test_next_due_skips_missed_ticks(void **state)
{
    (void)state;
    uint64_t skipped = 0;
    /* On time: the next tick, nothing skipped. */
    assert_int_equal(pd_sched_next_due(1000, 500, 1000, &skipped), 1500);
    assert_int_equal(skipped, 0);
    /* The loop was held up 1.2 s past tick 1000: ticks 1500 and 2000 are
     * gone, 2500 is next, both counted. */
    assert_int_equal(pd_sched_next_due(1000, 500, 2200, &skipped), 2500);
    assert_int_equal(skipped, 2);
    /* Exactly on a later tick: that tick is missed too (it is now). */
    skipped = 0;
    assert_int_equal(pd_sched_next_due(1000, 500, 1500, &skipped), 2000);
    assert_int_equal(skipped, 1);
    assert_int_equal(pd_sched_next_due(1000, 500, 1200, NULL), 1500);
}

static void test_backoff(void **state)
{
    (void)state;
    const int64_t want[] = {1000, 2000, 4000, 8000, 15000, 15000};
    for (int f = 1; f <= 6; f++)
        assert_int_equal(pd_sched_backoff(f, 15000), want[f - 1]);
    /* Never past the interval, even the first retry. */
    assert_int_equal(pd_sched_backoff(1, 500), 500);
    assert_int_equal(pd_sched_backoff(1000, 60000), 60000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_spreads_a_fleet),
        cmocka_unit_test(test_first_due_at_the_wall_clock_phase),
        cmocka_unit_test(test_next_due_skips_missed_ticks),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
