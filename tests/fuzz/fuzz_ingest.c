/* The ingest pipeline with a previous snapshot: byte 0 picks the profile
 * kind (bits 0-1) and whether the target subtracts itself (bit 2), bytes
 * 1..4 (little-endian) the length of the current body; the rest is the
 * previous snapshot (none if empty), ingested first for its baseline. */
#include "fuzz.h"

#include "pd_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    size_t cur =
        (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 | (size_t)data[4] << 24;
    if (cur > size - 5)
        cur = size - 5;
    pd_ingest_in in = {
        .max_bytes = 32u << 20,
        .kind = (pd_profile_kind)(data[0] % 4),
        .server_delta = (data[0] & 4) != 0,
    };
    pd_ingest_out out;
    pd_baseline *prev = NULL;
    if (cur < size - 5) {
        in.body = data + 5 + cur;
        in.len = size - 5 - cur;
        if (pd_ingest(&in, &out, NULL) == 0) {
            prev = out.baseline;
            out.baseline = NULL;
            pd_ingest_out_free(&out);
        }
    }
    in.body = data + 5;
    in.len = cur;
    in.prev = prev;
    if (pd_ingest(&in, &out, NULL) == 0)
        pd_ingest_out_free(&out);
    pd_baseline_unref(prev);
    return 0;
}
