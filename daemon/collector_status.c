/* What the collector reports: every target's scrape health as JSON for
 * GET /api/v1/targets, and its counters in the Prometheus text format for
 * /metrics. Runs on the loop thread, reading the collector's own state. */
#include "collector_int.h"

#include "pd_log.h"
#include "pd_mem.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const double duration_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30};

void pd_collector_status_init(pd_collector *c)
{
    pd_histogram_init(&c->durations, duration_bounds,
                      sizeof(duration_bounds) / sizeof(duration_bounds[0]));
}

void pd_collector_count(pd_collector *c, slot *s, const char *reason, int64_t duration_ms,
                        size_t bytes, const char *message)
{
    s->bytes += bytes;
    c->bytes_total += bytes;
    if (duration_ms >= 0) {
        s->last_duration_ms = duration_ms;
        pd_histogram_observe(&c->durations, (double)duration_ms / 1000.0);
    }
    if (strcmp(reason, "ok") == 0) {
        s->last_error[0] = '\0';
        return;
    }
    snprintf(s->last_error, sizeof(s->last_error), "%s", message ? message : reason);
    const char *job = s->t->job;
    for (size_t i = 0; i < c->nfailures; i++)
        if (c->failures[i].reason == reason && strcmp(c->failures[i].job, job) == 0) {
            c->failures[i].n++;
            return;
        }
    if (c->nfailures == PD_REASONS_MAX)
        return; /* bounded: jobs x reasons beyond this are not broken out */
    size_t i = c->nfailures++;
    snprintf(c->failures[i].job, sizeof(c->failures[i].job), "%s", job);
    c->failures[i].reason = reason;
    c->failures[i].n = 1;
}

static json_t *labels_json(const pd_labels *ls)
{
    json_t *o = json_object();
    for (size_t i = 0; i < ls->n; i++)
        json_object_set_new(o, ls->v[i].name, json_string(ls->v[i].value));
    return o;
}

/* RFC 3339 UTC with milliseconds, or null for 0. */
static json_t *time_json(int64_t wall_ms)
{
    if (wall_ms <= 0)
        return json_null();
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[96];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
    return json_string(buf);
}

static bool slot_up(const slot *s)
{
    return s->last_reason != NULL && strcmp(s->last_reason, "ok") == 0;
}

int pd_collector_targets_json(pd_collector *c, pd_buf *out)
{
    int64_t now_mono = (int64_t)uv_now(c->loop);
    int64_t now_wall = pd_collector_wall_ms();
    json_t *arr = json_array();
    for (size_t i = 0; i < c->ntargets; i++) {
        const tstate *t = c->targets[i];
        json_t *o = json_object();
        char id[32];
        pd_collector_target_id(t, id, sizeof(id));
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "job", json_string(t->job));
        json_object_set_new(o, "address", json_string(t->tg.address));
        json_object_set_new(o, "labels", labels_json(&t->tg.labels));
        json_object_set_new(o, "source", json_string(t->reg_id > 0 ? "api" : "config"));
        json_object_set_new(o, "scrape_timeout_ms", json_integer(t->timeout_ms));
        bool up = t->nslots > 0;
        json_t *profiles = json_object();
        for (size_t k = 0; k < t->nslots; k++) {
            const slot *s = &t->slots[k];
            up = up && slot_up(s);
            json_t *p = json_object();
            json_object_set_new(p, "url", json_string(s->url));
            json_object_set_new(p, "health",
                                json_string(s->last_reason == NULL ? "unknown"
                                            : slot_up(s)           ? "up"
                                                                   : "down"));
            json_object_set_new(p, "last_reason",
                                s->last_reason ? json_string(s->last_reason) : json_null());
            json_object_set_new(p, "last_error", json_string(s->last_error));
            json_object_set_new(p, "last_scrape", time_json(s->last_scrape_wall_ms));
            json_object_set_new(p, "last_duration_ms", json_integer(s->last_duration_ms));
            json_object_set_new(p, "next_due", time_json(now_wall + (s->due_ms - now_mono)));
            json_object_set_new(p, "interval_ms", json_integer(s->interval_ms));
            json_object_set_new(p, "scrapes_ok", json_integer((json_int_t)s->ok));
            json_object_set_new(p, "scrapes_failed", json_integer((json_int_t)s->failed));
            json_object_set_new(p, "ticks_skipped", json_integer((json_int_t)s->skipped));
            json_object_set_new(p, "in_flight", json_boolean(s->busy));
            json_object_set_new(profiles, s->name, p);
        }
        json_object_set_new(o, "health", json_string(up ? "up" : "down"));
        json_object_set_new(o, "profiles", profiles);
        json_array_append_new(arr, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "targets", arr);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (text == NULL)
        return -ENOMEM;
    int rc = pd_buf_append(out, text, strlen(text));
    free(text);
    return rc;
}

/* Appends the string s (its length counted, not written by hand). */
static int put(pd_buf *out, const char *s)
{
    return pd_buf_append(out, s, strlen(s));
}

