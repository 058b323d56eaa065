/* The scrape metrics of /metrics: per target and profile type its health,
 * and the engine's counters. */
#include "ts_int.h"

#include "pd_prom.h"

/* Labels of a metric about one target's profile type. Not job and
 * instance: Prometheus, scraping pprofd, sets those to pprofd's own and
 * renames ours exported_*; like its prometheus_target_* metrics, these name
 * the scrape job scrape_job. */
#define SLOT_LABELS(t, s)                                                                          \
    (const char *const[])                                                                          \
    {                                                                                              \
        "scrape_job", (t)->job, "scrape_instance", ts_instance(t), "profile", (s)->name, NULL      \
    }

static bool slot_up(const pd_tslot *s)
{
    return s->sc.h.ran && s->sc.h.last == PD_SCRAPE_OK;
}

void pd_tset_metrics(const pd_tset *ts, pd_buf *out)
{
    pd_prom_family(out, "pprofd_target_up", "gauge",
                   "Whether the last scrape of a target's profile type succeeded.");
    uint64_t skipped = pd_scraper_skipped_gone(ts->sc);
    for (size_t i = 0; i < ts->ntargets; i++) {
        const pd_ttarget *t = ts->targets[i];
        for (size_t k = 0; k < t->nslots; k++) {
            skipped += t->slots[k].sc.h.skipped;
            pd_prom_u64(out, "pprofd_target_up", SLOT_LABELS(t, &t->slots[k]),
                        slot_up(&t->slots[k]));
        }
    }
    pd_prom_family(out, "pprofd_target_last_success_timestamp_seconds", "gauge",
                   "When a scrape of a target's profile type last succeeded (unix seconds).");
    for (size_t i = 0; i < ts->ntargets; i++) {
        const pd_ttarget *t = ts->targets[i];
        for (size_t k = 0; k < t->nslots; k++) {
            const pd_tslot *s = &t->slots[k];
            if (s->sc.h.last_ok_wall_ms == 0)
                continue; /* never: no sample, as Prometheus leaves out the unknown */
            pd_prom_seconds(out, "pprofd_target_last_success_timestamp_seconds", SLOT_LABELS(t, s),
                            s->sc.h.last_ok_wall_ms);
        }
    }
    /* Only where a tick was skipped: a saturated daemon shows which
     * targets fell behind without a series for every healthy one. */
    pd_prom_family(out, "pprofd_target_skipped_ticks_total", "counter",
                   "Scheduled scrapes of a target's profile type skipped because the previous "
                   "one still ran (targets that skipped none are left out).");
    for (size_t i = 0; i < ts->ntargets; i++) {
        const pd_ttarget *t = ts->targets[i];
        for (size_t k = 0; k < t->nslots; k++)
            if (t->slots[k].sc.h.skipped > 0)
                pd_prom_u64(out, "pprofd_target_skipped_ticks_total", SLOT_LABELS(t, &t->slots[k]),
                            t->slots[k].sc.h.skipped);
    }
    pd_prom_family(out, "pprofd_target_clock_skew_seconds", "gauge",
                   "How far a target's profile times are from pprofd's clock, where more than "
                   "a minute (its profiles are stored at the scrape's time; others are left out).");
    for (size_t i = 0; i < ts->ntargets; i++) {
        const pd_ttarget *t = ts->targets[i];
        for (size_t k = 0; k < t->nslots; k++)
            if (t->slots[k].clock_skew_ms != 0)
                pd_prom_seconds(out, "pprofd_target_clock_skew_seconds",
                                SLOT_LABELS(t, &t->slots[k]), t->slots[k].clock_skew_ms);
    }
    (void)pd_histogram_render(pd_scraper_durations(ts->sc), "pprofd_scrape_duration_seconds",
                              "Duration of scrapes.", out);
    pd_prom_family(out, "pprofd_scrape_failures_total", "counter",
                   "Failed scrapes by scrape job and reason.");
    size_t nf = 0;
    const pd_scrape_failures *f = pd_scraper_failures(ts->sc, &nf);
    for (size_t i = 0; i < nf; i++)
        pd_prom_u64(out, "pprofd_scrape_failures_total",
                    (const char *const[]){"scrape_job", f[i].job, "reason", f[i].reason, NULL},
                    f[i].n);
    pd_prom_family(out, "pprofd_scraped_bytes_total", "counter", "Bytes received from targets.");
    pd_prom_u64(out, "pprofd_scraped_bytes_total", NULL, pd_scraper_bytes(ts->sc));
    pd_prom_family(out, "pprofd_skipped_ticks_total", "counter",
                   "Scheduled scrapes skipped because the previous one still ran.");
    pd_prom_u64(out, "pprofd_skipped_ticks_total", NULL, skipped);
}
