/* The collector: every configured target's profiles scraped on schedule,
 * within the rate limits, through the ingest pipeline into the writer.
 * Runs on the daemon's loop; everything slow happens on the thread pool. */
#ifndef PD_COLLECTOR_H
#define PD_COLLECTOR_H

#include "pd_config.h"
#include "pd_buf.h"
#include "pd_writer.h"

#include <uv.h>

typedef struct pd_collector pd_collector;

/* A target registered over the API. */
typedef struct pd_reg_target {
    int64_t id;
    char *job;
    char *address;
    pd_labels labels;
    char *profiles;      /* "cpu,heap"; "" = the job's */
    int64_t interval_ms; /* 0 = the job's */
    bool changing;       /* an update or removal is being stored */
} pd_reg_target;

void pd_reg_target_copy(pd_reg_target *dst, const pd_reg_target *src);
/* Walks a registration's profile list: the next name into buf (at most
 * size - 1 bytes), *p moved past it; false at the end. */
bool pd_reg_next_profile(const char **p, char *buf, size_t size);
void pd_reg_target_free(pd_reg_target *r);

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

/* Checks that r would be a valid target (profiles the job knows, an
 * interval longer than its CPU profile, not dropped by the job's
 * relabel_configs): -EINVAL, err naming the field; and that no target but
 * registration `except_id` has the same job and instance: -EEXIST. */
int pd_collector_reg_check(pd_collector *c, const pd_reg_target *r, int64_t except_id, pd_err *err);
/* Scrapes registration r (copied) from now on, replacing the one with the
 * same id. When only the labels changed, the target keeps its schedule and
 * delta baselines. */
int pd_collector_reg_set(pd_collector *c, const pd_reg_target *r, pd_err *err);
/* Stops scraping registration id: -ENOENT if there is none. */
int pd_collector_reg_remove(pd_collector *c, int64_t id);
/* The registration with that id, or NULL. */
const pd_reg_target *pd_collector_reg_get(const pd_collector *c, int64_t id);
/* Marks registration id as being changed (true) or done (false); false if
 * it is unknown or, when marking, already being changed. */
bool pd_collector_reg_changing(pd_collector *c, int64_t id, bool changing);
/* Whether `id` (as GET /api/v1/targets shows it) is a configured target. */
bool pd_collector_is_configured(const pd_collector *c, const char *id);

/* GET /api/v1/targets: every target with its labels, and per profile type
 * its URL, health, last error, last and next scrape (JSON, appended). */
int pd_collector_targets_json(pd_collector *c, pd_buf *out);

/* /metrics: pprofd_target_up, scrape duration histogram, failures by job and
 * reason, bytes scraped, skipped ticks, profiles stored, database size
 * (Prometheus text format, appended). */
int pd_collector_metrics(pd_collector *c, pd_buf *out, const char *db_path);

#endif
