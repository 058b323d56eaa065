#include "collector.h"

#include "pd_ingest.h"
#include "pd_clock.h"
#include "pd_fetch.h"
#include "pd_hash.h"
#include "pd_file.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_schedule.h"
#include "pd_sd.h"
#include "pd_targets.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SD_POLL_MS 5000

#include "collector_int.h"

typedef struct ingest_job {
    pd_work work; /* first: the queue hands it back */
    slot *s;
    uint8_t *body;
    size_t len;
    pd_ingest_in in;
    pd_ingest_out out;
    int rc;
    pd_err err;
    pd_collector_ingested_fn done;
} ingest_job;

static void arm(slot *s);
static void maybe_finish_stop(pd_collector *c);
static void pump(pd_collector *c);

int64_t pd_collector_wall_ms(void)
{
    return pd_now_ns() / 1000000;
}

char *pd_scrape_url(const tstate *t, const char *path, int64_t seconds)
{
    char url[2048];
    if (seconds > 0)
        snprintf(url, sizeof(url), "%s://%s%s%s?seconds=%lld", t->tg.scheme, t->tg.address,
                 t->tg.path_prefix, path, (long long)seconds);
    else
        snprintf(url, sizeof(url), "%s://%s%s%s", t->tg.scheme, t->tg.address, t->tg.path_prefix,
                 path);
    return pd_xstrdup(url);
}

static const char *instance_of(const tstate *t)
{
    const char *i = pd_labels_get(&t->tg.labels, "instance");
    return i ? i : t->tg.address;
}

void pd_collector_target_id(const tstate *t, char *buf, size_t size)
{
    if (t->reg_id > 0)
        snprintf(buf, size, "%lld", (long long)t->reg_id);
    else
        snprintf(buf, size, "c%016llx", (unsigned long long)t->tg.hash);
}

void pd_reg_target_copy(pd_reg_target *dst, const pd_reg_target *src)
{
    dst->id = src->id;
    dst->job = pd_xstrdup(src->job);
    dst->address = pd_xstrdup(src->address);
    pd_labels_copy(&dst->labels, &src->labels);
    dst->profiles = pd_xstrdup(src->profiles ? src->profiles : "");
    dst->interval_ms = src->interval_ms;
    dst->changing = false;
}

void pd_reg_target_free(pd_reg_target *r)
{
    free(r->job);
    free(r->address);
    pd_labels_free(&r->labels);
    free(r->profiles);
    memset(r, 0, sizeof(*r));
}

/* --- one request per process and type ------------------------------------ */

/* Never two requests in flight for one (process, profile type): Go runs one
 * CPU profile at a time, and a capture must not double a scheduled scrape.
 * One process may be several targets (a configured one, a registered one,
 * two jobs), so requests are kept apart by address and type. At most
 * max_concurrent_scrapes are in flight: a short array does. */
static void flight_key(const slot *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", s->t->tg.address, s->name);
}

static bool in_flight(const pd_collector *c, const slot *s)
{
    char key[600];
    flight_key(s, key, sizeof(key));
    for (size_t i = 0; i < c->nflying; i++)
        if (strcmp(c->flying[i], key) == 0)
            return true;
    return false;
}

static void flight_mark(pd_collector *c, const slot *s, bool flying)
{
    char key[600];
    flight_key(s, key, sizeof(key));
    if (flying) {
        pd_xgrow((void **)&c->flying, &c->capflying, c->nflying + 1, sizeof(char *));
        c->flying[c->nflying++] = pd_xstrdup(key);
        return;
    }
    for (size_t i = 0; i < c->nflying; i++)
        if (strcmp(c->flying[i], key) == 0) {
            free(c->flying[i]);
            c->flying[i] = c->flying[--c->nflying];
            return;
        }
}

/* --- lifetime of targets ---------------------------------------------------- */

static void tstate_free(tstate *t)
{
    for (size_t i = 0; i < t->nslots; i++) {
        slot *s = &t->slots[i];
        free(s->name);
        free(s->url);
        free(s->prev);
        pd_labels_free(&s->series);
    }
    free(t->slots);
    for (size_t i = 0; i < t->navail; i++) {
        free(t->avail[i].name);
        free(t->avail[i].path);
    }
    free(t->avail);
    pd_labels_free(&t->tg.labels);
    free(t->tg.address);
    free(t->tg.scheme);
    free(t->tg.path_prefix);
    free(t->job);
    free(t->bearer);
    free(t->basic_user);
    free(t->basic_password);
    free(t->ca_file);
    free(t->cert_file);
    free(t->key_file);
    free(t);
}

/* A retired target goes once its timers are closed and nothing runs. */
static void tstate_release(tstate *t)
{
    if (t->retired && t->open_timers == 0 && t->refs == 0) {
        pd_collector *c = t->c;
        for (size_t i = 0; i < c->nretired; i++)
            if (c->retired[i] == t) {
                c->retired[i] = c->retired[--c->nretired];
                break;
            }
        tstate_free(t);
        maybe_finish_stop(c);
    }
}

static void on_timer_closed(uv_handle_t *h)
{
    slot *s = h->data;
    tstate *t = s->t;
    t->open_timers--;
    tstate_release(t);
}

/* Takes t's scheduled slots out of the queue: the slots go with t. Capture
 * slots stay; they hold a reference on t and learn it is gone in pump. */
