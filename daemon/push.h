/* Push ingest (POST /api/v1/ingest): a pprof body, gzip or raw, with its
 * labels in the query string, validated and stored like a scraped
 * profile, as it is (no delta: the sender chose the window). Loop thread. */
#ifndef PD_PUSH_H
#define PD_PUSH_H

#include "pd_api.h"
#include "pd_config.h"
#include "writer.h"

#include <uv.h>

void pd_push_handle(uv_loop_t *loop, const pd_config *cfg, pd_writer *w, pd_api_call *call,
                    const pd_api_request *rq);

#endif
