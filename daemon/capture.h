/* Captures on demand and when an alert fires: one-off scrapes of chosen
 * targets, outside their schedule but inside the same rules (one CPU
 * profile per target at a time, the transfer limit), paid for from a token
 * bucket per target (limits.capture_budget). Their state is kept in memory
 * for GET /api/v1/captures/{id}, and each finished capture's answer in the
 * database, so the last 4096 are answered after a restart too. Loop
 * thread. */
#ifndef PD_CAPTURE_H
#define PD_CAPTURE_H

#include "collector.h"
#include "pd_api.h"
#include "pd_writer.h"

typedef struct pd_captures pd_captures;

/* The registry outlives the collector and the writer: free it after the
 * loop has finished (writer callbacks may arrive until the writer closed). */
pd_captures *pd_captures_new(pd_collector *c, pd_writer *w);
void pd_captures_free(pd_captures *k);
/* Called when the collector stops: no more captures start. */
void pd_captures_detach(pd_captures *k);

/* POST /api/v1/capture, GET /api/v1/captures/{id}, POST /api/v1/alerts. */
void pd_captures_start(pd_captures *k, pd_api_call *call, const pd_api_request *rq);
void pd_captures_get(pd_captures *k, pd_api_call *call, const char *id);
/* GET /api/v1/captures: the newest first, filtered by rq->state and
 * rq->trigger, at most rq->limit. */
void pd_captures_list(pd_captures *k, pd_api_call *call, const pd_api_request *rq);
void pd_captures_alerts(pd_captures *k, pd_api_call *call, const pd_api_request *rq);

/* Loads the newest finished captures kept in the database (for GET, and so
 * that new ids follow theirs); once, before any capture starts. */
int pd_captures_load(pd_captures *k, const char *db_path, pd_err *err);

/* /metrics: captured profiles by trigger and outcome, budget refusals. */
void pd_captures_metrics(const pd_captures *k, pd_buf *out);

#endif