static void queue_purge(pd_collector *c, const tstate *t)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->qlen; i++) {
        slot *s = c->queue[(c->qhead + i) % c->qcap];
        if (s->t == t && s->cap == NULL)
            s->queued = false;
        else
            c->queue[(c->qhead + kept++) % c->qcap] = s;
    }
    c->qlen = kept;
}

static void tstate_retire(tstate *t)
{
    pd_collector *c = t->c;
    t->retired = true;
    queue_purge(c, t);
    for (size_t i = 0; i < t->nslots; i++)
        c->skipped_total_retired += t->slots[i].skipped;
    pd_xgrow((void **)&c->retired, &c->capretired, c->nretired + 1, sizeof(tstate *));
    c->retired[c->nretired++] = t;
    for (size_t i = 0; i < t->nslots; i++)
        uv_close((uv_handle_t *)&t->slots[i].timer, on_timer_closed);
}

static char *dup_or_null(const char *s)
{
    return s && s[0] ? pd_xstrdup(s) : NULL;
}

bool pd_reg_next_profile(const char **p, char *buf, size_t size)
{
    if (*p == NULL || **p == '\0')
        return false;
    const char *e = strchr(*p, ',');
    size_t len = e ? (size_t)(e - *p) : strlen(*p);
    snprintf(buf, size, "%.*s", (int)len, *p);
    *p += len + (e != NULL);
    return true;
}

/* Whether profile `name` is in the comma-separated list. */
static bool in_list(const char *list, const char *name)
{
    char got[64];
    while (pd_reg_next_profile(&list, got, sizeof(got)))
        if (strcmp(got, name) == 0)
            return true;
    return false;
}

/* The profiles a target scrapes: the job's enabled ones, or exactly those a
 * registration lists. */
static bool profile_on(const pd_profile_cfg *p, const pd_reg_target *reg)
{
    if (reg != NULL && reg->profiles != NULL && reg->profiles[0] != '\0')
        return in_list(reg->profiles, p->name);
    return p->enabled;
}

/* `cfg` is the config the target is built for (during a reload, not yet
 * c->cfg). */
static tstate *tstate_new(pd_collector *c, const pd_config *cfg, const pd_job *job,
                          const pd_target *tg, const pd_reg_target *reg, pd_err *err)
{
    tstate *t = pd_xcalloc(1, sizeof(*t));
    t->c = c;
    pd_labels_copy(&t->tg.labels, &tg->labels);
    t->tg.address = pd_xstrdup(tg->address);
    t->tg.scheme = pd_xstrdup(tg->scheme);
    t->tg.path_prefix = pd_xstrdup(tg->path_prefix ? tg->path_prefix : "");
    t->tg.hash = tg->hash;
    t->job = pd_xstrdup(job->name);
    t->timeout_ms = job->scrape_timeout_ms;
    int64_t interval_ms = job->scrape_interval_ms;
    /* Seconds the config does not write follow this target's interval. */
    int64_t bound_ms = job->scrape_interval_ms;
    if (reg != NULL) {
        t->reg_id = reg->id;
        if (reg->interval_ms > 0)
            interval_ms = reg->interval_ms;
        bound_ms = pd_job_seconds_bound(job, interval_ms);
        int64_t max_seconds = 0;
        for (size_t i = 0; i < job->nprofiles; i++) {
            int64_t secs = pd_profile_seconds(&job->profiles[i], bound_ms);
            if (profile_on(&job->profiles[i], reg) && secs > max_seconds)
                max_seconds = secs;
        }
        /* A registration with its own interval or profiles keeps the
         * job's explicit timeout (capped by its interval); a derived one is
         * derived again from the profiles it asks for. */
        if (job->scrape_timeout_set)
            t->timeout_ms =
                job->scrape_timeout_ms < interval_ms ? job->scrape_timeout_ms : interval_ms;
        else if (reg->interval_ms > 0 || (reg->profiles && reg->profiles[0]))
            t->timeout_ms = pd_job_timeout_ms(cfg, interval_ms, max_seconds);
    }
    t->avail = pd_xcalloc(job->nprofiles + 1, sizeof(pd_profile_cfg));
    t->navail = job->nprofiles;
    for (size_t i = 0; i < job->nprofiles; i++) {
        t->avail[i] = job->profiles[i];
        t->avail[i].name = pd_xstrdup(job->profiles[i].name);
        t->avail[i].path = pd_xstrdup(job->profiles[i].path);
        if (reg != NULL)
            t->avail[i].seconds = pd_profile_seconds(&job->profiles[i], bound_ms);
    }
    t->basic_user = dup_or_null(job->basic_auth.username);
    t->ca_file = dup_or_null(job->tls.ca_file);
    t->cert_file = dup_or_null(job->tls.cert_file);
    t->key_file = dup_or_null(job->tls.key_file);
    t->insecure = job->tls.insecure_skip_verify;
    int rc = pd_read_secret(job->bearer_token_file, &t->bearer, err);
    if (rc == 0)
        rc = pd_read_secret(job->basic_auth.password_file, &t->basic_password, err);
    if (rc < 0) {
        tstate_free(t);
        return NULL;
    }
    for (size_t i = 0; i < job->nprofiles; i++)
        t->nslots += profile_on(&job->profiles[i], reg);
    t->slots = pd_xcalloc(t->nslots + 1, sizeof(slot));
    size_t k = 0;
    for (size_t i = 0; i < job->nprofiles; i++) {
        const pd_profile_cfg *p = &t->avail[i];
        if (!profile_on(&job->profiles[i], reg))
            continue;
        slot *s = &t->slots[k++];
        s->t = t;
        s->name = pd_xstrdup(p->name);
        s->kind = p->kind;
        s->seconds = p->seconds;
        s->interval_ms = interval_ms;
        s->url = pd_scrape_url(t, p->path, p->seconds);
        pd_labels_copy(&s->series, &t->tg.labels);
        pd_labels_set(&s->series, "type", p->name);
        uv_timer_init(c->loop, &s->timer);
        s->timer.data = s;
        t->open_timers++;
    }
    return t;
}

