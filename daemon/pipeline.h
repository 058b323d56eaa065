/* The daemon's scrape pipeline, wired: the scrape engine fetches the
 * target set's slots, each body is decoded (and deltaed) on the ingest
 * queue, the profile goes to the writer and the baseline back to its slot.
 * Loop thread. */
#ifndef PD_PIPELINE_H
#define PD_PIPELINE_H

#include "pd_config.h"
#include "pd_scraper.h"
#include "pd_tset.h"
#include "pd_workq.h"
#include "pd_writer.h"

typedef struct pd_pipeline {
    uv_loop_t *loop;
    const pd_config *cfg;
    pd_writer *writer;
    pd_scraper *scraper;
    pd_tset *targets;
    pd_workq ingest; /* scrapes' and captures' decoding */
    bool stopping;
    int parts; /* scraper and target set not yet stopped */
    void (*done)(void *);
    void *done_arg;
} pd_pipeline;

/* Starts scraping cfg's targets into writer. On error nothing is left
 * running and err says why. */
int pd_pipeline_start(pd_pipeline *p, uv_loop_t *loop, const pd_config *cfg, pd_writer *writer,
                      pd_err *err);
/* A new config (kept by the caller until the next reload or the stop). */
int pd_pipeline_reload(pd_pipeline *p, const pd_config *cfg, pd_err *err);
/* Stops the target set, gives requests in flight grace_ms, lets ingests
 * finish (their profiles reach the writer), then done(arg). */
void pd_pipeline_stop(pd_pipeline *p, int64_t grace_ms, void (*done)(void *arg), void *arg);

#endif
