/* Targets registered over the API (POST, PUT, DELETE /api/v1/targets),
 * kept in the database and scraped by the collector like configured ones.
 * Loop thread. */
#ifndef PD_REGISTRY_H
#define PD_REGISTRY_H

#include "collector.h"
#include "pd_api.h"
#include "pd_writer.h"

/* Answers a PD_API_TARGET_* request: checked, stored, then scraped. */
void pd_registry_handle(pd_collector *c, pd_writer *w, pd_api_call *call, const pd_api_request *rq);

/* At start: every registration in the database, handed to the collector. */
int pd_registry_load(pd_collector *c, const char *db_path, pd_err *err);

#endif