/* --- ingest ----------------------------------------------------------------- */

static void ingest_work(pd_work *w)
{
    ingest_job *j = (ingest_job *)w;
    j->rc = pd_ingest(&j->in, &j->out, &j->err);
}

static void ingest_done(pd_work *w, int status)
{
    ingest_job *j = (ingest_job *)w;
    pd_collector *c = j->s->t->c;
    if (status < 0 && j->rc == 0)
        j->rc = pd_errf(&j->err, status, "%s", uv_strerror(status));
    j->done(j->s, j->rc, &j->out, &j->err, j->body, j->len);
    pd_ingest_out_free(&j->out);
    free(j);
    maybe_finish_stop(c);
}

void pd_collector_ingest(slot *s, uint8_t *body, size_t len, pd_profile_kind kind,
                         const uint8_t *prev, size_t prev_len, pd_collector_ingested_fn done)
{
    pd_collector *c = s->t->c;
    ingest_job *j = pd_xcalloc(1, sizeof(*j));
    j->s = s;
    j->body = body;
    j->len = len;
    j->in = (pd_ingest_in){body, len, c->cfg->limits.max_profile_bytes, kind, prev, prev_len};
    j->done = done;
    int rc = pd_workq_submit(&c->ingest, &j->work, ingest_work, ingest_done);
    if (rc < 0) {
        j->rc = pd_errf(&j->err, rc, "ingest: %s", uv_strerror(rc));
        done(s, j->rc, &j->out, &j->err, body, len);
        free(j);
    }
}

/* A scheduled scrape's profile is decoded: store it, keep the baseline. */
static void slot_ingested(slot *s, int rc, pd_ingest_out *out, const pd_err *err, uint8_t *body,
                          size_t len)
{
    tstate *t = s->t;
    pd_collector *c = t->c;
    s->busy = false;
    if (rc < 0) {
        s->failed++;
        s->last_reason = "invalid_profile";
        pd_collector_count(c, s, "invalid_profile", -1, 0, err->msg);
        pd_log_warn("scrape failed",
                    "job=%s instance=%s type=%s reason=invalid_profile error=\"%s\"", t->job,
                    instance_of(t), s->name, err->msg);
        free(body);
    } else {
        s->ok++;
        s->last_reason = "ok";
        s->last_ok_wall_ms = pd_collector_wall_ms();
        if (out->restarted)
            pd_log_info("target restarted", "job=%s instance=%s type=%s", t->job, instance_of(t),
                        s->name);
        if (pd_kind_has_cumulative(s->kind)) {
            free(s->prev);
            /* The next delta starts here. Kept for every cumulative series,
             * so trimmed to its size (the receive buffer grew by doubling). */
            s->prev = pd_xrealloc(body, len ? len : 1);
            s->prev_len = len;
        } else {
            free(body);
        }
        if (out->store) /* also the last scrape of a target just removed */
            pd_writer_add(c->writer, &s->series, &out->p);
    }
    t->refs--;
    tstate_release(t);
}

/* --- fetching --------------------------------------------------------------- */

static void on_fetched(void *ctx, pd_fetch_result *res)
{
    slot *s = ctx;
    tstate *t = s->t;
    pd_collector *c = t->c;
    c->in_flight--;
    flight_mark(c, s, false);
    if (s->cap != NULL) {
        t->refs--;                        /* the fetch's; the capture slot holds its own */
        pd_capture_fetched(s, res, NULL); /* takes the slot */
        pump(c);
        maybe_finish_stop(c);
        return;
    }
    int64_t now = (int64_t)uv_now(c->loop);
    pd_collector_count(c, s, res->reason, res->duration_ms, res->bytes, res->message);
    if (strcmp(res->reason, "ok") == 0) {
        s->failures = 0;
        s->retry_at_ms = 0;
        uint8_t *body = res->body;
        res->body = NULL;
        pd_collector_ingest(s, body, res->len, s->kind, s->prev, s->prev_len, slot_ingested);
        pump(c);
        return; /* the slot stays busy until ingest is done */
    } else {
        s->failed++;
        s->last_reason = res->reason;
        s->failures++;
        pd_log_warn("scrape failed",
                    "job=%s instance=%s type=%s reason=%s duration_ms=%lld bytes=%zu error=\"%s\"",
                    t->job, instance_of(t), s->name, res->reason, (long long)res->duration_ms,
                    res->bytes, res->message);
        if (res->retry_after_ms >= 0)
            s->not_before_ms = now + res->retry_after_ms;
        /* Go refuses a second CPU profile: that is this capture failing, not
         * a target to hammer; everything else backs off exponentially. */
        if (strcmp(res->reason, "cpu_in_use") != 0 && strcmp(res->reason, "aborted") != 0 &&
            !t->retired && !c->stopping) {
            s->retry_at_ms = now + pd_sched_backoff(s->failures, s->interval_ms);
            arm(s);
        }
    }
    free(res->body);
    res->body = NULL;
    s->busy = false;
    t->refs--;
    pump(c);
    tstate_release(t);
    maybe_finish_stop(c);
}

