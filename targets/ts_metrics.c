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

static void up(pd_buf *out, const pd_ttarget *t, const pd_tslot *s)
{
    pd_prom_u64(out, "pprofd_target_up", SLOT_LABELS(t, s),
                s->sc.h.ran && s->sc.h.last == PD_SCRAPE_OK);
}

static void last_success(pd_buf *out, const pd_ttarget *t, const pd_tslot *s)
{
    if (s->sc.h.last_ok_wall_ms != 0) /* never: no sample, as Prometheus leaves out the unknown */
        pd_prom_seconds(out, "pprofd_target_last_success_timestamp_seconds", SLOT_LABELS(t, s),
                        s->sc.h.last_ok_wall_ms);
}

/* Only where a tick was skipped: a saturated daemon shows which targets
 * fell behind without a series for every healthy one. */
static void skipped_ticks(pd_buf *out, const pd_ttarget *t, const pd_tslot *s)
{
    if (s->sc.h.skipped > 0)
        pd_prom_u64(out, "pprofd_target_skipped_ticks_total", SLOT_LABELS(t, s), s->sc.h.skipped);
}

static void clock_skew(pd_buf *out, const pd_ttarget *t, const pd_tslot *s)
{
    if (s->clock_skew_ms != 0)
        pd_prom_seconds(out, "pprofd_target_clock_skew_seconds", SLOT_LABELS(t, s),
                        s->clock_skew_ms);
}

/* One metric family with a sample per target and profile type, where
 * `sample` writes one. */
static void per_slot(const pd_tset *ts, pd_buf *out, const char *name, const char *type,
                     const char *help,
                     void (*sample)(pd_buf *, const pd_ttarget *, const pd_tslot *))
{
    pd_prom_family(out, name, type, help);
    for (size_t i = 0; i < ts->ntargets; i++)
        for (size_t k = 0; k < ts->targets[i]->nslots; k++)
            sample(out, ts->targets[i], &ts->targets[i]->slots[k]);
}

void pd_tset_metrics(const pd_tset *ts, pd_buf *out)
{
    per_slot(ts, out, "pprofd_target_up", "gauge",
             "Whether the last scrape of a target's profile type succeeded.", up);
    per_slot(ts, out, "pprofd_target_last_success_timestamp_seconds", "gauge",
             "When a scrape of a target's profile type last succeeded (unix seconds).",
             last_success);
    per_slot(ts, out, "pprofd_target_skipped_ticks_total", "counter",
             "Scheduled scrapes of a target's profile type skipped because the previous one "
             "still ran (targets that skipped none are left out).",
             skipped_ticks);
    per_slot(ts, out, "pprofd_target_clock_skew_seconds", "gauge",
             "How far a target's profile times are from pprofd's clock, where more than a minute "
             "(its profiles are stored at the scrape's time; others are left out).",
             clock_skew);
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
    uint64_t skipped = pd_scraper_skipped_gone(ts->sc);
    for (size_t i = 0; i < ts->ntargets; i++)
        for (size_t k = 0; k < ts->targets[i]->nslots; k++)
            skipped += ts->targets[i]->slots[k].sc.h.skipped;
    pd_prom_family(out, "pprofd_skipped_ticks_total", "counter",
                   "Scheduled scrapes skipped because the previous one still ran.");
    pd_prom_u64(out, "pprofd_skipped_ticks_total", NULL, skipped);
}
