/* Internals of the capture registry shared by its files. Loop thread. */
#ifndef PD_CP_INT_H
#define PD_CP_INT_H

#include "pd_budget.h"
#include "pd_capture.h"

typedef struct seen_alert {
    char *fingerprint;
    int64_t at_ms;
} seen_alert;

struct pd_captures {
    uv_loop_t *loop;
    pd_tset *targets;    /* NULL once detached */
    pd_scraper *scraper; /* NULL once detached */
    pd_workq *ingest;
    pd_writer *writer;
    pd_capture_doc_fn doc;
    int64_t next_id;
    pd_capture **v; /* by id */
    size_t n, cap;
    pd_budget *budget;
    seen_alert *seen;
    size_t nseen, capseen;
    /* for /metrics, by trigger: profiles captured and failed, refusals */
    uint64_t done[2], failed[2], refused[2];
};

/* The scrape of one capture item (cp_run.c). */
struct pd_cap_job {
    pd_scrape_slot slot; /* first: the engine hands it back */
    pd_captures *k;
    pd_capture *cp;
    pd_cap_item *it;
    pd_ttarget *t; /* referenced until the job ends */
    char *url;
    pd_labels series;
    pd_profile_kind kind;
    size_t max_bytes;
    bool ingesting;
    pd_baseline *prev; /* the scheduled baseline when the capture began (a reference) */
    bool server_delta; /* the target sends deltas itself */
    uint8_t *body;
    size_t len;
};

/* cp_registry.c: an item has finished (its state set); the capture
 * finishes with its last item. */
void cp_item_finished(pd_captures *k, pd_capture *cp, pd_cap_item *it);
int64_t cp_now_ms(const pd_captures *k);

#endif