static void start_fetch(slot *s)
{
    tstate *t = s->t;
    pd_collector *c = t->c;
    pd_fetch_opts o = {0};
    o.url = s->url;
    o.timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : t->timeout_ms;
    o.max_body = (size_t)c->cfg->limits.max_profile_bytes;
    /* A stalled target is cut off; one that profiles for N seconds sends
     * nothing until then, so its window starts after those. */
    o.low_speed_window_s = 10 + s->seconds;
    o.low_speed_bytes = 1;
    o.bearer_token = t->bearer;
    o.basic_user = t->basic_user;
    o.basic_password = t->basic_password;
    o.ca_file = t->ca_file;
    o.cert_file = t->cert_file;
    o.key_file = t->key_file;
    o.insecure_skip_verify = t->insecure;
    pd_err err = {{0}};
    int rc = pd_fetch_start(c->fetcher, &o, on_fetched, s, &err);
    if (rc < 0 && s->cap != NULL) {
        pd_capture_fetched(s, NULL, err.msg);
        return;
    }
    if (rc < 0) {
        s->failed++;
        s->last_reason = "error";
        pd_log_warn("scrape failed", "job=%s instance=%s type=%s reason=error error=\"%s\"", t->job,
                    instance_of(t), s->name, err.msg);
        return;
    }
    s->busy = true;
    s->last_scrape_wall_ms = pd_collector_wall_ms();
    t->refs++;
    c->in_flight++;
    flight_mark(c, s, true);
    pd_log(PD_LOG_DEBUG, "scrape", "job=%s instance=%s type=%s lag_ms=%lld", t->job, instance_of(t),
           s->name, (long long)((int64_t)uv_now(c->loop) - s->tick_ms));
}

/* Starts waiting scrapes while transfers are free. */
static void pump(pd_collector *c)
{
    size_t tries = c->qlen;
    while (c->qlen > 0 && tries-- > 0 && c->in_flight < c->cfg->limits.max_concurrent_scrapes &&
           !c->stopping) {
        slot *s = c->queue[c->qhead];
        c->qhead = (c->qhead + 1) % c->qcap;
        c->qlen--;
        s->queued = false;
        if (s->cap != NULL && s->t->retired) {
            pd_capture_fetched(s, NULL, "target removed");
            continue;
        }
        if (s->t->retired || s->busy)
            continue;
        if (in_flight(c, s)) { /* back in line behind the running request */
            s->queued = true;
            c->queue[(c->qhead + c->qlen) % c->qcap] = s;
            c->qlen++;
            continue;
        }
        start_fetch(s);
    }
}

static void enqueue(pd_collector *c, slot *s)
{
    if (c->qlen == c->qcap) {
        size_t cap = c->qcap ? c->qcap * 2 : 64;
        slot **q = pd_xcalloc(cap, sizeof(slot *));
        for (size_t i = 0; i < c->qlen; i++)
            q[i] = c->queue[(c->qhead + i) % c->qcap];
        free(c->queue);
        c->queue = q;
        c->qhead = 0;
        c->qcap = cap;
    }
    c->queue[(c->qhead + c->qlen) % c->qcap] = s;
    c->qlen++;
    s->queued = true;
}

void pd_collector_attempt_capture(slot *s)
{
    pd_collector *c = s->t->c;
    s->tick_ms = (int64_t)uv_now(c->loop);
    if (c->stopping || s->t->retired)
        pd_capture_fetched(s, NULL, c->stopping ? "daemon stopping" : "target removed");
    else if (c->in_flight >= c->cfg->limits.max_concurrent_scrapes || in_flight(c, s))
        enqueue(c, s); /* behind the running request of that process and type */
    else
        start_fetch(s);
}

void pd_collector_unref(tstate *t)
{
    t->refs--;
    tstate_release(t);
}

/* --- the schedule ----------------------------------------------------------- */

/* `tick` is the schedule tick (or retry time) this attempt answers. */
static void attempt(slot *s, int64_t tick)
{
    pd_collector *c = s->t->c;
    int64_t now = (int64_t)uv_now(c->loop);
    if (s->busy || s->queued) {
        s->skipped++; /* the last scrape still runs: this tick is skipped */
        pd_log(PD_LOG_DEBUG, "tick skipped", "job=%s instance=%s type=%s", s->t->job,
               instance_of(s->t), s->name);
        return;
    }
    if (now < s->not_before_ms)
        return;        /* the target asked us to wait (Retry-After) */
    s->tick_ms = tick; /* the lag is counted from here, queued or not */
    if (c->in_flight >= c->cfg->limits.max_concurrent_scrapes || in_flight(c, s))
        enqueue(c, s);
    else
        start_fetch(s);
}

static void on_tick(uv_timer_t *timer)
{
    slot *s = timer->data;
    pd_collector *c = s->t->c;
    if (c->stopping || s->t->retired)
        return;
    int64_t now = (int64_t)uv_now(c->loop);
    /* A regular tick moves the schedule on (counting ticks missed while the
     * loop was held up); a back-off retry before it leaves it alone. */
    int64_t tick = now;
    if (now >= s->due_ms) {
        tick = s->due_ms;
        s->due_ms = pd_sched_next_due(s->due_ms, s->interval_ms, now, &s->skipped);
    }
    s->retry_at_ms = 0;
    attempt(s, tick);
    arm(s);
}

