/* file_sd files, JSON or YAML (the first byte picks: as the file name's
 * extension does), and the targets they make through a job with a relabel
 * rule. */
#include "fuzz.h"

#include "pd_config.h"
#include "pd_sd.h"
#include "pd_targets.h"

#include <string.h>

static const char cfg_text[] = "scrape_configs:\n"
                               "  - job_name: sd\n"
                               "    relabel_configs:\n"
                               "      - source_labels: [__address__, team]\n"
                               "        regex: '([^:]+):\\d+;(?P<t>.*)'\n"
                               "        target_label: host\n"
                               "        replacement: '$1-${t}'\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = data[0] & 1 ? "targets.yaml" : "targets.json";
    pd_group_list groups = {0};
    if (pd_file_sd_parse((const char *)data + 1, size - 1, name, &groups, NULL) == 0) {
        pd_config *cfg = NULL;
        if (pd_config_parse(cfg_text, strlen(cfg_text), "sd.yaml", &cfg, NULL) == 0) {
            pd_target_list l = {0};
            pd_targets_build(cfg, &cfg->jobs[0], groups.v, groups.n, &l, NULL);
            pd_target_list_free(&l);
            pd_config_free(cfg);
        }
    }
    pd_group_list_free(&groups);
    return 0;
}
