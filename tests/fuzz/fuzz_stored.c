/* The stored form's readers on any bytes: the input is a symbol chunk and
 * a stored profile, uncompressed ([2-byte length of the chunk][chunk]
 * [profile]); both are packed as the store packs them, the chunk loaded
 * into a table, the profile decoded and rebuilt against it, and whatever
 * comes back must encode as pprof and pack again into the same profile.
 * The whole input also goes to pd_unpack as it is. */
#include "fuzz.h"

#include "pd_stored.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    if (pd_unpack(data, size, 1u << 20, &raw, &rawlen, NULL) == 0)
        free(raw);
    if (size < 2)
        return 0;
    size_t clen = (size_t)data[0] << 8 | data[1];
    if (clen > size - 2)
        clen = size - 2;
    const uint8_t *chunk = data + 2, *blob = chunk + clen;
    size_t blen = size - 2 - clen;

    pd_symtab *t = pd_symtab_new();
    uint8_t *packed = NULL;
    size_t plen = 0;
    pd_pack(chunk, clen, &packed, &plen);
    (void)pd_symtab_load(t, packed, plen, NULL);
    free(packed);
    pd_pack(blob, blen, &packed, &plen);
    pd_stored st;
    if (pd_stored_decode(packed, plen, 100000, &st, NULL) == 0) {
        pd_profile *p = NULL;
        if (pd_symtab_unpack(t, &st, &p, NULL) == 0) {
            uint8_t *enc = NULL;
            size_t n = 0;
            if (pd_profile_encode(p, false, &enc, &n, NULL) != 0)
                abort(); /* a rebuilt profile always encodes */
            free(enc);
            /* interned into a fresh table and rebuilt: the same samples */
            pd_symtab *t2 = pd_symtab_new();
            pd_stored again;
            pd_symtab_add(t2, p, &again);
            pd_profile *q = NULL;
            if (pd_symtab_unpack(t2, &again, &q, NULL) != 0 || q->nsamples != p->nsamples)
                abort();
            pd_profile_free(q);
            pd_stored_free(&again);
            pd_symtab_free(t2);
            pd_profile_free(p);
        }
        pd_stored_free(&st);
    }
    free(packed);
    pd_symtab_free(t);
    return 0;
}
