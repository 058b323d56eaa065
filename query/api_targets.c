/* GET /api/v1/targets: every target with its labels, and per profile type
 * its URL, health, last error, last and next scrape. Loop thread. */
#include "api_int.h"

#include "pd_clock.h"

#include <jansson.h>

static const char *health(const pd_scrape_health *h)
{
    return !h->ran ? "unknown" : h->last == PD_SCRAPE_OK ? "up" : "down";
}

static json_t *slot_json(const pd_tslot *s, int64_t now_mono, int64_t now_wall)
{
    const pd_scrape_slot *sc = &s->sc;
    const pd_scrape_health *h = &sc->h;
    json_t *p = json_object();
    json_object_set_new(p, "url", json_string(s->url));
    json_object_set_new(p, "health", json_string(health(h)));
    json_object_set_new(p, "last_reason",
                        h->ran ? json_string(pd_scrape_reason_name(h->last, h->last_status))
                               : json_null());
    json_object_set_new(p, "last_error", json_string(h->last_error));
    json_object_set_new(p, "last_scrape", api_time_json(h->last_scrape_wall_ms));
    json_object_set_new(p, "last_duration_ms", json_integer(h->last_duration_ms));
    json_object_set_new(p, "next_due", api_time_json(now_wall + (sc->due_ms - now_mono)));
    json_object_set_new(p, "interval_ms", json_integer(sc->interval_ms));
    json_object_set_new(p, "scrapes_ok", json_integer((json_int_t)h->ok));
    json_object_set_new(p, "scrapes_failed", json_integer((json_int_t)h->failed));
    json_object_set_new(p, "ticks_skipped", json_integer((json_int_t)h->skipped));
    json_object_set_new(p, "in_flight", json_boolean(sc->busy));
    return p;
}

void api_targets_list(api_req *r)
{
    pd_api *api = r->api;
    int64_t now_mono = (int64_t)uv_now(api->loop);
    int64_t now_wall = pd_now_ns() / 1000000;
    json_t *arr = json_array();
    for (size_t i = 0; i < pd_tset_count(api->targets); i++) {
        const pd_ttarget *t = pd_tset_at(api->targets, i);
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(t->id));
        json_object_set_new(o, "job", json_string(t->job));
        json_object_set_new(o, "address", json_string(t->tg.address));
        json_object_set_new(o, "labels", api_labels_json(&t->tg.labels));
        json_object_set_new(o, "source", json_string(t->reg_id > 0 ? "api" : "config"));
        json_object_set_new(o, "scrape_timeout_ms", json_integer(t->st.timeout_ms));
        bool up = t->nslots > 0;
        json_t *profiles = json_object();
        for (size_t k = 0; k < t->nslots; k++) {
            const pd_tslot *s = &t->slots[k];
            up = up && s->sc.h.ran && s->sc.h.last == PD_SCRAPE_OK;
            json_object_set_new(profiles, s->name, slot_json(s, now_mono, now_wall));
        }
        json_object_set_new(o, "health", json_string(up ? "up" : "down"));
        json_object_set_new(o, "profiles", profiles);
        json_array_append_new(arr, o);
    }
    api_set_json(r, 200, json_pack("{s:o}", "targets", arr));
}
