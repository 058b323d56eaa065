/* `pprofd run`: the daemon, wired. One libuv loop does the I/O and timers;
 * the thread pool decodes, computes deltas and writes to SQLite. */
#include "cli.h"
#include "pipeline.h"

#include "pd_capture.h"
#include "pd_writer.h"

#include "pd_api.h"
#include "pd_config.h"
#include "pd_file.h"
#include "pd_ingest.h"
#include "pd_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <uv.h>

#define STOP_GRACE_MS 4000 /* scrapes in flight get this long; the rest of 5 s is for the flush */

typedef struct daemon_state {
    uv_loop_t loop;
    const char *config_path; /* NULL: built-in defaults */
    pd_config *cfg;
    pd_writer *writer;
    pd_pipeline pipeline; /* scraper, target set, ingest */
    bool scraping;
    pd_captures *captures; /* freed after the loop: writer callbacks use it */
    pd_api *api;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t watchdog;
    bool stopping;
} daemon_state;

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_writer_closed(void *arg)
{
    daemon_state *d = arg;
    d->writer = NULL;
    close_handle((uv_handle_t *)&d->sigterm);
    close_handle((uv_handle_t *)&d->sigint);
    close_handle((uv_handle_t *)&d->sighup);
    close_handle((uv_handle_t *)&d->watchdog);
    pd_log_info("stopped", NULL);
}

static void on_pipeline_stopped(void *arg)
{
    daemon_state *d = arg;
    d->scraping = false;
    /* Everything scraped is queued now: flush it and close the database. */
    pd_writer_close(d->writer, on_writer_closed, d);
}

static void on_api_stopped(void *arg)
{
    daemon_state *d = arg;
    d->api = NULL;
    if (d->captures != NULL)
        pd_captures_detach(d->captures);
    pd_pipeline_stop(&d->pipeline, STOP_GRACE_MS, on_pipeline_stopped, d);
}

/* The API goes first (no new queries), then scraping, then the writer. */
static void stop_all(daemon_state *d)
{
    d->stopping = true;
    if (d->api != NULL)
        pd_api_stop(d->api, on_api_stopped, d);
    else
        on_api_stopped(d);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    daemon_state *d = h->data;
    if (d->stopping)
        return;
    sd_notify(0, "STOPPING=1");
    pd_log_info("stopping", "signal=%d", signum);
    stop_all(d);
}

/* The bearer token of server.auth_token_file ("" = none): *out (OUT,
 * malloc'd or NULL), trailing whitespace cut. */
static int read_token(const pd_config *cfg, char **out, pd_err *err)
{
    int rc = pd_read_secret(cfg->server.auth_token_file, out, err);
    if (rc < 0) {
        pd_err_prefix(err, "server.auth_token_file");
        return rc;
    }
    if (*out != NULL && (*out)[0] == '\0') {
        free(*out);
        *out = NULL;
        return pd_errf(err, -EINVAL, "server.auth_token_file: %s is empty",
                       cfg->server.auth_token_file);
    }
    return 0;
}

static int start_api(daemon_state *d, pd_err *err)
{
    char *token = NULL;
    int rc = read_token(d->cfg, &token, err);
    if (rc < 0)
        return rc;
    pd_api_opts ao = {0};
    ao.listen = d->cfg->server.listen;
    ao.db_path = d->cfg->storage.path;
    ao.auth_token = token;
    ao.max_query_profiles = d->cfg->limits.max_query_profiles;
    ao.targets = d->pipeline.targets;
    ao.captures = d->captures;
    ao.writer = d->writer;
    ao.max_ingest_bytes = d->cfg->limits.max_profile_bytes;
    rc = pd_api_start(&d->loop, &ao, &d->api, err);
    free(token);
    return rc;
}

static void on_hup(uv_signal_t *h, int signum)
{
    (void)signum;
    daemon_state *d = h->data;
    if (d->stopping || d->config_path == NULL)
        return;
    sd_notify(0, "RELOADING=1");
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    if (pd_config_load(d->config_path, &cfg, &err) < 0) {
        pd_log_error("reload failed, keeping the running config", "error=\"%s\"", err.msg);
    } else if (pd_pipeline_reload(&d->pipeline, cfg, &err) < 0) {
        pd_log_error("reload failed, keeping the running config", "error=\"%s\"", err.msg);
        pd_config_free(cfg);
    } else {
        if (strcmp(cfg->storage.path, d->cfg->storage.path) != 0)
            pd_log_warn("storage.path changes need a restart", "path=%s", d->cfg->storage.path);
        pd_config_free(d->cfg);
        d->cfg = cfg;
        pd_log_info("reloaded", "config=%s", d->config_path);
    }
    sd_notify(0, "READY=1");
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    sd_notify(0, "WATCHDOG=1"); /* fed from the loop: a stuck loop is noticed */
}