/* Label values in the text format: backslash, quote and newline escaped. */
static void put_escaped(pd_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            (void)put(out, "\\");
        if (*v == '\n') {
            (void)put(out, "\\n");
            continue;
        }
        (void)pd_buf_append(out, v, 1);
    }
}

/* Labels of a metric about one target's profile type. Not job and
 * instance: Prometheus, scraping pprofd, sets those to pprofd's own and
 * renames ours exported_*; like its prometheus_target_* metrics, these name
 * the scrape job scrape_job. */
static void put_target_labels(pd_buf *out, const tstate *t, const slot *s)
{
    (void)put(out, "{scrape_job=\"");
    put_escaped(out, t->job);
    (void)put(out, "\",scrape_instance=\"");
    const char *inst = pd_labels_get(&t->tg.labels, "instance");
    put_escaped(out, inst ? inst : t->tg.address);
    (void)put(out, "\",profile=\"");
    put_escaped(out, s->name);
    (void)put(out, "\"}");
}

int pd_collector_metrics(pd_collector *c, pd_buf *out, const char *db_path)
{
    (void)pd_buf_printf(
        out, "# HELP pprofd_target_up Whether the last scrape of a target's profile type "
             "succeeded.\n# TYPE pprofd_target_up gauge\n");
    uint64_t skipped = c->skipped_total_retired;
    for (size_t i = 0; i < c->ntargets; i++) {
        const tstate *t = c->targets[i];
        for (size_t k = 0; k < t->nslots; k++) {
            const slot *s = &t->slots[k];
            skipped += s->skipped;
            (void)put(out, "pprofd_target_up");
            put_target_labels(out, t, s);
            (void)pd_buf_printf(out, " %d\n", slot_up(s) ? 1 : 0);
        }
    }
    (void)pd_buf_printf(out, "# HELP pprofd_target_last_success_timestamp_seconds When a scrape "
                             "of a target's profile type last succeeded (unix seconds).\n"
                             "# TYPE pprofd_target_last_success_timestamp_seconds gauge\n");
    for (size_t i = 0; i < c->ntargets; i++) {
        const tstate *t = c->targets[i];
        for (size_t k = 0; k < t->nslots; k++) {
            const slot *s = &t->slots[k];
            if (s->last_ok_wall_ms == 0)
                continue; /* never: no sample, as Prometheus leaves out the unknown */
            (void)put(out, "pprofd_target_last_success_timestamp_seconds");
            put_target_labels(out, t, s);
            (void)pd_buf_printf(out, " %.3f\n", (double)s->last_ok_wall_ms / 1000.0);
        }
    }
    (void)pd_histogram_render(&c->durations, "pprofd_scrape_duration_seconds",
                              "Duration of scrapes.", out);
    (void)pd_buf_printf(
        out, "# HELP pprofd_scrape_failures_total Failed scrapes by scrape job and reason.\n"
             "# TYPE pprofd_scrape_failures_total counter\n");
    for (size_t i = 0; i < c->nfailures; i++) {
        (void)put(out, "pprofd_scrape_failures_total{scrape_job=\"");
        put_escaped(out, c->failures[i].job);
        (void)pd_buf_printf(out, "\",reason=\"%s\"} %" PRIu64 "\n", c->failures[i].reason,
                            c->failures[i].n);
    }
    (void)pd_buf_printf(
        out,
        "# HELP pprofd_scraped_bytes_total Bytes received from targets.\n"
        "# TYPE pprofd_scraped_bytes_total counter\npprofd_scraped_bytes_total %" PRIu64 "\n",
        c->bytes_total);
    (void)pd_buf_printf(
        out,
        "# HELP pprofd_skipped_ticks_total Scheduled scrapes skipped because the previous "
        "one still ran.\n# TYPE pprofd_skipped_ticks_total counter\n"
        "pprofd_skipped_ticks_total %" PRIu64 "\n",
        skipped);
    (void)pd_buf_printf(
        out,
        "# HELP pprofd_profiles_stored_total Profiles committed to the database.\n"
        "# TYPE pprofd_profiles_stored_total counter\npprofd_profiles_stored_total %" PRIu64 "\n",
        pd_writer_stored(c->writer));
    if (db_path != NULL) {
        /* The database and its WAL: a stat each, cheap enough for a scrape. */
        uint64_t bytes = 0;
        const char *suffix[] = {"", "-wal"};
        for (int i = 0; i < 2; i++) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof(path), "%s%s", db_path, suffix[i]);
            if (stat(path, &st) == 0)
                bytes += (uint64_t)st.st_size;
        }
        (void)pd_buf_printf(out,
                            "# HELP pprofd_database_bytes Size of the database file and its WAL.\n"
                            "# TYPE pprofd_database_bytes gauge\npprofd_database_bytes %" PRIu64
                            "\n",
                            bytes);
    }
    return 0;
}
