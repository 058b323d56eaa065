/* Every JSON body the API takes: the first byte picks the endpoint
 * (register, update, capture, Alertmanager webhook), the rest is the body. */
#include "fuzz.h"

#include "pd_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const pd_api_action actions[] = {PD_API_TARGET_ADD, PD_API_TARGET_UPDATE, PD_API_CAPTURE,
                                            PD_API_ALERTS};
    if (size < 1)
        return 0;
    pd_api_request rq = {.action = actions[data[0] % 4]};
    pd_api_body *b = NULL;
    pd_api_parse_body(&rq, data + 1, size - 1, &b, NULL);
    pd_api_body_free(b);
    return 0;
}