static void arm(slot *s)
{
    pd_collector *c = s->t->c;
    int64_t now = (int64_t)uv_now(c->loop);
    int64_t at = s->due_ms;
    if (s->retry_at_ms != 0 && s->retry_at_ms < at)
        at = s->retry_at_ms;
    uv_timer_start(&s->timer, on_tick, (uint64_t)(at > now ? at - now : 0), 0);
}

/* The first tick is due at the slot's phase. */
static void schedule_first(slot *s)
{
    pd_collector *c = s->t->c;
    char seed[512];
    int n = snprintf(seed, sizeof(seed), "%llx/%s", (unsigned long long)s->t->tg.hash, s->name);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(seed) ? (size_t)n : sizeof(seed) - 1;
    int64_t offset = pd_sched_offset(pd_hash_bytes(seed, len), s->interval_ms);
    int64_t first = pd_sched_first_due((int64_t)uv_now(c->loop), pd_collector_wall_ms(), offset,
                                       s->interval_ms);
    s->due_ms = first;
    arm(s);
}

/* --- building, reloading, stopping ------------------------------------------ */

/* A job's groups: its static ones and those its file_sd files hold now. A
 * file that cannot be read or parsed is logged and left out. The static
 * groups are shared, not copied: only `loaded` is freed by the caller. */
static pd_target_group *job_groups(const pd_job *job, pd_group_list *loaded, size_t *n)
{
    memset(loaded, 0, sizeof(*loaded));
    for (size_t i = 0; i < job->nfile_sd_configs; i++) {
        const pd_file_sd_cfg *sd = &job->file_sd_configs[i];
        char **paths = NULL;
        size_t npaths = 0;
        pd_err err = {{0}};
        if (pd_file_sd_glob((const char *const *)sd->files, sd->nfiles, &paths, &npaths, &err) <
            0) {
            pd_log_warn("file_sd failed", "job=%s error=\"%s\"", job->name, err.msg);
            continue;
        }
        for (size_t k = 0; k < npaths; k++) {
            pd_group_list one = {0};
            pd_err_clear(&err);
            if (pd_file_sd_load(paths[k], &one, &err) < 0) {
                pd_log_warn("file_sd failed", "job=%s file=%s error=\"%s\"", job->name, paths[k],
                            err.msg);
                continue;
            }
            pd_xgrow((void **)&loaded->v, &loaded->cap, loaded->n + one.n, sizeof(pd_target_group));
            memcpy(loaded->v + loaded->n, one.v, sizeof(pd_target_group) * one.n);
            loaded->n += one.n;
            free(one.v); /* the groups themselves moved into `loaded` */
        }
        pd_file_sd_paths_free(paths, npaths);
    }
    *n = job->nstatic_configs + loaded->n;
    pd_target_group *all = pd_xcalloc(*n + 1, sizeof(pd_target_group));
    if (job->nstatic_configs > 0)
        memcpy(all, job->static_configs, sizeof(pd_target_group) * job->nstatic_configs);
    if (loaded->n > 0)
        memcpy(all + job->nstatic_configs, loaded->v, sizeof(pd_target_group) * loaded->n);
    return all;
}

/* --- targets registered over the API --------------------------------------- */

/* The target registration r makes under cfg: its job (configured, or *own
 * with defaults, freed by the caller) and its final labels in *list. */
static int reg_build(const pd_config *cfg, const pd_reg_target *r, const pd_job **job, pd_job **own,
                     pd_target_list *list, pd_err *err)
{
    *own = NULL;
    *job = pd_config_job(cfg, r->job);
    if (*job == NULL)
        *job = *own = pd_job_default(cfg, r->job);
    const pd_job *jb = *job;
    int64_t interval = r->interval_ms > 0 ? r->interval_ms : jb->scrape_interval_ms;
    size_t enabled = 0;
    for (size_t i = 0; i < jb->nprofiles; i++) {
        const pd_profile_cfg *p = &jb->profiles[i];
        if (!profile_on(p, r))
            continue;
        enabled++;
        if (!p->seconds_set) {
            /* derived from the interval (tstate_new), so it fits, if any fits */
            if (p->kind == PD_PROFILE_WINDOW &&
                pd_profile_seconds(p, pd_job_seconds_bound(jb, interval)) == 0)
                return pd_errf(err, -EINVAL,
                               "scrape_interval: the %s profile needs at least 2s "
                               "(a whole second of profiling, then time to answer)",
                               p->name);
            continue;
        }
        if (p->seconds * 1000 >= interval)
            return pd_errf(err, -EINVAL,
                           "scrape_interval: must be longer than the %s profile's %lld seconds",
                           p->name, (long long)p->seconds);
        /* The job's explicit timeout is kept (tstate_new): a profile the job
         * itself leaves off must fit in it too, as the config's would. */
        if (jb->scrape_timeout_set && p->seconds * 1000 >= jb->scrape_timeout_ms)
            return pd_errf(err, -EINVAL,
                           "profiles: the %s profile's %lld seconds do not fit in job %s's "
                           "scrape_timeout of %lld ms",
                           p->name, (long long)p->seconds, jb->name,
                           (long long)jb->scrape_timeout_ms);
    }
    const char *p = r->profiles;
    char name[64];
    while (pd_reg_next_profile(&p, name, sizeof(name)))
        if (pd_job_profile(jb, name) == NULL)
            return pd_errf(err, -EINVAL, "profiles: job %s has no profile \"%s\"", jb->name, name);
    if (enabled == 0)
        return pd_errf(err, -EINVAL, "profiles: none enabled");
    char *addr = r->address;
    pd_target_group g = {&addr, 1, r->labels, (char *)"api"};
    int rc = pd_targets_build(cfg, jb, &g, 1, list, err);
    if (rc == 0 && list->n == 0)
        rc = pd_errf(err, -EINVAL, "labels: the job's relabel_configs drop this target");
    /* Room for type, and for a capture's trigger and reason or alertname. */
    if (rc == 0 && list->v[0].labels.n + 3 > PD_STORE_MAX_LABELS)
        rc = pd_errf(err, -EINVAL,
                     "labels: %zu with job, instance and the external labels; at most %d "
                     "(profiles add type, captures trigger and reason)",
                     list->v[0].labels.n, PD_STORE_MAX_LABELS - 3);
    return rc;
}

