/* The quiet set of the scrape engine (pd_scraper.h): a (process, type)
 * whose window profile may still run on the target is not asked again
 * before its time, and the line is pumped when that time comes. */
#include "sc_engine.h"

#include "pd_hash.h"
#include "pd_log.h"
#include "pd_mem.h"

#include <stdlib.h>
#include <string.h>

static size_t key_len(const pd_scrape_slot *s)
{
    return strlen(s->target->address) + 1 + strlen(s->type) + 1;
}

static void key_of(const pd_scrape_slot *s, char *key)
{
    size_t a = strlen(s->target->address) + 1;
    memcpy(key, s->target->address, a);
    memcpy(key + a, s->type, strlen(s->type) + 1);
}

static bool key_is(const sc_quiet *q, const pd_scrape_slot *s)
{
    size_t a = strlen(s->target->address) + 1;
    return memcmp(q->key, s->target->address, a) == 0 && strcmp(q->key + a, s->type) == 0;
}

static int64_t now_ms(const pd_scraper *sc)
{
    return (int64_t)uv_now(sc->loop);
}

bool sc_quiet_has(pd_scraper *sc, const pd_scrape_slot *s)
{
    int64_t now = now_ms(sc);
    for (sc_quiet **p = &sc->quiet[sc_bucket(s)]; *p != NULL;) {
        sc_quiet *q = *p;
        if (q->until_ms <= now) { /* over: dropped as it is met */
            *p = q->next;
            free(q);
            continue;
        }
        if (key_is(q, s))
            return true;
        p = &q->next;
    }
    return false;
}

static void on_quiet_timer(uv_timer_t *t)
{
    pd_scraper *sc = t->data;
    sc->quiet_due_ms = 0;
    int64_t now = now_ms(sc), next = 0;
    for (size_t b = 0; b < SC_FLY_BUCKETS; b++)
        for (sc_quiet **p = &sc->quiet[b]; *p != NULL;) {
            sc_quiet *q = *p;
            if (q->until_ms <= now) {
                *p = q->next;
                free(q);
                continue;
            }
            if (next == 0 || q->until_ms < next)
                next = q->until_ms;
            p = &q->next;
        }
    if (next != 0) {
        sc->quiet_due_ms = next;
        uv_timer_start(&sc->quiet_timer, on_quiet_timer, (uint64_t)(next - now), 0);
    }
    sc_pump(sc);
}

/* Whether the target sent its whole answer: its handler is over. (A body
 * byte says the same: a profile is written once it is taken.) */
static bool answered(pd_scrape_reason code)
{
    switch (code) {
    case PD_SCRAPE_OK:
    case PD_SCRAPE_HTTP:
    case PD_SCRAPE_CPU_IN_USE:
    case PD_SCRAPE_RETRY_LATER:
    case PD_SCRAPE_EMPTY:
    case PD_SCRAPE_TOO_LARGE:
    case PD_SCRAPE_INVALID_PROFILE:
        return true;
    default: /* timeout, slow, aborted, connection lost, tls, error */
        return false;
    }
}

void sc_quiet_note(pd_scraper *sc, const pd_scrape_slot *s, const pd_fetch_result *res)
{
    if (s->seconds <= 0 || sc->stopping)
        return;
    int64_t quiet_ms = 0;
    if (res->code == PD_SCRAPE_CPU_IN_USE)
        quiet_ms = s->seconds * 1000; /* someone's profile runs now */
    else if (res->sent && res->bytes == 0 && !answered(res->code))
        quiet_ms = s->seconds * 1000 + SC_QUIET_SLACK_MS; /* ours may still run */
    if (quiet_ms == 0)
        return;
    int64_t until = now_ms(sc) + quiet_ms;
    sc_quiet **head = &sc->quiet[sc_bucket(s)], *q = *head;
    while (q != NULL && !key_is(q, s))
        q = q->next;
    if (q == NULL) {
        q = pd_xmalloc(sizeof(*q) + key_len(s));
        key_of(s, q->key);
        q->until_ms = 0;
        q->next = *head;
        *head = q;
    }
    if (until > q->until_ms)
        q->until_ms = until;
    pd_log_info("holding back requests to a target", "job=%s instance=%s type=%s reason=%s ms=%lld",
                s->target->job, s->target->instance, s->type, res->reason, (long long)quiet_ms);
    if (sc->quiet_due_ms == 0 || until < sc->quiet_due_ms) {
        sc->quiet_due_ms = until;
        uv_timer_start(&sc->quiet_timer, on_quiet_timer, (uint64_t)quiet_ms, 0);
    }
}

void sc_quiet_clear(pd_scraper *sc)
{
    for (size_t b = 0; b < SC_FLY_BUCKETS; b++)
        while (sc->quiet[b] != NULL) {
            sc_quiet *q = sc->quiet[b];
            sc->quiet[b] = q->next;
            free(q);
        }
    uv_timer_stop(&sc->quiet_timer);
    sc->quiet_due_ms = 0;
}
