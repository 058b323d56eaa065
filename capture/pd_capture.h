/* Captures on demand and when an alert fires: one-off scrapes of chosen
 * targets, outside their schedule but inside the same rules (the scrape
 * engine's: one request per process and type, the transfer limit), paid
 * for from a token bucket per process (limits.capture_budget), decoded on
 * the ingest queue and stored through the writer. Their state is kept in
 * memory, and each finished capture's answer in the database, so the last
 * PD_CAPTURES_KEPT are answered after a restart too.
 *
 * What a capture's answer looks like is the API's (query/): it hands in
 * the functions that render and read it. Loop thread. */
#ifndef PD_CAPTURE_H
#define PD_CAPTURE_H

#include "pd_buf.h"
#include "pd_ingest.h"
#include "pd_scraper.h"
#include "pd_tset.h"
#include "pd_writer.h"

#define PD_CAPTURES_KEPT 4096 /* the oldest finished ones go first */

typedef enum { PD_CAP_PENDING, PD_CAP_RUNNING, PD_CAP_DONE, PD_CAP_FAILED } pd_cap_state;
typedef enum { PD_CAP_MANUAL, PD_CAP_ALERT } pd_cap_trigger;

/* "pending", "running", "done", "failed"; and back (false if unknown). */
const char *pd_cap_state_name(pd_cap_state s);
bool pd_cap_state_parse(const char *name, pd_cap_state *out);
/* "manual", "alert"; and back. */
const char *pd_cap_trigger_name(pd_cap_trigger t);
bool pd_cap_trigger_parse(const char *name, pd_cap_trigger *out);

typedef struct pd_captures pd_captures;
typedef struct pd_cap_job pd_cap_job; /* the scrape of one item, private */

/* One profile type of a capture. */
typedef struct pd_cap_item {
    char type[64];
    pd_cap_state state;
    int64_t profile_id; /* done */
    char error[640];    /* failed */
    pd_cap_job *job;    /* while it runs */
} pd_cap_item;

/* A capture as the API shows it. Finished ones loaded at start have only
 * the fields above `items` and their answer in `doc`. */
typedef struct pd_capture {
    int64_t id;
    pd_cap_trigger trigger;
    char target_id[32];
    pd_labels target; /* the target's labels */
    pd_labels extra;  /* trigger, reason, alertname: labels of its profiles */
    int64_t created_ms;
    char *doc; /* once finished: the final answer, served as it is */
    bool finished;
    pd_cap_state final; /* once finished: done or failed */
    pd_cap_item *items;
    size_t nitems;
    size_t open; /* items not finished */
} pd_capture;

/* The state of a capture, finished or not: pending while no item runs,
 * running while any does, then done if any profile was captured. */
pd_cap_state pd_capture_state(const pd_capture *cp);
/* The state of one item as the API shows it (pending while it waits for a
 * transfer or for the target's CPU). */
pd_cap_state pd_cap_item_state(const pd_cap_item *it);

/* Renders a finished capture's answer (malloc'd); reads a kept answer's
 * state and trigger back (false if it cannot). Both the API's. */
typedef char *(*pd_capture_doc_fn)(const pd_capture *cp);
typedef bool (*pd_capture_meta_fn)(const char *doc, pd_cap_state *state, pd_cap_trigger *trigger);

/* Everything given must outlive the registry but for `targets` and
 * `scraper`, which pd_captures_detach forgets. Free the registry after the
 * loop has finished (writer callbacks may arrive until the writer closed). */
pd_captures *pd_captures_new(uv_loop_t *loop, pd_tset *targets, pd_scraper *scraper,
                             pd_workq *ingest, pd_writer *writer, pd_capture_doc_fn doc);
void pd_captures_free(pd_captures *k);
/* The daemon is stopping: no more captures start. */
void pd_captures_detach(pd_captures *k);
bool pd_captures_detached(const pd_captures *k);
/* The live target set (NULL once detached). */
pd_tset *pd_captures_targets(pd_captures *k);

/* Loads the newest finished captures kept in the database (for GET, and so
 * that new ids follow theirs); once, before any capture starts. */
int pd_captures_load(pd_captures *k, const char *db_path, pd_capture_meta_fn meta, pd_err *err);

/* Checks a capture's profile types (NULL: alerting.profiles) into
 * types[PD_CAPTURE_MAX_PROFILES] (borrowed): -EINVAL, err naming the one. */
int pd_captures_pick_types(const pd_captures *k, const char *const *given, size_t ngiven,
                           bool has_given, const char **types, size_t *ntypes, pd_err *err);
/* Drops the oldest finished captures past PD_CAPTURES_KEPT; false if every
 * kept capture is still running (then no new one may start). */
bool pd_captures_make_room(pd_captures *k);

/* Captures `types` from target t (extra: trigger and reason or alertname,
 * copied) if its budget allows: 0 and *out the capture (the registry's),
 * or -EAGAIN and *retry_s the seconds until a token is there. seconds: a
 * window profile's (0: the target's own), at most PD_CAPTURE_MAX_SECONDS. */
int pd_captures_begin(pd_captures *k, pd_ttarget *t, pd_cap_trigger trigger, const pd_labels *extra,
                      const char *const *types, size_t ntypes, int64_t seconds, pd_capture **out,
                      int64_t *retry_s);

/* Alertmanager: whether fingerprint fp already led to a capture within the
 * budget window, and remembering one that did. */
bool pd_captures_alert_repeated(pd_captures *k, const char *fp);
void pd_captures_alert_remember(pd_captures *k, const char *fp);
/* Whether target t answers to an alert with these labels: it has every
 * alerting.match_labels label the alert carries, with the same value; an
 * alert with none of them selects nothing (never the whole fleet). */
bool pd_captures_alert_selects(const pd_captures *k, const char *const *names,
                               const char *const *values, size_t n, const pd_ttarget *t);

/* The capture with that id, or NULL; the kept ones, oldest first. */
const pd_capture *pd_captures_get(const pd_captures *k, int64_t id);
size_t pd_captures_count(const pd_captures *k);
const pd_capture *pd_captures_at(const pd_captures *k, size_t i);

/* /metrics: captured profiles by trigger and outcome, budget refusals
 * (Prometheus text, appended). */
void pd_captures_metrics(const pd_captures *k, pd_buf *out);

#endif
