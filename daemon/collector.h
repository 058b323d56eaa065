/* The collector: every configured target's profiles scraped on schedule,
 * within the rate limits, through the ingest pipeline into the writer.
 * Runs on the daemon's loop; everything slow happens on the thread pool. */
#ifndef PD_COLLECTOR_H
#define PD_COLLECTOR_H

#include "pd_config.h"
#include "pd_buf.h"
#include "writer.h"

#include <uv.h>

typedef struct pd_collector pd_collector;

/* Builds the targets of cfg (which must outlive the collector or be
 * replaced through pd_collector_reload) and starts their schedules. */
int pd_collector_start(uv_loop_t *loop, const pd_config *cfg, pd_writer *writer, pd_collector **out,
                       pd_err *err);

/* Switches to a new configuration: targets that stay keep their state
 * (schedule phase, delta baselines, health); new ones start, gone ones stop
 * once their scrape in flight is done. `cfg` replaces the previous one. */
int pd_collector_reload(pd_collector *c, const pd_config *cfg, pd_err *err);

/* Stops scheduling; scrapes in flight may finish for up to `grace_ms`, then
 * are aborted; when every scrape and ingest is done and the handles are
 * closed, calls done. */
void pd_collector_stop(pd_collector *c, int64_t grace_ms, void (*done)(void *arg), void *arg);

/* GET /api/v1/targets: every target with its labels, and per profile type
 * its URL, health, last error, last and next scrape (JSON, appended). */
int pd_collector_targets_json(pd_collector *c, pd_buf *out);

/* /metrics: pprofd_target_up, scrape duration histogram, failures by job and
 * reason, bytes scraped, skipped ticks, profiles stored, database size
 * (Prometheus text format, appended). */
int pd_collector_metrics(pd_collector *c, pd_buf *out, const char *db_path);

#endif
