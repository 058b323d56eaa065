/* The live target set: every target the config's jobs and file_sd files
 * name, and those registered over the API, each with a slot per profile
 * type on the scrape engine's schedule. A reload keeps what stays the same
 * series (delta baseline, health) and the schedule of what stays the same
 * process and type; file_sd files are watched and reloaded on change.
 *
 * Bodies are the owner's: the set's `body` callback gets each successful
 * scrape with a reference on its target, and the owner ends it with
 * pd_tslot_done (once the profile is decoded, its baseline kept).
 *
 * Loop thread only. The structs below are readable by the daemon's other
 * parts (status, captures); only this module writes them. */
#ifndef PD_TSET_H
#define PD_TSET_H

#include "pd_baseline.h"
#include "pd_config.h"
#include "pd_scraper.h"
#include "pd_targets.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct pd_tset pd_tset;
typedef struct pd_ttarget pd_ttarget;

/* One (target, profile type) on schedule. */
typedef struct pd_tslot {
    pd_scrape_slot sc; /* the engine's part: health, busy, next due */
    pd_ttarget *t;
    char *name; /* profile name, also the series' type label */
    pd_profile_kind kind;
    char *url;
    pd_labels series;
    pd_baseline *prev; /* of the last snapshot of a cumulative profile */
    bool server_delta; /* the target sends deltas itself (godeltaprof) */
    /* The last profile's own time minus the scrape's, where the target's
     * clock was too far off to keep it (PD_INGEST_MAX_SKEW_NS); else 0. */
    int64_t clock_skew_ms;
} pd_tslot;

struct pd_ttarget {
    pd_tset *set;
    char id[32];  /* "123" registered, "c" + 16 hex digits configured */
    pd_target tg; /* labels, address, scheme, path prefix */
    char *job;
    int64_t reg_id;        /* registered over the API; 0 = configured */
    pd_scrape_target st;   /* how the engine reaches it */
    pd_profile_cfg *avail; /* every profile the job knows (copies), for captures */
    size_t navail;
    pd_tslot *slots; /* the profiles scraped on schedule */
    size_t nslots;
    /* lifetime */
    bool retired;
    int refs;          /* bodies and captures still using it */
    size_t open_slots; /* slots not yet closed */
    char *owned[8];    /* strings st points to */
};

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
void pd_reg_target_free(pd_reg_target *r);
/* Walks a registration's profile list: the next name into buf (at most
 * size - 1 bytes), *p moved past it; false at the end. */
bool pd_reg_next_profile(const char **p, char *buf, size_t size);

/* A successful scrape of s: res->body is the callee's to take. The target
 * holds a reference until pd_tslot_done. */
typedef void (*pd_tset_body_fn)(void *ctx, pd_tslot *s, pd_fetch_result *res);

/* Builds the targets of cfg (which must outlive the set or be replaced
 * through pd_tset_reload) and starts their slots on sc. */
int pd_tset_start(uv_loop_t *loop, const pd_config *cfg, pd_scraper *sc, pd_tset_body_fn body,
                  void *ctx, pd_tset **out, pd_err *err);

/* Switches to a new configuration: targets that stay keep their state
 * (schedule phase, delta baselines, health); new ones start, gone ones stop
 * once their scrape in flight is done. `cfg` replaces the previous one. */
int pd_tset_reload(pd_tset *ts, const pd_config *cfg, pd_err *err);

/* Stops every slot and the file_sd watch; done(arg) once every slot is
 * closed and every reference released. */
void pd_tset_stop(pd_tset *ts, void (*done)(void *arg), void *arg);

/* The body of a scrape of s is dealt with: reason OK (the profile is
 * decoded; `baseline` (a reference, taken; NULL to keep the one there) is
 * what the next delta starts from, for a cumulative kind) or another
 * reason and `message`. Releases the reference on the target. */
void pd_tslot_done(pd_tslot *s, pd_scrape_reason reason, const char *message,
                   pd_baseline *baseline);
/* The decoded profile of s was stored at the scrape's time because its own
 * was skew_ns off (pd_ingest_out.skew_ns; 0: it was kept). Logged when a
 * target's clock goes wrong, shown in /metrics while it stays wrong. */
void pd_tslot_clock(pd_tslot *s, int64_t skew_ns);

/* Reference counting for those who use a target across loop turns
 * (captures): a retired target is freed at the last unref. */
void pd_ttarget_ref(pd_ttarget *t);
void pd_ttarget_unref(pd_ttarget *t);
/* The profile config `type` of t's job, or NULL. */
const pd_profile_cfg *pd_ttarget_profile(const pd_ttarget *t, const char *type);
/* The scheduled slot of `type`, or NULL. */
pd_tslot *pd_ttarget_slot(pd_ttarget *t, const char *type);
/* The URL of profile `path` on t, with ?seconds= for a window (seconds >
 * 0); malloc'd, the caller frees. */
char *pd_ttarget_url(const pd_ttarget *t, const char *path, int64_t seconds);

/* The live targets, in no particular order (valid until the next change). */
size_t pd_tset_count(const pd_tset *ts);
pd_ttarget *pd_tset_at(const pd_tset *ts, size_t i);
/* The config the set runs on now. */
const pd_config *pd_tset_config(const pd_tset *ts);

/* /metrics: per target and profile type up and last success; scrape
 * durations, failures by job and reason, bytes, skipped ticks
 * (Prometheus text, appended). */
void pd_tset_metrics(const pd_tset *ts, pd_buf *out);

/* --- registrations (targets/ts_reg.c) ----------------------------------- */

/* Checks that r would be a valid target (profiles the job knows, an
 * interval longer than its CPU profile, not dropped by the job's
 * relabel_configs): -EINVAL, err naming the field; and that no target but
 * registration `except_id` has the same job and instance: -EEXIST. */
int pd_tset_reg_check(pd_tset *ts, const pd_reg_target *r, int64_t except_id, pd_err *err);
/* Scrapes registration r (copied) from now on, replacing the one with the
 * same id. When only the labels changed, the target keeps its schedule and
 * delta baselines. -EINVAL (kept, left out) if it does not fit the config. */
int pd_tset_reg_set(pd_tset *ts, const pd_reg_target *r, pd_err *err);
/* Stops scraping registration id: -ENOENT if there is none. */
int pd_tset_reg_remove(pd_tset *ts, int64_t id);
/* The registration with that id, or NULL. */
const pd_reg_target *pd_tset_reg_get(const pd_tset *ts, int64_t id);
/* Marks registration id as being changed (true) or done (false); false if
 * it is unknown or, when marking, already being changed. */
bool pd_tset_reg_changing(pd_tset *ts, int64_t id, bool changing);
/* At start: every registration kept in the database (those that do not
 * fit the config are logged and left out). */
int pd_tset_reg_load(pd_tset *ts, const char *db_path, pd_err *err);
/* Whether `id` (as GET /api/v1/targets shows it) is a configured target. */
bool pd_tset_is_configured(const pd_tset *ts, const char *id);

#endif
