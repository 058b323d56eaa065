/* A label set: name/value pairs kept sorted by name, names unique, every
 * string owned by the set (malloc'd). As in Prometheus, a label with an empty
 * value is the same as no label: setting "" deletes. */
#ifndef PD_LABELS_H
#define PD_LABELS_H

#include "pd_names.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_label {
    char *name;
    char *value;
} pd_label;

typedef struct pd_labels {
    pd_label *v; /* sorted by name (strcmp) */
    size_t n;
    size_t cap;
} pd_labels;

#define PD_LABELS_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void pd_labels_init(pd_labels *ls);
void pd_labels_free(pd_labels *ls);
/* dst (initialized or not) becomes a deep copy of src; dst's old content is
 * not freed. */
void pd_labels_copy(pd_labels *dst, const pd_labels *src);

/* The value of `name`, or NULL if absent. The pointer is valid until the set
 * changes. */
const char *pd_labels_get(const pd_labels *ls, const char *name);
/* Sets name=value (copies both). An empty value deletes the label. */
void pd_labels_set(pd_labels *ls, const char *name, const char *value);
/* Sets name=value only if `name` is absent. */
void pd_labels_set_default(pd_labels *ls, const char *name, const char *value);
/* Removes `name`; returns whether it was there. */
bool pd_labels_del(pd_labels *ls, const char *name);
bool pd_labels_equal(const pd_labels *a, const pd_labels *b);
/* A stable 64-bit hash of the whole set (names and values, in order): the
 * same labels hash the same across processes and restarts. FNV-1a over
 * name 0xff value 0xff ... */
uint64_t pd_labels_hash(const pd_labels *ls);
/* Writes {a="1", b="2"} into buf (truncated to size, always terminated). */
void pd_labels_format(const pd_labels *ls, char *buf, size_t size);

#endif