/* Every path onto libuv's pool goes through a bounded work queue (scrape
 * and capture ingest, push, the writer, the API's lanes): a pool of the sum
 * of their bounds means none ever waits for a thread another path took.
 * Set before the pool starts; a user's UV_THREADPOOL_SIZE wins. */
static void size_pool(void)
{
    size_t n = pd_ingest_threads() + PD_WRITER_THREADS + PD_API_THREADS;
    char buf[24];
    snprintf(buf, sizeof(buf), "%zu", n);
    setenv("UV_THREADPOOL_SIZE", buf, 0);
}

static int usage(void)
{
    fprintf(stderr, "usage: pprofd run [-c FILE]\n");
    return PD_EXIT_USAGE;
}

int pd_cmd_run(int argc, char **argv)
{
    daemon_state d;
    memset(&d, 0, sizeof(d));
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            d.config_path = argv[++i];
        else
            return usage();
    }
    size_pool();
    /* PPROFD_LOG_LEVEL=debug|info|warn|error (default info). */
    const char *lvl = getenv("PPROFD_LOG_LEVEL");
    if (lvl != NULL) {
        static const char *const names[] = {"debug", "info", "warn", "error"};
        for (int i = 0; i < 4; i++)
            if (strcmp(lvl, names[i]) == 0)
                pd_log_set_level((pd_log_level)i);
    }
    pd_err err = {{0}};
    if (d.config_path != NULL) {
        if (pd_config_load(d.config_path, &d.cfg, &err) < 0) {
            fprintf(stderr, "pprofd run: %s\n", err.msg);
            return PD_EXIT_ERROR;
        }
    } else {
        d.cfg = pd_config_default();
    }
    int rc = uv_loop_init(&d.loop);
    if (rc < 0) {
        fprintf(stderr, "pprofd run: event loop: %s\n", uv_strerror(rc));
        pd_config_free(d.cfg);
        return PD_EXIT_ERROR;
    }
    pd_writer_opts wo = {.path = d.cfg->storage.path,
                         .retention_ms = d.cfg->storage.retention_ms,
                         .max_size = d.cfg->storage.max_size};
    memcpy(wo.rollup_retention_ms, d.cfg->storage.rollup_retention_ms,
           sizeof(wo.rollup_retention_ms));
    if (pd_writer_open(&d.loop, &wo, &d.writer, &err) < 0) {
        fprintf(stderr, "pprofd run: storage %s: %s\n", d.cfg->storage.path, err.msg);
        uv_loop_close(&d.loop);
        pd_config_free(d.cfg);
        return PD_EXIT_ERROR;
    }
    if (pd_pipeline_start(&d.pipeline, &d.loop, d.cfg, d.writer, &err) < 0) {
        fprintf(stderr, "pprofd run: %s\n", err.msg);
        pd_writer_close(d.writer, NULL, NULL);
        uv_run(&d.loop, UV_RUN_DEFAULT);
        uv_loop_close(&d.loop);
        pd_config_free(d.cfg);
        return PD_EXIT_ERROR;
    }
    d.scraping = true;
    d.captures = pd_captures_new(&d.loop, d.pipeline.targets, d.pipeline.scraper,
                                 &d.pipeline.ingest, d.writer, pd_api_capture_doc);
    if (pd_tset_reg_load(d.pipeline.targets, d.cfg->storage.path, &err) < 0)
        pd_log_error("registered targets not loaded", "error=\"%s\"", err.msg);
    if (pd_captures_load(d.captures, d.cfg->storage.path, pd_api_capture_meta, &err) < 0)
        pd_log_error("captures not loaded", "error=\"%s\"", err.msg);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    uv_signal_init(&d.loop, &d.sighup);
    d.sigterm.data = d.sigint.data = d.sighup.data = &d;
    uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
    uv_signal_start(&d.sighup, on_hup, SIGHUP);
    uv_timer_init(&d.loop, &d.watchdog);
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
        uv_timer_start(&d.watchdog, on_watchdog, wd_usec / 2000, wd_usec / 2000);
    bool failed = false;
    if (start_api(&d, &err) < 0) {
        fprintf(stderr, "pprofd run: %s\n", err.msg);
        failed = true;
        stop_all(&d);
    } else {
        pd_log_info("ready", "config=%s storage=%s", d.config_path ? d.config_path : "(defaults)",
                    d.cfg->storage.path);
        sd_notify(0, "READY=1");
    }

    uv_run(&d.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&d.loop);
    if (rc < 0)
        pd_log_error("loop not closed cleanly", "error=\"%s\"", uv_strerror(rc));
    pd_captures_free(d.captures);
    pd_config_free(d.cfg);
    return rc < 0 || failed ? PD_EXIT_ERROR : PD_EXIT_OK;
}
