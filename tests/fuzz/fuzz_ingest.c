/* The ingest pipeline with a previous snapshot: byte 0 picks the profile
 * kind, bytes 1..4 (little-endian) the length of the current body; the rest
 * is the previous snapshot (none if empty). */
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
        .body = data + 5,
        .len = cur,
        .max_bytes = 32u << 20,
        .kind = (pd_profile_kind)(data[0] % 4),
        .prev = cur < size - 5 ? data + 5 + cur : NULL,
        .prev_len = size - 5 - cur,
    };
    pd_ingest_out out;
    if (pd_ingest(&in, &out, NULL) == 0)
        pd_ingest_out_free(&out);
    return 0;
}
