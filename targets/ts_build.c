/* Building targets: from a job and its relabeled target, or from a
 * registration under the config; their scrape settings and slots. */
#include "ts_int.h"

#include "pd_file.h"
#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"
#include "pd_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ts_instance(const pd_ttarget *t)
{
    const char *i = pd_labels_get(&t->tg.labels, "instance");
    return i ? i : t->tg.address;
}

char *pd_ttarget_url(const pd_ttarget *t, const char *path, int64_t seconds)
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

/* A string t owns (freed with it), or NULL for none. */
static const char *own(pd_ttarget *t, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return NULL;
    for (size_t i = 0; i < sizeof(t->owned) / sizeof(t->owned[0]); i++)
        if (t->owned[i] == NULL)
            return t->owned[i] = pd_xstrdup(s);
    abort(); /* more strings than owned[] holds: a bug */
}

static void on_slot_fetched(pd_scrape_slot *sc, pd_fetch_result *res, const char *why);

static void slot_init(pd_ttarget *t, pd_tslot *s, const pd_profile_cfg *p, int64_t interval_ms)
{
    s->t = t;
    s->name = pd_xstrdup(p->name);
    s->kind = p->kind;
    s->server_delta = p->server_delta;
    s->url = pd_ttarget_url(t, p->path, p->seconds);
    pd_labels_copy(&s->series, &t->tg.labels);
    pd_labels_set(&s->series, "type", p->name);
    char seed[512];
    int n = snprintf(seed, sizeof(seed), "%llx/%s", (unsigned long long)t->tg.hash, s->name);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(seed) ? (size_t)n : sizeof(seed) - 1;
    s->sc = (pd_scrape_slot){0};
    s->sc.target = &t->st;
    s->sc.type = s->name;
    s->sc.url = s->url;
    s->sc.seconds = p->seconds;
    s->sc.interval_ms = interval_ms;
    s->sc.phase_seed = pd_hash_bytes(seed, len);
    s->sc.fetched = on_slot_fetched;
    s->sc.data = s;
}

/* The engine hands over a scheduled slot's body. */
static void on_slot_fetched(pd_scrape_slot *sc, pd_fetch_result *res, const char *why)
{
    (void)why; /* scheduled slots are only told of bodies */
    pd_tslot *s = sc->data;
    pd_ttarget *t = s->t;
    t->refs++; /* until pd_tslot_done */
    t->set->body(t->set->ctx, s, res);
}

/* How long a target's scrapes may take and how its profiles' seconds fall,
 * for a registration with its own interval or profiles. */
static void reg_timing(const pd_config *cfg, const pd_job *job, const pd_reg_target *reg,
                       pd_ttarget *t, int64_t *interval_ms, int64_t *bound_ms)
{
    if (reg->interval_ms > 0)
        *interval_ms = reg->interval_ms;
    *bound_ms = pd_job_seconds_bound(job, *interval_ms);
    int64_t max_seconds = 0;
    for (size_t i = 0; i < job->nprofiles; i++) {
        int64_t secs = pd_profile_seconds(&job->profiles[i], *bound_ms);
        if (profile_on(&job->profiles[i], reg) && secs > max_seconds)
            max_seconds = secs;
    }
    /* A registration with its own interval or profiles keeps the job's
     * explicit timeout (capped by its interval); a derived one is derived
     * again from the profiles it asks for. */
    if (job->scrape_timeout_set)
        t->st.timeout_ms =
            job->scrape_timeout_ms < *interval_ms ? job->scrape_timeout_ms : *interval_ms;
    else if (reg->interval_ms > 0 || (reg->profiles && reg->profiles[0]))
        t->st.timeout_ms = pd_job_timeout_ms(cfg, *interval_ms, max_seconds);
}

