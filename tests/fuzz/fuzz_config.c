/* The YAML config as `pprofd check-config` and reload read it; a config
 * that parses has each job's static targets built (relabeling applied). */
#include "fuzz.h"

#include "pd_config.h"
#include "pd_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_config *cfg = NULL;
    pd_err err = {{0}};
    if (pd_config_parse((const char *)data, size, "fuzz.yaml", &cfg, &err) < 0)
        return 0;
    for (size_t i = 0; i < cfg->njobs; i++) {
        pd_target_list l = {0};
        pd_targets_build_static(cfg, &cfg->jobs[i], &l, NULL);
        pd_target_list_free(&l);
    }
    pd_config_free(cfg);
    return 0;
}
