/* Push ingest (POST /api/v1/ingest): a pprof body, gzip or raw, with its
 * labels in the query string, validated and stored like a scraped
 * profile, as it is (no delta: the sender chose the window). Loop thread. */
#ifndef PD_PUSH_H
#define PD_PUSH_H

#include "pd_api.h"
#include "pd_config.h"
#include "pd_writer.h"

#include <uv.h>

/* At most PD_PUSH_RUNNING pushes decode at once on the thread pool (a push
 * may be a 64 MiB decompression; scraping needs the pool too), and at most
 * PD_PUSH_WAITING wait for their turn; past that a push gets 503 with
 * Retry-After. */
#define PD_PUSH_RUNNING 2
#define PD_PUSH_WAITING 16

typedef struct pd_pushes pd_pushes;

pd_pushes *pd_pushes_new(uv_loop_t *loop, pd_writer *w);
/* Stopping: the pushes waiting for their turn get 503 now, new ones too;
 * those decoding finish. */
void pd_pushes_stop(pd_pushes *q);
/* After every push was answered (the API has stopped). */
void pd_pushes_free(pd_pushes *q);

void pd_push_handle(pd_pushes *q, const pd_config *cfg, pd_api_call *call,
                    const pd_api_request *rq);

#endif