pd_ttarget *ts_target_new(pd_tset *ts, const pd_config *cfg, const pd_job *job, const pd_target *tg,
                          const pd_reg_target *reg, pd_err *err)
{
    pd_ttarget *t = pd_xcalloc(1, sizeof(*t));
    t->set = ts;
    pd_labels_copy(&t->tg.labels, &tg->labels);
    t->tg.address = pd_xstrdup(tg->address);
    t->tg.scheme = pd_xstrdup(tg->scheme);
    t->tg.path_prefix = pd_xstrdup(tg->path_prefix ? tg->path_prefix : "");
    t->tg.hash = tg->hash;
    t->job = pd_xstrdup(job->name);
    t->reg_id = reg != NULL ? reg->id : 0;
    if (t->reg_id > 0)
        snprintf(t->id, sizeof(t->id), "%lld", (long long)t->reg_id);
    else
        snprintf(t->id, sizeof(t->id), "c%016llx", (unsigned long long)t->tg.hash);
    t->st.address = t->tg.address;
    t->st.job = t->job;
    t->st.instance = ts_instance(t);
    t->st.timeout_ms = job->scrape_timeout_ms;
    int64_t interval_ms = job->scrape_interval_ms;
    /* Seconds the config does not write follow this target's interval. */
    int64_t bound_ms = job->scrape_interval_ms;
    if (reg != NULL)
        reg_timing(cfg, job, reg, t, &interval_ms, &bound_ms);
    t->avail = pd_xcalloc(job->nprofiles + 1, sizeof(pd_profile_cfg));
    t->navail = job->nprofiles;
    for (size_t i = 0; i < job->nprofiles; i++) {
        t->avail[i] = job->profiles[i];
        t->avail[i].name = pd_xstrdup(job->profiles[i].name);
        t->avail[i].path = pd_xstrdup(job->profiles[i].path);
        if (reg != NULL)
            t->avail[i].seconds = pd_profile_seconds(&job->profiles[i], bound_ms);
    }
    t->st.basic_user = own(t, job->basic_auth.username);
    t->st.ca_file = own(t, job->tls.ca_file);
    t->st.cert_file = own(t, job->tls.cert_file);
    t->st.key_file = own(t, job->tls.key_file);
    t->st.insecure = job->tls.insecure_skip_verify;
    char *secret = NULL;
    int rc = pd_read_secret(job->bearer_token_file, &secret, err);
    t->st.bearer = own(t, secret);
    free(secret);
    secret = NULL;
    if (rc == 0)
        rc = pd_read_secret(job->basic_auth.password_file, &secret, err);
    t->st.basic_password = own(t, secret);
    free(secret);
    if (rc < 0) {
        ts_target_free(t);
        return NULL;
    }
    for (size_t i = 0; i < job->nprofiles; i++)
        t->nslots += profile_on(&job->profiles[i], reg);
    t->slots = pd_xcalloc(t->nslots + 1, sizeof(pd_tslot));
    size_t k = 0;
    for (size_t i = 0; i < job->nprofiles; i++)
        if (profile_on(&job->profiles[i], reg))
            slot_init(t, &t->slots[k++], &t->avail[i], interval_ms);
    t->open_slots = t->nslots;
    return t;
}