/* A registered target, ready to schedule; NULL (err set) if it cannot be. */
static tstate *reg_tstate(pd_collector *c, const pd_config *cfg, const pd_reg_target *r,
                          pd_err *err)
{
    const pd_job *job = NULL;
    pd_job *own = NULL;
    pd_target_list list = {0};
    tstate *t = NULL;
    if (reg_build(cfg, r, &job, &own, &list, err) == 0)
        t = tstate_new(c, cfg, job, &list.v[0], r, err);
    pd_target_list_free(&list);
    pd_job_free(own);
    return t;
}

int pd_collector_reg_check(pd_collector *c, const pd_reg_target *r, int64_t except_id, pd_err *err)
{
    const pd_job *job = NULL;
    pd_job *own = NULL;
    pd_target_list list = {0};
    int rc = reg_build(c->cfg, r, &job, &own, &list, err);
    for (size_t i = 0; rc == 0 && i < c->ntargets; i++) {
        const tstate *t = c->targets[i];
        if (except_id > 0 && t->reg_id == except_id)
            continue;
        if (strcmp(t->job, job->name) == 0 &&
            strcmp(instance_of(t), pd_labels_get(&list.v[0].labels, "instance")) == 0) {
            char id[32];
            pd_collector_target_id(t, id, sizeof(id));
            rc = pd_errf(err, -EEXIST, "job %s already has instance %s (target %s)", t->job,
                         instance_of(t), id);
        }
    }
    pd_target_list_free(&list);
    pd_job_free(own);
    return rc;
}

static size_t target_index(const pd_collector *c, int64_t reg_id)
{
    for (size_t i = 0; i < c->ntargets; i++)
        if (c->targets[i]->reg_id == reg_id)
            return i;
    return SIZE_MAX;
}

/* Slot s replaces o (same process and profile): it keeps o's delta
 * baseline, unless a scrape of o is still in flight (its result would be
 * measured against a moved baseline), and o's counters and health. o's
 * skipped ticks move with them, so they are counted once. */
static void inherit(slot *s, slot *o)
{
    if (!o->busy) {
        s->prev = o->prev;
        s->prev_len = o->prev_len;
        o->prev = NULL;
    }
    s->ok = o->ok;
    s->failed = o->failed;
    s->skipped = o->skipped;
    o->skipped = 0;
    s->last_reason = o->last_reason;
    memcpy(s->last_error, o->last_error, sizeof(s->last_error));
    s->last_scrape_wall_ms = o->last_scrape_wall_ms;
    s->last_ok_wall_ms = o->last_ok_wall_ms;
    s->last_duration_ms = o->last_duration_ms;
}

/* The new target takes over from the old one what is the same process's:
 * delta baselines and counters, and the schedule of each profile it keeps. */
static void take_over(tstate *t, tstate *old)
{
    for (size_t k = 0; k < t->nslots; k++) {
        slot *s = &t->slots[k];
        slot *o = NULL;
        for (size_t i = 0; old != NULL && i < old->nslots && o == NULL; i++)
            if (strcmp(old->slots[i].name, s->name) == 0 &&
                old->slots[i].interval_ms == s->interval_ms)
                o = &old->slots[i];
        if (o == NULL) {
            schedule_first(s);
            continue;
        }
        inherit(s, o);
        /* The next tick of the old schedule: a scrape of the old target
         * still in flight ends before it. */
        s->due_ms = o->due_ms;
        arm(s);
    }
}

int pd_collector_reg_set(pd_collector *c, const pd_reg_target *r, pd_err *err)
{
    /* The registration is kept even when it does not fit the config now
     * (a reload may make it fit); its target is then left out. */
    size_t k = 0;
    while (k < c->nregs && c->regs[k].id != r->id)
        k++;
    if (k == c->nregs)
        pd_xgrow((void **)&c->regs, &c->capregs, ++c->nregs, sizeof(pd_reg_target));
    else
        pd_reg_target_free(&c->regs[k]);
    pd_reg_target_copy(&c->regs[k], r);
    tstate *t = reg_tstate(c, c->cfg, r, err);
    size_t i = target_index(c, r->id);
    tstate *old = i != SIZE_MAX ? c->targets[i] : NULL;
    if (t == NULL) {
        if (old != NULL) {
            tstate_retire(old);
            c->targets[i] = c->targets[--c->ntargets];
        }
        return -EINVAL;
    }
    take_over(t, old);
    if (old != NULL) {
        tstate_retire(old);
        c->targets[i] = t;
    } else {
        pd_xgrow((void **)&c->targets, &c->captargets, c->ntargets + 1, sizeof(tstate *));
        c->targets[c->ntargets++] = t;
    }
    return 0;
}

