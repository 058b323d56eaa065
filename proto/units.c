/* Unit conversion before a merge, after pprof's internal/measurement:
 * every profile is brought to the finest unit of each sample type (and of
 * the period type) among those merged, values rounded to nearest. */
#include "pd_profile.h"

#include "num.h"
#include "pd_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit {
    const char *canonical;
    const char *aliases[4];
    double factor;
} unit;

typedef struct unit_type {
    double default_factor;
    const unit *units;
    size_t n;
} unit_type;

static const unit memory_units[] = {
    {"B", {"b", "byte"}, 1},
    {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
    {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
    {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
    {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
    {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0},
};
static const unit time_units[] = {
    {"ns", {"ns", "nanosecond"}, 1},    {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
    {"ms", {"ms", "millisecond"}, 1e6}, {"s", {"s", "sec", "second"}, 1e9},
    {"hrs", {"hour", "hr"}, 3600e9},
};
static const unit gcu_units[] = {
    {"n*GCU", {"nanogcu"}, 1e-9}, {"u*GCU", {"microgcu"}, 1e-6}, {"m*GCU", {"milligcu"}, 1e-3},
    {"GCU", {"gcu"}, 1},          {"k*GCU", {"kilogcu"}, 1e3},   {"M*GCU", {"megagcu"}, 1e6},
    {"G*GCU", {"gigagcu"}, 1e9},  {"T*GCU", {"teragcu"}, 1e12},  {"P*GCU", {"petagcu"}, 1e15},
};
static const unit_type unit_types[] = {
    {1, memory_units, sizeof(memory_units) / sizeof(memory_units[0])},
    {1e9, time_units, sizeof(time_units) / sizeof(time_units[0])},
    {1, gcu_units, sizeof(gcu_units) / sizeof(gcu_units[0])},
};
#define N_UNIT_TYPES (sizeof(unit_types) / sizeof(unit_types[0]))

/* measurement's sniffUnit: lower-case, drop one trailing 's' from names
 * longer than two bytes, then look the alias up. */
static const unit *sniff_unit(const unit_type *ut, pd_str s)
{
    char buf[64];
    size_t n = s.len;
    if (n >= sizeof(buf))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s.ptr[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (n > 2 && buf[n - 1] == 's')
        n--;
    buf[n] = '\0';
    for (size_t i = 0; i < ut->n; i++)
        for (size_t j = 0; j < 4 && ut->units[i].aliases[j]; j++)
            if (strcmp(ut->units[i].aliases[j], buf) == 0)
                return &ut->units[i];
    return NULL;
}

/* measurement.Scale for a value in `from` expressed in `to`. */
static double scale_value(int64_t value, pd_str from, pd_str to)
{
    /* Go's `-value > 0` is false for the most negative value (it wraps):
     * that one is scaled as it is. */
    if (value < 0 && value != INT64_MIN)
        return -scale_value(-value, from, to);
    for (size_t i = 0; i < N_UNIT_TYPES; i++) {
        const unit_type *ut = &unit_types[i];
        const unit *fu = sniff_unit(ut, from);
        if (fu == NULL)
            continue;
        double v = (double)value * fu->factor;
        const unit *tu = sniff_unit(ut, to);
        return tu == NULL ? v / ut->default_factor : v / tu->factor;
    }
    return (double)value;
}

static bool str_eq(pd_str a, pd_str b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static pd_str trim_s(pd_str s)
{
    if (s.len > 0 && s.ptr[s.len - 1] == 's')
        s.len--;
    return s;
}

typedef struct vt_ref {
    pd_str type, unit;
} vt_ref;

static bool compatible_units(vt_ref a, vt_ref b)
{
    if (!str_eq(trim_s(a.type), trim_s(b.type)))
        return false;
    if (str_eq(a.unit, b.unit))
        return true;
    for (size_t i = 0; i < N_UNIT_TYPES; i++)
        if (sniff_unit(&unit_types[i], a.unit) && sniff_unit(&unit_types[i], b.unit))
            return true;
    return false;
}

static vt_ref ref(const pd_profile *p, pd_value_type vt)
{
    return (vt_ref){p->strings[vt.type], p->strings[vt.unit]};
}

/* measurement.CommonValueType: the finest of compatible types. */
static int common_unit(vt_ref *ts, size_t n, const char *what, vt_ref *out, pd_err *err)
{
    vt_ref min = ts[0];
    for (size_t i = 1; i < n; i++) {
        if (!compatible_units(min, ts[i]))
            return pd_errf(err, -EINVAL, "%s: incompatible types %.*s/%.*s and %.*s/%.*s", what,
                           (int)min.type.len, min.type.ptr, (int)min.unit.len, min.unit.ptr,
                           (int)ts[i].type.len, ts[i].type.ptr, (int)ts[i].unit.len,
                           ts[i].unit.ptr);
        if (scale_value(1, ts[i].unit, min.unit) < 1)
            min = ts[i];
    }
    *out = min;
    return 0;
}

int pd_profiles_scale_units(pd_profile **ps, size_t n, pd_err *err)
{
    /* With one profile, or none, there is nothing to reconcile. */
    if (n <= 1)
        return 0;
    size_t nst = ps[0]->nsample_types;
    for (size_t j = 1; j < n; j++)
        if (ps[j]->nsample_types != nst)
            return pd_errf(err, -EINVAL, "inconsistent sample type count: %zu != %u", nst,
                           ps[j]->nsample_types);
    vt_ref *ts = pd_xmalloc(sizeof(vt_ref) * n);
    vt_ref *common = pd_xmalloc(sizeof(vt_ref) * (nst + 1));
    double *ratios = pd_xmalloc(sizeof(double) * (nst + 1));
    char *units = NULL;
    int rc = 0;
    vt_ref period;
    for (size_t j = 0; j < n; j++)
        ts[j] = ref(ps[j], ps[j]->period_type);
    rc = common_unit(ts, n, "period type", &period, err);
    for (size_t i = 0; rc == 0 && i < nst; i++) {
        for (size_t j = 0; j < n; j++)
            ts[j] = ref(ps[j], ps[j]->sample_types[i]);
        rc = common_unit(ts, n, "sample types", &common[i], err);
    }
    if (rc < 0)
        goto out;
    /* The common units point into profiles' string tables that interning
     * may move: copy them first. */
    size_t total = period.unit.len + 1;
    for (size_t i = 0; i < nst; i++)
        total += common[i].unit.len + 1;
    units = pd_xmalloc(total);
    size_t off = 0;
    memcpy(units, period.unit.ptr, period.unit.len);
    period.unit.ptr = units;
    off += period.unit.len + 1;
    for (size_t i = 0; i < nst; i++) {
        memcpy(units + off, common[i].unit.ptr, common[i].unit.len);
        common[i].unit.ptr = units + off;
        off += common[i].unit.len + 1;
    }
    for (size_t j = 0; j < n; j++) {
        pd_profile *p = ps[j];
        double period_v = scale_value(p->period, p->strings[p->period_type.unit], period.unit);
        p->period = pd_to_int64(period_v);
        p->period_type.unit = pd_profile_intern(p, period.unit.ptr, period.unit.len);
        for (size_t i = 0; i < nst; i++) {
            ratios[i] = scale_value(1, p->strings[p->sample_types[i].unit], common[i].unit);
            p->sample_types[i].unit = pd_profile_intern(p, common[i].unit.ptr, common[i].unit.len);
        }
        pd_profile_scale_n(p, ratios);
    }
out:
    free(ts);
    free(common);
    free(ratios);
    free(units);
    return rc;
}