void ts_target_free(pd_ttarget *t)
{
    for (size_t i = 0; i < t->nslots; i++) {
        pd_tslot *s = &t->slots[i];
        free(s->name);
        free(s->url);
        pd_baseline_unref(s->prev);
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
    for (size_t i = 0; i < sizeof(t->owned) / sizeof(t->owned[0]); i++)
        free(t->owned[i]);
    free(t);
}

/* --- registrations ------------------------------------------------------------ */

/* Whether r's profiles fit job jb at the interval they would run at. */
static int reg_profiles_fit(const pd_job *jb, const pd_reg_target *r, pd_err *err)
{
    int64_t interval = r->interval_ms > 0 ? r->interval_ms : jb->scrape_interval_ms;
    size_t enabled = 0;
    for (size_t i = 0; i < jb->nprofiles; i++) {
        const pd_profile_cfg *p = &jb->profiles[i];
        if (!profile_on(p, r))
            continue;
        enabled++;
        if (!p->seconds_set) {
            /* derived from the interval (ts_target_new), so it fits, if any fits */
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
        /* The job's explicit timeout is kept (reg_timing): a profile the job
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
    return 0;
}

int ts_reg_build(const pd_config *cfg, const pd_reg_target *r, const pd_job **job, pd_job **own_job,
                 pd_target_list *list, pd_err *err)
{
    *own_job = NULL;
    *job = pd_config_job(cfg, r->job);
    if (*job == NULL)
        *job = *own_job = pd_job_default(cfg, r->job);
    int rc = reg_profiles_fit(*job, r, err);
    if (rc < 0)
        return rc;
    char *addr = r->address;
    pd_target_group g = {&addr, 1, r->labels, (char *)"api"};
    rc = pd_targets_build(cfg, *job, &g, 1, list, err);
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

pd_ttarget *ts_reg_target(pd_tset *ts, const pd_config *cfg, const pd_reg_target *r, pd_err *err)
{
    const pd_job *job = NULL;
    pd_job *own_job = NULL;
    pd_target_list list = {0};
    pd_ttarget *t = NULL;
    if (ts_reg_build(cfg, r, &job, &own_job, &list, err) == 0)
        t = ts_target_new(ts, cfg, job, &list.v[0], r, err);
    pd_target_list_free(&list);
    pd_job_free(own_job);
    return t;
}

/* --- the whole set ---------------------------------------------------------------- */

static void push(pd_ttarget ***v, size_t *n, size_t *cap, pd_ttarget *t)
{
    pd_xgrow((void **)v, cap, *n + 1, sizeof(pd_ttarget *));
    (*v)[(*n)++] = t;
}

/* Every window profile (cpu) holds a connection while its target
 * profiles, and all of a fleet's may run at once: a fleet the open-file
 * limit cannot hold is refused here, at start or reload, not met later as
 * failing scrapes. */
static int fits_open_files(pd_tset *ts, pd_ttarget **v, size_t n, pd_err *err)
{
    size_t windows = 0, fds = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i]->nslots; k++)
            windows += v[i]->slots[k].sc.seconds > 0;
    size_t room = pd_scraper_max_waiting(ts->sc, &fds);
    if (windows <= room)
        return 0;
    return pd_errf(err, -EMFILE,
                   "%zu scrapes of window profiles (cpu) may wait on their targets at once, each "
                   "with an open connection, but the open-file limit of %zu leaves room for %zu: "
                   "raise it to at least %zu (LimitNOFILE= in the systemd unit, ulimit -n), or "
                   "lower limits.max_concurrent_scrapes",
                   windows, fds, room, fds - room + windows);
}

int ts_build_all(pd_tset *ts, const pd_config *cfg, pd_ttarget ***out, size_t *nout, pd_err *err)
{
    pd_ttarget **v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t j = 0; j < cfg->njobs && rc == 0; j++) {
        pd_group_list loaded;
        size_t ngroups = 0;
        pd_target_group *groups = ts_job_groups(&cfg->jobs[j], &loaded, &ngroups);
        pd_target_list list = {0};
        rc = pd_targets_build(cfg, &cfg->jobs[j], groups, ngroups, &list, err);
        free(groups);
        pd_group_list_free(&loaded);
        for (size_t i = 0; i < list.n && rc == 0; i++) {
            pd_ttarget *t = ts_target_new(ts, cfg, &cfg->jobs[j], &list.v[i], NULL, err);
            if (t == NULL)
                rc = -EIO;
            else
                push(&v, &n, &cap, t);
        }
        pd_target_list_free(&list);
    }
    /* Registrations that no longer fit the config are logged, kept in the
     * database, and left out until they fit again. */
    for (size_t k = 0; k < ts->nregs && rc == 0; k++) {
        pd_err rerr = {{0}};
        pd_ttarget *t = ts_reg_target(ts, cfg, &ts->regs[k], &rerr);
        if (t == NULL) {
            pd_log_warn("registered target left out", "id=%lld error=\"%s\"",
                        (long long)ts->regs[k].id, rerr.msg);
            continue;
        }
        push(&v, &n, &cap, t);
    }
    if (rc == 0)
        rc = fits_open_files(ts, v, n, err);
    if (rc < 0) { /* nothing started: free them at once */
        for (size_t i = 0; i < n; i++)
            ts_target_free(v[i]);
        free(v);
        return rc;
    }
    *out = v;
    *nout = n;
    return 0;
}
