/* pprofd's configuration: YAML in the style of Prometheus, read
 * into one immutable struct with every default filled in and every value
 * validated. This is config/'s public header; it brings the label set,
 * relabeling and service-discovery types along.
 *
 * Errors read "FILE:LINE:COL: field.path: what is wrong", e.g.
 *   pprofd.yaml:12:22: scrape_configs[0].scrape_interval: invalid duration "5x"
 * Durations are milliseconds, sizes bytes. Strings are never NULL: "" means
 * unset. Relative file paths (token, password, TLS and file_sd files) are
 * resolved against the directory of the config file, as Prometheus does;
 * storage.path is left relative to the working directory. */
#ifndef PD_CONFIG_H
#define PD_CONFIG_H

#include "pd_err.h"
#include "pd_kind.h"
#include "pd_labels.h"
#include "pd_relabel.h"
#include "pd_sd.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_profile_cfg {
    char *name; /* "cpu", "heap", ... or a custom name */
    char *path; /* URL path after the job's path_prefix, e.g. "/debug/pprof/profile" */
    bool enabled;
    bool custom;      /* not one of Go's seven */
    int64_t seconds;  /* ?seconds=N; 0 = none. cpu's, unless written, is derived: */
    bool seconds_set; /* written in the config (else pd_default_seconds of the job) */
    pd_profile_kind kind;
    bool server_delta; /* godeltaprof: the path answers deltas (heap, allocs, block, mutex) */
} pd_profile_cfg;

/* The seconds of a window profile (cpu) whose config does not say, for a
 * target scraped every `bound_ms` (its interval, or its explicit
 * scrape_timeout if shorter): Go's default of 10, or 80% of a shorter
 * bound rounded down, so that one profile ends and its answer arrives
 * before the next begins; 0 under 2 s, where no whole second fits. */
int64_t pd_default_seconds(int64_t bound_ms);
/* The seconds p asks for on a target scraped every bound_ms: its written
 * seconds, none for a snapshot, else pd_default_seconds(bound_ms). */
int64_t pd_profile_seconds(const pd_profile_cfg *p, int64_t bound_ms);
/* Go's default for a window profile, where nothing bounds it (captures). */
#define PD_DEFAULT_SECONDS 10

typedef struct pd_file_sd_cfg {
    char **files; /* glob patterns */
    size_t nfiles;
    int64_t refresh_interval_ms; /* default 5m */
} pd_file_sd_cfg;

/* The most profile types one capture asks for (alerting.profiles, or the
 * `profiles` of POST /api/v1/capture). */
#define PD_CAPTURE_MAX_PROFILES 16
/* The longest window profile a capture takes (alerting.seconds, or the
 * `seconds` of POST /api/v1/capture). */
#define PD_CAPTURE_MAX_SECONDS 60

typedef struct pd_job {
    char *name;
    int64_t scrape_interval_ms;
    int64_t scrape_timeout_ms; /* resolved: never 0, never over the interval */
    bool scrape_timeout_set; /* from the job or global config, not derived from profiles' seconds */
    char *scheme;            /* "http" or "https" */
    char *path_prefix;
    char *bearer_token_file;
    struct {
        char *username;
        char *password_file;
    } basic_auth;
    struct {
        char *ca_file;
        char *cert_file;
        char *key_file;
        bool insecure_skip_verify;
    } tls;
    pd_target_group *static_configs;
    size_t nstatic_configs;
    pd_file_sd_cfg *file_sd_configs;
    size_t nfile_sd_configs;
    pd_relabel_rule *relabel_configs; /* compiled */
    size_t nrelabel_configs;
    pd_profile_cfg *profiles; /* Go's seven in a fixed order, then custom ones */
    size_t nprofiles;
} pd_job;

/* limits.max_query_profiles by default: the stored rows one query may read
 * (profiles, or rollups, each one row). About ten seconds of merging at the
 * most; a month of a 20-target job reads a few thousand rows from rollups,
 * a month's series at 1h some 230,000 when its range is not hour-aligned. */
#define PD_CONFIG_MAX_QUERY_ROWS 1000000