int pd_collector_reg_remove(pd_collector *c, int64_t id)
{
    size_t k = 0;
    while (k < c->nregs && c->regs[k].id != id)
        k++;
    if (k == c->nregs)
        return -ENOENT;
    pd_reg_target_free(&c->regs[k]);
    c->regs[k] = c->regs[--c->nregs];
    size_t i = target_index(c, id);
    if (i != SIZE_MAX) {
        tstate_retire(c->targets[i]);
        c->targets[i] = c->targets[--c->ntargets];
    }
    return 0;
}

const pd_reg_target *pd_collector_reg_get(const pd_collector *c, int64_t id)
{
    for (size_t k = 0; k < c->nregs; k++)
        if (c->regs[k].id == id)
            return &c->regs[k];
    return NULL;
}

bool pd_collector_reg_changing(pd_collector *c, int64_t id, bool changing)
{
    for (size_t k = 0; k < c->nregs; k++)
        if (c->regs[k].id == id) {
            if (changing && c->regs[k].changing)
                return false;
            c->regs[k].changing = changing;
            return true;
        }
    return false;
}

bool pd_collector_is_configured(const pd_collector *c, const char *id)
{
    char buf[32];
    for (size_t i = 0; i < c->ntargets; i++) {
        if (c->targets[i]->reg_id != 0)
            continue;
        pd_collector_target_id(c->targets[i], buf, sizeof(buf));
        if (strcmp(buf, id) == 0)
            return true;
    }
    return false;
}

static int build_targets(pd_collector *c, const pd_config *cfg, tstate ***out, size_t *nout,
                         pd_err *err)
{
    tstate **v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t j = 0; j < cfg->njobs && rc == 0; j++) {
        pd_group_list loaded;
        size_t ngroups = 0;
        pd_target_group *groups = job_groups(&cfg->jobs[j], &loaded, &ngroups);
        pd_target_list list = {0};
        rc = pd_targets_build(cfg, &cfg->jobs[j], groups, ngroups, &list, err);
        free(groups);
        pd_group_list_free(&loaded);
        for (size_t i = 0; i < list.n && rc == 0; i++) {
            tstate *t = tstate_new(c, cfg, &cfg->jobs[j], &list.v[i], NULL, err);
            if (t == NULL) {
                rc = -EIO;
                break;
            }
            pd_xgrow((void **)&v, &cap, n + 1, sizeof(tstate *));
            v[n++] = t;
        }
        pd_target_list_free(&list);
    }
    /* Registrations that no longer fit the config are logged, kept in the
     * database, and left out until they fit again. */
    for (size_t k = 0; k < c->nregs && rc == 0; k++) {
        pd_err rerr = {{0}};
        tstate *t = reg_tstate(c, cfg, &c->regs[k], &rerr);
        if (t == NULL) {
            pd_log_warn("registered target left out", "id=%lld error=\"%s\"",
                        (long long)c->regs[k].id, rerr.msg);
            continue;
        }
        pd_xgrow((void **)&v, &cap, n + 1, sizeof(tstate *));
        v[n++] = t;
    }
    if (rc < 0) {
        for (size_t i = 0; i < n; i++) {
            v[i]->retired = true;
            pd_xgrow((void **)&c->retired, &c->capretired, c->nretired + 1, sizeof(tstate *));
            c->retired[c->nretired++] = v[i];
            for (size_t k = 0; k < v[i]->nslots; k++)
                uv_close((uv_handle_t *)&v[i]->slots[k].timer, on_timer_closed);
        }
        free(v);
        return rc;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* A fingerprint of every file_sd file: names, sizes and modification times.
 * Polled: a few stat calls every few seconds cost nothing next to a scrape,
 * and work the same for files replaced by rename as for files edited. */
static uint64_t sd_fingerprint(const pd_config *cfg, bool *any)
{
    uint64_t h = 0;
    *any = false;
    for (size_t j = 0; j < cfg->njobs; j++) {
        const pd_job *job = &cfg->jobs[j];
        for (size_t i = 0; i < job->nfile_sd_configs; i++) {
            const pd_file_sd_cfg *sd = &job->file_sd_configs[i];
            char **paths = NULL;
            size_t npaths = 0;
            *any = true;
            if (pd_file_sd_glob((const char *const *)sd->files, sd->nfiles, &paths, &npaths, NULL) <
                0)
                continue;
            for (size_t k = 0; k < npaths; k++) {
                struct stat st;
                uint64_t v[3] = {0, 0, 0};
                if (stat(paths[k], &st) == 0) {
                    v[0] = (uint64_t)st.st_size;
                    v[1] = (uint64_t)st.st_mtim.tv_sec;
                    v[2] = (uint64_t)st.st_mtim.tv_nsec;
                }
                /* Order matters (a rename changes the list): chain the hashes. */
                h = pd_hash_bytes(paths[k], strlen(paths[k])) ^ (h * 31);
                h = pd_hash_bytes(v, sizeof(v)) ^ (h * 31);
            }
            pd_file_sd_paths_free(paths, npaths);
        }
    }
    return h;
}

static void on_sd_poll(uv_timer_t *timer)
{
    pd_collector *c = timer->data;
    if (c->stopping)
        return;
    bool any;
    uint64_t fp = sd_fingerprint(c->cfg, &any);
    if (fp == c->sd_fp)
        return;
    pd_err err = {{0}};
    pd_log_info("file_sd changed", NULL);
    if (pd_collector_reload(c, c->cfg, &err) < 0)
        pd_log_error("file_sd reload failed", "error=\"%s\"", err.msg);
}

static slot *find_slot(tstate **v, size_t n, const pd_labels *series)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i]->nslots; k++)
            if (pd_labels_equal(&v[i]->slots[k].series, series))
                return &v[i]->slots[k];
    return NULL;
}

