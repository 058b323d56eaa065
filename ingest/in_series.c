/* The series a pushed profile is stored under: the sender's labels,
 * checked as strictly as a registration's, then the external labels and
 * the type, as a scraped profile's. */
#include "pd_ingest.h"

#include "pd_utf8.h"

#include <string.h>

int pd_ingest_push_series(const char *type, const char *const *names, const char *const *values,
                          size_t n, const pd_labels *external, pd_labels *series, pd_err *err)
{
    if (!pd_profile_name_valid(type))
        return pd_errf(err, -EINVAL, "type: invalid profile type \"%.80s\"", type ? type : "");
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i], *v = values[i];
        if (!pd_label_name_valid(name) || strncmp(name, "__", 2) == 0)
            return pd_errf(err, -EINVAL, "%.80s: invalid label name", name ? name : "");
        if (strcmp(name, "type") == 0)
            return pd_errf(err, -EINVAL, "type: given as a label; it is the type parameter");
        if (!pd_utf8_valid(v))
            return pd_errf(err, -EINVAL, "%s: label value is not valid UTF-8", name);
        if (v[0] == '\0' || strlen(v) > PD_STORE_MAX_LABEL_VALUE)
            return pd_errf(err, -EINVAL, "%s: want 1 to %d characters", name,
                           PD_STORE_MAX_LABEL_VALUE);
        if (pd_labels_get(series, name) != NULL)
            return pd_errf(err, -EINVAL, "%s: given twice", name);
        pd_labels_set(series, name, v);
    }
    for (size_t i = 0; external != NULL && i < external->n; i++)
        pd_labels_set_default(series, external->v[i].name, external->v[i].value);
    pd_labels_set(series, "type", type);
    if (series->n > PD_STORE_MAX_LABELS)
        return pd_errf(err, -EINVAL, "%zu labels with type and the external labels, more than %d",
                       series->n, PD_STORE_MAX_LABELS);
    return 0;
}