typedef struct pd_config {
    char *source; /* the name given to parse/load */
    struct {
        char *listen; /* host:port, default "127.0.0.1:7070" */
        char *auth_token_file;
    } server;
    struct {
        char *path;           /* default "./data/pprofd.db" */
        int64_t retention_ms; /* default 15d; 0 = keep forever */
        /* rollups of 5m, 1h, 1d (storage levels 1..3): default 90d, 1y,
         * 0 (forever); each at least its finer one's */
        int64_t rollup_retention_ms[3]; /* as pd_writer_opts takes them */
        uint64_t max_size;              /* 0 = unlimited */
    } storage;
    struct {
        uint32_t max_concurrent_scrapes; /* downloads at once, default 64: a CPU profile's
                                            wait on its target is not one */
        uint64_t max_profile_bytes;      /* default 64 MiB */
        struct {
            uint32_t count; /* default 3 */
            int64_t per_ms; /* default 10m */
        } capture_budget;
        uint64_t max_query_profiles; /* default PD_CONFIG_MAX_QUERY_ROWS */
    } limits;
    struct {
        int64_t scrape_interval_ms; /* default 60s */
        int64_t scrape_timeout_ms;  /* 0 = derived per job */
        pd_labels external_labels;
    } global;
    pd_job *jobs;
    size_t njobs;
    struct {
        char **profiles; /* default cpu, goroutine, heap; at most PD_CAPTURE_MAX_PROFILES */
        size_t nprofiles;
        char **match_labels; /* default instance, job */
        size_t nmatch_labels;
        int64_t seconds; /* of a window profile (cpu); 0 = the target's own */
    } alerting;
} pd_config;

/* Receives every error line, in order, while parsing goes on past the first
 * error where it safely can (check-config prints them all). */
typedef void pd_config_diag_fn(void *ud, const char *line);

/* Parses text[0..len); `name` is the file name used in messages and to
 * resolve relative paths. On success *out is a new config (free with
 * pd_config_free). On error returns -EINVAL (or -E2BIG/-ENOMEM), *out is
 * NULL and err holds the first error line. */
int pd_config_parse(const char *text, size_t len, const char *name, pd_config **out, pd_err *err);
/* The same with every error line also passed to diag (may be NULL). */
int pd_config_parse_diag(const char *text, size_t len, const char *name, pd_config **out,
                         pd_err *err, pd_config_diag_fn *diag, void *ud);
/* Reads `path` (at most 16 MiB) and parses it. */
int pd_config_load(const char *path, pd_config **out, pd_err *err);
int pd_config_load_diag(const char *path, pd_config **out, pd_err *err, pd_config_diag_fn *diag,
                        void *ud);
/* The built-in defaults: no jobs. Never fails. */
pd_config *pd_config_default(void);
void pd_config_free(pd_config *cfg);

const pd_job *pd_config_job(const pd_config *cfg, const char *name);
/* The job's config for profile `name`, or NULL if the job has no such profile. */
const pd_profile_cfg *pd_job_profile(const pd_job *job, const char *name);
/* The profile `name` among v[0..n), or NULL. */
const pd_profile_cfg *pd_profile_find(const pd_profile_cfg *v, size_t n, const char *name);
/* Whether `name` is one of Go's seven profiles or a custom one some job has. */
bool pd_config_profile_known(const pd_config *cfg, const char *name);

/* Calls fn for every file job's file_sd_configs match now, in order:
 * with its path, or with path NULL and glob_err when the patterns of
 * file_sd_configs[sd_index] cannot be expanded. */
typedef void (*pd_file_sd_fn)(void *ctx, size_t sd_index, const char *path, const pd_err *glob_err);
void pd_file_sd_each(const pd_job *job, pd_file_sd_fn fn, void *ctx);

/* A job for targets registered over the API under a name no scrape_config
 * has: http, the global scrape_interval, Go's default profiles, no auth and
 * no relabeling. Free with pd_job_free. */
pd_job *pd_job_default(const pd_config *cfg, const char *name);
void pd_job_free(pd_job *job);
/* The bound of derived seconds (pd_default_seconds) for job's targets
 * scraped every interval_ms: the job's explicit timeout if shorter. */
int64_t pd_job_seconds_bound(const pd_job *job, int64_t interval_ms);
/* The scrape timeout a job derives for `interval_ms` when its profiles take
 * up to max_seconds: global.scrape_timeout if set, else max_seconds + 10s;
 * never over the interval. */
int64_t pd_job_timeout_ms(const pd_config *cfg, int64_t interval_ms, int64_t max_seconds);

/* Prometheus durations: "1y2w3d4h5m6s7ms" with units in that order, each
 * once, integer amounts; "0" alone is 0. y = 365d, w = 7d. -EINVAL on an
 * empty, negative or malformed string, -ERANGE on overflow. */
int pd_parse_duration(const char *s, int64_t *ms, pd_err *err);
/* Formats like Prometheus ("1h30m", "500ms", "0s"). */
void pd_format_duration(int64_t ms, char *buf, size_t size);
/* Byte sizes: a plain integer is bytes; suffixes B, KB/KiB, MB/MiB, GB/GiB,
 * TB/TiB, powers of 1024 as Prometheus' units.Base2Bytes. */
int pd_parse_size(const char *s, uint64_t *bytes, pd_err *err);

#endif
