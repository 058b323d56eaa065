#include "pipeline.h"

#include "pd_ingest.h"
#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>

typedef struct body {
    pd_pipeline *p;
    pd_tslot *s;
    uint8_t *data;
    size_t len;
} body;

static void maybe_done(pd_pipeline *p);

static pd_scraper_opts scraper_opts(const pd_config *cfg)
{
    return (pd_scraper_opts){cfg->limits.max_concurrent_scrapes, cfg->limits.max_profile_bytes};
}

/* A scheduled scrape's profile is decoded: store it, keep the baseline. */
static void ingested(void *arg, int rc, pd_ingest_out *out, const pd_err *err)
{
    body *b = arg;
    pd_pipeline *p = b->p;
    pd_tslot *s = b->s;
    if (rc < 0) {
        free(b->data);
        pd_tslot_done(s, PD_SCRAPE_INVALID_PROFILE, err->msg, NULL);
    } else {
        if (out->restarted)
            pd_log_info("target restarted", "job=%s instance=%s type=%s", s->t->job,
                        s->t->st.instance, s->name);
        pd_tslot_clock(s, out->skew_ns);
        if (out->store) /* also the last scrape of a target just removed */
            pd_writer_add(p->writer, &s->series, &out->p);
        free(b->data);
        pd_tslot_done(s, PD_SCRAPE_OK, NULL, out->baseline); /* the next delta starts here */
        out->baseline = NULL;
    }
    free(b);
    maybe_done(p);
}

static void on_body(void *ctx, pd_tslot *s, pd_fetch_result *res)
{
    pd_pipeline *p = ctx;
    body *b = pd_xmalloc(sizeof(*b));
    *b = (body){p, s, res->body, res->len};
    res->body = NULL;
    pd_ingest_in in = {b->data,        b->len,  p->cfg->limits.max_profile_bytes,
                       s->kind,        s->prev, s->server_delta,
                       res->started_ns};
    pd_ingest_submit(&p->ingest, &in, ingested, b);
}

int pd_pipeline_start(pd_pipeline *p, uv_loop_t *loop, const pd_config *cfg, pd_writer *writer,
                      pd_err *err)
{
    *p = (pd_pipeline){0};
    p->loop = loop;
    p->cfg = cfg;
    p->writer = writer;
    /* Unbounded waiting: each slot and capture has at most one ingest, so
     * they bound it. */
    pd_workq_init(&p->ingest, loop, pd_ingest_threads(), PD_WORKQ_UNBOUNDED);
    pd_scraper_opts so = scraper_opts(cfg);
    int rc = pd_scraper_new(loop, &so, &p->scraper, err);
    if (rc < 0)
        return rc;
    rc = pd_tset_start(loop, cfg, p->scraper, on_body, p, &p->targets, err);
    if (rc < 0) {
        pd_scraper_stop(p->scraper, 0, NULL, NULL);
        p->scraper = NULL;
    }
    return rc;
}

int pd_pipeline_reload(pd_pipeline *p, const pd_config *cfg, pd_err *err)
{
    int rc = pd_tset_reload(p->targets, cfg, err);
    if (rc < 0)
        return rc;
    p->cfg = cfg;
    pd_scraper_opts so = scraper_opts(cfg);
    pd_scraper_set_opts(p->scraper, &so);
    return 0;
}

static void maybe_done(pd_pipeline *p)
{
    if (!p->stopping || p->parts > 0 || pd_workq_running(&p->ingest) > 0 ||
        pd_workq_waiting(&p->ingest) > 0 || p->done == NULL)
        return;
    void (*done)(void *) = p->done;
    p->done = NULL; /* once */
    done(p->done_arg);
}

static void part_stopped(void *arg)
{
    pd_pipeline *p = arg;
    p->parts--;
    maybe_done(p);
}

void pd_pipeline_stop(pd_pipeline *p, int64_t grace_ms, void (*done)(void *arg), void *arg)
{
    p->stopping = true;
    p->done = done;
    p->done_arg = arg;
    p->parts = 2;
    pd_tset_stop(p->targets, part_stopped, p);
    p->targets = NULL;
    pd_scraper_stop(p->scraper, grace_ms, part_stopped, p);
    p->scraper = NULL;
}