int pd_collector_start(uv_loop_t *loop, const pd_config *cfg, pd_writer *writer, pd_collector **out,
                       pd_err *err)
{
    *out = NULL;
    pd_collector *c = pd_xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->cfg = cfg;
    c->writer = writer;
    /* Unbounded waiting: each scheduled slot and capture item has at most
     * one ingest, so the slots bound it. */
    pd_workq_init(&c->ingest, loop, pd_ingest_threads(), PD_WORKQ_UNBOUNDED);
    pd_collector_status_init(c);
    int rc = pd_fetcher_new(loop, &c->fetcher, err);
    if (rc < 0) {
        free(c);
        return rc;
    }
    uv_timer_init(loop, &c->grace);
    c->grace.data = c;
    uv_timer_init(loop, &c->sd_poll);
    c->sd_poll.data = c;
    c->open_own = 2;
    bool any_sd = false;
    c->sd_fp = sd_fingerprint(cfg, &any_sd);
    if (any_sd)
        uv_timer_start(&c->sd_poll, on_sd_poll, SD_POLL_MS, SD_POLL_MS);
    rc = build_targets(c, cfg, &c->targets, &c->ntargets, err);
    c->captargets = c->ntargets;
    if (rc < 0) {
        /* Nothing was scheduled: stop at once. */
        pd_collector_stop(c, 0, NULL, NULL);
        return rc;
    }
    size_t nslots = 0;
    for (size_t i = 0; i < c->ntargets; i++)
        for (size_t k = 0; k < c->targets[i]->nslots; k++, nslots++)
            schedule_first(&c->targets[i]->slots[k]);
    pd_log_info("collector started", "targets=%zu scrapes=%zu", c->ntargets, nslots);
    *out = c;
    return 0;
}

int pd_collector_reload(pd_collector *c, const pd_config *cfg, pd_err *err)
{
    tstate **v = NULL;
    size_t n = 0;
    int rc = build_targets(c, cfg, &v, &n, err);
    if (rc < 0)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i]->nslots; k++) {
            slot *s = &v[i]->slots[k];
            slot *old = find_slot(c->targets, c->ntargets, &s->series);
            if (old != NULL) { /* same series: keep the baseline and the health */
                inherit(s, old);
                kept++;
            }
            schedule_first(s);
        }
    }
    for (size_t i = 0; i < c->ntargets; i++)
        tstate_retire(c->targets[i]);
    free(c->targets);
    c->targets = v;
    c->ntargets = c->captargets = n;
    c->cfg = cfg;
    bool any_sd = false;
    c->sd_fp = sd_fingerprint(cfg, &any_sd);
    if (any_sd && !uv_is_active((uv_handle_t *)&c->sd_poll))
        uv_timer_start(&c->sd_poll, on_sd_poll, SD_POLL_MS, SD_POLL_MS);
    else if (!any_sd)
        uv_timer_stop(&c->sd_poll);
    pd_log_info("collector reloaded", "targets=%zu series_kept=%zu", n, kept);
    return 0;
}

static void on_grace(uv_timer_t *t)
{
    pd_collector *c = t->data;
    if (c->in_flight > 0)
        pd_log_warn("aborting scrapes", "in_flight=%zu", c->in_flight);
    pd_fetcher_abort_all(c->fetcher);
}

static void on_own_closed(uv_handle_t *h)
{
    pd_collector *c = h->data;
    if (--c->open_own > 0)
        return;
    void (*done)(void *) = c->done;
    void *arg = c->done_arg;
    free(c->queue);
    free(c->retired);
    free(c->flying); /* empty: every scrape has ended */
    for (size_t k = 0; k < c->nregs; k++)
        pd_reg_target_free(&c->regs[k]);
    free(c->regs);
    free(c);
    if (done)
        done(arg);
}

/* When stopping and nothing runs any more: close what is left. */
static void maybe_finish_stop(pd_collector *c)
{
    if (!c->stopping || c->in_flight > 0 || pd_workq_running(&c->ingest) > 0 ||
        pd_workq_waiting(&c->ingest) > 0 || c->nretired > 0 || c->fetcher == NULL)
        return;
    pd_fetcher_close(c->fetcher);
    c->fetcher = NULL;
    uv_close((uv_handle_t *)&c->grace, on_own_closed);
    uv_close((uv_handle_t *)&c->sd_poll, on_own_closed);
}

void pd_collector_stop(pd_collector *c, int64_t grace_ms, void (*done)(void *arg), void *arg)
{
    c->stopping = true;
    uv_timer_stop(&c->sd_poll);
    c->done = done;
    c->done_arg = arg;
    /* Captures waiting for a transfer will not get one. */
    while (c->qlen > 0) {
        slot *s = c->queue[c->qhead];
        c->qhead = (c->qhead + 1) % c->qcap;
        c->qlen--;
        s->queued = false;
        if (s->cap != NULL)
            pd_capture_fetched(s, NULL, "daemon stopping");
    }
    for (size_t i = 0; i < c->ntargets; i++)
        tstate_retire(c->targets[i]);
    free(c->targets);
    c->targets = NULL;
    c->ntargets = c->captargets = 0;
    if (c->in_flight > 0)
        uv_timer_start(&c->grace, on_grace, (uint64_t)(grace_ms > 0 ? grace_ms : 0), 0);
    maybe_finish_stop(c);
}
